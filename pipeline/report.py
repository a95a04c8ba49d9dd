"""The district's report upstream: indicators and counts, aggregates only (SPEC §5, §6).

`build_report` gathers a month from the ledger (what the last run accepted and who reported);
`write_report_workbook` writes `outbox/YYYY-MM/Отчёт <district> <period>.xlsx`. Nothing that
names a person or a contact goes into it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import standing
from pipeline.engine import sheetxml
from pipeline.errors import UserError
from pipeline.indicators import Indicator, SchoolData, Value, compute, load_indicators, total
from pipeline.issues import CODES
from pipeline.ledger import LEDGER_FILE, Ledger, Stored
from pipeline.russian import month_year
from pipeline.status import period_status
from pipeline.workbooks import (
    FOOTER,
    Formats,
    atomic_path,
    header_width,
    heading,
    made_line,
    new_workbook,
    page_breaks,
    printable,
    set_identity,
    title_block,
    write_output,
)
from pipeline.workspace import School, Workspace, previous_period
from schemas import outputs as out
from schemas import vocab as v

REPORT_FORM = "district-report"
REPORT_VERSION = 1
DATA_SHEET = out.DATA.sheet
DATA_HEADERS = tuple(out.DATA.headers)
LEVEL_SCHOOL, LEVEL_DISTRICT = out.LEVEL_SCHOOL, out.LEVEL_DISTRICT
# district-level counts in «Данные»: key -> what it is
COUNT_KEYS = out.COUNT_LABELS


class ReportError(UserError):
    """A report that cannot be made yet; Russian, says what to do."""


@dataclass
class SchoolReport:
    code: str
    name: str
    status: str  # не представлен, отклонён, принят с замечаниями, принят
    on_time: bool | None = None
    values: dict[str, Value] = field(default_factory=dict)  # empty unless accepted
    counts: dict[str, int] = field(default_factory=dict)  # mentors, mentees, pairs, links
    by_form: Counter[str] = field(default_factory=Counter)  # pairs and groups by form
    by_kind: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    documents: dict[str, bool | None] = field(default_factory=dict)
    issues: Counter[str] = field(default_factory=Counter)  # issue code -> how many

    @property
    def reported(self) -> bool:
        return self.status != standing.MISSING

    @property
    def accepted(self) -> bool:
        return self.status in (standing.ACCEPTED, standing.WITH_REMARKS)


@dataclass
class DistrictReport:
    district: str
    region: str
    period: str
    deadline: dt.datetime
    indicators: list[Indicator]
    schools: list[SchoolReport]
    total: dict[str, Value]
    previous: DistrictReport | None = None
    approval: str | None = None  # «Утверждено 05.12.2026», once the month is approved

    @property
    def expected(self) -> int:
        return len(self.schools)

    @property
    def received(self) -> int:
        return sum(1 for s in self.schools if s.reported)

    @property
    def accepted(self) -> int:
        return sum(1 for s in self.schools if s.accepted)

    @property
    def on_time(self) -> int:
        return sum(1 for s in self.schools if s.on_time)

    @property
    def missing(self) -> list[SchoolReport]:
        return [s for s in self.schools if not s.reported]

    @property
    def rejected(self) -> list[SchoolReport]:
        return [s for s in self.schools if s.status == standing.REJECTED]

    @property
    def late(self) -> list[SchoolReport]:
        """Accepted, reported after the deadline (by the school's first file)."""
        return [s for s in self.schools if s.accepted and s.on_time is False]

    def count(self, key: str) -> int:
        return sum(s.counts.get(key, 0) for s in self.schools)

    def by(self, attribute: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for s in self.schools:
            found.update(getattr(s, attribute))
        return found

    @property
    def problems(self) -> list[tuple[str, int]]:
        """Issue codes (errors and warnings) by how often they occurred, most frequent first."""
        counted = self.by("issues")
        return [(c, n) for c, n in counted.most_common()
                if CODES.get(c, ("info",))[0] in ("fatal", "error", "warning")]


# --- building from the ledger ---------------------------------------------------------------


@dataclass(frozen=True)
class SchoolMonth:
    """What the report needs of one expected school's month, however it was gathered."""
    school: School
    status: str
    on_time: bool | None
    codes: tuple[str, ...]  # issue codes of the file that counts
    stored: Stored | None  # its accepted data, None unless accepted
    figures: Figures | None = None  # or what the report takes of it, made beforehand


@dataclass
class Figures:
    """What the report takes of one school's accepted rows: its indicators and counts."""
    values: dict[str, Value]
    counts: dict[str, int]
    by_form: Counter[str]
    by_kind: Counter[str]
    by_status: Counter[str]
    documents: dict[str, bool | None]


    def as_json(self) -> dict[str, Any]:
        return {"values": {code: [v.numerator, v.denominator, v.scale]
                           for code, v in self.values.items()},
                "counts": self.counts, "by_form": dict(self.by_form),
                "by_kind": dict(self.by_kind), "by_status": dict(self.by_status),
                "documents": self.documents}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        return cls({code: Value(*v) for code, v in data["values"].items()}, data["counts"],
                   Counter(data["by_form"]), Counter(data["by_kind"]),
                   Counter(data["by_status"]), data["documents"])


def school_figures(indicators: list[Indicator], stored: Stored, period: str) -> Figures:
    kept = {k: [r for r in rows if r.get("_ok", True)] for k, rows in stored.rows.items()}
    school = SchoolReport("", "", "")
    _fill_counts(school, kept)
    return Figures(compute(indicators, SchoolData(stored.title, kept, period)), school.counts,
                   school.by_form, school.by_kind, school.by_status, school.documents)


def assemble(workspace: Workspace, period: str, months: list[SchoolMonth], deadline: dt.datetime,
             *, with_previous: bool = True) -> DistrictReport:
    indicators = load_indicators(workspace.root)
    schools = []
    for month in months:
        school = SchoolReport(month.school.code, month.school.name, month.status, month.on_time)
        school.issues = Counter(month.codes)
        figures = month.figures
        if figures is None and month.stored is not None and school.accepted:
            figures = school_figures(indicators, month.stored, period)
        if figures is not None and school.accepted:
            school.values, school.counts = figures.values, figures.counts
            school.by_form, school.by_kind = figures.by_form, figures.by_kind
            school.by_status, school.documents = figures.by_status, figures.documents
        schools.append(school)
    report = DistrictReport(workspace.settings.district, workspace.settings.region, period,
                            deadline, indicators, schools,
                            total(indicators, [s.values for s in schools if s.values]))
    if with_previous:
        try:
            report.previous = build_report(workspace, previous_period(period),
                                           with_previous=False)
        except ReportError:
            report.previous = None
    return report


def build_report(workspace: Workspace, period: str, *, with_previous: bool = True
                 ) -> DistrictReport:
    """The month as the last run left it in the ledger."""
    advice = f"свод за {period} ещё не выполнялся — сначала: nastavnik run --period {period}"
    if not (workspace.state_dir / LEDGER_FILE).is_file():
        raise ReportError(advice)
    status = period_status(workspace, period)
    if status.last_run is None:
        raise ReportError(advice)
    indicators = load_indicators(workspace.root)
    months = []
    with Ledger.open(workspace.state_dir) as ledger:
        accepted = {code: (sha, context)
                    for code, sha, context in ledger.accepted_files(period)}
        for row in status.schools:  # a school's rows at a time: a region's are not all kept
            figures = None
            if row.school.code in accepted:
                sha, context = accepted[row.school.code]
                stored = ledger.result(sha, period, context)
                if stored is not None:
                    figures = school_figures(indicators, stored, period)
            months.append(SchoolMonth(row.school, row.status, row.on_time, tuple(row.codes),
                                      None, figures))
    return assemble(workspace, period, months, status.deadline, with_previous=with_previous)


def report_from_run(workspace: Workspace, run: Any) -> DistrictReport:
    """The month as a run just consolidated it (before the ledger records the run)."""
    counted = {s.result.school.code: s for s in run.submissions
               if s.role == "counted" and s.result.school is not None}
    months = []
    for st in run.statuses:
        s = counted.get(st.school.code)
        months.append(SchoolMonth(st.school, st.status_ru, st.on_time,
                                  tuple(i.code for i in st.result.issues) if st.result else (),
                                  None, s.digest.figures if s and s.digest else None))
    return assemble(workspace, run.period, months, run.deadline)


def _fill_counts(school: SchoolReport, rows: dict[str, list[dict[str, Any]]]) -> None:
    links = rows.get("links", [])
    groups: dict[str, dict[str, Any]] = {}
    for link in links:
        groups.setdefault(str(link.get("pair_id")), link)
    school.counts = {"mentors": len(rows.get("mentors", [])),
                     "mentees": len(rows.get("mentees", [])),
                     "pairs": len(groups), "links": len(links)}
    school.by_form = Counter(g.get("form") or "не указана" for g in groups.values())
    school.by_kind = Counter(g.get("kind") or "не указан" for g in groups.values())
    school.by_status = Counter(g.get("status") or "не указан" for g in groups.values())
    present = {r.get("document"): r.get("present") for r in rows.get("documents", [])}
    school.documents = {d: (present[d] == v.YES) if present.get(d) in v.YES_NO else None
                        for d in v.DOCUMENTS}


# --- the workbook -----------------------------------------------------------------------------


def _district_in_name(workspace: Workspace) -> str:
    return re.sub(r'[\\/:*?"<>|]+', " ", workspace.settings.district).strip()


def report_path(workspace: Workspace, period: str) -> Path:
    return workspace.outbox / period / out.report_name(_district_in_name(workspace), period)


def note_path(workspace: Workspace, period: str) -> Path:
    return workspace.outbox / period / out.note_name(_district_in_name(workspace), period)


def write_report_workbook(report: DistrictReport, path: Path) -> Path:
    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        book.set_properties({"title": f"Отчёт о наставничестве: {report.district}, "
                                      f"{report.period}",
                             "subject": report.district, "author": "nastavnik",
                             "company": report.district, "comments": "",
                             "created": report.deadline.replace(microsecond=0)})
        set_identity(book, REPORT_FORM, REPORT_VERSION, district=report.district,
                     region=report.region or "—", period=report.period)
        formats = Formats(book)
        later = sheetxml.Later()  # the long tables, rendered as XML (pipeline/engine/sheetxml.py)
        lines = report_lines(report)
        _indicators_sheet(book, formats, report, later, lines)
        _counts_sheet(book, formats, report, later, lines)
        _documents_sheet(book, formats, report, later, lines)
        _charts_sheet(book, formats, report, lines)
        _data_sheet(book, formats, report, later, lines)
        book.close()
        later.place(tmp)
    return path


REPORT_TITLE = "Отчёт о наставничестве"


def period_line(place: str, period: str) -> str:
    """Whose and which month a workbook is: «Тестовый район, отчётный период: ноябрь…»."""
    return f"{place}, отчётный период: {month_year(period)} ({period})"


def report_lines(report: DistrictReport) -> list[str]:
    """The lines under each sheet's title: the district (region), the period, when made."""
    place = report.district + (f" ({report.region})" if report.region else "")
    lines = [period_line(place, report.period), made_line()]
    return [*lines, report.approval] if report.approval else lines


def _fraction(value: Value) -> float | None:
    percent = value.percent
    return None if percent is None else percent / 100


@dataclass
class IndicatorRow:
    """One row of an indicator table: leading texts, the values, trailing counts."""
    lead: list[str]
    values: dict[str, Value]
    extra: list[Any] = field(default_factory=list)


def write_indicator_sheet(book: Any, formats: Formats, indicators: list[Indicator],
                          lead: list[tuple[str, int]], rows: list[IndicatorRow],
                          total_row: IndicatorRow, *, extra: list[tuple[str, int]] = (),
                          name: str = out.INDICATORS.sheet, later: sheetxml.Later,
                          title: str, lines: list[str]) -> Any:
    """Each indicator as %, numerator and denominator under its name (a two-row heading)
    below the sheet's `title_block`; the last row, in bold, is the total computed from the
    summed parts. The rows are rendered as XML (`later`), a thousand schools' in a tenth of
    xlsxwriter's time."""
    sheet = book.add_worksheet(name)
    top = title_block(sheet, formats, title, lines)
    sheet.set_row(top, 15 * 3)
    bold_percent = book.add_format({"bold": True, "num_format": "0.0%", "top": 1})
    bold = book.add_format({"bold": True, "top": 1})
    sub = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "align": "center",
                           "bg_color": "#DDEBF7", "border": 1})
    widths: list[int] = []
    for col, (text, width) in enumerate(lead):
        sheet.merge_range(top, col, top + 1, col, text, formats.header)
        widths.append(max(width, header_width(text)))
    first = len(lead)
    parts = ("%", "числитель", "знаменатель")
    for n, indicator in enumerate(indicators):
        col = first + 3 * n
        sheet.merge_range(top, col, top, col + 2, f"{indicator.code}: {indicator.name}",
                          formats.header)
        for k, text in enumerate(parts):
            sheet.write_string(top + 1, col + k, text, sub)
        widths += [8, *[header_width(text) for text in parts[1:]]]
    after = first + 3 * len(indicators)
    for text, width in extra:
        sheet.merge_range(top, len(widths), top + 1, len(widths), text, formats.header)
        widths.append(max(width, header_width(text)))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, formats.percent if first <= col < after
                         and (col - first) % 3 == 0 else None)
    last = top + len(rows) + 2
    percent = str(formats.percent._get_xf_index())  # the styles of the rendered cells
    bold_styles = (str(bold._get_xf_index()), str(bold_percent._get_xf_index()))
    rendered = []
    for r, row in enumerate([*rows, total_row], start=top + 2):
        style, percent_style = bold_styles if r == last else (None, percent)
        cells: list[tuple[Any, str | None]] = [
            (None if text is None else str(text), style) for text in row.lead]
        for indicator in indicators:
            value = row.values.get(indicator.code)
            if value is None:
                cells += [(None, None)] * 3
                continue
            cells += [(_fraction(value), percent_style), (value.numerator, style),
                      (value.denominator, style)]
        cells += [(number if isinstance(number, int | float) else None, style)
                  for number in row.extra]
        rendered.append(sheetxml.render_styled_row(cells))
    rendered += ["<row/>", sheetxml.render_styled_row([(
        "Пустые ячейки — показатель не рассчитан: отчёт не представлен или отклонён, или "
        "знаменатель равен нулю.", None)])]
    later.add(len(book.worksheets()) - 1, ["".join(rendered)], len(rendered),
              after + len(extra))
    sheet.freeze_panes(top + 2, len(lead))
    sheet.autofilter(top + 1, 0, last, after + len(extra) - 1)
    printable(sheet, top + 1, first_header_row=top, widths=widths, repeat_columns=1)
    # an indicator's three columns stay on one page
    sheet.set_v_pagebreaks(page_breaks(widths, [first + 3 * n for n in range(len(indicators))]
                                       + list(range(after, after + len(extra))), 1))
    return sheet


