"""Workbook → raw sheets → typed records with provenance (sheet, Excel row, column).

One school file is read once, with python-calamine, into a `Form`: per sheet of SPEC §2 the
typed values by column key, the Excel row of every record and the column where each key was
found, plus the issues met while reading (structure, aliases, unreadable dates and numbers).
Whether the values are allowed is decided later, in pipeline/validate.py.
"""

from __future__ import annotations

import difflib
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import issues as iss
from pipeline.preflight import Preflight, preflight
from pipeline.values import Read, cell_reader, header_key, is_blank, read_cell, vocab_key
from schemas.columns import FORM_SHEETS, IGNORED_SHEETS, JUSTIFICATIONS, Column, Sheet

log = logging.getLogger("nastavnik")  # the readers' own (English) words: --debug shows them
DAMAGED = "файл повреждён: часть его содержимого не удаётся разобрать"
DAMAGED_SHEET = "файл повреждён: не удаётся разобрать лист"

HEADER_SEARCH_ROWS = 15
TITLE_SEARCH_ROWS = 60
ALIAS_SIMILARITY = 0.8  # a header this close to a known one is read as it (header-alias)
NEAREST_SIMILARITY = 0.5  # below the threshold, still named in missing-column's message


@dataclass
class Table:
    """One sheet's records: typed values by column key, aligned with their Excel rows."""

    sheet: str  # the canonical sheet name
    rows: list[int] = field(default_factory=list)  # Excel row of each record
    values: dict[str, list[Any]] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)  # key -> 0-based column in the file
    header_row: int | None = None  # Excel row of the header (tables only)
    cell_rows: dict[str, int] = field(default_factory=dict)  # key -> Excel row (Титул only)
    extras: dict[str, int] = field(default_factory=dict)  # unknown header -> 0-based column
    unread: set[tuple[int, str]] = field(default_factory=set)  # cells with a reading issue

    def __len__(self) -> int:
        return len(self.rows)

    def row_of(self, index: int, key: str | None = None) -> int:
        if self.cell_rows and key in self.cell_rows:
            return self.cell_rows[key]
        return self.rows[index]


@dataclass
class Form:
    path: str
    kind: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)  # key -> name as in the file
    tables: dict[str, Table] = field(default_factory=dict)
    # the optional «Пояснения» (older forms lack it): the school's reasons for warnings
    justifications: Table | None = None
    issues: list[iss.Issue] = field(default_factory=list)
    # what the reader itself said when it failed (its English): for --debug, never a message
    reader_error: str = ""

    @property
    def rejected(self) -> bool:
        return any(i.severity == "fatal" for i in self.issues)

    def layout(self) -> Form:
        """The form without its values: where its sheets, headers and columns are, which is
        what marking the school's file needs (a region's values are not kept)."""
        tables = {key: replace(table, values={}, unread=set())
                  for key, table in self.tables.items()}
        return replace(self, tables=tables, issues=list(self.issues))


def _known_headers(sheet: Sheet) -> dict[str, Column]:
    known: dict[str, Column] = {}
    for column in sheet.columns:
        for text in (column.header, *column.aliases):
            known.setdefault(header_key(text), column)
    return known


_KNOWN = {s.key: _known_headers(s) for s in FORM_SHEETS}
_SHEET_KEYS = {header_key(name): s.key for s in FORM_SHEETS for name in (s.name, *s.aliases)}
_IGNORED_KEYS = {header_key(name) for name in IGNORED_SHEETS}
_JUSTIFICATIONS_KEY = header_key(JUSTIFICATIONS.name)


def _match_header(text: str, sheet: Sheet, taken: set[str]) -> tuple[Column | None, bool]:
    """The column a header names, and whether it was matched only by similarity."""
    key = header_key(text)
    known = _KNOWN.get(sheet.key) or _known_headers(sheet)
    column = known.get(key)
    if column is not None:
        return (column, False) if column.key not in taken else (None, False)
    candidates = {k: c for k, c in known.items() if c.key not in taken}
    close = _closest(key, tuple(candidates))
    return (candidates[close], True) if close is not None else (None, False)


