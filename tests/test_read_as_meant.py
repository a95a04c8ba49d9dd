"""Forms read as the person meant them (SPEC §2.6, version 2): merged cells, rows holding only
a pre-filled number, abbreviated headers, a hint line under the header, total rows.

The merged forms LibreOffice saves as .xls and .ods are committed in tests/data/ (see its
README.md); the rest are made here with openpyxl.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import (
    AGE,
    BASE_COUNTS,
    CONSENT_BY,
    END,
    EXPERIENCE,
    LINKS,
    MENTEE_SATISFACTION,
    MENTEES,
    MENTOR_NAME,
    MENTOR_SATISFACTION,
    MENTORING_CONSENT,
    MENTORS,
    NAME,
    PAIR_ID,
    PD_CONSENT,
    PETROVA,
    PROGRAM,
    QUALIFICATION,
    START,
    TRAINED,
    VOLKOV,
    FormBuilder,
    assert_clean,
    assert_issue,
    describe,
    issues_of,
    merge_like_a_clerk,
)
from python_calamine import CalamineWorkbook
from test_real_forms import DATA, NUMBER, insert_row, issues_at, save_and_edit

from pipeline.read import read_form
from schemas import columns as c

LIST_KEYS = ("mentors", "mentees", "links")


def read_values(path: Path) -> dict[str, tuple[list[int], dict[str, list[Any]]]]:
    """What the reader takes from each list: the Excel rows and the values by column."""
    form = read_form(path)
    assert not form.rejected, form.issues
    return {key: (form.tables[key].rows, form.tables[key].values) for key in LIST_KEYS}


# --- 7. merged cells --------------------------------------------------------------------------
def test_a_group_merged_down_its_rows_and_a_merged_yes_count_for_every_row(form, tmp_path, check):
    clean = FormBuilder().save(tmp_path / "clean.xlsx")
    edit = merge_like_a_clerk(form)
    path = save_and_edit(form, tmp_path, edit)
    sheet = openpyxl.load_workbook(path)[LINKS]  # guard: the group really is merged
    assert "A2:A3" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A3"].value is None

    result = check(path)

    assert_clean(result)  # no `required` at the merged cells, every row counted
    assert read_values(path) == read_values(clean)


@pytest.mark.parametrize("ext", ["xls", "ods"])
def test_merged_cells_saved_by_libreoffice_as_xls_and_ods_count_for_every_row(ext, check):
    path = DATA / f"lo_merged.{ext}"
    if ext == "xls":  # guard: the committed file really holds the merges
        merged = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(LINKS)
        assert ((1, 0), (2, 0)) in merged.merged_cell_ranges
    else:
        with zipfile.ZipFile(path) as archive:
            assert b'table:number-rows-spanned="2"' in archive.read("content.xml")

    result = check(path)

    assert_clean(result)
    assert read_values(path) == read_values(DATA / f"lo_clean.{ext}")


def test_a_heading_merged_across_the_table_between_people_is_not_a_record(
        form, tmp_path, check):
    row = insert_row(form, MENTORS, 2, {NUMBER: "Педагоги, пришедшие в 2026 году"})
    width = len(form.tables[MENTORS]["headers"])

    def edit(book: openpyxl.Workbook) -> None:
        book[MENTORS].merge_cells(start_row=row, start_column=1, end_row=row,
                                  end_column=width)

    result = check(save_and_edit(form, tmp_path, edit))

    assert_clean(result)
    assert issues_at(result, MENTORS, row) == [], describe(result)


# --- 8. rows holding only a pre-filled number -------------------------------------------------
def test_rows_numbered_in_advance_and_left_empty_are_unused_on_every_list(form, check):
    added = {sheet: [form.append_row(sheet, {NUMBER: n}) for n in range(6, 12)]
             for sheet in (MENTORS, MENTEES)}
    added[LINKS] = [form.append_row(LINKS, {PAIR_ID: str(n)}) for n in range(6, 10)]
    added[LINKS] += [form.append_row(LINKS, {PAIR_ID: n}) for n in range(10, 12)]

    result = check(form)

    assert_clean(result)
    for sheet, rows in added.items():
        for row in rows:
            assert issues_at(result, sheet, row) == [], describe(result)


def test_a_pair_number_made_by_a_formula_with_nothing_beside_it_is_unused(form, check):
    # openpyxl stores the formula without a value, as a script or a web export does; the
    # row is between real ones (a sheet's last rows without any value are not read at all)
    row = insert_row(form, LINKS, 2, {PAIR_ID: f"=A{form.rows(LINKS)[1]}+1"})

    result = check(form)

    assert_clean(result)
    assert issues_at(result, LINKS, row) == [], describe(result)


def test_a_pair_number_with_something_beside_it_is_still_a_record(form, check):
    row = form.append_row(LINKS, {PAIR_ID: "6", MENTOR_NAME: PETROVA})

    result = check(form)

    assert result.counts == BASE_COUNTS, describe(result)
    assert_issue(result, "required", sheet=LINKS, row=row,
                 column=c.LINKS.column("mentee_name").header)


# --- 11. abbreviated headers, hint lines, total rows ------------------------------------------
ABBREVIATED = [
    pytest.param(MENTORS, EXPERIENCE, "Пед. стаж", id="ped-stazh"),
    pytest.param(MENTEES, EXPERIENCE, "Пед. стаж, лет", id="ped-stazh-let"),
    pytest.param(MENTORS, EXPERIENCE, "Стаж", id="stazh"),
    pytest.param(MENTORS, QUALIFICATION, "Кв. категория", id="kv-kategoriya"),
    pytest.param(MENTORS, QUALIFICATION, "Квал. категория", id="kval-kategoriya"),
    pytest.param(MENTEES, PD_CONSENT, "Согласие ПДн", id="soglasie-pdn"),
    pytest.param(MENTORS, PD_CONSENT, "Согласие на ПДн", id="soglasie-na-pdn"),
    pytest.param(LINKS, START, "Дата нач.", id="data-nach"),
    pytest.param(LINKS, END, "Дата оконч.", id="data-okonch"),
    pytest.param(LINKS, END, "Дата заверш.", id="data-zaversh"),
    pytest.param(MENTORS, TRAINED, "Обучение пройдено", id="obuchenie-proideno"),
    pytest.param(MENTORS, MENTORING_CONSENT, "Согласие на наставничество",
                 id="soglasie-na-nastavnichestvo"),
    pytest.param(MENTORS, MENTORING_CONSENT, "Письм. согласие", id="pism-soglasie"),
    pytest.param(LINKS, MENTOR_SATISFACTION, "Удовл. наставника", id="udovl-nastavnika"),
    pytest.param(LINKS, MENTEE_SATISFACTION, "Удовл. наставляемого", id="udovl-nastavlyaemogo"),
    pytest.param(LINKS, PROGRAM, "Персон. программа", id="person-programma"),
]


@pytest.mark.parametrize(("sheet", "canonical", "abbreviated"), ABBREVIATED)
def test_a_header_as_clerks_abbreviate_it_is_read_as_the_template_one(
        sheet, canonical, abbreviated, form, check):
    form.rename_column(sheet, canonical, abbreviated)

    result = check(form)

    assert_clean(result)
    notes = [i for i in issues_of(result, "header-alias") if i.sheet == sheet]
    assert [(i.column, i.value) for i in notes] == [(canonical, abbreviated)], describe(result)


HINTS = {
    MENTORS: {AGE: "полных лет", EXPERIENCE: "(полных лет)", TRAINED: "да/нет",
              MENTORING_CONSENT: "да / нет", PD_CONSENT: "Да/Нет",
              QUALIFICATION: "выберите из списка"},
    MENTEES: {AGE: "лет", EXPERIENCE: "лет", PD_CONSENT: "да/нет", CONSENT_BY: "из списка",
              NAME: "Фамилия Имя Отчество полностью"},
    LINKS: {START: "ДД.ММ.ГГГГ", END: "дд.мм.гггг", MENTOR_SATISFACTION: "1–10",
            MENTEE_SATISFACTION: "от 1 до 10", PROGRAM: "да/нет"},
}


def test_a_line_of_units_and_hints_under_the_header_is_part_of_the_header(form, check):
    hint_rows = {sheet: insert_row(form, sheet, 0, hints) for sheet, hints in HINTS.items()}
    row = form.row_of(MENTEES, VOLKOV)
    form.set(MENTEES, row, AGE, 120)  # issues still point at the rows Excel shows

    result = check(form)

    # the mentee's pair is left out with it (link-to-rejected-person)
    assert result.counts == {**BASE_COUNTS, "mentees": 4, "links": 5}, describe(result)
    found = [(i.code, i.sheet, i.row) for i in result.issues if i.severity != "info"]
    assert found[0] == ("out-of-range", MENTEES, row), describe(result)
    assert [code for code, *_ in found[1:]] == ["link-to-rejected-person"], describe(result)
    for sheet, hint_row in hint_rows.items():
        assert issues_at(result, sheet, hint_row) == [], describe(result)


def test_a_line_numbering_the_columns_under_the_header_is_part_of_the_header(form, check):
    width = len(form.tables[MENTORS]["headers"])
    headers = form.tables[MENTORS]["headers"]
    row = insert_row(form, MENTORS, 0, {h: i for i, h in enumerate(headers, start=1)})
    assert width > 3

    result = check(form)

    assert_clean(result)
    assert issues_at(result, MENTORS, row) == [], describe(result)


def test_a_person_written_right_under_the_header_with_hints_in_cells_is_still_a_record(
        form, check):
    # a hint in a cell does not make a row with a name a hint line
    row = form.row_of(MENTORS, PETROVA)
    form.set(MENTORS, row, AGE, "полных лет")
    form.set(MENTORS, row, TRAINED, "да/нет")

    result = check(form)

    # the row is read as Petrova's (so it is left out with her pairs), not skipped as a hint
    assert result.counts == {**BASE_COUNTS, "mentors": 3, "links": 4}, describe(result)
    assert_issue(result, "bad-number", sheet=MENTORS, row=row, column=AGE)
    assert_issue(result, "link-to-rejected-person", sheet=LINKS, row=2, column=MENTOR_NAME)


TOTALS_AFTER_A_NUMBER = [
    pytest.param(MENTORS, {NUMBER: 5, NAME: "Итого: 4"}, id="itogo-after-running-number"),
    pytest.param(MENTEES, {NUMBER: 6, NAME: "Всего наставляемых", AGE: 5},
                 id="vsego-after-running-number"),
    pytest.param(LINKS, {PAIR_ID: 6, MENTOR_NAME: "Итого пар: 5"}, id="pairs-itogo-after-number"),
]


@pytest.mark.parametrize(("sheet", "values"), TOTALS_AFTER_A_NUMBER)
def test_a_total_row_that_kept_the_running_number_is_not_a_record(sheet, values, form, check):
    row = form.append_row(sheet, values)

    result = check(form)

    assert_clean(result)
    assert issues_at(result, sheet, row) == [], describe(result)