def _indicators_sheet(book: Any, formats: Formats, report: DistrictReport,
                      later: sheetxml.Later, lines: list[str]) -> None:
    rows = [IndicatorRow(out.INDICATORS.row(s), s.values) for s in report.schools]
    total_row = IndicatorRow(["Итого", report.district,
                              f"принято {report.accepted} из {report.expected}"], report.total)
    write_indicator_sheet(book, formats, report.indicators,
                          [(c.header, c.width) for c in out.INDICATORS.columns],
                          rows, total_row, later=later,
                          title=f"{REPORT_TITLE}: показатели по школам", lines=lines)


def _counts_sheet(book: Any, formats: Formats, report: DistrictReport,
                  later: sheetxml.Later, lines: list[str]) -> None:
    totals = {attribute: report.by(attribute) for attribute in ("by_form", "by_kind",
                                                                "by_status")}
    forms = [f for f in v.FORMS if totals["by_form"][f]] or list(v.FORMS[:1])
    kinds = [k for k in (*v.KINDS, "не указан") if totals["by_kind"][k]]
    statuses = list(v.STATUSES)
    table = out.COUNTS.with_columns(
        *[out.OutputColumn(f"Форма: {f}", out.BY_WIDTH) for f in forms],
        *[out.OutputColumn(f"Вид: {k}", out.BY_WIDTH) for k in kinds],
        *[out.OutputColumn(f"Статус: {s}", out.BY_WIDTH) for s in statuses])
    label = len(out.COUNTS.columns) - len(out.COUNT_COLUMNS)  # the school, not its counts
    rows = []
    for school in [*report.schools, None]:
        if school is None:
            row = ["Итого", report.district, "", *[report.count(k) for k in out.COUNT_COLUMNS]]
            by_form, by_kind, by_status = (totals["by_form"], totals["by_kind"],
                                           totals["by_status"])
        elif not school.accepted:
            rows.append([c.of(school) for c in out.COUNTS.columns[:label]])
            continue
        else:
            row = out.COUNTS.row(school)
            by_form, by_kind, by_status = school.by_form, school.by_kind, school.by_status
        rows.append([*row, *[by_form[f] for f in forms], *[by_kind[k] for k in kinds],
                     *[by_status[s] for s in statuses]])
    write_output(book, formats, table, rows, later=later, totals=1,
                 **heading(formats, f"{REPORT_TITLE}: численность наставников, наставляемых, "
                           "пар и групп", lines))


