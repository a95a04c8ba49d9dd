"""The district's memory: resubmissions, duplicates, deadlines, re-runs, crashes, locks, months."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    AGE,
    BASE_COUNTS,
    END,
    LINKS,
    MENTEE_NAME,
    MENTEE_SATISFACTION,
    MENTEES,
    MENTOR_SATISFACTION,
    MENTORS,
    MOROZOV,
    NAME,
    ORLOVA,
    PETROVA,
    SOKOLOV,
    STATUS,
    T_CODE,
    T_PERIOD,
    VOLKOV,
    ZAITSEVA,
    FormBuilder,
)

import pipeline.check as check
from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.ledger import SCHEMA_VERSION, Ledger, LedgerError, LockedError, workspace_lock
from pipeline.status import period_status, school_history
from pipeline.workspace import School, init_workspace
from schemas import vocab as v

OCT, NOV = "2026-10", "2026-11"


def at(day: int, month: int = 11, hour: int = 10, year: int = 2026) -> float:
    return dt.datetime(year, month, day, hour).timestamp()


def put(workspace, builder: FormBuilder, name: str, period: str, when: float) -> Path:
    builder = builder.copy().set_title(T_PERIOD, period)
    path = builder.save(workspace.inbox / period / name)
    os.utime(path, (when, when))
    return path


def sheet(path: Path, name: str) -> list[dict[str, object]]:
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Код ОО")
    return [dict(zip(rows[start], r, strict=True)) for r in rows[start + 1:]]


def cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}


def count_reads(monkeypatch) -> list[Path]:
    calls: list[Path] = []
    real = check.read_and_validate

    def spy(paths, **kwargs):
        calls.extend(paths)
        return real(paths, **kwargs)

    monkeypatch.setattr(check, "read_and_validate", spy)
    return calls


def test_a_resubmission_supersedes_the_first_file_which_stays_on_record(workspace, form):
    broken = form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    put(workspace, broken, "7.xlsx", NOV, at(1, 12))
    put(workspace, form, "7 исправлено.xlsx", NOV, at(3, 12))

    run = run_period(workspace, NOV)

    roles = {Path(s.path).name: s.role for s in run.submissions}
    assert roles == {"7.xlsx": "superseded", "7 исправлено.xlsx": "counted"}
    summary = sheet(Path(run.outputs["consolidated"]), "Сводка")
    assert summary[0]["Статус"] == "принят" and summary[0]["Файл"] == "7 исправлено.xlsx"
    history = school_history(workspace, "ОО-07")
    assert [(h["name"], h["role_ru"]) for h in history] == [
        ("7.xlsx", "заменён более новым"), ("7 исправлено.xlsx", "учитывается")]


def test_the_same_content_under_another_name_is_recognised_and_not_read_again(
        workspace, form, monkeypatch):
    first = put(workspace, form, "7.xlsx", NOV, at(1, 12))
    run_period(workspace, NOV)
    copy = workspace.inbox / NOV / "7 (копия).xlsx"
    copy.write_bytes(first.read_bytes())
    os.utime(copy, (at(2, 12), at(2, 12)))
    reads = count_reads(monkeypatch)

    run = run_period(workspace, NOV)

    assert reads == []
    roles = {Path(s.path).name: s.role for s in run.submissions}
    assert roles == {"7.xlsx": "duplicate", "7 (копия).xlsx": "counted"}


def test_a_file_received_after_the_deadline_is_late(workspace, form):
    put(workspace, form, "7.xlsx", NOV, at(9, 12))  # deadline: 5 December

    run = run_period(workspace, NOV)

    assert run.as_json()["late"] == ["ОО-07"]
    rows = {r["Код ОО"]: r for r in sheet(Path(run.outputs["consolidated"]),
                                          "Сдача отчётов")}
    assert rows["ОО-07"]["В срок"] == "нет (с опозданием)"
    assert rows["ОО-07"]["Получен"] == dt.datetime(2026, 12, 9, 10)
    assert rows["ОО-08"]["Статус"] == "не представлен"
    assert rows["ОО-08"]["Пар и групп в отчёте"] == "отчёта нет"
    assert period_status(workspace, NOV).schools[0].on_time is False


def test_reported_zero_pairs_is_not_the_same_as_not_reported(workspace, form):
    empty = form.copy()
    for name in (LINKS, MENTEES, MENTORS):
        for row in reversed(empty.rows(name)):
            empty.remove_row(name, row)
    put(workspace, empty, "7.xlsx", NOV, at(1, 12))

    run = run_period(workspace, NOV)

    rows = {r["Код ОО"]: r for r in sheet(Path(run.outputs["consolidated"]),
                                          "Сдача отчётов")}
    assert rows["ОО-07"]["Пар и групп в отчёте"] == 0
    assert rows["ОО-08"]["Пар и групп в отчёте"] == "отчёта нет"


def test_a_school_that_closed_is_not_expected_after_it_closed(tmp_path, form):
    schools = (School("ОО-07", "МБОУ «СОШ № 7»"),
               School("ОО-08", "МБОУ «Гимназия № 8»", active_to=dt.date(2026, 10, 31)))
    workspace = init_workspace(tmp_path / "ws", schools=schools)
    put(workspace, form, "7.xlsx", NOV, at(1, 12))

    run = run_period(workspace, NOV)

    assert [s.code for s in run.expected] == ["ОО-07"]
    assert run.missing == []
    assert [r["Код ОО"] for r in sheet(Path(run.outputs["consolidated"]), "Сводка")] == ["ОО-07"]


def test_a_rerun_with_nothing_new_reads_nothing_and_rewrites_nothing(workspace, form,
                                                                      monkeypatch):
    put(workspace, form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5), "7.xlsx",
        NOV, at(1, 12))
    first = run_period(workspace, NOV)
    outputs = [Path(first.outputs["consolidated"]), *map(Path, first.outputs["feedback"])]
    stamps = {p: p.stat().st_mtime_ns for p in outputs}
    reads = count_reads(monkeypatch)
    time.sleep(0.01)

    again = run_period(workspace, NOV)

    assert again.unchanged and reads == []
    assert {p: p.stat().st_mtime_ns for p in outputs} == stamps
    assert again.outputs == first.outputs
    result = CliRunner().invoke(cli, ["run", "--period", NOV, "-w", str(workspace.root)])
    assert "ничего не изменилось" in result.output
    with Ledger.open(workspace.state_dir) as ledger:
        assert [r["outcome"] for r in ledger.runs(NOV)] == ["done", "unchanged", "unchanged"]


def test_a_deleted_output_is_written_again(workspace, form):
    put(workspace, form, "7.xlsx", NOV, at(1, 12))
    path = Path(run_period(workspace, NOV).outputs["consolidated"])
    path.unlink()
    assert not run_period(workspace, NOV).unchanged
    assert path.is_file()


@pytest.mark.parametrize("where", ["district", "ledger"])
def test_a_run_killed_midway_then_rerun_gives_the_same_outputs(tmp_path, form, monkeypatch,
                                                               where):
    sent = form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5).save(
        tmp_path / "sent.xlsx").read_bytes()  # one file, so both districts get the same bytes

    def district(name: str):
        ws = init_workspace(tmp_path / name, schools=(School("ОО-07", "МБОУ «СОШ № 7»"),))
        (ws.state_dir).mkdir(parents=True, exist_ok=True)
        (ws.state_dir / "secret").write_text("same-secret", encoding="ascii")
        path = ws.inbox / NOV / "7.xlsx"
        path.parent.mkdir(parents=True)
        path.write_bytes(sent)
        os.utime(path, (at(1, 12), at(1, 12)))
        return ws

    calm, crashed = district("calm"), district("crashed")
    expected = run_period(calm, NOV)

    class Killed(Exception):
        pass

    def die(*_args, **_kwargs):
        raise Killed

    target = ("pipeline.consolidate.write_district_workbook" if where == "district"
              else "pipeline.ledger.Ledger.finish_run")
    with monkeypatch.context() as patch:
        patch.setattr(target, die)
        with pytest.raises(Killed):
            run_period(crashed, NOV)
    again = run_period(crashed, NOV)

    assert not again.unchanged
    ours = Path(again.outputs["consolidated"])
    theirs = Path(expected.outputs["consolidated"])
    assert cells(ours) == cells(theirs)
    [fb_ours], [fb_theirs] = again.outputs["feedback"], expected.outputs["feedback"]
    drop_receipt = lambda grid: [r for r in grid if r[0] not in ("Проверен",)]  # noqa: E731
    assert {k: drop_receipt(g) for k, g in cells(Path(fb_ours)).items()} == \
        {k: drop_receipt(g) for k, g in cells(Path(fb_theirs)).items()}
    assert not list(ours.parent.glob(".~*"))  # no half-written file left behind


def test_a_second_run_on_the_same_workspace_is_refused_and_says_who_holds_it(workspace, form):
    put(workspace, form, "7.xlsx", NOV, at(1, 12))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path;"
         "from pipeline.ledger import workspace_lock;"
         "cm = workspace_lock(Path(sys.argv[1]), 'свод за 2026-11'); cm.__enter__();"
         "print('held', flush=True); time.sleep(30)", str(workspace.state_dir)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match="рабочая папка занята: свод за 2026-11"):
            run_period(workspace, NOV)
        result = CliRunner().invoke(cli, ["run", "--period", NOV, "-w", str(workspace.root)])
        assert result.exit_code == 1
        assert "Ошибка: рабочая папка занята: свод за 2026-11 (процесс" in result.output
    finally:
        holder.kill()
        holder.wait()
    assert not run_period(workspace, NOV).unchanged  # the lock died with its process


def test_the_lock_is_released_after_a_run(workspace):
    with workspace_lock(workspace.state_dir, "первый"):
        pass
    with workspace_lock(workspace.state_dir, "второй"):
        pass


def test_changes_since_last_month_and_a_vanished_pair(workspace, form):
    put(workspace, form, "7 октябрь.xlsx", OCT, at(2, 11))
    run_period(workspace, OCT)
    november = form.copy()
    november.remove_row(LINKS, november.link_row(SOKOLOV, ZAITSEVA))  # one pair vanishes
    finished = november.link_row(PETROVA, ORLOVA)
    november.set(LINKS, finished, STATUS, v.STATUS_FINISHED)
    november.set(LINKS, finished, END, dt.date(2026, 11, 20))
    november.set(LINKS, finished, MENTOR_SATISFACTION, 9)
    november.set(LINKS, finished, MENTEE_SATISFACTION, 8)
    newcomer = "Григорьева Вера Павловна"
    november.append_row(MENTEES, {NAME: newcomer}, like=november.row_of(MENTEES, ORLOVA))
    november.append_row(LINKS, {MENTEE_NAME: newcomer, "№ пары/группы": "6"},
                        like=november.link_row(PETROVA, ORLOVA))
    put(workspace, november, "7 ноябрь.xlsx", NOV, at(2, 12))

    run = run_period(workspace, NOV)

    changes = sheet(Path(run.outputs["consolidated"]), "Изменения")
    seen = {(c["Кто / что"], c["Изменение"], c["ФИО"] or c["Наставляемый"]) for c in changes}
    assert ("наставляемый", "добавлен", newcomer) in seen
    assert ("пара", "новая пара", newcomer) in seen
    assert ("пара", v.STATUS_FINISHED, ORLOVA) in seen
    assert ("пара", "пропала без отметки", ZAITSEVA) in seen
    vanished = [i for i in run.results[0].issues if i.code == "pair-vanished"]
    assert [(i.sheet, i.value) for i in vanished] == [(LINKS, "2")]
    assert "2026-10" in vanished[0].message
    remarks = sheet(Path(run.outputs["consolidated"]), "Замечания")
    assert any(r["Код"] == "pair-vanished" for r in remarks)
    assert VOLKOV not in {c["ФИО"] for c in changes}  # still there in both months


def test_no_previous_month_says_so(workspace, form):
    put(workspace, form, "7.xlsx", NOV, at(1, 12))
    run = run_period(workspace, NOV)
    [row] = sheet(Path(run.outputs["consolidated"]), "Изменения")
    assert "Нет принятых данных за 2026-10" in row["Наименование ОО"]


def test_received_is_when_the_file_was_first_seen(workspace, form):
    path = put(workspace, form, "7.xlsx", NOV, at(1, 12))
    run_period(workspace, NOV)
    os.utime(path, (at(20, 12), at(20, 12)))  # somebody touched it later; content unchanged
    [row] = period_status(workspace, NOV).schools[:1]
    run = run_period(workspace, NOV)
    assert run.statuses[0].received == dt.datetime(2026, 12, 1, 10) == row.received
    assert run.statuses[0].on_time


def test_every_run_is_recorded_with_its_versions_and_counts(workspace, form):
    put(workspace, form, "7.xlsx", NOV, at(1, 12))
    run_period(workspace, NOV)
    with Ledger.open(workspace.state_dir) as ledger:
        [record] = ledger.runs(NOV)
    assert record["started"] <= record["finished"]
    assert record["tool_version"]
    assert record["summary"]["expected"] == 2 and record["summary"]["accepted"] == 1
    assert record["summary"]["missing"] == ["ОО-08"]


def test_a_new_store_is_created_at_the_current_schema(workspace):
    with Ledger.open(workspace.state_dir) as ledger:
        assert ledger.version == SCHEMA_VERSION
        tables = {r[0] for r in ledger.db.execute("SELECT name FROM sqlite_master")}
    assert {"files", "results", "runs", "run_files", "accepted"} <= tables


def test_a_store_from_a_newer_version_is_refused_with_advice(workspace):
    workspace.state_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(workspace.state_dir / "ledger.sqlite")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LedgerError, match="обновите nastavnik"):
        Ledger.open(workspace.state_dir)


def test_status_and_history_commands(workspace, form):
    put(workspace, form, "7.xlsx", NOV, at(1, 12))
    run_period(workspace, NOV)
    (workspace.inbox / NOV / "8.xlsx").write_bytes(b"later")
    runner = CliRunner()
    status = runner.invoke(cli, ["status", "--period", NOV, "-w", str(workspace.root)])
    assert status.exit_code == 0, status.output
    assert "ОО-07   принят" in status.output
    assert "ОО-08   не представлен" in status.output
    assert "новые файлы (1)" in status.output and "8.xlsx" in status.output
    history = runner.invoke(cli, ["history", "--school", "ОО-07", "-w", str(workspace.root)])
    assert history.exit_code == 0, history.output
    assert "7.xlsx" in history.output and "учитывается" in history.output
    unknown = runner.invoke(cli, ["history", "--school", "ОО-99", "-w", str(workspace.root)])
    assert unknown.exit_code == 1 and "нет в реестре" in unknown.output


def test_run_json_reports_late_and_unchanged(workspace, form):
    put(workspace, form, "7.xlsx", NOV, at(7, 12))
    runner = CliRunner()
    first = json.loads(runner.invoke(cli, ["run", "--period", NOV, "-w", str(workspace.root),
                                           "--json"]).output)
    second = json.loads(runner.invoke(cli, ["run", "--period", NOV, "-w",
                                            str(workspace.root), "--json"]).output)
    assert first["late"] == ["ОО-07"] and first["unchanged"] is False
    assert second["unchanged"] is True and second["files"] == first["files"]
    assert first["files"][0]["counts"] == BASE_COUNTS


def test_a_school_added_to_the_registry_turns_its_rejected_file_into_accepted(workspace, form):
    put(workspace, form.copy().set_title(T_CODE, "ОО-09"), "9.xlsx", NOV, at(1, 12))
    run = run_period(workspace, NOV)
    assert run.results[0].status == "rejected"  # ОО-09 is not in the registry
    from pipeline.workspace import open_workspace, write_registry
    write_registry(workspace.root / "schools.xlsx",
                   (*workspace.schools, School("ОО-09", "МБОУ «СОШ № 9»")))
    again = run_period(open_workspace(workspace.root), NOV)
    assert again.results[0].status == "accepted"


def test_a_file_rejected_for_a_missing_sheet_still_counts_as_the_schools_rejected_report(
        workspace, form):
    put(workspace, form.copy().remove_sheet(LINKS), "7.xlsx", NOV, at(1, 12))
    run = run_period(workspace, NOV)
    [result] = run.results
    assert result.status == "rejected" and result.school_code == "ОО-07"
    assert run.missing == ["ОО-08"]
    summary = {r["Код ОО"]: r["Статус"] for r in sheet(Path(run.outputs["consolidated"]),
                                                      "Сводка")}
    assert summary == {"ОО-07": "отклонён", "ОО-08": "не представлен"}


def test_a_person_whose_row_has_an_error_this_month_has_not_left(workspace, form):
    put(workspace, form, "7 октябрь.xlsx", OCT, at(2, 11))
    run_period(workspace, OCT)
    broken = form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    put(workspace, broken, "7 ноябрь.xlsx", NOV, at(2, 12))

    run = run_period(workspace, NOV)

    changes = sheet(Path(run.outputs["consolidated"]), "Изменения")
    assert not [c for c in changes if c["Изменение"] in ("выбыл", "пропала без отметки")]
    assert not [i for i in run.results[0].issues if i.code == "pair-vanished"]


def _open_at_once(path: str, barrier, errors) -> None:
    barrier.wait()
    try:
        Ledger(Path(path)).close()
    except Exception as exc:  # reported to the test, which names it
        errors.put(repr(exc))


def test_commands_opening_a_new_ledger_at_the_same_moment_both_get_it(tmp_path) -> None:
    """The page and a `status` (or a run and a `mail fetch`) starting together on a new
    workspace: neither migrates what the other did, nor is told the ledger is damaged."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    found = []
    for n in range(6):
        barrier, errors = context.Barrier(4), context.Queue()
        path = tmp_path / str(n) / "ledger.sqlite"
        openers = [context.Process(target=_open_at_once, args=(str(path), barrier, errors))
                   for _ in range(4)]
        for process in openers:
            process.start()
        for process in openers:
            process.join(60)
        while not errors.empty():
            found.append(errors.get())
        with Ledger(path) as ledger:
            assert ledger.version == SCHEMA_VERSION
    assert found == []
