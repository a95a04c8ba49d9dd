"""The report over several months (a half of the school year): each month's indicators as the
monthly report has them, from the ledger, side by side with the period's value.

`build_period` gathers the months (`report.build_report` per month: the ledger's accepted rows,
an approved month as approved); `write_period_workbook` writes
`outbox/Полугодие_<first>_<last>/Отчёт за полугодие <district> <first>_<last>.xlsx`. Aggregates
only, no person (SPEC §5).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import standing
from pipeline.approval import approval
from pipeline.engine import sheetxml
from pipeline.errors import UserError
from pipeline.indicators import LAST, OVER_PERIOD, SUM, Indicator, Value
from pipeline.ledger import LEDGER_FILE, Ledger
from pipeline.report import (
    DistrictReport,
    ReportError,
    SchoolReport,
    _district_in_name,
    build_report,
)
from pipeline.russian import month, plural
from pipeline.workbooks import (
    FOOTER,
    Formats,
    atomic_path,
    made_line,
    new_workbook,
    printable,
    set_identity,
    title_block,
)
from pipeline.workspace import Workspace, following_period

PERIOD_FORM = "district-period-report"
PERIOD_VERSION = 1
TITLE = "Отчёт о наставничестве за период"
MONTHS_SHEET = "Показатели по месяцам"
TREND_SHEET = "Динамика"
SUBMISSIONS_SHEET = "Сдача отчётов"
# what a school's month is when it has no value
NOT_ACTIVE = "не работала"
NOT_SUBMITTED = standing.MISSING  # «не представлен», as `status` says it
NOT_COMPUTED = "—"
ON_TIME, LATE = "в срок", "с опозданием"
HALF_RE = re.compile(r"^(\d{4})-([12])$")
MAX_MONTHS = 12


class PeriodError(UserError):
    """A period that cannot be reported; Russian, says what to do."""


def half_months(half: str) -> tuple[str, str]:
    """«2026-1» → September–December 2026; «2026-2» → January–May 2027 (the school year
    2026/2027 starts in September 2026)."""
    found = HALF_RE.match(half)
    if not found:
        raise PeriodError(f"«{half}» — укажите полугодие как ГГГГ-1 (сентябрь–декабрь) или "
                          "ГГГГ-2 (январь–май), где ГГГГ — год начала учебного года, например "
                          "2026-1")
    year = int(found.group(1))
    return (f"{year}-09", f"{year}-12") if found.group(2) == "1" else \
        (f"{year + 1}-01", f"{year + 1}-05")


def months_between(first: str, last: str) -> list[str]:
    if first > last:
        raise PeriodError(f"начало периода {first} позже его конца {last} — укажите --from "
                          "раньше --to")
    months = [first]
    while months[-1] != last:
        months.append(following_period(months[-1]))
        if len(months) > MAX_MONTHS:
            raise PeriodError(f"период {first} — {last} длиннее {MAX_MONTHS} месяцев — "
                              "укажите не больше года")
    return months


def period_words(first: str, last: str) -> str:
    """«сентябрь — декабрь 2026 года», «декабрь 2026 — январь 2027 года»."""
    if first == last:
        return f"{month(first)} {first[:4]} года"
    if first[:4] == last[:4]:
        return f"{month(first)} — {month(last)} {last[:4]} года"
    return f"{month(first)} {first[:4]} — {month(last)} {last[:4]} года"


def month_label(period: str) -> str:
    """A month column's heading: «сентябрь 2026»."""
    return f"{month(period)} {period[:4]}"


# --- the data ---------------------------------------------------------------------------------


@dataclass
class SchoolPeriod:
    """One school over the period: its month as the monthly report has it (None: it did not
    work that month, by the registry's «Действует с/по»), and the period's values."""
    code: str
    name: str
    months: dict[str, SchoolReport | None]
    values: dict[str, Value | None] = field(default_factory=dict)

    def active(self) -> list[SchoolReport]:
        return [m for m in self.months.values() if m is not None]

    @property
    def missed(self) -> list[str]:
        return [p for p, m in self.months.items() if m is not None and not m.reported]

    @property
    def late(self) -> list[str]:
        return [p for p, m in self.months.items() if m is not None and m.accepted
                and m.on_time is False]

    @property
    def rejected(self) -> list[str]:
        return [p for p, m in self.months.items()
                if m is not None and m.status == standing.REJECTED]


