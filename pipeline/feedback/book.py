"""The feedback marked with openpyxl: for what `pipeline.feedback.package` does not edit as
text (an .xlsm, our own feedback sent back, an odd package), and the .xlsx copy of an .xls or
.ods.
openpyxl keeps the school's formatting but drops drop-downs kept in extension lists; they are
re-created from the schema.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import warnings
from collections import defaultdict
from collections.abc import Iterator
from copy import copy as copy_of
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

import pipeline.feedback.marks as feedback
from pipeline import issues as iss
from pipeline.droplists import DROP_DOWN_ERROR, list_cells, quoted, vocabularies
from pipeline.engine.sheetxml import column_letter
from pipeline.feedback.marks import (
    AUTHOR,
    NOTE,
    SHEET_NAME,
    TABLE_HEADER_ROW,
    TABLE_HEADERS,
    TABLE_WIDTHS,
    WRAPPED,
    Listed,
    comment_text,
    marked_places,
    missing_drop_downs,
)
from pipeline.read import Form, open_workbook
from pipeline.validate import FileResult
from pipeline.workbooks import PAGE_NUMBERS, atomic_path, text_lines
from schemas.columns import LISTS_SHEET

FILLS = {severity: PatternFill("solid", fgColor=rgb) for severity, rgb in feedback.FILLS.items()}
_FONT = "Calibri"
_BOLD = Font(name=_FONT, bold=True)
_PLAIN = Font(name=_FONT)
_HEADER_FILL = PatternFill("solid", fgColor=feedback.HEADER_FILL)
_TOP = Alignment(vertical="top", wrap_text=True)
_LEFT = Alignment(horizontal="left")
_FILL_RANK = {FILLS[s].fgColor.rgb: iss.SEVERITY_ORDER[s] for s in FILLS}  # the worst wins


def write(form: Form, result: FileResult, out: Path, receipt: list[tuple[str, Any]],
          listed: Listed) -> Path:
    """The feedback workbook for one checked file (`pipeline.feedback.marks` lays out the
    receipt and the list); returns its path."""
    with _collector_paused():
        try:
            book = _feedback_book(form, result, receipt, listed, copy=False)
            with atomic_path(Path(out)) as tmp:
                book.save(tmp)
        except (IllegalCharacterError, ValueError, TypeError, KeyError, AttributeError):
            # the school's workbook holds something openpyxl cannot write back (control
            # characters, odd parts): the school gets an .xlsx copy of its values instead
            book = _feedback_book(form, result, receipt, listed, copy=True)
            with atomic_path(Path(out)) as tmp:
                book.save(tmp)
    return Path(out)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading and writing a school's workbook allocates enough to start the cycle collector
    a dozen times, and now and then a full pass over every object of the run (a worker is
    forked from it): ~15% of the time with a regional run's objects alive. Nothing of the
    workbook is garbage before the workbook is dropped, so the passes find nothing; its
    cycles go at the collector's next pass, after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _feedback_book(form: Form, result: FileResult, receipt: list[tuple[str, Any]],
                   listed: Listed, *, copy: bool) -> Any:
    book, marked = _school_book(form, copy=copy)
    _remove_our_traces(book)
    sheet = book.create_sheet(SHEET_NAME, 0)
    _write_receipt(sheet, receipt)
    _write_table(sheet, listed)
    if marked:
        _mark(book, form, listed)
        _restore_drop_downs(book, form)
    book.active = 0
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = ws.title == SHEET_NAME
    return book


def cell_text(value: Any) -> Any:
    """A text openpyxl will write: characters XML cannot hold are escaped as Excel stores
    them («_x0001_»), so a school's control character is shown, not fatal."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return value


# --- the school's workbook ---------------------------------------------------------------


def _school_book(form: Form, *, copy: bool = False) -> tuple[Any, bool]:
    """The school's workbook to mark, and whether its form sheets are in it."""
    if form.rejected or not form.tables:
        return _empty_book(), False
    if form.kind in ("xlsx", "xlsm") and not copy:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions
                return openpyxl.load_workbook(form.path, rich_text=False), True
        except Exception:
            pass
    return _copy_of_values(form), True


