"""SPEC §3, errors: reported at the exact cell, and the row is left out of the consolidation."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import (
    AGE,
    BELOV,
    CATEGORY,
    CLASS,
    END,
    EXPERIENCE,
    FORM,
    KUZNETSOVA,
    LEBEDEVA,
    LINKS,
    MENTEE_NAME,
    MENTEE_SATISFACTION,
    MENTEES,
    MENTOR_NAME,
    MENTOR_SATISFACTION,
    MENTORS,
    MOROZOV,
    NAME,
    ORDER_DATE,
    ORLOVA,
    PAIR_ID,
    PD_CONSENT,
    PETROVA,
    POSITION,
    SOKOLOV,
    START,
    STATUS,
    T_TEACHERS,
    T_YOUNG,
    TITLE,
    VOLKOV,
    ZAITSEVA,
    assert_issue,
    assert_no_issue,
    counts_minus,
    describe,
    issues_of,
)

from schemas import vocab as v


def assert_left_out(result, **drop: int) -> None:
    assert result.status == "accepted", describe(result)
    assert result.counts == counts_minus(**drop), describe(result)


def links_of(form, name: str) -> int:
    """How many rows of «Пары и группы» name the person: they go with the person (§4.7)."""
    return sum(1 for row in form.rows(LINKS)
               if name in (form.get(LINKS, row, MENTOR_NAME), form.get(LINKS, row, MENTEE_NAME)))


# --- required --------------------------------------------------------------------------------
def test_mentor_without_a_name_is_required(form, check):
    row = form.row_of(MENTORS, SOKOLOV)
    form.set(MENTORS, row, NAME, None)

    result = check(form)

    assert_issue(result, "required", sheet=MENTORS, row=row, column=NAME, severity="error")
    assert result.counts["mentors"] == counts_minus(mentors=1)["mentors"], describe(result)


def test_teacher_mentor_without_a_position_is_required(form, check):
    row = form.row_of(MENTORS, PETROVA)
    form.set(MENTORS, row, POSITION, None)

    result = check(form)

    assert_issue(result, "required", sheet=MENTORS, row=row, column=POSITION)
    assert_left_out(result, mentors=1, links=links_of(form, PETROVA))
    # the mentor is on the sheet, so her pairs must not be called «unknown mentor»
    assert_no_issue(result, "unknown-mentor")


def test_pupil_mentor_without_a_position_is_fine(form, check):
    # Должность is required for педагог, not for обучающийся (the baseline has it empty)
    result = check(form)

    assert not [i for i in result.issues if i.column == POSITION], describe(result)


def test_pupil_mentee_without_a_class_is_required(form, check):
    row = form.row_of(MENTEES, VOLKOV)
    form.set(MENTEES, row, CLASS, None)

    result = check(form)

    assert_issue(result, "required", sheet=MENTEES, row=row, column=CLASS)
    assert_left_out(result, mentees=1, links=links_of(form, VOLKOV))


def test_pupil_mentor_without_an_age_is_required(form, check):
    row = form.row_of(MENTORS, MOROZOV)
    form.set(MENTORS, row, AGE, None)

    result = check(form)

    assert_issue(result, "required", sheet=MENTORS, row=row, column=AGE)
    assert_left_out(result, mentors=1, links=links_of(form, MOROZOV))


def test_teacher_mentee_without_experience_is_required(form, check):
    row = form.row_of(MENTEES, ORLOVA)
    form.set(MENTEES, row, EXPERIENCE, None)

    result = check(form)

    assert_issue(result, "required", sheet=MENTEES, row=row, column=EXPERIENCE)
    assert_left_out(result, mentees=1, links=links_of(form, ORLOVA))


def test_pair_without_a_start_date_is_required(form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, START, None)

    result = check(form)

    assert_issue(result, "required", sheet=LINKS, row=row, column=START)
    assert_left_out(result, links=1)


def test_active_pair_without_an_end_date_is_not_required(form, check):
    assert form.get(LINKS, form.link_row(SOKOLOV, ZAITSEVA), END) is None

    result = check(form)

    assert not [i for i in result.issues if i.column == END], describe(result)


# --- bad-value -------------------------------------------------------------------------------
def test_mentor_category_not_in_the_list_is_bad_value(form, check):
    row = form.row_of(MENTORS, SOKOLOV)
    form.set(MENTORS, row, CATEGORY, "учитель")

    result = check(form)

    assert_issue(result, "bad-value", sheet=MENTORS, row=row, column=CATEGORY, value="учитель")
    assert_left_out(result, mentors=1, links=links_of(form, SOKOLOV))


def test_maybe_in_a_yes_no_column_is_bad_value(form, check):
    row = form.row_of(MENTEES, ORLOVA)
    form.set(MENTEES, row, PD_CONSENT, "может быть")

    result = check(form)

    assert_issue(result, "bad-value", sheet=MENTEES, row=row, column=PD_CONSENT,
                 value="может быть")
    assert_left_out(result, mentees=1, links=links_of(form, ORLOVA))


def test_class_fifteen_is_bad_value(form, check):
    row = form.row_of(MENTORS, MOROZOV)
    form.set(MENTORS, row, CLASS, "15Г")

    result = check(form)

    assert_issue(result, "bad-value", sheet=MENTORS, row=row, column=CLASS, value="15Г")
    assert_left_out(result, mentors=1, links=links_of(form, MOROZOV))


def test_pair_status_not_in_the_list_is_bad_value(form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, STATUS, "в работе")

    result = check(form)

    assert_issue(result, "bad-value", sheet=LINKS, row=row, column=STATUS, value="в работе")
    assert_left_out(result, links=1)


# --- bad-date / bad-number -------------------------------------------------------------------
@pytest.mark.parametrize("text", ["31.02.2026", "в сентябре"])
def test_start_date_that_is_not_a_date_is_bad_date(text, form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, START, text)

    result = check(form)

    assert_issue(result, "bad-date", sheet=LINKS, row=row, column=START, value=text)
    assert_left_out(result, links=1)


def test_age_written_as_a_word_is_bad_number(form, check):
    row = form.row_of(MENTEES, VOLKOV)
    form.set(MENTEES, row, AGE, "много")

    result = check(form)

    assert_issue(result, "bad-number", sheet=MENTEES, row=row, column=AGE, value="много")
    assert_left_out(result, mentees=1, links=links_of(form, VOLKOV))


# --- out-of-range ----------------------------------------------------------------------------
def test_pupil_mentor_aged_seven_is_out_of_range(form, check):
    row = form.row_of(MENTORS, MOROZOV)
    form.set(MENTORS, row, AGE, 7)

    result = check(form)

    assert_issue(result, "out-of-range", sheet=MENTORS, row=row, column=AGE, value="7")
    assert_left_out(result, mentors=1, links=links_of(form, MOROZOV))


def test_teacher_with_eighty_years_of_experience_is_out_of_range(form, check):
    row = form.row_of(MENTORS, PETROVA)
    form.set(MENTORS, row, EXPERIENCE, 80)

    result = check(form)

    assert_issue(result, "out-of-range", sheet=MENTORS, row=row, column=EXPERIENCE, value="80")
    assert_left_out(result, mentors=1, links=links_of(form, PETROVA))


def test_satisfaction_eleven_is_out_of_range(form, check):
    row = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.set(LINKS, row, MENTOR_SATISFACTION, 11)

    result = check(form)

    assert_issue(result, "out-of-range", sheet=LINKS, row=row, column=MENTOR_SATISFACTION,
                 value="11")
    assert_left_out(result, links=1)


def test_more_young_specialists_than_teachers_on_the_title_is_out_of_range(form, check):
    form.set_title(T_TEACHERS, 40).set_title(T_YOUNG, 50)

    result = check(form)

    assert_issue(result, "out-of-range", sheet=TITLE, row=form.title_row(T_YOUNG),
                 column=T_YOUNG, value="50", severity="error")
    assert result.status == "accepted", describe(result)


def test_pair_starting_after_the_period_is_out_of_range(form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, START, dt.date(2026, 12, 1))

    result = check(form)

    assert_issue(result, "out-of-range", sheet=LINKS, row=row, column=START)
    assert_left_out(result, links=1)


def test_pair_starting_on_the_last_day_of_the_period_is_fine(form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, START, dt.date(2026, 11, 30))
    form.set(LINKS, row, ORDER_DATE, dt.date(2026, 11, 30))

    result = check(form)

    assert_no_issue(result, "out-of-range")
    assert result.counts == counts_minus(), describe(result)


# --- bad-name --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [
    pytest.param("Иванов", id="one-word"),
    pytest.param("Ivanov Ivan", id="all-latin"),
    pytest.param("Иванов Иван 2", id="digits"),
])
def test_mentee_name_that_is_not_a_full_name_is_bad_name(name, form, check):
    row = form.row_of(MENTEES, ORLOVA)
    form.set(MENTEES, row, NAME, name)

    result = check(form)

    assert_issue(result, "bad-name", sheet=MENTEES, row=row, column=NAME, value=name)
    assert result.counts["mentees"] == counts_minus(mentees=1)["mentees"], describe(result)


# --- duplicate-person ------------------------------------------------------------------------
def test_same_mentor_written_twice_is_duplicate_person_on_the_second_row(form, check):
    first = form.row_of(MENTORS, SOKOLOV)
    # the same person retyped: other case, «е» for «ё»
    second = form.append_row(MENTORS, {NAME: "СОКОЛОВ ПЕТР ВИКТОРОВИЧ"}, like=first)

    result = check(form)

    assert_issue(result, "duplicate-person", sheet=MENTORS, row=second, column=NAME)
    assert [i.row for i in issues_of(result, "duplicate-person")] == [second], describe(result)
    assert result.counts == counts_minus(), describe(result)  # the first row still counts


def test_same_mentee_written_twice_is_duplicate_person(form, check):
    second = form.append_row(MENTEES, {NAME: "белов артем сергеевич"},
                             like=form.row_of(MENTEES, BELOV))

    result = check(form)

    assert_issue(result, "duplicate-person", sheet=MENTEES, row=second, column=NAME)
    assert result.counts == counts_minus(), describe(result)


# --- links to people -------------------------------------------------------------------------
def test_pair_with_mentor_not_on_mentors_sheet_is_unknown_mentor(form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, MENTOR_NAME, "Никитин Павел Олегович")

    result = check(form)

    assert_issue(result, "unknown-mentor", sheet=LINKS, row=row, column=MENTOR_NAME,
                 value="Никитин Павел Олегович")
    assert_left_out(result, links=1)


def test_pair_with_mentee_not_on_mentees_sheet_is_unknown_mentee(form, check):
    row = form.link_row(KUZNETSOVA, VOLKOV)
    form.set(LINKS, row, MENTEE_NAME, "Никитина Вера Олеговна")

    result = check(form)

    assert_issue(result, "unknown-mentee", sheet=LINKS, row=row, column=MENTEE_NAME,
                 value="Никитина Вера Олеговна")
    assert_left_out(result, links=1)


def test_mentor_paired_with_himself_is_self_pair(form, check):
    row = form.link_row(SOKOLOV, ZAITSEVA)
    form.set(LINKS, row, MENTEE_NAME, SOKOLOV)

    result = check(form)

    assert_issue(result, "self-pair", sheet=LINKS, row=row, column=MENTEE_NAME)
    assert result.counts["links"] == counts_minus(links=1)["links"], describe(result)


# --- dates in a pair -------------------------------------------------------------------------
def test_order_dated_after_the_start_is_date_order(form, check):
    row = form.link_row(PETROVA, ORLOVA)
    form.set(LINKS, row, ORDER_DATE, dt.date(2026, 9, 5))

    result = check(form)

    assert_issue(result, "date-order", sheet=LINKS, row=row, column=ORDER_DATE)
    assert_left_out(result, links=1)


def test_pair_ending_before_it_starts_is_date_order(form, check):
    row = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.set(LINKS, row, END, dt.date(2026, 1, 15))

    result = check(form)

    assert_issue(result, "date-order", sheet=LINKS, row=row, column=END)
    assert_left_out(result, links=1)


# --- form-role-mismatch ----------------------------------------------------------------------
@pytest.mark.parametrize(("mentor", "mentee", "wrong_form"), [
    pytest.param(SOKOLOV, ZAITSEVA, v.FORM_PUPIL_PUPIL, id="pupil-form-for-teachers"),
    pytest.param(KUZNETSOVA, VOLKOV, v.FORM_TEACHER_TEACHER, id="teacher-form-for-a-pupil"),
    pytest.param(SOKOLOV, ZAITSEVA, v.FORM_HEAD_TEACHER, id="head-form-for-a-teacher"),
    pytest.param(MOROZOV, LEBEDEVA, v.FORM_STUDENT_PUPIL,
                 id="student-form-for-a-pupil-mentor"),
])
def test_form_that_does_not_fit_the_people_is_form_role_mismatch(mentor, mentee, wrong_form,
                                                                 form, check):
    row = form.link_row(mentor, mentee)
    form.set(LINKS, row, FORM, wrong_form)

    result = check(form)

    assert_issue(result, "form-role-mismatch", sheet=LINKS, row=row, column=FORM)
    assert_left_out(result, links=1)


# --- missing-end-date ------------------------------------------------------------------------
def test_finished_pair_without_an_end_date_is_missing_end_date(form, check):
    row = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.set(LINKS, row, END, None)

    result = check(form)

    assert_issue(result, "missing-end-date", sheet=LINKS, row=row, column=END)
    assert_no_issue(result, "required")
    assert_left_out(result, links=1)


def test_pair_stopped_early_without_an_end_date_is_missing_end_date(form, check):
    row = form.link_row(KUZNETSOVA, VOLKOV)
    form.set(LINKS, row, STATUS, v.STATUS_STOPPED)

    result = check(form)

    assert_issue(result, "missing-end-date", sheet=LINKS, row=row, column=END)
    assert result.counts["links"] == counts_minus(links=1)["links"], describe(result)


# --- duplicate-pair / group-mentor-mismatch --------------------------------------------------
def test_same_pair_written_twice_is_duplicate_pair_on_the_second_row(form, check):
    first = form.link_row(SOKOLOV, ZAITSEVA)
    second = form.append_row(LINKS, {PAIR_ID: "6"}, like=first)

    result = check(form)

    assert_issue(result, "duplicate-pair", sheet=LINKS, row=second, column=MENTEE_NAME)
    assert [i.row for i in issues_of(result, "duplicate-pair")] == [second], describe(result)
    assert result.counts == counts_minus(), describe(result)  # the first row still counts


def test_group_rows_with_different_mentors_is_group_mentor_mismatch(form, check):
    first = form.link_row(PETROVA, ORLOVA)
    other = form.link_row(PETROVA, BELOV)
    assert form.get(LINKS, first, PAIR_ID) == form.get(LINKS, other, PAIR_ID)
    form.set(LINKS, other, MENTOR_NAME, SOKOLOV)

    result = check(form)

    assert_issue(result, "group-mentor-mismatch", sheet=LINKS, row=other, column=MENTOR_NAME)
    assert first not in [i.row for i in issues_of(result, "group-mentor-mismatch")], \
        describe(result)
    assert_left_out(result, links=1)


def test_group_satisfaction_is_not_needed_while_it_is_active(form, check):
    # an active pair/group has no satisfaction yet; nothing to report
    result = check(form)

    assert not [i for i in result.issues
                if i.column in (MENTOR_SATISFACTION, MENTEE_SATISFACTION)], describe(result)
