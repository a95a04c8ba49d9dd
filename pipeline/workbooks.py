"""Writing workbooks safely: text stays text, dates are dates, files appear whole or not at all."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from pipeline import sheetxml
from pipeline.paths import staging_dir

# Never let a school's text become a live formula or link in a file another office opens.
SAFE_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "dd.mm.yyyy",
    "remove_timezone": True,
}
DATE_FORMAT = "dd.mm.yyyy"


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path, renamed onto `path` only when the block succeeds: in the workspace's
    staging folder (pipeline/paths.py), so that nothing half-written is ever beside the
    user's files."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~" + path.stem[:40], suffix=path.suffix,
                               dir=staging_dir(path))
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def new_workbook(path: Path, *, large: bool = False) -> xlsxwriter.Workbook:
    """A workbook that writes text as text. `large`: rows are written in order and flushed as
    they go (xlsxwriter's constant_memory), so tens of thousands of rows cost little memory."""
    options = {**SAFE_OPTIONS, "constant_memory": True} if large else SAFE_OPTIONS
    return xlsxwriter.Workbook(str(path), options)


def set_identity(book: xlsxwriter.Workbook, form: str, version: int, **fields: str) -> None:
    """The workbook's identity as custom document properties «nastavnik.*», which the reader
    of our files (preflight) trusts more than a sheet's contents."""
    book.set_custom_property("nastavnik.form", form)
    book.set_custom_property("nastavnik.version", version)
    for name, value in fields.items():
        book.set_custom_property(f"nastavnik.{name}", value)


class Formats:
    """The few cell formats every workbook of ours uses, created once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                       "bg_color": "#DDEBF7", "border": 1})
        self.date = book.add_format({"num_format": DATE_FORMAT})
        self.datetime = book.add_format({"num_format": DATE_FORMAT + " hh:mm"})
        # rows rendered as XML (pipeline/sheetxml.py) style their dates before the workbook
        # is written: the two date formats take its first style indices, now
        if (str(self.date._get_xf_index()), str(self.datetime._get_xf_index())) != \
                (sheetxml.DATE_STYLE, sheetxml.DATETIME_STYLE):
            raise RuntimeError("the date formats must be the workbook's first formats")
        self.text = book.add_format({"num_format": "@"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.percent = book.add_format({"num_format": "0.0%"})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.top = book.add_format({"valign": "top"})


def write_cell(sheet: Any, row: int, col: int, value: Any, formats: Formats) -> None:
    """Write one value by its Python type; strings always as strings, never formulas."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, dt.datetime) and value.time() != dt.time(0):
        sheet.write_datetime(row, col, value, formats.datetime)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, formats.date)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


