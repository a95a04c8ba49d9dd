"""The office page (`nastavnik serve`) in a real browser: Chromium from Debian's packages,
driven by Playwright, against the real server on a free port of 127.0.0.1.

One browser for the session; a server per test, on the test's own workspace."""

from __future__ import annotations

import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from conftest import PERIOD, PETROVA, SOKOLOV, T_CODE, FormBuilder
from hostile import plain_text

TOKEN = "test-token-" + "x" * 20
SHOTS = os.environ.get("NASTAVNIK_SCREENSHOTS")  # a folder to keep the screenshots in


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768},
                                  accept_downloads=True, locale="ru-RU")
    found = context.new_page()
    found.set_default_timeout(30_000)
    yield found
    context.close()


@pytest.fixture
def office(workspace: Any) -> Iterator[str]:
    """The page's server for the workspace, as `nastavnik serve` starts it; its address."""
    from pipeline.web.server import address, bind, server

    sock = bind("127.0.0.1", 0)
    running = server(workspace.root, sock, token=TOKEN)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert running.started, "the page's server did not start"
    yield address(sock).rstrip("/")
    running.should_exit = True
    thread.join(10)


def post(url: str, data: bytes | Any = b"", headers: dict[str, str] | None = None
         ) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def shot(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=False)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SHOTS) / name)
    return path


def school_forms(tmp_path: Path, form: FormBuilder) -> list[Path]:
    """Three files a methodologist gets: two schools' forms and an e-mail saved as .xlsx."""
    folder = tmp_path / "download"
    folder.mkdir()
    seven = form.save(folder / "Отчёт ОО-07.xlsx")
    eight = form.copy().set_title(T_CODE, "ОО-08").save(folder / "Гимназия 8.xlsx")
    letter = folder / "письмо.xlsx"
    letter.write_bytes(plain_text())
    return [seven, eight, letter]


def board_row(page: Any, code: str) -> Any:
    return page.locator("section[aria-labelledby=schools] tbody tr", has_text=code)


def test_a_month_walked_in_the_browser(office, page, workspace, form, tmp_path) -> None:
    page.goto(office + "/")
    page.goto(f"{office}/month/{PERIOD}")
    assert "ноябрь 2026" in page.locator("h2#files-in").inner_text()
    assert "не представлен" in board_row(page, "ОО-07").inner_text()

    page.set_input_files("#files", [str(p) for p in school_forms(tmp_path, form)])
    uploaded = page.locator("#uploaded tr")
    uploaded.nth(2).wait_for()
    rows = {r.split("\t")[0]: r for r in (uploaded.nth(n).inner_text() for n in range(3))}
    assert "ОО-07" in rows["Отчёт ОО-07.xlsx"] and "принят" in rows["Отчёт ОО-07.xlsx"]
    assert "ОО-08" in rows["Гимназия 8.xlsx"]
    assert "отклонён" in rows["письмо.xlsx"]
    saved = sorted(p.name for p in (workspace.inbox / PERIOD).iterdir())
    assert saved == ["Гимназия 8.xlsx", "Отчёт ОО-07.xlsx", "письмо.xlsx"]
    assert (workspace.inbox / PERIOD / "письмо.xlsx").read_bytes() == plain_text()  # unchanged

    page.get_by_role("button", name="Свести месяц").click()
    district = page.get_by_role("link", name="Сводный файл района")
    district.wait_for()
    assert "принят" in board_row(page, "ОО-07").inner_text()
    assert "не представлен" not in board_row(page, "ОО-08").inner_text()
    assert page.get_by_text("K1").first.is_visible()
    shot(page, tmp_path, "board.png")

    with page.expect_download() as download:
        district.click()
    saved_book = tmp_path / download.value.suggested_filename
    download.value.save_as(saved_book)
    book = openpyxl.load_workbook(saved_book, read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for c in row if c is not None}
    assert "ОО-07" in cells and "ОО-08" in cells
    assert download.value.suggested_filename == f"Свод_{PERIOD}.xlsx"

    page.get_by_role("link", name="история ОО-07").click()
    page.get_by_role("heading", name="Отчёт ОО-07.xlsx").wait_for()
    assert "учитывается" in page.locator("main").inner_text()
    shown = page.content()  # the issues are about names; the page shows none (SPEC §5)
    assert "ФИО" in shown and PETROVA not in shown and SOKOLOV not in shown
    shot(page, tmp_path, "school.png")


