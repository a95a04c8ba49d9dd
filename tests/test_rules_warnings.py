"""SPEC §3, warnings and info notes: reported at the cell, the row still counts."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import (
    BASE_COUNTS,
    BELOV,
    END,
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
    ORLOVA,
    PAIR_ID,
    PD_CONSENT,
    PETROVA,
    POSITION,
    REQUEST,
    SOKOLOV,
    START,
    STATUS,
    T_YOUNG,
    TITLE,
    VOLKOV,
    ZAITSEVA,
    assert_issue,
    assert_no_issue,
    describe,
)

from pipeline.workspace import SETTINGS_FILE, open_workspace
from schemas import vocab as v


def assert_kept(result, **added: int) -> None:
    """Accepted, no error, and every row counts (plus rows the test added)."""
    assert result.status == "accepted", describe(result)
    assert not [i for i in result.issues if i.severity in ("fatal", "error")], describe(result)
    expected = {key: value + added.get(key, 0) for key, value in BASE_COUNTS.items()}
    assert result.counts == expected, describe(result)


def add_teacher_mentee(form, name: str) -> int:
    return form.append_row(MENTEES, {NAME: name}, like=form.row_of(MENTEES, ORLOVA))


# --- mixed-script ----------------------------------------------------------------------------
@pytest.mark.parametrize("typed", [
    pytest.param("Петрoва Анна Сергеевна", id="latin-o"),
    pytest.param("Петрова Aнна Сергеевна", id="latin-A"),
    pytest.param("Петрова Анна Сергeевна", id="latin-e"),
])
def test_latin_look_alike_in_a_mentor_name_is_mixed_script_and_still_matches(typed, form,
                                                                              check):
    row = form.row_of(MENTORS, PETROVA)
    form.set(MENTORS, row, NAME, typed)

    result = check(form)

    issue = assert_issue(result, "mixed-script", sheet=MENTORS, row=row, column=NAME,
                         value=typed, severity="warning")
    # says how it was read, without the name: the district shows the message to all
    assert "прочитано русскими буквами" in issue.message, describe(result)
    assert "Петр" not in issue.message
    assert_no_issue(result, "unknown-mentor")
    assert_no_issue(result, "bad-name")
    assert_kept(result)


def test_latin_look_alike_in_a_pair_is_mixed_script_and_still_matches(form, check):
    row = form.link_row(KUZNETSOVA, VOLKOV)
    typed = "Кузнецовa Eлена Павловна"
    form.set(LINKS, row, MENTOR_NAME, typed)

    result = check(form)

    assert_issue(result, "mixed-script", sheet=LINKS, row=row, column=MENTOR_NAME, value=typed)
    assert_no_issue(result, "unknown-mentor")
    assert_kept(result)


# --- consent ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("sheet", "name"), [(MENTORS, SOKOLOV), (MENTEES, VOLKOV)])
def test_person_without_personal_data_consent_is_no_pd_consent(sheet, name, form, check):
    row = form.row_of(sheet, name)
    form.set(sheet, row, PD_CONSENT, v.NO)

    result = check(form)

    assert_issue(result, "no-pd-consent", sheet=sheet, row=row, column=PD_CONSENT,
                 severity="warning")
    assert_kept(result)


def test_teacher_mentor_without_written_consent_is_no_mentoring_consent(form, check):
    row = form.row_of(MENTORS, SOKOLOV)
    form.set(MENTORS, row, MENTORING_CONSENT, v.NO)

    result = check(form)

    assert_issue(result, "no-mentoring-consent", sheet=MENTORS, row=row,
                 column=MENTORING_CONSENT, severity="warning")
    assert_kept(result)


# --- load ------------------------------------------------------------------------------------
def overload_petrova(form) -> None:
    """Petrova's group № 1 grows from two to four active mentees."""
    group_row = form.link_row(PETROVA, ORLOVA)
    for name in ("Григорьева Дарья Олеговна", "Тихонов Максим Ильич"):
        add_teacher_mentee(form, name)
        form.append_row(LINKS, {MENTEE_NAME: name}, like=group_row)


def test_mentor_with_four_active_mentees_is_mentor_overload(form, check):
    overload_petrova(form)

    result = check(form)

    assert_issue(result, "mentor-overload", sheet=MENTORS, row=form.row_of(MENTORS, PETROVA),
                 column=NAME, severity="warning")
    assert_kept(result, mentees=2, links=2)


def test_district_allowing_four_mentees_sees_no_overload(workspace, form, check):
    settings = workspace.root / SETTINGS_FILE
    text = settings.read_text(encoding="utf-8")
    assert "max_mentees_per_mentor = 3" in text
    settings.write_text(text.replace("max_mentees_per_mentor = 3", "max_mentees_per_mentor = 4"),
                        encoding="utf-8")
    overload_petrova(form)

    result = check(form, ws=open_workspace(workspace.root))

    assert_no_issue(result, "mentor-overload")


def test_finished_pairs_do_not_count_towards_overload(form, check):
    # Kuznetsova: one active pair and three finished ones
    finished = form.link_row(KUZNETSOVA, ZAITSEVA)
    for number, name in (("6", ORLOVA), ("7", BELOV)):
        form.append_row(LINKS, {PAIR_ID: number, MENTEE_NAME: name}, like=finished)
    form.append_row(LINKS, {PAIR_ID: "8", MENTEE_NAME: VOLKOV, STATUS: v.STATUS_STOPPED,
                            FORM: v.FORM_TEACHER_PUPIL}, like=finished)

    result = check(form)

    assert_no_issue(result, "mentor-overload")
    assert_no_issue(result, "mentee-multiple-pairs")


