"""What the feedback marks and lists, whichever writer makes it: the receipt, the list of
problems, where each is marked in the school's sheets, the fills and comments' texts, the
drop-downs a school's file lacks. `pipeline.feedback.package` and `pipeline.feedback.book`
lay these out; neither decides anything of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container, Iterator
from pathlib import Path
from typing import Any

from pipeline import issues as iss
from pipeline.droplists import DROP_DOWN_ERROR, vocabularies
from pipeline.engine.sheetxml import column_letter
from pipeline.justify import JUSTIFIABLE
from pipeline.ledger import file_sha256
from pipeline.paths import readable_name
from pipeline.read import Form, Table
from pipeline.validate import FileResult
from schemas.columns import FORM_SHEETS, JUSTIFICATIONS

SHEET_NAME = "Замечания"
AUTHOR = "nastavnik"
FILLS = {"fatal": "FFC7CE", "error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
HEADER_FILL = "DDEBF7"
TABLE_HEADERS = ("Лист", "Строка", "Столбец", "Значение", "Что не так", "Как исправить",
                 "Важность", "Код")
# narrow enough to print on a landscape page's width (workbooks.FIT_WIDTH); the texts wrap,
# the codes do not: «Код» is as wide as the longest; «Лист» holds the receipt's labels too
TABLE_WIDTHS = (18, 8, 20, 15, 35, 28, 16, max(map(len, iss.CODES)) + 2)
WRAPPED = (2, 3, 4, 5)  # «Столбец», «Значение», «Что не так», «Как исправить»
RECEIPT_ROWS = 10  # the receipt takes rows 1–10; the table's header is row 12
TABLE_HEADER_ROW = RECEIPT_ROWS + 2
NOTE = ("Исправьте отмеченные ячейки прямо в листах этого файла (красные — ошибки, такая "
        "строка не попадает в свод; жёлтые — предупреждения) и отправьте файл снова.")
_SHEETS = {s.name: s for s in FORM_SHEETS}
# the list's rows: each problem, the column of the school's file it is about, the row's values
Listed = list[tuple[iss.Issue, "int | None", tuple[Any, ...]]]


def receipt_rows(source: Path, result: FileResult, received: dt.datetime | None,
                 checked: dt.datetime | None) -> list[tuple[str, Any]]:
    """The receipt above the list: (label, value) per row; the first is the title."""
    school = result.school
    received = received or _mtime(source)
    checked = checked or dt.datetime.now().replace(microsecond=0)
    counts = result.counts
    return [
        ("Замечания к файлу школы", None),
        ("Файл", readable_name(source.name)),
        ("SHA-256", file_sha256(source) or "—"),
        ("Получен", received),
        ("Проверен", checked),
        ("Школа", f"{school.code} {school.name}" if school else (result.school_code or "—")),
        ("Отчётный период", result.period or "—"),
        ("Статус", _status_words(result)),
        ("Принято строк", f"наставников {counts['mentors']}, наставляемых {counts['mentees']}, "
                          f"связей в парах {counts['links']}"),
    ]


def _status_words(result: FileResult) -> str:
    words = {"принят": "принят", "принят с замечаниями": "принят с замечаниями",
             "отклонён": "отклонён — файл не принят, исправьте и отправьте снова"}
    return words[result.status_ru]


def _mtime(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    except OSError:
        return None


def listed_issues(issues: list[iss.Issue], form: Form
                  ) -> Listed:
    """The list's rows, errors first then by sheet and row: each issue, the column of the
    school's file it is about (1-based, or None) and the row's values."""
    columns = column_positions(form)
    order = {s.name: n for n, s in enumerate(FORM_SHEETS)}
    listed = []
    for issue in sorted(issues, key=lambda i: (iss.SEVERITY_ORDER[i.severity],
                                               order.get(i.sheet or "", -1), i.row or 0)):
        col = issue_column(issue, form, columns)
        where = f"{column_letter(col)} — {issue.column}" if col and issue.column else \
            (issue.column or "")
        listed.append((issue, col, (issue.sheet or "весь файл", issue.row, where, issue.value,
                                    issue.problem, issue.fix + justifiable(issue),
                                    iss.SEVERITY_RU[issue.severity], issue.code)))
    return listed


def justifiable(issue: iss.Issue) -> str:
    """What the list adds to a warning's fix: how to explain it if it is true for a reason."""
    if issue.code not in JUSTIFIABLE or issue.sheet not in _SHEETS:
        return ""
    where = f"строка {issue.row}, " if issue.row else "строку оставьте пустой, "
    return (f" Если всё верно по существу, поясните на листе «{JUSTIFICATIONS.name}»: "
            f"лист «{issue.sheet}», {where}код {issue.code}.")


