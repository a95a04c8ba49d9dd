"""The region over several months (`rollup --from/--to`, `--half`): each month's roll-up of
the district reports in the folder (`reading.rollup`, one month at a time), side by side,
and the period's value by the indicator's `over_period` (`halfyear.over_period`).

A district without a counted report in a month is «не представлен» there, never 0; the region's
value of a month is from the districts counted that month. Aggregates only (SPEC §5).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.engine import sheetxml
from pipeline.halfnote import indicators_section
from pipeline.halfyear import (
    NOT_COMPUTED,
    NOT_SUBMITTED,
    Span,
    month_label,
    months_between,
    over_period,
    period_words,
    write_trend_sheet,
)
from pipeline.indicators import (
    LAST,
    OVER_PERIOD,
    SUM,
    Indicator,
    IndicatorError,
    Value,
    load_indicators,
)
from pipeline.note import Items, Note, Section, save_note
from pipeline.rollup.book import ROLLUP_TITLE, _total_row
from pipeline.rollup.reading import (
    EXPECTED_FILE,
    ROLLUP_FORM,
    ROLLUP_VERSION,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    DistrictRow,
    Rollup,
    RollupError,
    district_key,
    load_expected,
    rollup,
)
from pipeline.russian import date_words, genitive, join_words, month_year, plural, plural_word
from pipeline.workbooks import (
    Formats,
    atomic_path,
    heading,
    made_line,
    new_workbook,
    set_identity,
    write_output,
)
from schemas import outputs as out

BASIS = "по муниципальным образованиям, чей отчёт за этот месяц учтён"


@dataclass
class DistrictPeriod:
    """One district over the period: its row of each month's roll-up (None: no report and not
    expected that month), and the period's values."""
    name: str
    months: dict[str, DistrictRow | None]
    values: dict[str, Value | None] = field(default_factory=dict)

    @property
    def missed(self) -> list[str]:
        return [p for p, row in self.months.items() if row is None or row.file is None]

    @property
    def rejected(self) -> list[str]:
        return [p for p, row in self.months.items()
                if row is not None and row.file is not None and not row.counted]

    def word(self, period: str) -> str:
        """The district's report of the month: counted, rejected, or not sent."""
        row = self.months[period]
        return NOT_SUBMITTED if row is None or row.file is None else row.status

    def cell(self, period: str, code: str) -> float | str:
        """Its month of one indicator: a fraction (for a percent format), or why none."""
        row = self.months[period]
        if row is None or not row.counted or row.file is None:
            return self.word(period)
        return _fraction(row.file.values.get(code))


@dataclass
class RegionPeriod(Span):
    directory: Path
    region: str
    months: list[str]
    indicators: list[Indicator]
    rollups: dict[str, Rollup]
    districts: list[DistrictPeriod]
    total: dict[str, Value | None]
    not_yet: list[str] = field(default_factory=list)  # a half still going: months left out

    def month_total(self, period: str, code: str) -> Value | None:
        value = self.rollups[period].total.get(code)
        return value if value is not None and value.numerator is not None else None


def _fraction(value: Value | None) -> float | str:
    return NOT_COMPUTED if value is None or value.percent is None else value.percent / 100


def _over_periods() -> dict[str, str]:
    """Each indicator's rule over a period, from the shipped definitions (indicators.toml):
    district reports carry their numbers, not the rule."""
    try:
        return {i.code: i.over_period for i in load_indicators()}
    except IndicatorError:
        return {}


def _has_reports(result: Rollup) -> bool:
    return any(f.of_the_month for f in result.files)


def rollup_period(directory: Path, first: str, last: str, *,
                  expected: list[str] | None = None, so_far: bool = False) -> RegionPeriod:
    """Each month `first`..`last` rolled up from the folder, side by side. `so_far` (a half
    still going): the last months without any district report are left out and named."""
    directory = Path(directory)
    months = months_between(first, last)
    if expected is None and (directory / EXPECTED_FILE).is_file():
        expected = load_expected(directory / EXPECTED_FILE)
    rollups = {p: rollup(directory, p, expected=expected) for p in months}
    if not any(_has_reports(r) for r in rollups.values()):
        raise RollupError(f"{directory}: нет отчётов МО за {first} — {last} — положите в папку "
                          "отчёты МО за эти месяцы (nastavnik report в каждом МО)")
    not_yet: list[str] = []
    while so_far and not _has_reports(rollups[months[-1]]):
        not_yet.insert(0, months.pop())
    rules = _over_periods()
    indicators: dict[str, Indicator] = {}
    for p in months:
        for i in rollups[p].indicators:
            indicators[i.code] = replace(i, over_period=rules.get(i.code, LAST))
    names: dict[str, str] = {}
    for p in months:
        for row in rollups[p].districts:
            names.setdefault(district_key(row.name), row.name)
    districts = []
    for name in names.values():
        found = DistrictPeriod(name, {p: rollups[p].district(name) for p in months})
        found.values = {
            code: over_period(i, [r.file.values.get(code) if r is not None and r.counted
                                  and r.file else None for r in found.months.values()])
            for code, i in indicators.items()}
        districts.append(found)
    result = RegionPeriod(directory, next((rollups[p].region for p in reversed(months)
                                           if rollups[p].region), ""), months,
                          list(indicators.values()), rollups, districts, {}, not_yet)
    result.total = {i.code: over_period(i, [result.month_total(p, i.code) for p in months])
                    for i in result.indicators}
    return result


