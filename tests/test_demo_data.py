"""The demo district: three months, deterministic to the receipt time, clean but for its stories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from pipeline import demo
from pipeline.check import check_files
from pipeline.template import TITLE_FIRST_ROW
from pipeline.workspace import next_month_start, open_workspace
from schemas import columns as c
from schemas import vocab as v

PERIOD = "2026-11"
LAST = "2026-10"
FIRST = "2026-09"  # approved like LAST: `report --half 2026-1` has three months
CODE = c.TITLE.column("school_code").header


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _title(path: Path) -> dict[str, Any]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.TITLE.name).to_python()
    return {row[0]: row[1] for row in rows[TITLE_FIRST_ROW - 1:] if row and row[0]}


def _table(path: Path, sheet: c.Sheet) -> list[dict[str, Any]]:
    """The rows of a table sheet by column key, blank cells as None."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet.name).to_python()
    keys = {col.header: col.key for col in sheet.columns}
    header = [keys.get(h) for h in rows[0]]
    return [{k: (value if value != "" else None) for k, value in zip(header, row, strict=True)
             if k} for row in rows[1:] if any(value != "" for value in row)]


def _received(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime)


def _month(paths: list[Path], period: str) -> list[Path]:
    return [p for p in paths if p.parent.name == period]


def _by_school(paths: list[Path]) -> dict[str, list[Path]]:
    """Each school's files, oldest first."""
    found: dict[str, list[Path]] = {}
    for path in sorted(paths, key=_received):
        found.setdefault(_title(path)[CODE], []).append(path)
    return found


def _deadline(period: str, day: int) -> dt.datetime:
    """The end of the deadline day (SPEC §4.5: due «by» that day)."""
    following = next_month_start(dt.date.fromisoformat(period + "-01"))
    return dt.datetime.combine(following.replace(day=day), dt.time.max)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory):
    return demo.build_demo(tmp_path_factory.mktemp("demo"), PERIOD, seed=7)


def test_previous_period_crosses_the_new_year() -> None:
    assert demo.previous_period("2026-11") == "2026-10"
    assert demo.previous_period("2027-01") == "2026-12"


def test_same_seed_gives_the_same_forms_received_at_the_same_times(tmp_path, district):
    workspace, first = district
    again, second = demo.build_demo(tmp_path / "again", PERIOD, seed=7)
    assert [p.relative_to(workspace.root) for p in first] == \
        [p.relative_to(again.root) for p in second]
    for a, b in zip(first, second, strict=True):
        assert _cells(a) == _cells(b), a.name
        assert a.stat().st_mtime == b.stat().st_mtime, a.name


def test_another_seed_gives_other_people(tmp_path, district):
    _, first = district
    _, other = demo.build_demo(tmp_path / "other", PERIOD, seed=8)
    mentors = c.MENTORS.name
    assert _cells(first[0])[mentors] != _cells(other[0])[mentors]


def test_registry_has_at_least_twelve_schools_and_one_closed_last_month(district):
    workspace, _ = district
    reopened = open_workspace(workspace.root)
    assert len(reopened.schools) >= 12
    assert reopened.settings.district == demo.DISTRICT
    assert all(s.email.endswith("example.ru") for s in reopened.schools)
    closed = reopened.school(demo.SCHOOL_CLOSED)
    assert closed.active_to == dt.date(2026, 10, 31)  # «Действует по»
    assert [s.code for s in reopened.schools if s.active_to] == [demo.SCHOOL_CLOSED]
    assert closed in reopened.expected(LAST) and closed not in reopened.expected(PERIOD)


def test_three_months_are_in_the_inbox_oldest_first(district):
    workspace, paths = district
    folders = [p.parent.name for p in paths]
    assert folders == sorted(folders) and set(folders) == {FIRST, LAST, PERIOD}
    for period in (FIRST, LAST, PERIOD):
        inbox = workspace.inbox / period
        assert sorted(inbox.glob("*.xlsx")) == sorted(_month(paths, period)), period


def test_last_month_every_school_sent_one_form(district):
    workspace, paths = district
    sent = _by_school(_month(paths, LAST))
    assert sorted(sent) == sorted(s.code for s in workspace.expected(LAST))
    assert all(len(files) == 1 for files in sent.values())


def test_this_month_one_expected_school_sent_nothing_and_the_closed_one_is_not_expected(
        district):
    workspace, paths = district
    sent = _by_school(_month(paths, PERIOD))
    expected = {s.code for s in workspace.expected(PERIOD)}
    assert expected - set(sent) == {demo.SCHOOL_MISSING}
    assert demo.SCHOOL_CLOSED not in sent and demo.SCHOOL_CLOSED not in expected
    assert set(sent) <= expected


