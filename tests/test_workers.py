"""A file that kills its reader costs that file, never the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import BASE_COUNTS, PERIOD, FormBuilder

from pipeline import read
from pipeline.check import check_files
from pipeline.consolidate import run_period
from pipeline.workers import read_forms

real_read_form = read.read_form


def deadly_read_form(path: Path, **limits):
    """Stands for python-calamine aborting the process on a hostile file."""
    if "убийца" in Path(path).name:
        os.abort()
    if "исключение" in Path(path).name:
        raise RuntimeError("reader bug")
    return real_read_form(path, **limits)


@pytest.fixture
def deadly_reader(monkeypatch):
    # workers are forked, so they inherit this replacement
    monkeypatch.setattr(read, "read_form", deadly_read_form)


def test_a_file_that_kills_its_reader_is_unreadable_and_the_others_are_read(
        deadly_reader, form: FormBuilder, tmp_path) -> None:
    good = [form.save(tmp_path / f"школа {n}.xlsx") for n in range(3)]
    killer = form.save(tmp_path / "убийца.xlsx")
    forms = read_forms([good[0], killer, good[1], good[2]], workers=2)

    assert [Path(f.path).name for f in forms] == ["школа 0.xlsx", "убийца.xlsx", "школа 1.xlsx",
                                                   "школа 2.xlsx"]
    [issue] = forms[1].issues
    assert issue.code == "unreadable-file"
    assert "аварийно" in issue.message
    assert all(not f.rejected and f.tables for f in (forms[0], forms[2], forms[3]))


def test_a_reader_bug_on_one_file_is_that_files_problem(deadly_reader, form, tmp_path) -> None:
    forms = read_forms([form.save(tmp_path / "исключение.xlsx"), form.save(tmp_path / "a.xlsx")])
    assert forms[0].issues[0].code == "unreadable-file"
    assert not forms[1].rejected


def test_the_monthly_run_goes_on_past_a_file_that_kills_its_reader(deadly_reader, workspace,
                                                                   form) -> None:
    folder = workspace.inbox / PERIOD
    form.save(folder / "7.xlsx")
    form.copy().set_title("Код ОО", "ОО-08").save(folder / "убийца.xlsx")

    run = run_period(workspace, PERIOD)

    statuses = {Path(s.path).name: s.result.status for s in run.submissions}
    assert statuses == {"7.xlsx": "accepted", "убийца.xlsx": "rejected"}
    assert run.results[0].counts == BASE_COUNTS or run.results[1].counts == BASE_COUNTS
    assert Path(run.outputs["consolidated"]).is_file()


def test_check_reports_files_in_the_order_given_whatever_order_they_finish(form, tmp_path):
    paths = [form.copy().set_title("Код ОО", f"ОО-{n:02d}").save(tmp_path / f"{n}.xlsx")
             for n in range(6)]
    results = check_files(list(reversed(paths)))
    assert [r.file for r in results] == [str(p) for p in reversed(paths)]
    assert [r.school_code for r in results] == [f"ОО-{n:02d}" for n in reversed(range(6))]


def test_feedback_rewritten_later_does_not_reread_a_deadly_file_in_the_run(
        workspace, form, monkeypatch) -> None:
    from pipeline.feedback import SHEET_NAME

    folder = workspace.inbox / PERIOD
    form.copy().set("Наставники", 3, "ФИО", "Петрова").save(folder / "убийца позже.xlsx")
    first = run_period(workspace, PERIOD)
    [feedback] = map(Path, first.outputs["feedback"])
    feedback.unlink()  # the office deleted it; the next run must write it again
    monkeypatch.setattr(read, "read_form", lambda path, **limits: os.abort()
                        if "убийца" in Path(path).name else real_read_form(path, **limits))

    again = run_period(workspace, PERIOD)

    assert [Path(p) for p in again.outputs["feedback"]] == [feedback]
    import openpyxl

    book = openpyxl.load_workbook(feedback)
    assert book.sheetnames == [SHEET_NAME]  # the list of problems, without the marked copy
    codes = [r[7] for r in book[SHEET_NAME].iter_rows(min_row=13, values_only=True) if r[7]]
    assert "bad-name" in codes
