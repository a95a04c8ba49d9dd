"""The school form as a school receives it: real files written and read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from python_calamine import CalamineWorkbook

from pipeline.template import (
    DATA_ROWS,
    TABLE_HEADER_ROW,
    TITLE_FIRST_ROW,
    template_filename,
    write_form,
    write_templates,
)
from pipeline.workspace import School, Settings, Workspace
from schemas import columns as c
from schemas import vocab as v

TABLE_SHEETS = tuple(s for s in c.FORM_SHEETS if s.layout == "table")


@pytest.fixture
def form(tmp_path: Path) -> Path:
    return write_form(tmp_path / "form.xlsx", school_code="ОО-07",
                      school_name="МБОУ «Берёзовская СОШ № 7»", period="2026-11",
                      municipality="Берёзовский муниципальный округ", deadline_day=5)


@pytest.fixture
def book(form: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(form)


def _validation_for(sheet, col: int):
    """The data validation that covers the first data cell of column `col` (1-based)."""
    row = TABLE_HEADER_ROW + 1
    for dv in sheet.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
            if min_col <= col <= max_col and min_row <= row <= max_row:
                return dv
    return None


def _resolve_list(book: openpyxl.Workbook, formula: str) -> list[str]:
    """The values a list validation's source points to, through the defined name."""
    name = formula.lstrip("=")
    target = book.defined_names[name].attr_text
    sheet_name, cells = target.rsplit("!", 1)
    sheet = book[sheet_name.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    assert min_col == max_col
    return [sheet.cell(r, min_col).value for r in range(min_row, max_row + 1)]


def test_the_form_carries_its_identity_in_custom_properties(book):
    props = {p.name: p.value for p in book.custom_doc_props}
    assert props[c.PROP_FORM] == c.FORM_ID
    assert props[c.PROP_VERSION] == c.FORM_VERSION
    assert props[c.PROP_SCHOOL] == "ОО-07"
    assert props[c.PROP_PERIOD] == "2026-11"


def test_sheets_come_in_the_order_of_the_spec(book):
    expected = [c.INSTRUCTIONS_SHEET, *(s.name for s in c.FORM_SHEETS), c.JUSTIFICATIONS.name,
                c.LISTS_SHEET]  # «Пояснения»: optional, after the sheets of the spec
    assert book.sheetnames == expected
    assert book.sheetnames == ["Инструкция", "Титул", "Наставники", "Наставляемые",
                               "Пары и группы", "Документы", "Пояснения", "Справочники"]


def test_lists_sheet_is_hidden_and_the_rest_visible(book):
    states = {ws.title: ws.sheet_state for ws in book.worksheets}
    assert states.pop(c.LISTS_SHEET) == "hidden"
    assert set(states.values()) == {"visible"}


@pytest.mark.parametrize("sheet_def", TABLE_SHEETS, ids=lambda s: s.key)
def test_headers_are_the_column_definitions(book, sheet_def):
    sheet = book[sheet_def.name]
    headers = [cell.value for cell in sheet[TABLE_HEADER_ROW]]
    assert headers == [col.header for col in sheet_def.columns]
    assert sheet.freeze_panes == f"A{TABLE_HEADER_ROW + 1}"
    assert sheet.cell(TABLE_HEADER_ROW, 1).font.b


def test_documents_rows_are_pre_printed(book):
    sheet = book[c.DOCUMENTS.name]
    names = [sheet.cell(TABLE_HEADER_ROW + 1 + i, 1).value for i in range(len(v.DOCUMENTS))]
    assert names == list(v.DOCUMENTS)
    assert sheet.cell(TABLE_HEADER_ROW + 1, 1).protection.locked
    assert not sheet.column_dimensions["B"].protection.locked


@pytest.mark.parametrize("sheet_def", TABLE_SHEETS, ids=lambda s: s.key)
def test_every_list_column_has_a_drop_down_resolving_to_its_vocabulary(book, sheet_def):
    sheet = book[sheet_def.name]
    checked = 0
    for index, column in enumerate(sheet_def.columns, start=1):
        if column.kind not in ("enum", "yesno") or (sheet_def.fixed_rows and index == 1):
            continue
        dv = _validation_for(sheet, index)
        assert dv is not None, column.header
        assert dv.type == "list"
        assert not dv.formula1.startswith('"'), "inline lists are capped at 255 characters"
        assert _resolve_list(book, dv.formula1) == list(column.vocab)
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("sheet_def", TABLE_SHEETS, ids=lambda s: s.key)
def test_numbers_and_dates_are_checked_on_entry(book, sheet_def):
    sheet = book[sheet_def.name]
    for index, column in enumerate(sheet_def.columns, start=1):
        dv = _validation_for(sheet, index)
        if column.kind == "int":
            assert dv.type == "whole"
            if column.min is not None and column.max is not None:
                assert (int(dv.formula1), int(dv.formula2)) == (column.min, column.max)
        elif column.kind == "date":
            assert dv.type == "date"


@pytest.mark.parametrize("sheet_def", TABLE_SHEETS, ids=lambda s: s.key)
def test_input_messages_show_the_hint_within_excel_limits(book, sheet_def):
    sheet = book[sheet_def.name]
    for index, column in enumerate(sheet_def.columns, start=1):
        if not column.hint:
            continue
        dv = _validation_for(sheet, index)
        assert dv is not None and dv.showInputMessage, column.header
        assert dv.prompt.startswith(column.hint)
        assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
        last_row = max(range_boundaries(r.coord)[3] for r in dv.sqref.ranges)
        if not sheet_def.fixed_rows:
            assert last_row >= TABLE_HEADER_ROW + DATA_ROWS


def test_headers_are_locked_inputs_open_and_rows_can_be_added(book):
    sheet = book[c.MENTORS.name]
    assert sheet.protection.sheet
    assert not sheet.protection.insertRows and not sheet.protection.deleteRows  # False = allowed
    assert sheet.protection.password is None
    assert sheet.cell(TABLE_HEADER_ROW, 2).protection.locked
    # Empty input cells take the column's format, as in Excel: unlocked.
    for column in "BCDEFGHIJKL":
        assert not sheet.column_dimensions[column].protection.locked, column


def test_title_is_pre_filled_with_school_and_period(book):
    sheet = book[c.TITLE.name]
    rows = {sheet.cell(r, 1).value: sheet.cell(r, 2)
            for r in range(TITLE_FIRST_ROW, TITLE_FIRST_ROW + len(c.TITLE.columns))}
    assert list(rows) == [col.header for col in c.TITLE.columns]
    header = c.TITLE.column
    assert rows[header("school_code").header].value == "ОО-07"
    assert rows[header("school_name").header].value == "МБОУ «Берёзовская СОШ № 7»"
    assert rows[header("municipality").header].value == "Берёзовский муниципальный округ"
    period = rows[header("period").header]
    assert period.value == "2026-11" and period.data_type == "s"
    assert rows[header("curator").header].value is None
    assert not period.protection.locked
    assert sheet.cell(TITLE_FIRST_ROW, 1).protection.locked


def test_title_values_given_by_key_are_written_and_typed(tmp_path):
    path = write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                      period="2026-11",
                      title={"curator": "Петрова Анна Ивановна", "teachers_total": 40,
                             "filled_on": dt.date(2026, 11, 28)})
    sheet = openpyxl.load_workbook(path)[c.TITLE.name]
    values = {sheet.cell(r, 1).value: sheet.cell(r, 2).value
              for r in range(TITLE_FIRST_ROW, TITLE_FIRST_ROW + len(c.TITLE.columns))}
    assert values["Куратор (ФИО)"] == "Петрова Анна Ивановна"
    assert values["Педагогических работников, всего"] == 40
    assert values["Дата заполнения"] == dt.datetime(2026, 11, 28)


