"""Checks against history: a school's «Титул» numbers and the counts of its lists compared
with its accepted month before (README «Сверка с прошлым месяцем»), over real workbooks
run month after month."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import (
    CATEGORY,
    MENTORS,
    NAME,
    PETROVA,
    T_PERIOD,
    T_PUPILS,
    T_PUPILS_10_18,
    T_PUPILS_15_19,
    T_TEACHERS,
    T_YOUNG,
    TITLE,
    FormBuilder,
)

from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.paths import SETTINGS_FILE

OCT, NOV, DEC = "2026-10", "2026-11", "2026-12"
# each month's file arrives on the 2nd of the next month, in time
SENT = {p: dt.datetime(*when, 2, 12).timestamp()
        for p, when in ((OCT, (2026, 11)), (NOV, (2026, 12)), (DEC, (2027, 1)))}


def put(workspace, builder: FormBuilder, period: str) -> Path:
    path = builder.copy().set_title(T_PERIOD, period).save(
        workspace.inbox / period / f"ОО-07 {period}.xlsx")
    os.utime(path, (SENT[period], SENT[period]))
    return path


def jumps(run) -> list:
    return [i for r in run.results for i in r.issues if i.code == "history-jump"]


def remarks(path: Path) -> list[dict[str, object]]:
    """The district workbook's «Замечания», row by row under its header."""
    rows = list(openpyxl.load_workbook(path)["Замечания"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if "Код" in r)
    return [dict(zip(rows[start], r, strict=True)) for r in rows[start + 1:]]


def months(workspace, *forms: tuple[str, FormBuilder]):
    """Each month's form sent and run in order; the last run."""
    run = None
    for period, builder in forms:
        put(workspace, builder, period)
        run = run_period(workspace, period)
    return run


def test_a_pupil_count_ten_times_last_months_is_flagged_at_its_title_cell(workspace, form):
    november = form.copy().set_title(T_PUPILS, 5000)

    run = months(workspace, (OCT, form), (NOV, november))

    [jump] = jumps(run)
    assert (jump.sheet, jump.row, jump.column, jump.value) == (
        TITLE, form.title_row(T_PUPILS), T_PUPILS, "5000")
    assert jump.message.startswith("Число обучающихся изменилось с 500 в октябре до 5000 в "
                                   "ноябре (на 4500 больше, в 10 раз).")
    assert run.statuses[0].status_ru == "принят с замечаниями"
    listed = [r for r in remarks(Path(run.outputs["consolidated"]))
              if r["Код"] == "history-jump"]
    assert [r["Строка"] for r in listed] == [form.title_row(T_PUPILS)]
    [feedback] = run.outputs["feedback"]
    book = openpyxl.load_workbook(feedback)
    cell = book[TITLE].cell(form.title_row(T_PUPILS), 2)
    assert "с 500 в октябре до 5000" in cell.comment.text


def test_a_tiny_schools_three_to_six_pupils_is_not_flagged(workspace, form):
    tiny = form.copy().set_title(T_PUPILS, 3).set_title(T_PUPILS_10_18, 2) \
        .set_title(T_PUPILS_15_19, 1)

    run = months(workspace, (OCT, tiny), (NOV, tiny.copy().set_title(T_PUPILS, 6)))

    assert jumps(run) == []


def test_the_first_month_is_never_flagged(workspace, form):
    run = months(workspace, (NOV, form.copy().set_title(T_PUPILS, 50_000)))

    assert jumps(run) == []
    assert run.results[0].status == "accepted"


def test_zero_to_fifty_is_judged_by_the_absolute_threshold(workspace, form):
    staffed = form.copy().set_title(T_TEACHERS, 60).set_title(T_YOUNG, 0)

    run = months(workspace, (OCT, staffed), (NOV, staffed.copy().set_title(T_YOUNG, 50)))

    [jump] = jumps(run)
    assert jump.column == T_YOUNG
    assert jump.message.startswith("Число молодых специалистов изменилось с 0 в октябре до "
                                   "50 в ноябре (на 50 больше).")


def test_zero_to_five_and_eight_to_zero_are_within_the_absolute_threshold(workspace, form):
    staffed = form.copy().set_title(T_TEACHERS, 60).set_title(T_YOUNG, 0)

    run = months(workspace, (OCT, staffed), (NOV, staffed.copy().set_title(T_YOUNG, 5)),
                 (DEC, staffed.copy().set_title(T_YOUNG, 0)))

    assert jumps(run) == []
    assert jumps(run_period(workspace, NOV)) == []


def test_a_count_going_to_zero_beyond_the_absolute_threshold_is_flagged(workspace, form):
    staffed = form.copy().set_title(T_TEACHERS, 60).set_title(T_YOUNG, 40)

    run = months(workspace, (OCT, staffed), (NOV, staffed.copy().set_title(T_YOUNG, 0)))

    [jump] = jumps(run)
    assert "с 40 в октябре до 0 в ноябре (на 40 меньше)" in jump.message


def test_fifteen_new_mentors_are_flagged_on_the_mentors_sheet(workspace, form):
    november = form.copy()
    surnames = ("Алексеев", "Борисов", "Васильев", "Григорьев", "Дмитриев", "Егоров",
                "Жуков", "Захаров", "Ильин", "Калинин", "Лукин", "Макаров", "Никитин",
                "Осипов", "Павлов")
    like = november.row_of(MENTORS, PETROVA)
    for surname in surnames:
        november.append_row(MENTORS, {NAME: f"{surname} Пётр Ильич"}, like=like)

    run = months(workspace, (OCT, form), (NOV, november))

    [jump] = jumps(run)
    assert (jump.sheet, jump.row, jump.column) == (MENTORS, None, None)
    assert jump.message.startswith("Число наставников изменилось с 4 в октябре до 19 в ноябре "
                                   "(на 15 больше, в 4,8 раза).")
    assert november.get(MENTORS, like, CATEGORY)  # the new mentors are teachers, kept


def test_the_thresholds_are_the_districts_settings_and_a_change_reruns(workspace, form):
    tiny = form.copy().set_title(T_PUPILS, 3).set_title(T_PUPILS_10_18, 2) \
        .set_title(T_PUPILS_15_19, 1)
    assert jumps(months(workspace, (OCT, tiny), (NOV, tiny.copy().set_title(T_PUPILS, 6)))) \
        == []
    settings = workspace.root / SETTINGS_FILE
    text = settings.read_text(encoding="utf-8")
    assert "min_change = 10" in text  # the template documents it
    settings.write_text(text.replace("min_change = 10", "min_change = 2"), encoding="utf-8")

    result = CliRunner().invoke(cli, ["run", "--period", NOV, "-w", str(workspace.root),
                                      "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{"):])
    assert data["unchanged"] is False
    [issue] = [i for f in data["files"] for i in f["issues"] if i["code"] == "history-jump"]
    assert issue["severity"] == "warning"
    assert issue["message"].startswith("Число обучающихся изменилось с 3 в октябре до 6 в "
                                       "ноябре (на 3 больше, в 2 раза).")