def _documents_sheet(book: Any, formats: Formats, report: DistrictReport,
                     later: sheetxml.Later, lines: list[str]) -> None:
    rows = []
    for school in report.schools:
        if not school.accepted:
            rows.append([school.code, school.name, *[school.status] + [None] * 4])
            continue
        rows.append(out.DOCUMENTS.row(school))
    have = [sum(1 for s in report.schools if s.documents.get(d)) for d in v.DOCUMENTS]
    rows.append(["Итого", "школ, где документ есть", *have])
    write_output(book, formats, out.DOCUMENTS, rows, later=later, totals=1,
                 **heading(formats, f"{REPORT_TITLE}: документы школ о наставничестве", lines))


def _charts_sheet(book: Any, formats: Formats, report: DistrictReport,
                  lines: list[str]) -> None:
    # a rejected file is not a report on time, nor a late one: it has a slice of its own
    parts = [(ON_TIME_PART, report.on_time), (LATE_PART, len(report.late)),
             (REJECTED_PART, len(report.rejected)), (MISSING_PART, len(report.missing))]
    write_charts_sheet(book, formats, f"{REPORT_TITLE}: диаграммы", lines, report.indicators,
                       [(s.code, s.values) for s in report.schools if s.values],
                       report.by("by_form").most_common(), parts, report.period)


