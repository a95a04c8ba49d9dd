"""The regional roll-up: the district reports of one month → the region's indicators and counts.

A regional office saves the district reports (made by `nastavnik report`) into one folder.
`rollup` checks each file (identity, month, and its «Данные» sheet against one pandera schema
over all files at once), keeps the newest report of each district, and recomputes every
indicator for the region from summed numerators and denominators — never by averaging
percentages. `write_rollup_workbook` writes the region's workbook; district reports carry
aggregates only, and so does it.

Problem codes (stable; «Замечания» shows them). A file is rejected, left out of the totals,
for: `unreadable-file`, `encrypted-file`, `file-too-large`, `not-a-district-report`,
`unsupported-version`, `period-mismatch`, `missing-sheet`, `missing-column`, `required`,
`bad-value`, `bad-number`, `negative-number`, `missing-district-row`, `duplicate-district-row`,
`district-mismatch`. An expected district without any report: `missing-report`. Notes that
do not reject: `replaced` (a newer file of the same district counts), `unexpected-district`,
`region-mismatch`, `scale-mismatch`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pipeline import standing
from pipeline.errors import UserError
from pipeline.indicators import Indicator, IndicatorError, Measure, Value, load_indicators, total
from pipeline.preflight import preflight
from pipeline.read import DAMAGED, log, open_workbook
from pipeline.report import (
    COUNT_KEYS,
    DATA_HEADERS,
    DATA_SHEET,
    LEVEL_DISTRICT,
    LEVEL_SCHOOL,
    REPORT_FORM,
    REPORT_VERSION,
)
from pipeline.values import clean_text, header_key, is_blank, vocab_key
from schemas import outputs as out
from schemas.vocab import DOCUMENTS as DOCUMENT_NAMES

ROLLUP_FORM = "region-report"
ROLLUP_VERSION = 1
EXPECTED_FILE = "districts.xlsx"
EXPECTED_SHEET = "Реестр МО"
EXPECTED_COLUMN = "Муниципальное образование"
HEADER_SEARCH_ROWS = 15
DEFAULT_SCALE = 100.0

STATUS_ACCEPTED = standing.ACCEPTED
STATUS_REJECTED = standing.REJECTED
STATUS_REPLACED = standing.REPLACED
STATUS_MISSING = standing.MISSING

# «Данные» header -> column key in the frame: the keys the report writes it by
COLUMN_KEYS = {c.header: c.value for c in out.DATA.columns}
HEADERS = {key: header for header, key in COLUMN_KEYS.items()}
FILE_COL, ROW_COL, DISTRICT_COL = "_file", "_row", "_district"

_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ASK_AGAIN = "попросите МО сформировать отчёт заново (nastavnik report) и прислать его"
_RESAVE = "попросите МО прислать файл отчёта заново, не пересохраняя его в других программах"


class RollupError(UserError):
    """A roll-up that cannot be made; Russian, says what to do."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with one district file; `row` is the Excel row on «Данные»."""
    code: str
    message: str  # Russian: what is wrong — what to do
    row: int | None = None
    rejects: bool = True

    @property
    def text(self) -> str:
        where = f"лист «{DATA_SHEET}», строка {self.row}: " if self.row else ""
        return where + self.message