def test_a_post_without_the_page_token_is_refused(office, workspace) -> None:
    for headers in ({}, {"X-CSRF-Token": "guessed"}):
        status, text = post(f"{office}/month/{PERIOD}/run", b"csrf=", headers | {
            "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 403
        assert "без ключа страницы" in text and "Traceback" not in text
    status, _ = post(f"{office}/month/{PERIOD}/upload?name=a.xlsx", b"PK", {})
    assert status == 403
    time.sleep(0.5)
    assert not (workspace.state_dir / "ledger.sqlite").exists()  # no run was started
    assert not (workspace.inbox / PERIOD / "a.xlsx").exists()


def test_an_upload_named_with_a_path_lands_inside_the_inbox(office, workspace, tmp_path) -> None:
    url = f"{office}/month/{PERIOD}/upload?name={quote('../../x.xlsx')}"
    for expected in ("x.xlsx", "x (2).xlsx"):
        status, text = post(url, b"first" if expected == "x.xlsx" else b"second",
                            {"X-CSRF-Token": TOKEN})
        assert status == 200, text
        assert expected in text
    inbox = workspace.inbox / PERIOD
    assert (inbox / "x.xlsx").read_bytes() == b"first"
    assert (inbox / "x (2).xlsx").read_bytes() == b"second"
    assert not (workspace.root / "x.xlsx").exists()
    assert not (workspace.inbox / "x.xlsx").exists()
    windows = quote("..\\..\\w.xlsx")
    status, _ = post(f"{office}/month/{PERIOD}/upload?name={windows}", b"w",
                     {"X-CSRF-Token": TOKEN})
    assert status == 200 and (inbox / "w.xlsx").is_file()


def _cap_at_one_megabyte(workspace: Any) -> None:
    settings = workspace.root / "nastavnik.toml"
    text = settings.read_text(encoding="utf-8")
    assert "max_file_mb = 20" in text
    settings.write_text(text.replace("max_file_mb = 20", "max_file_mb = 1"), encoding="utf-8")


def test_an_oversized_upload_is_refused_and_not_stored(office, page, workspace,
                                                       tmp_path) -> None:
    _cap_at_one_megabyte(workspace)
    staging = workspace.state_dir / "tmp"

    def streamed() -> Iterator[bytes]:  # no Content-Length: only the stream tells the size
        for _ in range(40):
            yield b"\0" * 65536

    try:
        status, text = post(f"{office}/month/{PERIOD}/upload?name=big.xlsx", streamed(),
                            {"X-CSRF-Token": TOKEN})
        assert status == 413 and "не сохранён" in text
    except (urllib.error.URLError, ConnectionError):
        pass  # the server may close the connection while the rest is still being sent
    big = tmp_path / "большой.xlsx"
    big.write_bytes(b"\0" * (2 * 1024 * 1024))
    page.goto(f"{office}/month/{PERIOD}")
    page.set_input_files("#files", str(big))
    row = page.locator("#uploaded tr").first
    row.wait_for()
    assert "больше 1 МБ" in row.inner_text() and "не сохранён" in row.inner_text()
    inbox = workspace.inbox / PERIOD
    assert not inbox.exists() or list(inbox.iterdir()) == []
    assert not staging.exists() or not list(staging.glob("upload-*"))


def test_a_second_run_while_one_is_going_is_told_so(office, browser, page, workspace, form,
                                                    monkeypatch) -> None:
    import pipeline.web.runner as runner

    form.save(workspace.inbox / PERIOD / "7.xlsx")
    release = threading.Event()
    real = runner.run_period

    def held(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_period", held)
    other = page.context.new_page()
    page.goto(f"{office}/month/{PERIOD}")
    other.goto(f"{office}/month/{PERIOD}")  # a second tab, still showing the button
    page.get_by_role("button", name="Свести месяц").click()
    page.locator("#run-progress").wait_for()
    other.get_by_role("button", name="Свести месяц").click()
    told = other.locator(".msg.err")
    told.wait_for()
    assert f"Идёт свод месяца {PERIOD}" in told.inner_text()
    release.set()
    page.get_by_role("link", name="Сводный файл района").wait_for()
    assert "Свод за 2026-11 выполнен" in page.locator(".msg").first.inner_text()


def test_a_run_of_another_process_is_told_in_russian(office, page, workspace, form) -> None:
    """The lock is the process's own (POSIX): another process holds it, as a command would."""
    import subprocess
    import sys

    form.save(workspace.inbox / PERIOD / "7.xlsx")
    page.goto(f"{office}/month/{PERIOD}")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from pathlib import Path\nfrom pipeline.ledger import hold_workspace\n"
         f"with hold_workspace(Path(sys.argv[1]), 'свод за {PERIOD}'):\n"
         "    print('held', flush=True)\n    sys.stdin.read()\n", str(workspace.root)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        page.get_by_role("button", name="Свести месяц").click()
        told = page.locator(".msg.err")
        told.wait_for()
        assert "рабочая папка занята" in told.inner_text()
    finally:
        holder.communicate("", timeout=30)


def test_nothing_outside_the_outbox_is_served(office, workspace) -> None:
    (workspace.outbox / PERIOD).mkdir(parents=True, exist_ok=True)
    for path in ("../nastavnik.toml", "%2e%2e/nastavnik.toml", "..%2Fschools.xlsx"):
        try:
            with urllib.request.urlopen(f"{office}/download/{path}", timeout=10) as answer:
                body = answer.read()
                assert b"[district]" not in body and answer.status != 200
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
            assert "Traceback" not in exc.read().decode()


def test_serve_prints_its_address_and_serves_the_page(workspace) -> None:
    import re
    import subprocess
    import sys

    command = [sys.executable, "-m", "pipeline", "serve", "--no-browser", "--port", "0",
               "-w", str(workspace.root)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        first = server.stdout.readline()
        found = re.fullmatch(r"Страница управления: (http://127\.0\.0\.1:\d+/)\n", first)
        assert found, first
        assert server.stdout.readline() == "Остановить: Ctrl+C\n"
        with urllib.request.urlopen(found.group(1), timeout=30) as answer:
            assert answer.status == 200
            assert "Свести месяц" in answer.read().decode()
    finally:
        server.terminate()
        server.wait(30)


def test_serve_beyond_this_computer_needs_a_password(workspace) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--no-browser", "--host", "0.0.0.0",
                                      "-w", str(workspace.root)])
    assert result.exit_code == 2
    assert "требует пароль: добавьте --password" in result.output


def test_the_commands_of_a_month_are_buttons(office, page, workspace, form) -> None:
    from pipeline.consolidate import run_period

    form.save(workspace.inbox / PERIOD / "7.xlsx")
    run_period(workspace, PERIOD)
    page.goto(f"{office}/month/{PERIOD}")

    page.get_by_role("button", name="Написать аналитическую справку").click()
    assert "Аналитическая справка записана" in page.locator(".msg").inner_text()
    assert page.get_by_role("link", name="Аналитическая справка").is_visible()

    page.get_by_role("button", name="Шаблоны на 2026-12").click()
    assert "Шаблоны на 2026-12: 2 файла" in page.locator(".msg").inner_text()
    assert len(list((workspace.outbox / "2026-12" / "templates").glob("*.xlsx"))) == 2

    page.get_by_label("Кто утверждает (необязательно)").fill("Методист")
    page.get_by_role("button", name="Утвердить месяц").click()
    assert f"Месяц {PERIOD} утверждён (версия 1" in page.locator(".msg").inner_text()
    page.get_by_label("Почему месяц открывается заново").fill("исправление ОО-07")
    page.get_by_role("button", name="Открыть заново").click()
    assert "открыт заново: исправление ОО-07" in page.locator(".msg").inner_text()

    page.goto(f"{office}/school/ОО-07?period={PERIOD}")
    page.get_by_label("Причина").fill("чужой файл")
    page.get_by_role("button", name="Аннулировать файл").click()
    assert "Файл 7.xlsx аннулирован" in page.locator(".msg").inner_text()
    assert (workspace.inbox / PERIOD / "7.xlsx").is_file()  # nothing in inbox/ changes
    assert "1 файл аннулирован или возвращён после последнего свода" in \
        page.locator("main").inner_text()