@lru_cache(maxsize=4096)
def _closest(key: str, candidates: tuple[str, ...]) -> str | None:
    """The candidate at least ALIAS_SIMILARITY like `key`, if any. difflib is slow, and the
    same texts that are no header (a form's title, its note) come in every school's file."""
    close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=ALIAS_SIMILARITY)
    return close[0] if close else None


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def find_header(grid: list[list[Any]], sheet: Sheet) -> int | None:
    """The 0-based index of the header row: the first-15 row naming most known columns."""
    known = _KNOWN.get(sheet.key) or _known_headers(sheet)
    best, best_score = None, 0
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        # A row names at most as many columns as it has filled cells, so a row that cannot
        # beat the best so far is not looked up (most rows under a found header).
        if len(row) <= best_score:
            continue
        filled = [c for c in row if not is_blank(c)]
        if len(filled) <= best_score:
            continue
        score = len({known[k].key for c in filled if (k := header_key(_cell_text(c))) in known})
        if score > best_score:
            best, best_score = index, score
    return best if best_score >= 2 else None


def _header_texts(grid: list[list[Any]], index: int, two_rows: bool) -> list[tuple[int, list[str]]]:
    """Per column, the header texts to try: one row, or a heading split over two rows.

    In a two-row heading a merged top cell («Приказ о закреплении») stands over several
    bottom cells («№», «дата»); the top text is carried right over the blank merged cells.
    """
    top = grid[index]
    bottom = grid[index + 1] if two_rows and index + 1 < len(grid) else []
    width = max(len(top), len(bottom))
    texts = []
    carried = ""
    for col in range(width):
        up = _cell_text(top[col]) if col < len(top) and not is_blank(top[col]) else ""
        down = _cell_text(bottom[col]) if col < len(bottom) and not is_blank(bottom[col]) else ""
        if not up and down and carried:
            up = carried
        carried = up if up and down else ""
        if up and down:
            texts.append((col, [f"{up}, {down}", f"{up} {down}", down, up]))
        elif up or down:
            texts.append((col, [up or down]))
    return texts


def _map_headers(sheet: Sheet, texts: list[tuple[int, list[str]]]
                 ) -> tuple[dict[str, tuple[int, str]], list[tuple[int, str]]]:
    """Column key -> (position, header as written), and the headers that name no column."""
    known = _KNOWN.get(sheet.key) or _known_headers(sheet)
    mapped: dict[str, tuple[int, str]] = {}
    extras: list[tuple[int, str]] = []
    for col, variants in texts:
        column = next((known[k] for v in variants if (k := header_key(v)) in known
                       and known[k].key not in mapped), None)
        if column is None:
            column, _ = _match_header(variants[0], sheet, set(mapped))
        if column is None:
            extras.append((col, variants[0]))
        else:
            mapped[column.key] = (col, variants[0])
    return mapped, extras


Merge = tuple[tuple[int, int], tuple[int, int]]  # 0-based (top, left), (bottom, right)