@dataclass
class DistrictFile:
    """One file of the folder: whose report it is, what it says, and what is wrong with it."""
    path: Path
    modified: dt.datetime
    district: str | None = None
    region: str | None = None
    period: str | None = None
    problems: list[Problem] = field(default_factory=list)
    numbers: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # indicator code -> its name
    scales: dict[str, float] = field(default_factory=dict)  # read off this file's rows
    counts: dict[str, int] = field(default_factory=dict)  # COUNT_KEYS -> number
    # document -> schools that have it, off the total row of the district's «Документы»
    documents: dict[str, int] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)  # МО rows, at the region's scale
    replaced_by: DistrictFile | None = None

    @property
    def rejected(self) -> bool:
        return any(p.rejects for p in self.problems)

    @property
    def counted(self) -> bool:
        return not self.rejected and self.replaced_by is None

    @property
    def of_the_month(self) -> bool:
        """A district report of the month asked for (whatever is wrong inside it)."""
        return self.district is not None and not any(
            p.code == "period-mismatch" for p in self.problems)

    @property
    def status(self) -> str:
        if self.replaced_by is not None:
            return STATUS_REPLACED
        return STATUS_REJECTED if self.rejected else STATUS_ACCEPTED

    def reject(self, code: str, message: str, row: int | None = None) -> None:
        self.problems.append(Problem(code, message, row))

    def note(self, code: str, message: str) -> None:
        self.problems.append(Problem(code, message, rejects=False))


@dataclass
class DistrictRow:
    """One district as the region sees it: its counted file, or why there is none."""
    name: str
    expected: bool | None  # None when the region gave no list of districts
    file: DistrictFile | None  # the newest file of the district for the month

    @property
    def counted(self) -> bool:
        return self.file is not None and self.file.counted

    @property
    def status(self) -> str:
        return self.file.status if self.file is not None else STATUS_MISSING

    def count(self, key: str) -> int | None:
        return self.file.counts.get(key) if self.counted and self.file else None


@dataclass
class Rollup:
    directory: Path
    period: str
    region: str
    files: list[DistrictFile]
    indicators: list[Indicator]  # code, name and scale; the measures are not used here
    total: dict[str, Value]
    districts: list[DistrictRow]
    expected: list[str] | None = None

    @property
    def counted(self) -> list[DistrictFile]:
        return [r.file for r in self.districts if r.counted and r.file]

    @property
    def missing(self) -> list[str]:
        """Expected districts without an accepted report («не представили»)."""
        return [r.name for r in self.districts if r.expected and not r.counted]

    @property
    def rejected(self) -> list[DistrictFile]:
        return [f for f in self.files if f.rejected]

    def district(self, name: str) -> DistrictRow | None:
        key = district_key(name)
        return next((r for r in self.districts if district_key(r.name) == key), None)

    def count(self, key: str) -> int:
        return sum(f.counts.get(key, 0) for f in self.counted)

    def rate(self, key: str, row: DistrictRow | None = None) -> Value:
        """A share of the schools expected to report (received, accepted, on time)."""
        if row is not None:
            return Value(row.count(key), row.count("schools_expected"))
        return Value(self.count(key), self.count("schools_expected"))

    @property
    def districts_rate(self) -> Value:
        """Expected districts with an accepted report (None when no list was given)."""
        if self.expected is None:
            return Value(len(self.counted), None)
        return Value(sum(1 for r in self.districts if r.expected and r.counted),
                     len(self.expected))


def district_key(name: str) -> str:
    """District names compared as a person would: case, ё/е, quotes, dashes and spaces."""
    return re.sub(r"[«»\"'“”„]", "", vocab_key(str(name))).strip()


# --- the list of districts the region expects ---------------------------------------------


def load_expected(path: Path) -> list[str]:
    """The districts of `districts.xlsx`: sheet «Реестр МО», column «Муниципальное образование»."""
    path = Path(path)
    checked = preflight(path)
    if checked.issues:
        raise RollupError(f"{path}: {checked.issues[0].problem} — сохраните реестр МО в Excel "
                          "заново в формате .xlsx")
    try:
        book = open_workbook(path)
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own error types for every bad file
        log.debug("calamine: %s: %s", type(exc).__name__, exc)
        raise RollupError(f"{path}: файл не читается ({DAMAGED}) — сохраните реестр МО в Excel "
                          "заново в формате .xlsx") from exc
    wanted = header_key(EXPECTED_SHEET)
    sheet = next((n for n in names if header_key(n) == wanted), None)
    if sheet is None:
        raise RollupError(f"{path}: нет листа «{EXPECTED_SHEET}» — назовите так лист со "
                          f"списком муниципальных образований (столбец «{EXPECTED_COLUMN}»)")
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    column_key = header_key(EXPECTED_COLUMN)
    found = next(((r, c) for r, row in enumerate(grid[:HEADER_SEARCH_ROWS])
                  for c, cell in enumerate(row)
                  if isinstance(cell, str) and header_key(cell) == column_key), None)
    if found is None:
        raise RollupError(f"{path}: на листе «{sheet}» нет столбца «{EXPECTED_COLUMN}» — "
                          "впишите этот заголовок над списком")
    header_row, col = found
    districts = _unique([row[col] if col < len(row) else None for row in grid[header_row + 1:]])
    if not districts:
        raise RollupError(f"{path}: в столбце «{EXPECTED_COLUMN}» нет ни одного "
                          "муниципального образования — заполните список")
    return districts


