"""`nastavnik mail fetch` against a real Dovecot (tests/mailservers.py): forms from the office
mailbox into inbox/<month>/, each message once, the mailbox untouched, every refusal one
Russian line with nothing half-saved."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FormBuilder
from mailservers import ImapServer, unreachable_port

from pipeline.cli import cli
from pipeline.ledger import Ledger
from pipeline.workspace import School, init_workspace

SCHOOLS = (School("ОО-07", "МБОУ «СОШ № 7»", email="sosh7@school.example.ru"),
           School("ОО-08", "МБОУ «Гимназия № 8»", email="gymn8@school.example.ru"),
           School("ОО-09", "МБОУ «СОШ № 9»", email="sosh9@school.example.ru"))
# the message's time, in this computer's zone as the inbox's times are
SENT = dt.datetime(2026, 12, 3, 14, 25)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_bytes(tmp_path: Path, code: str = "ОО-07", period: str = "2026-11") -> bytes:
    builder = FormBuilder().set_title("Код ОО", code).set_title("Отчётный период", period)
    return builder.save(tmp_path / f"form-{code}-{period}.xlsx").read_bytes()


def message(sender: str, attachments: list[tuple[str, bytes]], *, subject: str = "Отчёт",
            sent: dt.datetime = SENT, message_id: str | None = None) -> bytes:
    """A message as Thunderbird writes one: RFC 2231 file names, UTF-8 subject."""
    msg = EmailMessage()
    msg["From"] = f"Школа <{sender}>"
    msg["To"] = "metodist@uo.example.ru"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent.astimezone())
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content("Добрый день! Отчёт во вложении.")
    for name, data in attachments:
        maintype, subtype = ("application", "zip") if name.endswith(".zip") else \
            tuple(XLSX.split("/"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def configure(root: Path, server: ImapServer, *, security: str = "starttls",
              port: int | None = None, extra: str = "") -> None:
    path = root / "nastavnik.toml"
    path.write_text(path.read_text(encoding="utf-8") + f"""