# --- the workbook -----------------------------------------------------------------------------


def rollup_period_path(directory: Path, result: RegionPeriod) -> Path:
    """Beside the folder of district reports, never into it (as the monthly roll-up)."""
    name = re.sub(r'[\\/:*?"<>|]+', " ", result.region or "регион").strip()
    return Path(directory).resolve().parent / out.rollup_period_name(name, result.first,
                                                                      result.last)


def period_lines(result: RegionPeriod) -> list[str]:
    lines = [f"{result.region or 'Регион не указан'}, период: "
             f"{period_words(result.first, result.last)} ({result.first} — {result.last})",
             made_line()]
    if result.not_yet:
        lines.append(f"Полугодие ещё идёт: за {', '.join(map(month_label, result.not_yet))} "
                     f"отчётов МО в папке нет, свод — по {month_label(result.last)} включительно")
    return lines


def write_rollup_period_workbook(result: RegionPeriod, path: Path) -> Path:
    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        region = result.region or "—"
        book.set_properties({"title": f"Наставничество: свод по региону {region}, "
                                      f"{result.first} — {result.last}",
                             "subject": region, "author": "nastavnik", "company": region,
                             "comments": "", "created": dt.datetime.now().replace(microsecond=0)})
        set_identity(book, ROLLUP_FORM, ROLLUP_VERSION, region=region, first=result.first,
                     last=result.last)
        formats = Formats(book)
        later = sheetxml.Later()
        lines = period_lines(result)
        _months_sheet(book, formats, result, later, lines)
        write_trend_sheet(book, formats, result, lines,
                          f"{ROLLUP_TITLE}: динамика показателей региона", whose="регион",
                          note=f"Значение региона за месяц — {BASIS}.")
        _submissions_sheet(book, formats, result, later, lines)
        book.close()
        later.place(tmp)
    return Path(path)


def _months_sheet(book: Any, formats: Formats, result: RegionPeriod, later: sheetxml.Later,
                  lines: list[str]) -> None:
    """Per district (then the region, below the table), one row per indicator: its months
    side by side, then the period's value and how it was made."""
    table = out.REGION_MONTHS.with_columns(
        *[out.OutputColumn(month_label(p), out.REGION_MONTH_WIDTH, number_format=out.PERCENT)
          for p in result.months],
        out.OutputColumn("За период", out.REGION_MONTH_WIDTH, number_format=out.PERCENT),
        out.OutputColumn("Как получено значение за период", 16, wrap=True))
    rows: list[list[Any]] = []
    for district in result.districts:
        for i in result.indicators:
            rows.append([district.name, f"{i.code}: {i.name}",
                         *[district.cell(p, i.code) for p in result.months],
                         _fraction(district.values.get(i.code)), OVER_PERIOD[i.over_period]])
    totals = [["Итого по региону", f"{i.code}: {i.name}",
               *[_fraction(result.month_total(p, i.code)) for p in result.months],
               _fraction(result.total.get(i.code)), OVER_PERIOD[i.over_period]]
              for i in result.indicators]
    titled = heading(formats, f"{ROLLUP_TITLE}: показатели по месяцам", lines)
    sheet = write_output(book, formats, table, [*rows, *totals], later=later, cells=True,
                         totals=len(totals), **titled)
    start = titled["start_row"] + 1 + len(rows)
    for n, row in enumerate(totals):
        sheet.set_row(start + n, 30)  # two lines of an indicator's name
        _total_row(book, sheet, formats, start + n, row, table.formatted(out.PERCENT))
    notes = [
        f"«{OVER_PERIOD[LAST]}» — значение последнего месяца периода, за который отчёт МО учтён; "
        f"«{OVER_PERIOD[SUM]}» — числители и знаменатели сложены за месяцы периода.",
        f"Значение региона за месяц рассчитано {BASIS}; «{NOT_SUBMITTED}» — МО отчёт за месяц "
        f"не представило (это не ноль), «{STATUS_REJECTED}» — отчёт МО отклонён (причины — в "
        f"своде за месяц, лист «{out.ROLLUP_PROBLEMS.sheet}»), «{NOT_COMPUTED}» — показатель не "
        "рассчитан (знаменатель равен нулю)."]
    last_col = len(table.columns) - 1
    for n, text in enumerate(notes, start=start + len(totals) + 1):  # as wide as the table
        sheet.set_row(n, 45)
        sheet.merge_range(n, 0, n, last_col, text, formats.wrap)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def _submissions_sheet(book: Any, formats: Formats, result: RegionPeriod,
                       later: sheetxml.Later, lines: list[str]) -> None:
    """Per district, its report of each month and how many months it was counted, rejected,
    not sent."""
    counted = ("Учтено", STATUS_ACCEPTED), ("Отклонено", STATUS_REJECTED), \
        ("Не представлено", NOT_SUBMITTED)
    table = out.REGION_SUBMISSIONS.with_columns(
        *[out.OutputColumn(month_label(p), 14) for p in result.months],
        *[out.OutputColumn(header, 10) for header, _ in counted])
    rows = []
    for district in result.districts:
        words = [district.word(p) for p in result.months]
        rows.append([district.name, *words, *[words.count(w) for _, w in counted]])
    sheet = write_output(book, formats, table, rows, later=later, cells=True,
                         **heading(formats, f"{ROLLUP_TITLE}: сдача отчётов муниципальными "
                                   "образованиями", lines))
    sheet.write_string(len(lines) + 4 + len(rows), 0,
                       f"«{STATUS_ACCEPTED}» — отчёт МО за месяц учтён в своде региона.")
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


