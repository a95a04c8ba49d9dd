# ruff: noqa: F811 (the page fixtures imported from test_web are used as arguments)
"""The office page does what the commands got after it was built: mail fetch and send (real
Dovecot and aiosmtpd, tests/mailservers.py), the half-year report, a school's numbers month by
month; in the system Chromium, as tests/test_web.py drives it."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import openpyxl
import pytest
from conftest import PERIOD, FormBuilder
from test_mail_fetch import configure, form_bytes, message
from test_trends import NOV, OCT, SEP, full, put, smaller
from test_web import office, page, shot  # noqa: F401 (fixtures)

from pipeline.consolidate import run_period
from pipeline.workspace import School, Workspace, init_workspace

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SCHOOLS = (School("ОО-07", "МБОУ «СОШ № 7»", email="sosh7@school.example.ru"),
           School("ОО-08", "МБОУ «Гимназия № 8»", email="gymn8@school.example.ru"))
SENDER = "uo@district.example"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """The schools with their e-mail addresses (the page's server is started on this one)."""
    return init_workspace(tmp_path / "ws", district="Тестовый район", schools=SCHOOLS)


def mail_block(page) -> str:
    return page.locator("section#mail").inner_text()


def test_fetch_from_the_page_asks_the_password_and_saves_the_form(office, page, workspace,
                                                                  imap, tmp_path,
                                                                  monkeypatch) -> None:
    configure(workspace.root, imap)
    monkeypatch.delenv("TEST_MAIL_PASSWORD", raising=False)  # the page must ask for it
    sent = form_bytes(tmp_path)
    imap.deliver(message("sosh7@school.example.ru", [("Отчёт ноябрь.xlsx", sent)]))
    imap.deliver(message("stranger@example.com", [], subject="Вопрос"))
    page.goto(f"{office}/month/{PERIOD}")
    assert "Почта не настроена" not in mail_block(page)
    secret = page.get_by_label(f"Пароль ящика {imap.user}")
    assert secret.get_attribute("type") == "password"
    secret.fill(imap.password)
    page.get_by_role("button", name="Забрать письма").click()
    saved = page.get_by_role("table", name="Сохранённые файлы")
    saved.wait_for()
    assert "новых письма" in page.locator("section#mail .msg").inner_text()
    row = saved.locator("tbody tr").first.inner_text()
    assert "ОО-07" in row and "Отчёт ноябрь.xlsx" in row
    files = [p for p in (workspace.inbox / PERIOD).iterdir() if p.suffix == ".xlsx"]
    assert len(files) == 1 and files[0].read_bytes() == sent
    assert files[0].name in row
    notes = page.get_by_role("list", name="Требует внимания").inner_text()
    assert "stranger@example.com" in notes and "нет вложенных файлов" in notes
    assert imap.password not in page.content()  # typed once, kept nowhere on the page
    assert "Traceback" not in page.content()


def test_a_wrong_password_is_one_russian_line(office, page, workspace, imap,
                                              monkeypatch) -> None:
    configure(workspace.root, imap)
    monkeypatch.delenv("TEST_MAIL_PASSWORD", raising=False)
    page.goto(f"{office}/month/{PERIOD}")
    page.get_by_label(f"Пароль ящика {imap.user}").fill("not-the-password")
    page.get_by_role("button", name="Забрать письма").click()
    told = page.locator(".msg.err")
    told.wait_for()
    assert "парол" in told.inner_text().lower() and "Traceback" not in page.content()
    assert not (workspace.inbox / PERIOD).exists() or not any(
        (workspace.inbox / PERIOD).glob("*.xlsx"))


def _month_with_mail(workspace: Workspace, port: int | None) -> None:
    """ОО-07 accepted, ОО-08 sent nothing; with `port`, a [mail] section for that server."""
    FormBuilder().save(workspace.inbox / PERIOD / "7.xlsx")
    run_period(workspace, PERIOD)
    if port is not None:
        with (workspace.root / "nastavnik.toml").open("a", encoding="utf-8") as f:
            f.write(f'\n[mail]\nuser = "metodist"\nsender = "{SENDER}"\n'
                    f'sender_name = "Управление образования"\ntimeout = 5\n'
                    f'\n[mail.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\n')


def test_letters_previewed_then_sent_after_the_confirmation(office, page, workspace,
                                                            smtp_server, tmp_path,
                                                            monkeypatch) -> None:
    from mailservers import PASSWORD

    from pipeline.mail.account import PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    _month_with_mail(workspace, smtp_server.port)
    page.goto(f"{office}/month/{PERIOD}")
    page.get_by_label("напоминания не приславшим").check()
    page.get_by_role("button", name="Письма школам").click()
    letters = page.get_by_role("table", name="Письма школам")
    letters.wait_for()
    rows = {r.split("\t")[0]: r for r in letters.locator("tbody tr").all_inner_texts()}
    assert set(rows) == {"ОО-07", "ОО-08"}
    assert "sosh7@school.example.ru" in rows["ОО-07"] and "отчёт принят" in rows["ОО-07"]
    assert "gymn8@school.example.ru" in rows["ОО-08"]
    assert "напоминание о сроке" in rows["ОО-08"] or "отчёт просрочен" in rows["ОО-08"]
    assert smtp_server.messages == []  # the preview sends nothing
    emls = sorted((workspace.outbox / PERIOD / "Письма").glob("*.eml"))
    assert len(emls) == 2
    with page.expect_download() as download:
        letters.get_by_role("link").first.click()
    got = email.message_from_bytes(Path(download.value.path()).read_bytes(),
                                   policy=policy.default)
    assert str(got["To"]) == "sosh7@school.example.ru"

    page.get_by_role("button", name="Отправить", exact=True).click()
    assert smtp_server.messages == []  # only the question so far
    page.get_by_role("button", name="Да, отправить 2 письма").click()
    outcome = page.get_by_role("table", name="Отправка писем")
    outcome.wait_for()
    assert "Отправлено 2 письма" in page.locator("section#mail .msg").inner_text()
    assert [r.count("отправлено") for r in outcome.locator("tbody tr").all_inner_texts()] \
        == [1, 1]
    sent = {str(m["To"]): m for m in smtp_server.messages}
    assert set(sent) == {"sosh7@school.example.ru", "gymn8@school.example.ru"}
    assert all(SENDER in str(m["From"]) for m in sent.values())
    assert "принят" in sent["sosh7@school.example.ru"].get_body(
        ("plain",)).get_content()
    assert page.locator("section#mail").is_visible()  # the page is scrolled to the outcome
    shot(page, tmp_path, "board-mail.png")

    page.get_by_role("button", name="Письма школам").click()  # nothing is sent twice
    assert "Новых писем за 2026-11 нет" in page.locator("section#mail .msg").inner_text()


def test_without_mail_settings_the_block_says_how_and_offers_the_preview(
        office, page, workspace) -> None:
    _month_with_mail(workspace, None)
    page.goto(f"{office}/month/{PERIOD}")
    block = mail_block(page)
    assert "Почта не настроена" in block and "README, раздел «Почта»" in block
    assert page.get_by_role("button", name="Забрать письма").count() == 0
    page.get_by_role("button", name="Письма школам").click()
    page.get_by_role("table", name="Письма школам").wait_for()
    assert page.get_by_role("button", name="Отправить", exact=True).count() == 0
    assert len(list((workspace.outbox / PERIOD / "Письма").glob("*.eml"))) == 1


@pytest.fixture
def three_months(tmp_path: Path) -> Workspace:
    """ОО-07: September 4 mentors, 5 mentees, 4 active pairs; October 3, 4, 3; November 4,
    5, 4 (tests/test_trends.py's forms); ОО-08 sends nothing; December not run yet."""
    ws = init_workspace(tmp_path / "ws", district="Тестовый район",
                        schools=(School("ОО-07", "МБОУ «СОШ № 7»"),
                                 School("ОО-08", "МБОУ «Гимназия № 8»")))
    for period, form in ((SEP, full), (OCT, smaller), (NOV, full)):
        put(ws, form("ОО-07", period), period, "7.xlsx")
        run_period(ws, period)
    return ws


def _served(workspace: Workspace):
    """A server on `workspace`, as the `office` fixture starts one."""
    import threading
    import time

    from test_web import TOKEN

    from pipeline.web.server import address, bind, server

    sock = bind("127.0.0.1", 0)
    running = server(workspace.root, sock, token=TOKEN)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return address(sock).rstrip("/"), running, thread


def test_the_half_year_report_so_far(three_months, page, tmp_path) -> None:
    url, running, thread = _served(three_months)
    try:
        page.goto(f"{url}/month/{NOV}")
        choice = page.get_by_label("Отчёт за полугодие")
        assert choice.input_value() == "2026-1"
        assert "сентябрь — декабрь 2026 года" in choice.inner_text()
        assert "январь — май 2027 года" in choice.inner_text()
        page.get_by_role("button", name="Отчёт за полугодие").click()
        told = page.locator(".msg").first.inner_text()
        assert "Отчёт за период 2026-09 — 2026-11 записан" in told
        assert "за декабрь 2026 свод ещё не выполнялся" in told
        link = page.get_by_role("link", name="Отчёт за период Тестовый район 2026-09_2026-11.xlsx")
        with page.expect_download() as download:
            link.click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        book = openpyxl.load_workbook(path, read_only=True)
        cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                 for c in row if c is not None}
        assert "ОО-07" in cells
        assert page.get_by_role("link", name="Аналитическая справка за период Тестовый район "
                                              "2026-09_2026-11.docx").is_visible()
    finally:
        running.should_exit = True
        thread.join(10)