[mail]
user = "{server.user}"
cafile = "{server.cafile}"
password_env = "TEST_MAIL_PASSWORD"
timeout = 5
{extra}
[mail.imap]
host = "{server.host}"
port = {port or (server.ssl_port if security == "ssl" else server.port)}
security = "{security}"
""", encoding="utf-8")


@pytest.fixture
def ws(tmp_path: Path, imap: ImapServer, monkeypatch: pytest.MonkeyPatch):
    workspace = init_workspace(tmp_path / "ws", district="Тестовый район", schools=SCHOOLS)
    configure(workspace.root, imap)
    monkeypatch.setenv("TEST_MAIL_PASSWORD", imap.password)
    return workspace


def fetch(root: Path, *args: str):
    return CliRunner().invoke(cli, ["mail", "fetch", "-w", str(root), *args],
                              catch_exceptions=False)


def inbox(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root / "inbox").as_posix(): p.read_bytes()
            for p in sorted((root / "inbox").rglob("*")) if p.is_file()
            and p.name != "README.md"}


def test_forms_are_saved_unchanged_under_the_school_and_the_message_time(
        ws, imap: ImapServer, tmp_path: Path) -> None:
    seven, eight = form_bytes(tmp_path, "ОО-07"), form_bytes(tmp_path, "ОО-08")
    imap.deliver(message("sosh7@school.example.ru", [("Отчёт СОШ 7 ноябрь.xlsx", seven)]))
    imap.deliver(message("gymn8@school.example.ru", [("гимназия.xlsx", eight)],
                         sent=SENT + dt.timedelta(hours=1)))
    before = imap.messages()

    result = fetch(ws.root)

    assert result.exit_code == 0, result.output
    assert inbox(ws.root) == {
        "2026-11/ОО-07 2026-12-03 14-25 Отчёт СОШ 7 ноябрь.xlsx": seven,
        "2026-11/ОО-08 2026-12-03 15-25 гимназия.xlsx": eight}
    saved = ws.inbox / "2026-11" / "ОО-07 2026-12-03 14-25 Отчёт СОШ 7 ноябрь.xlsx"
    assert dt.datetime.fromtimestamp(saved.stat().st_mtime) == SENT  # received when sent
    assert "2 новых письма" in result.output
    assert "nastavnik run --period 2026-11" in result.output
    assert imap.messages() == before  # not marked read, not moved, not deleted


def test_each_message_is_fetched_once(ws, imap: ImapServer, tmp_path: Path) -> None:
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))]))
    assert fetch(ws.root).exit_code == 0
    again = fetch(ws.root)
    assert again.exit_code == 0, again.output
    assert "новых писем нет (забранных раньше: 1)" in again.output
    assert len(inbox(ws.root)) == 1
    # the same message met again under another UID (copied back by a mail program)
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))],
                         message_id="<one@school.example.ru>"))
    assert fetch(ws.root).exit_code == 0
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))],
                         message_id="<one@school.example.ru>"))
    assert fetch(ws.root).exit_code == 0
    assert len(inbox(ws.root)) == 2
    with Ledger.open(ws.state_dir) as ledger:
        assert len(ledger.fetched_messages()) == 3


def test_the_run_takes_the_message_time_for_timeliness(ws, imap: ImapServer,
                                                      tmp_path: Path) -> None:
    """Sent on 5 December (the deadline day), fetched later: on time; sent on the 6th: late."""
    from pipeline.status import period_status

    on_deadline, after = dt.datetime(2026, 12, 5, 23, 50), dt.datetime(2026, 12, 6, 0, 10)
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))],
                         sent=on_deadline))
    imap.deliver(message("gymn8@school.example.ru", [("8.xlsx", form_bytes(tmp_path, "ОО-08"))],
                         sent=after))
    assert fetch(ws.root).exit_code == 0
    run = CliRunner().invoke(cli, ["run", "-w", str(ws.root), "--period", "2026-11", "--json"],
                             catch_exceptions=False)
    assert json.loads(run.output)["late"] == ["ОО-08"]
    rows = {row.school.code: row for row in period_status(ws, "2026-11").schools}
    assert (rows["ОО-07"].received, rows["ОО-07"].on_time) == (on_deadline, True)
    assert (rows["ОО-08"].received, rows["ОО-08"].on_time) == (after, False)


def test_zip_unknown_sender_no_attachment_and_other_files_are_told(
        ws, imap: ImapServer, tmp_path: Path) -> None:
    packed = BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("отчёты/ОО-08.xlsx", form_bytes(tmp_path, "ОО-08"))
        archive.writestr("пояснение.txt", "текст")
    imap.deliver(message("gymn8@school.example.ru", [("отчёт.zip", packed.getvalue())]))
    imap.deliver(message("stranger@mail.example.ru", [("форма.xlsx", form_bytes(tmp_path,
                                                                                  "ОО-09"))]))
    imap.deliver(message("sosh7@school.example.ru", [], subject="Вопрос"))
    imap.deliver(message("sosh7@school.example.ru", [("приказ.pdf", b"%PDF-1.4 ...")]))

    result = fetch(ws.root)

    assert result.exit_code == 0, result.output
    assert sorted(inbox(ws.root)) == ["2026-11/ОО-08 2026-12-03 14-25 ОО-08.xlsx",
                                      "2026-11/ОО-09 2026-12-03 14-25 форма.xlsx"]
    text = " ".join(result.output.split())
    assert "письмо от stranger@mail.example.ru «Отчёт» (03.12.2026 14:25): адреса нет в " \
           "реестре школ" in text
    assert "«Вопрос» (03.12.2026 14:25): в письме нет вложенных файлов" in text
    assert "вложение «приказ.pdf» не сохранено: это не файл отчёта" in text


def test_a_hostile_attachment_is_saved_and_rejected_by_the_run_alone(
        ws, imap: ImapServer, tmp_path: Path) -> None:
    from hostile import far_cell

    bad = far_cell(form_bytes(tmp_path, "ОО-08"), "Наставники")
    imap.deliver(message("gymn8@school.example.ru", [("ОО-08.xlsx", bad)]))
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))]))

    assert fetch(ws.root).exit_code == 0
    saved = inbox(ws.root)
    assert saved["2026-11/ОО-08 2026-12-03 14-25 ОО-08.xlsx"] == bad  # unchanged
    run = CliRunner().invoke(cli, ["run", "-w", str(ws.root), "--period", "2026-11", "--json"],
                             catch_exceptions=False)
    files = json.loads(run.output)["files"]
    codes = {Path(f["file"]).name: [i["code"] for i in f["issues"]] for f in files}
    assert "file-too-large" in codes["ОО-08 2026-12-03 14-25 ОО-08.xlsx"]
    assert json.loads(run.output)["accepted"] == 1


def test_period_option_decides_the_folder(ws, imap: ImapServer, tmp_path: Path) -> None:
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))]))
    assert fetch(ws.root, "--period", "2026-12", "--since", "2026-12-01").exit_code == 0
    assert list(inbox(ws.root)) == ["2026-12/ОО-07 2026-12-03 14-25 7.xlsx"]


def test_messages_before_the_month_are_left(ws, imap: ImapServer, tmp_path: Path) -> None:
    old = dt.datetime(2026, 9, 30, 10, 0)
    imap.deliver(message("sosh7@school.example.ru", [("old.xlsx", form_bytes(tmp_path))],
                         sent=old), date=old.astimezone())
    result = fetch(ws.root, "--period", "2026-11")
    assert result.exit_code == 0, result.output
    assert inbox(ws.root) == {}
    assert fetch(ws.root, "--since", "2026-09-01").exit_code == 0
    assert len(inbox(ws.root)) == 1


def test_move_to_and_mark_seen_change_the_mailbox_only_when_asked(
        tmp_path: Path, imap: ImapServer, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = init_workspace(tmp_path / "ws", schools=SCHOOLS)
    imap.create_folder("Отчёты/Забрано")
    configure(workspace.root, imap, extra='move_to = "Отчёты/Забрано"\nmark_seen = true\n'
                                          'folder = "INBOX"')
    monkeypatch.setenv("TEST_MAIL_PASSWORD", imap.password)
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))]))

    result = fetch(workspace.root)

    assert result.exit_code == 0, result.output
    assert imap.messages("INBOX") == []
    [moved] = imap.messages("Отчёты/Забрано")
    assert "\\Seen" in moved.flags


@pytest.mark.parametrize(("case", "expected"), [
    ("wrong-password", "не принял пароль ящика metodist"),
    ("unreachable", "недоступен: соединение отклонено"),
    ("tls-refused", "не установил защищённое соединение"),
    ("no-folder", "нет папки «Отчёты школ»"),
])
def test_a_refusal_is_one_russian_line_and_nothing_is_saved(
        case: str, expected: str, tmp_path: Path, imap: ImapServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = init_workspace(tmp_path / "ws", schools=SCHOOLS)
    password = imap.password
    if case == "wrong-password":
        configure(workspace.root, imap)
        password = imap.wrong_password
    elif case == "unreachable":
        configure(workspace.root, imap, security="plain", port=unreachable_port())
    elif case == "tls-refused":  # TLS asked of the plain port
        configure(workspace.root, imap, security="ssl", port=imap.port)
    else:
        configure(workspace.root, imap, extra='folder = "Отчёты школ"')
    monkeypatch.setenv("TEST_MAIL_PASSWORD", password)
    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))]))

    result = CliRunner().invoke(cli, ["mail", "fetch", "-w", str(workspace.root)])

    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Ошибка: "), result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert inbox(workspace.root) == {}
    staging = workspace.state_dir / "tmp"
    assert not staging.exists() or not any(staging.rglob("*.xlsx"))


def test_without_a_password_and_no_terminal_it_says_how_to_give_one(
        ws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_MAIL_PASSWORD")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    result = CliRunner().invoke(cli, ["mail", "fetch", "-w", str(ws.root)])
    assert result.exit_code == 1
    assert "задайте его в переменной окружения TEST_MAIL_PASSWORD" in result.output


def test_the_command_in_a_subprocess(ws, imap: ImapServer, tmp_path: Path) -> None:
    import subprocess
    import sys

    imap.deliver(message("sosh7@school.example.ru", [("7.xlsx", form_bytes(tmp_path))]))
    done = subprocess.run([sys.executable, "-m", "pipeline", "mail", "fetch", "-w",
                           str(ws.root), "--json"], capture_output=True, text=True,
                          env=os.environ | {"TEST_MAIL_PASSWORD": imap.password}, timeout=120)
    assert done.returncode == 0, done.stderr
    [got] = json.loads(done.stdout)["messages"]
    assert got["sender_school"] == "ОО-07"
    assert got["saved"][0]["school_code"] == "ОО-07"


def test_messages_as_russian_mail_clients_write_them(ws, imap: ImapServer,
                                                     tmp_path: Path) -> None:
    """Outlook (RFC 2047 in the quoted name, windows-1251), Thunderbird (RFC 2231, a long name
    split), Mail.ru's web mail (UTF-8, octet-stream), a forward, a .zip from Windows (cp866
    names) holding two forms, and two forms in one message."""
    import mailcorpus as mc

    seven, eight, nine = (form_bytes(tmp_path, code) for code in ("ОО-07", "ОО-08", "ОО-09"))
    long_name = "Отчёт о реализации целевой модели наставничества МБОУ СОШ 7 за ноябрь.xlsx"
    imap.deliver(mc.outlook("sosh7@school.example.ru", "Отчёт за ноябрь", SENT,
                            [("Отчёт «СОШ 7».xlsx", seven)]))
    imap.deliver(mc.thunderbird("sosh7@school.example.ru", "Исправленный", SENT,
                                [(long_name, seven)]))
    imap.deliver(mc.mailru_web("gymn8@school.example.ru", "Гимназия", SENT,
                               [("гимназия_ноябрь.xlsx", eight)]))
    imap.deliver(mc.forwarded("sosh9@school.example.ru", "Fwd: отчёт", SENT,
                              mc.thunderbird("director9@school.example.ru", "отчёт", SENT,
                                             [("школа9.xlsx", nine)])))
    imap.deliver(mc.outlook("sosh9@school.example.ru", "Архив", SENT,
                            [("отчёты.zip", mc.zipped([("Форма 9.xlsx", nine),
                                                       ("Форма 8.xlsx", eight)],
                                                      names="cp866"))]))
    imap.deliver(mc.mailru_web("gymn8@school.example.ru", "Два файла", SENT,
                               [("первый.xlsx", eight), ("второй.xlsx", eight)]))

    result = fetch(ws.root)

    assert result.exit_code == 0, result.output
    saved = inbox(ws.root)
    stamp = "2026-12-03 14-25"
    expected = {f"ОО-07 {stamp} Отчёт «СОШ 7».xlsx": seven,
                f"ОО-07 {stamp} {long_name}": seven,
                f"ОО-08 {stamp} гимназия_ноябрь.xlsx": eight,
                f"ОО-09 {stamp} школа9.xlsx": nine,
                f"ОО-09 {stamp} Форма 9.xlsx": nine,
                f"ОО-08 {stamp} Форма 8.xlsx": eight,
                f"ОО-08 {stamp} первый.xlsx": eight,
                f"ОО-08 {stamp} второй.xlsx": eight}
    assert saved == {f"2026-11/{name}": data for name, data in expected.items()}
    # the form of ОО-08 came from ОО-09's address: saved, and said
    assert "файл «Форма 8.xlsx» — отчёт ОО-08, а письмо пришло с адреса школы ОО-09" in \
        " ".join(result.output.split())
