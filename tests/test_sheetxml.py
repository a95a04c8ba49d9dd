"""Rows written as XML straight into a workbook read back as the values they were: text stays
text (even when it looks like a formula, a number or an escape), dates are dates."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from pipeline.engine import sheetxml
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
    rendered = [sheetxml.render_row(row) for row in ROWS]
    # rendered text and kept (deflated) rows mixed, as a month's next run places them
    pieces = ["".join(rendered[:2]), sheetxml.segment("".join(rendered[2:5])), "",
              sheetxml.segment(""), rendered[5], sheetxml.segment("".join(rendered[6:]))]
    sheetxml.place_rows(path, {0: (pieces, len(ROWS), len(HEADERS))})
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


def test_kept_rows_are_stitched_into_the_same_part_as_rendered_ones(tmp_path) -> None:
    rendered = [sheetxml.render_row(row) for row in ROWS]
    path = _write(tmp_path / "сшито.xlsx")
    with zipfile.ZipFile(path) as archive:
        text = archive.read("xl/worksheets/sheet1.xml").decode()  # checks the CRC too
    start = text.index("</row>") + len("</row>")  # after the header row
    assert text[start:text.index("</sheetData>")] == "".join(rendered)
    assert text.count("<row") == len(ROWS) + 1


def test_the_date_formats_are_the_workbooks_first_styles(tmp_path) -> None:
    """Rendered rows name their dates' styles before the workbook exists (1 and 2)."""
    path = tmp_path / "стили.xlsx"
    book = new_workbook(path)
    book.add_format({"bold": True})  # made, not yet used: numbered only when used
    formats = Formats(book)
    assert (formats.date.xf_index, formats.datetime.xf_index) == (1, 2)
    book.add_worksheet("Лист").write_string(0, 0, "x", book.add_format({"italic": True}))
    book.close()
    assert sheetxml.render_row([dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 9)]) == \
        '<row><c s="1"><v>46023</v></c><c s="2"><v>46023.375</v></c></row>'


def test_rows_that_cannot_be_placed_leave_the_workbook_and_its_folder_as_they_were(
        tmp_path) -> None:
    path = tmp_path / "свод.xlsx"
    book = new_workbook(path, large=True)
    write_table(book, Formats(book), "Свод", HEADERS, [], placed_later=1)
    book.close()
    before = path.read_bytes()

    def broken():
        yield sheetxml.render_row(ROWS[0])
        raise OSError("диск заполнен")

    with pytest.raises(OSError):
        sheetxml.place_rows(path, {0: (broken(), 1, len(HEADERS))})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["свод.xlsx"]


def test_a_copied_package_has_its_parts_replaced_added_and_the_rest_as_they_were(
        tmp_path) -> None:
    source = tmp_path / "source.zip"
    with zipfile.ZipFile(source, "w") as package:
        package.writestr("kept.xml", "<a>как было</a>" * 50, zipfile.ZIP_DEFLATED)
        package.writestr("stored.bin", b"\x00\x01" * 100, zipfile.ZIP_STORED)
        package.writestr("replaced.xml", "<old/>", zipfile.ZIP_DEFLATED)
        package.writestr("сжато bzip2.xml", "<b>другое сжатие</b>", zipfile.ZIP_BZIP2)
    copy = tmp_path / "copy.zip"

    sheetxml.copy_package(source, copy, {"replaced.xml": "<новое/>".encode(),
                                         "xl/added.xml": b"<added/>"})

    with zipfile.ZipFile(source) as before, zipfile.ZipFile(copy) as after:
        assert after.testzip() is None  # every entry's CRC checks out
        assert after.namelist() == ["kept.xml", "stored.bin", "replaced.xml",
                                    "сжато bzip2.xml", "xl/added.xml"]
        for name in ("kept.xml", "stored.bin", "сжато bzip2.xml"):
            assert after.read(name) == before.read(name)
        assert after.read("replaced.xml") == "<новое/>".encode()
        assert after.read("xl/added.xml") == b"<added/>"
        # an entry kept as it was is copied as stored, not compressed again
        assert after.getinfo("kept.xml").compress_size == before.getinfo("kept.xml").compress_size
        assert after.getinfo("stored.bin").compress_type == zipfile.ZIP_STORED
