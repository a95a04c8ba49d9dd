"""`mail fetch`: the schools' forms from the office mailbox into `inbox/<period>/`.

Each new message of the folder is read once (the ledger keeps its UID and Message-ID); every
form attached to it, or packed in a .zip attached to it, is saved unchanged, named so that the
school and the time received are visible, with the message's date as its modification time
(the run takes that as the time the file was received). The mailbox is left as it was, unless
the settings ask to mark a message read or to move it.

The files are read from staging: a whole message's files are put in place, each by one
rename, and only then is the message recorded, so an interruption leaves no half file in the
inbox and no message taken without its files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import imaplib
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.ledger import Ledger, hold_workspace
from pipeline.mail.account import MailError, MailSettings, imap, refusal
from pipeline.paths import STAGING_DIR, STATE_DIR
from pipeline.workspace import Workspace, nearest_period

FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
ZIP_SUFFIX = ".zip"
MAX_ZIP_MEMBERS = 200  # a .zip of forms holds a few; more is not a school's parcel
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass
class SavedFile:
    path: Path  # in the inbox
    original: str  # the attachment's name as the school sent it
    period: str
    school_code: str | None  # of the form (its «Титул»), else of the sender
    from_form: bool  # whether the form itself said which school


@dataclass
class Arrival:  # one message of the mailbox, as taken
    uid: int
    sender: str
    subject: str
    sent: dt.datetime | None
    sender_school: str | None  # the school whose registry e-mail sent it
    saved: list[SavedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Russian: what was not saved, and why


@dataclass
class FetchResult:
    mailbox: str
    messages: list[Arrival] = field(default_factory=list)  # new ones, in the folder's order
    already: int = 0  # messages fetched before

    @property
    def files(self) -> list[SavedFile]:
        return [f for m in self.messages for f in m.saved]

    @property
    def unknown_senders(self) -> list[Arrival]:
        return [m for m in self.messages if m.sender_school is None and m.saved]

    @property
    def periods(self) -> list[str]:
        return sorted({f.period for f in self.files})


@dataclass
class _Part:
    name: str
    data: bytes


def fetch(workspace: Workspace, settings: MailSettings, secret: str, *,
          period: str | None = None, since: dt.date | None = None, today: dt.date | None = None,
          on_message: Callable[[int, int], None] | None = None) -> FetchResult:
    """Take the folder's new messages (sent on or after `since`; by default from the first
    day of the month being reported, or of `period`) into the inbox."""
    first = period or nearest_period(today or dt.date.today(), workspace.settings.deadline_day)
    since = since or dt.date.fromisoformat(first + "-01")
    result = FetchResult(settings.mailbox)
    stage = workspace.root / STATE_DIR / STAGING_DIR / "mail"
    with hold_workspace(workspace.root, "получение почты"), \
            imap(settings, secret) as conn, Ledger.open(workspace.state_dir) as ledger:
        changes = bool(settings.mark_seen or settings.move_to)
        try:
            uidvalidity, uids = _new_uids(conn, settings, since, readonly=not changes)
            taken, _ = ledger.fetched_before(settings.mailbox, uidvalidity, uids)
            todo = [uid for uid in uids if uid not in taken]
            result.already = len(uids) - len(todo)
            # 1. download: each message's forms staged, nothing in the inbox yet
            staged: list[tuple[Arrival, str | None, list[tuple[_Part, Path]]]] = []
            for n, uid in enumerate(todo, 1):
                if on_message:
                    on_message(n, len(todo))
                raw = _fetch_one(conn, uid)
                if raw is None:  # deleted meanwhile by another mail program
                    continue
                message = email.message_from_bytes(raw, policy=email.policy.compat32)
                message_id = (message.get("Message-ID") or "").strip() or None
                got = Arrival(uid, _sender(message), _subject(message), _date(message),
                               _school_of_sender(workspace, _sender(message)))
                if message_id and ledger.fetched_before(settings.mailbox, uidvalidity, (),
                                                        [message_id])[1]:
                    # the same message met before (in another folder, or the folder renumbered)
                    ledger.fetched(settings.mailbox, uidvalidity, uid, message_id=None,
                                   sender=got.sender, subject=got.subject, sent=got.sent,
                                   saved=[])
                    result.already += 1
                    continue
                parts = _attachments(message, got.notes, workspace.settings.max_unpacked_mb)
                if not parts and not got.notes:
                    got.notes.append("в письме нет вложенных файлов")
                staged.append((got, message_id, _stage(stage / str(uid), parts)))
        except (OSError, imaplib.IMAP4.abort) as exc:
            shutil.rmtree(stage, ignore_errors=True)
            raise refusal(settings.imap, exc, settings.user) from exc
        try:
            # 2. read: which school's form, for which month (one pass, in worker processes)
            identities = iter(_identify(workspace, [path for _g, _m, files in staged
                                                    for _p, path in files]))
            # 3. put in place, a message at a time, then record it
            for got, message_id, files in staged:
                for part, path in files:
                    _put(workspace, got, part, path, next(identities), period)
                ledger.fetched(settings.mailbox, uidvalidity, got.uid, message_id=message_id,
                               sender=got.sender, subject=got.subject, sent=got.sent,
                               saved=[{"path": _relative(workspace, f.path),
                                       "original": f.original, "period": f.period,
                                       "school_code": f.school_code} for f in got.saved])
                result.messages.append(got)
                if changes:
                    _mark(conn, settings, got.uid)
            if settings.move_to:
                _expunge(conn)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return result


def _stage(folder: Path, parts: list[_Part]) -> list[tuple[_Part, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    for n, part in enumerate(parts, 1):
        path = folder / f"{n}{Path(part.name).suffix.lower()}"
        path.write_bytes(part.data)
        part.data = b""  # on disk now: a mailbox of forms is not held in memory
        staged.append((part, path))
    return staged


def _put(workspace: Workspace, got: Arrival, part: _Part, path: Path,
         identity: tuple[str | None, str | None], period: str | None) -> None:
    """Put a staged form in the inbox: the month asked for, else the form's own, else the
    month being reported when it came; named after the school and the time received."""
    form_school, form_period = identity
    when = got.sent or dt.datetime.now().replace(microsecond=0)
    school = form_school or got.sender_school
    month = period or form_period or nearest_period(when.date(),
                                                    workspace.settings.deadline_day)
    folder = workspace.inbox / month
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, _file_name(school, when, part.name))
    os.utime(path, (when.timestamp(), when.timestamp()))  # the run reads it as received
    os.replace(path, target)  # one rename: the inbox never holds half a file
    got.saved.append(SavedFile(target, part.name, month, school, form_school is not None))
    if form_school and got.sender_school and form_school != got.sender_school:
        got.notes.append(f"файл «{part.name}» — отчёт {form_school}, а письмо пришло с "
                         f"адреса школы {got.sender_school}")


# --- the mailbox ----------------------------------------------------------------------------

def _new_uids(conn: imaplib.IMAP4, settings: MailSettings, since: dt.date, *,
              readonly: bool) -> tuple[int, list[int]]:
    try:
        status, data = conn.select(_quoted(settings.folder), readonly=readonly)
    except imaplib.IMAP4.error as exc:
        raise _no_folder(settings) from exc
    if status != "OK":
        raise _no_folder(settings)
    _typ, values = conn.response("UIDVALIDITY")
    uidvalidity = int(values[0]) if values and values[0] else 0
    when = f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"
    _status, data = conn.uid("SEARCH", None, "SINCE", when)
    return uidvalidity, [int(u) for u in (data[0] or b"").split()]


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _quoted(folder: str) -> str:
    """A folder name as IMAP takes it: quoted; a Cyrillic name in modified UTF-7."""
    encoded = _utf7(folder)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utf7(text: str) -> str:
    """IMAP's modified UTF-7 (RFC 3501 5.1.3), for folders such as «Входящие/Отчёты»."""
    out, run = [], []

    def flush() -> None:
        if run:
            import base64

            chunk = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + chunk.replace("/", ",") + "-")
            run.clear()

    for ch in text:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _no_folder(settings: MailSettings) -> MailError:
    return MailError(f"в почтовом ящике {settings.user} нет папки «{settings.folder}» — "
                     "проверьте folder в разделе [mail] nastavnik.toml")


