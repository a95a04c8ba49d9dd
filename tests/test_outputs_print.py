"""Outputs a person reads and prints: each report and roll-up sheet says what it is, whose,
for which month, when and by which version it was made; every sheet prints with page numbers
and its header on each page, wide tables split rather than shrunk; percentages are rounded
by a format; columns are as wide as their headers' words; the district lists say which
school file and row each of their rows came from."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import (
    KUZNETSOVA,
    MENTEES,
    MENTORS,
    MOROZOV,
    NAME,
    PETROVA,
    ZAITSEVA,
    table_start,
)
from openpyxl.utils import get_column_letter
from test_feedback_as_text import both_ways
from test_report import NOV, district
from test_rollup import BEREZOVSKY, KEDROVY, _district_report

from pipeline import __version__
from pipeline.consolidate import run_period
from pipeline.issues import CODES
from pipeline.rollup import rollup, write_rollup_workbook

VERSION = f"nastavnik {__version__}"
# a table wider than this (characters of column width) shrunk to a landscape page's width
# would print at under three quarters of its size
READABLE = 190
# what a landscape A4 page holds at full size, in characters of column width
LANDSCAPE_PAGE = 135
# the first header of each sheet's table: where its header row is
REPORT_TABLES = {"Показатели": "Код ОО", "Численность": "Код ОО", "Документы": "Код ОО",
                 "Диаграммы": "Школа", "Данные": "Уровень"}
ROLLUP_TABLES = {"Показатели": "Муниципальное образование",
                 "Численность": "Муниципальное образование",
                 "Документы": "Муниципальное образование",
                 "Диаграммы": "Муниципальное образование",
                 "Сдача": "Муниципальное образование", "Замечания": "Файл"}


def width(sheet: Any, col: int) -> float:
    """A column's width as the file sets it (openpyxl keys a run of columns by its first)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min and dimension.min <= col <= dimension.max and dimension.width:
            return dimension.width
    return 0.0


def header_cells(sheet: Any, row: int) -> list[tuple[int, str]]:
    """The header's texts and their columns, but those merged over several columns."""
    merged = {(r.min_row, r.min_col) for r in sheet.merged_cells.ranges if r.max_col > r.min_col}
    return [(cell.column, cell.value) for cell in sheet[row]
            if isinstance(cell.value, str) and (row, cell.column) not in merged]


def assert_prints(sheet: Any, header_row: int, first_header_row: int | None = None) -> None:
    """Page numbers, the header on every page, landscape where wide, fitted only where it
    stays readable, no header broken inside a word."""
    assert sheet.oddFooter.center.text == "Страница &P из &N", sheet.title
    first = first_header_row or header_row
    assert str(sheet.print_title_rows).replace("$", "") == f"{first}:{header_row}", sheet.title
    columns = max(c for c, _ in header_cells(sheet, header_row))
    total = sum(width(sheet, c) for c in range(1, columns + 1))
    if total > 100:
        assert sheet.page_setup.orientation == "landscape", sheet.title
    fitted = sheet.sheet_properties.pageSetUpPr.fitToPage
    if total > READABLE:  # a wide table is split across pages, not shrunk to one
        assert not fitted or sheet.page_setup.fitToWidth != 1, (sheet.title, total)
    if fitted:
        assert sheet.page_setup.fitToHeight == 0, sheet.title  # never one page in all
    for col, text in header_cells(sheet, header_row):
        longest = max(len(word) for word in text.split())
        assert width(sheet, col) >= longest + 1, (sheet.title, text, width(sheet, col))


def assert_title_block(sheet: Any, header_row: int, *words: str) -> None:
    lines = [sheet.cell(row=r, column=1).value for r in range(1, header_row)]
    text = " ".join(line for line in lines if isinstance(line, str))
    assert sheet["A1"].font.b and sheet["A1"].value, sheet.title  # what it is
    for word in (*words, VERSION, "Сформирован"):
        assert word in text, (sheet.title, word, text)


