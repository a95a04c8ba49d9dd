"""The region over several months, as a regional office sees it: the districts' monthly
reports (made by the real pipeline, one workspace per district) in one folder, `rollup
--from/--to` by the CLI, one workbook and one справка out. Also the monthly roll-up's named
tables and its pie's colours.

Two districts, September–November 2026, one school each (the conftest form: 2 pupils 10–18 in
pairs from October: pair № 4 starts on 01.10, so 1 in September). K1 = that / «Обучающихся
10–18», set per month; K5 = the mentee's score of pair № 5 ×10,
counted in the month the pair finished. Кедровый район sends no report for October.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    END,
    KUZNETSOVA,
    LINKS,
    MENTEE_SATISFACTION,
    PETROVA,
    SCHOOLS,
    T_PERIOD,
    T_PUPILS_10_18,
    ZAITSEVA,
    FormBuilder,
    table_start,
)
from openpyxl.utils import range_boundaries

from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.report import build_report, write_report_workbook
from pipeline.workspace import init_workspace

REGION = "Тестовая область"
BEREZOVSKY = "Берёзовский муниципальный округ"
KEDROVY = "Кедровый район"
MONTHS = ("2026-09", "2026-10", "2026-11")
# district -> month -> (pupils 10–18, the mentee's score of the pair finished that month)
PLAN: dict[str, dict[str, tuple[int, int | None]]] = {
    BEREZOVSKY: {"2026-09": (50, 6), "2026-10": (100, None), "2026-11": (200, 9)},
    KEDROVY: {"2026-09": (100, 10), "2026-11": (400, None)},  # no October report
}
K1 = "K1: Доля обучающихся 10–18 лет в роли наставляемых"
NOT_SENT, NONE = "не представлен", "—"


def _reports(root: Path, district: str, out: Path) -> None:
    workspace = init_workspace(root, district=district, region=REGION, schools=SCHOOLS[:1])
    for period, (pupils, score) in PLAN[district].items():
        inbox = workspace.inbox / period
        inbox.mkdir(parents=True, exist_ok=True)
        form = FormBuilder().set_title(T_PUPILS_10_18, pupils).set_title(T_PERIOD, period)
        if score is not None:  # pair № 5 finished this month, the mentee scored it so
            row = form.link_row(KUZNETSOVA, ZAITSEVA)
            year, month = map(int, period.split("-"))
            form.set(LINKS, row, END, dt.date(year, month, 20))
            form.set(LINKS, row, MENTEE_SATISFACTION, score)
        form.save(inbox / "ОО-07.xlsx")
        run_period(workspace, period)
        write_report_workbook(build_report(workspace, period),
                              out / f"Отчёт {district} {period}.xlsx")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("region")
    folder = root / "отчёты МО"
    folder.mkdir()
    _reports(root / "berez", BEREZOVSKY, folder)
    _reports(root / "kedr", KEDROVY, folder)
    result = CliRunner().invoke(cli, ["rollup", str(folder), "--from", MONTHS[0], "--to",
                                      MONTHS[-1], "--note"])
    book = root / f"Свод региона за период {REGION} {MONTHS[0]}_{MONTHS[-1]}.xlsx"
    return {"result": result, "folder": folder, "book": book,
            "note": root / f"Справка {book.stem}.docx", "root": root}


def _rows(sheet: Any, first: str) -> list[list[Any]]:
    start = table_start(sheet, first)
    return [list(r) for r in sheet.iter_rows(min_row=start, values_only=True)]


def test_each_month_side_by_side_and_the_period_by_its_rule(made: dict[str, Any]) -> None:
    result = made["result"]
    assert result.exit_code == 1, result.output  # a district missed a month
    assert f"Не сдан: {KEDROVY} — октябрь 2026" in result.output
    assert f"Свод региона за период {MONTHS[0]} — {MONTHS[-1]}: {made['book']}" in result.output
    assert list(made["folder"].iterdir()) and not any(
        "Свод" in p.name for p in made["folder"].iterdir())  # nothing written into the folder
    sheet = openpyxl.load_workbook(made["book"])["Показатели по месяцам"]
    rows = _rows(sheet, "Муниципальное образование")
    assert rows[0][:6] == ["Муниципальное образование", "Показатель", "сентябрь 2026",
                           "октябрь 2026", "ноябрь 2026", "За период"]
    by = {(r[0], r[1][:2]): r[2:7] for r in rows[1:] if r[0] and r[1]}
    approx = pytest.approx
    # K1 is a stock: the period's value is the last month's (the district's last with a value)
    assert by[(BEREZOVSKY, "K1")] == approx([1 / 50, 2 / 100, 2 / 200, 2 / 200, "последний месяц"])
    assert by[(KEDROVY, "K1")] == approx([1 / 100, NOT_SENT, 2 / 400, 2 / 400, "последний месяц"])
    # the region's month from the districts counted that month: October is Берёзовский's alone
    assert by[("Итого по региону", "K1")] == approx(
        [2 / 150, 2 / 100, 4 / 600, 4 / 600, "последний месяц"])
    # K5 is a flow: the mentees' scores summed over the months / the pairs finished
    assert by[(BEREZOVSKY, "K5")] == approx([0.6, NONE, 0.9, (6 + 9) / 2 / 10, "сумма за месяцы"])
    assert by[(KEDROVY, "K5")] == approx([1.0, NOT_SENT, NONE, 1.0, "сумма за месяцы"])
    assert by[("Итого по региону", "K5")] == approx(
        [(6 + 10) / 2 / 10, NONE, 0.9, (6 + 10 + 9) / 3 / 10, "сумма за месяцы"])
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$5:$5"
    # one page wide (Excel's default width 1 is not written), as many pages long as it takes
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0

    book = openpyxl.load_workbook(made["book"])
    assert book.sheetnames == ["Показатели по месяцам", "Динамика", "Сдача отчётов"]
    submitted = {r[0]: r[1:] for r in _rows(book["Сдача отчётов"], "Муниципальное образование")}
    assert submitted[KEDROVY] == ["принят", NOT_SENT, "принят", 2, 0, 1]
    assert submitted[BEREZOVSKY] == ["принят", "принят", "принят", 3, 0, 0]
    trend = book["Динамика"]
    assert len(trend._charts) == 2  # coverage and satisfaction, native line charts
    with zipfile.ZipFile(made["book"]) as package:
        charts = [package.read(n).decode() for n in package.namelist()
                  if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 and all("<c:lineChart>" in c for c in charts)
    assert "(регион)" in charts[0]


def test_the_long_sheets_are_named_tables_with_the_regions_rows_below(made: dict[str, Any]):
    book = openpyxl.load_workbook(made["book"])
    found = {s.title: list(s.tables.values()) for s in book.worksheets}
    (months,) = found["Показатели по месяцам"]
    (submitted,) = found["Сдача отчётов"]
    assert (months.name, submitted.name) == ("Показатели_по_месяцам", "Сдача_отчётов")
    # the header in row 5 (under the title block), 2 districts × 6 indicators; «Итого» below
    assert months.ref == "A5:G17"  # 2 + 3 months + «За период» + the rule
    assert book["Показатели по месяцам"].cell(18, 1).value == "Итого по региону"
    assert submitted.ref == "A5:G7"
    sheet = book["Показатели по месяцам"]
    assert [c.name for c in months.tableColumns] == [sheet.cell(5, c).value for c in range(1, 8)]


def test_the_note_names_the_district_that_missed_a_month(made: dict[str, Any]) -> None:
    import docx

    assert f"Справка региона за период: {made['note']}" in made["result"].output
    document = docx.Document(str(made["note"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "в муниципальных образованиях Тестовой области" in text
    assert "за сентябрь — ноябрь 2026 года" in text
    assert f"«{KEDROVY}» — за октябрь 2026 года" in text
    assert BEREZOVSKY not in text.split("Представление отчётов")[1].split("Рекомендации")[0]
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows[0][1:4] == ["сентябрь 2026", "ноябрь 2026", "За период"]
    assert rows[1][1:4] == ["1,3", "0,7", "0,7"]  # K1: 2 of 150, 4 of 600
    for person in (PETROVA, KUZNETSOVA, ZAITSEVA):  # SPEC §5
        assert person.split()[0] not in text


def test_half_is_september_to_december_and_reports_the_months_so_far(made: dict[str, Any]):
    out = made["root"] / "полугодие.xlsx"
    result = CliRunner().invoke(cli, ["rollup", str(made["folder"]), "--half", "2026-1",
                                      "-o", str(out)])
    assert result.exit_code == 1, result.output
    sheet = openpyxl.load_workbook(out)["Показатели по месяцам"]
    assert "Полугодие ещё идёт: за декабрь 2026" in sheet.cell(4, 1).value
    assert _rows(sheet, "Муниципальное образование")[0][4:6] == ["ноябрь 2026", "За период"]


def test_period_options_are_checked_in_russian(made: dict[str, Any]) -> None:
    runner = CliRunner()
    for args in (["--period", "2026-11", "--half", "2026-1"], ["--from", "2026-09"], []):
        result = runner.invoke(cli, ["rollup", str(made["folder"]), *args])
        assert result.exit_code == 2, result.output
        assert "укажите" in result.output and "Traceback" not in result.output


def test_monthly_rollup_tables_and_the_pies_colours(made: dict[str, Any]) -> None:
    out = made["root"] / "октябрь.xlsx"
    result = CliRunner().invoke(cli, ["rollup", str(made["folder"]), "--period", "2026-10",
                                      "-o", str(out)])
    # the other months' reports in the folder are listed as for another month
    assert result.exit_code == 1, result.output
    book = openpyxl.load_workbook(out)
    names = {s.title: [t.name for t in s.tables.values()] for s in book.worksheets}
    assert names == {"Показатели": [], "Численность": ["Численность"],
                     "Документы": ["Документы"], "Диаграммы": [], "Сдача": ["Сдача"],
                     "Замечания": ["Замечания"]}
    for title in ("Численность", "Документы", "Сдача"):
        sheet = book[title]
        (table,) = sheet.tables.values()
        # one district: the header in row 6, its row, «Итого по региону» below the table
        assert range_boundaries(table.ref)[1::2] == (6, 7), title
        assert sheet.cell(8, 1).value == "Итого по региону" and sheet.max_row == 8, title
        assert sheet.auto_filter.ref is None, title
    with zipfile.ZipFile(out) as package:
        pie = next(package.read(n).decode() for n in package.namelist()
                   if n.startswith("xl/charts/") and "<c:pieChart>" in package.read(n).decode())
    # «Учтены», «Отклонены», «Не сдали»: green, grey, red — each its own colour
    assert re.findall(r'<a:srgbClr val="([0-9A-F]{6})"/>', pie)[:3] == [
        "70AD47", "7F7F7F", "C00000"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_workbook_and_the_note(made: dict[str, Any], tmp_path: Path):
    for source in (made["book"], made["note"]):
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/u",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                       check=True, capture_output=True, timeout=300)
        assert (tmp_path / f"{source.stem}.pdf").stat().st_size > 10_000
