"""One declaration per output table, as the form's columns have theirs (schemas/columns.py).

Each table the tool writes (the district workbook's sheets, the ministry report's, the
regional roll-up's, the analytical note's) is an `OutputTable`: its sheet, and its columns in
order, each an `OutputColumn` with its header, width, number format, whether it may carry a
person's name, and where its value comes from. The writers take headers, widths and formats
from here; adding an output column is one edit here. The names of the output files and
folders are here too, once.

Tables whose columns depend on the data (an indicator per column, a form of mentoring per
column) declare their fixed columns; the writer adds the others after them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from schemas import vocab as v
from schemas.columns import Column, Sheet

# --- the output files and folders -------------------------------------------------------------

FEEDBACK_FOLDER = "Замечания"  # outbox/YYYY-MM/Замечания/: the schools' feedback workbooks


def district_book_name(period: str) -> str:
    """The district workbook of a month, in outbox/YYYY-MM/."""
    return f"Свод_{period}.xlsx"


def report_name(district: str, period: str) -> str:
    """The ministry report (`district` made fit for a file name)."""
    return f"Отчёт {district} {period}.xlsx"


def note_name(district: str, period: str) -> str:
    return f"Аналитическая справка {district} {period}.docx"


def rollup_name(region: str, period: str) -> str:
    return f"Свод региона {region} {period}.xlsx"


def rollup_period_name(region: str, first: str, last: str) -> str:
    """The region's workbook over several months (`rollup --from/--to`, `--half`)."""
    return f"Свод региона за период {region} {first}_{last}.xlsx"


# --- how a table is declared ------------------------------------------------------------------

DATE = "date"  # a date, shown as ДД.ММ.ГГГГ (pipeline/workbooks.py's date format)
PERCENT = "0.0%"  # a share, shown as a percentage with one decimal


@dataclass(frozen=True)
class OutputColumn:
    header: str
    width: float  # characters in a workbook, centimetres in the note
    # where the value comes from: a key (or attribute) of the row, or a function of it
    value: str | Callable[[Any], Any] | None = None
    number_format: str | None = None  # DATE, PERCENT or an Excel format («0.0»)
    personal: bool = False  # may carry a person's name: shown only with consent (SPEC §5)
    wrap: bool = False  # long text that wraps within the width
    fit: bool = False  # as wide as its longest text (capped)

    def of(self, row: Any) -> Any:
        """This column's value for `row`."""
        value = self.value
        if value is None:
            return None
        if callable(value):
            return value(row)
        return row.get(value) if isinstance(row, dict) else getattr(row, value)


@dataclass(frozen=True)
class OutputTable:
    sheet: str
    columns: tuple[OutputColumn, ...]
    caption: str = ""  # a format string of the line above the table, if any
    repeat_columns: int = 0  # the first columns printed on every page of a wide table
    public: bool = False  # leaves the district (the report, the roll-up): no name (SPEC §5)
    # a long list, written as an Excel table named after its sheet («Сдача отчётов» is
    # Сдача_отчётов) for a PivotTable or Power Query (pipeline/workbooks.py `write_output`)
    excel_table: bool = False

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def widths(self) -> list[float]:
        return [c.width for c in self.columns]

    def indices(self, flag: str) -> tuple[int, ...]:
        """The columns with `flag` ("wrap", "fit", "personal") set."""
        return tuple(n for n, c in enumerate(self.columns) if getattr(c, flag))

    def formatted(self, number_format: str) -> tuple[int, ...]:
        return tuple(n for n, c in enumerate(self.columns) if c.number_format == number_format)

    def row(self, source: Any) -> list[Any]:
        """A row of the table: each column's value of `source`."""
        return [c.of(source) for c in self.columns]

    def with_columns(self, *more: OutputColumn) -> OutputTable:
        """The table with `more` columns after its own (an indicator's, a form's)."""
        return replace(self, columns=(*self.columns, *more))


def _file_name(path: Any) -> str | None:
    return Path(path).name if path else None