def write_table(book: xlsxwriter.Workbook, formats: Formats, name: str,
                headers: Sequence[str], rows: Sequence[Sequence[Any]],
                widths: Sequence[int] | None = None, wrap: Sequence[int] = (),
                start_row: int = 0, caption: Callable[[Any], None] | None = None,
                dates: Sequence[int] = (), placed_later: int = 0,
                later: sheetxml.Later | None = None) -> Any:
    """A sheet with a header row, frozen, with filters, holding `rows` as typed cells.

    Columns in `wrap` wrap their text; their rows are given the height the text needs, since
    LibreOffice does not grow a row written without one. The header goes in `start_row`
    (0-based), leaving the rows above for `caption`, which writes them first (in a large
    workbook rows must be written in order). Columns in `dates` are formatted as dates.
    `placed_later`: rows put below the header after the workbook is closed
    (pipeline/sheetxml.py), which the filter must cover.

    With `later` (and no wrapped column), `rows` are rendered as XML and left with it to be
    placed once the workbook is closed: several times faster than xlsxwriter's cells for
    tables of thousands of rows. Columns holding dates are then formatted as dates (or with
    the time of day, if some value has one) without being named in `dates`.
    """
    marks = None
    if later is not None and not wrap:
        rows = [[plain(value) for value in row] for row in rows]
        marks = _date_marks(rows, len(headers))
        dates = [*dates, *[c for c, mark in enumerate(marks) if mark == sheetxml.DATE_STYLE]]
        placed_later += len(rows)
    sheet = book.add_worksheet(name)
    if caption is not None:
        caption(sheet)
    widths = list(widths) if widths else [max(10, min(45, len(h) + 2)) for h in headers]
    for col, header in enumerate(headers):
        sheet.write_string(start_row, col, header, formats.header)
        sheet.set_column(col, col, widths[col], formats.wrap if col in wrap else
                         formats.date if col in dates else
                         formats.datetime if marks and marks[col] == sheetxml.DATETIME_STYLE
                         else None)
    header_lines = max(text_lines(h, w) for h, w in zip(headers, widths, strict=True))
    if header_lines > 1:
        sheet.set_row(start_row, ROW_HEIGHT * header_lines)
    if later is not None and marks is not None:
        later.add(len(book.worksheets()) - 1,
                  ["".join(sheetxml.render_row(row[:len(headers)], marks) for row in rows)],
                  len(rows), len(headers))
        rows = []
    for r, row in enumerate(rows, start=start_row + 1):
        row = [plain(value) for value in row]
        lines = max((text_lines(row[c], widths[c]) for c in wrap if c < len(row)), default=1)
        if lines > 1:  # before the cells: a large workbook flushes a row once it moves on
            sheet.set_row(r, ROW_HEIGHT * lines, formats.top)
        for col, value in enumerate(row):
            if isinstance(value, dt.datetime) and value.time() != dt.time(0):
                sheet.write_datetime(r, col, value, formats.datetime)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, col, value, formats.date)
            elif isinstance(value, str):
                sheet.write_string(r, col, value)
            elif value is not None:
                write_cell(sheet, r, col, value, formats)
    sheet.freeze_panes(start_row + 1, 0)
    sheet.autofilter(start_row, 0, start_row + max(len(rows) + placed_later, 1),
                     max(len(headers) - 1, 0))
    printable(sheet, start_row)
    return sheet


ROW_HEIGHT = 15


def _date_marks(rows: Sequence[Sequence[Any]], width: int) -> list[str | None]:
    """Per column, how its dates are styled: None without dates, with the time of day if
    some date has one."""
    marks: list[str | None] = [None] * width
    for row in rows:
        for col, value in enumerate(row):
            if isinstance(value, dt.date) and marks[col] != sheetxml.DATETIME_STYLE:
                timed = isinstance(value, dt.datetime) and value.time() != dt.time(0)
                marks[col] = sheetxml.DATETIME_STYLE if timed else sheetxml.DATE_STYLE
    return marks


def text_lines(text: Any, width: float) -> int:
    """How many lines `text` takes when wrapped at words in a column `width` characters wide."""
    if not isinstance(text, str) or not text:
        return 1
    width = max(width, 4)
    count = 0
    for part in str(text).split("\n"):
        lines, used = 1, 0.0
        for word in part.split():
            if used and used + 1 + len(word) > width:
                lines, used = lines + 1, 0.0
            used += len(word) + (1 if used else 0)
            while used > width:  # a word longer than the column breaks inside itself
                lines, used = lines + 1, used - width
        count += lines
    return count


def printable(sheet: Any, header_row: int = 0) -> None:
    """Landscape A4, all columns on one page width, the header on every page."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


_PLAIN_TYPES = (str, bool, int, dt.date)


def plain(value: Any) -> Any:
    """pandas scalars (Timestamp, numpy numbers, NA) as plain Python values."""
    if value is None or type(value) in _PLAIN_TYPES or isinstance(value, dt.date):
        return value  # the common case, checked first: this runs for every cell
    if type(value) is float:
        return None if math.isnan(value) else value
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, str | bytes) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value