def test_forms_open_with_calamine_and_have_people(district):
    _, paths = district
    for path in paths:
        cells = _cells(path)
        assert c.LISTS_SHEET in cells
        mentors = [r for r in cells[c.MENTORS.name][1:] if any(v != "" for v in r)]
        mentees = [r for r in cells[c.MENTEES.name][1:] if any(v != "" for v in r)]
        # in the first month a small school has not begun all its pairs yet
        least = 3 if path.parent.name == FIRST else 5
        assert least <= len(mentors) <= 20, path.name
        assert least <= len(mentees) <= 30, path.name


def test_one_school_sent_last_months_file_again(district):
    _, paths = district
    periods = {_title(p)[CODE]: _title(p)[c.TITLE.column("period").header]
               for p in _month(paths, PERIOD)}
    wrong = {code for code, period in periods.items() if period != PERIOD}
    assert wrong == {demo.SCHOOL_WITH_WRONG_PERIOD}
    [before] = _by_school(_month(paths, LAST))[demo.SCHOOL_WITH_WRONG_PERIOD]
    [again] = _by_school(_month(paths, PERIOD))[demo.SCHOOL_WITH_WRONG_PERIOD]
    assert again.name == before.name and _cells(again) == _cells(before)


# --- receipt times ------------------------------------------------------------------------


def test_files_are_received_in_office_hours_before_the_deadline_but_two(district):
    workspace, paths = district
    late = {LAST: demo.SCHOOL_LATE_LAST_MONTH, PERIOD: demo.SCHOOL_LATE}
    for period in (LAST, PERIOD):
        due = _deadline(period, workspace.settings.deadline_day)
        month_end = next_month_start(dt.date.fromisoformat(period + "-01"))
        for code, files in _by_school(_month(paths, period)).items():
            for path in files:
                received = _received(path)
                assert dt.time(9) <= received.time() <= dt.time(17), path.name
                assert received.weekday() < 5, path.name
                assert received.date() >= month_end, path.name  # sent after the month's end
                if code == late[period]:
                    assert received > due, path.name
                else:
                    assert received <= due, path.name


def test_the_late_files_come_a_few_days_after_the_deadline(district):
    _, paths = district
    [late] = _by_school(_month(paths, PERIOD))[demo.SCHOOL_LATE]
    assert _received(late).date() == dt.date(2026, 12, 8)
    [late_before] = _by_school(_month(paths, LAST))[demo.SCHOOL_LATE_LAST_MONTH]
    assert _received(late_before).date() == dt.date(2026, 11, 9)  # the 8th is a Sunday


def test_last_months_files_all_came_before_this_months(district):
    _, paths = district
    assert max(map(_received, _month(paths, LAST))) < min(map(_received, _month(paths, PERIOD)))


def test_a_resubmission_is_newer_than_the_first_file(district):
    workspace, paths = district
    first, corrected = _by_school(_month(paths, PERIOD))[demo.SCHOOL_RESUBMITTING]
    assert _received(first) < _received(corrected)
    assert corrected.stem == first.stem + demo.RESUBMISSION_SUFFIX
    results = check_files([first, corrected], workspace=workspace, period=PERIOD)
    assert {i.code for i in results[0].issues if i.severity == "error"} == {"missing-end-date"}
    assert [i for i in results[1].issues if i.severity != "info"] == []


# --- the month lived on -------------------------------------------------------------------


def _links(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["mentor_name"], row["mentee_name"]): row for row in _table(path, c.LINKS)}


def _evolution(paths: list[Path]) -> dict[str, tuple[Path, Path]]:
    """Last month's file and this month's counted one, for schools that sent both."""
    before, now = _by_school(_month(paths, LAST)), _by_school(_month(paths, PERIOD))
    return {code: (before[code][-1], now[code][-1]) for code in before
            if code in now and code != demo.SCHOOL_WITH_WRONG_PERIOD}


def test_active_pairs_carry_over_but_one_that_vanishes_without_a_word(district):
    _, paths = district
    for code, (before, now) in _evolution(paths).items():
        links = _links(now)
        gone = [key for key, row in _links(before).items()
                if row["status"] == v.STATUS_ACTIVE and key not in links]
        if code != demo.SCHOOL_LOSING_PAIR:
            assert gone == [], code
            continue
        [(mentor, mentee)] = gone
        assert mentee not in {row["full_name"] for row in _table(now, c.MENTEES)}


