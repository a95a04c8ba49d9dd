"""What `mail send` sends after a run (issue 20, points 3–4): each school's feedback or
acceptance, reminders to schools that sent nothing, the month's templates; as messages over
one SMTP connection, as .eml files for a look first, or as a sheet for a mail merge.

Data, not printing: `plan` decides who gets what from the month's status (pipeline/status.py,
the one source of each school's standing), `send` records each outcome in the ledger at once,
so that nothing is sent twice and a failed message is tried again by the next `send`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from pipeline.consolidate import feedback_name
from pipeline.ledger import Ledger
from pipeline.mail.account import MailError, MailSettings, load_mail_settings, smtp
from pipeline.russian import date_words, month, month_year, plural
from pipeline.standing import ACCEPTED, MISSING, REJECTED
from pipeline.status import SchoolRow, period_status
from pipeline.validate import FileResult
from pipeline.workbooks import Formats, atomic_path, made_line, new_workbook, write_output
from pipeline.workspace import School, Workspace
from schemas.columns import JUSTIFICATIONS
from schemas.outputs import FEEDBACK_FOLDER, SCHOOL_CODE, OutputColumn, OutputTable

FEEDBACK, ACCEPTED_KIND, TEMPLATE = "feedback", "accepted", "template"
REMINDER_BEFORE, REMINDER_AFTER = "reminder-before", "reminder-after"
KIND_WORDS = {FEEDBACK: "замечания", ACCEPTED_KIND: "отчёт принят",
              REMINDER_BEFORE: "напоминание о сроке", REMINDER_AFTER: "отчёт просрочен",
              TEMPLATE: "шаблон формы"}
TEMPLATES_FOLDER = "templates"  # outbox/<period>/templates/, as pipeline/template.py writes them
LETTERS_FOLDER = "Письма"  # outbox/<period>/Письма/: the .eml files of a dry run
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
NO_ADDRESS = "нет адреса в реестре"
PLACEHOLDER_SENDER = "nastavnik@example.invalid"  # a dry run's From when [mail] is not set
PLACEHOLDER_NAME = "Управление образования"  # and its name, the letters' signature


@dataclass(frozen=True)
class Letter:
    period: str
    school: School
    row: SchoolRow  # the school's line of the month's status
    kind: str  # feedback, accepted, reminder-before, reminder-after, template
    recipient: str
    subject: str
    body: str
    attachment: Path | None
    sha256: str  # of the attachment's bytes, else of the body
    already: bool = False  # the ledger has it sent

    @property
    def kind_ru(self) -> str:
        return KIND_WORDS[self.kind]


@dataclass
class MailPlan:
    period: str
    letters: list[Letter] = field(default_factory=list)
    # schools that would get a letter but have no address: (school, why)
    problems: list[tuple[School, str]] = field(default_factory=list)
    new_files: list[str] = field(default_factory=list)  # in the inbox, not seen by a run yet

    @property
    def new(self) -> list[Letter]:
        return [letter for letter in self.letters if not letter.already]


@dataclass(frozen=True)
class Outcome:
    letter: Letter
    error: str | None = None  # why it was not sent, Russian
    message_id: str | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


# --- who gets what ------------------------------------------------------------------------------

def plan(workspace: Workspace, period: str, *, feedback: bool = True, reminders: bool = False,
         templates: bool = False, today: dt.date | None = None) -> MailPlan:
    """The letters of the month, each marked `already` when the ledger has it sent."""
    status = period_status(workspace, period)
    if status.last_run is None:
        raise MailError(f"свод за {period} ещё не выполнялся — сначала запустите "
                        f"nastavnik run --period {period}")
    today = today or dt.date.today()
    district = workspace.settings.district
    result = MailPlan(period, new_files=status.new_files)
    drafts: list[tuple[SchoolRow, str, str, str, Path | None]] = []
    for row in status.schools:
        school = row.school
        if feedback and row.status != MISSING:
            path = workspace.outbox / period / FEEDBACK_FOLDER / feedback_name(
                FileResult(file="", school=school))
            if path.is_file():
                drafts.append((row, FEEDBACK, *_feedback_text(row, period, district,
                                                              status.deadline, path), path))
            elif row.status == ACCEPTED:
                drafts.append((row, ACCEPTED_KIND, *_accepted_text(row, period, district),
                               None))
        if reminders and row.status == MISSING:
            after = today > status.deadline.date()
            drafts.append((row, REMINDER_AFTER if after else REMINDER_BEFORE,
                           *_reminder_text(row, period, district, status.deadline, after),
                           None))
        if templates:
            path = _template_path(workspace, school, period)
            if path is not None:
                drafts.append((row, TEMPLATE, *_template_text(row, period, district,
                                                              status.deadline, path), path))
    sent = _sent_before(workspace, period)
    for row, kind, subject, body, path in drafts:
        if not row.school.email.strip():
            if (row.school, NO_ADDRESS) not in result.problems:
                result.problems.append((row.school, NO_ADDRESS))
            continue
        digest = hashlib.sha256(path.read_bytes() if path else body.encode()).hexdigest()
        result.letters.append(Letter(
            period, row.school, row, kind, row.school.email.strip(), subject, body, path,
            digest, already=(row.school.code, kind, digest) in sent))
    return result


def _sent_before(workspace: Workspace, period: str) -> set[tuple[str, str, str]]:
    """(school, kind, SHA-256) of the month's letters the ledger has sent."""
    with Ledger.open(workspace.state_dir) as ledger:
        return {(m["school_code"], m["kind"], m["sha256"]) for m in ledger.mails(period=period)
                if m["outcome"] == "sent"}


