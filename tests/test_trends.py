"""Trends per school (issue 21, points 2 and 4): `history --school` shows the school's numbers
month by month, «Сводка» shows last month's figures and the change, and the long tables are
Excel tables. One district over three months: ОО-07 reports in September and November and
misses October; ОО-08 reports in October and November."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    LEBEDEVA,
    LINKS,
    MENTEES,
    MENTORS,
    MOROZOV,
    ORDER_DATE,
    ORDER_NUMBER,
    START,
    T_CODE,
    T_PERIOD,
    FormBuilder,
    header,
)

from pipeline.cli import cli
from pipeline.workspace import Workspace
from schemas import columns as c
from schemas.outputs import SUMMARY, district_book_name

SEP, OCT, NOV = "2026-09", "2026-10", "2026-11"
T_NAME = header(c.TITLE, "school_name")
T_FILLED = header(c.TITLE, "filled_on")
NAMES = {"ОО-07": "МБОУ «СОШ № 7»", "ОО-08": "МБОУ «Гимназия № 8»"}


def invoke(workspace: Workspace, *args: str):
    result = CliRunner().invoke(cli, [*args, "-w", str(workspace.root)], prog_name="nastavnik")
    assert result.exit_code in (0, 1), result.output  # 1: some school did not report
    assert "Traceback" not in result.output
    return result


def full(code: str, period: str) -> FormBuilder:
    """The clean form of `code` for `period`: 4 mentors, 5 mentees, 4 active pairs and
    groups (№ 1–4; № 5 finished in August)."""
    year, month = map(int, period.split("-"))
    form = FormBuilder().set_title(T_CODE, code).set_title(T_NAME, NAMES[code]) \
        .set_title(T_PERIOD, period).set_title(T_FILLED, dt.date(year, month + 1, 2))
    if period == SEP:  # pair № 4 starts within September
        row = form.link_row(MOROZOV, LEBEDEVA)
        form.set(LINKS, row, START, dt.date(2026, 9, 15)) \
            .set(LINKS, row, ORDER_NUMBER, "50-о").set(LINKS, row, ORDER_DATE,
                                                       dt.date(2026, 9, 10))
    return form


def smaller(code: str, period: str) -> FormBuilder:
    """The form without pair № 4 and its two people: 3 mentors, 4 mentees, 3 active pairs."""
    form = full(code, period)
    form.remove_row(LINKS, form.link_row(MOROZOV, LEBEDEVA))
    form.remove_row(MENTORS, form.row_of(MENTORS, MOROZOV))
    form.remove_row(MENTEES, form.row_of(MENTEES, LEBEDEVA))
    return form


def put(workspace: Workspace, form: FormBuilder, period: str, name: str) -> None:
    year, month = map(int, period.split("-"))
    path = form.save(workspace.inbox / period / name)
    when = dt.datetime(year, month + 1, 1, 10, 0).timestamp()  # on time
    os.utime(path, (when, when))


@pytest.fixture
def district(workspace: Workspace) -> Workspace:
    put(workspace, full("ОО-07", SEP), SEP, "7.xlsx")
    invoke(workspace, "run", "--period", SEP)
    put(workspace, full("ОО-08", OCT), OCT, "8.xlsx")
    invoke(workspace, "run", "--period", OCT)
    put(workspace, smaller("ОО-07", NOV), NOV, "7.xlsx")
    put(workspace, smaller("ОО-08", NOV), NOV, "8.xlsx")
    invoke(workspace, "run", "--period", NOV)
    return workspace


def month_row(output: str, period: str) -> list[str]:
    """The row of `period` in the table of numbers by month (the first table of history)."""
    line = next(line for line in output.splitlines() if line.startswith(period))
    return re.split(r"\s{2,}", line.replace("\u00a0", " ").strip())


def test_history_shows_the_schools_numbers_month_by_month(district):
    output = invoke(district, "history", "--school", "ОО-07").output

    head = next(line for line in output.splitlines() if line.startswith("Период"))
    assert re.split(r"\s{2,}", head.strip()) == [
        "Период", "Статус", "Ошибок", "Предупр.", "Наставников", "Наставляемых", "Действ. пар",
        "K1", "K2", "K3", "K4", "K5", "K6"]
    # K1 2 of 300 pupils aged 10–18; K2 1 of 120; K3 2 of 3 young specialists; K4 all
    # trained; K5, K6: no pair finished within the month
    assert month_row(output, SEP) == ["2026-09", "принят", "0", "0", "4", "5", "4",
                                      "0,7 %", "0,8 %", "66,7 %", "100,0 %", "—", "—"]
    assert month_row(output, OCT) == ["2026-10", "не представлен", "—", "—", "—", "—", "—",
                                      "—", "—", "—", "—", "—", "—"]
    # in November ОО-08 lists the same 3 mentors and 4 mentees: 7 `cross-school-duplicate`
    assert month_row(output, NOV) == ["2026-11", "принят с замечаниями", "0", "7", "3", "4", "3",
                                      "0,3 %", "0,0 %", "66,7 %", "100,0 %", "—", "—"]
    assert "Файлы школы ОО-07:" in output  # the files are still listed


def test_history_json_gives_the_months_to_a_program(district):
    data = json.loads(invoke(district, "history", "--school", "ОО-08", "--json").output)
    months = {m["period"]: m for m in data["months"]}
    assert [m["period"] for m in data["months"]] == [SEP, OCT, NOV]
    assert months[SEP]["status"] == "не представлен" and months[SEP]["mentors"] is None
    assert (months[OCT]["mentors"], months[OCT]["mentees"], months[OCT]["active_pairs"]) \
        == (4, 5, 4)
    assert months[NOV]["indicators"]["K3"] == pytest.approx(200 / 3)


def summary(workspace: Workspace) -> dict[str, dict[str, object]]:
    sheet = openpyxl.load_workbook(workspace.outbox / NOV / district_book_name(NOV))[
        SUMMARY.sheet]
    rows = list(sheet.iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_summary_shows_last_month_and_the_change(district):
    rows = summary(district)

    eight = rows["ОО-08"]  # 4 → 3 mentors, 5 → 4 mentees, 4 → 3 active pairs
    assert (eight["Наставников"], eight["Наставников в прошлом месяце"],
            eight["Наставников: изменение"]) == (3, 4, -1)
    assert (eight["Наставляемых"], eight["Наставляемых в прошлом месяце"],
            eight["Наставляемых: изменение"]) == (4, 5, -1)
    assert (eight["Действующих пар и групп"], eight["Действующих пар и групп в прошлом месяце"],
            eight["Действующих пар и групп: изменение"]) == (3, 4, -1)
    seven = rows["ОО-07"]  # no report in October: nothing to compare with, not a zero
    assert seven["Наставников"] == 3 and seven["Действующих пар и групп"] == 3
    for what in ("Наставников", "Наставляемых", "Действующих пар и групп"):
        assert seven[f"{what} в прошлом месяце"] == "—"
        assert seven[f"{what}: изменение"] == "—"


def test_the_demo_has_three_months_and_their_trend(tmp_path):
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo")], prog_name="nastavnik")
    assert result.exit_code in (0, 1), result.output
    for period in (SEP, OCT, NOV):
        assert (tmp_path / "demo" / "outbox" / period / district_book_name(period)).is_file()
    assert "Месяц 2026-09 утверждён" in result.output
    assert "Месяц 2026-10 утверждён" in result.output
    history = CliRunner().invoke(cli, ["history", "-w", str(tmp_path / "demo"), "--school",
                                       "ОО-13"], prog_name="nastavnik").output
    # reported in September and October (late), nothing in November
    assert [month_row(history, p)[1] for p in (SEP, OCT, NOV)] == [
        "принят", "принят", "не представлен"]