def _unique(names: Sequence[Any]) -> list[str]:
    """Names in their order, blanks and repeats (as district_key sees them) left out."""
    found: dict[str, str] = {}
    for name in names:
        if not is_blank(name):
            found.setdefault(district_key(clean_text(name)), clean_text(name))
    return list(found.values())


# --- reading the folder ---------------------------------------------------------------------


def rollup(directory: Path, period: str, *, expected: Sequence[str] | None = None) -> Rollup:
    """Every district report for `period` in `directory`, checked and summed for the region.

    `expected` names the districts that must report; when it is None and the folder holds
    `districts.xlsx`, the list is read from there. A bad file never stops the roll-up: it is
    listed with its problems and left out of the totals.
    """
    directory = Path(directory)
    if not _PERIOD_RE.match(period):
        raise RollupError(f"«{period}» — укажите месяц в виде ГГГГ-ММ, например 2026-11")
    if not directory.is_dir():
        raise RollupError(f"{directory}: папка не найдена — укажите папку с отчётами МО")
    if expected is None and (directory / EXPECTED_FILE).is_file():
        expected = load_expected(directory / EXPECTED_FILE)
    if expected is not None:
        expected = _unique(expected)
    files = [f for f in (_identify(p, period) for p in _candidates(directory)) if f is not None]
    _check_data(files)
    _keep_newest(files)
    counted = [f for f in files if f.counted]
    indicators = _indicators(counted)
    for f in files:
        f.values = {i.code: Value(*f.numbers[i.code], i.scale)
                    for i in indicators if i.code in f.numbers}
    region = _region(counted)
    rows = _district_rows(files, expected)
    if expected is not None:
        for row in rows:
            if row.expected is False and row.counted and row.file:
                row.file.note("unexpected-district",
                              f"МО «{row.name}» нет в списке ожидаемых; его отчёт учтён в "
                              "итогах — проверьте название в реестре МО")
    return Rollup(directory, period, region, files, indicators,
                  total(indicators, [f.values for f in counted]), rows,
                  list(expected) if expected is not None else None)


def _candidates(directory: Path) -> list[Path]:
    found = []
    for path in sorted(directory.iterdir()):
        name = path.name
        if not path.is_file() or name.startswith((".", "~$")):
            continue  # hidden files, Excel's lock files, our own unfinished writes
        if name.casefold() == EXPECTED_FILE:
            continue
        if path.suffix.casefold() in (".xlsx", ".xlsm", ".xls", ".ods"):
            found.append(path)
    return found