def read_grid_table(grid: list[list[Any]], sheet: Sheet, issues: list[iss.Issue],
                    flags: dict[tuple[int, int], str] | None = None,
                    merges: list[Merge] | None = None,
                    formulas: set[tuple[int, int]] | None = None) -> Table:
    """A header-and-rows sheet: find the header, map the columns, read each record.

    `merges` are the sheet's merged ranges (a value merged down a group's rows belongs to
    each of them); `formulas` the cells holding a formula with a computed value."""
    table = Table(sheet.name)
    header_index = find_header(grid, sheet)
    if header_index is None:
        for column in sheet.data_columns:
            if not column.optional:
                issues.append(iss.make("missing-column", sheet=sheet.name, column=column.header))
        return table
    table.header_row = header_index + 1
    mapped, extras = _map_headers(sheet, _header_texts(grid, header_index, False))
    first_data = header_index + 1
    if header_index + 1 < len(grid):
        two_mapped, two_extras = _map_headers(sheet, _header_texts(grid, header_index, True))
        if len(two_mapped) > len(mapped):
            mapped, extras, first_data = two_mapped, two_extras, header_index + 2
    for key, (col, text) in mapped.items():
        column = sheet.by_key[key]
        table.columns[key] = col
        if column.kind != "skip" and header_key(text) != header_key(column.header):
            issues.append(iss.make("header-alias", sheet=sheet.name, row=table.header_row,
                                   column=column.header, value=text))
    for col, text in extras:
        table.extras.setdefault(text, col)
        issues.append(iss.make("extra-column", sheet=sheet.name, row=table.header_row,
                               column=text, value=text))
    missing = [c for c in sheet.data_columns if c.key not in table.columns]
    for column in missing:
        if column.optional:
            continue
        nearest = _nearest(column, [t for _, t in extras])
        issues.append(iss.make("missing-column", sheet=sheet.name, row=table.header_row,
                               column=column.header,
                               nearest=f" (похожий столбец — «{nearest}»)" if nearest else ""))
    if first_data < len(grid) and _is_hint_line(grid[first_data], sheet, table.columns):
        first_data += 1
    if merges:
        _spread_merges(grid, merges, first_data)
    found = [(sheet.by_key[k], c) for k, c in table.columns.items()
             if sheet.by_key[k].kind != "skip"]
    for key in (c.key for c in sheet.data_columns):
        table.values[key] = []
    # what each found column needs per cell, decided once: its list of values and its reader
    readers = [(column, table.values[column.key], cell_reader(column)) for column, _ in found]
    positions = [c for _, c in found]
    flags = flags or {}
    flagged_rows = {r for r, _ in flags}
    number_col = table.columns.get("number", table.columns.get("pair_id"))
    name_col = next((c for k, c in table.columns.items() if sheet.by_key[k].kind == "name"),
                    None)
    # a pair's number filled down in advance, with nothing beside it, is an unused row
    pair_at = positions.index(table.columns["pair_id"]) if "pair_id" in table.columns else None
    formulas = formulas or set()
    formula_rows = {r for r, _ in formulas}
    for r in range(first_data, len(grid)):
        row = grid[r]
        width = len(row)
        if r in flagged_rows:
            raws = [_flagged(flags, r, c) or (row[c] if c < width else None) for c in positions]
        else:
            raws = [row[c] if c < width else None for c in positions]
        if all(map(is_blank, raws)) or _not_a_record(row, number_col, name_col):
            continue
        if pair_at is not None and all(map(is_blank, raws[pair_at + 1:])) \
                and all(map(is_blank, raws[:pair_at])):
            continue
        _add_record(table, readers, raws, r + 1, sheet, issues)
        if r in formula_rows:
            _formula_warnings(table, found, r, formulas, raws, issues)
    for key in table.values:
        if len(table.values[key]) < len(table.rows):  # a column the file does not have
            table.values[key] = [None] * len(table.rows)
    return table


# What a line right under the header holds when it only explains the columns: units, the
# expected format, the scale. Compared after vocab_key (lower case, ё = е, one kind of dash)
# with brackets and end punctuation dropped.
_HINT_RE = re.compile(
    r"(?:полных |целых )?(?:лет|года?|мес(?:\.|яцев)?)"
    r"|да ?(?:/|или|,) ?нет|\+ ?/ ?-"
    r"|дд[./]мм[./]гг(?:гг)?|гггг-мм-дд|мм[./]гггг|гггг-мм"
    r"|(?:от )?\d{1,2} ?(?:-|до) ?\d{1,2}(?: балл(?:а|ов)?)?|балл(?:а|ов|ы)?"
    r"|чел\.?|человек|шт\.?|п/п|№"
    r"|(?:выберите |выбор |выбрать )?из списка|список|выпадающий список"
    r"|текст|число|целое число|дата|дата начала|дата окончания"
    r"|фамилия,? имя,? отчество(?: полностью)?|полностью|кириллицей"
    r"|например\b.*")
_HINT_STRIP = " ()[]*:.;«»\""


