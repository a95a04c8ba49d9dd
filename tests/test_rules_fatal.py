"""SPEC §3, fatal issues: the whole file is rejected and nothing of it is counted."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import (
    BASE_COUNTS,
    LINKS,
    MENTEES,
    MENTORS,
    NAME,
    PERIOD,
    SCHOOL_CODE,
    STATUS,
    T_CODE,
    T_PERIOD,
    TITLE,
    assert_clean,
    assert_issue,
    assert_rejected,
    describe,
)

from pipeline.workspace import SETTINGS_FILE, open_workspace
from schemas import columns as c


def test_clean_form_is_accepted_with_every_row_counted(form, check):
    result = check(form)

    assert_clean(result, BASE_COUNTS)
    assert result.school_code == SCHOOL_CODE
    assert result.period == PERIOD


def test_clean_form_result_serialises_to_json_with_its_issues(form, check):
    form.add_column(MENTORS, "Примечание")  # one info note, so the issue list is not empty
    result = check(form)

    data = result.as_json()
    text = json.dumps(data, ensure_ascii=False)
    assert isinstance(data, dict)
    assert "extra-column" in text
    assert SCHOOL_CODE in text
    for issue in result.issues:
        assert set(issue.as_json()) == {"code", "severity", "sheet", "row", "column", "value",
                                        "message"}


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty-file"),
    pytest.param("ФИО;Категория\nПетрова Анна Сергеевна;педагог\n".encode("cp1251"),
                 id="csv-renamed-xlsx"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", id="pdf-renamed-xlsx"),
])
def test_school_sends_a_file_that_is_not_excel_is_unreadable(content, tmp_path, check):
    path = tmp_path / "ОО-07_2026-11.xlsx"
    path.write_bytes(content)

    result = check(path)

    assert_rejected(result, "unreadable-file")


def test_school_sends_a_truncated_xlsx_is_unreadable(form, tmp_path, check):
    whole = form.save(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "ОО-07_2026-11.xlsx"
    path.write_bytes(whole[: len(whole) // 2])

    result = check(path)

    assert_rejected(result, "unreadable-file")


def test_school_sends_a_password_protected_form_is_encrypted(form, tmp_path, check):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = form.save(tmp_path / "plain.xlsx")
    path = tmp_path / "ОО-07_2026-11.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        ooxml.OOXMLFile(source).encrypt("пароль123", target)

    result = check(path)

    assert_rejected(result, "encrypted-file")


def test_school_sends_some_other_workbook_is_not_a_form(tmp_path, check):
    book = openpyxl.Workbook()
    book.active.title = "Лист1"
    book.active.append(["Фамилия", "Имя", "Класс"])
    book.active.append(["Петрова", "Анна", "5А"])
    path = tmp_path / "ОО-07_2026-11.xlsx"
    book.save(path)

    result = check(path)

    assert_rejected(result, "not-a-form")


@pytest.mark.parametrize("sheet", [s.name for s in c.FORM_SHEETS])
def test_school_deletes_a_sheet_is_missing_sheet(sheet, form, check):
    form.remove_sheet(sheet)

    result = check(form)

    issue = assert_rejected(result, "missing-sheet")
    assert any(i.sheet == sheet for i in result.issues if i.code == "missing-sheet"), \
        describe(result)
    assert issue.message


@pytest.mark.parametrize(("sheet", "column"), [
    (MENTORS, NAME),
    (MENTEES, NAME),
    (LINKS, STATUS),
    (LINKS, c.LINKS.column("mentor_name").header),
])
def test_school_deletes_a_required_column_is_missing_column(sheet, column, form, check):
    form.remove_column(sheet, column)

    result = check(form)

    assert_rejected(result, "missing-column")
    # the row of a missing column is not part of the contract: only sheet and column
    assert any((i.sheet, i.column) == (sheet, column) for i in result.issues
               if i.code == "missing-column"), describe(result)


def test_school_not_in_the_registry_is_unknown_school(form, check):
    form.set_title(T_CODE, "ОО-99")

    result = check(form)

    assert_rejected(result, "unknown-school")
    assert_issue(result, "unknown-school", sheet=TITLE, row=form.title_row(T_CODE),
                 column=T_CODE, value="ОО-99")


def test_school_of_another_registry_entry_is_checked_as_that_school(form, check):
    form.set_title(T_CODE, "ОО-08")

    result = check(form)

    assert result.status == "accepted", describe(result)
    assert result.school_code == "ОО-08"


def test_form_of_last_month_sent_again_is_period_mismatch(form, check):
    form.set_title(T_PERIOD, "2026-10")

    result = check(form)

    issue = assert_rejected(result, "period-mismatch")
    assert_issue(result, "period-mismatch", sheet=TITLE, row=form.title_row(T_PERIOD),
                 column=T_PERIOD)
    assert "2026-10" in (issue.value or "") + issue.message, describe(result)


def test_form_over_the_district_size_limit_is_file_too_large(workspace, form, tmp_path, check):
    settings = workspace.root / SETTINGS_FILE
    text = settings.read_text(encoding="utf-8")
    assert "max_file_mb = 20" in text
    settings.write_text(text.replace("max_file_mb = 20", "max_file_mb = 0.01"), encoding="utf-8")
    small_limit = open_workspace(workspace.root)
    # a sheet of pasted junk pushes the file well over 10 KB
    form.add_sheet("Лист1", [[f"строка {i} " + "текст " * 20] for i in range(2000)])
    path = form.save(tmp_path / "ОО-07_2026-11.xlsx")
    assert path.stat().st_size > 0.01 * 1024 * 1024

    result = check(path, ws=small_limit)

    assert_rejected(result, "file-too-large")


def test_form_under_the_size_limit_is_not_too_large(form, check):
    result = check(form)

    assert not [i for i in result.issues if i.code == "file-too-large"], describe(result)


def test_fatal_issue_leaves_nothing_counted_even_if_the_lists_are_fine(form, check):
    form.remove_sheet(LINKS)

    result = check(form)

    assert result.status == "rejected", describe(result)
    assert result.counts == {"mentors": 0, "mentees": 0, "links": 0}, describe(result)


def test_checking_several_files_keeps_their_order(form, tmp_path, workspace):
    from pipeline.check import check_files

    good = form.save(tmp_path / "a.xlsx")
    bad = tmp_path / "b.xlsx"
    bad.write_bytes(b"not excel at all")
    other = form.copy().set_title(T_CODE, "ОО-08").save(tmp_path / "c.xlsx")

    results = check_files([bad, good, other], workspace=workspace, period=PERIOD)

    assert [r.status for r in results] == ["rejected", "accepted", "accepted"]
    assert [r.school_code for r in results][1:] == [SCHOOL_CODE, "ОО-08"]
