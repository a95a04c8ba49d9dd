"""pandera schemas of the form's sheets, built from the column definitions in columns.py.

A frame holds one sheet of many files (column keys, plus provenance columns), so each schema
is validated once per run. Every check is named after the issue code it raises; a
data-frame-wide check is named "code|column-key" so that a failure maps back to its cell.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa

from schemas.columns import (  # noqa: F401 - FORM_COL, ROW_COL re-exported
    CLASS_RE,
    EMAIL_RE,
    FORM_COL,
    FORM_SHEETS,
    MONTH_RE,
    NAME_RE,
    ROW_COL,
    Column,
    Sheet,
)

_PATTERNS = {"name": (NAME_RE, "bad-name"), "class": (CLASS_RE, "bad-value"),
             "email": (EMAIL_RE, "bad-value"), "month": (MONTH_RE, "bad-value")}


def _column_checks(column: Column) -> list[pa.Check]:
    checks = []
    if column.vocab:
        checks.append(pa.Check(lambda s, vocab=column.vocab: s.isin(vocab), name="bad-value"))
    if column.kind in _PATTERNS:
        pattern, code = _PATTERNS[column.kind]
        checks.append(pa.Check(lambda s, p=pattern: s.astype(str).str.fullmatch(p), name=code))
    if column.kind == "int" and (column.min is not None or column.max is not None):
        low = column.min if column.min is not None else -(10**12)
        high = column.max if column.max is not None else 10**12
        checks.append(pa.Check(lambda s, lo=low, hi=high: s.astype("float64").between(lo, hi),
                               name="out-of-range"))
    return checks


def _required_for(sheet: Sheet, column: Column) -> pa.Check:
    categories = tuple(sorted(column.required_for))

    def check(df: pd.DataFrame) -> pd.Series:
        return ~(df[sheet.category].isin(categories) & df[column.key].isna())

    return pa.Check(check, name=f"required|{column.key}")


def _at_most(column: Column) -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        value = df[column.key].astype("float64")
        limit = df[column.at_most].astype("float64")
        return ~(value > limit).fillna(False)

    return pa.Check(check, name=f"out-of-range|{column.key}")


def build_schema(sheet: Sheet) -> pa.DataFrameSchema:
    columns = {
        c.key: pa.Column(nullable=not c.required, checks=_column_checks(c), required=True)
        for c in sheet.data_columns
    }
    checks = [_required_for(sheet, c) for c in sheet.data_columns if c.required_for]
    checks += [_at_most(c) for c in sheet.data_columns if c.at_most]
    return pa.DataFrameSchema(columns, checks=checks, strict=False, coerce=False,
                              name=sheet.name)


@cache
def schema_for(sheet_key: str) -> pa.DataFrameSchema:
    return build_schema(next(s for s in FORM_SHEETS if s.key == sheet_key))