def test_a_schools_numbers_month_by_month(three_months, page, tmp_path) -> None:
    url, running, thread = _served(three_months)
    try:
        page.goto(f"{url}/school/ОО-07?period={NOV}")
        table = page.get_by_role("table", name="Показатели по месяцам")
        rows = [r.split("\t") for r in table.locator("tbody tr").all_inner_texts()]
        head = table.locator("thead th").all_inner_texts()
        assert head[:7] == ["Месяц", "Статус", "Ошибок", "Предупр.", "Наставников",
                            "Наставляемых", "Действ. пар"] and head[7] == "K1"
        assert [r[0] for r in rows] == ["сентябрь 2026 года", "октябрь 2026 года", "ноябрь 2026 года"]
        assert [r[4:7] for r in rows] == [["4", "5", "4"], ["3", "4", "3"], ["4", "5", "4"]]
        assert all(r[1].startswith("принят") for r in rows)
        shot(page, tmp_path, "school-trend.png")
        page.goto(f"{url}/school/ОО-08?period={NOV}")
        rows = [r.split("\t") for r in page.get_by_role("table", name="Показатели по месяцам")
                .locator("tbody tr").all_inner_texts()]
        assert [r[1] for r in rows] == ["не представлен"] * 3
        assert all(r[4:] == ["—"] * (len(r) - 4) for r in rows)
    finally:
        running.should_exit = True
        thread.join(10)