def test_mentee_in_two_active_pairs_is_mentee_multiple_pairs(form, check):
    form.append_row(LINKS, {PAIR_ID: "6", MENTOR_NAME: SOKOLOV},
                    like=form.link_row(PETROVA, BELOV))

    result = check(form)

    assert_issue(result, "mentee-multiple-pairs", sheet=MENTEES, row=form.row_of(MENTEES, BELOV),
                 column=NAME, severity="warning")
    assert_kept(result, links=1)


# --- dates and experience --------------------------------------------------------------------
def test_active_pair_that_ended_in_may_is_stale_active_pair(form, check):
    row = form.link_row(KUZNETSOVA, VOLKOV)
    form.set(LINKS, row, ORDER_DATE, dt.date(2026, 1, 14))
    form.set(LINKS, row, START, dt.date(2026, 1, 15))
    form.set(LINKS, row, END, dt.date(2026, 5, 1))

    result = check(form)

    assert_issue(result, "stale-active-pair", sheet=LINKS, row=row, column=END,
                 severity="warning")
    assert_kept(result)


def test_young_specialist_with_five_years_is_category_experience_mismatch(form, check):
    row = form.row_of(MENTEES, ORLOVA)
    form.set(MENTEES, row, EXPERIENCE, 5)

    result = check(form)

    assert_issue(result, "category-experience-mismatch", sheet=MENTEES, row=row,
                 column=EXPERIENCE, severity="warning")
    assert_kept(result)


# --- unpaired --------------------------------------------------------------------------------
def test_mentee_in_no_pair_is_unpaired_mentee(form, check):
    row = add_teacher_mentee(form, "Григорьева Дарья Олеговна")

    result = check(form)

    assert_issue(result, "unpaired-mentee", sheet=MENTEES, row=row, column=NAME,
                 severity="warning")
    assert_kept(result, mentees=1)


def test_mentor_in_no_pair_is_unpaired_mentor(form, check):
    row = form.append_row(MENTORS, {NAME: "Никитин Павел Олегович", POSITION: "учитель истории"},
                          like=form.row_of(MENTORS, SOKOLOV))

    result = check(form)

    assert_issue(result, "unpaired-mentor", sheet=MENTORS, row=row, column=NAME,
                 severity="warning")
    assert_kept(result, mentors=1)


# --- title-count-mismatch --------------------------------------------------------------------
def test_more_young_specialist_mentees_than_the_title_says_is_title_count_mismatch(form, check):
    form.set_title(T_YOUNG, 1)  # the lists have two young specialists

    result = check(form)

    assert_issue(result, "title-count-mismatch", sheet=TITLE, row=form.title_row(T_YOUNG),
                 column=T_YOUNG, severity="warning")
    assert_kept(result)


# --- finished pairs --------------------------------------------------------------------------
@pytest.mark.parametrize("column", [MENTEE_SATISFACTION, MENTOR_SATISFACTION])
def test_finished_pair_without_satisfaction_is_missing_satisfaction(column, form, check):
    row = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.set(LINKS, row, column, None)

    result = check(form)

    assert_issue(result, "missing-satisfaction", sheet=LINKS, row=row, column=column,
                 severity="warning")
    assert_kept(result)


@pytest.mark.parametrize(("order", "start", "end"), [
    pytest.param(dt.date(2026, 1, 30), dt.date(2026, 2, 1), dt.date(2026, 3, 1), id="one-month"),
    pytest.param(dt.date(2025, 1, 30), dt.date(2025, 2, 1), dt.date(2026, 8, 31),
                 id="eighteen-months"),
])
def test_finished_teacher_pair_of_odd_length_is_program_duration(order, start, end, form, check):
    row = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.set(LINKS, row, ORDER_DATE, order).set(LINKS, row, START, start).set(LINKS, row, END, end)

    result = check(form)

    assert_issue(result, "program-duration", sheet=LINKS, row=row, column=END,
                 severity="warning")
    assert_kept(result)


# --- info ------------------------------------------------------------------------------------
def assert_note(result, code: str, *, sheet: str, value: str, column: str | None = ...):
    """An info note on the sheet with that value (its row is not part of the contract)."""
    found = [i for i in result.issues if i.code == code and i.sheet == sheet and i.value == value]
    assert found, describe(result)
    assert found[0].severity == "info", describe(result)
    if column is not ...:
        assert found[0].column == column, describe(result)


def test_school_adds_a_notes_column_is_extra_column(form, check):
    form.add_column(MENTORS, "Примечание", ["в декрете с 01.12"])

    result = check(form)

    assert_note(result, "extra-column", sheet=MENTORS, value="Примечание")
    assert_kept(result)


def test_school_writes_fio_with_dots_is_header_alias_and_accepted(form, check):
    form.rename_column(MENTORS, NAME, "Ф.И.О.")

    result = check(form)

    assert_note(result, "header-alias", sheet=MENTORS, value="Ф.И.О.", column=NAME)
    assert_kept(result)


def test_free_text_request_is_not_checked(form, check):
    row = form.row_of(MENTEES, ZAITSEVA)
    form.set(MENTEES, row, REQUEST, "Хочу научиться работать с родителями; 5-е классы")

    result = check(form)

    assert_kept(result)
    assert not [i for i in result.issues if i.column == REQUEST], describe(result)


def test_pupil_mentor_without_written_consent_is_fine(form, check):
    # the written consent (ТК РФ ст. 351.8) is for employees, not for a pupil mentor
    assert form.get(MENTORS, form.row_of(MENTORS, MOROZOV), MENTORING_CONSENT) is None

    result = check(form)

    assert_no_issue(result, "no-mentoring-consent")
    assert_no_issue(result, "required")
