"""`nastavnik mail send` as a methodologist uses it after a run: each school gets its feedback
or its acceptance, schools that sent nothing a reminder, over a real SMTP server (aiosmtpd) on
127.0.0.1; nothing is sent twice, a refused address is tried again by the next send."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import MENTEES, MENTORS, NAME, PD_CONSENT, PERIOD, PETROVA, FormBuilder
from mailservers import PASSWORD, USER, unreachable_port

from pipeline import cli as cli_module
from pipeline.cli import cli
from pipeline.ledger import LEDGER_FILE, Ledger
from pipeline.mail.account import PASSWORD_ENV
from pipeline.mail.send import plan
from pipeline.workspace import School, init_workspace

# the test server asks for a password over a plain connection, as no real one should
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SENDER = "uo@district.example"  # the From of the letters; the login is the server's user
SCHOOLS = (School("ОО-01", "МБОУ «СОШ № 1»", email="school1@example.ru"),
           School("ОО-02", "МБОУ «СОШ № 2»", email="school2@example.ru"),
           School("ОО-03", "МБОУ «СОШ № 3»", email="school3@example.ru"),
           School("ОО-04", "МБОУ «СОШ № 4»", email="school4@example.ru"),
           School("ОО-05", "МБОУ «СОШ № 5»"))  # no e-mail in the registry


# --- a month with one school of each kind ------------------------------------------------------

SURNAMES = {"ОО-01": "Первова", "ОО-02": "Вторая", "ОО-03": "Третья", "ОО-05": "Пятова"}


def _form(code: str) -> FormBuilder:
    """A clean form of the school, its people its own (no `cross-school-duplicate`)."""
    form = FormBuilder().set_title("Код ОО", code).set_title(
        "Наименование ОО", next(s.name for s in SCHOOLS if s.code == code))
    people = {row[form._col(sheet, NAME)] for sheet in (MENTORS, MENTEES)
              for row in form.tables[sheet]["rows"]}
    for table in form.tables.values():
        for row in table["rows"]:
            row[:] = [f"{v.split()[0]}-{SURNAMES[code]} {' '.join(v.split()[1:])}"
                      if v in people else v for v in row]
    return form


@pytest.fixture
def month(tmp_path: Path, monkeypatch):
    """ОО-01 accepted clean, ОО-02 with a warning, ОО-03 rejected, ОО-04 missing, ОО-05
    accepted but without an address; the run done."""
    ws = init_workspace(tmp_path / "ws", district="Тестовый район", schools=SCHOOLS)
    inbox = ws.inbox / PERIOD
    _form("ОО-01").save(inbox / "1.xlsx")
    warned = _form("ОО-02")
    warned.set(MENTORS, warned.row_of(MENTORS, PETROVA.replace("Петрова", "Петрова-Вторая")), PD_CONSENT, "нет")
    warned.save(inbox / "2.xlsx")
    _form("ОО-03").remove_sheet(MENTORS).save(inbox / "3.xlsx")
    _form("ОО-05").save(inbox / "5.xlsx")
    result = invoke("run", "--period", PERIOD, "-w", ws.root)
    assert result.exit_code == 1, result.output  # one rejected, one missing
    monkeypatch.setattr(cli_module, "_today", lambda: dt.date(2026, 12, 1))
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return ws


def _with_mail(ws, port: int, user: str = USER, *, security: str = "plain",
               cafile: Path | None = None) -> None:
    with (ws.root / "nastavnik.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[mail]\nuser = "{user}"\nsender = "{SENDER}"\n'
                f'sender_name = "Управление образования"\ntimeout = 5\n'
                + (f'cafile = "{cafile}"\n' if cafile else "")
                + f'\n[mail.smtp]\nhost = "127.0.0.1"\nport = {port}\n'
                f'security = "{security}"\n')


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _by_recipient(server) -> dict[str, email.message.EmailMessage]:
    return {str(m["To"]): m for m in server.messages}


def _body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def _sent_rows(ws) -> list[dict]:
    with Ledger(ws.state_dir / LEDGER_FILE) as ledger:
        return ledger.mails(period=PERIOD)


# --- tests -------------------------------------------------------------------------------------

def test_each_school_gets_its_feedback_or_acceptance_as_status_says(month, smtp_server):
    _with_mail(month, smtp_server.port)
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 0, result.output
    assert "Отправлено 3 письма" in result.output
    assert "ОО-05 МБОУ «СОШ № 5»: письмо не составлено — нет адреса в реестре" in result.output
    got = _by_recipient(smtp_server)
    assert set(got) == {"school1@example.ru", "school2@example.ru", "school3@example.ru"}

    status = invoke("status", "--period", PERIOD, "-w", month.root).output
    accepted = got["school1@example.ru"]
    assert accepted["Subject"] == "Наставничество, Тестовый район, ноябрь 2026: отчёт ОО-01 принят"
    assert "принят без замечаний" in _body(accepted)
    assert not list(accepted.iter_attachments())
    assert str(accepted["From"]) == f"Управление образования <{SENDER}>"

    warned = got["school2@example.ru"]
    assert warned["Subject"] == ("Наставничество, Тестовый район, ноябрь 2026: "
                                 "отчёт ОО-02 принят с замечаниями")
    body = _body(warned)
    assert "за ноябрь 2026 года принят с замечаниями: 0 ошибок, 1 предупреждение." in body
    assert "на листе «Пояснения»" in body
    assert "Срок сдачи отчёта за ноябрь 2026 года — 5\u00a0декабря 2026\u00a0года." in body
    assert "принят с замечаниями" in status
    [attachment] = list(warned.iter_attachments())
    feedback = month.outbox / PERIOD / "Замечания" / "ОО-02 МБОУ СОШ № 2 — замечания.xlsx"
    assert attachment.get_filename() == feedback.name
    assert attachment.get_content_type() == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert attachment.get_content() == feedback.read_bytes()

    rejected = got["school3@example.ru"]
    assert rejected["Subject"].endswith("отчёт ОО-03 отклонён")
    assert "отклонён: 1 ошибка, 0 предупреждений." in _body(rejected)
    assert "исправленный файл ответом на это письмо" in _body(rejected)
    assert [r["outcome"] for r in _sent_rows(month)] == ["sent"] * 3

    again = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert again.exit_code == 0, again.output
    assert "Новых писем за 2026-11 нет — отправлять нечего." in again.output
    assert len(smtp_server.messages) == 3

    history = invoke("history", "--school", "ОО-02", "-w", month.root)
    assert history.exit_code == 0, history.output
    assert "Письма школе:" in history.output
    assert "school2@example.ru" in history.output and "замечания" in history.output
    assert "отправлено" in history.output


def test_a_refused_address_fails_alone_and_goes_with_the_next_send(month, smtp_server):
    _with_mail(month, smtp_server.port)
    smtp_server.refused.add("school3@example.ru")
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 1, result.output
    assert ("Отправлено 2 письма, не отправлено 1: ОО-03 — сервер отклонил адрес "
            "school3@example.ru (код 550)") in result.output
    assert "Traceback" not in result.output
    assert {str(m["To"]) for m in smtp_server.messages} == {"school1@example.ru",
                                                             "school2@example.ru"}
    assert [(r["school_code"], r["outcome"]) for r in _sent_rows(month)] == [
        ("ОО-01", "sent"), ("ОО-02", "sent"), ("ОО-03", "failed")]

    smtp_server.refused.clear()
    again = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert again.exit_code == 0, again.output
    assert "Отправлено 1 письмо" in again.output
    assert [str(m["To"]) for m in smtp_server.messages][2:] == ["school3@example.ru"]
    history = invoke("history", "--school", "ОО-03", "-w", month.root).output
    assert "не отправлено" in history and "сервер отклонил адрес" in history


def test_a_dropped_connection_is_opened_again_and_the_rest_go_on(month, smtp_server):
    _with_mail(month, smtp_server.port)
    smtp_server.closing.add("school2@example.ru")
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 1, result.output
    assert ("Отправлено 2 письма, не отправлено 1: ОО-02 — сервер не принял письмо (код 421)"
            in result.output)
    assert {str(m["To"]) for m in smtp_server.messages} == {"school1@example.ru",
                                                             "school3@example.ru"}
    assert [(r["school_code"], r["outcome"]) for r in _sent_rows(month)] == [
        ("ОО-01", "sent"), ("ОО-02", "failed"), ("ОО-03", "sent")]


def test_dry_run_writes_eml_files_that_open_and_sends_nothing(month, smtp_server):
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--dry-run",
                    "--reminders")
    assert result.exit_code == 0, result.output
    assert "Раздела [mail] в nastavnik.toml нет" in result.output
    assert "Ничего не отправлено (--dry-run)" in result.output
    assert "school4@example.ru" in result.output and "напоминание о сроке" in result.output
    folder = month.outbox / PERIOD / "Письма"
    names = sorted(p.name for p in folder.glob("*.eml"))
    assert names == ["ОО-01 отчёт принят.eml", "ОО-02 замечания.eml", "ОО-03 замечания.eml",
                     "ОО-04 напоминание о сроке.eml"]
    msg = email.message_from_bytes((folder / "ОО-02 замечания.eml").read_bytes(),
                                   policy=policy.default)
    assert msg["Subject"].endswith("отчёт ОО-02 принят с замечаниями")
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "ОО-02 МБОУ СОШ № 2 — замечания.xlsx"
    assert smtp_server.messages == []
    assert _sent_rows(month) == []


def test_reminders_before_and_after_the_deadline(month):
    before = plan(month, PERIOD, feedback=False, reminders=True, today=dt.date(2026, 12, 5))
    [letter] = before.letters
    assert (letter.school.code, letter.kind) == ("ОО-04", "reminder-before")
    assert letter.subject == ("Наставничество, Тестовый район, ноябрь 2026: "
                              "напоминание о сроке отчёта ОО-04")
    assert ("отчёт МБОУ «СОШ № 4» (ОО-04) о наставничестве за ноябрь 2026 года нужно "
            "прислать до 5\u00a0декабря 2026\u00a0года включительно.") in letter.body
    after = plan(month, PERIOD, feedback=False, reminders=True, today=dt.date(2026, 12, 6))
    [letter] = after.letters
    assert letter.kind == "reminder-after"
    assert letter.subject.endswith("отчёт ОО-04 не получен, срок прошёл")
    assert "не получен, а срок сдачи — 5\u00a0декабря 2026\u00a0года — прошёл." in letter.body


def test_templates_go_to_each_school_with_its_own(month, smtp_server):
    _with_mail(month, smtp_server.port)
    made = invoke("template", "--period", PERIOD, "-w", month.root)
    assert made.exit_code == 0, made.output
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes",
                    "--templates", "--no-feedback")
    assert result.exit_code == 0, result.output
    got = _by_recipient(smtp_server)
    assert set(got) == {f"school{n}@example.ru" for n in range(1, 5)}
    [attachment] = list(got["school4@example.ru"].iter_attachments())
    template = month.outbox / PERIOD / "templates" / attachment.get_filename()
    assert attachment.get_filename().startswith("ОО-04 ")
    assert attachment.get_content() == template.read_bytes()


def test_merge_writes_a_sheet_for_outlook_and_sends_nothing(month, smtp_server, tmp_path):
    path = tmp_path / "рассылка.xlsx"
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--merge", path)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(path).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("ОО")]
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Код ОО")
    assert header[:6] == ("Код ОО", "Школа", "E-mail", "Статус", "Ошибок", "Предупреждений")
    by_code = {r[0]: r for r in rows}
    assert set(by_code) == {"ОО-01", "ОО-02", "ОО-03"}
    assert by_code["ОО-02"][2:6] == ("school2@example.ru", "принят с замечаниями", 0, 1)
    assert by_code["ОО-03"][3:5] == ("отклонён", 1)
    feedback = month.outbox / PERIOD / "Замечания" / "ОО-02 МБОУ СОШ № 2 — замечания.xlsx"
    assert Path(by_code["ОО-02"][-1]) == feedback.resolve()
    assert by_code["ОО-01"][-1] is None
    assert smtp_server.messages == []


def test_a_wrong_password_is_one_russian_line_and_nothing_is_recorded(month, smtp_server,
                                                                       monkeypatch):
    _with_mail(month, smtp_server.port)
    monkeypatch.setenv(PASSWORD_ENV, "wrong-password")
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == (
        f"Ошибка: почтовый сервер 127.0.0.1 не принял пароль ящика {USER} — проверьте пароль "
        "(для Яндекса и Mail.ru нужен пароль приложения) и запустите команду снова")
    assert "Traceback" not in result.output
    assert smtp_server.messages == [] and _sent_rows(month) == []


def test_an_unreachable_server_is_one_russian_line(month):
    _with_mail(month, unreachable_port())
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 1, result.output
    assert "Ошибка: почтовый сервер 127.0.0.1" in result.output
    assert "недоступен" in result.output
    assert _sent_rows(month) == []


def test_send_before_a_run_says_to_run_first(tmp_path):
    ws = init_workspace(tmp_path / "ws", schools=SCHOOLS)
    result = invoke("mail", "send", "--period", PERIOD, "-w", ws.root, "--dry-run")
    assert result.exit_code == 1, result.output
    assert ("Ошибка: свод за 2026-11 ещё не выполнялся — сначала запустите "
            "nastavnik run --period 2026-11") in result.output


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_letters_go_over_starttls_and_ssl(month, smtp_server, security):
    port = smtp_server.ssl_port if security == "ssl" else smtp_server.port
    _with_mail(month, port, security=security, cafile=smtp_server.cafile)
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 3


def test_tls_refused_is_one_russian_line(month, smtp_server):
    """Implicit TLS asked of the plain port: the server does not speak TLS there."""
    _with_mail(month, smtp_server.port, security="ssl", cafile=smtp_server.cafile)
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 1, result.output
    [error] = [line for line in result.output.splitlines() if "Ошибка" in line]
    assert error.startswith("Ошибка: ") and "Traceback" not in result.output
    assert "не установил защищённое соединение" in result.output
    assert smtp_server.messages == [] and _sent_rows(month) == []


def test_a_password_with_cyrillic_letters_logs_in(month, smtp_server, monkeypatch):
    """A password typed in the Russian layout goes as UTF-8 (AUTH PLAIN), not a traceback."""
    smtp_server.password = "Пароль-Наставник-2026"
    monkeypatch.setenv(PASSWORD_ENV, smtp_server.password)
    _with_mail(month, smtp_server.port)
    result = invoke("mail", "send", "--period", PERIOD, "-w", month.root, "--yes")
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 3


def test_sending_asks_first_and_a_no_sends_nothing(month, smtp_server):
    _with_mail(month, smtp_server.port)
    declined = CliRunner().invoke(cli, ["mail", "send", "--period", PERIOD, "-w",
                                        str(month.root)], input="n\n")
    assert declined.exit_code == 0, declined.output
    assert "Отправить 3 письма? [д/Н]" in declined.output
    assert "Ничего не отправлено." in declined.output
    assert smtp_server.messages == [] and _sent_rows(month) == []
    agreed = CliRunner().invoke(cli, ["mail", "send", "--period", PERIOD, "-w",
                                      str(month.root)], input="да\n")
    assert agreed.exit_code == 0, agreed.output
    assert len(smtp_server.messages) == 3
