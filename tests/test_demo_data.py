"""The demo district: deterministic, complete, and clean except for its two faulty schools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from pipeline import demo
from pipeline.template import TITLE_FIRST_ROW
from pipeline.workspace import open_workspace
from schemas import columns as c

PERIOD = "2026-11"


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _title(path: Path) -> dict[str, Any]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.TITLE.name).to_python()
    return {row[0]: row[1] for row in rows[TITLE_FIRST_ROW - 1:] if row and row[0]}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory):
    return demo.build_demo(tmp_path_factory.mktemp("demo"), PERIOD, seed=7)


def test_same_seed_gives_the_same_forms(tmp_path, district):
    _, first = district
    _, second = demo.build_demo(tmp_path / "again", PERIOD, seed=7)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert _cells(a) == _cells(b), a.name


def test_another_seed_gives_other_people(tmp_path, district):
    _, first = district
    _, other = demo.build_demo(tmp_path / "other", PERIOD, seed=8)
    mentors = c.MENTORS.name
    assert _cells(first[0])[mentors] != _cells(other[0])[mentors]


def test_registry_has_at_least_twelve_schools(district):
    workspace, _ = district
    reopened = open_workspace(workspace.root)
    assert len(reopened.schools) >= 12
    assert reopened.settings.district == demo.DISTRICT
    assert all(s.email.endswith("example.ru") for s in reopened.schools)


def test_every_school_but_one_sent_a_form_into_the_inbox(district):
    workspace, paths = district
    inbox = workspace.root / "inbox" / PERIOD
    assert sorted(inbox.glob("*.xlsx")) == sorted(paths)
    sent = {_title(p)[c.TITLE.column("school_code").header] for p in paths}
    missing = {s.code for s in workspace.schools} - sent
    assert missing == {demo.SCHOOL_MISSING}
    assert len(paths) == len(workspace.schools) - 1


def test_forms_open_with_calamine_and_have_people(district):
    _, paths = district
    for path in paths:
        cells = _cells(path)
        assert c.LISTS_SHEET in cells
        mentors = [r for r in cells[c.MENTORS.name][1:] if any(v != "" for v in r)]
        mentees = [r for r in cells[c.MENTEES.name][1:] if any(v != "" for v in r)]
        assert 5 <= len(mentors) <= 20, path.name
        assert 5 <= len(mentees) <= 30, path.name


def test_one_form_reports_the_wrong_month(district):
    _, paths = district
    periods = {_title(p)[c.TITLE.column("school_code").header]:
               _title(p)[c.TITLE.column("period").header] for p in paths}
    wrong = {code for code, period in periods.items() if period != PERIOD}
    assert wrong == {demo.SCHOOL_WITH_WRONG_PERIOD}


def test_clean_forms_pass_and_the_two_faulty_ones_do_not(district):
    check = pytest.importorskip("pipeline.check")
    workspace, paths = district
    results = check.check_files(paths, workspace=workspace, period=PERIOD)
    by_school = {r.school_code: r for r in results}
    assert len(by_school) == len(paths)
    for code, result in by_school.items():
        serious = [(i.code, i.sheet, i.row, i.column) for i in result.issues
                   if i.severity in ("fatal", "error", "warning")]
        if code in (demo.SCHOOL_WITH_MISTAKES, demo.SCHOOL_WITH_WRONG_PERIOD):
            assert serious, code
        else:
            assert serious == [], code
            assert result.status == "accepted"
    faulty = {i.code for i in by_school[demo.SCHOOL_WITH_MISTAKES].issues}
    assert {"bad-date", "unknown-mentor", "out-of-range", "bad-value", "required",
            "no-pd-consent"} <= faulty
    wrong_period = by_school[demo.SCHOOL_WITH_WRONG_PERIOD]
    assert wrong_period.status == "rejected"
    assert [i.code for i in wrong_period.issues if i.severity == "fatal"] == ["period-mismatch"]
