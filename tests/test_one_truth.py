"""One status, one count, one timeliness everywhere (SPEC §4.6; issue «What the tool says is
true»): the console, `run --json`, `status`, `history`, the district workbook, the ministry
report and the analytical note say the same thing about each school."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import docx
import openpyxl
from click.testing import CliRunner
from conftest import AGE, MENTORS, MOROZOV, T_CODE, T_PERIOD, FormBuilder

from pipeline.cli import cli

NOV = "2026-11"


def at(day: int, month: int = 12, hour: int = 10) -> float:
    return dt.datetime(2026, month, day, hour).timestamp()


def put(workspace, builder: FormBuilder, name: str, when: float, code: str = "ОО-07") -> Path:
    builder = builder.copy().set_title(T_PERIOD, NOV).set_title(T_CODE, code)
    path = builder.save(workspace.inbox / NOV / name)
    os.utime(path, (when, when))
    return path


def invoke(workspace, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "-w", str(workspace.root)])
    assert result.exit_code in (0, 1), result.output
    return result.output


def table(path: Path, sheet: str, first: str = "Код ОО") -> dict[str, dict[str, object]]:
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == first)
    return {r[0]: dict(zip(rows[start], r, strict=False)) for r in rows[start + 1:] if r[0]}


def console_row(output: str, code: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(code))


def outputs_of(workspace) -> dict[str, Path]:
    folder = workspace.outbox / NOV
    invoke(workspace, "report", "--period", NOV, "--note")
    return {"district": folder / f"Свод_{NOV}.xlsx",
            "report": next(folder.glob("Отчёт *.xlsx")),
            "note": next(folder.glob("Аналитическая справка *.docx"))}


def note_statuses(path: Path) -> dict[str, str]:
    """The note's appendix: school name -> «Статус отчёта»."""
    found = {}
    for t in docx.Document(str(path)).tables:
        head = [c.text for c in t.rows[0].cells]
        if "Статус отчёта" in head:
            col = head.index("Статус отчёта")
            for row in t.rows[1:]:
                found[row.cells[1].text] = row.cells[col].text
    return found


def test_warnings_found_across_the_district_count_as_the_schools_everywhere(workspace, form):
    # two schools list the same people: each gets only `cross-school-duplicate` warnings,
    # found at district level, not in its own file
    put(workspace, form, "7.xlsx", at(1))
    put(workspace, form, "8.xlsx", at(1), code="ОО-08")

    runner = CliRunner()
    result = runner.invoke(cli, ["run", "--period", NOV, "-w", str(workspace.root), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    warned = {f["school_code"]: sum(i["severity"] == "warning" for i in f["issues"])
              for f in data["files"]}
    assert warned["ОО-07"] == warned["ОО-08"] == 9  # nine people, each listed by both
    assert all(i["code"] == "cross-school-duplicate" for f in data["files"]
               for i in f["issues"])

    out = outputs_of(workspace)
    summary = table(out["district"], "Сводка")
    deadlines = table(out["district"], "Сдача отчётов")
    indicators = table(out["report"], "Показатели")
    note = note_statuses(out["note"])
    status = invoke(workspace, "status", "--period", NOV)
    console = invoke(workspace, "run", "--period", NOV)
    for code, name in (("ОО-07", "МБОУ «СОШ № 7»"), ("ОО-08", "МБОУ «Гимназия № 8»")):
        assert summary[code]["Статус"] == "принят с замечаниями"
        assert (summary[code]["Ошибок"], summary[code]["Предупреждений"]) == (0, 9)
        assert deadlines[code]["Статус"] == "принят с замечаниями"
        assert indicators[code]["Статус отчёта"] == "принят с замечаниями"
        assert note[name] == "принят с замечаниями"
        line = console_row(status, code)
        assert "принят с замечаниями" in line
        assert re.search(r"\s0\s+9\s", line), line  # errors, warnings
    assert "принят с замечаниями" in console
    history = invoke(workspace, "history", "--school", "ОО-08")
    row = console_row(history, NOV)
    assert "принят с замечаниями" in row and re.search(r"\s0\s+9\s", row), row


def test_history_says_a_file_with_errors_is_not_simply_accepted(workspace, form):
    broken = form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    put(workspace, broken, "7.xlsx", at(1))
    invoke(workspace, "run", "--period", NOV)

    row = console_row(invoke(workspace, "history", "--school", "ОО-07"), NOV)

    assert "принят с замечаниями" in row
    assert not re.search(r"\sпринят\s", row.replace("принят с замечаниями", "")), row


def test_a_rejected_file_is_never_counted_as_on_time(workspace, form):
    put(workspace, form, "7.xlsx", at(1))
    # on time, but for the wrong month: `period-mismatch` rejects it
    rejected = form.copy().set_title(T_CODE, "ОО-08").set_title(T_PERIOD, "2026-10") \
        .save(workspace.inbox / NOV / "8.xlsx")
    os.utime(rejected, (at(1), at(1)))

    invoke(workspace, "run", "--period", NOV)
    out = outputs_of(workspace)

    deadlines = table(out["district"], "Сдача отчётов")
    assert deadlines["ОО-08"]["Статус"] == "отклонён"
    assert deadlines["ОО-08"]["В срок"] == "—"
    assert deadlines["ОО-07"]["В срок"] == "да"
    chart = table(out["report"], "Диаграммы", first="Сдача отчётов")
    assert chart["Приняты, сданы в срок"]["Школ"] == 1
    assert chart["Отклонены"]["Школ"] == 1
    assert chart["Приняты, сданы с опозданием"]["Школ"] == 0
    status = invoke(workspace, "status", "--period", NOV)
    assert "в срок — 1." in status
    assert "в срок" not in console_row(status, "ОО-08")


def test_a_correction_after_the_deadline_does_not_make_an_on_time_school_late(workspace, form):
    broken = form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    put(workspace, broken, "7.xlsx", at(1))  # on time: the deadline is 5 December
    put(workspace, form, "7 исправлено.xlsx", at(9))  # the correction comes later

    result = CliRunner().invoke(cli, ["run", "--period", NOV, "-w", str(workspace.root),
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["late"] == []
    out = outputs_of(workspace)

    row = table(out["district"], "Сдача отчётов")["ОО-07"]
    assert row["Статус"] == "принят"
    assert row["В срок"] == "да"
    assert row["Получен"] == dt.datetime(2026, 12, 1, 10)
    assert row["Исправление получено"] == dt.datetime(2026, 12, 9, 10)
    line = console_row(invoke(workspace, "status", "--period", NOV), "ОО-07")
    assert "01.12.2026 10:00" in line and "09.12.2026 10:00" in line and "в срок" in line
    assert "опоздание" not in line
    note = note_statuses(out["note"])
    assert note["МБОУ «СОШ № 7»"] == "принят"
    chart = table(out["report"], "Диаграммы", first="Сдача отчётов")
    assert chart["Приняты, сданы в срок"]["Школ"] == 1