# a slice of «Сдача отчётов» has the colour of what it means, in the district's pie and the
# region's alike: counted green, late amber, rejected grey, not sent red
ON_TIME_PART, LATE_PART, REJECTED_PART, MISSING_PART = (
    "Приняты, сданы в срок", "Приняты, сданы с опозданием", "Отклонены", "Не сдали")
COUNTED_PART = "Учтены"  # a district report in the region's roll-up
PART_COLOURS = {ON_TIME_PART: "#70AD47", COUNTED_PART: "#70AD47", LATE_PART: "#FFC000",
                REJECTED_PART: "#7F7F7F", MISSING_PART: "#C00000"}
OTHER_PART = "#5B9BD5"


def write_charts_sheet(book: Any, formats: Formats, title: str, lines: list[str],
                       indicators: list[Indicator], coverage: list[tuple[str, dict[str, Value]]],
                       forms: list[tuple[str, int]] | None, parts: list[tuple[str, int]],
                       period: str, *, unit: str = "по школам",
                       tables: tuple[Any, Any, Any] = out.CHART_TABLES) -> Any:
    """Native Excel charts over small tables on the same sheet (they stay live in Excel),
    below the sheet's title block; printed on pages a chart wide, as long as the tables.
    `coverage` is (label, values) per school or district; `forms` (None: no such chart)
    pairs and groups by form; `parts` how the reports came in. The district report and the
    region's roll-up both write theirs here (`tables`: their headers)."""
    coverage_table, forms_table, parts_table = tables
    sheet = book.add_worksheet(out.CHARTS_SHEET)
    top = title_block(sheet, formats, title, lines)
    label, number = coverage_table.widths[:2]
    sheet.set_column(0, 0, label)
    sheet.set_column(1, 3, number)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer(FOOTER)
    name = out.CHARTS_SHEET
    sheet.write_row(top, 0, coverage_table.headers, formats.header)
    for r, (who, values) in enumerate(coverage, start=top + 1):
        sheet.write_string(r, 0, who)
        for c, code in enumerate(("K1", "K3"), start=1):
            value = values.get(code)
            if value is not None and value.percent is not None:
                sheet.write_number(r, c, round(value.percent, 1))
    chart = book.add_chart({"type": "column"})
    for c, code in enumerate(("K1", "K3"), start=1):
        indicator = next((i for i in indicators if i.code == code), None)
        if indicator is None:
            continue
        chart.add_series({"name": f"{code}: {indicator.name}",
                          "categories": [name, top + 1, 0, top + max(len(coverage), 1), 0],
                          "values": [name, top + 1, c, top + max(len(coverage), 1), c]})
    chart.set_title({"name": f"Охват наставничеством {unit}, %"})
    chart.set_y_axis({"min": 0, "name": "%"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": 380})
    sheet.insert_chart(top + 1, 5, chart)

    start = top + len(coverage) + 3
    at = top + 22
    if forms is not None:
        sheet.write_row(start, 0, forms_table.headers, formats.header)
        for r, (form, count) in enumerate(forms, start=start + 1):
            sheet.write_string(r, 0, form)
            sheet.write_number(r, 1, count)
        pie = book.add_chart({"type": "bar"})
        pie.add_series({"name": forms_table.headers[1],
                        "categories": [name, start + 1, 0, start + max(len(forms), 1), 0],
                        "values": [name, start + 1, 1, start + max(len(forms), 1), 1],
                        "data_labels": {"value": True}})
        pie.set_title({"name": "Пары и группы по формам наставничества"})
        pie.set_legend({"none": True})
        pie.set_size({"width": 900, "height": 360})
        sheet.insert_chart(at, 5, pie)
        start, at = start + len(forms) + 3, at + 19

    sheet.write_row(start, 0, parts_table.headers, formats.header)
    for r, (text, count) in enumerate(parts, start=start + 1):
        sheet.write_string(r, 0, text)
        sheet.write_number(r, 1, count)
    rate = book.add_chart({"type": "pie"})
    rate.add_series({"name": parts_table.headers[0],
                     "categories": [name, start + 1, 0, start + len(parts), 0],
                     "values": [name, start + 1, 1, start + len(parts), 1],
                     "data_labels": {"value": True},
                     "points": [{"fill": {"color": PART_COLOURS.get(text, OTHER_PART)}}
                                for text, _ in parts]})
    rate.set_title({"name": f"Сдача отчётов за {period}"})
    rate.set_legend({"position": "right"})
    rate.set_size({"width": 520, "height": 340})
    sheet.insert_chart(at, 5, rate)
    return sheet


def data_rows(report: DistrictReport) -> list[list[Any]]:
    """«Данные»: the machine-readable numbers the regional roll-up reads (long format)."""
    records: list[dict[str, Any]] = []
    for school in report.schools:
        for indicator in report.indicators:
            value = school.values.get(indicator.code)
            if value is None:
                continue
            records.append(_data_record(LEVEL_SCHOOL, school.code, school.name, indicator.code,
                                        indicator.name, value.numerator, value.denominator,
                                        value.percent))
    for indicator in report.indicators:
        value = report.total[indicator.code]
        records.append(_data_record(LEVEL_DISTRICT, report.district, report.district,
                                    indicator.code, indicator.name, value.numerator,
                                    value.denominator, value.percent))
    counts = {"schools_expected": report.expected, "schools_received": report.received,
              "schools_accepted": report.accepted, "schools_on_time": report.on_time,
              **{k: report.count(k) for k in ("mentors", "mentees", "pairs", "links")}}
    for key, label in COUNT_KEYS.items():
        records.append(_data_record(LEVEL_DISTRICT, report.district, report.district, key, label,
                                    counts[key], None, counts[key]))
    return [out.DATA.row(record) for record in records]


def _data_record(level: str, code: str, name: str, indicator: str, indicator_name: str,
                 numerator: Any, denominator: Any, value: Any) -> dict[str, Any]:
    return {"level": level, "code": code, "name": name, "indicator": indicator,
            "indicator_name": indicator_name, "numerator": numerator,
            "denominator": denominator, "value": value}


def _data_sheet(book: Any, formats: Formats, report: DistrictReport,
                later: sheetxml.Later, lines: list[str]) -> None:
    """«Данные» under a title block: the roll-up finds its header row by searching
    (`rollup.HEADER_SEARCH_ROWS`), and reads «Значение» as stored, unrounded."""
    write_output(book, formats, out.DATA, data_rows(report), later=later,
                 **heading(formats, f"{REPORT_TITLE}: данные для регионального свода", lines))
