"""Next month's template carries over the school's last accepted lists (SPEC §4, step 1)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from pipeline.check import check_files
from pipeline.consolidate import run_period
from pipeline.ledger import LEDGER_FILE, Ledger
from pipeline.template import TABLE_HEADER_ROW, TITLE_FIRST_ROW, write_templates
from pipeline.workspace import Workspace
from schemas import columns as c
from schemas import vocab as v
from tests.conftest import (
    AGE,
    BELOV,
    CATEGORY,
    DETAILS,
    EXPERIENCE,
    KUZNETSOVA,
    LEBEDEVA,
    LINKS,
    MENTEES,
    MENTORS,
    MOROZOV,
    NAME,
    ORLOVA,
    PETROVA,
    POSITION,
    SOKOLOV,
    T_CODE,
    T_PERIOD,
    VOLKOV,
    ZAITSEVA,
    FormBuilder,
    describe,
    serious,
)

LAST_MONTH, MONTH = "2026-10", "2026-11"
# Only in a pair that finished: not carried over.
GRIGORIEVA = "Григорьева Ирина Олеговна"
FEDOROV = "Фёдоров Игорь Львович"


def _last_month(form: FormBuilder, code: str = "ОО-07") -> FormBuilder:
    """The clean form as sent for October (every Дата начала is by 31.10.2026)."""
    form.set_title(T_PERIOD, LAST_MONTH).set_title(T_CODE, code)
    form.set_title(c.TITLE.column("filled_on").header, dt.date(2026, 11, 2))
    for row in form.rows(LINKS):
        assert form.get(LINKS, row, c.LINKS.column("start").header) <= dt.date(2026, 10, 31)
    return form


def _add_finished_pair(form: FormBuilder) -> None:
    form.append_row(MENTORS, {NAME: FEDOROV}, like=form.row_of(MENTORS, SOKOLOV))
    form.append_row(MENTEES, {NAME: GRIGORIEVA, CATEGORY: v.MENTEE_NEW, POSITION: "учитель химии",
                              EXPERIENCE: 6}, like=form.row_of(MENTEES, ZAITSEVA))
    finished = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.append_row(LINKS, {c.LINKS.column("pair_id").header: "6",
                            c.LINKS.column("mentor_name").header: FEDOROV,
                            c.LINKS.column("mentee_name").header: GRIGORIEVA}, like=finished)


def _consolidate(workspace: Workspace, form: FormBuilder, name: str) -> Any:
    form.save(workspace.inbox / LAST_MONTH / name)
    return run_period(workspace, LAST_MONTH)


def _template(workspace: Workspace, code: str = "ОО-07", period: str = MONTH) -> Path:
    [path] = write_templates(workspace, period, [code])
    return path


def _table(book: openpyxl.Workbook, sheet_def: c.Sheet) -> list[dict[str, Any]]:
    """The filled rows of a table sheet, as {header: value}."""
    sheet = book[sheet_def.name]
    headers = [cell.value for cell in sheet[TABLE_HEADER_ROW]]
    rows = []
    for values in sheet.iter_rows(min_row=TABLE_HEADER_ROW + 1, values_only=True):
        if any(value is not None for value in values):
            rows.append(dict(zip(headers, values, strict=False)))
    return rows


def _title(book: openpyxl.Workbook) -> dict[str, Any]:
    sheet = book[c.TITLE.name]
    return {sheet.cell(TITLE_FIRST_ROW + i, 1).value: sheet.cell(TITLE_FIRST_ROW + i, 2).value
            for i in range(len(c.TITLE.columns))}


def _instructions(book: openpyxl.Workbook) -> str:
    return "\n".join(str(value) for row in book[c.INSTRUCTIONS_SHEET].iter_rows(values_only=True)
                     for value in row if value)


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return [row[NAME] for row in rows]


def _pairs(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    headers = [c.LINKS.column(k).header for k in ("pair_id", "mentor_name", "mentee_name")]
    return [tuple(row[h] for h in headers) for row in rows]


def _status(run: Any, code: str) -> str | None:
    return next(s.result.status for s in run.statuses if s.school.code == code)


def test_a_school_gets_its_active_pairs_back_and_the_form_passes_clean(workspace, form):
    _add_finished_pair(_last_month(form))
    run = _consolidate(workspace, form, "ОО-07 2026-10.xlsx")
    assert _status(run, "ОО-07") == "accepted", describe(run.results[0])

    path = _template(workspace)
    assert path.name == "ОО-07 МБОУ СОШ № 7 2026-11.xlsx"
    book = openpyxl.load_workbook(path)

    mentors, mentees, links = (_table(book, s) for s in (c.MENTORS, c.MENTEES, c.LINKS))
    assert _names(mentors) == [PETROVA, SOKOLOV, KUZNETSOVA, MOROZOV]
    assert _names(mentees) == [ORLOVA, BELOV, ZAITSEVA, VOLKOV, LEBEDEVA]
    assert [row["№"] for row in mentors] == [1, 2, 3, 4]
    assert [row["№"] for row in mentees] == [1, 2, 3, 4, 5]
    assert _pairs(links) == [("1", PETROVA, ORLOVA), ("1", PETROVA, BELOV),
                             ("2", SOKOLOV, ZAITSEVA), ("3", KUZNETSOVA, VOLKOV),
                             ("4", MOROZOV, LEBEDEVA)]
    assert {row[c.LINKS.column("status").header] for row in links} == {v.STATUS_ACTIVE}
    assert links[0][c.LINKS.column("start").header] == dt.datetime(2026, 9, 1)
    assert mentees[3][AGE] == 12 and mentors[0][EXPERIENCE] == 25

    title = _title(book)
    assert title[T_PERIOD] == MONTH
    assert title[T_CODE] == "ОО-07"
    assert title[c.TITLE.column("school_name").header] == "МБОУ «СОШ № 7»"
    assert title[c.TITLE.column("municipality").header] == "Тестовый район"
    assert title[c.TITLE.column("curator").header] == "Смирнова Татьяна Ивановна"
    assert title[c.TITLE.column("curator_email").header] == "kurator7@example.ru"
    assert title[c.TITLE.column("teachers_total").header] == 40
    assert title[c.TITLE.column("pupils_15_19").header] == 120
    assert title[c.TITLE.column("filled_on").header] is None

    documents = _table(book, c.DOCUMENTS)
    assert [row[c.DOCUMENTS.column("document").header] for row in documents] == list(v.DOCUMENTS)
    assert documents[0][DETAILS] == "Приказ № 12-о от 01.09.2025"
    assert "Списки заполнены по принятому отчёту за 2026-10: проверьте и обновите" \
        in _instructions(book)

    [result] = check_files([path], workspace=workspace, period=MONTH)
    assert result.status == "accepted", describe(result)
    assert serious(result) == [], describe(result)
    assert result.counts == {"mentors": 4, "mentees": 5, "links": 5}, describe(result)


def test_a_row_left_out_for_an_error_is_not_carried_over(workspace, form):
    _last_month(form).set(MENTEES, form.row_of(MENTEES, VOLKOV), AGE, 150)
    run = _consolidate(workspace, form, "ОО-07 2026-10.xlsx")
    assert _status(run, "ОО-07") == "accepted", describe(run.results[0])
    with Ledger.open(workspace.state_dir) as ledger:
        _, stored = ledger.last_accepted("ОО-07", before=MONTH)
    assert [r["_ok"] for r in stored.rows["mentees"] if r["full_name"] == VOLKOV] == [False]

    path = _template(workspace)
    book = openpyxl.load_workbook(path)
    # Volkov's pair goes with him, and Kuznetsova had no other active pair.
    assert _names(_table(book, c.MENTEES)) == [ORLOVA, BELOV, ZAITSEVA, LEBEDEVA]
    assert _names(_table(book, c.MENTORS)) == [PETROVA, SOKOLOV, MOROZOV]
    assert [p[0] for p in _pairs(_table(book, c.LINKS))] == ["1", "1", "2", "4"]

    [result] = check_files([path], workspace=workspace, period=MONTH)
    assert result.status == "accepted" and serious(result) == [], describe(result)


def test_before_the_first_run_the_template_is_blank(workspace):
    book = openpyxl.load_workbook(_template(workspace))
    assert not (workspace.state_dir / LEDGER_FILE).exists()
    for sheet_def in (c.MENTORS, c.MENTEES, c.LINKS):
        assert _table(book, sheet_def) == []
    title = _title(book)
    assert title[c.TITLE.column("curator").header] is None
    assert title[c.TITLE.column("municipality").header] == "Тестовый район"
    assert "Списки заполнены" not in _instructions(book)


def test_a_school_whose_file_was_rejected_gets_blank_lists(workspace, make_form):
    accepted = _last_month(make_form())
    accepted.save(workspace.inbox / LAST_MONTH / "ОО-07 2026-10.xlsx")
    # Identified from «Титул», then rejected: it says it is September's report.
    rejected = _last_month(make_form(), code="ОО-08").set_title(T_PERIOD, "2026-09")
    run = _consolidate(workspace, rejected, "ОО-08 2026-10.xlsx")
    assert _status(run, "ОО-07") == "accepted"
    assert _status(run, "ОО-08") == "rejected"

    book = openpyxl.load_workbook(_template(workspace, "ОО-08"))
    for sheet_def in (c.MENTORS, c.MENTEES, c.LINKS):
        assert _table(book, sheet_def) == []
    assert _title(book)[c.TITLE.column("curator").header] is None
    assert "Списки заполнены" not in _instructions(book)

    # A month's own report is not carried into that month's template.
    same_month = openpyxl.load_workbook(_template(workspace, "ОО-07", LAST_MONTH))
    assert _table(same_month, c.MENTORS) == []
