"""The region's roll-up as a regional office sees it: district reports in a folder, one workbook out.

The district reports are made by the real pipeline (workspace → inbox → run → report), one
workspace per district; the districts differ in «Обучающихся в возрасте 10–18 лет», so the
region's K1 differs from an average of the districts' percentages.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import (
    END,
    KUZNETSOVA,
    LINKS,
    PETROVA,
    SCHOOLS,
    T_PERIOD,
    T_PUPILS_10_18,
    ZAITSEVA,
    FormBuilder,
    table_start,
)

from pipeline.consolidate import run_period
from pipeline.preflight import preflight
from pipeline.report import DATA_SHEET, build_report, write_report_workbook
from pipeline.rollup import (
    STATUS_ACCEPTED,
    STATUS_MISSING,
    STATUS_REJECTED,
    STATUS_REPLACED,
    Rollup,
    RollupError,
    load_expected,
    rollup,
    write_rollup_workbook,
)
from pipeline.workspace import init_workspace

PERIOD = "2026-11"
REGION = "Тестовая область"
BEREZOVSKY = "Берёзовский муниципальный округ"
KEDROVY = "Кедровый район"
SOSNOVSKY = "Сосновский муниципальный район"
EXPECTED = [BEREZOVSKY, KEDROVY, SOSNOVSKY]
# SPEC §6: K5 and K6 are a mean score of 1–10 shown ×10, the others a share ×100
SCALE = {"K5": 10, "K6": 10}
PANDERA_WORDS = ("pandera", "Check", "check", "failure", "lambda", "Series", "DataFrame",
                 "isin", "element_wise", "not_nullable", "column_in_dataframe")


def _district_report(root: Path, district: str, out: Path, *, pupils_10_18: int,
                     schools: tuple = SCHOOLS, finished_in_period: bool = False,
                     period: str = PERIOD, with_form: bool = True) -> Path:
    """A district's report for `period`, made by init → inbox → run → report."""
    workspace = init_workspace(root, district=district, region=REGION, schools=schools)
    inbox = workspace.inbox / period
    inbox.mkdir(parents=True, exist_ok=True)
    if with_form:
        form = FormBuilder().set_title(T_PUPILS_10_18, pupils_10_18).set_title(T_PERIOD, period)
        if finished_in_period:  # a pair finished this month: K5 and K6 have a value
            form.set(LINKS, form.link_row(KUZNETSOVA, ZAITSEVA), END, dt.date(2026, 11, 20))
        form.save(inbox / "ОО-07.xlsx")
    run_period(workspace, period)
    return write_report_workbook(build_report(workspace, period),
                                 out / f"Отчёт {district} {period}.xlsx")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three districts' November reports, a corrected one of Берёзовский, one for October."""
    root = tmp_path_factory.mktemp("districts")
    out = root / "reports"
    out.mkdir()
    made = {
        BEREZOVSKY: _district_report(root / "berez", BEREZOVSKY, out, pupils_10_18=50),
        KEDROVY: _district_report(root / "kedr", KEDROVY, out, pupils_10_18=300,
                                  schools=SCHOOLS[:1], finished_in_period=True),
        SOSNOVSKY: _district_report(root / "sosn", SOSNOVSKY, out, pupils_10_18=1000),
    }
    corrected = root / "corrected"
    corrected.mkdir()
    made["corrected"] = _district_report(root / "berez2", BEREZOVSKY, corrected,
                                         pupils_10_18=100)
    made["october"] = _district_report(root / "kedr", KEDROVY, out, pupils_10_18=300,
                                       period="2026-10", with_form=False)
    return made


@pytest.fixture
def folder(tmp_path: Path, reports: dict[str, Path]) -> Callable[..., Path]:
    """The regional office's folder with copies of the chosen reports."""
    target = tmp_path / "region"
    target.mkdir()

    def put(*keys: str, name: str | None = None) -> Path:
        for key in keys:
            shutil.copy2(reports[key], target / (name or reports[key].name))
        return target

    return put


