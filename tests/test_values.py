"""SPEC §2.6: values are read as the person who typed them meant them (through real files)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import (
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
    MENTORS,
    NAME,
    ORDER_DATE,
    ORLOVA,
    PD_CONSENT,
    PERIOD,
    PETROVA,
    POSITION,
    SOKOLOV,
    START,
    STATUS,
    T_PERIOD,
    TITLE,
    VOLKOV,
    ZAITSEVA,
    assert_clean,
    assert_issue,
    assert_no_issue,
    describe,
)

from schemas import columns as c
from schemas import vocab as v


def assert_read_fine(result) -> None:
    """Accepted, no error and every row counted (warnings other tests look at are allowed)."""
    assert result.status == "accepted", describe(result)
    assert not [i for i in result.issues if i.severity in ("fatal", "error")], describe(result)
    assert result.counts == BASE_COUNTS, describe(result)


# --- text ------------------------------------------------------------------------------------
def test_name_with_non_breaking_and_double_spaces_still_matches_its_pair(form, check):
    row = form.row_of(MENTORS, PETROVA)
    form.set(MENTORS, row, NAME, "  Петрова\u00a0Анна   Сергеевна\u00a0")
    form.set(LINKS, form.link_row(PETROVA, BELOV), MENTOR_NAME, "Петрова  Анна Сергеевна ")

    result = check(form)

    assert_clean(result)


def test_position_with_stray_spaces_is_plain_text(form, check):
    form.set(MENTORS, form.row_of(MENTORS, SOKOLOV), POSITION, "\u00a0учитель   русского языка ")

    result = check(form)

    assert_clean(result)


# --- enumerations ----------------------------------------------------------------------------
@pytest.mark.parametrize("typed", [
    "учитель-учитель",
    "учитель - учитель",
    "Учитель — Учитель",
    "УЧИТЕЛЬ−УЧИТЕЛЬ",
    "учитель–учитель",
    " учитель  –  учитель ",
])
def test_form_of_mentoring_with_any_dash_and_case_is_read(typed, form, check):
    form.set(LINKS, form.link_row(SOKOLOV, ZAITSEVA), FORM, typed)

    result = check(form)

    assert_clean(result)


@pytest.mark.parametrize(("sheet", "name", "typed"), [
    (MENTORS, SOKOLOV, "Педагог"),
    (MENTORS, SOKOLOV, "ПЕДАГОГ"),
    (MENTEES, ORLOVA, "Молодой специалист (стаж 0-3 года)"),
    (MENTEES, ORLOVA, "молодой специалист (стаж 0 — 3 года)"),
    (MENTEES, ZAITSEVA, "Вновь принятый педагог"),
    (MENTEES, VOLKOV, "Обучающийся"),
])
def test_category_in_any_case_and_dash_is_read(sheet, name, typed, form, check):
    form.set(sheet, form.row_of(sheet, name), CATEGORY, typed)

    result = check(form)

    assert_clean(result)


def test_status_in_capitals_is_read(form, check):
    form.set(LINKS, form.link_row(SOKOLOV, ZAITSEVA), STATUS, "Действует")
    form.set(LINKS, form.link_row(KUZNETSOVA, ZAITSEVA), STATUS, "ЗАВЕРШЕНА")

    result = check(form)

    assert_clean(result)


def test_headers_and_labels_with_e_instead_of_yo_are_read(form, check):
    form.relabel_title(T_PERIOD, T_PERIOD.replace("ё", "е"))
    form.rename_column(LINKS, MENTEE_SATISFACTION, MENTEE_SATISFACTION.replace("ё", "е"))

    result = check(form)

    assert_read_fine(result)
    assert result.period == PERIOD
    assert_no_issue(result, "missing-column")
    assert_no_issue(result, "extra-column")


def test_consent_given_by_with_a_capital_letter_is_read(form, check):
    form.set(MENTEES, form.row_of(MENTEES, ORLOVA), c.MENTEES.column("consent_by").header,
             "Лично")

    result = check(form)

    assert_clean(result)


# --- да / нет --------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["да", "Да", "ДА", "д", "yes", "Yes", "1", 1, "+", "✓"])
def test_yes_written_any_usual_way_is_yes(typed, form, check):
    form.set(MENTORS, form.row_of(MENTORS, SOKOLOV), PD_CONSENT, typed)

    result = check(form)

    assert_clean(result)


@pytest.mark.parametrize("typed", ["нет", "Нет", "н", "no", "NO", "0", 0, "-"])
def test_no_written_any_usual_way_is_no(typed, form, check):
    row = form.row_of(MENTORS, SOKOLOV)
    form.set(MENTORS, row, PD_CONSENT, typed)

    result = check(form)

    assert_read_fine(result)
    assert_issue(result, "no-pd-consent", sheet=MENTORS, row=row, column=PD_CONSENT)
    assert_no_issue(result, "bad-value")


# --- dates -----------------------------------------------------------------------------------
SEPT_5 = dt.date(2026, 9, 5)
DATE_FORMS = [
    pytest.param(SEPT_5, id="date-cell"),
    pytest.param(dt.datetime(2026, 9, 5, 0, 0), id="datetime-cell"),
    pytest.param("05.09.2026", id="dd.mm.yyyy"),
    pytest.param("05.09.26", id="dd.mm.yy"),
    pytest.param("2026-09-05", id="iso"),
    pytest.param(46270, id="excel-serial"),
]


@pytest.mark.parametrize("typed", DATE_FORMS)
def test_start_date_in_any_usual_form_is_accepted(typed, form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, ORDER_DATE, "01.09.2026").set(LINKS, row, START, typed)

    result = check(form)

    assert_clean(result)


@pytest.mark.parametrize("typed", [
    pytest.param(dt.date(2026, 12, 5), id="date-cell"),
    pytest.param("05.12.2026", id="dd.mm.yyyy"),
    pytest.param("05.12.26", id="dd.mm.yy"),
    pytest.param("2026-12-05", id="iso"),
    pytest.param(46361, id="excel-serial"),
])
def test_start_date_in_any_form_is_really_read_as_that_day(typed, form, check):
    # 5 December is after the period: only a date read as 5 December is out of range
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, START, typed)

    result = check(form)

    assert_issue(result, "out-of-range", sheet=LINKS, row=row, column=START)
    assert_no_issue(result, "bad-date")


def test_school_writes_start_date_as_text_is_accepted(form, check):
    for row in form.rows(LINKS):
        for column in (ORDER_DATE, START, c.LINKS.column("end").header):
            value = form.get(LINKS, row, column)
            if isinstance(value, dt.date):
                form.set(LINKS, row, column, value.strftime("%d.%m.%Y"))

    result = check(form)

    assert_clean(result)


def test_order_date_as_text_and_start_as_cell_are_compared_as_dates(form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, ORDER_DATE, "02.09.2026").set(LINKS, row, START, dt.date(2026, 9, 1))

    result = check(form)

    assert_issue(result, "date-order", sheet=LINKS, row=row, column=ORDER_DATE)


# --- numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["18", "18,0", "18 лет", 18.0, " 18 "])
def test_experience_written_as_text_is_a_number(typed, form, check):
    form.set(MENTORS, form.row_of(MENTORS, SOKOLOV), EXPERIENCE, typed)

    result = check(form)

    assert_clean(result)


@pytest.mark.parametrize("typed", ["5", "5,0", "5 лет"])
def test_experience_as_text_is_read_as_that_number(typed, form, check):
    # a young specialist with 5 years is a warning: only a value read as 5 gives it
    row = form.row_of(MENTEES, ORLOVA)
    form.set(MENTEES, row, EXPERIENCE, typed)

    result = check(form)

    assert_issue(result, "category-experience-mismatch", sheet=MENTEES, row=row,
                 column=EXPERIENCE)
    assert_no_issue(result, "bad-number")
    assert_read_fine(result)


def test_satisfaction_written_as_text_is_a_number(form, check):
    form.set(LINKS, form.link_row(KUZNETSOVA, ZAITSEVA), MENTEE_SATISFACTION, "8")

    result = check(form)

    assert_clean(result)


# --- names across sheets ---------------------------------------------------------------------
def test_mentor_name_in_capitals_and_without_yo_matches_across_sheets(form, check):
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Семёнова Алла Петровна")
    form.set(LINKS, form.link_row(PETROVA, ORLOVA), MENTOR_NAME, "СЕМЕНОВА алла петровна")
    form.set(LINKS, form.link_row(PETROVA, BELOV), MENTOR_NAME, "Семенова Алла Петровна")

    result = check(form)

    assert_clean(result)  # no unknown-mentor, no group-mentor-mismatch, no unpaired-mentor


def test_mentee_name_with_yo_matches_a_pair_written_with_e(form, check):
    assert "ё" in BELOV
    form.set(LINKS, form.link_row(PETROVA, BELOV), MENTEE_NAME, BELOV.replace("ё", "е"))

    result = check(form)

    assert_clean(result)


def test_hyphenated_and_two_word_names_are_names(form, check):
    form.set(MENTEES, form.row_of(MENTEES, ORLOVA), NAME, "Орлова-Римская Мария")
    form.set(LINKS, form.link_row(PETROVA, ORLOVA), MENTEE_NAME, "Орлова-Римская Мария")

    result = check(form)

    assert_clean(result)


# --- the period ------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", [
    pytest.param(dt.date(2026, 11, 1), id="date-cell"),
    pytest.param(dt.datetime(2026, 11, 1), id="datetime-cell"),
    pytest.param("ноябрь 2026", id="month-word"),
    pytest.param("Ноябрь 2026", id="month-word-capital"),
    pytest.param("2026-11", id="text"),
])
def test_period_as_a_date_or_a_month_word_is_read(typed, form, check):
    form.set_title(T_PERIOD, typed)

    result = check(form)

    assert_clean(result)
    assert result.period == PERIOD
    assert_no_issue(result, "period-mismatch")


def test_period_as_another_month_word_is_still_a_mismatch(form, check):
    form.set_title(T_PERIOD, "октябрь 2026")

    result = check(form)

    assert result.status == "rejected", describe(result)
    assert_issue(result, "period-mismatch", sheet=TITLE, row=form.title_row(T_PERIOD),
                 column=T_PERIOD)


# --- headers ---------------------------------------------------------------------------------
def test_header_below_two_title_rows_is_found(form, check):
    for sheet in (MENTORS, MENTEES, LINKS):
        form.put_rows_above_header(sheet, [[f"{sheet} — МБОУ «СОШ № 7»"], ["на 30.11.2026"]])
    assert form.header_row(MENTORS) == 3

    result = check(form)

    assert_clean(result)


def test_issue_below_a_moved_header_points_to_the_row_excel_shows(form, check):
    form.put_rows_above_header(MENTORS, [["База наставников"], [None]])
    row = form.row_of(MENTORS, PETROVA)
    assert row == 4
    form.set(MENTORS, row, POSITION, None)

    result = check(form)

    assert_issue(result, "required", sheet=MENTORS, row=4, column=POSITION)


def test_columns_in_another_order_are_read_by_header(form, check):
    for sheet in (MENTORS, MENTEES, LINKS):
        headers = list(reversed(form.tables[sheet]["headers"]))
        form.reorder_columns(sheet, headers)

    result = check(form)

    assert_clean(result)


@pytest.mark.parametrize("alias", ["Фамилия, имя, отчество", "Ф.И.О."])
def test_full_name_header_alias_is_read(alias, form, check):
    form.rename_column(MENTEES, NAME, alias)

    result = check(form)

    assert_read_fine(result)
    assert_no_issue(result, "missing-column")
    notes = [i for i in result.issues if i.code == "header-alias" and i.sheet == MENTEES]
    assert notes and notes[0].column == NAME and notes[0].value == alias, describe(result)


def test_sheet_name_in_other_case_or_with_spaces_is_found(form, check):
    form.rename_sheet(MENTEES, "НАСТАВЛЯЕМЫЕ")
    form.rename_sheet(LINKS, " пары и группы ")

    result = check(form)

    assert_read_fine(result)
    assert_no_issue(result, "missing-sheet")


def test_vocab_values_are_taken_from_the_schema(form):
    # guard for the corpus itself: the clean form uses the schema's own words
    assert form.get(LINKS, form.link_row(SOKOLOV, ZAITSEVA), FORM) == v.FORM_TEACHER_TEACHER
    assert form.tables[MENTORS]["headers"] == [col.header for col in c.MENTORS.columns]


@pytest.mark.parametrize("typed", ["²", "1.2.²", "²⁰²⁶", "٣"])
def test_digits_that_are_no_number_are_a_bad_date_not_a_crash(typed: str) -> None:
    """Found by Hypothesis (test_hostile): «²» is a digit to str.isdigit, not to int()."""
    from pipeline.values import read_date

    assert read_date(typed).code == "bad-date"


def test_a_date_typed_in_full_width_digits_is_read() -> None:
    from pipeline.values import read_date

    assert read_date("０１.０２.２０２６").value == dt.date(2026, 2, 1)