# --- the справка ------------------------------------------------------------------------------


def _names(result: RegionPeriod, which: str) -> list[str]:
    return [f"«{d.name}» — за {join_words([month_year(p, 'acc') for p in getattr(d, which)])}"
            for d in result.districts if getattr(d, which)]


def rollup_period_note_text(result: RegionPeriod, today: dt.date) -> Note:
    words = period_words(result.first, result.last)
    region = genitive(result.region) if result.region else "региона"
    title = ["АНАЛИТИЧЕСКАЯ СПРАВКА", "о реализации целевой модели наставничества",
             f"в муниципальных образованиях {region}", f"за {words}"]
    n = len(result.months)
    intro = [f"Справка подготовлена по ежемесячным отчётам муниципальных образований (форма "
             f"nastavnik, лист «{out.DATA.sheet}») за {words} "
             f"({plural(n, 'месяц', 'месяца', 'месяцев')}). Показатели региона рассчитаны из "
             "сумм числителей и знаменателей муниципальных образований. Сведений о физических "
             "лицах справка не содержит."]
    reports = Section("2. Представление отчётов муниципальными образованиями")
    missed, rejected = _names(result, "missed"), _names(result, "rejected")
    if missed:
        reports.blocks.append(
            f"Не {plural_word(len(missed), 'представило', 'представили', 'представили')} отчёт "
            f"хотя бы за один месяц {plural(len(missed), 'муниципальное образование', 'муниципальных образования', 'муниципальных образований')}:")
        reports.blocks.append(Items(missed))
    if rejected:
        reports.blocks.append("Отчёты отклонены (не вошли в итоги месяца):")
        reports.blocks.append(Items(rejected))
    if not missed and not rejected:
        reports.blocks.append("Все муниципальные образования представляли отчёты ежемесячно, "
                              "отчёты учтены.")
    advice = []
    if missed:
        advice.append("Муниципальным образованиям, не представившим отчёт за месяц, обеспечить "
                      "ежемесячное представление отчёта о наставничестве.")
    if rejected:
        advice.append("Муниципальным образованиям с отклонёнными отчётами сформировать отчёт "
                      "заново (nastavnik report) и прислать его без пересохранения.")
    advice.append("Учесть итоги периода при планировании работы на следующий период.")
    final = Section("3. Рекомендации", [Items(advice, numbered=True)])
    return Note(title=title, date_line=f"Дата составления: {date_words(today)}", intro=intro,
                sections=[indicators_section(result, "региона", "региону", BASIS), reports,
                          final],
                signature="Исполнитель: ______________________  /______________________/")


def write_rollup_period_note(result: RegionPeriod, path: Path, *,
                             today: dt.date | None = None) -> Path:
    today = today or dt.date.today()
    return save_note(rollup_period_note_text(result, today), path,
                     f"Аналитическая справка: {result.region or 'регион'}, {result.first} — "
                     f"{result.last}", today)
