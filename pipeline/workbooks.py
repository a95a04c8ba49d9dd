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

from pipeline import __version__
from pipeline.engine import sheetxml
from pipeline.errors import causes
from pipeline.paths import staging_dir
from schemas.outputs import DATE, PERCENT, OutputTable

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
        try:
            yield Path(tmp)
        except Exception as exc:
            refused = _refused(exc, tmp)
            if refused is None:
                raise
            raise _naming(refused, path) from exc
        try:
            os.replace(tmp, path)
        except OSError as exc:  # a folder of that name, the file open in Excel
            raise _naming(exc, path) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _refused(exc: BaseException, tmp: str) -> OSError | None:
    """The system's refusal to write the staged file, if that is what `exc` is or wraps
    (xlsxwriter wraps it in its FileCreateError)."""
    return next((c for c in causes(exc) if isinstance(c, OSError)
                 and tmp in (c.filename, c.filename2)), None)


def _naming(exc: OSError, path: Path) -> OSError:
    """The same refusal, naming the output the user knows rather than the staged file."""
    return OSError(exc.errno, exc.strerror, str(path))


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
        # rows rendered as XML (pipeline/engine/sheetxml.py) style their dates before the workbook
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
                later: sheetxml.Later | None = None, fit: Sequence[int] = (),
                numbers: dict[int, Any] | None = None, repeat_columns: int = 0,
                table_name: str | None = None, totals: int = 0, cells: bool = False) -> Any:
    """A sheet with a header row, frozen, with filters, holding `rows` as typed cells.

    Columns in `wrap` wrap their text; their rows are given the height the text needs, since
    LibreOffice does not grow a row written without one. The header goes in `start_row`
    (0-based), leaving the rows above for `caption`, which writes them first (in a large
    workbook rows must be written in order). Columns in `dates` are formatted as dates.
    `placed_later`: rows put below the header after the workbook is closed
    (pipeline/engine/sheetxml.py), which the filter must cover. No column is narrower than its
    header's longest word; the columns in `fit` are as wide as their longest text (capped).
    `numbers` maps a column to the format of its fractional numbers (a percentage's
    rounding); whole numbers (counts) stay as they are.
    `repeat_columns`: the first columns printed on every page of a table too wide for one.
    `table_name`: the header and rows are an Excel table of that name (a ListObject, added
    with `later` once the workbook is closed, pipeline/engine/sheetxml.py `Table`), whose own
    filter replaces the sheet's; a table without rows keeps one blank row, as Excel's does.
    `totals`: the last rows («Итого») stay just below the table, out of a PivotTable's sums.

    With `later` (and no wrapped column), `rows` are rendered as XML and left with it to be
    placed once the workbook is closed: several times faster than xlsxwriter's cells for
    tables of thousands of rows. Columns holding dates are then formatted as dates (or with
    the time of day, if some value has one) without being named in `dates`. `cells`: the
    rows are xlsxwriter's cells all the same (a short list whose cells are written over
    afterwards, such as a total row in bold), `later` only adds the table.
    """
    numbers = numbers or {}
    marks = None
    widths = fitted_widths(headers, widths, rows, fit)
    if later is not None and not wrap and not cells:
        rows = [[plain(value) for value in row] for row in rows]
        marks = _date_marks(rows, len(headers))
        dates = [*dates, *[c for c, mark in enumerate(marks) if mark == sheetxml.DATE_STYLE]]
        for col, number_format in numbers.items():
            marks[col] = str(number_format._get_xf_index())
        placed_later += len(rows)
    sheet = book.add_worksheet(name)
    if caption is not None:
        caption(sheet)
    for col, header in enumerate(headers):
        sheet.write_string(start_row, col, header, formats.header)
        sheet.set_column(col, col, widths[col], formats.wrap if col in wrap else
                         numbers[col] if col in numbers else
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
                # its own format: a row given a height carries a format that would unwrap it
                sheet.write_string(r, col, value, formats.wrap if col in wrap else None)
            elif col in numbers and isinstance(value, float):
                sheet.write_number(r, col, value, numbers[col])
            elif value is not None:
                write_cell(sheet, r, col, value, formats)
    sheet.freeze_panes(start_row + 1, 0)
    if table_name is None:
        sheet.autofilter(start_row, 0, start_row + max(len(rows) + placed_later, 1),
                         max(len(headers) - 1, 0))
    elif later is None:
        raise ValueError("an Excel table is added with `later`")
    else:
        later.table(sheetxml.Table(len(book.worksheets()) - 1, table_name, start_row + 1,
                                   len(rows) + placed_later - totals, tuple(headers)))
    printable(sheet, start_row, widths=widths, repeat_columns=repeat_columns)
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


# how wide a sheet may be (in characters of column width) and still be printed on one page's
# width at a size people read: a landscape A4 page holds about 135 characters of Calibri at
# 100 % (a portrait one 95), so fitting 170 shrinks it to 80 % at most; a wider table is split
# across pages instead of shrunk
PAGE_WIDTH = 135
PORTRAIT_WIDTH = 95
FIT_WIDTH = 170
PAGE_NUMBERS = "Страница &P из &N"
FOOTER = "&C" + PAGE_NUMBERS  # centred


def printable(sheet: Any, header_row: int = 0, *, widths: Sequence[float] | None = None,
              first_header_row: int | None = None, repeat_columns: int = 0) -> None:
    """A4 with page numbers in the footer and the header rows (`first_header_row` to
    `header_row`, 0-based) on every page. Landscape unless `widths` (the columns' widths)
    fit a portrait page; fitted to the page's width only where that keeps the text readable
    (FIT_WIDTH): a wider table is printed across pages, a block of rows across all its
    columns before the next, with its first `repeat_columns` columns on each page."""
    total = sum(widths) if widths else FIT_WIDTH
    if total <= PORTRAIT_WIDTH:
        sheet.set_portrait()
    else:
        sheet.set_landscape()
    sheet.set_paper(9)
    if total <= FIT_WIDTH:
        sheet.fit_to_pages(1, 0)
    else:
        sheet.print_across()
        if repeat_columns:
            sheet.repeat_columns(0, repeat_columns - 1)
    sheet.repeat_rows(header_row if first_header_row is None else first_header_row, header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer(FOOTER)


def page_breaks(widths: Sequence[float], starts: Sequence[int], repeated: int = 0
                ) -> list[int]:
    """Where to break a table too wide for a page, only before the columns in `starts`
    (the first columns of groups that belong together), each page holding as many groups as
    fit beside the `repeated` first columns."""
    breaks: list[int] = []
    page_start = 0
    for start, end in zip(starts, [*starts[1:], len(widths)], strict=True):
        used = sum(widths[page_start:end]) + (sum(widths[:repeated]) if breaks else 0)
        if page_start < start and used > PAGE_WIDTH:
            breaks.append(start)
            page_start = start
    return breaks


def header_width(header: str) -> int:
    """The narrowest column whose header wraps at spaces only: its longest word, and a
    margin for the filter's button."""
    return max((len(word) for word in header.split()), default=0) + 3


def fitted_widths(headers: Sequence[str], widths: Sequence[int] | None,
                  rows: Sequence[Sequence[Any]] = (), fit: Sequence[int] = (),
                  cap: int = 80) -> list[int]:
    """Column widths: as given (or from the header), never narrower than the header's longest
    word; the columns in `fit` as wide as their longest text in `rows` too, up to `cap`."""
    widths = list(widths) if widths else [max(10, min(45, len(h) + 2)) for h in headers]
    widths = [max(w, header_width(h)) for w, h in zip(widths, headers, strict=True)]
    for col in fit:
        longest = max((len(value) for row in rows if col < len(row)
                       and isinstance(value := row[col], str)), default=0)
        widths[col] = max(widths[col], min(cap, longest + 2))
    return widths


def heading(formats: Formats, title: str, lines: Sequence[str]) -> dict[str, Any]:
    """`write_table`'s `start_row` and `caption` for a table under a `title_block`."""
    return {"start_row": len(lines) + 2,
            "caption": lambda sheet: title_block(sheet, formats, title, lines)}


def title_block(sheet: Any, formats: Formats, title: str, lines: Sequence[str]) -> int:
    """A sheet's opening lines: what it is (`title`, large), then `lines` (whose, which period,
    when made); returns the row below them and a blank one, where the table's header goes."""
    sheet.write_string(0, 0, title, formats.title)
    for r, line in enumerate(lines, start=1):
        sheet.write_string(r, 0, line)
    return len(lines) + 2


def made_line(made: dt.datetime | None = None) -> str:
    """When and by which version a workbook was made."""
    made = made or dt.datetime.now()
    return f"Сформирован {made:%d.%m.%Y в %H:%M} программой nastavnik {__version__}"


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


def write_output(book: xlsxwriter.Workbook, formats: Formats, table: OutputTable,
                 rows: Sequence[Sequence[Any]], **layout: Any) -> Any:
    """`write_table` for a declared table (schemas/outputs.py): its sheet, headers, widths,
    wrapped and fitted columns and number formats as declared, and an Excel table named after
    its sheet if declared one (`excel_table`, then with `later`); `layout` as `write_table`'s."""
    numbers = {n: formats.percent if c.number_format == PERCENT
               else book.add_format({"num_format": c.number_format})
               for n, c in enumerate(table.columns) if c.number_format not in (None, DATE)}
    return write_table(book, formats, table.sheet, table.headers, rows, table.widths,
                       wrap=table.indices("wrap"), fit=table.indices("fit"),
                       dates=table.formatted(DATE), numbers=numbers or None,
                       repeat_columns=table.repeat_columns,
                       table_name=sheetxml.table_name(table.sheet) if table.excel_table
                       else None, **layout)