def column_positions(form: Form) -> dict[tuple[str, str], int]:
    """(sheet name, canonical header) -> 1-based column of that header in the school's file."""
    positions: dict[tuple[str, str], int] = {}
    for key, table in form.tables.items():
        sheet = next(s for s in FORM_SHEETS if s.key == key)
        for column_key, col in table.columns.items():
            positions[(sheet.name, sheet.by_key[column_key].header)] = col + 1
    return positions


def issue_column(issue: iss.Issue, form: Form, columns: dict[tuple[str, str], int]
                 ) -> int | None:
    if issue.sheet is None or issue.column is None:
        return None
    col = columns.get((issue.sheet, issue.column))
    if col is None and issue.code == "extra-column":
        definition = _SHEETS.get(issue.sheet)
        table = form.tables.get(definition.key) if definition else None
        col = table.extras[issue.value] + 1 if table and issue.value in table.extras else None
    return col


def marked_places(form: Form, listed: Listed, sheets: Container[str]
                  ) -> Iterator[tuple[str, iss.Issue, int, int | None]]:
    """Where each listed problem is marked in the school's file: (sheet, problem, row,
    column), the column None for the whole row (a problem of a row, or of a sheet's header
    when it has no row). Problems of sheets not in `sheets` (the workbook's) are not."""
    for issue, col, _values in listed:
        definition = _SHEETS.get(issue.sheet or "")
        if definition is None or definition.key not in form.sheet_names:
            continue
        name = form.sheet_names[definition.key]
        if name not in sheets:
            continue
        if issue.row and col:
            yield name, issue, issue.row, col
            continue
        table = form.tables.get(definition.key)
        yield name, issue, issue.row or (table.header_row if table and table.header_row
                                         else 1), None


def missing_drop_downs(form: Form, seen: Callable[[str, Table], tuple[set[str], int] | None]
                       ) -> dict[str, list[tuple[str, Any]]]:
    """Per sheet of the school's file: (cells, vocabulary) of each listed column of a form
    table that has no drop-down, from the row under the header to the sheet's last used
    row (at least 200 rows). `seen(sheet name, table)` gives the letters of the sheet's
    columns that have one and its last used row, or None when the workbook lacks the sheet.
    A school that receives its file back must be able to pick values from the lists."""
    lists = vocabularies()
    missing: dict[str, list[tuple[str, Any]]] = {}
    for definition in FORM_SHEETS:
        table = form.tables.get(definition.key)
        name = form.sheet_names.get(definition.key)
        if table is None or name is None or definition.layout != "table":
            continue
        found = seen(name, table)
        if found is None:
            continue
        covered, last_row = found
        first = (table.header_row or 1) + 1
        last = max(last_row, first + 200)
        for key, col in table.columns.items():
            column = definition.by_key[key]
            letter = column_letter(col + 1)
            if column.vocab and letter not in covered:
                missing.setdefault(name, []).append((f"{letter}{first}:{letter}{last}",
                                                     lists[column.vocab]))
    return missing


def comment_text(issues: list[iss.Issue]) -> str:
    """What a marked cell's comment says: each of its problems and how to fix it."""
    return "\n\n".join(f"{iss.SEVERITY_RU[i.severity].capitalize()}: {i.message}"
                       for i in issues)[:30000]


__all__ = ["AUTHOR", "DROP_DOWN_ERROR", "FILLS", "HEADER_FILL", "NOTE", "SHEET_NAME",
           "TABLE_HEADERS", "TABLE_HEADER_ROW", "TABLE_WIDTHS", "WRAPPED", "Listed",
           "comment_text", "listed_issues", "marked_places", "missing_drop_downs",
           "receipt_rows"]
