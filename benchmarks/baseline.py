"""The obvious alternative to nastavnik, timed by benchmarks/run.py: the script a methodologist
who knows pandas and pandera would write for the same job.

    python benchmarks/baseline.py INBOX_FOLDER OUT.xlsx

Each school's workbook is read whole (`pd.read_excel(sheet_name=None)`, openpyxl), a list's
header taken from its first row; each list is validated with a pandera schema per file
(required columns filled, categories from the vocabularies, ages and experience in range,
a start date that is a date); the rows that pass are concatenated with the school's code,
and the three lists are written into one workbook with `DataFrame.to_excel` (openpyxl).
It checks much less than nastavnik and writes no feedback, no report: a lower bound.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas import vocab as v  # noqa: E402
from schemas.columns import LINKS, MENTEES, MENTORS, TITLE, Sheet  # noqa: E402

HEADER_ROW = 0  # the lists have their headers in the first row of the sheet


def _h(sheet: Sheet, key: str) -> str:
    return sheet.column(key).header


def _is_date(series: pd.Series) -> pd.Series:
    return series.map(lambda value: isinstance(value, dt.date))


def _schemas() -> dict[str, pa.DataFrameSchema]:
    def text(**kw: object) -> pa.Column:
        return pa.Column(None, nullable=False, **kw)

    def number(low: int, high: int) -> pa.Column:
        return pa.Column(float, pa.Check.in_range(low, high), nullable=True, coerce=True,
                         required=False)

    yes_no = pa.Check.isin(v.YES_NO)
    return {
        MENTORS.name: pa.DataFrameSchema({
            _h(MENTORS, "full_name"): text(),
            _h(MENTORS, "category"): text(checks=pa.Check.isin(v.MENTOR_CATEGORIES)),
            _h(MENTORS, "age"): number(10, 99),
            _h(MENTORS, "experience"): number(0, 70),
            _h(MENTORS, "trained"): text(checks=yes_no),
            _h(MENTORS, "pd_consent"): text(checks=yes_no),
        }),
        MENTEES.name: pa.DataFrameSchema({
            _h(MENTEES, "full_name"): text(),
            _h(MENTEES, "category"): text(checks=pa.Check.isin(v.MENTEE_CATEGORIES)),
            _h(MENTEES, "age"): number(6, 99),
            _h(MENTEES, "experience"): number(0, 70),
            _h(MENTEES, "pd_consent"): text(checks=yes_no),
        }),
        LINKS.name: pa.DataFrameSchema({
            _h(LINKS, "pair_id"): text(),
            _h(LINKS, "mentor_name"): text(),
            _h(LINKS, "mentee_name"): text(),
            _h(LINKS, "form"): text(checks=pa.Check.isin(v.FORMS)),
            _h(LINKS, "start"): text(checks=pa.Check(_is_date)),
            _h(LINKS, "status"): text(checks=pa.Check.isin(v.STATUSES)),
        }),
    }


def _school_code(title: pd.DataFrame) -> str | None:
    labels = title.iloc[:, 0].astype(str).str.strip()
    found = title.loc[labels == _h(TITLE, "school_code")]
    return None if found.empty else str(found.iloc[0, 1])


def consolidate(folder: Path, out: Path) -> dict[str, int]:
    schemas = _schemas()
    accepted: dict[str, list[pd.DataFrame]] = {name: [] for name in schemas}
    files = sorted(p for p in folder.iterdir() if p.suffix == ".xlsx")
    for path in files:
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=HEADER_ROW)
        code = _school_code(sheets[TITLE.name])
        for name, schema in schemas.items():
            frame = sheets[name].dropna(how="all")
            try:
                schema.validate(frame, lazy=True)
            except SchemaErrors as exc:
                failed = exc.failure_cases["index"]
                if failed.isna().any():  # a missing column: the whole list is refused
                    continue
                frame = frame.drop(index=failed.unique())
            accepted[name].append(frame.assign(**{"Код ОО": code, "Файл": path.name}))
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        counts = {"files": len(files)}
        for name, frames in accepted.items():
            table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
            table.to_excel(writer, sheet_name=name, index=False)
            counts[name] = len(table)
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    print(json.dumps(consolidate(Path(sys.argv[1]), Path(sys.argv[2])), ensure_ascii=False))
