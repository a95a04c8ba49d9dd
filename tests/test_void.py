"""A wrong submission set aside without touching inbox/ (`nastavnik void`), and brought back
(`nastavnik unvoid`): the school's previous file counts again, or the school is «не
представлен»; recorded, reversible, shown in `status`, `history` and the district workbook."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import AGE, BASE_COUNTS, MENTORS, MOROZOV, T_PERIOD, FormBuilder

from pipeline.cli import cli
from schemas.outputs import DEADLINES, FEEDBACK_FOLDER, SUMMARY, district_book_name

NOV = "2026-11"
REASON = "прислан файл другой школы"


def at(day: int, month: int = 12, hour: int = 10) -> float:
    return dt.datetime(2026, month, day, hour).timestamp()


def put(workspace, builder: FormBuilder, name: str, when: float) -> Path:
    path = builder.copy().set_title(T_PERIOD, NOV).save(workspace.inbox / NOV / name)
    os.utime(path, (when, when))
    return path


def nastavnik(workspace, *args: str) -> object:
    return CliRunner().invoke(cli, [*args, "-w", str(workspace.root)])


def run(workspace) -> dict:
    result = nastavnik(workspace, "run", "--period", NOV, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def sheet(workspace, name: str) -> dict[str, dict[str, object]]:
    """A sheet of the district workbook, its rows by «Код ОО» (the header found, not assumed)."""
    book = openpyxl.load_workbook(workspace.outbox / NOV / district_book_name(NOV))
    rows = list(book[name].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Код ОО")
    return {r[0]: dict(zip(rows[start], r, strict=True)) for r in rows[start + 1:] if r[0]}


def inbox_state(workspace) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted((workspace.inbox / NOV).iterdir())}


def feedback_files(workspace) -> list[str]:
    folder = workspace.outbox / NOV / FEEDBACK_FOLDER
    return sorted(p.name for p in folder.glob("*.xlsx")) if folder.is_dir() else []


def test_voiding_the_newer_file_brings_back_the_older_one_and_leaves_inbox_as_it_was(
        workspace, form):
    put(workspace, form, "7.xlsx", at(1))  # clean: 4 mentors
    broken = form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    newer = put(workspace, broken, "7 новый.xlsx", at(2))  # a mentor left out, feedback
    first = run(workspace)
    assert sheet(workspace, SUMMARY.sheet)["ОО-07"]["Файл"] == "7 новый.xlsx"
    assert sheet(workspace, SUMMARY.sheet)["ОО-07"]["Наставников"] == BASE_COUNTS["mentors"] - 1
    assert any(name.startswith("ОО-07") for name in feedback_files(workspace)), first
    before = inbox_state(workspace)

    voided = nastavnik(workspace, "void", str(newer), "--reason", REASON, "--by", "Иванова И. И.")
    assert voided.exit_code == 0, voided.output
    assert "аннулирован" in voided.output and REASON in voided.output
    after = run(workspace)  # the void changed the month: the run does not say «unchanged»

    assert after["unchanged"] is False
    summary = sheet(workspace, SUMMARY.sheet)["ОО-07"]
    assert summary["Файл"] == "7.xlsx"
    assert summary["Статус"] == "принят"
    assert summary["Наставников"] == BASE_COUNTS["mentors"]
    deadlines = sheet(workspace, DEADLINES.sheet)["ОО-07"]
    assert deadlines["Аннулированные файлы"].startswith("7 новый.xlsx — аннулирован ")
    assert deadlines["Аннулированные файлы"].endswith(REASON)
    book = openpyxl.load_workbook(workspace.outbox / NOV / district_book_name(NOV))
    cell = next(c for row in book[DEADLINES.sheet].iter_rows() for c in row
                if str(c.value).startswith("7 новый.xlsx"))
    assert cell.alignment.wrap_text  # a long text wraps in its column, not over the page
    issues = book[FEEDBACK_FOLDER]
    shown = {row[1] for row in issues.iter_rows(min_row=2, values_only=True)}
    assert "7 новый.xlsx (аннулирован)" in shown
    assert not any(name.startswith("ОО-07") for name in feedback_files(workspace))
    assert [Path(f["file"]).name for f in after["voided"]] == ["7 новый.xlsx"]
    assert after["voided"][0] | {"file": None, "at": None} == {
        "file": None, "at": None, "school_code": "ОО-07", "status": "аннулирован",
        "reason": REASON, "by": "Иванова И. И."}
    assert inbox_state(workspace) == before

    history = nastavnik(workspace, "history", "--school", "ОО-07")
    assert history.exit_code == 0, history.output
    row = next(ln for ln in history.output.splitlines()
               if ln.startswith(NOV) and "7 новый.xlsx" in ln)
    assert row.split()[-2] == "аннулирован", history.output  # «Судьба», then the SHA-256
    assert f"7 новый.xlsx: аннулирован — {REASON} (Иванова И. И.)" in history.output
    status = nastavnik(workspace, "status", "--period", NOV)
    assert status.exit_code == 0, status.output
    assert "ОО-07 — 7 новый.xlsx: аннулирован" in status.output and REASON in status.output


def test_voiding_the_only_file_makes_the_school_missing_and_unvoid_brings_it_back(
        workspace, form):
    only = put(workspace, form, "7.xlsx", at(1))
    before = inbox_state(workspace)
    run(workspace)

    voided = nastavnik(workspace, "void", "--school", "ОО-07", "--received", "2026-12-01",
                       "--period", NOV, "--reason", REASON)
    assert voided.exit_code == 0, voided.output
    status = nastavnik(workspace, "status", "--period", NOV)
    assert "После последнего свода аннулирован или возвращён 1 файл; свод это ещё не учёл" \
        in status.output, status.output
    missing = run(workspace)

    assert "ОО-07" in missing["missing"]
    assert sheet(workspace, SUMMARY.sheet)["ОО-07"]["Статус"] == "не представлен"
    assert sheet(workspace, DEADLINES.sheet)["ОО-07"]["Статус"] == "не представлен"
    status = nastavnik(workspace, "status", "--period", NOV)
    assert "не представлен" in next(ln for ln in status.output.splitlines()
                                    if ln.startswith("ОО-07 "))
    assert "ещё не учёл" not in status.output

    undone = nastavnik(workspace, "unvoid", str(only), "--reason", "аннулирован по ошибке")
    assert undone.exit_code == 0, undone.output
    back = run(workspace)

    assert "ОО-07" not in back["missing"] and back["voided"] == []
    assert sheet(workspace, SUMMARY.sheet)["ОО-07"]["Статус"] == "принят"
    assert sheet(workspace, DEADLINES.sheet)["ОО-07"]["Аннулированные файлы"] is None
    history = nastavnik(workspace, "history", "--school", "ОО-07").output
    assert f"7.xlsx: аннулирован — {REASON}" in history
    assert "7.xlsx: снова учитывается — аннулирован по ошибке" in history
    assert history.index("аннулирован —") < history.index("снова учитывается")
    assert inbox_state(workspace) == before


def test_a_reason_is_required_in_russian(workspace, form):
    path = put(workspace, form, "7.xlsx", at(1))

    missing = nastavnik(workspace, "void", str(path))
    blank = nastavnik(workspace, "void", str(path), "--reason", "  ")
    neither = nastavnik(workspace, "void", "--reason", REASON)

    for result in (missing, blank, neither):
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "Missing" not in result.output
    assert "Не указан параметр" in missing.output and "--reason" in missing.output
    assert "укажите причину" in blank.output
    assert "укажите файл (ФАЙЛ) или школу и дату получения" in neither.output


def test_void_and_unvoid_answer_in_json_and_refuse_twice(workspace, form):
    path = put(workspace, form, "7.xlsx", at(1))
    run(workspace)

    voided = nastavnik(workspace, "void", str(path), "--reason", REASON, "--json")
    again = nastavnik(workspace, "void", str(path), "--reason", REASON)
    undone = nastavnik(workspace, "unvoid", str(path), "--reason", "ошибка", "--json")
    twice = nastavnik(workspace, "unvoid", str(path), "--reason", "ошибка")

    assert voided.exit_code == 0, voided.output
    data = json.loads(voided.stdout)
    assert data | {"at": None, "by": None} == {
        "action": "void", "file": f"inbox/{NOV}/7.xlsx", "sha256": data["sha256"],
        "period": NOV, "school_code": "ОО-07", "status": "аннулирован", "at": None,
        "by": None, "reason": REASON}
    assert again.exit_code == 1 and "уже аннулирован" in again.output
    assert json.loads(undone.stdout)["action"] == "unvoid"
    assert json.loads(undone.stdout)["reason"] == "ошибка"
    assert twice.exit_code == 1 and "файл не аннулирован" in twice.output


def test_a_file_outside_inbox_or_an_unknown_date_is_refused_in_russian(workspace, form, tmp_path):
    put(workspace, form, "7.xlsx", at(1))
    run(workspace)
    elsewhere = form.save(tmp_path / "где-то.xlsx")

    outside = nastavnik(workspace, "void", str(elsewhere), "--reason", REASON)
    no_such_day = nastavnik(workspace, "void", "--school", "ОО-07", "--received", "03.12.2026",
                            "--reason", REASON)

    assert outside.exit_code == 1 and "inbox/ГГГГ-ММ/" in outside.output, outside.output
    assert no_such_day.exit_code == 1, no_such_day.output
    assert "такого файла в журнале нет" in no_such_day.output


def test_a_voided_file_does_not_make_the_school_on_time(workspace, form):
    wrong = put(workspace, form, "7 черновик.xlsx", at(1))  # before the deadline (5 December)
    put(workspace, form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 16),
        "7.xlsx", at(9))  # after it
    assert sheet_after_run(workspace)["ОО-07"]["В срок"] == "да"

    voided = nastavnik(workspace, "void", str(wrong), "--reason", "черновик")
    assert voided.exit_code == 0, voided.output

    deadlines = sheet_after_run(workspace)["ОО-07"]
    assert deadlines["В срок"] == "нет (с опозданием)"
    assert deadlines["Получен"] == dt.datetime(2026, 12, 9, 10)
    status = nastavnik(workspace, "status", "--period", NOV).output
    assert "опоздание" in next(ln for ln in status.splitlines() if ln.startswith("ОО-07 "))


def sheet_after_run(workspace) -> dict[str, dict[str, object]]:
    run(workspace)
    return sheet(workspace, DEADLINES.sheet)