def _template_path(workspace: Workspace, school: School, period: str) -> Path | None:
    from pipeline.template import template_filename

    path = workspace.outbox / period / TEMPLATES_FOLDER / template_filename(
        school.code, school.short_name, period)
    return path if path.is_file() else None


# --- the letters' words ---------------------------------------------------------------------

def _subject(district: str, period: str, what: str) -> str:
    """«Наставничество, Берёзовский район, ноябрь 2026: отчёт ОО-07 принят»."""
    return f"Наставничество, {district}, {month(period)} {period[:4]}: {what}"


def _counts(row: SchoolRow) -> str:
    return (f"{plural(row.errors, 'ошибка', 'ошибки', 'ошибок')}, "
            f"{plural(row.warnings, 'предупреждение', 'предупреждения', 'предупреждений')}")


def _feedback_text(row: SchoolRow, period: str, district: str, deadline: dt.datetime,
                   path: Path) -> tuple[str, str]:
    school = row.school
    subject = _subject(district, period, f"отчёт {school.code} {row.status}")
    lines = [f"Отчёт {school.name} ({school.code}) о наставничестве за "
             f"{month_year(period)} {row.status}: {_counts(row)}.",
             "",
             f"В приложенном файле «{path.name}» каждое замечание отмечено в ячейке и "
             "объяснено, там же — список всех замечаний."]
    todo = []
    if row.status == REJECTED:
        todo.append("Отчёт не принят и в свод не вошёл: исправьте ошибки и пришлите "
                    "исправленный файл ответом на это письмо.")
    elif row.errors:
        todo.append("Строки с ошибками в свод не вошли: исправьте их и пришлите исправленный "
                    "файл ответом на это письмо.")
    if row.warnings:
        todo.append("Предупреждения проверьте: если данные верны, объясните их на листе "
                    f"«{JUSTIFICATIONS.name}», если нет — исправьте.")
    if todo:
        lines += ["", *todo]
    lines += ["", _deadline_line(period, deadline)]
    return subject, _letter(lines)


def _accepted_text(row: SchoolRow, period: str, district: str) -> tuple[str, str]:
    school = row.school
    subject = _subject(district, period, f"отчёт {school.code} {ACCEPTED}")
    return subject, _letter([f"Отчёт {school.name} ({school.code}) о наставничестве за "
                             f"{month_year(period)} принят без замечаний. Спасибо!"])