def _identify(path: Path, period: str) -> DistrictFile | None:
    """A file's identity from its custom properties; None for our own region workbook."""
    try:
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        modified = dt.datetime.min
    found = DistrictFile(path, modified)
    if path.suffix.casefold() != ".xlsx":
        found.reject("not-a-district-report",
                     f"это файл {path.suffix}, а отчёт МО — книга .xlsx, созданная nastavnik; "
                     + _ASK_AGAIN)
        return found
    checked = preflight(path)
    if checked.issues:
        issue = checked.issues[0]
        found.reject(issue.code, f"{issue.problem.rstrip('.')} — {_RESAVE}")
        return found
    props = checked.properties
    form = props.get("nastavnik.form")
    if form == ROLLUP_FORM:
        return None
    if form != REPORT_FORM or not props.get("nastavnik.district"):
        what = "это форма школы, а не отчёт МО" if form == "school-monthly" else \
            "в файле нет отметок отчёта МО, сделанного nastavnik"
        found.reject("not-a-district-report", f"{what} — нужен файл «Отчёт <МО> <ГГГГ-ММ>.xlsx» "
                     "из папки outbox МО, без пересохранения")
        return found
    found.district = clean_text(props["nastavnik.district"])
    region = clean_text(props.get("nastavnik.region", ""))
    found.region = region if region and region != "—" else None
    found.period = clean_text(props.get("nastavnik.period", ""))
    if props.get("nastavnik.version") != str(REPORT_VERSION):
        found.reject("unsupported-version",
                     f"версия отчёта {props.get('nastavnik.version') or 'не указана'}, а "
                     f"читается версия {REPORT_VERSION} — обновите nastavnik в МО и в регионе "
                     "до одной версии")
    if found.period != period:
        found.reject("period-mismatch",
                     f"отчёт за другой месяц: {found.period or 'месяц не указан'}, а сводится "
                     f"{period} — попросите МО прислать отчёт за {period}")
    return found


def _read_data(found: DistrictFile) -> list[dict[str, Any]]:
    """The records of «Данные», each with its Excel row; structural problems go to `found`."""
    try:
        book = open_workbook(found.path)
        names = list(book.sheet_names)
        sheet = next((n for n in names if header_key(n) == header_key(DATA_SHEET)), None)
        if sheet is None:
            found.reject("missing-sheet", f"в отчёте нет листа «{DATA_SHEET}» — {_ASK_AGAIN}")
            return []
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        found.documents = _documents(book, names)
    except Exception as exc:  # calamine raises its own error types for every bad file
        log.debug("calamine: %s: %s", type(exc).__name__, exc)
        found.reject("unreadable-file", f"файл не читается ({DAMAGED}) — {_RESAVE}")
        return []
    wanted = {header_key(h): COLUMN_KEYS[h] for h in DATA_HEADERS}
    start, columns = None, {}
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        here = {wanted[header_key(cell)]: c for c, cell in enumerate(row)
                if isinstance(cell, str) and header_key(cell) in wanted}
        if len(here) > len(columns):
            start, columns = r, here
    missing = [HEADERS[k] for k in HEADERS if k not in columns]
    if start is None or missing:
        found.reject("missing-column", f"на листе «{DATA_SHEET}» нет столбца "
                     + ", ".join(f"«{m}»" for m in missing) + f" — {_ASK_AGAIN}")
        return []
    records = []
    for r, row in enumerate(grid[start + 1:], start=start + 2):
        cells = {k: row[c] if c < len(row) else None for k, c in columns.items()}
        if all(is_blank(v) for v in cells.values()):
            continue
        record: dict[str, Any] = {
            k: None if is_blank(v) else (clean_text(v) if isinstance(v, str) else v)
            for k, v in cells.items()}
        record[ROW_COL] = r
        records.append(record)
    return records


def _documents(book: Any, names: list[str]) -> dict[str, int]:
    """How many schools of the district have each document: the «Итого» row of its
    «Документы» sheet (not in «Данные»); empty when the sheet or the row is not there."""
    sheet = next((n for n in names if header_key(n) == header_key(out.DOCUMENTS.sheet)), None)
    if sheet is None:
        return {}
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    wanted = {header_key(d): d for d in DOCUMENT_NAMES}
    columns: dict[str, int] = {}
    for row in grid[:HEADER_SEARCH_ROWS]:
        columns = {wanted[header_key(c)]: n for n, c in enumerate(row)
                   if isinstance(c, str) and header_key(c) in wanted}
        if columns:
            break
    total_row = next((row for row in reversed(grid) if row and row[0] == "Итого"), None)
    if total_row is None:
        return {}
    return {d: int(total_row[c]) for d, c in columns.items()
            if c < len(total_row) and _is_number(total_row[c])}