def _empty_book() -> Any:
    book = openpyxl.Workbook()
    book.remove(book.active)
    return book


def _copy_of_values(form: Form) -> Any:
    """An .xlsx holding the values of every sheet of the school's file (.xls, .ods)."""
    source = open_workbook(Path(form.path))
    book = _empty_book()
    for name in source.sheet_names:
        sheet = book.create_sheet(name[:31])
        grid = source.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for r, row in enumerate(grid, start=1):
            for col, value in enumerate(row, start=1):
                if value == "" or value is None:
                    continue
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                cell = sheet.cell(row=r, column=col, value=cell_text(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text, even «=1+1»
                elif isinstance(value, dt.date | dt.datetime):
                    cell.number_format = "DD.MM.YYYY"
        for col in range(1, (max((len(r) for r in grid), default=0)) + 1):
            sheet.column_dimensions[column_letter(col)].width = 18
    return book


def _remove_our_traces(book: Any) -> None:
    """A school may resend our own feedback file: drop our old list and comments."""
    if SHEET_NAME in book.sheetnames:
        del book[SHEET_NAME]
    for sheet in book.worksheets:
        # the cells the file has: iter_rows() would make a cell of every blank in the used
        # range, for nothing but to be looked at and skipped again when the book is saved
        for cell in sheet._cells.values():
            if cell.comment is not None and cell.comment.author == AUTHOR:
                cell.comment = None


# --- «Замечания» -----------------------------------------------------------------------------


def _write_receipt(sheet: Any, rows: list[tuple[str, Any]]) -> None:
    last = column_letter(len(TABLE_HEADERS))
    for r, (label, value) in enumerate(rows, start=1):
        sheet.cell(row=r, column=1, value=label).font = _BOLD
        if value is not None:
            cell = sheet.cell(row=r, column=2, value=cell_text(value))
            if isinstance(value, str):
                cell.data_type = "s"
            else:
                cell.number_format = "DD.MM.YYYY HH:MM"
            cell.alignment, cell.font = _LEFT, _PLAIN
            sheet.merge_cells(f"B{r}:{last}{r}")
    sheet["A1"].font = Font(name=_FONT, bold=True, size=14)
    note = sheet.cell(row=len(rows) + 1, column=1, value=NOTE)
    note.font = Font(name=_FONT, italic=True)
    sheet.merge_cells(f"A{len(rows) + 1}:{last}{len(rows) + 1}")


def _write_table(sheet: Any, listed: Listed) -> None:
    header_row = TABLE_HEADER_ROW
    for col, (text, width) in enumerate(zip(TABLE_HEADERS, TABLE_WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=header_row, column=col, value=text)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        sheet.column_dimensions[column_letter(col)].width = width
    plain = _Look(alignment=_TOP, font=_PLAIN)
    graded = {severity: _Look(alignment=_TOP, font=_PLAIN, fill=fill)
              for severity, fill in FILLS.items()}  # «Важность» is coloured as the marks
    for r, (issue, _col, values) in enumerate(listed, start=header_row + 1):
        for c, value in enumerate(values, start=1):
            cell = (graded[issue.severity] if c == 7 else plain).give(sheet.cell(row=r, column=c))
            cell.value = cell_text(value)
            if isinstance(value, str):
                cell.data_type = "s"
        lines = max(text_lines(values[i], TABLE_WIDTHS[i] - 2) for i in WRAPPED)
        sheet.row_dimensions[r].height = 15 * max(lines, 1)
    last = header_row + max(len(listed), 1)
    sheet.auto_filter.ref = f"A{header_row}:{column_letter(len(TABLE_HEADERS))}{last}"
    sheet.freeze_panes = f"A{header_row + 1}"
    if not listed:
        sheet.cell(row=header_row + 1, column=1, value="Замечаний нет.")
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.center.text = PAGE_NUMBERS


class _Look:
    """A font, fill and alignment given to many new cells of one workbook.

    openpyxl finds a Font or an Alignment among the workbook's styles by hashing it field by
    field every time one is assigned to a cell, which costs more than the rest of the cell:
    it took most of the time of a feedback listing a few hundred problems. So the look is
    assigned to its first cell only, and the next cells get a copy of that cell's style
    indices (as openpyxl's own worksheet copier copies a style). One look serves one
    workbook: the indices are that workbook's.
    """

    def __init__(self, **attributes: Any) -> None:
        self.attributes = attributes
        self.indices: Any = None  # openpyxl's StyleArray, once a cell has the look

    def give(self, cell: Any) -> Any:
        """`cell`, which has no style of its own yet, with the look."""
        if self.indices is None:
            for name, value in self.attributes.items():
                setattr(cell, name, value)
            self.indices = copy_of(cell._style)
        else:
            cell._style = copy_of(self.indices)
        return cell


# --- marks on the school's sheets -----------------------------------------------------------


def _mark(book: Any, form: Form, listed: Listed) -> None:
    """Fill every problem cell and leave a comment; a whole row or header when no cell."""
    notes: dict[tuple[str, int, int], list[iss.Issue]] = defaultdict(list)
    for name, issue, row, col in marked_places(form, listed, book.sheetnames):
        if col is None:
            ws = book[name]
            for c in range(1, max(ws.max_column, 1) + 1):
                _fill(ws.cell(row=row, column=c), issue.severity)
        notes[(name, row, col or 1)].append(issue)
    for (name, row, col), found in notes.items():
        cell = book[name].cell(row=row, column=col)
        worst = min((i.severity for i in found), key=iss.SEVERITY_ORDER.__getitem__)
        _fill(cell, worst)
        text = comment_text(found)
        comment = Comment(cell_text(text), AUTHOR)
        comment.width = 320
        comment.height = min(60 + 18 * text_lines(text, 48), 600)
        cell.comment = comment


def _fill(cell: Any, severity: str) -> None:
    current = getattr(cell.fill, "fgColor", None)
    current_rgb = getattr(current, "rgb", None)
    if current_rgb in _FILL_RANK and _FILL_RANK[current_rgb] <= iss.SEVERITY_ORDER[severity]:
        return  # a worse problem already coloured it
    cell.fill = FILLS[severity]


# --- drop-downs --------------------------------------------------------------------------------


def _restore_drop_downs(book: Any, form: Form) -> None:
    """Re-create the form's drop-down lists where the round trip lost them: openpyxl drops
    data validations kept in Excel's extension lists (as LibreOffice and newer Excel write
    cross-sheet lists)."""
    def seen(name: str, _table: Any) -> tuple[set[str], int] | None:
        if name not in book.sheetnames:
            return None
        ws = book[name]
        return ({_letters(ref) for dv in ws.data_validations.dataValidation
                 for ref in str(dv.sqref).split()}, ws.max_row)

    added_lists = False
    for name, wanted in missing_drop_downs(form, seen).items():
        for cells, vocab in wanted:
            if vocab.name not in book.defined_names:
                added_lists = added_lists or _add_lists_sheet(book, vocabularies())
            validation = DataValidation(type="list", formula1=vocab.name, allow_blank=True,
                                        showErrorMessage=True, errorTitle=DROP_DOWN_ERROR[0],
                                        error=DROP_DOWN_ERROR[1])
            validation.add(cells)
            book[name].add_data_validation(validation)


def _letters(ref: str) -> str:
    head = ref.split(":")[0]
    return "".join(ch for ch in head if ch.isalpha())


def _add_lists_sheet(book: Any, lists: dict[tuple[str, ...], Any]) -> bool:
    """A hidden «Справочники» with the form's lists (`droplists.list_cells`) and their names
    (as the template has)."""
    title = LISTS_SHEET if LISTS_SHEET not in book.sheetnames else f"{LISTS_SHEET} nastavnik"
    ws = book.create_sheet(title)
    ws.sheet_state = "hidden"
    for row, col, text in list_cells(lists.values()):
        ws.cell(row=row + 1, column=col + 1, value=text).data_type = "s"
    for vocab in lists.values():
        if vocab.name in book.defined_names:
            del book.defined_names[vocab.name]
        book.defined_names[vocab.name] = DefinedName(vocab.name,
                                                     attr_text=f"{quoted(title)}!{vocab.cells}")
    return True


__all__ = ["FILLS", "write"]