def data_rows(path: Path) -> list[dict[str, Any]]:
    """«Данные» of a district report as records, with the Excel row of each."""
    sheet = openpyxl.load_workbook(path)[DATA_SHEET]
    start = table_start(sheet, "Уровень")
    rows = list(sheet.iter_rows(min_row=start, values_only=True))
    return [dict(zip(rows[0], row, strict=True), row=n)
            for n, row in enumerate(rows[1:], start=start + 1)]


def district_totals(path: Path) -> dict[str, tuple[float, float]]:
    return {r["Показатель"]: (r["Числитель"], r["Знаменатель"]) for r in data_rows(path)
            if r["Уровень"] == "МО" and r["Показатель"].startswith("K")}


def file_of(result: Rollup, name: str) -> Any:
    return next(f for f in result.files if f.path.name == name)


def describe(result: Rollup) -> str:
    return "\n".join(f"{f.path.name}: {f.status}: " + "; ".join(p.text for p in f.problems)
                     for f in result.files)


def table(path: Path, sheet: str) -> list[dict[str, Any]]:
    found = openpyxl.load_workbook(path)[sheet]
    first = {"Показатели": "Муниципальное образование", "Сдача": "Муниципальное образование",
             "Замечания": "Файл"}[sheet]
    rows = list(found.iter_rows(min_row=table_start(found, first), values_only=True))
    if sheet != "Показатели":
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    # a two-row heading: «K1: name» over «%», «числитель», «знаменатель»
    headers, current = [], None
    for top, sub in zip(rows[0], rows[1], strict=True):
        current = top or current
        headers.append(current if sub in (None, "%") else f"{current.split(':')[0]} {sub}")
    return [dict(zip(headers, row, strict=True)) for row in rows[2:]
            if row[0] and not str(row[0]).startswith("Пустые")]


def test_two_of_three_districts_report_and_the_region_sums_numerators_and_denominators(
        folder: Callable[..., Path], reports: dict[str, Path], tmp_path: Path) -> None:
    directory = folder(BEREZOVSKY, KEDROVY)

    result = rollup(directory, PERIOD, expected=EXPECTED)

    assert [f.status for f in result.files] == [STATUS_ACCEPTED] * 2, describe(result)
    assert result.missing == [SOSNOVSKY]
    assert result.region == REGION
    files = [reports[BEREZOVSKY], reports[KEDROVY]]
    totals = [district_totals(p) for p in files]
    for code, value in result.total.items():
        numerator = sum(t[code][0] for t in totals)
        denominator = sum(t[code][1] for t in totals)
        assert (value.numerator, value.denominator) == (numerator, denominator), code
        expected = numerator / denominator * SCALE.get(code, 100) if denominator else None
        assert value.percent == pytest.approx(expected), code
    # K1: 2 of 50 and 2 of 300 pupils → 4 of 350, not the mean of 4 % and 0.67 %
    assert result.total["K1"].percent == pytest.approx(4 / 350 * 100)
    shares = [t["K1"][0] / t["K1"][1] * 100 for t in totals]
    assert result.total["K1"].percent != pytest.approx(sum(shares) / len(shares))
    # K5 is a mean score ×10, present only where a pair finished in November
    assert result.total["K5"].percent == pytest.approx(80.0)
    assert result.count("schools_expected") == 3 and result.count("schools_received") == 2
    assert result.rate("schools_received").percent == pytest.approx(200 / 3)
    assert result.count("mentors") == 8 and result.count("links") == 12

    path = write_rollup_workbook(result, directory / "Свод региона.xlsx")

    assert openpyxl.load_workbook(path).sheetnames == ["Показатели", "Численность", "Документы",
                                                         "Диаграммы", "Сдача", "Замечания"]
    assert preflight(path).properties == {"nastavnik.form": "region-report",
                                          "nastavnik.version": "1",
                                          "nastavnik.region": REGION,
                                          "nastavnik.period": PERIOD}
    indicators = table(path, "Показатели")
    assert [r["Муниципальное образование"] for r in indicators] == [*EXPECTED,
                                                                   "Итого по региону"]
    region = indicators[-1]
    k1 = next(h for h in region if h.startswith("K1:"))
    assert region[k1] == pytest.approx(4 / 350)
    assert (region["K1 числитель"], region["K1 знаменатель"]) == (4, 350)
    assert indicators[2]["Статус отчёта"] == STATUS_MISSING and indicators[2][k1] is None
    sheet = openpyxl.load_workbook(path)["Показатели"]
    total_row = table_start(sheet, "Муниципальное образование") + len(indicators) + 1
    assert sheet.cell(row=total_row, column=1).value == "Итого по региону"
    assert sheet.cell(row=total_row, column=3).number_format == "0.0%"
    submission = {r["Муниципальное образование"]: r for r in table(path, "Сдача")}
    assert submission[SOSNOVSKY]["Отчёт получен"] == "нет"
    assert submission[SOSNOVSKY]["Статус отчёта"] == STATUS_MISSING
    assert submission[KEDROVY]["Школ представили отчёт"] == 1
    assert submission["Итого по региону"]["Школ должны были отчитаться"] == 3
    problems = table(path, "Замечания")
    assert [(p["МО"], p["Код"]) for p in problems] == [(SOSNOVSKY, "missing-report")]
    cells = [c for r in openpyxl.load_workbook(path).worksheets for row in r.iter_rows(
        values_only=True) for c in row if isinstance(c, str)]
    assert not any(PETROVA in c for c in cells)  # aggregates only

    # the region's own workbook in the folder is not taken for a district report
    again = rollup(directory, PERIOD, expected=EXPECTED)
    assert len(again.files) == 2 and again.total == result.total