def test_every_report_sheet_has_a_title_block_and_prints_readably(tmp_path, form) -> None:
    path = Path(run_period(district(tmp_path, form), NOV).outputs["report"])

    book = openpyxl.load_workbook(path)

    assert set(book.sheetnames) == set(REPORT_TABLES)
    for name, first in REPORT_TABLES.items():
        sheet = book[name]
        row = table_start(sheet, first)
        assert_title_block(sheet, row, "Тестовый район", "Тестовая обл.", "ноябрь 2026",
                           NOV)
        if name == "Диаграммы":  # charts beside small tables: a chart wide, pages long
            assert sheet.oddFooter.center.text == "Страница &P из &N"
            assert sheet.page_setup.fitToHeight == 0
            continue
        if name == "Показатели":  # a two-row heading: «K1: …» over «%», «числитель», …
            assert_prints(sheet, row + 1, row)
            assert sheet.page_setup.fitToWidth != 1  # 6 indicators × 3 columns
            # an indicator's three columns never part at a page break
            breaks = [b.id for b in sheet.col_breaks.brk]
            assert breaks and all((b - 3) % 3 == 0 for b in breaks), breaks
        else:
            assert_prints(sheet, row)


def test_percentages_are_rounded_by_a_format_and_data_stays_raw(tmp_path, form) -> None:
    path = Path(run_period(district(tmp_path, form), NOV).outputs["report"])
    book = openpyxl.load_workbook(path)

    indicators = book["Показатели"]
    start = table_start(indicators, "Код ОО")
    total = next(row for row in indicators.iter_rows(min_row=start + 2)
                 if row[0].value == "Итого")
    k4 = total[3 + 3 * 3]  # K4's %: 7 of 8 mentors trained
    assert k4.value == pytest.approx(0.875)
    assert k4.number_format == "0.0%"
    data = book["Данные"]
    header = table_start(data, "Уровень")
    rows = {(r[0].value, r[3].value): r for r in data.iter_rows(min_row=header + 1)}
    k2 = rows["МО", "K2"][7]  # 2 of 240 pupils: 0.8333… %
    assert k2.value == pytest.approx(2 / 240 * 100, abs=1e-12)  # the roll-up reads it back
    assert k2.number_format == "0.0"  # a person sees 0,8
    assert rows["МО", "schools_expected"][7].value == 3  # counts are not decimals
    assert rows["МО", "schools_expected"][7].number_format == "General"


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("region")
    folder = root / "reports"
    folder.mkdir()
    _district_report(root / "berez", BEREZOVSKY, folder, pupils_10_18=50)
    _district_report(root / "kedr", KEDROVY, folder, pupils_10_18=300)
    result = rollup(folder, NOV, expected=[BEREZOVSKY, KEDROVY, "Сосновский район"])
    assert len(result.counted) == 2  # the reports' «Данные» are read under their titles
    return write_rollup_workbook(result, root / "Свод региона.xlsx")


def test_every_rollup_sheet_has_a_title_block_and_prints_readably(region: Path) -> None:
    book = openpyxl.load_workbook(region)

    assert book.sheetnames == list(ROLLUP_TABLES)
    for name, first in ROLLUP_TABLES.items():
        sheet = book[name]
        row = table_start(sheet, first)
        assert_title_block(sheet, row, "Тестовая область", "ноябрь 2026", NOV)
        if name == "Диаграммы":  # charts beside small tables: a chart wide, pages long
            assert sheet.oddFooter.center.text == "Страница &P из &N"
            assert sheet.page_setup.fitToHeight == 0
            continue
        if name == "Показатели":
            assert_prints(sheet, row + 1, row)
        else:
            assert_prints(sheet, row)
    submission = book["Сдача"]
    header = table_start(submission, "Муниципальное образование")
    shares = [cell for row in submission.iter_rows(min_row=header + 1, min_col=11, max_col=13)
              for cell in row if isinstance(cell.value, float)]
    assert shares and all(cell.number_format == "0.0%" for cell in shares)
    problems = book["Замечания"]  # the missing district's note fits a page's width
    assert problems.sheet_properties.pageSetUpPr.fitToPage