def _is_hint(value: Any, column: Column | None) -> bool:
    if not isinstance(value, str):
        return False
    key = vocab_key(value).strip(_HINT_STRIP)
    return bool(_HINT_RE.fullmatch(key)) or (
        column is not None and bool(column.hint) and key == vocab_key(column.hint).strip(_HINT_STRIP))


def _is_hint_line(row: list[Any], sheet: Sheet, columns: dict[str, int]) -> bool:
    """Whether the line right under the header only explains the columns («полных лет»,
    «да/нет», «ДД.ММ.ГГГГ», «1–10») or numbers them (1, 2, 3, …), as printed forms do.

    Every filled cell must be such a hint, so a real record (a person's name, a document) is
    never taken for one."""
    at = {position: sheet.by_key[key] for key, position in columns.items()}
    filled = [(c, v) for c, v in enumerate(row) if not is_blank(v)]
    if not filled:
        return False
    if all(_is_hint(v, at.get(c)) for c, v in filled):
        return True
    numbers = [v for _, v in filled if isinstance(v, int | float) and not isinstance(v, bool)]
    return len(filled) >= 3 and len(numbers) == len(filled) \
        and all(b - a == 1 for a, b in zip(numbers, numbers[1:], strict=False)) \
        and numbers[0] in (1, filled[0][0] + 1)


def _spread_merges(grid: list[list[Any]], merges: list[Merge], first_data: int) -> None:
    """Give every cell of a merged range below the header the value its first cell shows.

    A merge across three columns or more within one row is a heading over the table (a
    group's title), not one value for each column, and is left as it is."""
    for (top, left), (bottom, right) in merges:
        if top < first_data or top >= len(grid) or left >= len(grid[top]):
            continue
        if top == bottom and right - left >= 2:
            continue
        value = grid[top][left]
        if is_blank(value):
            continue
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


def _formula_warnings(table: Table, found: list[tuple[Column, int]], r: int,
                      formulas: set[tuple[int, int]], raws: list[Any],
                      issues: list[iss.Issue]) -> None:
    """formula-in-cell at each read cell of a record that holds a formula with a value."""
    index = len(table.rows) - 1
    for (column, position), raw in zip(found, raws, strict=True):
        if (r, position) in formulas and (index, column.key) not in table.unread \
                and not is_blank(raw):
            issues.append(iss.make("formula-in-cell", sheet=table.sheet, row=r + 1,
                                   column=column.header, value=raw))


class CellProblem(str):
    """A cell that reads as empty but holds an error or an uncomputed formula."""


def _flagged(flags: dict[tuple[int, int], str], row: int, col: int) -> CellProblem | None:
    flag = flags.get((row, col))
    return CellProblem(flag) if flag else None


_SUMMARY_WORDS = ("итого", "всего")
_EXAMPLE_WORDS = ("пример", "образец")


def _not_a_record(row: list[Any], number_col: int | None, name_col: int | None) -> bool:
    """A total line under the table, or the template's example row a school left in place.

    Only a text cell can say so: a number, date or flag never reads as «итого» or «пример»,
    so those are not turned into text here (this runs for every row)."""
    # the first text: a total line may begin with a running number left in «№»
    first = next((v for v in row if isinstance(v, str) and not is_blank(v)), "")
    if first.strip().casefold().startswith(_SUMMARY_WORDS):
        return True
    number = row[number_col] if number_col is not None and number_col < len(row) else None
    if isinstance(number, str) and number.strip().casefold().strip(" :.()").startswith(
            _EXAMPLE_WORDS):
        return True
    name = row[name_col] if name_col is not None and name_col < len(row) else None
    if isinstance(name, str) and "(" in name:
        return name.casefold().strip().rstrip(")").rstrip().endswith(_EXAMPLE_WORDS)
    return False


def _nearest(column: Column, headers: list[str]) -> str | None:
    scored = [(max(difflib.SequenceMatcher(None, header_key(h), header_key(t)).ratio()
                   for t in (column.header, *column.aliases)), h) for h in headers]
    scored = [s for s in scored if s[0] >= NEAREST_SIMILARITY]
    return max(scored)[1] if scored else None