# --- the pandera schema of «Данные» ---------------------------------------------------------


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@cache
def data_schema() -> Any:
    """The schema of «Данные» over the rows of all files (with _file, _row and _district).

    Each check is named after the problem code it raises; a check over the whole frame is
    named "code|column-key" so that a failure maps back to its cell.
    """
    import pandas as pd
    import pandera.pandas as pa

    numbers = [pa.Check(_is_number, element_wise=True, name="bad-number"),
               pa.Check(lambda x: not _is_number(x) or x >= 0, element_wise=True,
                        name="negative-number")]

    def district_rows(df: pd.DataFrame) -> pd.Series:
        return df["level"] == LEVEL_DISTRICT

    def one_district_row(df: pd.DataFrame) -> pd.Series:
        mo = district_rows(df)
        repeated = pd.Series(False, index=df.index)
        repeated[mo] = df[mo].duplicated([FILE_COL, "indicator"], keep="first")
        return ~repeated

    def has_district_row(df: pd.DataFrame) -> pd.Series:
        mo = district_rows(df)
        have = set(zip(df.loc[mo, FILE_COL], df.loc[mo, "indicator"], strict=True))
        school = df["level"] == LEVEL_SCHOOL
        first = school & ~df[school].duplicated([FILE_COL, "indicator"]).reindex(
            df.index, fill_value=True)
        lacking = pd.Series([(f, i) not in have for f, i in
                             zip(df[FILE_COL], df["indicator"], strict=True)], index=df.index)
        return ~(first & lacking)  # the first school row of a code without its МО row

    def same_district(df: pd.DataFrame) -> pd.Series:
        keys = df["code"].map(lambda c: district_key(c) if isinstance(c, str) else c)
        return ~district_rows(df) | (keys == df[DISTRICT_COL].map(district_key))

    def count_has_number(df: pd.DataFrame) -> pd.Series:
        return ~(df["indicator"].isin(list(COUNT_KEYS)) & df["numerator"].isna())

    columns = {
        "level": pa.Column(nullable=False, checks=pa.Check(
            lambda s: s.isin([LEVEL_SCHOOL, LEVEL_DISTRICT]), name="bad-value")),
        "code": pa.Column(nullable=False),
        "name": pa.Column(nullable=True),
        "indicator": pa.Column(nullable=False),
        "indicator_name": pa.Column(nullable=True),
        "numerator": pa.Column(nullable=True, checks=numbers),
        "denominator": pa.Column(nullable=True, checks=numbers),
        "value": pa.Column(nullable=True, checks=numbers),
    }
    checks = [pa.Check(count_has_number, name="required|numerator"),
              pa.Check(one_district_row, name="duplicate-district-row|indicator"),
              pa.Check(has_district_row, name="missing-district-row|indicator"),
              pa.Check(same_district, name="district-mismatch|code")]
    return pa.DataFrameSchema(columns, checks=checks, strict=False, coerce=False,
                              name=DATA_SHEET)


def _check_data(files: list[DistrictFile]) -> None:
    """Read «Данные» of every identified file, validate them once, keep the numbers."""
    import pandas as pd
    import pandera.pandas as pa

    records: list[dict[str, Any]] = []
    readable = [f for f in files if not f.rejected]
    for n, found in enumerate(readable):
        for record in _read_data(found):
            records.append({**record, FILE_COL: n, DISTRICT_COL: found.district})
    if not records:
        return
    frame = pd.DataFrame.from_records(records).astype(object)
    frame = frame.where(frame.notna(), None)
    try:
        data_schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        _report_failures(exc.failure_cases, frame, readable)
    for n, found in enumerate(readable):
        if not found.rejected:
            _take_numbers(found, frame[frame[FILE_COL] == n].to_dict("records"))