class Span:
    """A report over `months` (oldest first): its first and last month."""
    months: list[str]

    @property
    def first(self) -> str:
        return self.months[0]

    @property
    def last(self) -> str:
        return self.months[-1]


@dataclass
class PeriodReport(Span):
    district: str
    region: str
    months: list[str]
    indicators: list[Indicator]
    reports: dict[str, DistrictReport]  # each month's, as `report --period` makes it
    schools: list[SchoolPeriod]
    total: dict[str, Value | None]  # the district's value over the period
    # the half's last months not consolidated yet (a half-year still going), left out
    not_yet: list[str] = field(default_factory=list)

    def month_total(self, period: str, code: str) -> Value | None:
        value = self.reports[period].total.get(code)
        return value if value is not None and value.numerator is not None else None


def over_period(indicator: Indicator, months: list[Value | None]) -> Value | None:
    """The period's value of an indicator from its months' (None: no value that month):
    the last month's that has one, or numerators and denominators summed."""
    present = [v for v in months if v is not None and v.numerator is not None
               and v.denominator is not None]
    if not present:
        return None
    if indicator.over_period == SUM:
        return Value(sum(v.numerator for v in present), sum(v.denominator for v in present),
                     indicator.scale)
    return present[-1]


def build_period(workspace: Workspace, first: str, last: str, *,
                 so_far: bool = False) -> PeriodReport:
    """The months `first`..`last` as the ledger keeps them; a month never run is refused.
    `so_far` (a half-year still going): the last months not run yet are left out and named."""
    months = months_between(first, last)
    reports: dict[str, DistrictReport] = {}
    not_run = []
    for period in months:
        try:
            reports[period] = build_report(workspace, period, with_previous=False)
        except ReportError:
            not_run.append(period)
    not_yet: list[str] = []
    if so_far and reports:  # (with nothing run at all, the whole half is refused below)
        while not_run and not_run[-1] == months[-1]:
            not_yet.insert(0, months.pop())
            not_run.pop()
    if not_run:
        raise PeriodError(
            f"за {', '.join(not_run)} свод ещё не выполнялся — сначала: "
            + "; ".join(f"nastavnik run --period {p}" for p in not_run)
            + (" (или укажите период короче: --from/--to)" if len(not_run) < len(months)
               else ""))
    _as_approved(workspace, reports)
    last = months[-1]
    indicators = reports[last].indicators
    schools = []
    for school in workspace.schools:
        by_month = {p: next((s for s in reports[p].schools if s.code == school.code), None)
                    for p in months}
        if not any(by_month.values()):
            continue
        row = SchoolPeriod(school.code, school.name, by_month)
        row.values = {i.code: over_period(i, [m.values.get(i.code) if m else None
                                              for m in by_month.values()])
                      for i in indicators}
        schools.append(row)
    report = PeriodReport(workspace.settings.district, workspace.settings.region, months,
                          indicators, reports, schools, {}, not_yet)
    report.total = {i.code: over_period(i, [report.month_total(p, i.code) for p in months])
                    for i in indicators}
    return report


def _as_approved(workspace: Workspace, reports: dict[str, DistrictReport]) -> None:
    """An approved (locked) month as approved: its accepted rows are the approved ones
    already (a run after approval keeps them); the schools' statuses are those recorded at
    approval, not a later correction's."""
    if not (workspace.state_dir / LEDGER_FILE).is_file():
        return
    with Ledger.open(workspace.state_dir) as ledger:
        states = {p: approval(ledger, p) for p in reports}
    for period, state in states.items():
        if not state.locked:
            continue
        report = reports[period]
        report.approval = state.stamp()
        recorded = state.approved.schools
        for school in report.schools:
            status = (recorded.get(school.code) or {}).get("status")
            if status in standing.STATUSES:
                school.status = status


