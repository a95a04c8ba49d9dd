"""The report for the ministry: indicators worked out by hand, aggregates only, data not code."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    END,
    KUZNETSOVA,
    LINKS,
    MENTORS,
    PD_CONSENT,
    PETROVA,
    SOKOLOV,
    T_CODE,
    T_PUPILS_10_18,
    TRAINED,
    ZAITSEVA,
    FormBuilder,
    table_start,
)

from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.report import DATA_SHEET, build_report, report_path, write_report_workbook
from pipeline.workspace import School, init_workspace

NOV = "2026-11"


def district(tmp_path: Path, form: FormBuilder, *, with_school_8: bool = True):
    """Two schools, ОО-07 and ОО-08, plus ОО-09 that does not report.

    Worked example (the clean form of conftest, changed as below):
      ОО-07: pupils 10–18 = 300, 15–19 = 120, young specialists = 3; mentees: Волков (12) and
        Лебедева (13) are pupils in active pairs, Орлова and Белов are young specialists in
        active pairs; 4 mentors, all trained, Морозов (16) a pupil mentor in an active pair;
        pair № 5 (Кузнецова — Зайцева) finished on 20.11.2026, scores 9 (mentor) and 8 (mentee).
      ОО-08: the same lists, but pupils 10–18 = 100, Петрова not trained, pair № 5 finished
        in August (outside the month).
    Hence:
      K1 = (2 + 2) / (300 + 100) = 1.0 %       (mean of the schools' 0.67 % and 2 % would be 1.33)
      K2 = (1 + 1) / (120 + 120) = 0.833 %
      K3 = (2 + 2) / (3 + 3) = 66.7 %
      K4 = (4 + 3) / (4 + 4) = 87.5 %
      K5 = 8 / 1 × 10 = 80 %;  K6 = 9 / 1 × 10 = 90 %   (only ОО-07's pair ended in November)
    """
    workspace = init_workspace(tmp_path / "ws", district="Тестовый район", region="Тестовая обл.",
                               schools=(School("ОО-07", "МБОУ «СОШ № 7»"),
                                        School("ОО-08", "МБОУ «Гимназия № 8»"),
                                        School("ОО-09", "МБОУ «ООШ № 9»")))
    seven = form.copy()
    seven.set(LINKS, seven.link_row(KUZNETSOVA, ZAITSEVA), END, dt.date(2026, 11, 20))
    seven.save(workspace.inbox / NOV / "7.xlsx")
    if with_school_8:
        eight = form.copy().set_title(T_CODE, "ОО-08").set_title(T_PUPILS_10_18, 100)
        eight.set(MENTORS, eight.row_of(MENTORS, PETROVA), TRAINED, "нет")
        eight.save(workspace.inbox / NOV / "8.xlsx")
    run_period(workspace, NOV)
    return workspace


def test_indicators_match_the_worked_example(tmp_path, form) -> None:
    report = build_report(district(tmp_path, form), NOV)

    expected = {"K1": (4, 400, 1.0), "K2": (2, 240, 2 / 240 * 100), "K3": (4, 6, 4 / 6 * 100),
                "K4": (7, 8, 87.5), "K5": (8, 1, 80.0), "K6": (9, 1, 90.0)}
    for code, (numerator, denominator, percent) in expected.items():
        value = report.total[code]
        assert (value.numerator, value.denominator) == (numerator, denominator), code
        assert value.percent == pytest.approx(percent), code
    seven = next(s for s in report.schools if s.code == "ОО-07")
    assert seven.values["K1"].percent == pytest.approx(2 / 300 * 100)
    eight = next(s for s in report.schools if s.code == "ОО-08")
    assert eight.values["K5"].percent is None  # nothing finished this month: not zero
    assert (report.expected, report.received, report.accepted) == (3, 2, 2)


def test_the_workbook_shows_values_numerators_and_a_school_that_did_not_report(tmp_path, form):
    workspace = district(tmp_path, form)
    path = Path(run_period(workspace, NOV).outputs["report"])
    assert path == report_path(workspace, NOV)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == ["Показатели", "Численность"]
    sheet = book["Показатели"]
    start = table_start(sheet, "Код ОО")
    rows = {r[0]: r for r in sheet.iter_rows(min_row=start + 2, values_only=True) if r[0]}
    assert rows["ОО-09"][2] == "не представлен"
    assert all(cell is None for cell in rows["ОО-09"][3:])  # not reported is not zero
    total = rows["Итого"]
    assert total[3] == pytest.approx(0.01)  # K1 as a fraction shown as a percent
    assert total[4:6] == (4, 400)
    assert sheet.cell(row=start + 2, column=4).number_format == "0.0%"
    counts = {r[0]: r for r in book["Численность"].iter_rows(
        min_row=table_start(book["Численность"], "Код ОО") + 1, values_only=True)}
    assert counts["ОО-07"][3:7] == (4, 5, 5, 6)  # mentors, mentees, pairs and groups, links
    assert counts["ОО-09"][2] == "не представлен" and counts["ОО-09"][3] is None
    documents = {r[0]: r for r in book["Документы"].iter_rows(
        min_row=table_start(book["Документы"], "Код ОО") + 1, values_only=True)}
    assert documents["ОО-07"][2:] == ("да",) * 5
    assert any(ws._charts for ws in book)  # native charts


def test_the_data_sheet_and_properties_identify_the_report(tmp_path, form) -> None:
    path = Path(run_period(district(tmp_path, form), NOV).outputs["report"])
    book = openpyxl.load_workbook(path)
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props["nastavnik.form"] == "district-report"
    assert props["nastavnik.district"] == "Тестовый район"
    assert props["nastavnik.period"] == NOV
    data = list(book[DATA_SHEET].iter_rows(
        min_row=table_start(book[DATA_SHEET], "Уровень") + 1, values_only=True))
    district_rows = {r[3]: r for r in data if r[0] == "МО"}
    assert district_rows["K1"][5:7] == (4, 400)
    assert district_rows["schools_expected"][5] == 3


def test_no_personal_data_anywhere_in_the_report_file(tmp_path, form) -> None:
    marked = form.copy()
    marked.set(MENTORS, marked.row_of(MENTORS, SOKOLOV), PD_CONSENT, "нет")
    workspace = district(tmp_path, marked)
    path = Path(run_period(workspace, NOV).outputs["report"])

    secrets = [PETROVA, SOKOLOV, KUZNETSOVA, ZAITSEVA, "Орлова", "Морозов", "Волков",
               "Смирнова Татьяна Ивановна", "+7 (391) 123-45-67", "kurator7@example.ru",
               "Петрова", "Лицо-"]
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            text = archive.read(part).decode("utf-8", errors="ignore")
            for secret in secrets:
                assert secret not in text, f"{secret!r} found in {part}"
    # and the district's own workbook does name people who consented (it stays in the district)
    with zipfile.ZipFile(workspace.outbox / NOV / f"Свод_{NOV}.xlsx") as archive:
        strings = " ".join(archive.read(part).decode() for part in archive.namelist()
                           if part.endswith(".xml"))
    assert PETROVA in strings and SOKOLOV not in strings


def test_a_district_can_add_an_indicator_without_touching_python(tmp_path, form) -> None:
    workspace = district(tmp_path, form)
    shipped = (Path(__file__).parent.parent / "schemas" / "indicators.toml").read_text(
        encoding="utf-8")
    (workspace.root / "indicators.toml").write_text(shipped + '''
[[indicator]]
code = "K7"
name = "Доля пар с персонализированной программой"
scale = 100
numerator = { table = "links", where = { personal_program = ["да"], status = ["действует"] } }
denominator = { table = "links", where = { status = ["действует"] } }
''', encoding="utf-8")

    report = build_report(workspace, NOV)

    assert [i.code for i in report.indicators][-1] == "K7"
    # the clean form: 5 active links, pair № 4 has no programme → 4 of 5 in each school
    assert (report.total["K7"].numerator, report.total["K7"].denominator) == (8, 10)
    path = write_report_workbook(report, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path)["Показатели"]
    headers = [c.value for c in sheet[table_start(sheet, "Код ОО")]]
    assert "K7: Доля пар с персонализированной программой" in headers


def test_a_broken_indicators_file_is_a_clear_error(tmp_path, form) -> None:
    workspace = district(tmp_path, form)
    (workspace.root / "indicators.toml").write_text(
        '[[indicator]]\ncode = "K1"\nname = "x"\nnumerator = { table = "mentors", '
        'where = { rost = ["да"] } }\ndenominator = { title = "pupils_total" }\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--period", NOV, "-w", str(workspace.root)])
    assert result.exit_code == 1
    assert "нет столбца «rost»" in result.output
    assert "Traceback" not in result.output


def test_report_before_any_run_says_what_to_do(tmp_path) -> None:
    workspace = init_workspace(tmp_path / "ws")
    result = CliRunner().invoke(cli, ["report", "--period", NOV, "-w", str(workspace.root)])
    assert result.exit_code == 1
    assert "nastavnik run --period 2026-11" in result.output


def test_report_command_rewrites_the_report_from_the_ledger(tmp_path, form) -> None:
    workspace = district(tmp_path, form, with_school_8=False)
    path = report_path(workspace, NOV)
    path.unlink()
    result = CliRunner().invoke(cli, ["report", "--period", NOV, "-w", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert path.is_file() and str(path) in result.output
