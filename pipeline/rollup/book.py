"""The region's workbook: what `rollup` read, written as the district report is written.

The same title block over every sheet (the region, the month in words, when made, how many
district reports were counted), and the district report's sheets with districts in place of
schools: «Показатели», «Численность», «Документы», «Диаграммы» (the shared writers of
pipeline/report.py), then the roll-up's own «Сдача» and «Замечания».
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.engine import sheetxml
from pipeline.indicators import Value
from pipeline.report import (
    COUNT_KEYS,
    COUNTED_PART,
    MISSING_PART,
    REJECTED_PART,
    IndicatorRow,
    period_line,
    write_charts_sheet,
    write_indicator_sheet,
)
from pipeline.rollup.reading import (
    ROLLUP_FORM,
    ROLLUP_VERSION,
    STATUS_MISSING,
    DistrictRow,
    Rollup,
)
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
from schemas.vocab import DOCUMENTS


def rollup_path(directory: Path, result: Rollup) -> Path:
    """Where the region's workbook goes by default: beside the folder of district reports,
    never into it (the folder is what is read; a workbook there would be read next time)."""
    name = re.sub(r'[\\/:*?"<>|]+', " ", result.region or "регион").strip()
    return Path(directory).resolve().parent / out.rollup_name(name, result.period)


def output_inside(directory: Path, output: Path) -> bool:
    """Whether `output` would be written into the folder the roll-up reads (or below it)."""
    return Path(output).resolve().parent.is_relative_to(Path(directory).resolve())


def write_rollup_workbook(result: Rollup, path: Path) -> Path:
    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        region = result.region or "—"
        book.set_properties({"title": f"Наставничество: свод по региону {region}, "
                                      f"{result.period}",
                             "subject": region, "author": "nastavnik", "company": region,
                             "comments": ""})
        set_identity(book, ROLLUP_FORM, ROLLUP_VERSION, region=region, period=result.period)
        formats = Formats(book)
        later = sheetxml.Later()
        lines = rollup_lines(result)
        _indicators_sheet(book, formats, result, later, lines)
        _counts_sheet(book, formats, result, later, lines)
        _documents_sheet(book, formats, result, later, lines)
        _charts_sheet(book, formats, result, lines)
        _submission_sheet(book, formats, result, later, lines)
        _problems_sheet(book, formats, result, later, lines)
        book.close()
        later.place(tmp)
    return Path(path)


def rollup_lines(result: Rollup) -> list[str]:
    """The lines under each sheet's title: the region and month, when made, what counted."""
    return [period_line(result.region or "регион не указан", result.period), made_line(),
            f"Учтено отчётов МО: {len(result.counted)} из {_expected(result)}"]


def _expected(result: Rollup) -> int:
    return len(result.expected) if result.expected is not None else len(result.districts)


def _fraction(value: Value | None) -> float | None:
    percent = value.percent if value is not None else None
    return None if percent is None else percent / 100


ROLLUP_TITLE = "Региональный свод о наставничестве"


def _indicators_sheet(book: Any, formats: Formats, result: Rollup,
                      later: sheetxml.Later, lines: list[str]) -> None:
    counts = ("mentors", "mentees", "pairs", "links")
    rows = []
    for district in result.districts:
        values = district.file.values if district.counted and district.file else {}
        rows.append(IndicatorRow(out.ROLLUP_INDICATORS.row(district), values,
                                 [district.count(k) for k in counts]))
    expected = len(result.expected) if result.expected is not None else len(result.districts)
    total_row = IndicatorRow(["Итого по региону", f"учтено {len(result.counted)} из {expected}"],
                             result.total, [result.count(k) for k in counts])
    write_indicator_sheet(book, formats, result.indicators,
                          [(c.header, c.width) for c in out.ROLLUP_INDICATORS.columns], rows,
                          total_row, extra=[(COUNT_KEYS[k], out.ROLLUP_COUNT_WIDTH)
                                            for k in counts], later=later,
                          title=f"{ROLLUP_TITLE}: показатели по муниципальным образованиям",
                          lines=lines)


@dataclass
class _SubmissionRow:
    district: DistrictRow
    rollup: Rollup

    @staticmethod
    def fraction(value: Value | None) -> float | None:
        return _fraction(value)


def _submission_sheet(book: Any, formats: Formats, result: Rollup, later: sheetxml.Later,
                      lines: list[str]) -> None:
    keys = ("schools_expected", "schools_received", "schools_accepted", "schools_on_time")
    rows: list[list[Any]] = [out.SUBMISSIONS.row(_SubmissionRow(district, result))
                             for district in result.districts]
    received = sum(1 for d in result.districts if d.file is not None)
    expected = len(result.expected) if result.expected is not None else len(result.districts)
    rows.append(["Итого по региону", f"МО: {expected}", f"получено {received}",
                 f"учтено {len(result.counted)}", None, None,
                 *[result.count(k) for k in keys],
                 *[_fraction(result.rate(k)) for k in keys[1:]]])
    titled = heading(formats, f"{ROLLUP_TITLE}: сдача отчётов муниципальными образованиями",
                     lines)
    write_output(book, formats, out.SUBMISSIONS, rows, later=later, cells=True, totals=1,
                 **titled)
    _total_row(book, book.worksheets()[-1], formats, titled["start_row"] + len(rows), rows[-1],
               out.SUBMISSIONS.formatted(out.PERCENT))


