"""Regenerate the committed workbooks in tests/data/ that only another program can make.

Run by hand, needs LibreOffice (`soffice` on PATH); CI only reads the results:

    python tests/data/make_fixtures.py

Each file starts as the clean form of tests/conftest.py (FormBuilder), written with openpyxl,
sometimes with formulas put in; LibreOffice then opens it, computes every formula and saves it
in the target format, as a school's LibreOffice would. README.md beside this file lists them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent)]  # tests/ (conftest), the repo

from conftest import (  # noqa: E402
    AGE,
    END,
    EXPERIENCE,
    KUZNETSOVA,
    LEBEDEVA,
    LINKS,
    MENTEES,
    MENTOR_NAME,
    MENTORS,
    NAME,
    ORDER_DATE,
    PETROVA,
    POSITION,
    SOKOLOV,
    START,
    T_TEACHERS,
    TITLE,
    VOLKOV,
    ZAITSEVA,
    FormBuilder,
    merge_like_a_clerk,
)

MAX_BYTES = 30 * 1024
# LibreOffice export filters by target extension.
FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xlsm": "xlsm:Calc MS Excel 2007 VBA XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
}
# The cell that lo_bad_date.* spoils: 31 September does not exist.
BAD_DATE = "31.09.2026"
# lo_error_cells.xlsx: (sheet, person or (mentor, mentee), column, formula) -> what Excel shows.
ERROR_CELLS = (
    (MENTEES, VOLKOV, AGE, "=NA()"),  # #N/A
    (MENTORS, PETROVA, EXPERIENCE, "=1/0"),  # #DIV/0!
    (LINKS, (SOKOLOV, ZAITSEVA), START, "=#REF!+1"),  # #REF! (a reference to a deleted cell)
    (MENTORS, SOKOLOV, POSITION, '="учитель"+1'),  # #VALUE!
)


def _convert(source: Path, ext: str, target: Path) -> None:
    """LibreOffice opens `source`, recalculates, and saves it as `target`."""
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", FILTERS[ext], "--outdir", out, str(source)],
            check=True, capture_output=True, timeout=180)
        made = Path(out) / f"{source.stem}.{ext}"
        if not made.exists():
            raise RuntimeError(f"LibreOffice did not write {made.name}")
        shutil.copyfile(made, target)
    size = target.stat().st_size
    if size > MAX_BYTES:
        raise RuntimeError(f"{target.name} is {size} bytes, over {MAX_BYTES}")
    print(f"{target.name}: {size} bytes")


def _with_edits(form: FormBuilder, path: Path,
                edit: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    form.save(path)
    if edit is not None:
        book = openpyxl.load_workbook(path)
        edit(book)
        book.save(path)
    return path


def _cell(form: FormBuilder, sheet: str, who: str | tuple[str, str], column: str) -> str:
    """The A1 address of a person's (or a link's) cell in a column, as FormBuilder writes it."""
    row = form.link_row(*who) if isinstance(who, tuple) else form.row_of(sheet, who)
    return _cell_at(form, sheet, row, column)


def _cell_at(form: FormBuilder, sheet: str, row: int, column: str) -> str:
    col = form.tables[sheet]["headers"].index(column) + 1
    return f"{get_column_letter(col)}{row}"


def formulas_cached(form: FormBuilder) -> Callable[[openpyxl.Workbook], None]:
    """The clean form with the formulas schools really use; LibreOffice stores their values."""

    def edit(book: openpyxl.Workbook) -> None:
        # «№» as =ROW()-1 on every list
        for sheet in (MENTORS, MENTEES):
            for row in form.rows(sheet):
                book[sheet].cell(row=row, column=1, value=f"=ROW()-{form.header_row(sheet)}")
        # the mentor's name on «Пары и группы» taken from «Наставники» by reference
        name_col = get_column_letter(form.tables[MENTORS]["headers"].index(NAME) + 1)
        links = book[LINKS]
        for row in form.rows(LINKS):
            mentor = form.get(LINKS, row, MENTOR_NAME)
            source = form.row_of(MENTORS, mentor)
            links[_cell_at(form, LINKS, row, MENTOR_NAME)] = f"='{MENTORS}'!{name_col}{source}"
        # numbers and dates computed
        book[MENTEES][_cell(form, MENTEES, VOLKOV, AGE)] = "=6*2"
        book[MENTEES][_cell(form, MENTEES, LEBEDEVA, AGE)] = "=10+3"
        for who, column, formula in (((SOKOLOV, ZAITSEVA), START, "=DATE(2026,9,1)"),
                                     ((SOKOLOV, ZAITSEVA), ORDER_DATE, "=DATE(2026,8,28)"),
                                     ((KUZNETSOVA, ZAITSEVA), END, "=DATE(2026,8,31)")):
            cell = links[_cell(form, LINKS, who, column)]
            cell.value = formula
            cell.number_format = "DD.MM.YYYY"
        book[TITLE][f"B{form.title_row(T_TEACHERS)}"] = "=30+10"

    return edit


def error_cells(form: FormBuilder) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        for sheet, who, column, formula in ERROR_CELLS:
            book[sheet][_cell(form, sheet, who, column)] = formula

    return edit


def main() -> None:
    if shutil.which("soffice") is None:
        sys.exit("LibreOffice (soffice) is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clean = _with_edits(FormBuilder(), work / "lo_clean.xlsx")
        for ext in ("xlsx", "xls", "ods", "xlsm"):
            _convert(clean, ext, HERE / f"lo_clean.{ext}")

        form = FormBuilder()
        form.set(LINKS, form.link_row(SOKOLOV, ZAITSEVA), START, BAD_DATE)
        bad = _with_edits(form, work / "lo_bad_date.xlsx")
        for ext in ("xls", "ods"):
            _convert(bad, ext, HERE / f"lo_bad_date.{ext}")

        form = FormBuilder()
        cached = _with_edits(form, work / "lo_formulas_cached.xlsx", formulas_cached(form))
        _convert(cached, "xlsx", HERE / "lo_formulas_cached.xlsx")

        form = FormBuilder()
        errors = _with_edits(form, work / "lo_error_cells.xlsx", error_cells(form))
        _convert(errors, "xlsx", HERE / "lo_error_cells.xlsx")

        form = FormBuilder()
        merged = _with_edits(form, work / "lo_merged.xlsx", merge_like_a_clerk(form))
        for ext in ("xls", "ods"):
            _convert(merged, ext, HERE / f"lo_merged.{ext}")


if __name__ == "__main__":
    main()