# --- the workbook -----------------------------------------------------------------------------


def period_folder(workspace: Workspace, first: str, last: str) -> Path:
    return workspace.outbox / f"Полугодие_{first}_{last}"


def period_path(workspace: Workspace, first: str, last: str) -> Path:
    return period_folder(workspace, first, last) / \
        f"Отчёт за период {_district_in_name(workspace)} {first}_{last}.xlsx"


def period_note_path(workspace: Workspace, first: str, last: str) -> Path:
    return period_folder(workspace, first, last) / \
        f"Аналитическая справка за период {_district_in_name(workspace)} {first}_{last}.docx"


def period_lines(report: PeriodReport) -> list[str]:
    place = report.district + (f" ({report.region})" if report.region else "")
    lines = [f"{place}, период: {period_words(report.first, report.last)} "
             f"({report.first} — {report.last})", made_line()]
    approved = [p for p in report.months if report.reports[p].approval]
    if approved:
        lines.append("Утверждённые месяцы взяты как утверждены: " + ", ".join(approved))
    if report.not_yet:
        lines.append(not_yet_line(report))
    return lines


def not_yet_line(report: PeriodReport) -> str:
    """«Полугодие ещё идёт: за декабрь 2026 свод ещё не выполнялся, отчёт — по ноябрь 2026»."""
    months = ", ".join(month_label(p) for p in report.not_yet)
    return (f"Полугодие ещё идёт: за {months} свод ещё не выполнялся, отчёт — по "
            f"{month_label(report.last)} включительно")


def month_cell(school: SchoolReport | None, code: str) -> float | str:
    """A school's month of one indicator: its value as a fraction (for a percent format), or
    why there is none."""
    if school is None:
        return NOT_ACTIVE
    if not school.reported:
        return NOT_SUBMITTED
    if not school.accepted:
        return school.status
    value = school.values.get(code)
    return NOT_COMPUTED if value is None or value.percent is None else value.percent / 100


def _fraction(value: Value | None) -> float | str:
    return NOT_COMPUTED if value is None or value.percent is None else value.percent / 100


def submission_word(school: SchoolReport | None) -> str:
    if school is None:
        return NOT_ACTIVE
    if not school.reported:
        return NOT_SUBMITTED
    if not school.accepted:
        return school.status
    return LATE if school.on_time is False else ON_TIME


def write_period_workbook(report: PeriodReport, path: Path) -> Path:
    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        book.set_properties({"title": f"{TITLE}: {report.district}, {report.first} — "
                                      f"{report.last}",
                             "subject": report.district, "author": "nastavnik",
                             "company": report.district, "comments": "",
                             "created": dt.datetime.now().replace(microsecond=0)})
        set_identity(book, PERIOD_FORM, PERIOD_VERSION, district=report.district,
                     region=report.region or "—", first=report.first, last=report.last)
        formats = Formats(book)
        lines = period_lines(report)
        later = sheetxml.Later()  # the long lists' Excel tables, added once the book is closed
        _months_sheet(book, formats, report, lines, later)
        _trend_sheet(book, formats, report, lines)
        _submissions_sheet(book, formats, report, lines, later)
        book.close()
        later.place(tmp)
    return path


def _excel_table(book: Any, later: sheetxml.Later, header_row: int, rows: int,
                 headers: list[str]) -> None:
    """The sheet just written's list (its header at 0-based `header_row`, `rows` rows below,
    totals left out) as a named Excel table, for a PivotTable or Power Query."""
    sheet = book.worksheets()[-1]
    later.table(sheetxml.Table(len(book.worksheets()) - 1, sheetxml.table_name(sheet.name),
                               header_row + 1, rows, tuple(headers)))