def _total_row(book: Any, sheet: Any, formats: Formats, row: int, values: list[Any],
               percent: Sequence[int]) -> None:
    """The total row again in bold; a row format would hide the columns' percent format. Its
    texts wrap (an indicator's long name) and every cell sits at the top, as the rows above."""
    bold_percent = book.add_format({"bold": True, "num_format": "0.0%", "valign": "top"})
    bold_text = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for col, value in enumerate(values):
        cell_format = bold_percent if col in percent else bold_text
        if isinstance(value, int | float) and not isinstance(value, bool):
            sheet.write_number(row, col, value, cell_format)
        elif value is not None:
            sheet.write_string(row, col, str(value), cell_format)


def _problems_sheet(book: Any, formats: Formats, result: Rollup, later: sheetxml.Later,
                    lines: list[str]) -> None:
    table = out.ROLLUP_PROBLEMS
    rows: list[list[Any]] = []
    for f in result.files:
        for p in f.problems:
            rows.append(table.row({"file": f.path.name, "district": f.district,
                                   "period": f.period, "status": f.status, "row": p.row,
                                   "code": p.code, "message": p.message}))
    for name in result.missing:
        if result.district(name) and result.district(name).file is None:
            rows.append(table.row({"district": name, "period": result.period,
                                   "status": STATUS_MISSING, "code": "missing-report",
                                   "message": "отчёт МО за месяц не получен — напомните МО о "
                                              "сроке"}))
    write_output(book, formats, table, rows, later=later, cells=True,
                 **heading(formats, f"{ROLLUP_TITLE}: замечания к файлам муниципальных "
                           "образований", lines))


def _counted_rows(result: Rollup) -> list[tuple[DistrictRow, bool]]:
    return [(d, d.counted and d.file is not None) for d in result.districts]


def _counts_sheet(book: Any, formats: Formats, result: Rollup, later: sheetxml.Later,
                  lines: list[str]) -> None:
    """Per district, as the district's «Численность» per school: accepted schools, mentors,
    mentees, pairs and groups, links. Forms, kinds and statuses are not in «Данные»."""
    table = out.ROLLUP_COUNTS
    keys = [c.value for c in table.columns[2:]]
    rows: list[list[Any]] = []
    for district, counted in _counted_rows(result):
        rows.append([district.name, district.status,
                     *[district.count(k) if counted else None for k in keys]])
    rows.append(["Итого по региону", f"учтено {len(result.counted)} из {_expected(result)}",
                 *[result.count(k) for k in keys]])
    write_output(book, formats, table, rows, later=later, cells=True, totals=1,
                 **heading(formats, f"{ROLLUP_TITLE}: численность наставников, наставляемых, "
                           "пар и групп", lines))
    _total_row(book, book.worksheets()[-1], formats, len(lines) + 2 + len(rows), rows[-1], ())


def _documents_sheet(book: Any, formats: Formats, result: Rollup, later: sheetxml.Later,
                     lines: list[str]) -> None:
    """Per district, how many of its schools have each document (its «Документы» total)."""
    table = out.ROLLUP_DOCUMENTS
    rows: list[list[Any]] = []
    for district, counted in _counted_rows(result):
        have = district.file.documents if counted and district.file else {}
        rows.append([district.name, district.status,
                     district.count("schools_accepted") if counted else None,
                     *[have.get(d) for d in DOCUMENTS]])
    rows.append(["Итого по региону", f"учтено {len(result.counted)} из {_expected(result)}",
                 result.count("schools_accepted"),
                 *[sum(f.documents.get(d, 0) for f in result.counted) for d in DOCUMENTS]])
    write_output(book, formats, table, rows, later=later, cells=True, totals=1,
                 **heading(formats, f"{ROLLUP_TITLE}: документы школ о наставничестве "
                           "(сколько школ МО их имеют)", lines))
    _total_row(book, book.worksheets()[-1], formats, len(lines) + 2 + len(rows), rows[-1], ())


def _charts_sheet(book: Any, formats: Formats, result: Rollup, lines: list[str]) -> None:
    received = [d for d in result.districts if d.file is not None]
    parts = [(COUNTED_PART, len(result.counted)),
             (REJECTED_PART, sum(1 for d in received if d.file and d.file.rejected)),
             (MISSING_PART, sum(1 for d in result.districts if d.file is None and d.expected))]
    write_charts_sheet(book, formats, f"{ROLLUP_TITLE}: диаграммы", lines, result.indicators,
                       [(d.name, d.file.values) for d, counted in _counted_rows(result)
                        if counted and d.file], None, parts, result.period,
                       unit="по муниципальным образованиям", tables=out.ROLLUP_CHART_TABLES)