def _reminder_text(row: SchoolRow, period: str, district: str, deadline: dt.datetime,
                   after: bool) -> tuple[str, str]:
    school = row.school
    due = date_words(deadline.date())
    if after:
        subject = _subject(district, period, f"отчёт {school.code} не получен, срок прошёл")
        lines = [f"Отчёт {school.name} ({school.code}) о наставничестве за "
                 f"{month_year(period)} не получен, а срок сдачи — {due} — прошёл.",
                 "",
                 "Пришлите заполненную форму как можно скорее ответом на это письмо. Если "
                 "отчёт уже отправлен, ответьте, пожалуйста, когда и с какого адреса."]
    else:
        subject = _subject(district, period, f"напоминание о сроке отчёта {school.code}")
        lines = [f"Напоминаем: отчёт {school.name} ({school.code}) о наставничестве за "
                 f"{month_year(period)} нужно прислать до {due} включительно.",
                 "",
                 "Пришлите заполненную форму ответом на это письмо. Если отчёт уже "
                 "отправлен, не обращайте внимания на это напоминание."]
    return subject, _letter(lines)


def _template_text(row: SchoolRow, period: str, district: str, deadline: dt.datetime,
                   path: Path) -> tuple[str, str]:
    school = row.school
    subject = _subject(district, period, f"форма отчёта для {school.code}")
    return subject, _letter([
        f"В приложении — форма отчёта {school.name} ({school.code}) о наставничестве за "
        f"{month_year(period)} («{path.name}»): школа и период в ней уже указаны, а списки "
        "прошлого принятого отчёта перенесены — измените только то, что изменилось.",
        "", _deadline_line(period, deadline)])


def _deadline_line(period: str, deadline: dt.datetime) -> str:
    return f"Срок сдачи отчёта за {month_year(period)} — {date_words(deadline.date())}."


def _letter(lines: list[str]) -> str:
    return "Здравствуйте!\n\n" + "\n".join(lines) + "\n"


# --- the message ---------------------------------------------------------------------------

def build_message(letter: Letter, settings: MailSettings) -> EmailMessage:
    """The letter as a message: UTF-8 text, the attachment with its Russian file name (RFC
    2231 in Content-Disposition, RFC 2047 in Content-Type's name for Outlook)."""
    msg = EmailMessage(policy=policy.SMTP)
    sender = settings.from_address or PLACEHOLDER_SENDER
    domain = sender.rpartition("@")[2]
    msg["From"] = Address(settings.sender_name, addr_spec=sender) if settings.sender_name \
        else sender
    msg["To"] = letter.recipient
    msg["Subject"] = letter.subject
    msg["Date"] = format_datetime(dt.datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=domain or None)
    signature = f"\n-- \n{settings.sender_name}\n" if settings.sender_name else ""
    msg.set_content(letter.body + signature, cte="base64")
    if letter.attachment is not None:
        msg.add_attachment(letter.attachment.read_bytes(), *XLSX_TYPE,
                           filename=letter.attachment.name)
    return msg


def dry_run_settings(root: Path) -> tuple[MailSettings, bool]:
    """The settings a dry run writes its letters with, and whether they are a placeholder
    (the workspace has no `[mail]`: a dry run needs no server, only a sender)."""
    try:
        return load_mail_settings(root), False
    except MailError:
        return MailSettings(user="", imap=None, smtp=None, sender=PLACEHOLDER_SENDER,
                            sender_name=PLACEHOLDER_NAME), True


