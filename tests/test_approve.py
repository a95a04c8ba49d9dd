"""A month approved by the district (issue 19, points 1 and 5): approve → a late correction →
the report and the district workbook unchanged and the difference shown → reopen → run →
approve again, a new version that says which one it replaces."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import LEBEDEVA, LINKS, MOROZOV, PERIOD, T_PUPILS, FormBuilder

from pipeline.cli import cli
from pipeline.ledger import Ledger
from pipeline.workspace import Workspace
from schemas.outputs import DEADLINES

FIRST = dt.datetime(2026, 12, 1, 10, 0)  # on time (the deadline is 05.12)
LATE = dt.datetime(2026, 12, 8, 9, 30)  # a correction after the approval


def invoke(workspace: Workspace, *args: str):
    return CliRunner().invoke(cli, [*args, "-w", str(workspace.root)], prog_name="nastavnik")


def put(workspace: Workspace, form: FormBuilder, name: str, when: dt.datetime) -> Path:
    path = workspace.inbox / PERIOD / name
    path.parent.mkdir(parents=True, exist_ok=True)
    form.save(path)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def outputs(workspace: Workspace) -> dict[str, Path]:
    folder = workspace.outbox / PERIOD
    return {"district": folder / f"Свод_{PERIOD}.xlsx",
            "report": next(folder.glob("Отчёт *.xlsx")),
            "note": folder / f"Аналитическая справка Тестовый район {PERIOD}.docx"}


def title_lines(report: Path) -> list[str]:
    """The title block of each sheet of the ministry report, as one list."""
    book = openpyxl.load_workbook(report)
    return [str(row[0]) for sheet in book for row in sheet.iter_rows(max_row=4, max_col=1,
                                                                     values_only=True)
            if row[0] is not None]


def note_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def deadlines_row(district: Path, code: str) -> dict[str, object]:
    sheet = openpyxl.load_workbook(district)[DEADLINES.sheet]
    rows = list(sheet.iter_rows(values_only=True))
    top = next(n for n, row in enumerate(rows) if row[0] == DEADLINES.headers[0])
    return next(dict(zip(rows[top], row, strict=True)) for row in rows[top + 1:]
                if row[0] == code)


def corrected(form: FormBuilder) -> FormBuilder:
    """The school drops pair № 4 (Морозов's): one pair fewer, and an unpaired mentor."""
    late = form.copy()
    return late.remove_row(LINKS, late.link_row(MOROZOV, LEBEDEVA))


@pytest.fixture
def approved(workspace: Workspace, form: FormBuilder) -> Workspace:
    put(workspace, form, "7.xlsx", FIRST)
    result = invoke(workspace, "run", "--period", PERIOD)
    assert result.exit_code == 0, result.output
    result = invoke(workspace, "approve", "--period", PERIOD, "--by", "Иванова И. И.")
    assert result.exit_code == 0, result.output
    return workspace


def test_the_whole_cycle_approve_correct_reopen_run_approve_again(approved, form) -> None:
    workspace = approved
    today = f"{dt.date.today():%d.%m.%Y}"
    paths = outputs(workspace)
    assert f"Утверждено {today}" in title_lines(paths["report"])
    assert f"Утверждено {today}" in note_text(paths["note"])
    approved_bytes = {k: p.read_bytes() for k, p in paths.items()}

    # a correction after the approval: checked, its feedback written, nothing approved changed
    put(workspace, corrected(form), "7 исправлено.xlsx", LATE)
    result = invoke(workspace, "run", "--period", PERIOD)
    assert result.exit_code == 0, result.output
    assert {k: p.read_bytes() for k, p in paths.items()} == approved_bytes
    assert "сводный файл района и отчёт для министерства не изменены" in result.output
    assert ("Исправления после утверждения прислала 1 школа (что изменится):\n"
            "  ОО-07 (получено 08.12.2026 09:30): пар и групп 5 → 4; "
            "статус: принят → принят с замечаниями") in result.output
    assert list((workspace.outbox / PERIOD / "Замечания").glob("ОО-07*.xlsx"))
    status = invoke(workspace, "status", "--period", PERIOD)
    assert "ОО-07 (получено 08.12.2026 09:30): пар и групп 5 → 4" in status.output
    assert "исправлен 08.12.2026 09:30" in status.output
    again = invoke(workspace, "run", "--period", PERIOD)  # nothing new: the same said again
    assert "ОО-07 (получено 08.12.2026 09:30): пар и групп 5 → 4" in again.output
    assert {k: p.read_bytes() for k, p in paths.items()} == approved_bytes

    # the report of an approved month is not made again either
    refused = invoke(workspace, "report", "--period", PERIOD, "--note")
    assert refused.exit_code == 1, refused.output
    assert f"Ошибка: месяц {PERIOD} утверждён" in refused.output
    assert {k: p.read_bytes() for k, p in paths.items()} == approved_bytes

    # reopened, with a reason; run: the district workbook and the report take the correction
    reopened = invoke(workspace, "reopen", "--period", PERIOD, "--reason", "исправление ОО-07",
                      "--json")
    assert reopened.exit_code == 0, reopened.output
    assert json.loads(reopened.output)["reason"] == "исправление ОО-07"
    result = invoke(workspace, "run", "--period", PERIOD)
    assert result.exit_code == 0, result.output
    assert paths["district"].read_bytes() != approved_bytes["district"]
    assert not any(line.startswith("Утверждено") for line in title_lines(paths["report"]))
    row = deadlines_row(paths["district"], "ОО-07")
    assert row["После утверждения"] == ("исправление 08.12.2026: пар и групп 5 → 4; "
                                        "статус: принят → принят с замечаниями")
    assert deadlines_row(paths["district"], "ОО-08")["После утверждения"] is None

    # approved again: version 2, which replaces version 1
    result = invoke(workspace, "approve", "--period", PERIOD, "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    assert (done["version"], done["replaces"]["version"]) == (2, 1)
    stamp = f"Утверждено {today} (версия 2) — взамен утверждённого {today}"
    assert stamp in title_lines(paths["report"])
    assert stamp in note_text(paths["note"])

    history = invoke(workspace, "history", "--school", "ОО-07")
    assert history.exit_code == 0, history.output
    assert f"  {PERIOD}: месяц утверждён {today}" in history.output
    assert "(версия 1, Иванова И. И.)" in history.output
    assert "месяц открыт заново" in history.output and ": исправление ОО-07" in history.output
    assert "(версия 2, " in history.output


def test_a_run_after_approval_keeps_the_approved_files_for_next_month(approved, form) -> None:
    workspace = approved
    with Ledger.open(workspace.state_dir) as ledger:
        before = ledger.accepted_files(PERIOD)
    put(workspace, corrected(form), "7 исправлено.xlsx", LATE)
    assert invoke(workspace, "run", "--period", PERIOD).exit_code == 0
    with Ledger.open(workspace.state_dir) as ledger:
        assert ledger.accepted_files(PERIOD) == before


def test_reopen_needs_a_reason(approved) -> None:
    result = invoke(approved, "reopen", "--period", PERIOD)
    assert result.exit_code == 2, result.output
    assert "Ошибка: Не указан параметр '--reason'" in result.output
    blank = invoke(approved, "reopen", "--period", PERIOD, "--reason", "  ")
    assert blank.exit_code == 2, blank.output
    assert "укажите, почему месяц открывается заново" in blank.output


def test_approve_refuses_what_cannot_be_approved(workspace, form) -> None:
    result = invoke(workspace, "approve", "--period", PERIOD)
    assert result.exit_code == 1, result.output
    assert f"Ошибка: свод за {PERIOD} ещё не выполнялся" in result.output
    put(workspace, form, "7.xlsx", FIRST)
    assert invoke(workspace, "run", "--period", PERIOD).exit_code == 0
    put(workspace, form.copy().set_title(T_PUPILS, 900), "7-2.xlsx", LATE)
    unseen = invoke(workspace, "approve", "--period", PERIOD)
    assert unseen.exit_code == 1, unseen.output
    assert "есть файлы, ещё не вошедшие в свод (7-2.xlsx)" in unseen.output
    assert invoke(workspace, "run", "--period", PERIOD).exit_code == 0
    assert invoke(workspace, "approve", "--period", PERIOD).exit_code == 0
    twice = invoke(workspace, "approve", "--period", PERIOD)
    assert twice.exit_code == 1, twice.output
    assert f"Ошибка: месяц {PERIOD} уже утверждён" in twice.output
    assert "nastavnik reopen --period" in twice.output


def test_reopen_of_a_month_never_approved_is_refused(workspace, form) -> None:
    put(workspace, form, "7.xlsx", FIRST)
    assert invoke(workspace, "run", "--period", PERIOD).exit_code == 0
    result = invoke(workspace, "reopen", "--period", PERIOD, "--reason", "ошибка")
    assert result.exit_code == 1, result.output
    assert f"Ошибка: месяц {PERIOD} не утверждён — открывать заново нечего" in result.output


def test_run_json_tells_the_approval_and_the_corrections(approved, form) -> None:
    put(approved, corrected(form), "7 исправлено.xlsx", LATE)
    result = invoke(approved, "run", "--period", PERIOD, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["approval"]["version"] == 1 and data["approval"]["locked"] is True
    assert data["approval"]["by"] == "Иванова И. И."
    [correction] = data["corrections_after_approval"]
    assert correction["school_code"] == "ОО-07"
    assert correction["before"]["pairs"] == 5 and correction["after"]["pairs"] == 4