def _add_record(table: Table,
                readers: list[tuple[Column, list[Any], Callable[[Any], Read]]],
                raws: list[Any], excel_row: int, sheet: Sheet, issues: list[iss.Issue]) -> None:
    """One record: per column (its list of values, its reader), the cell in `raws`."""
    index = len(table.rows)
    table.rows.append(excel_row)
    for (column, values, reader), raw in zip(readers, raws, strict=True):
        if isinstance(raw, CellProblem):
            values.append(None)
            table.unread.add((index, column.key))
            issues.append(_cell_problem_issue(raw, sheet.name, excel_row, column.header))
            continue
        value, code, note = reader(raw)
        values.append(value if code is None else None)
        if code:
            table.unread.add((index, column.key))
            issues.append(iss.make(code, sheet=sheet.name, row=excel_row,
                                   column=column.header, value=raw, hint=column.hint))
        elif note:
            issues.append(iss.make("mixed-script", sheet=sheet.name, row=excel_row,
                                   column=column.header, value=raw, fixed=note))


def _cell_problem_issue(problem: CellProblem, sheet: str, row: int, column: str) -> iss.Issue:
    if problem == "formula":
        return iss.make("bad-value", sheet=sheet, row=row, column=column,
                        problem="В ячейке формула, но её значение не вычислено.",
                        fix="Откройте файл в Excel, пересчитайте (F9) и сохраните — или "
                            "впишите значение вместо формулы.")
    return iss.make("bad-value", sheet=sheet, row=row, column=column, value=str(problem),
                    problem=f"В ячейке ошибка формулы «{problem}».",
                    fix="Исправьте формулу или впишите значение вместо неё.")


def read_key_value(grid: list[list[Any]], sheet: Sheet, issues: list[iss.Issue],
                   flags: dict[tuple[int, int], str] | None = None,
                   formulas: set[tuple[int, int]] | None = None) -> Table:
    """Титул: a label in one cell, its value in the next filled cell of the same row."""
    table = Table(sheet.name, rows=[0])
    flags = flags or {}
    found: dict[str, tuple[Column, Any]] = {}
    for r, row in enumerate(grid[:TITLE_SEARCH_ROWS]):
        cells = [(c, _flagged(flags, r, c) or v) for c, v in enumerate(row)
                 if not is_blank(v) or (r, c) in flags]
        if not cells:
            continue
        label_col, label = cells[0]
        column, _ = _match_header(_cell_text(label), sheet, set(found))
        if column is None:
            continue
        value_col, raw = next(((c, v) for c, v in cells[1:]), (label_col + 1, None))
        found[column.key] = (column, raw)
        table.cell_rows[column.key] = r + 1
        table.columns[column.key] = value_col
        if header_key(_cell_text(label)) != header_key(column.header):
            issues.append(iss.make("header-alias", sheet=sheet.name, row=r + 1,
                                   column=column.header, value=_cell_text(label)))
    for column in sheet.columns:
        entry = found.get(column.key)
        if entry is None:
            table.values[column.key] = [None]
            if not column.optional:
                issues.append(iss.make("missing-column", sheet=sheet.name, column=column.header))
            continue
        if isinstance(entry[1], CellProblem):
            table.values[column.key] = [None]
            table.unread.add((0, column.key))
            issues.append(_cell_problem_issue(entry[1], sheet.name,
                                              table.cell_rows[column.key], column.header))
            continue
        read = read_cell(column, entry[1])
        table.values[column.key] = [read.value if read.code is None else None]
        if read.code:
            table.unread.add((0, column.key))
            issues.append(iss.make(read.code, sheet=sheet.name, row=table.cell_rows[column.key],
                                   column=column.header, value=entry[1], hint=column.hint))
        elif formulas and read.value is not None and \
                (table.cell_rows[column.key] - 1, table.columns[column.key]) in formulas:
            issues.append(iss.make("formula-in-cell", sheet=sheet.name,
                                   row=table.cell_rows[column.key], column=column.header,
                                   value=entry[1]))
    return table