def write_eml(letters: list[Letter], folder: Path, settings: MailSettings) -> list[Path]:
    """One .eml per letter in `folder` (a person opens one in a mail program), named by the
    school's code and the kind of letter."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for letter in letters:
        safe = "".join(ch if ch not in '\\/:*?"<>|' and ord(ch) >= 32 else " "
                       for ch in f"{letter.school.code} {letter.kind_ru}")
        path = folder / f"{' '.join(safe.split())}.eml"
        with atomic_path(path) as staged:
            staged.write_bytes(bytes(build_message(letter, settings)))
        paths.append(path)
    return paths


# --- sending --------------------------------------------------------------------------------

def send(workspace: Workspace, letters: list[Letter], settings: MailSettings, secret: str | None,
         on_letter: Callable[[Outcome], Any] | None = None) -> list[Outcome]:
    """Send the letters not sent before over one connection; each outcome is in the ledger
    as soon as it is known. A refused recipient fails that letter only; a dropped connection
    is opened again once. A server that cannot be used at all raises MailError before
    anything is recorded."""
    todo = [letter for letter in letters if not letter.already]
    outcomes: list[Outcome] = []
    if not todo:
        return outcomes
    with Ledger.open(workspace.state_dir) as ledger, _Connection(settings, secret) as conn:
        conn.open()  # a server that refuses the first connection: one Russian line, nothing sent
        for letter in todo:
            outcome = _send_one(conn, letter, settings)
            ledger.mail_sent(letter.period, letter.school.code, letter.kind, letter.recipient,
                             letter.subject, letter.sha256, error=outcome.error,
                             message_id=outcome.message_id)
            outcomes.append(outcome)
            if on_letter is not None:
                on_letter(outcome)
    return outcomes


class _Connection:
    """The SMTP session, opened again once after it drops."""

    def __init__(self, settings: MailSettings, secret: str | None) -> None:
        self.settings, self.secret = settings, secret
        self.stack = contextlib.ExitStack()
        self.smtp: smtplib.SMTP | None = None
        self.reopened = False
        self.lost: str | None = None  # why the connection is gone for good

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = self.stack.enter_context(smtp(self.settings, self.secret))
        return self.smtp

    def drop(self) -> bool:
        """Forget a dropped connection; whether it may be opened again."""
        self.stack.close()
        self.stack, self.smtp = contextlib.ExitStack(), None
        if self.reopened:
            return False
        self.reopened = True
        return True


def _send_one(conn: _Connection, letter: Letter, settings: MailSettings) -> Outcome:
    if conn.lost:
        return Outcome(letter, conn.lost)
    msg = build_message(letter, settings)
    while True:
        try:
            conn.open().send_message(msg)
            return Outcome(letter, None, msg["Message-ID"])
        except MailError as exc:  # opening again failed
            conn.lost = str(exc)
            return Outcome(letter, conn.lost)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = ", ".join(str(code) for code, _ in exc.recipients.values())
            return Outcome(letter, f"сервер отклонил адрес {letter.recipient} (код {codes}) — "
                                   "проверьте e-mail школы в реестре (schools.xlsx)")
        except smtplib.SMTPSenderRefused as exc:
            return Outcome(letter, f"сервер не принял отправителя {settings.from_address} "
                                   f"(код {exc.smtp_code}) — проверьте sender в разделе [mail]")
        except smtplib.SMTPResponseException as exc:
            return Outcome(letter, f"сервер не принял письмо (код {exc.smtp_code}) — "
                                   "попробуйте отправить позже")
        except (smtplib.SMTPServerDisconnected, OSError):
            if not conn.drop():
                conn.lost = ("соединение с почтовым сервером прервалось — отправьте "
                             "позже снова")
                return Outcome(letter, conn.lost)


# --- a mail merge without a server (point 4) ---------------------------------------------------

def _status(letter: Letter) -> str:
    return letter.row.status


MERGE = OutputTable("Рассылка", (  # fits the width of a landscape page (FIT_WIDTH)
    SCHOOL_CODE,
    OutputColumn("Школа", 24, lambda letter: letter.school.name, wrap=True),
    OutputColumn("E-mail", 22, "recipient", wrap=True),
    OutputColumn("Статус", 14, _status, wrap=True),
    OutputColumn("Ошибок", 9, lambda letter: letter.row.errors
                 if letter.row.status != MISSING else None),
    OutputColumn("Предупреждений", 17, lambda letter: letter.row.warnings
                 if letter.row.status != MISSING else None),
    OutputColumn("Письмо", 13, "kind_ru", wrap=True),
    OutputColumn("Тема", 30, "subject", wrap=True),
    OutputColumn("Файл", 30, lambda letter: str(letter.attachment.resolve())
                 if letter.attachment else None, wrap=True),
))


def merge_sheet(letters: list[Letter], path: Path, period: str) -> Path:
    """A workbook with a row per letter, for a mail merge in Outlook or Thunderbird."""
    from pipeline.workbooks import heading

    with atomic_path(path) as staged:
        book = new_workbook(staged)
        formats = Formats(book)
        write_output(book, formats, MERGE, [MERGE.row(letter) for letter in letters],
                     **heading(formats, f"Рассылка школам за {month_year(period)}",
                               [made_line()]))
        book.close()
    return path

