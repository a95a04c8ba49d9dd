"""A school's month, start to end: template out, filled in Excel, checked, consolidated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from conftest import PERIOD

from pipeline.check import check_files
from pipeline.consolidate import run_period
from pipeline.demo import build_demo, previous_period
from pipeline.template import write_templates
from schemas import columns as c
from schemas import vocab as v


def _fill_table(sheet, headers_row: int, records: list[dict[str, object]], definition) -> None:
    """Type records under the template's header, matching columns by their header text."""
    header = {cell.value: cell.column for cell in sheet[headers_row] if cell.value}
    for r, record in enumerate(records, start=headers_row + 1):
        for key, value in record.items():
            sheet.cell(row=r, column=header[definition.column(key).header], value=value)


def _fill_title(sheet, values: dict[str, object]) -> None:
    labels = {row[0].value: row[0].row for row in sheet.iter_rows(max_col=1) if row[0].value}
    for key, value in values.items():
        sheet.cell(row=labels[c.TITLE.column(key).header], column=2, value=value)


def test_template_filled_by_a_school_is_accepted_without_remarks(workspace, tmp_path) -> None:
    [path] = write_templates(workspace, PERIOD, ["ОО-07"])
    book = openpyxl.load_workbook(path)
    _fill_title(book["Титул"], {
        "curator": "Смирнова Татьяна Ивановна", "curator_email": "kurator@example.ru",
        "teachers_total": 30, "young_specialists": 2, "pupils_total": 400,
        "pupils_10_18": 250, "pupils_15_19": 90, "filled_on": dt.datetime(2026, 11, 28)})
    _fill_table(book["Наставники"], 1, [
        {"full_name": "Петрова Анна Сергеевна", "category": v.MENTOR_TEACHER,
         "position": "учитель математики", "experience": 20, "qualification": "высшая",
         "trained": "да", "mentoring_consent": "да", "pd_consent": "да"},
        {"full_name": "Морозов Даниил Андреевич", "category": v.MENTOR_PUPIL,
         "school_class": "10А", "age": 16, "trained": "да", "pd_consent": "да"},
    ], c.MENTORS)
    _fill_table(book["Наставляемые"], 1, [
        {"full_name": "Орлова Мария Игоревна", "category": v.MENTEE_YOUNG,
         "position": "учитель русского языка", "experience": 1, "pd_consent": "да",
         "consent_by": "лично"},
        {"full_name": "Волков Кирилл Денисович", "category": v.MENTEE_PUPIL,
         "school_class": "6Б", "age": 12, "pd_consent": "да",
         "consent_by": "законным представителем"},
    ], c.MENTEES)
    _fill_table(book["Пары и группы"], 1, [
        {"pair_id": "1", "mentor_name": "Петрова Анна Сергеевна",
         "mentee_name": "Орлова Мария Игоревна", "form": v.FORM_TEACHER_TEACHER,
         "kind": v.KINDS[0], "start": dt.datetime(2026, 9, 1), "status": v.STATUS_ACTIVE},
        {"pair_id": "2", "mentor_name": "Морозов Даниил Андреевич",
         "mentee_name": "Волков Кирилл Денисович", "form": v.FORM_PUPIL_PUPIL,
         "start": dt.datetime(2026, 10, 1), "status": v.STATUS_ACTIVE},
    ], c.LINKS)
    docs = book["Документы"]
    for row in range(2, 2 + len(v.DOCUMENTS)):
        docs.cell(row=row, column=2, value="да")
    filled = tmp_path / "от школы.xlsx"
    book.save(filled)

    [result] = check_files([filled], workspace=workspace, period=PERIOD)

    assert result.status == "accepted", result.issues
    assert [i for i in result.issues if i.severity != "info"] == [], result.issues
    assert result.school_code == "ОО-07" and result.period == PERIOD
    assert result.counts == {"mentors": 2, "mentees": 2, "links": 2}


def test_demo_district_consolidates_into_a_workbook_that_reads_back(tmp_path) -> None:
    workspace, files = build_demo(tmp_path / "demo", PERIOD)
    result = run_period(workspace, PERIOD)
    book = openpyxl.load_workbook(result.outputs["consolidated"])

    assert len(workspace.schools) >= 12
    assert book.sheetnames == ["Сводка", "Сдача отчётов", "Наставники", "Наставляемые",
                               "Пары и группы", "Изменения", "Замечания"]
    summary = list(book["Сводка"].iter_rows(min_row=2, values_only=True))
    assert len(summary) == len(workspace.expected(PERIOD))
    statuses = [row[3] for row in summary]
    assert statuses.count("не представлен") == 1
    assert "отклонён" in statuses and "принят с замечаниями" in statuses
    assert statuses.count("принят") >= 9
    counted = [result.results[n] for n in result.counted]  # a resubmission's first file is not
    accepted = [r for r in counted if r.status == "accepted"]
    for name, key in (("Наставники", "mentors"), ("Наставляемые", "mentees"),
                      ("Пары и группы", "links")):
        rows = list(book[name].iter_rows(min_row=2, values_only=True))
        assert len(rows) == sum(r.counts[key] for r in accepted), name
        assert all(row[0] and row[1] for row in rows), f"{name}: every row names its school"
    remarks = list(book["Замечания"].iter_rows(min_row=2, values_only=True))
    codes = {row[3] for row in remarks}
    assert {"period-mismatch", "bad-date", "unknown-mentor"} <= codes
    this_month = [f for f in files if Path(f).parent == workspace.inbox / PERIOD]
    assert len(result.results) == len(this_month)
    assert {Path(f).parent.name for f in files} == {
        previous_period(previous_period(PERIOD)), previous_period(PERIOD), PERIOD}
