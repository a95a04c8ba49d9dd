"""Validation of read forms: pandera once per sheet over all files, then the registry's rules
within each form (pipeline/rules).

Input: the `Form`s of pipeline/read.py. Output: one `FileResult` per form (status, counts,
issues) and, per sheet, one frame of every record with its provenance and whether it is kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline import issues as iss
from pipeline.justify import justify, read_justifications, refused_keys
from pipeline.read import Form, Table
from pipeline.rules import check_form, form_facts, issue_at
from pipeline.rules.file import period_bounds
from pipeline.standing import file_status
from pipeline.workspace import School, Workspace
from schemas.columns import (
    DOCUMENTS,
    FORM_COL,
    FORM_SHEETS,
    KEEP_COL,
    LINKS,
    MENTEES,
    MENTORS,
    PROP_PERIOD,
    PROP_SCHOOL,
    ROW_COL,
    SHEETS_BY_KEY,
    TITLE,
    TITLE_ROWS,
    Column,
    Sheet,
)

if TYPE_CHECKING:
    import pandas as pd

TABLE_SHEETS = (MENTORS, MENTEES, LINKS, DOCUMENTS)
SHEET_ORDER = {s.name: n for n, s in enumerate(FORM_SHEETS)}


@dataclass
class FileResult:
    file: str
    school_code: str | None = None
    period: str | None = None
    status: str = "accepted"  # "accepted" | "rejected"
    counts: dict[str, int] = field(
        default_factory=lambda: {"mentors": 0, "mentees": 0, "links": 0})
    issues: list[iss.Issue] = field(default_factory=list)
    school: School | None = None
    title: dict[str, Any] = field(default_factory=dict)  # Титул values by column key

    @property
    def worst(self) -> str | None:
        return iss.worst(self.issues)

    @property
    def status_ru(self) -> str:
        return file_status(self.status, (i.code for i in self.issues))

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "school_code": self.school_code, "period": self.period,
                "status": self.status, "counts": dict(self.counts),
                "issues": [i.as_json() for i in self.issues]}


@dataclass
class Validation:
    results: list[FileResult]
    frames: dict[str, pd.DataFrame]  # sheet key -> every record of accepted files
    forms: list[Form]  # what was read, in the order of `results` (the feedback marks it)


class _Sink:
    """Collects issues per form and remembers which records have an error."""

    def __init__(self, count: int) -> None:
        self.issues: list[list[iss.Issue]] = [[] for _ in range(count)]
        self.bad: set[tuple[str, int, int]] = set()  # (sheet key, form, Excel row)

    def add(self, form: int, sheet_key: str | None, issue: iss.Issue) -> None:
        self.issues[form].append(issue)
        if issue.severity == "error" and sheet_key and issue.row is not None:
            self.bad.add((sheet_key, form, issue.row))


def validate_forms(forms: Sequence[Form], *, workspace: Workspace | None = None,
                   period: str | None = None) -> Validation:
    """Validate read forms together; `period` is the month they are expected to report."""
    import pandas as pd
    sink = _Sink(len(forms))
    results = [FileResult(file=f.path) for f in forms]
    for n, form in enumerate(forms):
        for issue in form.issues:
            sink.add(n, _sheet_key(issue.sheet), issue)
    live = [n for n, f in enumerate(forms) if not f.rejected]
    for n, form in enumerate(forms):
        if form.rejected:
            _attribute(form, results[n], workspace)
    for n in live:
        _identify(forms[n], n, results[n], sink, workspace, period)
    live = [n for n in live if not any(i.severity == "fatal" for i in sink.issues[n])]

    frames = {s.key: _frame([(n, forms[n].tables[s.key]) for n in live], s)
              for s in FORM_SHEETS}
    for sheet in FORM_SHEETS:
        _run_schema(sheet, frames[sheet.key], forms, sink)
    limit = workspace.settings.max_mentees_per_mentor if workspace else 3
    for n in live:
        _check_form(forms[n], n, results[n].period, sink, limit)
    refused = refused_keys(workspace.settings.refused_justifications) if workspace else frozenset()
    for n in live:  # once every rule of the file has spoken
        sink.issues[n] = justify(sink.issues[n], read_justifications(forms[n].justifications),
                                 school_code=results[n].school_code, refused=refused)

    for sheet in FORM_SHEETS:
        frame = frames[sheet.key]
        keys = zip(frame[FORM_COL].tolist(), frame[ROW_COL].tolist(), strict=True)
        frame[KEEP_COL] = pd.Series([(sheet.key, f, r) not in sink.bad for f, r in keys],
                                    index=frame.index, dtype=bool)
    for n, result in enumerate(results):
        result.issues = sorted(sink.issues[n], key=_issue_order)
        if any(i.severity == "fatal" for i in result.issues):
            result.status = "rejected"
    _count(results, frames)
    return Validation(results, frames, list(forms))


def _check_form(form: Form, n: int, period: str | None, sink: _Sink, limit: int) -> None:
    """The registry's rules within one form, its issues into the sink (pipeline/rules)."""
    def add(code: str, sheet: Sheet, row: int | None, column_key: str | None,
            value: Any = None, **params: Any) -> None:
        sink.add(n, sheet.key, issue_at(code, sheet, row, column_key, value, **params))

    check_form(form_facts(form, n, period, sink.bad, limit), add)


