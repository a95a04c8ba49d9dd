"""Every output table is written as schemas/outputs.py declares it, and only from there."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline import district
from pipeline.cli import cli
from pipeline.workbooks import header_width
from pipeline.workspace import School, init_workspace
from schemas import outputs as out
from schemas.columns import FORM_SHEETS, TITLE

NOV = "2026-11"
PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"


def _month(tmp_path: Path, form) -> Path:
    """A district of two schools, one of which reported, run and reported by the CLI."""
    workspace = init_workspace(tmp_path / "ws", district="Тестовый район",
                               region="Тестовая обл.",
                               schools=(School("ОО-07", "МБОУ «СОШ № 7»"),
                                        School("ОО-09", "МБОУ «ООШ № 9»")))
    form.save(workspace.inbox / NOV / "7.xlsx")
    runner = CliRunner()
    for args in (["run", "-w", str(workspace.root), "--period", NOV],
                 ["report", "-w", str(workspace.root), "--period", NOV]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    return workspace.root


def _header_row(sheet, first: str) -> int:
    return next(r for r in range(1, 12) if sheet.cell(r, 1).value == first)


def _assert_as_declared(book, table: out.OutputTable, *, more: bool = False) -> None:
    """The table's headers in order, then no other column (unless `more`: columns made from
    the data follow), with the declared widths."""
    sheet = book[table.sheet]
    row = _header_row(sheet, table.headers[0])
    read = [sheet.cell(row, c).value for c in range(1, len(table.columns) + 2)]
    assert read[:-1] == table.headers, table.sheet
    assert more or read[-1] is None, table.sheet
    widths = {}  # a run of columns of one width is stored once, for its first column
    for dimension in sheet.column_dimensions.values():
        widths.update(dict.fromkeys(range(dimension.min, dimension.max + 1), dimension.width))
    for n, column in enumerate(table.columns, start=1):
        width = widths[n]
        least = max(column.width, header_width(column.header))
        # xlsxwriter stores a width with the padding of a character's cell (under one unit);
        # a fitted column may be wider, to its longest text
        assert least <= width, (table.sheet, column.header, width)
        if not column.fit:
            assert width < least + 1, (table.sheet, column.header, width)


def test_every_sheet_has_the_declared_headers_and_widths(tmp_path, form) -> None:
    root = _month(tmp_path, form)
    book = openpyxl.load_workbook(root / "outbox" / NOV / out.district_book_name(NOV))
    assert book.sheetnames == list(district.SHEETS)
    for table in (*out.DISTRICT_TABLES, *district.LIST_TABLES):
        _assert_as_declared(book, table)

    report = next((root / "outbox" / NOV).glob(out.report_name("*", NOV)))
    book = openpyxl.load_workbook(report)
    _assert_as_declared(book, out.COUNTS, more=True)  # then «Форма: …», «Вид: …», «Статус: …»
    for table in (out.DOCUMENTS, out.DATA):
        _assert_as_declared(book, table)
    sheet = book[out.INDICATORS.sheet]
    row = _header_row(sheet, out.INDICATORS.headers[0])
    assert [sheet.cell(row, c).value for c in range(1, 4)] == out.INDICATORS.headers

    folder = tmp_path / "districts"
    folder.mkdir()
    (folder / report.name).write_bytes(report.read_bytes())
    target = tmp_path / "region.xlsx"
    result = CliRunner().invoke(cli, ["rollup", "--period", NOV, str(folder), "-o", str(target)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    for table in (out.SUBMISSIONS, out.ROLLUP_PROBLEMS):
        _assert_as_declared(book, table)
    sheet = book[out.ROLLUP_INDICATORS.sheet]
    row = _header_row(sheet, out.ROLLUP_INDICATORS.headers[0])
    assert [sheet.cell(row, c).value for c in range(1, 3)] == out.ROLLUP_INDICATORS.headers


def test_a_column_added_to_a_declaration_appears_in_the_workbooks(tmp_path, form,
                                                                   monkeypatch) -> None:
    monkeypatch.setattr(out, "SUMMARY", out.SUMMARY.with_columns(out.OutputColumn(
        "Файлов за месяц", 15, "files")))
    monkeypatch.setattr(out, "DOCUMENTS", out.DOCUMENTS.with_columns(out.OutputColumn(
        "Статус отчёта", 21, "status")))
    root = _month(tmp_path, form)
    book = openpyxl.load_workbook(root / "outbox" / NOV / out.district_book_name(NOV))
    _assert_as_declared(book, out.SUMMARY)
    sheet = book[out.SUMMARY.sheet]
    assert [sheet.cell(r, len(out.SUMMARY.columns)).value for r in (1, 2, 3)] == ["Файлов за месяц", 1, 0]

    report = next((root / "outbox" / NOV).glob(out.report_name("*", NOV)))
    book = openpyxl.load_workbook(report)
    _assert_as_declared(book, out.DOCUMENTS)
    sheet = book[out.DOCUMENTS.sheet]
    row = _header_row(sheet, "Код ОО")
    assert sheet.cell(row + 1, 8).value == "принят"


def test_tables_that_leave_the_district_carry_no_name() -> None:
    """SPEC §5: the report and the roll-up are aggregates; the district lists mark their
    name columns from the form's columns, and those are pseudonymised without consent."""
    public = [t for t in (*out.REPORT_TABLES, *out.ROLLUP_TABLES, *out.CHART_TABLES,
                          *out.NOTE_TABLES)]
    assert all(t.public and not t.indices("personal") for t in public)
    for sheet, table in zip(district.LISTS, district.LIST_TABLES, strict=True):
        named = {c.header for c in sheet.data_columns if c.personal}
        assert named and {table.columns[n].header for n in table.indices("personal")} == named


def _literals(path: Path) -> set[str]:
    return set(re.findall(r'"([^"\n]+)"', path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("module", ["district", "report", "rollup", "note", "status",
                                    "consolidate"])
def test_no_declared_header_or_sheet_is_written_again(module: str) -> None:
    """A header of a declared table, a sheet's name or an output file's name is a string in
    schemas/outputs.py, not again in the modules that write the outputs (the form's own
    headers, which some output columns repeat, are schemas/columns.py's)."""
    tables = (*out.DISTRICT_TABLES, *district.LIST_TABLES, *out.REPORT_TABLES,
              *out.ROLLUP_TABLES, *out.CHART_TABLES, *out.ROLLUP_CHART_TABLES,
              *out.NOTE_TABLES)
    form = {c.header for s in (*FORM_SHEETS, TITLE) for c in s.columns}
    declared = ({h for t in tables for h in t.headers} | {t.sheet for t in tables if t.sheet}
                | set(out.COUNT_LABELS.values())) - form
    package = PIPELINE / module  # a module split into a package: each of its files
    paths = sorted(package.glob("*.py")) if package.is_dir() else [PIPELINE / f"{module}.py"]
    found = set().union(*(_literals(path) for path in paths)) & declared
    assert not found
    text = "".join(path.read_text(encoding="utf-8") for path in paths)
    assert not re.search(r'f"Свод_|"не представлен"|"отклонён"|"заменён более новым"', text)
