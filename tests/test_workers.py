"""A file that kills its reader costs that file, never the run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import BASE_COUNTS, PERIOD, FormBuilder

from pipeline import read
from pipeline.check import check_files, read_forms
from pipeline.consolidate import run_period

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


def test_a_run_hands_the_cycle_collector_back_as_it_found_it(deadly_reader, workspace,
                                                             form) -> None:
    """A run freezes what it starts with (and pandas once imported) so that full
    collections skip it; after the run, even one whose pool a file broke and that forked
    again, nothing stays frozen and the collector is on, or off, as before."""
    import gc

    folder = workspace.inbox / PERIOD
    form.copy().set_title("Код ОО", "ОО-08").save(folder / "убийца.xlsx")
    for enabled, name in ((True, "Петрова"), (False, "Петрова Анна")):
        form.copy().set("Наставники", 3, "ФИО", name).save(folder / "7.xlsx")  # a new file
        (gc.enable if enabled else gc.disable)()
        try:
            run = run_period(workspace, PERIOD)
            assert gc.get_freeze_count() == 0
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
        assert "pandera" in sys.modules  # the new file was checked
        assert [s.result.status for s in run.submissions] == ["accepted", "rejected"]


def test_freezing_nests_and_the_outermost_block_hands_back(tmp_path) -> None:
    import gc

    from pipeline.engine.workers import frozen

    assert gc.get_freeze_count() == 0
    with frozen():
        kept = [[n] for n in range(1000)]  # made inside: still collected normally...
        with frozen():  # ...until an inner block freezes them with the rest
            assert gc.get_freeze_count() >= 1000
        assert gc.get_freeze_count() >= 1000  # the inner block did not hand back
    assert gc.get_freeze_count() == 0
    assert kept


def test_files_after_one_that_kills_its_reader_are_read_by_new_workers(
        deadly_reader, form: FormBuilder, tmp_path, monkeypatch) -> None:
    from pipeline import check

    monkeypatch.setattr(check, "CHUNK", 2)
    paths = [form.copy().set_title("Код ОО", f"ОО-{n:02d}").save(tmp_path / f"{n:02d}.xlsx")
             for n in range(24)]
    paths[5] = form.save(tmp_path / "05 убийца.xlsx")
    alone = []
    monkeypatch.setattr(check, "_read_alone", lambda path, limits: alone.append(path) or
                        read.crashed(path, "read alone"))

    forms = read_forms(paths, workers=2)

    assert [f.path for f in forms] == [str(p) for p in paths]
    assert paths[5] in alone  # the killer, and the few in hand with it, were read alone
    assert len(alone) < 12  # the files after them went on in a new pool, a chunk at a time
    read_normally = [f for f, p in zip(forms, paths, strict=True) if p not in alone]
    assert all(not f.rejected and f.tables for f in read_normally)
    assert [f.tables["title"].values["school_code"][0] for f in read_normally][-1] == "ОО-23"


def test_feedback_is_marked_after_a_file_broke_the_readers(deadly_reader, workspace,
                                                           form) -> None:
    """The run's workers are used again for the feedback; a pool a file broke is replaced,
    so the schools' files are still marked, not only listed."""
    import openpyxl

    from pipeline.feedback import SHEET_NAME

    folder = workspace.inbox / PERIOD
    form.copy().set_title("Код ОО", "ОО-08").save(folder / "убийца.xlsx")
    form.copy().set("Наставники", 3, "ФИО", "Петрова").save(folder / "школа 7.xlsx")

    run = run_period(workspace, PERIOD)

    marked = [Path(p) for p in run.outputs["feedback"] if "ОО-07" in Path(p).name]
    assert len(marked) == 1
    book = openpyxl.load_workbook(marked[0])
    assert book.sheetnames[0] == SHEET_NAME and "Наставники" in book.sheetnames


PARENT = 0  # the process of the run
DIGESTED_HERE: list[str] = []
real_digest_job = __import__("pipeline.consolidate").consolidate._digest_job


def dying_digest_job(*task):
    """Stands for a worker killed while it digests a file."""
    if os.getpid() != PARENT:
        os.abort()
    DIGESTED_HERE.append(task[3].code)
    return real_digest_job(*task)


def test_a_worker_that_dies_making_a_digest_costs_nothing(workspace, form,
                                                          monkeypatch) -> None:
    """Accepted files are digested (their lists rendered, their figures counted) in the
    workers; a worker that dies on that (killed, out of memory) leaves the job to this
    process, and the outputs are those of a run where none died."""
    import openpyxl

    from pipeline import consolidate

    folder = workspace.inbox / PERIOD
    form.save(folder / "7.xlsx")
    form.copy().set_title("Код ОО", "ОО-08").set("Наставники", 3, "ФИО", "Петрова") \
        .save(folder / "8.xlsx")
    monkeypatch.setattr(consolidate, "_digest_job", dying_digest_job)
    monkeypatch.setattr(sys.modules[__name__], "PARENT", os.getpid())
    run = run_period(workspace, PERIOD)

    assert sorted(DIGESTED_HERE) == ["ОО-07", "ОО-08"]
    assert [s.result.status for s in run.submissions] == ["accepted", "accepted"]
    book = openpyxl.load_workbook(run.outputs["consolidated"])
    mentors = list(book["Наставники"].iter_rows(min_row=2, values_only=True))
    assert sorted({row[0] for row in mentors}) == ["ОО-07", "ОО-08"]
    assert len(mentors) == 2 * BASE_COUNTS["mentors"] - 1  # ОО-08's bad row is left out
    assert Path(run.outputs["report"]).is_file()
    # both list the same people (cross-school duplicates): both files come back marked
    from pipeline.feedback import SHEET_NAME

    marked = [openpyxl.load_workbook(p).sheetnames for p in run.outputs["feedback"]]
    assert len(marked) == 2
    assert all(names[0] == SHEET_NAME and "Наставники" in names for names in marked)