def _sheet_key(name: str | None) -> str | None:
    return next((s.key for s in FORM_SHEETS if s.name == name), None)


def _issue_order(issue: iss.Issue) -> tuple:
    return (iss.SEVERITY_ORDER[issue.severity] if issue.severity == "fatal" else 1,
            SHEET_ORDER.get(issue.sheet or "", -1), issue.row or 0,
            iss.SEVERITY_ORDER[issue.severity], issue.column or "")


def _identify(form: Form, n: int, result: FileResult, sink: _Sink,
              workspace: Workspace | None, period: str | None) -> None:
    """School and period from «Титул» (or the template's properties): fatal when wrong."""
    title = form.tables["title"]
    values = {key: vals[0] for key, vals in title.values.items()}
    result.title = values | {TITLE_ROWS: dict(title.cell_rows)}
    code = values.get("school_code") or form.properties.get(PROP_SCHOOL)
    row = title.cell_rows.get("school_code")
    result.school_code = code
    if workspace is not None:
        school = workspace.school(code)
        if school is None:
            detail = (f"Школы с кодом «{code}» нет в реестре района."
                      if code else "Не указан «Код ОО» на листе «Титул».")
            sink.add(n, "title", iss.make("unknown-school", sheet=TITLE.name, row=row,
                                          column="Код ОО", value=code, detail=detail))
        else:
            result.school = school
            result.school_code = school.code
    found = values.get("period") or form.properties.get(PROP_PERIOD)
    if found and "period" in title.unread:
        found = None
    result.period = found if _is_month(found) else period
    if period and _is_month(found) and found != period:
        sink.add(n, "title", iss.make("period-mismatch", sheet=TITLE.name,
                                      row=title.cell_rows.get("period"), column="Отчётный период",
                                      value=found, expected=period))
        result.period = found


def _attribute(form: Form, result: FileResult, workspace: Workspace | None) -> None:
    """Whose a rejected file is, from «Титул» or the template's properties, if it says."""
    title = form.tables.get("title")
    code = (title.values.get("school_code", [None])[0] if title else None) \
        or form.properties.get(PROP_SCHOOL)
    school = workspace.school(code) if workspace is not None and code else None
    result.school = school
    result.school_code = school.code if school else (code or None)
    period = (title.values.get("period", [None])[0] if title else None) \
        or form.properties.get(PROP_PERIOD)
    result.period = period if _is_month(period) else None


def _is_month(text: Any) -> bool:
    if not isinstance(text, str) or len(text) != 7:
        return False
    try:
        period_bounds(text)
    except ValueError:
        return False
    return True