def sheet_key(name: str) -> str | None:
    """The form sheet a workbook's sheet name stands for (case, spaces, ё/е tolerated)."""
    return _SHEET_KEYS.get(header_key(name))


def open_workbook(path: Path) -> Any:
    """python-calamine's workbook; its own error is kept (pd.read_excel would hide it)."""
    from python_calamine import CalamineWorkbook

    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a name in cp1251 or cp866: calamine takes paths as UTF-8
        with open(path, "rb") as handle:
            return CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    return CalamineWorkbook.from_path(text)


def reader_failed(exc: BaseException) -> bool:
    """Whether `exc` is calamine failing on a bad file: its own error types, or pyo3's
    PanicException when its Rust code panics (a date out of range), which derives from
    BaseException and cannot be imported; not an interrupt."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _calamine_issue(form: Form, exc: BaseException, sheet: str | None = None) -> iss.Issue:
    """The school's words for calamine failing on its file (on one sheet of it); calamine's
    own words are kept for --debug."""
    text = str(exc)
    form.reader_error = f"calamine: {type(exc).__name__}: {text}"
    if "password" in text.lower() or "encrypt" in text.lower() \
            or type(exc).__name__ == "PasswordError":
        return iss.make("encrypted-file")
    return iss.make("unreadable-file", detail=f"{DAMAGED_SHEET} «{sheet}»" if sheet else DAMAGED)


def read_form(path: Path, *, max_file_mb: float = 20, max_unpacked_mb: float = 200,
              checked: Preflight | None = None) -> Form:
    """Read one school file. Never raises for a bad file: problems become fatal issues."""
    path = Path(path)
    form = Form(str(path))
    checked = checked or preflight(path, max_file_mb=max_file_mb,
                                   max_unpacked_mb=max_unpacked_mb)
    form.kind, form.properties = checked.kind, checked.properties
    form.reader_error = checked.reader_error
    form.issues.extend(checked.issues)
    if form.rejected:
        return form
    try:
        book = open_workbook(path)
        names = list(book.sheet_names)
    except BaseException as exc:  # calamine raises its own error types for every bad file
        if not reader_failed(exc):
            raise
        form.issues.append(_calamine_issue(form, exc))
        return form
    for name in names:
        key = sheet_key(name)
        if key and key not in form.sheet_names:
            form.sheet_names[key] = name
    if not form.sheet_names:
        shown = ", ".join(f"«{n}»" for n in names[:5]) or "нет листов"
        form.issues.append(iss.make(
            "not-a-form", detail=f"в книге нет листов формы (есть: {shown})"))
        return form
    for sheet in FORM_SHEETS:
        if sheet.key not in form.sheet_names:
            form.issues.append(iss.make("missing-sheet", sheet=sheet.name, sheet_name=sheet.name))
    ods: dict[str, tuple[list[Merge], set[tuple[int, int]]]] | None = None
    for sheet in FORM_SHEETS:
        if form.rejected and (sheet.layout != "keyvalue" or sheet.key not in form.sheet_names):
            continue  # a rejected form is still read for its «Титул»: whose file it is
        name = form.sheet_names[sheet.key]
        try:
            found = book.get_sheet_by_name(name)
            grid = found.to_python(skip_empty_area=False)
            merges = found.merged_cell_ranges if sheet.layout != "keyvalue" else None
        except BaseException as exc:
            if not reader_failed(exc):
                raise
            form.issues.append(_calamine_issue(form, exc, sheet=name))
            return form
        flags = checked.cell_flags.get(name)
        formulas = checked.formulas.get(name)
        if form.kind == "ods":  # calamine reads neither merges nor formulas of .ods
            if ods is None:
                ods = ods_layout(path)
            merges, formulas = ods.get(name, (None, None))
        if sheet.layout == "keyvalue":
            form.tables[sheet.key] = read_key_value(grid, sheet, form.issues, flags, formulas)
        else:
            form.tables[sheet.key] = read_grid_table(grid, sheet, form.issues, flags, merges,
                                                     formulas)
    if not form.rejected:
        form.justifications = read_justifications(book, names)
    return form


def read_justifications(book: Any, names: list[str]) -> Table | None:
    """The form's «Пояснения», if it has the sheet with its columns; else None (an older
    form, or a sheet of the school's own). A cell that cannot be read leaves its
    justification unmatched, which the school is told (pipeline/justify.py); nothing here
    is a problem of the report itself."""
    name = next((n for n in names if header_key(n) == _JUSTIFICATIONS_KEY), None)
    if name is None:
        return None
    try:
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except BaseException as exc:
        if not reader_failed(exc):
            raise
        return None
    said: list[iss.Issue] = []
    table = read_grid_table(grid, JUSTIFICATIONS, said)
    return None if any(i.code == "missing-column" for i in said) else table


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_CELLS = (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell")
MAX_ODS_REPEAT = 1000  # a formula repeated further down than a form goes is not followed


def ods_layout(path: Path) -> dict[str, tuple[list[Merge], set[tuple[int, int]]]]:
    """Per sheet of an .ods, its merged ranges and its cells holding a formula (0-based).

    python-calamine reports neither for OpenDocument, so content.xml is walked once; the
    preflight has already refused a DOCTYPE in it. A part that cannot be walked gives
    nothing: the cells are then read as they are, unmerged."""
    import zipfile

    from defusedxml.ElementTree import iterparse

    t = _ODS_TABLE
    layout: dict[str, tuple[list[Merge], set[tuple[int, int]]]] = {}
    merges: list[Merge] = []
    formulas: set[tuple[int, int]] = set()
    r = c = 0
    repeat_rows = 1
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as part:
            for event, element in iterparse(part, events=("start", "end")):
                tag = element.tag
                if event == "end":
                    if tag == t + "table-row":
                        r += repeat_rows
                        element.clear()
                    continue
                if tag in _ODS_CELLS:
                    across = int(element.get(t + "number-columns-repeated", "1"))
                    rows = int(element.get(t + "number-rows-spanned", "1"))
                    cols = int(element.get(t + "number-columns-spanned", "1"))
                    if rows > 1 or cols > 1:
                        merges.append(((r, c), (r + rows - 1, c + cols - 1)))
                    if element.get(t + "formula"):
                        formulas.update((r + i, c + j)
                                        for i in range(min(repeat_rows, MAX_ODS_REPEAT))
                                        for j in range(min(across, MAX_ODS_REPEAT)))
                    c += across
                elif tag == t + "table-row":
                    c = 0
                    repeat_rows = int(element.get(t + "number-rows-repeated", "1"))
                elif tag == t + "table":
                    merges, formulas, r = [], set(), 0
                    layout[element.get(t + "name", "")] = (merges, formulas)
    except Exception:
        return {}
    return layout


def read_table(path: Path, sheet: Sheet) -> list[dict[str, Any]]:
    """A plain table of ours (the registry) as records; ValueError in Russian if unusable."""
    try:
        book = open_workbook(path)
    except BaseException as exc:
        if not reader_failed(exc):
            raise
        log.debug("calamine: %s: %s", type(exc).__name__, exc)
        raise ValueError(f"файл не читается ({DAMAGED} или это не книга Excel)") from exc
    wanted = header_key(sheet.name)
    name = next((n for n in book.sheet_names if header_key(n) == wanted), None)
    if name is None:
        raise ValueError(f"нет листа «{sheet.name}»")
    grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    issues: list[iss.Issue] = []
    table = read_grid_table(grid, sheet, issues)
    missing = [i.column for i in issues if i.code == "missing-column"]
    if missing:
        raise ValueError("нет столбца " + ", ".join(f"«{m}»" for m in missing))
    return [{key: values[i] for key, values in table.values.items()}
            for i in range(len(table.rows))]


def crashed(path: Path, why: str) -> Form:
    """The form of a file whose reader died: only its `unreadable-file` issue."""
    return Form(str(path), issues=[iss.make("unreadable-file", detail=why)])