def test_a_value_starting_with_equals_stays_a_string(tmp_path):
    path = write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                      period="2026-11",
                      rows={"mentors": [{"full_name": "=HYPERLINK(\"http://x\")",
                                         "position": "=1+1"}]})
    sheet = openpyxl.load_workbook(path)[c.MENTORS.name]
    row = TABLE_HEADER_ROW + 1
    name_col = column_index_from_string("B")
    assert sheet.cell(row, name_col).value == "=HYPERLINK(\"http://x\")"
    assert sheet.cell(row, name_col).data_type == "s"
    assert sheet.cell(row, name_col + 2).data_type == "s"


def test_dates_are_date_cells_and_raw_text_stays_as_written(tmp_path):
    path = write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                      period="2026-11",
                      rows={"links": [{"pair_id": "1", "start": dt.date(2026, 9, 1),
                                       "end": "32.13.2026", "mentee_satisfaction": 9}]})
    sheet = openpyxl.load_workbook(path)[c.LINKS.name]
    headers = [cell.value for cell in sheet[TABLE_HEADER_ROW]]
    row = TABLE_HEADER_ROW + 1
    start = sheet.cell(row, headers.index("Дата начала") + 1)
    assert start.is_date and start.value == dt.datetime(2026, 9, 1)
    assert start.number_format == "dd.mm.yyyy"
    end = sheet.cell(row, headers.index("Дата окончания") + 1)
    assert end.data_type == "s" and end.value == "32.13.2026"
    assert sheet.cell(row, headers.index("Удовлетворённость наставляемого (1–10)") + 1).value == 9
    assert sheet.cell(row, 1).value == "1"

    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.LINKS.name).to_python()
    assert calamine[TABLE_HEADER_ROW][headers.index("Дата начала")] == dt.date(2026, 9, 1)
    assert calamine[TABLE_HEADER_ROW][headers.index("Дата окончания")] == "32.13.2026"