# --- the district workbook (pipeline/district.py) --------------------------------------------
# A row of «Сводка» and «Сдача отчётов» is a school's line: its `school`, the `result` of the
# file that counts (None when nothing came), its `standing` (pipeline/standing.py), whether it
# is `accepted`, its `pairs` and groups, its `deadline` and how many `files` it sent, what
# it changed by a correction `after_approval` of the month, the files the district set
# aside (`voided`, a text), and its `history`: its numbers and last month's, as the history
# check compares them (None unless accepted).


def _accepted(take: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda line: take(line) if line.accepted else None


def _received(take: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda line: take(line) if line.result is not None else None


SCHOOL_CODE = OutputColumn("Код ОО", 10, lambda line: line.school.code)
NO_LAST_MONTH = "—"  # a school with no accepted report last month: nothing to compare with
CHANGE = "+0;-0;0"  # a change with its sign


def _before_and_now(line: Any, key: str) -> tuple[Any, Any]:
    """Last month's number `key` of the school and this month's, as the history check
    compares them (pipeline/rules/district.py `history_compared`: last month's accepted
    file, as approved if the month was); last month's is None without one."""
    figures = (line.history or {}).get(key)
    return (figures[0], figures[1]) if figures else (None, None)


def _last_month(key: str, what: str) -> tuple[OutputColumn, OutputColumn]:
    """The number `key` («Наставников») last month and its change since: «—» for a school
    with no accepted report last month."""
    def before(line: Any) -> Any:
        value = _before_and_now(line, key)[0]
        return NO_LAST_MONTH if value is None else value

    def change(line: Any) -> Any:
        value, now = _before_and_now(line, key)
        return NO_LAST_MONTH if value is None or now is None else now - value

    return (OutputColumn(f"{what} в прошлом месяце", 16, _accepted(before)),
            OutputColumn(f"{what}: изменение", 16, _accepted(change), number_format=CHANGE))

SUMMARY = OutputTable("Сводка", (
    SCHOOL_CODE,
    OutputColumn("Наименование ОО", 48, lambda line: line.school.name, fit=True),
    OutputColumn("Получен", 10, lambda line: "да" if line.result is not None else "нет"),
    OutputColumn("Статус", 22, lambda line: line.standing.status, fit=True),
    OutputColumn("Файл", 44, _received(lambda line: _file_name(line.result.file)), fit=True),
    OutputColumn("Наставников", 13, _accepted(lambda line: line.result.counts["mentors"])),
    *_last_month("mentors", "Наставников"),
    OutputColumn("Наставляемых", 14, _accepted(lambda line: line.result.counts["mentees"])),
    *_last_month("mentees", "Наставляемых"),
    OutputColumn("Пар и групп", 12, _accepted(lambda line: line.pairs)),
    OutputColumn("Действующих пар и групп", 16,
                 _accepted(lambda line: (line.history or {}).get("active_pairs", [None] * 2)[1])),
    *_last_month("active_pairs", "Действующих пар и групп"),
    OutputColumn("Связей в парах", 15, _accepted(lambda line: line.result.counts["links"])),
    OutputColumn("Ошибок", 9, _received(lambda line: line.standing.errors)),
    OutputColumn("Предупреждений", 16, _received(lambda line: line.standing.warnings)),
    OutputColumn("Куратор", 34, _received(lambda line: line.result.title.get("curator")),
                 personal=True, fit=True),
    OutputColumn("Телефон куратора", 20,
                 _received(lambda line: line.result.title.get("curator_phone")), fit=True),
    OutputColumn("E-mail куратора", 30,
                 _received(lambda line: line.result.title.get("curator_email")), fit=True),
), repeat_columns=1, excel_table=True)

NO_REPORT = "отчёта нет"
FILE_REJECTED = "файл отклонён"


def _reported_links(line: Any) -> Any:
    if line.result is None:
        return NO_REPORT
    return line.result.counts["links"] if line.accepted else FILE_REJECTED


def _correction(line: Any) -> Any:
    standing = line.standing
    return standing.received if standing.received != standing.first_received else None


def _justified(line: Any) -> Any:
    """How many of the file's warnings the school justified (`justified-warning`)."""
    if not line.accepted:
        return None
    return sum(1 for i in line.result.issues if i.code == "justified-warning") or None


DEADLINES = OutputTable("Сдача отчётов", (
    SCHOOL_CODE,
    OutputColumn("Наименование ОО", 48, lambda line: line.school.name, fit=True),
    OutputColumn("Статус", 22, lambda line: line.standing.status, fit=True),
    OutputColumn("Получен", 18, lambda line: line.standing.first_received),
    OutputColumn("Исправление получено", 18, _correction),
    OutputColumn("Срок", 12, lambda line: line.deadline.date()),
    OutputColumn("В срок", 20, lambda line: line.standing.on_time_ru),
    OutputColumn("Файлов за месяц", 18, "files"),
    OutputColumn("Пар и групп в отчёте", 22, _reported_links),
    OutputColumn("Пояснённых предупреждений", 18, _justified),
    OutputColumn("После утверждения", 44, "after_approval", wrap=True),
    OutputColumn("Аннулированные файлы", 44, "voided", wrap=True),
), caption="Сдача отчётов за {period}", repeat_columns=1, excel_table=True)

# The three lists: each form sheet's columns (schemas/columns.py) between the school and the
# place in its file the row came from. A row is rendered from a stored record (its columns'
# keys) for a school and a file (pipeline/district.py, `_render_school`).
LIST_LEAD = (SCHOOL_CODE, OutputColumn("Наименование ОО", 36, "school_name"))
LIST_SOURCE = (OutputColumn("Файл", 40, "_file"), OutputColumn("Строка", 8, "_row"))
FREE_TEXT_WIDTH = 44  # a list's free text (a position, an organisation): most fit, none is cut


def list_width(column: Column) -> int:
    """A list column's width without reading its rows (a region's lists hold a million
    cells): a vocabulary's longest word, or room for most free text."""
    if column.vocab:
        return max(column.width, min(45, max(map(len, column.vocab)) + 2))
    return max(column.width, FREE_TEXT_WIDTH) if column.kind == "text" else column.width


def list_table(sheet: Sheet) -> OutputTable:
    """The district workbook's list of a form sheet: its data columns, named where consented."""
    return OutputTable(sheet.name, (
        *LIST_LEAD,
        *(OutputColumn(c.header, list_width(c), c.key,
                       number_format=DATE if c.kind == "date" else None, personal=c.personal)
          for c in sheet.data_columns),
        *LIST_SOURCE), repeat_columns=1, excel_table=True)


# A row of «Изменения» is a change (pipeline/consolidate.py's Change) with its `school`.
def _pair(take: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda row: take(row.change.record) if row.pair else None


CHANGES = OutputTable("Изменения", (
    OutputColumn("Код ОО", 10, lambda row: row.change.school_code),
    OutputColumn("Наименование ОО", 40, lambda row: row.school.name if row.school else None,
                 fit=True),
    OutputColumn("Кто / что", 14, lambda row: row.change.what),
    OutputColumn("Изменение", 24, lambda row: row.change.change),
    OutputColumn("ФИО", 32, lambda row: None if row.pair else row.change.record.get("full_name"),
                 personal=True),
    OutputColumn("Наставник", 32, _pair(lambda r: r.get("mentor_name")), personal=True),
    OutputColumn("Наставляемый", 32, _pair(lambda r: r.get("mentee_name")), personal=True),
    OutputColumn("№ пары/группы", 12, _pair(lambda r: r.get("pair_id"))),
    OutputColumn("Форма наставничества", 24, _pair(lambda r: r.get("form")), fit=True),
    OutputColumn("Дата начала", 12, _pair(lambda r: r.get("start"))),
    OutputColumn("Дата окончания", 12, _pair(lambda r: r.get("end"))),
), repeat_columns=1, excel_table=True)

# A row of «Замечания» is an issue (pipeline/issues.py) of a file: its `result`, its `file`
# as shown (with the file's role), its `severity` in Russian.
ISSUES = OutputTable(FEEDBACK_FOLDER, (
    OutputColumn("Код ОО", 10, lambda row: row.result.school_code),
    OutputColumn("Файл", 34, "file", fit=True),
    OutputColumn("Важность", 16, "severity", fit=True),
    OutputColumn("Код", 24, lambda row: row.issue.code, fit=True),
    OutputColumn("Лист", 16, lambda row: row.issue.sheet, fit=True),
    OutputColumn("Строка", 8, lambda row: row.issue.row),
    OutputColumn("Столбец", 26, lambda row: row.issue.column),
    # a person's name when the issue is about a name column
    OutputColumn("Значение", 26, lambda row: row.issue.value, personal=True),
    OutputColumn("Что не так и как исправить", 90, lambda row: row.issue.message, wrap=True),
), repeat_columns=1, excel_table=True)

# --- the ministry report (pipeline/report.py) -------------------------------------------------
# Rows are a SchoolReport's; the report leaves the district: aggregates only (SPEC §5).

REPORT_STATUS = OutputColumn("Статус отчёта", 21, "status")

INDICATORS = OutputTable("Показатели", (
    OutputColumn("Код ОО", 9, "code"),
    OutputColumn("Наименование ОО", 36, "name"),
    REPORT_STATUS,
), public=True)  # then each indicator: %, numerator, denominator

# the district's counts by key, as «Данные» labels them (the roll-up's headers too)
COUNT_LABELS = {
    "schools_expected": "Школ должны были отчитаться",
    "schools_received": "Школ представили отчёт",
    "schools_accepted": "Отчётов принято",
    "schools_on_time": "Представили в срок",
    "mentors": "Наставников",
    "mentees": "Наставляемых",
    "pairs": "Пар и групп",
    "links": "Связей наставник–наставляемый",
}
COUNT_COLUMNS = {**{k: COUNT_LABELS[k] for k in ("mentors", "mentees", "pairs")},
                 "links": "Связей"}
COUNT_COLUMN_WIDTHS = {"mentors": 12, "mentees": 13, "pairs": 11, "links": 9}
BY_WIDTH = 16  # a column per form, kind and status of pairs and groups


def _count(key: str) -> Callable[[Any], Any]:
    return lambda school: school.counts[key]


COUNTS = OutputTable("Численность", (
    OutputColumn("Код ОО", 10, "code"),
    OutputColumn("Наименование ОО", 44, "name"),
    replace(REPORT_STATUS, width=22),
    *(OutputColumn(COUNT_COLUMNS[k], COUNT_COLUMN_WIDTHS[k], _count(k)) for k in COUNT_COLUMNS),
), repeat_columns=1, public=True, excel_table=True)  # then «Форма: …», «Вид: …», «Статус: …»

DOCUMENT_ANSWERS = {True: "да", False: "нет", None: "не указано"}


def _document(name: str) -> Callable[[Any], Any]:
    return lambda school: DOCUMENT_ANSWERS[school.documents.get(name)]


DOCUMENTS = OutputTable("Документы", (
    OutputColumn("Код ОО", 10, "code"),
    OutputColumn("Наименование ОО", 44, "name"),
    *(OutputColumn(d, 22, _document(d)) for d in v.DOCUMENTS),
), public=True, excel_table=True)

# «Диаграммы»: small tables under the charts, a row of (label, number…)
CHARTS_SHEET = "Диаграммы"
CHART_COVERAGE = OutputTable(CHARTS_SHEET, (OutputColumn("Школа", 24), OutputColumn("K1, %", 12),
                                            OutputColumn("K3, %", 12)), public=True)
CHART_FORMS = OutputTable(CHARTS_SHEET, (OutputColumn("Форма наставничества", 24),
                                         OutputColumn("Пар и групп", 12)), public=True)
CHART_SUBMISSIONS = OutputTable(CHARTS_SHEET, (OutputColumn("Сдача отчётов", 24),
                                               OutputColumn("Школ", 12)), public=True)

LEVEL_SCHOOL, LEVEL_DISTRICT = "ОО", "МО"  # «Уровень» of a row of «Данные»

# «Данные»: the numbers the regional roll-up reads back (pipeline/rollup.py), by these headers;
# a row is a dict by the columns' keys.
DATA = OutputTable("Данные", (
    OutputColumn("Уровень", 6, "level"),
    OutputColumn("Код", 24, "code", fit=True),
    OutputColumn("Наименование", 40, "name", fit=True),
    OutputColumn("Показатель", 18, "indicator"),
    OutputColumn("Название показателя", 46, "indicator_name"),
    OutputColumn("Числитель", 12, "numerator"),
    OutputColumn("Знаменатель", 12, "denominator"),
    # a percentage, rounded where a person reads it, kept unrounded
    OutputColumn("Значение", 12, "value", number_format="0.0"),
), public=True, excel_table=True)

# --- the regional roll-up (pipeline/rollup.py) ------------------------------------------------
# Rows are a DistrictRow's (a district, its newest file of the month).

DISTRICT_NAME = OutputColumn("Муниципальное образование", 34, "name")

ROLLUP_INDICATORS = OutputTable("Показатели", (
    DISTRICT_NAME,
    OutputColumn("Статус отчёта", 22, "status"),
), public=True)  # then each indicator, then the counts

ROLLUP_COUNT_WIDTH = 13

_SUBMISSION_COUNTS = ("schools_expected", "schools_received", "schools_accepted",
                      "schools_on_time")
YES_NO_UNKNOWN = {True: "да", False: "нет", None: "—"}


def _district_count(key: str) -> Callable[[Any], Any]:
    return lambda row: row.district.count(key)


def _district_rate(key: str) -> Callable[[Any], Any]:
    return lambda row: row.fraction(row.rollup.rate(key, row.district))


def _district_file(take: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda row: take(row.district.file) if row.district.file else None


# A row of «Сдача» is a district's: its `district` (DistrictRow), the `rollup`, and
# `fraction` (a Value as a share).
SUBMISSIONS = OutputTable("Сдача", (
    replace(DISTRICT_NAME, value=lambda row: row.district.name, fit=True),
    OutputColumn("Ожидается", 11, lambda row: YES_NO_UNKNOWN[row.district.expected]),
    OutputColumn("Отчёт получен", 10, lambda row: "да" if row.district.file else "нет"),
    OutputColumn("Статус отчёта", 22, lambda row: row.district.status),
    OutputColumn("Файл", 40, _district_file(lambda f: f.path.name), fit=True),
    OutputColumn("Изменён", 16, _district_file(lambda f: f.modified.replace(microsecond=0))),
    *(OutputColumn(COUNT_LABELS[k], width, _district_count(k))
      for k, width in zip(_SUBMISSION_COUNTS, (14, 14, 12, 12), strict=True)),
    OutputColumn("Доля представивших", 14, _district_rate("schools_received"),
                 number_format=PERCENT),
    OutputColumn("Доля принятых", 12, _district_rate("schools_accepted"),
                 number_format=PERCENT),
    OutputColumn("Доля сдавших в срок", 14, _district_rate("schools_on_time"),
                 number_format=PERCENT),
), repeat_columns=1, public=True, excel_table=True)

# A row of the roll-up's «Замечания» is a dict by these keys; narrow enough to print on a
# page's width: the texts wrap.
ROLLUP_PROBLEMS = OutputTable(FEEDBACK_FOLDER, (
    OutputColumn("Файл", 24, "file", wrap=True),
    OutputColumn("МО", 20, "district", wrap=True),
    OutputColumn("Период", 9, "period"),
    OutputColumn("Статус файла", 12, "status", wrap=True),
    OutputColumn(f"Строка «{DATA.sheet}»", 9, "row"),
    OutputColumn("Код", 24, "code"),
    OutputColumn("Замечание", 37, "message", wrap=True),
), public=True, excel_table=True)

# The roll-up's «Численность» and «Документы»: a row per district (a DistrictRow's counts as
# «Данные» holds them; the documents as the district's «Документы» totals them).
ROLLUP_COUNTS = OutputTable("Численность", (
    DISTRICT_NAME,
    OutputColumn("Статус отчёта", 22, "status"),
    OutputColumn(COUNT_LABELS["schools_accepted"], 12, "schools_accepted"),
    *(OutputColumn(COUNT_COLUMNS[k], COUNT_COLUMN_WIDTHS[k], k) for k in COUNT_COLUMNS),
), repeat_columns=1, public=True, excel_table=True)

ROLLUP_DOCUMENTS = OutputTable("Документы", (
    DISTRICT_NAME,
    OutputColumn("Статус отчёта", 22, "status"),
    OutputColumn(COUNT_LABELS["schools_accepted"], 12, "schools_accepted"),
    *(OutputColumn(f"{d}: школ, где есть", 20, d) for d in v.DOCUMENTS),  # 168: one page wide
), repeat_columns=1, public=True, excel_table=True)

ROLLUP_CHART_COVERAGE = OutputTable(CHARTS_SHEET, (OutputColumn("Муниципальное образование", 34),
                                                   *CHART_COVERAGE.columns[1:]), public=True)
ROLLUP_CHART_SUBMISSIONS = OutputTable(CHARTS_SHEET, (OutputColumn("Сдача отчётов МО", 34),
                                                      OutputColumn("МО", 12)), public=True)

# The region over several months (pipeline/rollup/period.py): a row per district (then the
# region's, below the table) and indicator, its months and the period's value after these.
REGION_MONTHS = OutputTable("Показатели по месяцам", (
    OutputColumn("Муниципальное образование", 30, fit=True),  # no wrap: the title lines above
    OutputColumn("Показатель", 40, wrap=True),
), repeat_columns=1, public=True, excel_table=True)  # then each month, «За период», the rule
REGION_MONTH_WIDTH = 14

# a row per district: its report of each month, then the counts of months
REGION_SUBMISSIONS = OutputTable("Сдача отчётов", (
    OutputColumn("Муниципальное образование", 34, fit=True),
), repeat_columns=1, public=True, excel_table=True)  # then each month, then the counts

# --- the analytical note (pipeline/note.py): widths in centimetres -------------------------

NOTE_SCHOOLS = OutputTable("", (
    OutputColumn("№", 0.8),
    OutputColumn("Наименование ОО", 6.0, "name"),
    OutputColumn("Статус отчёта", 3.4),
    OutputColumn("Настав\u00adников", 1.9),
    OutputColumn("Настав\u00adляемых", 1.9),
    OutputColumn("Пар и групп", 1.6),
), public=True)  # then each indicator, «K1, %»

NOTE_INDICATORS = OutputTable("", (
    OutputColumn("Код", 1.2),
    OutputColumn("Показатель", 7.6),
    OutputColumn("Числитель", 2.7),
    OutputColumn("Знаменатель", 3.2),
    OutputColumn("Значение, %", 2.3),
), public=True)

# Every declared table, for the checks that hold for all of them (tests/test_outputs_declared).
DISTRICT_TABLES = (SUMMARY, DEADLINES, CHANGES, ISSUES)
REPORT_TABLES = (INDICATORS, COUNTS, DOCUMENTS, DATA)
ROLLUP_TABLES = (ROLLUP_INDICATORS, ROLLUP_COUNTS, ROLLUP_DOCUMENTS, SUBMISSIONS, ROLLUP_PROBLEMS)
CHART_TABLES = (CHART_COVERAGE, CHART_FORMS, CHART_SUBMISSIONS)
ROLLUP_CHART_TABLES = (ROLLUP_CHART_COVERAGE, CHART_FORMS, ROLLUP_CHART_SUBMISSIONS)
NOTE_TABLES = (NOTE_SCHOOLS, NOTE_INDICATORS)