def _header(sheet: Any, formats: Formats, row: int, headers: list[str],
            widths: list[float]) -> None:
    sheet.set_row(row, 15 * 3)
    for col, (text, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.write_string(row, col, text, formats.header)
        sheet.set_column(col, col, width)


def _write(sheet: Any, row: int, col: int, value: Any, number: Any, text: Any = None) -> None:
    if isinstance(value, int | float):
        sheet.write_number(row, col, value, number)
    elif value is not None:
        sheet.write_string(row, col, str(value), text)


def _months_sheet(book: Any, formats: Formats, report: PeriodReport, lines: list[str],
                  later: sheetxml.Later) -> None:
    """Per school (and the district, last, in bold), one row per indicator: its months side
    by side, then the period's value and how it was made."""
    sheet = book.add_worksheet(MONTHS_SHEET)
    top = title_block(sheet, formats, f"{TITLE}: показатели по месяцам", lines)
    headers = ["Код ОО", "Образовательная организация", "Показатель",
               *[month_label(p) for p in report.months], "За период",
               "Как получено значение за период"]
    widths = [9, 30, 40, *[14] * len(report.months), 11, 16]
    _header(sheet, formats, top, headers, widths)
    # the indicator's name and the rule wrap (LibreOffice and Excel fit the row to them)
    sheet.set_column(2, 2, widths[2], formats.wrap)
    sheet.set_column(len(widths) - 1, len(widths) - 1, widths[-1], formats.wrap)
    # every cell of a row at the top, as the wrapped names are
    centre = book.add_format({"align": "center", "font_color": "#7F7F7F", "valign": "top"})
    percent = book.add_format({"num_format": "0.0%", "valign": "top"})
    bold_percent = book.add_format({"bold": True, "num_format": "0.0%", "valign": "top"})
    bold_centre = book.add_format({"bold": True, "align": "center", "valign": "top"})
    row = top + 1
    first_month = 3
    period_col = first_month + len(report.months)
    for school in report.schools:
        for indicator in report.indicators:
            sheet.set_row(row, 30)  # two lines of an indicator's name
            sheet.write_string(row, 0, school.code, formats.wrap)
            sheet.write_string(row, 1, school.name, formats.wrap)
            sheet.write_string(row, 2, f"{indicator.code}: {indicator.name}", formats.wrap)
            for c, period in enumerate(report.months, start=first_month):
                _write(sheet, row, c, month_cell(school.months[period], indicator.code),
                       percent, centre)
            _write(sheet, row, period_col, _fraction(school.values.get(indicator.code)),
                   bold_percent, bold_centre)
            sheet.write_string(row, period_col + 1, OVER_PERIOD[indicator.over_period],
                               formats.wrap)
            row += 1
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for indicator in report.indicators:
        sheet.set_row(row, 30)
        sheet.write_string(row, 0, "Итого", bold)
        sheet.write_string(row, 1, report.district, bold)
        sheet.write_string(row, 2, f"{indicator.code}: {indicator.name}", bold)
        for c, period in enumerate(report.months, start=first_month):
            _write(sheet, row, c, _fraction(report.month_total(period, indicator.code)),
                   bold_percent, bold_centre)
        _write(sheet, row, period_col, _fraction(report.total.get(indicator.code)),
               bold_percent, bold_centre)
        sheet.write_string(row, period_col + 1, OVER_PERIOD[indicator.over_period], bold)
        row += 1
    notes = [
        f"«{OVER_PERIOD[LAST]}» — значение последнего месяца периода, за который отчёт принят "
        "(показатель на текущий момент); для района — значение последнего месяца.",
        f"«{OVER_PERIOD[SUM]}» — числители и знаменатели сложены за все месяцы периода; для "
        "оценок удовлетворённости это средняя оценка по парам, завершённым за период.",
        "Значение района за месяц рассчитано по школам, чей отчёт за этот месяц принят; "
        f"«{NOT_SUBMITTED}» — школа отчёт не представила (это не ноль), «{NOT_ACTIVE}» — "
        "школа в этом месяце не работала (реестр, «Действует с/по»), "
        f"«{NOT_COMPUTED}» — показатель не рассчитан (знаменатель равен нулю).",
    ]
    for n, text in enumerate(notes, start=row + 1):  # as wide as the table, wrapped
        sheet.set_row(n, 30)
        sheet.merge_range(n, 0, n, period_col + 1, text, formats.wrap)
    sheet.freeze_panes(top + 1, 3)
    _excel_table(book, later, top, len(report.schools) * len(report.indicators), headers)
    printable(sheet, top, widths=widths, first_header_row=top)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def _trend_sheet(book: Any, formats: Formats, report: PeriodReport, lines: list[str]) -> None:
    write_trend_sheet(book, formats, report, lines, f"{TITLE}: динамика показателей района",
                      whose="район", note="Значение района за месяц — по школам, чей отчёт за "
                                          "месяц принят.")


def write_trend_sheet(book: Any, formats: Formats, report: Any, lines: list[str], title: str,
                      *, whose: str, note: str) -> None:
    """The indicators by month (a small table) and native line charts of them: the
    district's, or the region's (`report` has `indicators`, `months`, `month_total`)."""
    sheet = book.add_worksheet(TREND_SHEET)
    top = title_block(sheet, formats, title, lines)
    codes = [i.code for i in report.indicators]
    _header(sheet, formats, top, ["Месяц", *codes], [16, *[9] * len(codes)])
    for r, period in enumerate(report.months, start=top + 1):
        sheet.write_string(r, 0, month_label(period))
        for c, code in enumerate(codes, start=1):
            value = report.month_total(period, code)
            if value is not None and value.percent is not None:
                sheet.write_number(r, c, value.percent / 100, formats.percent)
    end = top + len(report.months)
    groups = [[i for i in report.indicators if i.scale == 100],
              [i for i in report.indicators if i.scale != 100]]
    titles = [f"Охват наставничеством и обучение наставников, % ({whose})",
              f"Удовлетворённость участников, % от максимальной оценки ({whose})"]
    anchor = top
    for group, title in zip(groups, titles, strict=True):
        if not group:
            continue
        chart = book.add_chart({"type": "line"})
        for indicator in group:
            c = 1 + codes.index(indicator.code)
            chart.add_series({"name": f"{indicator.code}: {indicator.name}",
                              "categories": [TREND_SHEET, top + 1, 0, end, 0],
                              "values": [TREND_SHEET, top + 1, c, end, c],
                              "marker": {"type": "circle"},
                              "data_labels": {"value": True, "num_format": "0.0%"}})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_y_axis({"num_format": "0%", "min": 0})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 340})
        sheet.insert_chart(anchor, 8, chart)
        anchor += 18
    sheet.write_string(end + 2, 0, note)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer(FOOTER)
    sheet.repeat_rows(top, top)


