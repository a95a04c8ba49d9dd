"""The outputs hold the same cells, in the same order, whether the files were read one at a
time or in parallel, all at once or as they trickled in, in whatever order they arrived.

The demo district (two months, mistakes, a resubmission, refused consent, pairs that ended or
vanished) is consolidated twice: once cold with a single reader, once with the files put
into the inbox in reverse order, a few at a time, with a run after each batch and parallel
readers — the last run then also takes most schools' rows from the rendered-rows cache.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.consolidate import run_period
from pipeline.demo import build_demo
from pipeline.engine import workers
from pipeline.feedback import SHEET_NAME
from pipeline.workspace import open_workspace, previous_period

PERIOD = "2026-11"
BEFORE = previous_period(PERIOD)


def _cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
                for sheet in book.worksheets}
    finally:
        book.close()


def _remarks(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """A feedback file's cells but the time it was checked, which is when a run read it."""
    cells = _cells(path)
    checked = [row for row in cells[SHEET_NAME] if row[0] == "Проверен"]
    assert len(checked) == 1
    cells[SHEET_NAME].remove(checked[0])
    return cells


def _made(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """A workbook's cells but the line of its title blocks that says when it was made."""
    return {name: [row for row in rows if not str(row[0] if row else "").startswith(
        "Сформирован ")] for name, rows in _cells(path).items()}


def _outputs(root: Path) -> dict[str, Any]:
    folder = root / "outbox" / PERIOD
    found = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*.xlsx")}
    return {name: _remarks(path) if "Замечания/" in name else _made(path)
            for name, path in sorted(found.items())}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    workspace, _ = build_demo(root, PERIOD)
    workspace.secret()  # made once and copied: pseudonyms are the district's own
    return root


def test_serial_cold_and_parallel_trickling_runs_write_the_same_cells(demo, tmp_path,
                                                                       monkeypatch) -> None:
    serial = tmp_path / "serial"
    shutil.copytree(demo, serial)
    with monkeypatch.context() as patch:
        patch.setattr(workers, "MAX_WORKERS", 1)
        workspace = open_workspace(serial)
        run_period(workspace, BEFORE)
        cold = run_period(workspace, PERIOD)

    trickled = tmp_path / "trickled"
    shutil.copytree(demo, trickled)
    workspace = open_workspace(trickled)
    run_period(workspace, BEFORE)
    inbox = trickled / "inbox" / PERIOD
    held = tmp_path / "held"
    shutil.move(inbox, held)
    inbox.mkdir()
    arriving = sorted(held.iterdir(), reverse=True)
    assert len(arriving) >= 6
    for start in range(0, len(arriving), 3):
        for path in arriving[start:start + 3]:
            shutil.move(path, inbox / path.name)  # keeps its time of receipt (mtime)
        last = run_period(workspace, PERIOD)

    assert [r.status for r in last.results] == [r.status for r in cold.results]
    expected, got = _outputs(serial), _outputs(trickled)
    assert list(got) == list(expected)
    assert any("Замечания/" in name for name in expected)
    for name in expected:
        assert got[name] == expected[name], name



def _resend(run: Any, column: str, value: str) -> Any:
    """The first accepted school of `run` sends its file again, an hour later, with `value`
    in `column` of its first mentor's row; returns what was there."""
    counted = next(s for s in run.submissions
                   if s.role == "counted" and s.result.status == "accepted")
    book = openpyxl.load_workbook(counted.path)
    sheet = book["Наставники"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(2, header.index(column) + 1)
    before, cell.value = cell.value, value
    assert before != value
    received = counted.path.stat().st_mtime
    book.save(counted.path)  # under the same name
    os.utime(counted.path, (received + 3600, received + 3600))
    return before


def _cold(demo: Path, inbox_of: Path, tmp_path: Path) -> Path:
    """The demo's two months run cold on the inbox of `inbox_of`."""
    cold = tmp_path / "cold"
    shutil.copytree(demo, cold, ignore=shutil.ignore_patterns("inbox"))
    shutil.copytree(inbox_of / "inbox", cold / "inbox")
    run_period(open_workspace(cold), BEFORE)
    run_period(open_workspace(cold), PERIOD)
    return cold


def test_a_school_that_resends_its_file_gets_its_new_rows_in_the_next_run(demo, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(demo, again)
    workspace = open_workspace(again)
    run_period(workspace, BEFORE)
    _resend(run_period(workspace, PERIOD), "Должность", "учитель астрономии")

    run_period(workspace, PERIOD)

    expected, got = _outputs(_cold(demo, again, tmp_path)), _outputs(again)
    mentors = got["Свод_2026-11.xlsx"]["Наставники"]
    assert any("учитель астрономии" in row for row in mentors)
    assert got == expected


def test_last_month_corrected_after_this_month_was_run_changes_what_changed(demo, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(demo, again)
    workspace = open_workspace(again)
    last_month = run_period(workspace, BEFORE)
    run_period(workspace, PERIOD)
    # last month listed someone else in that row
    gone = _resend(last_month, "ФИО", "Новикова Алла Петровна")

    run_period(workspace, BEFORE)
    run_period(workspace, PERIOD)  # this month's files are the same; last month's is not

    expected, got = _outputs(_cold(demo, again, tmp_path)), _outputs(again)
    changes = got["Свод_2026-11.xlsx"]["Изменения"]
    assert any(gone in row and "добавлен" in row for row in changes)
    assert got == expected
