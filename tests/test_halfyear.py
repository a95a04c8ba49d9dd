"""The report over a half of the school year (README «Отчёт за полугодие»): a district of four
schools run month by month from September to December by the real CLI, then
`report --from/--to` and `report --half`, read back as a methodologist would."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    END,
    KUZNETSOVA,
    LINKS,
    MENTEE_SATISFACTION,
    MENTOR_SATISFACTION,
    STATUS,
    T_CODE,
    T_PERIOD,
    T_PUPILS_10_18,
    T_YOUNG,
    ZAITSEVA,
    FormBuilder,
)

from pipeline.cli import cli
from pipeline.workspace import School, init_workspace
from schemas import vocab as v

SEP, OCT, NOV, DEC = "2026-09", "2026-10", "2026-11", "2026-12"
MONTHS = (SEP, OCT, NOV, DEC)
SCHOOLS = (School("ОО-01", "МБОУ «СОШ № 1»"),
           School("ОО-02", "МБОУ «Гимназия № 2»"),  # misses October
           School("ОО-03", "МБОУ «ООШ № 3»", active_from=dt.date(2026, 10, 1)),  # joins
           School("ОО-04", "МБОУ «СОШ № 4»", active_to=dt.date(2026, 11, 30)))  # closes
NEXT = {SEP: (2026, 10), OCT: (2026, 11), NOV: (2026, 12), DEC: (2027, 1)}
SENT = {p: dt.datetime(*NEXT[p], 2, 12) for p in MONTHS}  # in time: the 2nd
LATE = dt.datetime(2026, 12, 8, 9, 30)  # ОО-03's November, after the 5th


def finished(form: FormBuilder, end: dt.date, mentor: int, mentee: int) -> FormBuilder:
    """Pair № 5 (Кузнецова — Зайцева) finished on `end` with these satisfaction marks."""
    row = form.link_row(KUZNETSOVA, ZAITSEVA)
    form.set(LINKS, row, END, end).set(LINKS, row, STATUS, v.STATUS_FINISHED)
    return form.set(LINKS, row, MENTOR_SATISFACTION, mentor).set(
        LINKS, row, MENTEE_SATISFACTION, mentee)


def school_form(code: str, period: str) -> FormBuilder | None:
    """What each school sends for the month (None: nothing)."""
    if code == "ОО-02" and period == OCT:
        return None
    if code == "ОО-03" and period == SEP or code == "ОО-04" and period == DEC:
        return None  # not working that month
    form = FormBuilder().set_title(T_CODE, code).set_title(T_PERIOD, period)
    if code == "ОО-01":
        if period == DEC:
            form.set_title(T_PUPILS_10_18, 200)  # K1 in December: 2 of 200
        if period != SEP:
            finished(form, dt.date(2026, 10, 20), mentor=9, mentee=8)
    if code == "ОО-02" and period == DEC:
        finished(form, dt.date(2026, 12, 10), mentor=6, mentee=5)
    if code == "ОО-03":
        form.set_title(T_YOUNG, 4)  # K3: 2 of 4
    if code == "ОО-04" and period == NOV:
        finished(form, dt.date(2026, 11, 15), mentor=10, mentee=10)
    return form


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "-w", str(root)])


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("half") / "ws"
    init_workspace(root, district="Тестовый район", schools=SCHOOLS)
    for period in MONTHS:
        for school in SCHOOLS:
            form = school_form(school.code, period)
            if form is None:
                continue
            path = form.save(root / "inbox" / period / f"{school.code} {period}.xlsx")
            when = LATE if (school.code, period) == ("ОО-03", NOV) else SENT[period]
            os.utime(path, (when.timestamp(), when.timestamp()))
        result = invoke(root, "run", "--period", period)
        assert result.exit_code in (0, 1), result.output
    result = invoke(root, "report", "--from", SEP, "--to", DEC, "--note")
    assert result.exit_code == 0, result.output
    return root


def folder(root: Path) -> Path:
    return root / "outbox" / f"Полугодие_{SEP}_{DEC}"


def table(sheet, first: str = "Код ОО") -> tuple[list, list[list]]:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    top = next(n for n, r in enumerate(rows) if r[0] == first)
    body = []
    for r in rows[top + 1:]:
        if r[0] is None:
            break
        body.append(r)
    return rows[top], body


def by_indicator(body: list[list]) -> dict[tuple[str, str], list]:
    return {(r[0], r[2][:2]): r[3:] for r in body}


NS, NW, DASH = "не представлен", "не работала", "—"
LAST, SUM = "последний месяц", "сумма за месяцы"


def test_the_half_year_values_are_the_months_side_by_side_and_the_period_by_its_rule(
        district: Path) -> None:
    [book_path] = folder(district).glob("*.xlsx")
    book = openpyxl.load_workbook(book_path)
    headers, body = table(book["Показатели по месяцам"])
    assert headers == ["Код ОО", "Образовательная организация", "Показатель",
                       "сентябрь 2026", "октябрь 2026", "ноябрь 2026", "декабрь 2026",
                       "За период", "Как получено значение за период"]
    rows = by_indicator(body)
    # worked out by hand: K1 = 2 pupil mentees (10–18) in active pairs / «Титул» pupils 10–18
    k1 = 2 / 300
    sep = 1 / 300  # pair № 4 (Морозов — Лебедева) starts on 1 October: not yet active
    expected = {
        ("ОО-01", "K1"): [sep, k1, k1, 2 / 200, 2 / 200, LAST],
        ("ОО-02", "K1"): [sep, NS, k1, k1, k1, LAST],
        ("ОО-03", "K1"): [NW, k1, k1, k1, k1, LAST],
        ("ОО-04", "K1"): [sep, k1, k1, NW, k1, LAST],
        ("ОО-03", "K3"): [NW, 0.5, 0.5, 0.5, 0.5, LAST],
        ("ОО-01", "K3"): [2 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3, LAST],
        # K5: mentee's mark × 10 over the pairs finished in the month
        ("ОО-01", "K5"): [DASH, 0.8, DASH, DASH, 0.8, SUM],
        ("ОО-02", "K5"): [DASH, NS, DASH, 0.5, 0.5, SUM],
        ("ОО-03", "K5"): [NW, DASH, DASH, DASH, DASH, SUM],
        ("ОО-04", "K5"): [DASH, DASH, 1.0, NW, 1.0, SUM],
        ("ОО-01", "K6"): [DASH, 0.9, DASH, DASH, 0.9, SUM],
        ("ОО-04", "K6"): [DASH, DASH, 1.0, NW, 1.0, SUM],
        # the district: a month from the schools that reported it; K1 last, K5/K6 summed
        ("Итого", "K1"): [3 / 900, 6 / 900, 8 / 1200, 6 / 800, 6 / 800, LAST],
        ("Итого", "K5"): [DASH, 0.8, 1.0, 0.5, 23 / 30, SUM],
        ("Итого", "K6"): [DASH, 0.9, 1.0, 0.6, 25 / 30, SUM],
    }
    for key, want in expected.items():
        got = rows[key]
        assert len(got) == len(want), key
        for g, w in zip(got, want, strict=True):
            if isinstance(w, float):
                assert g == pytest.approx(w), (key, got)
            else:
                assert g == w, (key, got)
    sheet = book["Показатели по месяцам"]
    percent_cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, float)]
    assert percent_cells and all(c.number_format == "0.0%" for c in percent_cells)
    lines = [sheet.cell(r, 1).value for r in (1, 2)]
    assert lines[0] == "Отчёт о наставничестве за период: показатели по месяцам"
    assert lines[1] == "Тестовый район, период: сентябрь — декабрь 2026 года (2026-09 — 2026-12)"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows


def test_submissions_over_the_period_per_school(district: Path) -> None:
    [book_path] = folder(district).glob("*.xlsx")
    book = openpyxl.load_workbook(book_path)
    headers, body = table(book["Сдача отчётов"])
    assert headers[2:] == ["сентябрь 2026", "октябрь 2026", "ноябрь 2026", "декабрь 2026",
                           "Сдано в срок", "С опозданием", "Отклонено", "Не представлено"]
    got = {r[0]: r[2:] for r in body}
    assert got["ОО-02"] == ["в срок", NS, "в срок", "в срок", 3, 0, 0, 1]
    assert got["ОО-03"] == [NW, "в срок", "с опозданием", "в срок", 2, 1, 0, 0]
    assert got["ОО-04"] == ["в срок", "в срок", "в срок", NW, 3, 0, 0, 0]


def test_the_trend_sheet_has_native_line_charts(district: Path) -> None:
    [book_path] = folder(district).glob("*.xlsx")
    book = openpyxl.load_workbook(book_path)
    sheet = book["Динамика"]
    assert len(sheet._charts) == 2
    assert {type(c).__name__ for c in sheet._charts} == {"LineChart"}
    headers, body = table(sheet, "Месяц")
    assert headers == ["Месяц", "K1", "K2", "K3", "K4", "K5", "K6"]
    assert [r[0] for r in body] == ["сентябрь 2026", "октябрь 2026", "ноябрь 2026",
                                    "декабрь 2026"]
    assert body[3][1] == pytest.approx(6 / 800)


def test_the_note_names_the_school_that_missed_a_month_and_no_person(district: Path) -> None:
    [note] = folder(district).glob("*.docx")
    document = docx.Document(str(note))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "за сентябрь — декабрь 2026 года" in text
    assert "ОО-02 МБОУ «Гимназия № 2» — за октябрь 2026 года" in text
    assert "С нарушением срока представляла отчёты 1 школа:" in text
    assert "ОО-03 МБОУ «ООШ № 3» — за ноябрь 2026 года" in text  # late
    assert "Руководителю ОО-02 МБОУ «Гимназия № 2» обеспечить ежемесячное" in text
    assert "(с 0,3 до 0,8" in text  # K1 from September to December, decimal comma
    from conftest import BELOV, LEBEDEVA, MOROZOV, ORLOVA, PETROVA, SOKOLOV, VOLKOV

    for person in (PETROVA, SOKOLOV, KUZNETSOVA, MOROZOV, ORLOVA, BELOV, ZAITSEVA, VOLKOV,
                   LEBEDEVA):
        assert person.split()[0] not in text


def test_half_is_the_same_as_from_to(district: Path) -> None:
    [book_path] = folder(district).glob("*.xlsx")
    before = by_indicator(table(openpyxl.load_workbook(book_path)["Показатели по месяцам"])[1])
    result = invoke(district, "report", "--half", "2026-1")
    assert result.exit_code == 0, result.output
    assert f"Отчёт за период {SEP} — {DEC}: {book_path}" in result.output
    after = by_indicator(table(openpyxl.load_workbook(book_path)["Показатели по месяцам"])[1])
    assert after == before


def test_a_month_never_run_is_said_in_one_russian_line(district: Path) -> None:
    result = invoke(district, "report", "--half", "2026-2")
    assert result.exit_code == 1
    assert result.output.startswith("Ошибка: за 2027-01, 2027-02, 2027-03, 2027-04, 2027-05 "
                                    "свод ещё не выполнялся — сначала: nastavnik run --period "
                                    "2027-01")
    assert "Traceback" not in result.output
    wrong = invoke(district, "report", "--half", "2026-3")
    assert wrong.exit_code == 1 and "ГГГГ-1 (сентябрь–декабрь)" in wrong.output


def test_a_half_still_going_is_reported_up_to_its_last_month_run(tmp_path: Path) -> None:
    """In the middle of a half (December not consolidated yet) `--half` reports September to
    November and says December is not in it; a gap inside the half is still refused."""
    root = tmp_path / "ws"
    init_workspace(root, district="Тестовый район", schools=SCHOOLS)
    for period in (SEP, OCT, NOV):
        form = school_form("ОО-01", period)
        form.save(root / "inbox" / period / f"ОО-01 {period}.xlsx")
        assert invoke(root, "run", "--period", period).exit_code in (0, 1)

    result = invoke(root, "report", "--half", "2026-1")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Полугодие ещё идёт: за декабрь 2026 свод ещё не "
                                    "выполнялся, отчёт — по ноябрь 2026 включительно.\n")
    book = openpyxl.load_workbook(root / "outbox" / f"Полугодие_{SEP}_{NOV}" /
                                  f"Отчёт за период Тестовый район {SEP}_{NOV}.xlsx")
    sheet = book["Показатели по месяцам"]
    headers, _body = table(sheet)
    assert headers[3:6] == ["сентябрь 2026", "октябрь 2026", "ноябрь 2026"]
    assert "декабрь 2026" not in headers
    assert any("Полугодие ещё идёт" in str(r[0]) for r in sheet.iter_rows(max_row=6,
                                                                          values_only=True))
    # a month missing inside the half is not skipped over
    gap = tmp_path / "gap"
    init_workspace(gap, district="Тестовый район", schools=SCHOOLS)
    for period in (SEP, NOV):
        school_form("ОО-01", period).save(gap / "inbox" / period / "ОО-01.xlsx")
        assert invoke(gap, "run", "--period", period).exit_code in (0, 1)
    refused = invoke(gap, "report", "--half", "2026-1")
    assert refused.exit_code == 1 and "за 2026-10 свод ещё не выполнялся" in refused.output


def test_the_long_sheets_are_named_excel_tables(district: Path) -> None:
    """A PivotTable or Power Query picks the months' values up by name (issue 21, point 4);
    the district's «Итого» rows stay below the table."""
    [book_path] = folder(district).glob("*.xlsx")
    book = openpyxl.load_workbook(book_path)
    months = book["Показатели по месяцам"]
    [(name, ref)] = months.tables.items()
    headers, body = table(months)
    schools = [r for r in body if r[0] != "Итого"]
    header_row = next(c.row for c in months["A"] if c.value == "Код ОО")
    assert name == "Показатели_по_месяцам"
    assert ref == f"A{header_row}:{chr(ord('A') + len(headers) - 1)}" \
                  f"{header_row + len(schools)}"
    submissions = book["Сдача отчётов"]
    assert list(submissions.tables) == ["Сдача_отчётов"]
    assert months.auto_filter.ref is None