def _submissions_sheet(book: Any, formats: Formats, report: PeriodReport,
                       lines: list[str], later: sheetxml.Later) -> None:
    """Per school, each month's submission as `status` shows it, and the counts."""
    sheet = book.add_worksheet(SUBMISSIONS_SHEET)
    top = title_block(sheet, formats, f"{TITLE}: сдача отчётов школами", lines)
    headers = ["Код ОО", "Образовательная организация",
               *[month_label(p) for p in report.months],
               "Сдано в срок", "С опозданием", "Отклонено", "Не представлено"]
    widths = [9, 34, *[13] * len(report.months), 10, 12, 11, 9]
    _header(sheet, formats, top, headers, widths)
    counted = (ON_TIME, LATE, standing.REJECTED, NOT_SUBMITTED)
    row = top + 1
    for school in report.schools:
        words = [submission_word(school.months[p]) for p in report.months]
        sheet.write_row(row, 0, [school.code, school.name, *words])
        sheet.write_row(row, 2 + len(words), [words.count(w) for w in counted])
        row += 1
    sheet.write_string(row + 1, 0, f"«{LATE}» — первый файл школы за месяц получен после "
                                   "срока сдачи; "
                                   f"«{NOT_ACTIVE}» — школа в этом месяце не работала.")
    sheet.freeze_panes(top + 1, 2)
    _excel_table(book, later, top, len(report.schools), headers)
    printable(sheet, top, widths=widths, first_header_row=top)


def schools_word(n: int) -> str:
    return plural(n, "школа", "школы", "школ")
