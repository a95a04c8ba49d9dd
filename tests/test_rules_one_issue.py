"""SPEC §4.7, one mistake, one issue: a row left out by an error raises no warning about the
same fact, and a pair whose mentor or mentee row is left out is left out too, with an error
at the pair's row that says which row to fix."""

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
    KUZNETSOVA,
    LINKS,
    MENTEE_NAME,
    MENTEE_SATISFACTION,
    MENTEES,
    MENTOR_NAME,
    MENTOR_SATISFACTION,
    MENTORS,
    NAME,
    ORDER_DATE,
    ORLOVA,
    PAIR_ID,
    PD_CONSENT,
    PETROVA,
    POSITION,
    SOKOLOV,
    START,
    T_YOUNG,
    VOLKOV,
    ZAITSEVA,
    assert_issue,
    assert_no_issue,
    counts_minus,
    describe,
    issues_of,
)

from schemas import vocab as v


def warnings_at(result, sheet: str, row: int) -> list[str]:
    return [i.code for i in result.issues if i.severity == "warning"
            and (i.sheet, i.row) == (sheet, row)]


# --- a row left out raises no warning --------------------------------------------------------
def test_a_pair_written_twice_is_duplicate_pair_and_not_also_mentee_multiple_pairs(form, check):
    row = form.append_row(LINKS, like=form.link_row(SOKOLOV, ZAITSEVA))

    result = check(form)

    assert_issue(result, "duplicate-pair", sheet=LINKS, row=row, column=MENTEE_NAME,
                 severity="error")
    assert_no_issue(result, "mentee-multiple-pairs")
    assert result.counts == counts_minus(), describe(result)


@pytest.mark.parametrize(("column", "typed", "code"), [
    pytest.param(MENTEE_SATISFACTION, "хорошо", "bad-number", id="word"),
    pytest.param(MENTOR_SATISFACTION, "9 из 10", "bad-number", id="fraction"),
    pytest.param(MENTEE_SATISFACTION, 15, "out-of-range", id="fifteen"),
])
def test_an_unreadable_satisfaction_score_is_its_error_and_not_also_missing_satisfaction(
        column, typed, code, form, check):
    row = form.link_row(KUZNETSOVA, ZAITSEVA)  # a finished pair
    form.set(LINKS, row, column, typed)

    result = check(form)

    assert_issue(result, code, sheet=LINKS, row=row, column=column, severity="error")
    assert_no_issue(result, "missing-satisfaction")


def test_a_mentor_left_out_of_four_pairs_by_a_duplicate_is_not_mentor_overload(form, check):
    """Petrova leads group № 1 (two mentees) and gets one more mentee, written twice: three
    pairs count, which is the limit."""
    group_row = form.link_row(PETROVA, ORLOVA)
    newcomer = "Григорьева Дарья Олеговна"
    form.append_row(MENTEES, {NAME: newcomer}, like=form.row_of(MENTEES, ORLOVA))
    form.append_row(LINKS, {MENTEE_NAME: newcomer}, like=group_row)
    twice = form.append_row(LINKS, {MENTEE_NAME: newcomer}, like=group_row)

    result = check(form)

    assert_issue(result, "duplicate-pair", sheet=LINKS, row=twice, column=MENTEE_NAME)
    assert_no_issue(result, "mentor-overload")


def test_a_pair_with_wrong_dates_raises_no_warning_about_its_dates(form, check):
    # active, ended in May (stale) and ending before it started (an error)
    stale = form.link_row(KUZNETSOVA, VOLKOV)
    form.set(LINKS, stale, END, dt.date(2026, 5, 1))
    # finished after one month (odd length) with the order dated after the start (an error)
    short = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.set(LINKS, short, START, dt.date(2026, 2, 1)).set(LINKS, short, END, dt.date(2026, 3, 1))
    form.set(LINKS, short, ORDER_DATE, dt.date(2026, 2, 10))

    result = check(form)

    assert_issue(result, "date-order", sheet=LINKS, row=stale, column=END, severity="error")
    assert_issue(result, "date-order", sheet=LINKS, row=short, column=ORDER_DATE)
    assert warnings_at(result, LINKS, stale) == [], describe(result)
    assert warnings_at(result, LINKS, short) == [], describe(result)


def test_a_person_left_out_raises_no_warning_about_their_row(form, check):
    # a young specialist with five years and no consent, whose position is missing (an error)
    row = form.row_of(MENTEES, ORLOVA)
    form.set(MENTEES, row, EXPERIENCE, 5).set(MENTEES, row, PD_CONSENT, v.NO)
    form.set(MENTEES, row, POSITION, None)

    result = check(form)

    assert_issue(result, "required", sheet=MENTEES, row=row, column=POSITION)
    assert warnings_at(result, MENTEES, row) == [], describe(result)


