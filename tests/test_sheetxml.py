"""Rows written as XML straight into a workbook read back as the values they were: text stays
text (even when it looks like a formula, a number or an escape), dates are dates."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from pipeline import sheetxml
from pipeline.workbooks import Formats, new_workbook, write_table

HEADERS = ["Текст", "Число", "Дата", "Да/нет"]
ROWS = [
    ["=HYPERLINK(\"http://x\")", 1, dt.date(2026, 11, 30), True],
    ["  отступ и хвост ", 2.5, dt.datetime(2026, 12, 1, 9, 30), False],
    ["<b>&amp;</b> \"кавычки\"", -7, None, None],
    ["_x0041_ буквально", None, dt.date(1999, 1, 1), None],
    ["управляющий\x01символ\tи таб", 10**12, None, None],
    ["строка 1\nстрока 2", None, None, None],
    [None, None, None, None],  # an empty row keeps its place
    ["после пустой", 0, None, None],
]


def _write(path: Path) -> Path:
    book = new_workbook(path, large=True)
    formats = Formats(book)
    write_table(book, formats, "Свод", HEADERS, [], dates=[2], placed_later=len(ROWS))
    book.add_worksheet("После").write_datetime(0, 0, dt.datetime(2026, 1, 1, 8), formats.datetime)
    book.close()
    letters = sheetxml.column_letters(len(HEADERS))
    rendered = [sheetxml.render_row(row, letters) for row in ROWS]
    chunks = [sheetxml.SEPARATOR.join(rendered[:3]), "", sheetxml.SEPARATOR.join(rendered[3:])]
    sheetxml.place_rows(path, {0: (chunks, len(ROWS), len(HEADERS))},
                        {sheetxml.DATE: formats.date.xf_index,
                         sheetxml.DATETIME: formats.datetime.xf_index})
    return path


def test_placed_rows_read_back_as_written_by_openpyxl(tmp_path) -> None:
    path = _write(tmp_path / "свод.xlsx")
    sheet = openpyxl.load_workbook(path)["Свод"]
    got = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_col=4)]
    expected = [[dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v for v in row]
                for row in ROWS]
    # openpyxl does not undo Excel's _xHHHH_ escapes in inline text (Excel and calamine do)
    expected[3][0] = "_x005F_x0041_ буквально"
    expected[4][0] = "управляющий_x0001_символ\tи таб"
    assert got == expected
    assert sheet.cell(2, 3).number_format == "dd.mm.yyyy"
    assert sheet.cell(3, 3).number_format == "dd.mm.yyyy hh:mm"
    assert sheet.auto_filter.ref == "A1:D9"
    assert sheet.calculate_dimension() == "A1:D9"
    assert sheet.freeze_panes == "A2"


def test_placed_rows_read_back_by_calamine_and_the_package_is_sound(tmp_path) -> None:
    path = _write(tmp_path / "свод.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        text = archive.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in text and "\x00" not in text and "\x1e" not in text
        assert archive.read("xl/worksheets/sheet2.xml")  # the other sheet is intact
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Свод").to_python()
    assert rows[0] == HEADERS
    assert rows[1][0] == "=HYPERLINK(\"http://x\")"
    assert rows[2][0] == "  отступ и хвост "
    assert rows[3][0] == "<b>&amp;</b> \"кавычки\""
    assert rows[4][0] == "_x0041_ буквально"
    assert rows[1][2] == dt.date(2026, 11, 30)
    assert rows[8][:2] == ["после пустой", 0]


def test_a_date_style_the_workbook_lacks_is_an_error_not_a_number(tmp_path) -> None:
    path = tmp_path / "без стиля.xlsx"
    book = new_workbook(path, large=True)
    formats = Formats(book)
    write_table(book, formats, "Свод", HEADERS, [], placed_later=1)
    book.close()
    row = sheetxml.render_row(ROWS[0], sheetxml.column_letters(4))
    with pytest.raises(ValueError, match="style"):
        sheetxml.place_rows(path, {0: ([row], 1, 4)}, {sheetxml.DATE: formats.date.xf_index})