def test_running_number_is_filled_for_given_rows(tmp_path):
    path = write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                      period="2026-11",
                      rows={"mentees": [{"full_name": "Котова Мария Павловна"},
                                        {"full_name": "Лебедев Илья Андреевич"}]})
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.MENTEES.name).to_python()
    assert [r[0] for r in rows[TABLE_HEADER_ROW:TABLE_HEADER_ROW + 2]] == [1, 2]


def test_documents_rows_are_filled_by_position(tmp_path):
    path = write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                      period="2026-11",
                      rows={"documents": [{"present": "да", "details": "№ 12 от 01.09.2026"}]})
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.DOCUMENTS.name).to_python()
    assert rows[TABLE_HEADER_ROW][:3] == [v.DOCUMENTS[0], "да", "№ 12 от 01.09.2026"]
    assert rows[TABLE_HEADER_ROW + 1][0] == v.DOCUMENTS[1]


def test_unknown_keys_are_refused(tmp_path):
    with pytest.raises(ValueError, match="нет столбцов"):
        write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                   period="2026-11", rows={"mentors": [{"fio": "Котова Мария Павловна"}]})
    with pytest.raises(ValueError, match="Нет такого листа"):
        write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                   period="2026-11", rows={"pairs": []})
    with pytest.raises(ValueError, match="ГГГГ-ММ"):
        write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                   period="ноябрь")
    assert not (tmp_path / "f.xlsx").exists()
    assert list(tmp_path.iterdir()) == []


def test_instruction_names_every_sheet_and_the_deadline(book):
    text = "\n".join(str(cell.value) for row in book[c.INSTRUCTIONS_SHEET].iter_rows()
                     for cell in row if cell.value)
    for sheet_def in c.FORM_SHEETS:
        assert f"«{sheet_def.name}»" in text
    assert "ДД.ММ.ГГГГ" in text
    assert "05.12.2026" in text


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    schools = (
        School("ОО-01", "МБОУ «Берёзовская СОШ № 1»", "СОШ", "s1@example.ru"),
        School("ОО-02", "МБОУ «Гимназия № 2»", "гимназия", "g2@example.ru"),
        School("ОО-03", "МБОУ «ООШ с. Ключи»", "ООШ", active_to=dt.date(2026, 8, 31)),
    )
    return Workspace(root=tmp_path / "ws", settings=Settings(district="Берёзовский округ"),
                     schools=schools)


def test_templates_for_every_expected_school(workspace):
    paths = write_templates(workspace, "2026-11")
    folder = workspace.outbox / "2026-11" / "templates"
    assert [p.name for p in paths] == ["ОО-01 МБОУ Берёзовская СОШ № 1 2026-11.xlsx",
                                       "ОО-02 МБОУ Гимназия № 2 2026-11.xlsx"]
    assert all(p.parent == folder and p.is_file() for p in paths)
    title = CalamineWorkbook.from_path(str(paths[1])).get_sheet_by_name(c.TITLE.name).to_python()
    values = {row[0]: row[1] for row in title}
    assert values["Код ОО"] == "ОО-02"
    assert values["Муниципальное образование"] == "Берёзовский округ"
    assert values["Отчётный период"] == "2026-11"


def test_templates_for_named_schools_and_an_unknown_code(workspace):
    paths = write_templates(workspace, "2026-11", codes=["оо-02"])
    assert [p.name for p in paths] == ["ОО-02 МБОУ Гимназия № 2 2026-11.xlsx"]
    with pytest.raises(ValueError, match="ОО-99.*нет в реестре"):
        write_templates(workspace, "2026-11", codes=["ОО-99"])


def test_file_names_are_safe():
    name = template_filename("ОО/5", 'Школа: "Лицей"?', "2026-11")
    assert name == "ОО 5 Школа Лицей 2026-11.xlsx"


def test_values_from_pandas_frames_are_written_plainly(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"full_name": ["Котова Мария Павловна"], "age": pd.array([15], "Int64"),
                          "experience": pd.array([pd.NA], "Int64")})
    rows = frame.astype(object).to_dict("records")
    path = write_form(tmp_path / "f.xlsx", school_code="ОО-01", school_name="Школа",
                      period="2026-11", rows={"mentors": rows},
                      title={"teachers_total": frame["age"].iloc[0]})
    sheet = openpyxl.load_workbook(path)[c.MENTORS.name]
    headers = [cell.value for cell in sheet[TABLE_HEADER_ROW]]
    row = TABLE_HEADER_ROW + 1
    assert sheet.cell(row, headers.index("Возраст, лет") + 1).value == 15
    assert sheet.cell(row, headers.index("Педагогический стаж, лет") + 1).value is None