def _report_failures(failures: Any, frame: Any, files: list[DistrictFile]) -> None:
    """pandera's failures as Russian problems at their row (pandera's own text never shown)."""
    seen: set[tuple[int, str]] = set()
    for check, column, index in zip(failures["check"].astype(str), failures["column"],
                                    failures["index"], strict=True):
        if index is None or index != index:  # a failure of the whole frame: no row to show
            continue
        code, _, key = check.partition("|")
        key = key or str(column)
        if (int(index), code) in seen:
            continue
        seen.add((int(index), code))
        record = frame.loc[int(index)]
        found = files[int(record[FILE_COL])]
        found.reject(*_message(code, key, record, frame, found))


def _message(code: str, key: str, record: Any, frame: Any, found: DistrictFile
             ) -> tuple[str, str, int]:
    row = int(record[ROW_COL])
    header = HEADERS.get(key, key)
    value = record.get(key)
    shown = _show(value)
    indicator = record.get("indicator")
    if code == "not_nullable":
        return "required", f"не заполнен столбец «{header}» — {_ASK_AGAIN}", row
    if code == "bad-value":
        return "bad-value", (f"«{header}» — «{shown}», а должно быть «{LEVEL_SCHOOL}» (школа) "
                             f"или «{LEVEL_DISTRICT}» (муниципальное образование) — "
                             f"{_ASK_AGAIN}"), row
    if code == "bad-number":
        return "bad-number", f"«{header}» — «{shown}»: это не число — {_ASK_AGAIN}", row
    if code == "negative-number":
        return "negative-number", (f"«{header}» — {shown}: число не может быть "
                                   f"отрицательным — {_ASK_AGAIN}"), row
    if code == "required":
        return "required", (f"у показателя «{indicator}» не указан «{header}» — "
                            f"{_ASK_AGAIN}"), row
    if code == "duplicate-district-row":
        same = frame[(frame[FILE_COL] == record[FILE_COL]) & (frame["indicator"] == indicator)
                     & (frame["level"] == LEVEL_DISTRICT)]
        first = int(same[ROW_COL].min())
        return code, (f"вторая итоговая строка «{LEVEL_DISTRICT}» показателя «{indicator}» "
                      f"(первая — строка {first}), а итог должен быть один — "
                      f"{_ASK_AGAIN}"), row
    if code == "missing-district-row":
        return code, (f"показатель «{indicator}» есть в строках школ, но нет его итоговой "
                      f"строки «{LEVEL_DISTRICT}» — {_ASK_AGAIN}"), row
    if code == "district-mismatch":
        return code, (f"в строке «{LEVEL_DISTRICT}» указано МО «{shown}», а отчёт — "
                      f"МО «{found.district}» — {_ASK_AGAIN}"), row
    return "bad-value", f"значение «{shown}» в столбце «{header}» не подходит — {_ASK_AGAIN}", row


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _take_numbers(found: DistrictFile, records: list[dict[str, Any]]) -> None:
    """The МО rows as numbers and counts; the scale of each indicator as its rows show it."""
    scales: dict[str, Counter[float]] = {}
    for r in records:
        code = r["indicator"]
        if code in COUNT_KEYS:
            if r["level"] == LEVEL_DISTRICT:
                found.counts[code] = int(r["numerator"])
            continue
        if r["level"] == LEVEL_DISTRICT:
            found.numbers[code] = (r["numerator"], r["denominator"])
            found.names[code] = r["indicator_name"] or code
        numerator, denominator, value = r["numerator"], r["denominator"], r["value"]
        if numerator and denominator and _is_number(value) and value > 0:
            scales.setdefault(code, Counter())[_round(value * denominator / numerator)] += 1
    found.scales = {code: counted.most_common(1)[0][0] for code, counted in scales.items()}
    lacking = [k for k in COUNT_KEYS if k not in found.counts]
    if lacking:
        found.reject("missing-district-row",
                     f"на листе «{DATA_SHEET}» нет строк «{LEVEL_DISTRICT}» с числами: "
                     + ", ".join(f"«{COUNT_KEYS[k]}» ({k})" for k in lacking)
                     + f" — {_ASK_AGAIN}")