def test_the_title_is_compared_with_the_people_kept_only(form, check):
    """The title says two young specialists; a third is written without a position, so the
    district's lists have two: no contradiction to report."""
    form.set_title(T_YOUNG, 2)
    form.append_row(MENTEES, {NAME: "Григорьева Дарья Олеговна", POSITION: None},
                    like=form.row_of(MENTEES, ORLOVA))

    result = check(form)

    assert issues_of(result, "required"), describe(result)
    assert_no_issue(result, "title-count-mismatch")


# --- a pair of a person left out is left out -------------------------------------------------
def test_a_pair_whose_mentor_is_left_out_is_link_to_rejected_person(form, check):
    mentor_row = form.row_of(MENTORS, SOKOLOV)
    form.set(MENTORS, mentor_row, POSITION, None)
    link = form.link_row(SOKOLOV, ZAITSEVA)

    result = check(form)

    issue = assert_issue(result, "link-to-rejected-person", sheet=LINKS, row=link,
                         column=MENTOR_NAME, value=SOKOLOV, severity="error")
    assert issue.message == (
        f"Наставник не принят в свод из-за ошибки в строке {mentor_row} листа «{MENTORS}», "
        "поэтому и эта строка не учтена. Исправьте ошибку в той строке, и пара будет учтена.")
    assert SOKOLOV not in issue.message  # the name is in the value only (SPEC §5)
    assert_no_issue(result, "unknown-mentor")
    assert result.counts == counts_minus(mentors=1, links=1), describe(result)


@pytest.mark.parametrize(("column", "typed", "code"), [
    pytest.param(CATEGORY, "школьник", "bad-value", id="bad-value"),
    pytest.param(CLASS, None, "required", id="required"),
    pytest.param(AGE, 3, "out-of-range", id="out-of-range"),
])
def test_a_pair_whose_mentee_is_left_out_is_link_to_rejected_person(column, typed, code, form,
                                                                    check):
    mentee_row = form.row_of(MENTEES, VOLKOV)
    form.set(MENTEES, mentee_row, column, typed)
    link = form.link_row(KUZNETSOVA, VOLKOV)

    result = check(form)

    assert_issue(result, code, sheet=MENTEES, row=mentee_row, column=column)
    issue = assert_issue(result, "link-to-rejected-person", sheet=LINKS, row=link,
                         column=MENTEE_NAME, value=VOLKOV, severity="error")
    assert issue.message.startswith(
        f"Наставляемый не принят в свод из-за ошибки в строке {mentee_row} листа "
        f"«{MENTEES}»,"), describe(result)
    assert result.counts == counts_minus(mentees=1, links=1), describe(result)
    # Kuznetsova's pair is left out, not missing: she is not called unpaired
    assert_no_issue(result, "unpaired-mentor")


def test_a_person_written_twice_stays_in_the_lists_with_their_pairs(form, check):
    form.append_row(MENTEES, like=form.row_of(MENTEES, VOLKOV))

    result = check(form)

    assert issues_of(result, "duplicate-person"), describe(result)
    assert_no_issue(result, "link-to-rejected-person")
    assert result.counts == counts_minus(), describe(result)


def test_a_pair_naming_a_person_whose_name_is_malformed_on_their_sheet_is_unknown_mentee(
        form, check):
    mentee_row = form.row_of(MENTEES, VOLKOV)
    form.set(MENTEES, mentee_row, NAME, "Волков К. Д.")
    link = form.link_row(KUZNETSOVA, VOLKOV)

    result = check(form)

    assert_issue(result, "bad-name", sheet=MENTEES, row=mentee_row, column=NAME)
    assert_issue(result, "unknown-mentee", sheet=LINKS, row=link, column=MENTEE_NAME)
    assert result.counts == counts_minus(mentees=1, links=1), describe(result)


def test_a_group_whose_mentor_is_left_out_is_left_out_row_by_row(form, check):
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), EXPERIENCE, 80)
    rows = [form.link_row(PETROVA, ORLOVA), form.link_row(PETROVA, BELOV)]

    result = check(form)

    assert [i.row for i in issues_of(result, "link-to-rejected-person")] == rows
    assert {form.get(LINKS, r, PAIR_ID) for r in rows} == {"1"}
    assert result.counts == counts_minus(mentors=1, links=2), describe(result)
    # Orlova and Belov stay in the lists, and are not called unpaired: their rows say why
    assert_no_issue(result, "unpaired-mentee")
