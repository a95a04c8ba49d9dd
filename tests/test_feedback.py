"""The school's own file back, every problem marked (what a school receives and fixes)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    AGE,
    CATEGORY,
    LEBEDEVA,
    LINKS,
    MENTORS,
    MOROZOV,
    NAME,
    PERIOD,
    PETROVA,
    START,
)

from pipeline.check import read_and_validate
from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.feedback import SHEET_NAME, TABLE_HEADER_ROW, write_feedback
from pipeline.template import write_templates
from schemas import columns as c


def feedback_for(path: Path, workspace, out: Path) -> openpyxl.Workbook:
    validation = read_and_validate([path], workspace=workspace, period=PERIOD)
    write_feedback(validation.forms[0], validation.results[0], out)
    return openpyxl.load_workbook(out)


def listed(book) -> list[tuple]:
    return [row for row in book[SHEET_NAME].iter_rows(min_row=TABLE_HEADER_ROW + 1,
                                                      values_only=True) if row[0]]


def receipt(book) -> dict[str, object]:
    return {row[0]: row[1] for row in book[SHEET_NAME].iter_rows(
        max_row=TABLE_HEADER_ROW - 3, values_only=True) if row[0]}


def test_receipt_names_the_file_its_hash_and_the_status_in_words(workspace, form, tmp_path):
    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    path = form.save(tmp_path / "Школа 7, ноябрь.xlsx")

    book = feedback_for(path, workspace, tmp_path / "out.xlsx")

    info = receipt(book)
    assert info["Файл"] == "Школа 7, ноябрь.xlsx"
    assert info["SHA-256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info["Статус"] == "принят с замечаниями"
    assert info["Отчётный период"] == PERIOD
    assert str(info["Школа"]).startswith("ОО-07")
    assert info["Получен"] is not None and info["Проверен"] is not None


def test_problems_are_listed_errors_first_with_column_letter_and_header(workspace, form,
                                                                         tmp_path):
    row = form.row_of(MENTORS, MOROZOV)
    form.set(MENTORS, row, AGE, 5)  # error
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Пeтрова Анна Сергеевна")  # warning
    form.set(LINKS, form.rows(LINKS)[-1], START, "вчера")  # error, later sheet
    book = feedback_for(form.save(tmp_path / "7.xlsx"), workspace, tmp_path / "out.xlsx")

    rows = listed(book)
    severities = [r[6] for r in rows]
    assert severities == sorted(severities, key=["ошибка", "предупреждение",
                                                 "сведение"].index)
    errors = [r for r in rows if r[6] == "ошибка"]
    assert [(r[0], r[1]) for r in errors] == [(MENTORS, row), (LINKS, form.link_row(MOROZOV, LEBEDEVA)),
                                              (LINKS, form.rows(LINKS)[-1])]  # his pair too
    age_letter = openpyxl.utils.get_column_letter(form.column_of(MENTORS, AGE))
    assert errors[0][2] == f"{age_letter} — {AGE}"
    assert errors[0][3] == "5"
    assert errors[0][4].startswith("Значение 5 вне допустимых границ")
    assert errors[0][5] == "Исправьте значение."
    assert book[SHEET_NAME].auto_filter.ref.startswith(f"A{TABLE_HEADER_ROW}")


def test_every_listed_problem_has_the_look_of_the_list(workspace, form, tmp_path):
    # the list's cells share their style indices (it is looked up once): every row must
    # still be wrapped at the top, and «Важность» coloured by the row's own severity
    for row in form.rows(MENTORS):
        form.set(MENTORS, row, AGE, 5)  # errors
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Пeтрова Анна Сергеевна")  # warning
    book = feedback_for(form.save(tmp_path / "7.xlsx"), workspace, tmp_path / "out.xlsx")

    colours = {"ошибка": "FFC7CE", "предупреждение": "FFEB9C", "сведение": "DDEBF7"}
    rows = list(book[SHEET_NAME].iter_rows(min_row=TABLE_HEADER_ROW + 1))
    assert {row[6].value for row in rows} >= {"ошибка", "предупреждение"}
    for row in rows:
        assert all(c.alignment.vertical == "top" and c.alignment.wrap_text for c in row)
        assert all(c.font.name == "Calibri" and not c.font.bold for c in row)
        assert [c.fill.fgColor.rgb[-6:] for c in row if c.fill.fill_type] == \
            [colours[row[6].value]]


def test_a_rejected_file_gets_the_list_only(workspace, tmp_path):
    path = tmp_path / "письмо.xlsx"
    path.write_text("не таблица", encoding="utf-8")
    book = feedback_for(path, workspace, tmp_path / "out.xlsx")
    assert book.sheetnames == [SHEET_NAME]
    assert receipt(book)["Статус"].startswith("отклонён")
    assert [r[7] for r in listed(book)] == ["unreadable-file"]


def test_drop_downs_of_the_template_survive_the_feedback(workspace, tmp_path):
    [template] = write_templates(workspace, PERIOD, ["ОО-07"])
    book = openpyxl.load_workbook(template)
    book["Наставники"]["B2"] = "Петрова"  # a bad name: the file gets feedback
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    out = feedback_for(filled, workspace, tmp_path / "out.xlsx")

    assert_drop_downs(out)
    assert out["Справочники"].sheet_state == "hidden"


def test_drop_downs_lost_on_the_way_are_recreated_from_the_schema(workspace, form, tmp_path):
    # the builder writes no validations at all, as a file whose lists were dropped
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Петрова")
    out = feedback_for(form.save(tmp_path / "7.xlsx"), workspace, tmp_path / "out.xlsx")
    assert_drop_downs(out)
    # and reopening the feedback file keeps them (a school saves and resends it)
    again = tmp_path / "again.xlsx"
    out.save(again)
    assert_drop_downs(openpyxl.load_workbook(again))


def assert_drop_downs(book) -> None:
    """Every enumeration and да/нет column of the lists has a drop-down that resolves."""
    for definition in (c.MENTORS, c.MENTEES, c.LINKS):
        sheet = book[definition.name]
        headers = {cell.value: cell.column_letter for cell in sheet[1] if cell.value}
        lists = {}
        for dv in sheet.data_validations.dataValidation:
            if dv.type == "list":
                for ref in str(dv.sqref).split():
                    lists["".join(ch for ch in ref.split(":")[0] if ch.isalpha())] = dv.formula1
        for column in definition.columns:
            if not column.vocab:
                continue
            letter = headers[column.header]
            assert letter in lists, f"{definition.name}: no drop-down for «{column.header}»"
            name = lists[letter].lstrip("=")
            target = book.defined_names[name].attr_text
            sheet_name, cells = target.rsplit("!", 1)
            values = [cell.value for row in book[sheet_name.strip("'")][cells.replace("$", "")]
                      for cell in row]
            assert values == list(column.vocab), column.header


def test_a_school_resends_its_feedback_file_and_old_remarks_are_replaced(workspace, form,
                                                                        tmp_path):
    row = form.row_of(MENTORS, MOROZOV)
    form.set(MENTORS, row, AGE, 5)
    first = feedback_for(form.save(tmp_path / "7.xlsx"), workspace, tmp_path / "fb1.xlsx")
    # the school fixes the age in the feedback file itself and sends that file back
    col = form.column_of(MENTORS, AGE)
    first[MENTORS].cell(row=row, column=col, value=16)
    resent = tmp_path / "7 исправлено.xlsx"
    first.save(resent)

    [result] = read_and_validate([resent], workspace=workspace, period=PERIOD).results
    assert result.status == "accepted"
    assert [i for i in result.issues if i.severity in ("error", "warning")] == []
    second = feedback_for(resent, workspace, tmp_path / "fb2.xlsx")
    assert second.sheetnames.count(SHEET_NAME) == 1
    assert second[MENTORS].cell(row=row, column=col).comment is None


def test_text_that_looks_like_a_formula_stays_text_in_the_feedback(workspace, form, tmp_path):
    path = form.save(tmp_path / "7.xlsx")
    book = openpyxl.load_workbook(path)
    cell = book[MENTORS].cell(row=form.row_of(MENTORS, MOROZOV),
                              column=form.column_of(MENTORS, CATEGORY))
    cell.value, cell.data_type = "=HYPERLINK(\"http://x\",\"y\")", "s"
    book.save(path)

    out = feedback_for(path, workspace, tmp_path / "out.xlsx")

    formulas = [(ws.title, c.coordinate) for ws in out for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    assert any(r[3] == "=HYPERLINK(\"http://x\",\"y\")" for r in listed(out))


def test_run_writes_feedback_only_for_schools_with_problems(workspace, form):
    folder = workspace.inbox / PERIOD
    form.save(folder / "7.xlsx")
    # school 8 sends last month's file: rejected, so it gets feedback and 7 does not
    other = form.copy().set_title("Код ОО", "ОО-08").set_title("Отчётный период", "2026-10")
    other.save(folder / "8.xlsx")

    result = run_period(workspace, PERIOD)

    names = [Path(p).name for p in result.outputs["feedback"]]
    assert len(names) == 1 and names[0].startswith("ОО-08 ") and names[0].endswith(
        " — замечания.xlsx")
    assert Path(result.outputs["feedback"][0]).parent == workspace.outbox / PERIOD / "Замечания"


def test_feedback_of_a_school_that_fixed_everything_is_removed(workspace, form):
    folder = workspace.inbox / PERIOD
    broken = form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    broken.save(folder / "7.xlsx")
    assert len(run_period(workspace, PERIOD).outputs["feedback"]) == 1
    form.save(folder / "7.xlsx")
    assert run_period(workspace, PERIOD).outputs["feedback"] == []
    assert list((workspace.outbox / PERIOD / "Замечания").glob("*.xlsx")) == []


def test_check_writes_feedback_for_one_file(workspace, form, tmp_path):
    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    path = form.save(tmp_path / "7.xlsx")
    out = tmp_path / "замечания.xlsx"
    result = CliRunner().invoke(cli, ["check", str(path), "-w", str(workspace.root),
                                      "--period", PERIOD, "--feedback", str(out)])
    assert result.exit_code == 1, result.output
    assert out.is_file()
    assert [r[7] for r in listed(openpyxl.load_workbook(out))] == ["out-of-range",
                                                                   "link-to-rejected-person"]


def test_check_feedback_needs_exactly_one_file(workspace, form, tmp_path):
    a = form.save(tmp_path / "a.xlsx")
    result = CliRunner().invoke(cli, ["check", str(a), str(a), "--feedback",
                                      str(tmp_path / "o.xlsx")])
    assert result.exit_code == 2
    assert "одному файлу" in result.output


def test_the_run_prints_which_feedback_files_to_send(workspace, form):
    form.copy().set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5).save(
        workspace.inbox / PERIOD / "7.xlsx")
    result = CliRunner().invoke(cli, ["run", "--period", PERIOD, "-w", str(workspace.root)])
    assert "Замечания для школ (1), отправьте их школам:" in result.output
    assert "ОО-07 МБОУ СОШ № 7 — замечания.xlsx" in result.output


DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["lo_bad_date.xls", "lo_bad_date.ods"])
def test_xls_and_ods_come_back_as_an_xlsx_copy_of_their_values_with_marks(workspace, tmp_path,
                                                                         name):
    source = DATA / name
    validation = read_and_validate([source], workspace=workspace, period=PERIOD)
    [result] = validation.results
    [bad] = [i for i in result.issues if i.code == "bad-date"]
    out = tmp_path / "out.xlsx"
    write_feedback(validation.forms[0], result, out)

    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == SHEET_NAME
    sent = calamine_values(source)
    for sheet_name, grid in sent.items():
        copy = book[sheet_name]
        for r, row in enumerate(grid, start=1):
            for col, value in enumerate(row, start=1):
                if value not in ("", None):
                    got = copy.cell(row=r, column=col).value
                    assert same_value(value, got), (sheet_name, r, col, value, got)
    header = [cell.value for cell in book[LINKS][1]]
    cell = book[LINKS].cell(row=bad.row, column=header.index(START) + 1)
    assert cell.value == "31.09.2026"
    assert cell.comment is not None and "не похоже на дату" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")


def same_value(sent: object, got: object) -> bool:
    """A value as the school's file held it and as the .xlsx copy holds it."""
    if isinstance(sent, float) and sent.is_integer():
        sent = int(sent)
    if isinstance(got, dt.datetime) and not isinstance(sent, dt.datetime):
        got = got.date()
    return got == sent


def calamine_values(path: Path) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names}