def test_some_pairs_finish_this_month_with_an_end_date_and_scores(district):
    _, paths = district
    finished = []
    for before, now in _evolution(paths).values():
        was = _links(before)
        for key, row in _links(now).items():
            if key in was and was[key]["status"] == v.STATUS_ACTIVE \
                    and row["status"] == v.STATUS_FINISHED:
                finished.append(row)
    assert len(finished) >= 3
    for row in finished:
        assert dt.date(2026, 11, 1) <= row["end"] <= dt.date(2026, 11, 30)
        assert row["mentor_satisfaction"] and row["mentee_satisfaction"]


def test_new_people_and_pairs_start_this_month(district):
    _, paths = district
    everyone_before = {row["full_name"] for path in _month(paths, LAST)
                       for sheet in (c.MENTORS, c.MENTEES) for row in _table(path, sheet)}
    new_pairs = []
    for before, now in _evolution(paths).values():
        was = _links(before)
        new_pairs += [row for key, row in _links(now).items() if key not in was]
    assert len(new_pairs) >= 3
    for row in new_pairs:
        assert row["status"] == v.STATUS_ACTIVE
        assert dt.date(2026, 11, 1) <= row["start"] <= dt.date(2026, 11, 30)
        assert row["mentee_name"] not in everyone_before
    assert any(row["mentor_name"] not in everyone_before for row in new_pairs)


# --- what the checker says ----------------------------------------------------------------


def _serious(result) -> list[tuple]:
    return [(i.code, i.sheet, i.row, i.column) for i in result.issues
            if i.severity in ("fatal", "error", "warning")]


def test_last_month_is_clean_but_for_two_schools(district):
    workspace, paths = district
    files = _month(paths, LAST)
    results = {r.school_code: r for r in check_files(files, workspace=workspace, period=LAST)}
    assert len(results) == len(files)
    for code, result in results.items():
        if code not in (demo.SCHOOL_WITH_MISTAKES, demo.SCHOOL_WITH_WRONG_PERIOD):
            assert _serious(result) == [], code
            assert result.status_ru == "принят"
    mistakes = results[demo.SCHOOL_WITH_MISTAKES]
    # the mentor without a post is left out, and so is his pair (SPEC §4.7)
    assert {i.code for i in mistakes.issues if i.severity == "error"} == \
        {"unknown-mentor", "required", "link-to-rejected-person"}
    consent = results[demo.SCHOOL_WITH_WRONG_PERIOD]
    assert [(i.severity, i.code) for i in consent.issues if i.severity != "info"] == \
        [("warning", "no-pd-consent")]


def test_this_month_is_clean_but_for_the_deliberate_mistakes(district):
    workspace, paths = district
    files = _month(paths, PERIOD)
    results = check_files(files, workspace=workspace, period=PERIOD)
    first_try = _by_school(files)[demo.SCHOOL_RESUBMITTING][0]
    faulty = {}
    for path, result in zip(files, results, strict=True):
        if result.school_code in (demo.SCHOOL_WITH_MISTAKES, demo.SCHOOL_WITH_WRONG_PERIOD) \
                or path == first_try:
            faulty[result.school_code if path != first_try else "first try"] = result
        else:
            assert _serious(result) == [], path.name
            assert result.status_ru == "принят"
    assert {"bad-date", "unknown-mentor", "out-of-range", "bad-value", "required",
            "no-pd-consent"} <= {i.code for i in faulty[demo.SCHOOL_WITH_MISTAKES].issues}
    wrong_period = faulty[demo.SCHOOL_WITH_WRONG_PERIOD]
    assert wrong_period.status == "rejected"
    assert [i.code for i in wrong_period.issues if i.severity == "fatal"] == ["period-mismatch"]
    # the pair closed without its end date is left out: its missing scores are not warned
    # about as well (SPEC §4.7)
    assert {i.code for i in faulty["first try"].issues if i.severity != "info"} == \
        {"missing-end-date"}


def test_the_first_month_is_clean_but_for_the_lasting_mistakes(district):
    """Every school, the closed one too, sent one form on time; only the mistakes a school
    carries from month to month are there; last month has all its pairs that began by then."""
    workspace, paths = district
    files = _month(paths, FIRST)
    assert sorted(_by_school(files)) == sorted(s.code for s in workspace.expected(FIRST))
    assert demo.SCHOOL_CLOSED in _by_school(files)
    results = {r.school_code: r for r in check_files(files, workspace=workspace, period=FIRST)}
    for code, result in results.items():
        if code != demo.SCHOOL_WITH_MISTAKES:
            assert _serious(result) == [], code
    assert {i.code for i in results[demo.SCHOOL_WITH_MISTAKES].issues
            if i.severity == "error"} == {"unknown-mentor", "required", "link-to-rejected-person"}
    assert max(map(_received, files)) < min(map(_received, _month(paths, LAST)))