def _fetch_one(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    _status, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")  # PEEK: stays unread
    for item in data or ():
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def _mark(conn: imaplib.IMAP4, settings: MailSettings, uid: int) -> None:
    if settings.mark_seen:
        conn.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
    if settings.move_to:
        target = _quoted(settings.move_to)
        if "MOVE" in conn.capabilities:
            status, _ = conn.uid("MOVE", str(uid), target)
        else:
            status, _ = conn.uid("COPY", str(uid), target)
            if status == "OK":
                conn.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
        if status != "OK":
            raise MailError(f"не удалось переложить письмо в папку «{settings.move_to}» — "
                            "проверьте, что такая папка есть (move_to в разделе [mail])")


def _expunge(conn: imaplib.IMAP4) -> None:
    if "MOVE" not in conn.capabilities:
        conn.expunge()


# --- one message ----------------------------------------------------------------------------

def _identify(workspace: Workspace, paths: list[Path]) -> list[tuple[str | None, str | None]]:
    """(school code, period) each staged file's form states, read as the run reads it (in
    worker processes, so that a hostile file harms no one)."""
    from pipeline.check import check_files

    if not paths:
        return []
    found = []
    for result in check_files(paths, workspace=workspace):
        school = result.school.code if result.school is not None else None
        month = result.period if isinstance(result.period, str) and \
            re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", result.period) else None
        found.append((school, month))
    return found


def _attachments(message: Message, notes: list[str], max_unpacked_mb: float) -> list[_Part]:
    """The forms a message carries: attached, packed in an attached .zip, or inside a
    forwarded message."""
    parts: list[_Part] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = _filename(part)
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in FORM_SUFFIXES:
            parts.append(_Part(name, data))
        elif suffix == ZIP_SUFFIX:
            parts += _unzip(name, data, notes, max_unpacked_mb)
        else:
            notes.append(f"вложение «{name}» не сохранено: это не файл отчёта "
                         "(нужен .xlsx, .xlsm, .xls или .ods)")
    return parts


def _unzip(name: str, data: bytes, notes: list[str], max_unpacked_mb: float) -> list[_Part]:
    """The forms inside an attached .zip: names as Windows wrote them (cp866 without the
    UTF-8 flag), no folder taken from the archive, nothing bigger than a form may be."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        notes.append(f"архив «{name}» повреждён, из него ничего не сохранено")
        return []
    found: list[_Part] = []
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            notes.append(f"в архиве «{name}» слишком много файлов ({len(members)}), "
                         "из него ничего не сохранено")
            return []
        budget = int(max_unpacked_mb * 1024 * 1024)  # the packed forms' sizes together
        for info in members:
            inner = PurePosixPath(_zip_name(info).replace("\\", "/")).name
            if PurePosixPath(inner).suffix.lower() not in FORM_SUFFIXES:
                continue
            if info.file_size > budget:
                notes.append(f"файл «{inner}» в архиве «{name}» слишком большой, "
                             "он не сохранён")
                continue
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError,
                    EOFError, ValueError) as exc:
                why = "защищён паролем" if "encrypted" in str(exc) or "password" in str(
                    exc) else "повреждён"
                notes.append(f"файл «{inner}» в архиве «{name}» {why}, он не сохранён")
                continue
            budget -= len(content)
            found.append(_Part(inner, content))
    if not found and not any("архиве" in n for n in notes):
        notes.append(f"в архиве «{name}» нет файлов отчёта")
    return found


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:  # zipfile read it as cp437; Windows' own zip writes the OEM code page
        return info.filename.encode("cp437").decode("cp866")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _filename(part: Message) -> str | None:
    """The attachment's name, decoded however the client wrote it: RFC 2231 (Thunderbird),
    RFC 2047 inside the quotes (Outlook, Mail.ru), or raw 8-bit UTF-8 / windows-1251."""
    name = part.get_filename() or part.get_param("name")
    if isinstance(name, tuple):  # an RFC 2231 value compat32 left undecoded
        name = email.utils.collapse_rfc2231_value(name)
    if not name:
        return None
    name = str(name)
    if "=?" in name:
        with contextlib.suppress(UnicodeDecodeError, LookupError, ValueError):
            name = str(make_header(decode_header(name)))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # never a folder from the sender
    return name.strip() or None


def _sender(message: Message) -> str:
    return email.utils.parseaddr(str(message.get("From") or ""))[1].strip().lower()


def _subject(message: Message) -> str:
    raw = message.get("Subject")
    if raw is None:
        return ""
    try:
        return " ".join(str(make_header(decode_header(str(raw)))).split())
    except (UnicodeDecodeError, LookupError, ValueError):
        return " ".join(str(raw).split())


def _date(message: Message) -> dt.datetime | None:
    """The message's Date in this computer's local time, as the inbox's times are."""
    raw = message.get("Date")
    try:
        when = email.utils.parsedate_to_datetime(str(raw)) if raw else None
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.replace(microsecond=0)


def _school_of_sender(workspace: Workspace, sender: str) -> str | None:
    for school in workspace.schools:
        addresses = {a.strip().lower() for a in re.split(r"[;,\s]+", school.email) if a.strip()}
        if sender and sender in addresses:
            return school.code
    return None


def _file_name(school: str | None, when: dt.datetime, original: str) -> str:
    """«ОО-07 2026-12-03 14-25 Отчёт.xlsx»: the school, the time received, the school's own
    name of the file; characters no file system takes are replaced."""
    stem, suffix = Path(original).stem, Path(original).suffix.lower()
    head = f"{school or 'школа не определена'} {when:%Y-%m-%d %H-%M}"
    text = " ".join(_UNSAFE.sub(" ", f"{head} {stem}").split())
    return text[:120].rstrip(" .") + suffix


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    n = 2
    while target.exists():
        target = folder / f"{Path(name).stem} ({n}){Path(name).suffix}"
        n += 1
    return target


def _relative(workspace: Workspace, path: Path) -> str:
    try:
        return path.relative_to(workspace.root).as_posix()
    except ValueError:
        return str(path)


def describe(result: FetchResult) -> dict[str, Any]:
    """The fetch as data, for `--json`."""
    return {"mailbox": result.mailbox, "already": result.already,
            "messages": [{"uid": m.uid, "sender": m.sender, "subject": m.subject,
                          "sent": m.sent.isoformat() if m.sent else None,
                          "sender_school": m.sender_school, "notes": m.notes,
                          "saved": [{"path": str(f.path), "original": f.original,
                                     "period": f.period, "school_code": f.school_code}
                                    for f in m.saved]} for m in result.messages]}