def test_expected_districts_come_from_districts_xlsx_in_the_folder(
        folder: Callable[..., Path]) -> None:
    directory = folder(BEREZOVSKY, KEDROVY)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Реестр МО"
    sheet.append(["Реестр муниципальных образований области"])
    sheet.append(["№", "Муниципальное образование", "Куратор"])
    for n, name in enumerate(["Березовский муниципальный округ", KEDROVY, SOSNOVSKY], 1):
        sheet.append([n, name, "—"])
    book.save(directory / "districts.xlsx")

    result = rollup(directory, PERIOD)

    assert result.expected == ["Березовский муниципальный округ", KEDROVY, SOSNOVSKY]
    assert result.missing == [SOSNOVSKY]  # ё and е are the same letter in a name
    assert len(result.files) == 2, describe(result)
    assert load_expected(directory / "districts.xlsx") == result.expected


def test_a_districts_file_without_the_sheet_is_refused_in_russian(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Лист1"
    book.save(tmp_path / "districts.xlsx")

    with pytest.raises(RollupError, match="нет листа «Реестр МО»"):
        load_expected(tmp_path / "districts.xlsx")


def test_a_broken_file_is_listed_and_the_rollup_goes_on(folder: Callable[..., Path]) -> None:
    directory = folder(BEREZOVSKY, KEDROVY)
    (directory / "Отчёт Сосновский.xlsx").write_text("МО;K1\nСосновский;5\n", encoding="utf-8")

    result = rollup(directory, PERIOD, expected=EXPECTED)

    broken = file_of(result, "Отчёт Сосновский.xlsx")
    assert broken.status == STATUS_REJECTED
    assert [p.code for p in broken.problems] == ["unreadable-file"]
    assert "текстовый файл" in broken.problems[0].message
    assert len(result.counted) == 2, describe(result)
    assert result.missing == [SOSNOVSKY]


def test_a_report_for_another_month_is_rejected(folder: Callable[..., Path]) -> None:
    directory = folder(BEREZOVSKY, "october")

    result = rollup(directory, PERIOD, expected=EXPECTED)

    october = file_of(result, f"Отчёт {KEDROVY} 2026-10.xlsx")
    assert october.status == STATUS_REJECTED
    assert [p.code for p in october.problems] == ["period-mismatch"]
    assert october.problems[0].message.startswith("отчёт за другой месяц: 2026-10")
    assert result.missing == [KEDROVY, SOSNOVSKY]
    assert result.total["K1"].denominator == 50


def test_a_school_form_in_the_folder_is_not_a_district_report(
        folder: Callable[..., Path]) -> None:
    directory = folder(BEREZOVSKY)
    FormBuilder().save(directory / "ОО-07.xlsx")

    result = rollup(directory, PERIOD)

    school = file_of(result, "ОО-07.xlsx")
    assert [p.code for p in school.problems] == ["not-a-district-report"], describe(result)


def test_the_newer_report_of_a_district_counts_and_the_older_is_replaced(
        folder: Callable[..., Path]) -> None:
    directory = folder(BEREZOVSKY)
    older = directory / f"Отчёт {BEREZOVSKY} {PERIOD}.xlsx"
    newer = folder("corrected", name="Берёзовский исправленный.xlsx") / \
        "Берёзовский исправленный.xlsx"
    now = dt.datetime(2026, 12, 6, 10, 0).timestamp()
    os.utime(older, (now - 86400, now - 86400))
    os.utime(newer, (now, now))

    result = rollup(directory, PERIOD)

    assert file_of(result, newer.name).status == STATUS_ACCEPTED, describe(result)
    replaced = file_of(result, older.name)
    assert replaced.status == STATUS_REPLACED
    assert [p.code for p in replaced.problems] == ["replaced"]
    assert newer.name in replaced.problems[0].message
    assert [r.name for r in result.districts] == [BEREZOVSKY]
    assert result.total["K1"].denominator == 100  # the corrected file's pupils


def _row(rows: list[dict[str, Any]], level: str, code: str) -> int:
    return next(r["row"] for r in rows if r["Уровень"] == level and r["Показатель"] == code)


def _tampered(source: Path, target: Path, edit: Callable[[Any, list[dict[str, Any]]], int]
              ) -> int:
    """`source` with «Данные» edited; the report's custom properties are kept byte for byte.

    Returns the Excel row the edit should be reported at.
    """
    rows = data_rows(source)
    book = openpyxl.load_workbook(source)
    row = edit(book[DATA_SHEET], rows)
    scratch = target.with_suffix(".tmp")
    book.save(scratch)
    with zipfile.ZipFile(source) as original:
        custom = original.read("docProps/custom.xml")
    with zipfile.ZipFile(scratch) as saved, zipfile.ZipFile(target, "w",
                                                            zipfile.ZIP_DEFLATED) as out:
        for item in saved.infolist():
            out.writestr(item, custom if item.filename == "docProps/custom.xml"
                         else saved.read(item))
    scratch.unlink()
    return row


def _negative_numerator(sheet: Any, rows: list[dict[str, Any]]) -> int:
    row = _row(rows, "МО", "K1")
    sheet.cell(row=row, column=6, value=-2)
    return row


def _missing_district_row(sheet: Any, rows: list[dict[str, Any]]) -> int:
    sheet.delete_rows(_row(rows, "МО", "K3"))
    return _row(rows, "ОО", "K3")  # the school row of K3 is above, its number unchanged


def _second_district_row(sheet: Any, rows: list[dict[str, Any]]) -> int:
    copy = [c.value for c in sheet[_row(rows, "МО", "K2")]]
    sheet.append(copy)
    return sheet.max_row


def _unknown_level(sheet: Any, rows: list[dict[str, Any]]) -> int:
    row = _row(rows, "ОО", "K4")
    sheet.cell(row=row, column=1, value="РФ")
    return row


def _text_denominator(sheet: Any, rows: list[dict[str, Any]]) -> int:
    row = _row(rows, "МО", "K4")
    sheet.cell(row=row, column=7, value="много")
    return row


@pytest.mark.parametrize(("edit", "code", "words"), [
    (_negative_numerator, "negative-number", ("«Числитель» — -2", "отрицательным")),
    (_missing_district_row, "missing-district-row", ("«K3»", "нет его итоговой строки «МО»")),
    (_second_district_row, "duplicate-district-row", ("«K2»", "первая — строка")),
    (_unknown_level, "bad-value", ("«Уровень» — «РФ»",)),
    (_text_denominator, "bad-number", ("«Знаменатель» — «много»", "не число")),
])
def test_tampered_data_fails_the_schema_with_a_russian_message_at_its_row(
        folder: Callable[..., Path], reports: dict[str, Path],
        edit: Callable[[Any, list[dict[str, Any]]], int], code: str,
        words: tuple[str, ...]) -> None:
    directory = folder(BEREZOVSKY)
    target = directory / "Кедровый правленый.xlsx"
    row = _tampered(reports[KEDROVY], target, edit)

    result = rollup(directory, PERIOD, expected=EXPECTED)

    tampered = file_of(result, target.name)
    assert tampered.status == STATUS_REJECTED, describe(result)
    assert [(p.code, p.row) for p in tampered.problems] == [(code, row)], describe(result)
    problem = tampered.problems[0]
    assert problem.text.startswith(f"лист «Данные», строка {row}: ")
    for word in words:
        assert word in problem.message, problem.message
    assert "nastavnik report" in problem.message  # what to do
    assert not any(w in problem.text for w in PANDERA_WORDS), problem.text
    assert KEDROVY in result.missing
    assert result.total["K1"].denominator == 50  # only Берёзовский counts


def test_a_district_missing_from_the_list_is_counted_with_a_note(
        folder: Callable[..., Path]) -> None:
    directory = folder(BEREZOVSKY, KEDROVY)

    result = rollup(directory, PERIOD, expected=[BEREZOVSKY, " березовский  муниципальный округ"])

    assert result.expected == [BEREZOVSKY]  # the same district written twice is one
    kedrovy = file_of(result, f"Отчёт {KEDROVY} {PERIOD}.xlsx")
    assert kedrovy.status == STATUS_ACCEPTED
    assert [p.code for p in kedrovy.problems] == ["unexpected-district"]
    assert result.missing == [] and len(result.counted) == 2
    assert result.district(KEDROVY).expected is False


def test_the_rollup_command_lists_files_and_missing_districts(folder: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    directory = folder(BEREZOVSKY, KEDROVY)
    (directory / "письмо.xlsx").write_text("не таблица", encoding="utf-8")
    districts = tmp_path / "МО.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Реестр МО"
    book.active.append(["Муниципальное образование"])
    for name in (BEREZOVSKY, KEDROVY, SOSNOVSKY):
        book.active.append([name])
    book.save(districts)
    out = tmp_path / "регион.xlsx"

    result = CliRunner().invoke(cli, ["rollup", str(directory), "--period", "2026-11",
                                      "--districts", str(districts), "-o", str(out)])

    assert result.exit_code == 1, result.output
    assert "письмо.xlsx: отклонён" in result.output
    assert f"Не представили: {SOSNOVSKY}" in result.output
    assert out.is_file() and f"Свод региона: {out}" in result.output


def _districts_file(path: Path, names: list[str]) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Реестр МО"
    book.active.append(["Муниципальное образование"])
    for name in names:
        book.active.append([name])
    book.save(path)
    return path


def _table(sheet: Any, first: str) -> dict[str, list[Any]]:
    """A sheet's table below its title block, by the first column's text."""
    start = table_start(sheet, first)
    return {row[0]: list(row) for row in sheet.iter_rows(min_row=start + 1, values_only=True)
            if row[0] is not None}


def test_the_regional_workbook_has_the_district_reports_sheets(folder: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    """Two districts of three reported (the conftest form: 4 mentors, 5 mentees, 5 pairs and
    groups, 6 links, every document present; one accepted school in each district)."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    directory = folder(BEREZOVSKY, KEDROVY)
    districts = _districts_file(tmp_path / "МО.xlsx", EXPECTED)
    out = tmp_path / "регион.xlsx"

    result = CliRunner().invoke(cli, ["rollup", str(directory), "--period", PERIOD,
                                      "--districts", str(districts), "-o", str(out)])

    assert result.exit_code == 1, result.output  # Сосновский did not report
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Показатели", "Численность", "Документы", "Диаграммы", "Сдача",
                               "Замечания"]
    for name in book.sheetnames:
        lines = [book[name].cell(r, 1).value for r in range(1, 5)]
        assert lines[0].startswith("Региональный свод о наставничестве"), name
        assert lines[1] == f"{REGION}, отчётный период: ноябрь 2026 года ({PERIOD})", name
        assert lines[2].startswith("Сформирован "), name
        assert lines[3] == "Учтено отчётов МО: 2 из 3", name

    counts = _table(book["Численность"], "Муниципальное образование")
    assert counts[BEREZOVSKY][2:] == [1, 4, 5, 5, 6]
    assert counts[KEDROVY][2:] == [1, 4, 5, 5, 6]
    assert counts[SOSNOVSKY][1:] == [STATUS_MISSING, None, None, None, None, None]
    assert counts["Итого по региону"][2:] == [2, 8, 10, 10, 12]

    documents = _table(book["Документы"], "Муниципальное образование")
    assert documents[BEREZOVSKY][2:] == [1, 1, 1, 1, 1, 1]
    assert documents[SOSNOVSKY][2:] == [None] * 6
    assert documents["Итого по региону"][2:] == [2, 2, 2, 2, 2, 2]

    charts = book["Диаграммы"]
    assert len(charts._charts) == 2  # coverage by district, how the districts reported
    parts = _table(charts, "Сдача отчётов МО")
    assert parts["Учтены"][1] == 2 and parts["Не сдали"][1] == 1
    coverage = _table(charts, "Муниципальное образование")
    # K1 = mentees 10–18 in pairs / pupils 10–18: Берёзовский 2 of 50, Кедровый 2 of 300
    assert coverage[BEREZOVSKY][1] == 4.0 and coverage[KEDROVY][1] == round(200 / 300, 1)
    for name in ("Численность", "Документы", "Диаграммы"):  # printable, headers repeated
        assert book[name].page_setup.orientation == "landscape", name
    for name in ("Численность", "Документы"):
        assert book[name].print_title_rows == "$6:$6", name


def test_rollup_note_names_the_districts_that_did_not_report(folder: Callable[..., Path],
                                                             tmp_path: Path) -> None:
    import docx
    from click.testing import CliRunner

    from pipeline.cli import cli

    directory = folder(BEREZOVSKY, KEDROVY)
    districts = _districts_file(tmp_path / "МО.xlsx", EXPECTED)
    out = tmp_path / "регион.xlsx"

    result = CliRunner().invoke(cli, ["rollup", str(directory), "--period", PERIOD,
                                      "--districts", str(districts), "-o", str(out), "--note"])

    assert result.exit_code == 1, result.output
    note = tmp_path / "Справка регион.docx"
    assert f"Справка региона: {note}" in result.output
    document = docx.Document(str(note))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "в муниципальных образованиях Тестовой области" in text
    assert "за ноябрь 2026 года" in text
    assert "Учтено отчётов муниципальных образований: 2 из 3" in text
    assert f"Не представили отчёт: «{SOSNOVSKY}»." in text
    # K1: Берёзовский 2 of 50 = 4 %, Кедровый 2 of 300, the region 4 of 350 = 1,1 %
    assert f"по региону 1,1\xa0%): выше — «{BEREZOVSKY}»; ниже — «{KEDROVY}»." in text
    assert "10 наставляемых" in text and "8 наставников" in text
    assert f"не представивших их («{SOSNOVSKY}»)" in text
    assert "отстающими от региона по показателю K1," in text
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert ["K1", rows[1][1], "4", "350", "1,1"] == rows[1]
    for person in (PETROVA, KUZNETSOVA, ZAITSEVA):  # SPEC §5: no one named
        assert person.split()[0] not in text