def test_the_district_lists_say_which_file_and_row_each_row_came_from(workspace,
                                                                       form) -> None:
    folder = workspace.inbox / NOV
    form.save(folder / "СОШ 7 ноябрь.xlsx")

    run = run_period(workspace, NOV)

    book = openpyxl.load_workbook(run.outputs["consolidated"])
    assert rows_by(book, "Наставники", "ФИО")[PETROVA][-2:] == (
        "СОШ 7 ноябрь.xlsx", form.row_of(MENTORS, PETROVA))
    assert rows_by(book, "Наставляемые", "ФИО")[ZAITSEVA][-2:] == (
        "СОШ 7 ноябрь.xlsx", form.row_of(MENTEES, ZAITSEVA))
    links = rows_by(book, "Пары и группы", "ФИО наставника")
    assert links[KUZNETSOVA][-2:] == ("СОШ 7 ноябрь.xlsx", form.link_row(KUZNETSOVA, ZAITSEVA))
    for name in ("Наставники", "Наставляемые", "Пары и группы"):
        sheet = book[name]
        assert [c.value for c in sheet[1]][-2:] == ["Файл", "Строка"]
        assert_prints(sheet, 1)

    # the school's same file saved under another name: the lists say so (not a kept render)
    shutil.move(folder / "СОШ 7 ноябрь.xlsx", folder / "СОШ 7 ноябрь (исправлен).xlsx")
    book = openpyxl.load_workbook(run_period(workspace, NOV).outputs["consolidated"])
    assert rows_by(book, "Наставники", "ФИО")[MOROZOV][-2:] == (
        "СОШ 7 ноябрь (исправлен).xlsx", form.row_of(MENTORS, MOROZOV))


def rows_by(book: Any, sheet: str, key: str) -> dict[str, tuple[Any, ...]]:
    rows = list(book[sheet].iter_rows(values_only=True))
    col = rows[0].index(key)
    return {row[col]: row for row in rows[1:]}


def test_district_sheets_fit_their_contents_and_print(workspace, form) -> None:
    long_name = "Отчёт МБОУ СОШ № 7 о наставничестве за ноябрь 2026 года (исправленный).xlsx"
    form.save(workspace.inbox / NOV / long_name)
    eight = form.copy()
    eight.set(MENTORS, eight.row_of(MENTORS, PETROVA), NAME, "Петрова")  # an issue row
    eight.save(workspace.inbox / NOV / "8.xlsx")

    book = openpyxl.load_workbook(run_period(workspace, NOV).outputs["consolidated"])

    summary = book["Сводка"]
    files = [c.value for c in summary[1]].index("Файл") + 1
    assert width(summary, files) >= len(long_name)
    issues = book["Замечания"]
    code = [c.value for c in issues[1]].index("Код") + 1
    longest = max(len(str(c.value)) for c in issues[get_column_letter(code)][1:])
    assert width(issues, code) >= longest
    for sheet in book:
        assert_prints(sheet, table_start(sheet, "Код ОО"))
    # the deadline's long caption wraps within the first page's columns, not past its edge
    deadlines = book["Сдача отчётов"]
    caption = next(r for r in deadlines.merged_cells.ranges if r.min_row == 2)
    page = sum(width(deadlines, c) for c in range(caption.min_col, caption.max_col + 1))
    assert deadlines["A2"].alignment.wrap_text and page < LANDSCAPE_PAGE
    assert "по первому файлу школы" in deadlines["A2"].value


@pytest.mark.parametrize("way", ["text", "openpyxl"])
def test_the_feedback_list_prints_with_page_numbers_and_whole_codes(workspace, form,
                                                                     tmp_path, way) -> None:
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Петрова")
    text, book = both_ways(form.save(tmp_path / "7.xlsx"), workspace, tmp_path)

    sheet = openpyxl.load_workbook(text if way == "text" else book).worksheets[0]

    header = table_start(sheet, "Лист")
    assert_prints(sheet, header)
    code = [c.value for c in sheet[header]].index("Код") + 1
    assert width(sheet, code) >= max(map(len, CODES))
    labels = [sheet.cell(row=r, column=1).value for r in range(2, header - 2)]  # the receipt
    assert width(sheet, 1) >= max(len(label) for label in labels if label), labels
    assert sheet.sheet_properties.pageSetUpPr.fitToPage  # the list fits a page's width