def _round(scale: float) -> float:
    return float(f"{scale:.6g}")


def _keep_newest(files: list[DistrictFile]) -> None:
    """The newest file of a district for the month counts; the others are replaced by it.

    The newest counts even when it is rejected: the district's last word stands, as a
    school's newest file does in the district (SPEC §4), and the region asks for it again.
    """
    groups: dict[str, list[DistrictFile]] = {}
    for f in files:
        if f.of_the_month and f.district:
            groups.setdefault(district_key(f.district), []).append(f)
    for members in groups.values():
        members.sort(key=lambda f: (f.modified, f.path.name))
        newest = members[-1]
        for older in members[:-1]:
            older.replaced_by = newest
            older.note("replaced", f"за {older.district} учтён более новый файл "
                       f"«{newest.path.name}» (изменён {newest.modified:%d.%m.%Y %H:%M})")


def _default_scales() -> dict[str, float]:
    try:
        return {i.code: i.scale for i in load_indicators()}
    except IndicatorError:
        return {}


def _indicators(counted: list[DistrictFile]) -> list[Indicator]:
    """The indicators the districts report, in their order, each with one scale.

    The scale (value = numerator / denominator × scale) is read off the files: for each
    code, the scale most districts' rows show (Значение × Знаменатель / Числитель, from any
    row where both are non-zero). Where no row shows it (all zero), the scale of the shipped
    definitions, else 100. A district whose rows show another scale gets a note.
    """
    codes: dict[str, str] = {}
    for f in counted:
        for code, name in f.names.items():
            codes.setdefault(code, name)
    defaults = _default_scales()
    found = []
    for code, name in codes.items():
        shown = Counter(f.scales[code] for f in counted if code in f.scales)
        scale = shown.most_common(1)[0][0] if shown else defaults.get(code, DEFAULT_SCALE)
        for f in counted:
            if code in f.scales and f.scales[code] != scale:
                f.note("scale-mismatch",
                       f"показатель {code}: в этом отчёте значение = числитель / знаменатель × "
                       f"{f.scales[code]:g}, у других МО × {scale:g}; в итогах взято × "
                       f"{scale:g} — проверьте, одинаково ли МО считают показатель")
        found.append(Indicator(code, name, Measure(), Measure(), scale))
    return found


def _region(counted: list[DistrictFile]) -> str:
    regions = Counter(f.region for f in counted if f.region)
    if not regions:
        return ""
    region = regions.most_common(1)[0][0]
    for f in counted:
        if f.region and f.region != region:
            f.note("region-mismatch", f"в отчёте указан регион «{f.region}», у других МО — "
                   f"«{region}»; отчёт учтён — проверьте, тот ли это файл")
    return region


def _district_rows(files: list[DistrictFile], expected: Sequence[str] | None
                   ) -> list[DistrictRow]:
    """Every expected district, then every other district a file of the month names."""
    newest: dict[str, DistrictFile] = {}
    names: dict[str, str] = {}
    for f in files:
        if f.of_the_month and f.district and f.replaced_by is None:
            newest[district_key(f.district)] = f
            names.setdefault(district_key(f.district), f.district)
    rows = []
    listed = set()
    for name in expected or ():
        key = district_key(name)
        if key in listed:
            continue
        listed.add(key)
        rows.append(DistrictRow(name, True, newest.get(key)))
    others = sorted((k for k in newest if k not in listed), key=lambda k: names[k])
    rows += [DistrictRow(names[k], None if expected is None else False, newest[k])
             for k in others]
    return rows

