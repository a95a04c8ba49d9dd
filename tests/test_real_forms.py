"""Forms as schools really fill them: title rows, merged and two-level headers, renamed and
extra columns, blank, total and example rows, hidden rows, formulas and error cells, text
numbers, and the files LibreOffice saves (.xls, .ods, .xlsm).

Most files are made here with openpyxl; the few only LibreOffice can make are committed in
tests/data/ (see its README.md and make_fixtures.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import (
    AGE,
    BASE_COUNTS,
    BELOV,
    CATEGORY,
    EXPERIENCE,
    FORM,
    KUZNETSOVA,
    LINKS,
    MENTEE_NAME,
    MENTEE_SATISFACTION,
    MENTEES,
    MENTOR_NAME,
    MENTOR_SATISFACTION,
    MENTORING_CONSENT,
    MENTORS,
    MOROZOV,
    NAME,
    ORDER_DATE,
    ORDER_NUMBER,
    ORLOVA,
    PAIR_ID,
    PERIOD,
    PETROVA,
    POSITION,
    QUALIFICATION,
    SCHOOL_CODE,
    SOKOLOV,
    START,
    T_TEACHERS,
    TITLE,
    TRAINED,
    VOLKOV,
    ZAITSEVA,
    FormBuilder,
    assert_clean,
    assert_issue,
    assert_rejected,
    counts_minus,
    describe,
    issues_of,
    serious,
)
from openpyxl.utils import get_column_letter

from schemas import columns as c

DATA = Path(__file__).parent / "data"
NUMBER = c.MENTORS.column("number").header  # «№»
MERGED_TITLE = "Сведения о наставниках МБОУ СОШ № 7"


# --- helpers ---------------------------------------------------------------------------------
def save_and_edit(form: FormBuilder, tmp_path: Path,
                  edit: Callable[[openpyxl.Workbook], None]) -> Path:
    """Save the form, then change it as only a person in Excel would (merges, hiding)."""
    path = form.save(tmp_path / "in" / "ОО-07_2026-11.xlsx")
    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(path)
    return path


def letter(form: FormBuilder, sheet: str, column: str) -> str:
    return get_column_letter(form.tables[sheet]["headers"].index(column) + 1)


def insert_row(form: FormBuilder, sheet: str, index: int, values: dict[str, Any]) -> int:
    """Put a row in front of data row `index` (0 = right under the header); its Excel row."""
    headers = form.tables[sheet]["headers"]
    form.tables[sheet]["rows"].insert(index, [values.get(h) for h in headers])
    return form.header_row(sheet) + 1 + index


def issues_at(result: Any, sheet: str, row: int) -> list:
    return [i for i in result.issues if i.sheet == sheet and i.row == row]


def assert_accepted(result: Any, counts: dict[str, int] = BASE_COUNTS) -> None:
    assert result.status == "accepted", describe(result)
    assert result.counts == counts, describe(result)


# --- 1. title rows above the header -----------------------------------------------------------
def _merged_title(form: FormBuilder) -> Callable[[openpyxl.Workbook], None]:
    for sheet in (MENTORS, MENTEES, LINKS):
        form.put_rows_above_header(sheet, [[MERGED_TITLE], [None]])

    def edit(book: openpyxl.Workbook) -> None:
        for sheet in (MENTORS, MENTEES, LINKS):
            width = len(form.tables[sheet]["headers"])
            book[sheet].merge_cells(start_row=1, start_column=1, end_row=2, end_column=width)

    return edit


def test_school_puts_a_merged_heading_above_the_header_form_is_accepted(form, tmp_path, check):
    path = save_and_edit(form, tmp_path, _merged_title(form))
    assert form.header_row(MENTORS) == 3

    result = check(path)

    assert_clean(result)


def test_under_a_merged_heading_issues_point_to_the_rows_excel_shows(form, tmp_path, check):
    edit = _merged_title(form)
    mentor_row = form.row_of(MENTORS, SOKOLOV)
    link_row = form.link_row(SOKOLOV, ZAITSEVA)
    assert (mentor_row, link_row) == (5, 6)
    form.set(MENTORS, mentor_row, POSITION, None)
    form.set(LINKS, link_row, START, "31.09.2026")

    result = check(save_and_edit(form, tmp_path, edit))

    assert result.status == "accepted", describe(result)
    assert_issue(result, "required", sheet=MENTORS, row=5, column=POSITION)
    assert_issue(result, "bad-date", sheet=LINKS, row=6, column=START)


# --- 2. a header over two merged rows ---------------------------------------------------------
# column -> (text in row 1, spanning it and the next column, or None; text in row 2)
TWO_LEVEL = {
    ORDER_NUMBER: ("Приказ о закреплении", "№"),
    ORDER_DATE: (None, "дата"),
    MENTOR_SATISFACTION: ("Удовлетворённость", "наставника (1–10)"),
    MENTEE_SATISFACTION: (None, "наставляемого (1–10)"),
}


def _two_level_links_header(form: FormBuilder) -> Callable[[openpyxl.Workbook], None]:
    """«Пары и группы» with a header in rows 1–2, as a school draws it by hand; data from row 3."""
    headers = list(form.tables[LINKS]["headers"])

    def edit(book: openpyxl.Workbook) -> None:
        sheet = book[LINKS]
        sheet.insert_rows(1)
        for col, text in enumerate(headers, start=1):
            if text in TWO_LEVEL:
                top, sub = TWO_LEVEL[text]
                sheet.cell(row=2, column=col, value=sub)
                if top:
                    sheet.cell(row=1, column=col, value=top)
                    sheet.merge_cells(start_row=1, start_column=col, end_row=1,
                                      end_column=col + 1)
            else:
                sheet.cell(row=1, column=col, value=text)
                sheet.cell(row=2, column=col).value = None
                sheet.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)

    return edit


def test_school_draws_the_pairs_header_over_two_merged_rows_form_is_accepted(
        form, tmp_path, check):
    path = save_and_edit(form, tmp_path, _two_level_links_header(form))
    sheet = openpyxl.load_workbook(path)[LINKS]
    assert (sheet["F1"].value, sheet["F2"].value, sheet["G2"].value) == (
        "Приказ о закреплении", "№", "дата")

    result = check(path)

    # clean also means the finished pair's satisfaction was read (else missing-satisfaction)
    assert_clean(result)
    assert not issues_of(result, "missing-column"), describe(result)
    assert not issues_of(result, "extra-column"), describe(result)


def test_in_a_two_row_header_a_late_order_date_is_date_order_at_its_cell(
        form, tmp_path, check):
    edit = _two_level_links_header(form)
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, ORDER_DATE, form.get(LINKS, row, START).replace(day=10))
    excel_row = row + 1  # the header takes two rows

    result = check(save_and_edit(form, tmp_path, edit))

    assert result.status == "accepted", describe(result)
    assert_issue(result, "date-order", sheet=LINKS, row=excel_row, column=ORDER_DATE)


def test_in_a_two_row_header_the_satisfaction_columns_are_checked(form, tmp_path, check):
    edit = _two_level_links_header(form)
    row = form.link_row(PETROVA, ORLOVA)
    form.set(LINKS, row, MENTEE_SATISFACTION, 11)

    result = check(save_and_edit(form, tmp_path, edit))

    assert_issue(result, "out-of-range", sheet=LINKS, row=row + 1, column=MENTEE_SATISFACTION)


# --- 3. columns moved and added ---------------------------------------------------------------
def test_school_moves_columns_and_adds_a_notes_column_form_is_accepted(form, check):
    for sheet in (MENTORS, LINKS):
        headers = form.tables[sheet]["headers"]
        form.reorder_columns(sheet, headers[2:] + headers[:2])
    form.add_column(MENTORS, "Примечание", ["в декрете с 01.12"])

    result = check(form)

    assert_clean(result)
    found = [i for i in issues_of(result, "extra-column") if i.sheet == MENTORS]
    assert [i.value for i in found] == ["Примечание"], describe(result)
    assert found[0].severity == "info"


# --- 4. headers renamed -----------------------------------------------------------------------
CLOSE_HEADERS = [
    pytest.param(MENTORS, EXPERIENCE, "Педагогический стаж (лет)", id="experience-in-brackets"),
    pytest.param(MENTORS, QUALIFICATION, "Квалификационная категория педагога",
                 id="qualification-of-teacher"),
    pytest.param(MENTORS, TRAINED, "Обучение наставников пройдено?", id="trained-question"),
    pytest.param(MENTORS, MENTORING_CONSENT, "Письменное согласие на наставничество (да/нет)",
                 id="consent-yes-no"),
    pytest.param(MENTEES, c.MENTEES.column("pd_consent").header, "Согласие на обработку ПД",
                 id="pd-consent-short"),
    pytest.param(LINKS, FORM, "Форма наставничеств", id="form-typo"),
]


@pytest.mark.parametrize(("sheet", "canonical", "renamed"), CLOSE_HEADERS)
def test_school_renames_a_header_slightly_it_is_read_as_the_template_one(
        sheet, canonical, renamed, form, check):
    # the contract: close means difflib similarity ≥ 0.8 to the canonical header, lowercased
    assert difflib.SequenceMatcher(None, renamed.lower(), canonical.lower()).ratio() >= 0.8
    form.rename_column(sheet, canonical, renamed)

    result = check(form)

    assert_clean(result)
    notes = [i for i in issues_of(result, "header-alias") if i.sheet == sheet]
    assert [(i.column, i.value, i.severity) for i in notes] == [(canonical, renamed, "info")], \
        describe(result)


def test_school_writes_only_surname_header_the_file_is_rejected_naming_it(form, check):
    form.rename_column(MENTORS, NAME, "Фамилия")

    result = check(form)

    assert_rejected(result, "missing-column")
    issue = _missing(result, MENTORS, NAME)
    assert "«Фамилия»" in issue.message, describe(result)


def test_a_missing_column_with_nothing_like_it_names_no_neighbour(form, check):
    form.rename_column(MENTORS, NAME, "Подпись")

    result = check(form)

    assert_rejected(result, "missing-column")
    issue = _missing(result, MENTORS, NAME)
    assert "Подпись" not in issue.message, describe(result)


def _missing(result: Any, sheet: str, column: str) -> Any:
    found = [i for i in issues_of(result, "missing-column")
             if (i.sheet, i.column) == (sheet, column)]
    assert found, describe(result)
    assert found[0].severity == "fatal"
    return found[0]


# --- 5. blank, total and example rows ---------------------------------------------------------
def test_school_leaves_blank_rows_between_people_rows_keep_their_excel_numbers(form, check):
    for sheet in (MENTORS, MENTEES, LINKS):
        insert_row(form, sheet, 2, {})
        insert_row(form, sheet, 2, {})
    row = form.row_of(MENTEES, VOLKOV)
    assert row == 7  # header, two people, two blank rows, Зайцева, Волков
    form.set(MENTEES, row, AGE, 120)

    result = check(form)

    # the row with the error is left out, and so is his pair, at its own row (SPEC §4.7)
    assert_accepted(result, counts_minus(mentees=1, links=1))
    pair = form.link_row(KUZNETSOVA, VOLKOV)
    assert [(i.code, i.row, i.column) for i in serious(result)] == [
        ("out-of-range", 7, AGE), ("link-to-rejected-person", pair, MENTEE_NAME)], \
        describe(result)


def test_school_leaves_blank_rows_between_people_form_is_clean(form, check):
    for sheet in (MENTORS, MENTEES, LINKS):
        insert_row(form, sheet, 1, {})

    result = check(form)

    assert_clean(result)


TOTAL_ROWS = [
    pytest.param(MENTORS, {NUMBER: "Итого:", NAME: 4}, id="itogo-with-count-beside"),
    pytest.param(MENTORS, {NAME: "Всего", CATEGORY: 4}, id="vsego-in-the-name-column"),
    pytest.param(MENTORS, {NUMBER: "Итого: 4"}, id="itogo-with-count-inside"),
    pytest.param(MENTEES, {NUMBER: "ВСЕГО:", NAME: "5 чел."}, id="vsego-capitals"),
    pytest.param(LINKS, {PAIR_ID: "Итого:", MENTOR_NAME: 6}, id="pairs-itogo"),
]


@pytest.mark.parametrize(("sheet", "values"), TOTAL_ROWS)
def test_school_adds_a_total_row_under_the_list_it_is_not_a_record(sheet, values, form, check):
    row = form.append_row(sheet, values)

    result = check(form)

    assert_clean(result)
    assert issues_at(result, sheet, row) == [], describe(result)


def _example_mentor(form: FormBuilder) -> dict[str, Any]:
    return {**form.row_dict(MENTORS, form.row_of(MENTORS, PETROVA)),
            NAME: "Иванова Ирина Петровна"}


def _example_mentee(form: FormBuilder) -> dict[str, Any]:
    return {**form.row_dict(MENTEES, form.row_of(MENTEES, BELOV)),
            NAME: "Сидоров Иван Петрович"}


def _example_link(form: FormBuilder) -> dict[str, Any]:
    return {**form.row_dict(LINKS, form.link_row(SOKOLOV, ZAITSEVA)),
            MENTOR_NAME: "Иванова Ирина Петровна", MENTEE_NAME: "Сидоров Иван Петрович"}


EXAMPLE_ROWS = [
    pytest.param(MENTORS, _example_mentor, {NUMBER: "Пример"}, id="number-primer"),
    pytest.param(MENTORS, _example_mentor, {NUMBER: "ОБРАЗЕЦ"}, id="number-obrazets-capitals"),
    pytest.param(MENTORS, _example_mentor, {NAME: "Иванова Ирина Петровна (пример)"},
                 id="name-ends-primer"),
    pytest.param(MENTEES, _example_mentee, {NUMBER: "образец"}, id="mentee-number-obrazets"),
    pytest.param(MENTEES, _example_mentee, {NAME: "Сидоров Иван Петрович (Образец)"},
                 id="mentee-name-ends-obrazets"),
    pytest.param(LINKS, _example_link, {PAIR_ID: "Пример"}, id="pair-number-primer"),
    pytest.param(LINKS, _example_link, {MENTOR_NAME: "Иванова Ирина Петровна (пример)",
                                        MENTEE_NAME: "Сидоров Иван Петрович (пример)"},
                 id="pair-names-end-primer"),
]


@pytest.mark.parametrize(("sheet", "example", "marks"), EXAMPLE_ROWS)
def test_school_leaves_the_example_row_in_place_it_is_not_counted(
        sheet, example, marks, form, check):
    row = insert_row(form, sheet, 0, {**example(form), **marks})

    result = check(form)

    assert_clean(result)
    assert issues_at(result, sheet, row) == [], describe(result)


def test_a_real_person_whose_number_cell_says_example_elsewhere_is_still_read(form, check):
    # only «Пример»/«Образец» as the whole «№» cell marks an example, not a word inside a name
    row = form.append_row(MENTORS, {**_example_mentor(form), NUMBER: 5,
                                    NAME: "Примерова Ирина Петровна"})

    result = check(form)

    assert_accepted(result, {**BASE_COUNTS, "mentors": 5})
    assert_issue(result, "unpaired-mentor", sheet=MENTORS, row=row, column=NAME)


# --- 6. hidden rows and columns ---------------------------------------------------------------
def test_hidden_rows_and_columns_still_count(form, tmp_path, check):
    hidden_row = form.row_of(MENTEES, VOLKOV)

    def edit(book: openpyxl.Workbook) -> None:
        book[MENTEES].row_dimensions[hidden_row].hidden = True
        for sheet in (MENTORS, MENTEES):
            book[sheet].column_dimensions[letter(form, sheet, CATEGORY)].hidden = True

    path = save_and_edit(form, tmp_path, edit)
    assert openpyxl.load_workbook(path)[MENTEES].row_dimensions[hidden_row].hidden

    result = check(path)

    assert_clean(result)


def test_a_hidden_row_with_an_error_is_still_reported(form, tmp_path, check):
    row = form.row_of(MENTEES, VOLKOV)
    form.set(MENTEES, row, AGE, 3)

    def edit(book: openpyxl.Workbook) -> None:
        book[MENTEES].row_dimensions[row].hidden = True

    result = check(save_and_edit(form, tmp_path, edit))

    assert_issue(result, "out-of-range", sheet=MENTEES, row=row, column=AGE)


# --- 7. formulas --------------------------------------------------------------------------------
def formula_cells(path: Path) -> set[tuple[str, int, str]]:
    """(sheet, row, header) of every formula in a data cell of the file, found by openpyxl
    (the «№» column is not data: it is not read, so its formulas are not reported)."""
    book = openpyxl.load_workbook(path)
    found = set()
    for sheet in book:
        if sheet.title == TITLE:
            found |= {(TITLE, cell.row, sheet.cell(row=cell.row, column=1).value)
                      for row in sheet.iter_rows(min_col=2, max_col=2) for cell in row
                      if cell.data_type == "f"}
            continue
        headers = [cell.value for cell in sheet[1]]
        found |= {(sheet.title, cell.row, headers[cell.column - 1])
                  for row in sheet.iter_rows(min_row=2) for cell in row
                  if cell.data_type == "f" and headers[cell.column - 1] != NUMBER}
    return found


def test_formulas_with_values_saved_by_libreoffice_are_read_as_their_values(check):
    path = DATA / "lo_formulas_cached.xlsx"
    book = openpyxl.load_workbook(path)  # guard: the fixture really holds formulas
    assert book[MENTEES]["F5"].value == "=6*2"
    assert str(book[LINKS]["B2"].value).startswith("=")
    formulas = formula_cells(path)
    assert (MENTEES, 5, AGE) in formulas and (TITLE, 8, T_TEACHERS) in formulas

    result = check(path)

    # every row is counted with the values the formulas computed; the school is warned at
    # each formula it typed in a data cell, and at nothing else
    assert_accepted(result)
    assert result.title.get("teachers_total") == 40, describe(result)
    assert {(i.code, i.severity) for i in serious(result)} == {("formula-in-cell", "warning")}, \
        describe(result)
    assert {(i.sheet, i.row, i.column) for i in serious(result)} == formulas, describe(result)
    age = assert_issue(result, "formula-in-cell", sheet=MENTEES, row=5, column=AGE)
    assert age.value == "12", describe(result)


@pytest.mark.parametrize(("sheet", "who", "column", "formula"), [
    pytest.param(LINKS, (SOKOLOV, ZAITSEVA), START, "=TODAY()", id="today-in-start-date"),
    pytest.param(MENTEES, VOLKOV, AGE, "=2+3", id="sum-in-age"),
    pytest.param(MENTORS, PETROVA, POSITION, "=D3", id="reference-in-text"),
])
def test_formula_without_a_saved_value_is_bad_value_asking_to_type_the_value(
        sheet, who, column, formula, form, check):
    # openpyxl writes formulas without values, as some programs and scripts do
    row = form.link_row(*who) if isinstance(who, tuple) else form.row_of(sheet, who)
    form.set(sheet, row, column, formula)

    result = check(form)

    assert result.status == "accepted", describe(result)
    issue = assert_issue(result, "bad-value", sheet=sheet, row=row, column=column)
    assert "формул" in issue.message.lower(), describe(result)


ERROR_CELLS = [
    pytest.param(MENTEES, VOLKOV, AGE, "#N/A", id="na-in-age"),
    pytest.param(MENTORS, PETROVA, EXPERIENCE, "#DIV/0!", id="div0-in-experience"),
    pytest.param(LINKS, (SOKOLOV, ZAITSEVA), START, "#REF!", id="ref-in-start-date"),
    pytest.param(MENTORS, SOKOLOV, POSITION, "#VALUE!", id="value-in-position"),
]


@pytest.mark.parametrize(("sheet", "who", "column", "shown"), ERROR_CELLS)
def test_an_error_cell_is_bad_value_quoting_the_error(sheet, who, column, shown, check):
    clean = FormBuilder()  # lo_error_cells.xlsx was made from it (tests/data/make_fixtures.py)
    row = clean.link_row(*who) if isinstance(who, tuple) else clean.row_of(sheet, who)
    path = DATA / "lo_error_cells.xlsx"
    book = openpyxl.load_workbook(path, data_only=True)  # guard: the cell holds that error
    assert book[sheet][f"{letter(clean, sheet, column)}{row}"].value == shown

    result = check(path)

    assert result.status == "accepted", describe(result)
    issue = assert_issue(result, "bad-value", sheet=sheet, row=row, column=column)
    assert shown in issue.message, describe(result)


# --- 8. numbers and dates typed as text -------------------------------------------------------
TYPED_AS_TEXT = [
    pytest.param(MENTORS, MOROZOV, AGE, "16", id="age-as-text"),
    pytest.param(MENTEES, VOLKOV, AGE, "'12", id="age-with-apostrophe"),
    pytest.param(MENTORS, PETROVA, EXPERIENCE, "25", id="experience-as-text"),
    pytest.param(LINKS, (SOKOLOV, ZAITSEVA), START, "05.09.2026", id="date-as-text"),
    pytest.param(LINKS, (SOKOLOV, ZAITSEVA), ORDER_DATE, 46262, id="excel-serial-date"),
    pytest.param(LINKS, (PETROVA, ORLOVA), START, "46266", id="excel-serial-as-text"),
    pytest.param(TITLE, None, T_TEACHERS, "40", id="title-count-as-text"),
]


@pytest.mark.parametrize(("sheet", "who", "column", "typed"), TYPED_AS_TEXT)
def test_numbers_and_dates_typed_as_text_are_read(sheet, who, column, typed, form, check):
    if sheet == TITLE:
        form.set_title(column, typed)
    else:
        row = form.link_row(*who) if isinstance(who, tuple) else form.row_of(sheet, who)
        form.set(sheet, row, column, typed)

    result = check(form)

    assert_clean(result)


def test_number_entered_with_a_leading_apostrophe_in_excel_is_read(form, tmp_path, check):
    # Excel keeps '13 as the text «13» with the quote-prefix style, not the apostrophe itself
    row = form.row_of(MENTEES, VOLKOV)
    form.set(MENTEES, row, AGE, "12")

    def edit(book: openpyxl.Workbook) -> None:
        book[MENTEES][f"{letter(form, MENTEES, AGE)}{row}"].quotePrefix = True

    result = check(save_and_edit(form, tmp_path, edit))

    assert_clean(result)


# --- 9. files saved by LibreOffice ------------------------------------------------------------
@pytest.mark.parametrize("name", ["lo_clean.xlsx", "lo_clean.xls", "lo_clean.ods",
                                  "lo_clean.xlsm"])
def test_clean_form_saved_by_libreoffice_is_accepted(name, check):
    result = check(DATA / name)

    assert_clean(result)
    assert (result.school_code, result.period) == (SCHOOL_CODE, PERIOD)


@pytest.mark.parametrize("name", ["lo_bad_date.xls", "lo_bad_date.ods"])
def test_bad_date_in_an_old_excel_or_ods_file_is_found_at_its_cell(name, check):
    clean = FormBuilder()  # the fixture was made from it (tests/data/make_fixtures.py)
    row = clean.link_row(SOKOLOV, ZAITSEVA)

    result = check(DATA / name)

    assert result.status == "accepted", describe(result)
    assert_issue(result, "bad-date", sheet=LINKS, row=row, column=START, value="31.09.2026")
    assert [(i.code, i.row) for i in serious(result) if i.sheet == LINKS][:1] == \
        [("bad-date", row)], describe(result)


def test_committed_fixtures_are_small_and_described():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    books = sorted(p for p in DATA.iterdir() if p.suffix in (".xlsx", ".xls", ".ods", ".xlsm"))
    assert books
    for path in books:
        assert path.stat().st_size < 30 * 1024, path.name
        assert path.name in readme or path.stem in readme, path.name
