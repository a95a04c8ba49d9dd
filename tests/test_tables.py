"""The long lists of the district workbook and the report are named Excel tables (ListObjects):
a PivotTable or Power Query picks one up by its name, and LibreOffice opens them."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import PERIOD
from openpyxl.utils import range_boundaries

from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.engine import sheetxml
from pipeline.workspace import Workspace

DEMO_MONTH = "2026-11"
DISTRICT_TABLES = {"Сводка": "Сводка", "Сдача отчётов": "Сдача_отчётов",
                   "Наставники": "Наставники", "Наставляемые": "Наставляемые",
                   "Пары и группы": "Пары_и_группы", "Изменения": "Изменения",
                   "Замечания": "Замечания"}
REPORT_TABLES = {"Численность": "Численность", "Документы": "Документы", "Данные": "Данные"}
TOTALS = {"Численность", "Документы"}  # their «Итого» row stays below the table


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tables") / "demo"
    result = CliRunner().invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    folder = root / "outbox" / DEMO_MONTH
    return {"district": folder / f"Свод_{DEMO_MONTH}.xlsx",
            "report": next(folder.glob("Отчёт *.xlsx"))}


def _tables(path: Path) -> dict[str, tuple[str, object]]:
    """Per sheet with a table: (its name, the table), read back by openpyxl."""
    book = openpyxl.load_workbook(path)
    found = {}
    for sheet in book.worksheets:
        for table in sheet.tables.values():
            found[sheet.title] = (table.name, table, sheet)
    return found


@pytest.mark.parametrize(("which", "expected"), [("district", DISTRICT_TABLES),
                                                 ("report", REPORT_TABLES)])
def test_each_long_list_is_a_named_table_over_its_header_and_every_row(demo, which, expected):
    tables = _tables(demo[which])
    assert {title: name for title, (name, _, _) in tables.items()} == expected
    for title, (_, table, sheet) in tables.items():
        first_col, header_row, last_col, last_row = range_boundaries(table.ref)
        headers = [sheet.cell(header_row, c).value for c in range(first_col, last_col + 1)]
        # Excel repairs a file whose table columns are not named as the header cells
        assert [c.name for c in table.tableColumns] == headers, title
        assert first_col == 1 and last_col == sheet.max_column, title
        assert sheet.freeze_panes == f"A{header_row + 1}", title
        below = last_row + 1 if title in TOTALS else last_row
        assert below == sheet.max_row, title  # every data row, nothing more
        if title in TOTALS:
            assert sheet.cell(sheet.max_row, 1).value == "Итого"
        assert table.autoFilter.ref == table.ref
        assert sheet.auto_filter.ref is None, title  # the table's filter, not a second one
    # the lists hold many rows, all inside their table
    _, longest, _ = tables["Пары и группы" if which == "district" else "Данные"]
    assert range_boundaries(longest.ref)[3] > 50


def test_a_month_without_rows_keeps_each_table_with_one_blank_row(workspace: Workspace):
    """Excel stores an emptied table so; a PivotTable or query made on the table by name
    keeps working next month, when rows come."""
    result = run_period(workspace, PERIOD)
    tables = _tables(Path(result.outputs["consolidated"]))
    for title in ("Наставники", "Наставляемые", "Пары и группы", "Замечания"):
        name, table, sheet = tables[title]
        assert table.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}2", title
        assert all(cell.value is None for cell in sheet[2]), title


def test_the_table_part_is_what_xlsxwriter_writes_for_the_same_table(tmp_path):
    headers = ("Код ОО", "№ пары/группы", "K1, %", "Мать & дочь", "<да>")
    path = tmp_path / "x.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Пары и группы")
    sheet.write_row(0, 0, headers)
    sheet.add_table(0, 0, 3, len(headers) - 1, {
        "name": "Пары_и_группы", "style": None,
        "columns": [{"header": h} for h in headers]})
    book.close()
    with zipfile.ZipFile(path) as package:
        theirs = package.read("xl/tables/table1.xml").decode()
    ours = sheetxml.table_xml(1, sheetxml.Table(0, "Пары_и_группы", 1, 3, headers))
    assert ours == theirs


def test_table_parts_come_last_but_extlst_in_a_sheet_and_its_rels_and_types_name_them(demo):
    with zipfile.ZipFile(demo["district"]) as package:
        types = package.read("[Content_Types].xml").decode()
        for k in range(1, len(DISTRICT_TABLES) + 1):
            sheet = package.read(f"xl/worksheets/sheet{k}.xml").decode()
            rels = package.read(f"xl/worksheets/_rels/sheet{k}.xml.rels").decode()
            (rid,) = re.findall(r'<tablePart r:id="(rId\d+)"/>', sheet)
            assert re.search(r"</headerFooter>(<rowBreaks.*?</rowBreaks>|<colBreaks.*?"
                             r"</colBreaks>)*<tableParts count=\"1\">.*</tableParts>"
                             r"</worksheet>$", sheet), k
            (target,) = re.findall(rf'Id="{rid}" Type="[^"]*/table" Target="\.\./([^"]+)"',
                                   rels)
            assert f'PartName="/xl/{target}" ContentType="{sheetxml.TABLE_TYPE}"' in types
            assert "_FilterDatabase" not in package.read("xl/workbook.xml").decode()


@pytest.mark.parametrize(("sheet", "name"), [
    ("Сдача отчётов", "Сдача_отчётов"), ("Пары и группы", "Пары_и_группы"),
    ("Данные", "Данные"), ("1 класс", "_1_класс"), ("R1C1", "_R1C1"), ("AB12", "_AB12"),
    ("C", "_C"), ("Свод (МО)", "Свод_МО")])
def test_a_sheet_name_becomes_a_valid_table_name(sheet, name):
    assert sheetxml.table_name(sheet) == name


def test_two_tables_of_one_name_or_a_column_named_twice_are_refused():
    with pytest.raises(ValueError, match="not unique"):
        sheetxml._check_tables([sheetxml.Table(0, "Данные", 1, 1, ("a",)),
                                sheetxml.Table(1, "данные", 1, 1, ("b",))])
    with pytest.raises(ValueError, match="named twice"):
        sheetxml._check_tables([sheetxml.Table(0, "Данные", 1, 1, ("a", "A"))])


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_tables_and_writes_them_back(demo, tmp_path):
    for which in ("district", "report"):
        source = tmp_path / f"{which}.xlsx"
        shutil.copy(demo[which], source)
        out = tmp_path / f"lo-{which}"
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/u",
                        "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                       check=True, capture_output=True, timeout=300)
        again = {title: (name, table.ref) for title, (name, table, _)
                 in _tables(out / source.name).items()}
        assert again == {title: (name, table.ref) for title, (name, table, _)
                         in _tables(source).items()}
        assert again, which