def _frame(parts: list[tuple[int, Table]], sheet: Sheet) -> pd.DataFrame:
    """One sheet of many files as one frame, with the file index and Excel row of each record."""
    import pandas as pd
    data: dict[str, list[Any]] = {c.key: [] for c in sheet.data_columns}
    forms: list[int] = []
    rows: list[int] = []
    for n, table in parts:
        size = len(table)
        forms.extend([n] * size)
        for key in data:
            data[key].extend(table.values.get(key) or [None] * size)
        if sheet.layout == "keyvalue":
            rows.append(0)
        else:
            rows.extend(table.rows)
    frame = pd.DataFrame({k: pd.Series(vals, dtype=_dtype(sheet.by_key[k]))
                          for k, vals in data.items()})
    frame[FORM_COL] = pd.Series(forms, index=frame.index, dtype="int64")
    frame[ROW_COL] = pd.Series(rows, index=frame.index, dtype="int64")
    return frame


def _dtype(column: Column) -> str:
    return "Int64" if column.kind == "int" else "object"


def _run_schema(sheet: Sheet, frame: pd.DataFrame, forms: Sequence[Form], sink: _Sink) -> None:
    """pandera over the whole sheet at once; each failure becomes an issue at its cell."""
    import pandas as pd
    import pandera.pandas as pa

    from schemas.sheets import schema_for
    if frame.empty:
        return
    try:
        schema_for(sheet.key).validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    starts = {int(n): int(i) for i, n in frame[FORM_COL].drop_duplicates().items()}
    seen: set[tuple[int, str, str]] = set()
    for check, column_key, index in zip(failures["check"].astype(str), failures["column"],
                                        failures["index"], strict=True):
        if index is None or pd.isna(index):
            continue
        code, _, key = check.partition("|")
        key = key or column_key
        code = "required" if code == "not_nullable" else code
        if code not in iss.CODES or key not in sheet.by_key:
            continue
        index = int(index)
        if (index, key, code) in seen:
            continue
        seen.add((index, key, code))
        n = int(frame.at[index, FORM_COL])
        table = forms[n].tables[sheet.key]
        position = index - starts[n]
        if (position, key) in table.unread:
            continue  # already reported as unreadable (bad-date, bad-number)
        row = table.row_of(position, key)
        sink.add(n, sheet.key, _schema_issue(code, sheet, sheet.by_key[key], frame.loc[index],
                                             row))


def _schema_issue(code: str, sheet: Sheet, column: Column, record: pd.Series,
                  row: int | None) -> iss.Issue:
    import pandas as pd
    value = record[column.key]
    value = None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) \
        else value
    params: dict[str, Any] = {"hint": column.hint}
    if code == "bad-value" and column.vocab and column.kind == "enum":
        params["hint"] = "Выберите значение из списка: " + "; ".join(column.vocab) + "."
    elif code == "bad-value" and column.kind == "yesno":
        params["hint"] = "Напишите «да» или «нет»."
    elif code == "bad-value" and column.kind == "month":
        params["hint"] = "Укажите месяц в виде ГГГГ-ММ, например 2026-11."
    elif code == "bad-value":
        params["hint"] = column.hint + "."
    elif code == "out-of-range":
        if column.at_most:
            limit = sheet.by_key[column.at_most]
            params["detail"] = (f"не может быть больше, чем «{limit.header}» "
                                f"({iss.show_value(record[limit.key])})")
        else:
            params["detail"] = f"допустимо от {column.min} до {column.max}"
    elif code == "required":
        params["hint"] = (column.hint + ".") if column.hint else "Заполните ячейку."
        if column.required_for and sheet.category:
            params["reason"] = f" (обязательно для категории «{record[sheet.category]}»)"
    return iss.make(code, sheet=sheet.name, row=row, column=column.header, value=value,
                    **params)


def _count(results: list[FileResult], frames: dict[str, pd.DataFrame]) -> None:
    counted: dict[tuple[str, int], int] = defaultdict(int)
    for key in ("mentors", "mentees", "links"):
        frame = frames[key]
        kept = frame.loc[frame[KEEP_COL], FORM_COL].value_counts()
        for n, size in kept.items():
            counted[(key, int(n))] = int(size)
    for n, result in enumerate(results):
        if result.status == "rejected":
            continue
        result.counts = {k: counted[(k, n)] for k in ("mentors", "mentees", "links")}


__all__ = ["KEEP_COL", "SHEETS_BY_KEY", "FileResult", "Validation", "validate_forms"]
