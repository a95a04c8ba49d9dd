"""One period of one district: inbox files → validated rows → the district workbook.

`run_period` reads every file of `inbox/YYYY-MM/`, validates them together, decides which file
counts for each school, finds people listed by two schools, and writes
`outbox/YYYY-MM/Свод_YYYY-MM.xlsx`. It returns what it did; it prints nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import issues as iss
from pipeline.check import read_and_validate
from pipeline.validate import KEEP_COL, FileResult, Validation
from pipeline.values import name_key
from pipeline.workbooks import Formats, atomic_path, new_workbook, write_table
from pipeline.workspace import School, Workspace
from schemas import vocab as v
from schemas.columns import LINKS, MENTEES, MENTORS, Sheet
from schemas.sheets import FORM_COL, ROW_COL

SKIPPED_NAMES = (".",)  # hidden files (.DS_Store and the like) are not school files
STATUS_MISSING = "не представлен"
FEEDBACK_DIR = "Замечания"


@dataclass
class SchoolStatus:
    school: School
    result: FileResult | None  # the file that counts, None when nothing was received
    files: list[FileResult] = field(default_factory=list)

    @property
    def status_ru(self) -> str:
        return self.result.status_ru if self.result else STATUS_MISSING


@dataclass
class RunResult:
    period: str
    expected: list[School]
    results: list[FileResult]  # every file, in the order read
    statuses: list[SchoolStatus]
    counted: list[int]  # indexes into `results` of the files that count
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [s.school.code for s in self.statuses if s.result is None]

    @property
    def problems(self) -> bool:
        return any(r.status == "rejected" or r.worst == "error" for r in self.results)

    def as_json(self) -> dict[str, Any]:
        counted = [self.results[n] for n in self.counted]
        return {
            "period": self.period,
            "expected": len(self.expected),
            "received": sum(1 for s in self.statuses if s.result is not None),
            "accepted": sum(1 for r in counted if r.status == "accepted"),
            "rejected": sum(1 for r in counted if r.status == "rejected"),
            "missing": self.missing,
            "files": [r.as_json() for r in self.results],
            "outputs": dict(self.outputs),
        }


def inbox_files(workspace: Workspace, period: str) -> list[Path]:
    folder = workspace.inbox / period
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(SKIPPED_NAMES)),
                  key=lambda p: p.name)


def run_period(workspace: Workspace, period: str, *,
               on_file: Callable[[Path], None] | None = None) -> RunResult:
    """The monthly consolidation of `period` (YYYY-MM) for the workspace's district."""
    files = inbox_files(workspace, period)
    validation = read_and_validate(files, workspace=workspace, period=period, on_file=on_file)
    statuses, counted = _decide(workspace, period, files, validation.results)
    _cross_school(validation, counted)
    result = RunResult(period, workspace.expected(period), validation.results, statuses, counted)
    path = workspace.outbox / period / f"Свод_{period}.xlsx"
    write_district_workbook(path, workspace, result, validation)
    result.outputs["consolidated"] = str(path)
    result.outputs["feedback"] = [str(p) for p in write_school_feedback(
        workspace.outbox / period / FEEDBACK_DIR, validation, counted)]
    return result


def write_school_feedback(folder: Path, validation: Validation, counted: list[int]) -> list[Path]:
    """A feedback workbook for every counted file with any issue; stale ones are removed."""
    from pipeline.feedback import feedback_name, write_feedback

    written = []
    for n in counted:
        result = validation.results[n]
        if not result.issues:
            continue
        path = folder / feedback_name(result)
        written.append(write_feedback(validation.forms[n], result, path))
    if folder.is_dir():
        keep = {p.name for p in written}
        for old in folder.glob("*.xlsx"):
            if old.name not in keep:
                old.unlink()  # a school that fixed everything must not find old remarks
    return written


def _decide(workspace: Workspace, period: str, files: list[Path],
            results: list[FileResult]) -> tuple[list[SchoolStatus], list[int]]:
    """The newest file of a school counts; earlier ones are kept on record only."""
    by_school: dict[str, list[int]] = defaultdict(list)
    counted = []
    for n, result in enumerate(results):
        if result.school is not None:
            by_school[result.school.code].append(n)
        else:
            counted.append(n)  # a file no school can claim still shows its problems
    statuses = []
    for school in workspace.expected(period):
        members = by_school.pop(school.code, [])
        newest = max(members, key=lambda n: (files[n].stat().st_mtime, files[n].name),
                     default=None)
        if newest is not None:
            counted.append(newest)
        statuses.append(SchoolStatus(school, results[newest] if newest is not None else None,
                                     [results[n] for n in members]))
    for members in by_school.values():  # registry schools not expected this period
        counted.append(max(members, key=lambda n: files[n].stat().st_mtime))
    return statuses, sorted(counted)


def _cross_school(validation: Validation, counted: list[int]) -> None:
    """The same person in two schools' lists is a warning for both (SPEC §3)."""
    results = validation.results
    live = [n for n in counted if results[n].status == "accepted"]
    where: dict[str, dict[int, list[tuple[Sheet, int, str]]]] = defaultdict(dict)
    for sheet in (MENTORS, MENTEES):
        frame = validation.frames[sheet.key]
        frame = frame[frame[FORM_COL].isin(live) & frame[KEEP_COL]]
        for name, n, row in zip(frame["full_name"], frame[FORM_COL], frame[ROW_COL],
                                strict=True):
            if isinstance(name, str):
                where[name_key(name)].setdefault(int(n), []).append((sheet, int(row), name))
    for places in where.values():
        if len(places) < 2:
            continue
        for n, spots in places.items():
            others = ", ".join(sorted(results[m].school_code or "?" for m in places if m != n))
            for sheet, row, name in spots:
                results[n].issues.append(iss.make(
                    "cross-school-duplicate", sheet=sheet.name, row=row,
                    column=sheet.by_key["full_name"].header, value=name, other=others))


# ---------------------------------------------------------------------------------------------
# The district workbook.


def pseudonym(secret: bytes, school_code: str, name: str) -> str:
    """A stable code for a person whose name may not be shown (SPEC §5)."""
    digest = hmac.new(secret, f"{school_code}|{name_key(name)}".encode(), hashlib.sha256)
    return "Лицо-" + digest.hexdigest()[:8].upper()


class _Names:
    """Shows a name only where the person consented to personal-data processing."""

    def __init__(self, secret: bytes, validation: Validation, live: list[int],
                 results: list[FileResult]) -> None:
        self.secret = secret
        self.results = results
        self.consented: set[tuple[int, str]] = set()
        for sheet in (MENTORS, MENTEES):
            frame = validation.frames[sheet.key]
            frame = frame[frame[FORM_COL].isin(live)]
            for name, consent, n in zip(frame["full_name"], frame["pd_consent"],
                                        frame[FORM_COL], strict=True):
                if isinstance(name, str) and consent == v.YES:
                    self.consented.add((int(n), name_key(name)))

    def show(self, n: int, name: Any) -> Any:
        if not isinstance(name, str) or not name:
            return name
        if (n, name_key(name)) in self.consented:
            return name
        return pseudonym(self.secret, self.results[n].school_code or "", name)


_PERSONAL_HEADERS = {c.header for s in (MENTORS, MENTEES, LINKS) for c in s.columns
                     if c.personal}


def write_district_workbook(path: Path, workspace: Workspace, run: RunResult,
                            validation: Validation) -> Path:
    results = run.results
    live = [n for n in run.counted if results[n].status == "accepted"]
    names = _Names(workspace.secret(), validation, live, results)
    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        book.set_properties({"title": f"Свод по наставничеству {run.period}",
                             "subject": workspace.settings.district, "author": "nastavnik"})
        formats = Formats(book)
        _summary_sheet(book, formats, run, validation)
        for sheet in (MENTORS, MENTEES, LINKS):
            _rows_sheet(book, formats, sheet, validation.frames[sheet.key], live, results, names)
        _issues_sheet(book, formats, run, names)
        book.close()
    return path


def _summary_sheet(book: Any, formats: Formats, run: RunResult, validation: Validation) -> None:
    links = validation.frames["links"]
    kept_links = links[links[KEEP_COL]]
    groups = kept_links.groupby(FORM_COL)["pair_id"].nunique().to_dict()
    headers = ["Код ОО", "Наименование ОО", "Получен", "Статус", "Файл", "Наставников",
               "Наставляемых", "Пар и групп", "Связей в парах", "Ошибок",
               "Предупреждений", "Куратор", "Телефон куратора", "E-mail куратора"]
    rows = []
    index = {id(r): n for n, r in enumerate(run.results)}
    for status in run.statuses:
        result = status.result
        if result is None:
            rows.append([status.school.code, status.school.name, "нет", STATUS_MISSING])
            continue
        n = index[id(result)]
        accepted = result.status == "accepted"
        severities = [i.severity for i in result.issues]
        rows.append([
            status.school.code, status.school.name, "да", result.status_ru,
            Path(result.file).name,
            result.counts["mentors"] if accepted else None,
            result.counts["mentees"] if accepted else None,
            groups.get(n, 0) if accepted else None,
            result.counts["links"] if accepted else None,
            severities.count("error") + severities.count("fatal"),
            severities.count("warning"),
            result.title.get("curator"), result.title.get("curator_phone"),
            result.title.get("curator_email"),
        ])
    widths = [10, 48, 10, 22, 44, 13, 14, 12, 15, 9, 16, 34, 20, 30]
    write_table(book, formats, "Сводка", headers, rows, widths)


def _rows_sheet(book: Any, formats: Formats, sheet: Sheet, frame: pd.DataFrame, live: list[int],
                results: list[FileResult], names: _Names) -> None:
    frame = frame[frame[FORM_COL].isin(live) & frame[KEEP_COL]]
    columns = [c for c in sheet.data_columns]
    headers = ["Код ОО", "Наименование ОО", *[c.header for c in columns]]
    personal = [c.key for c in columns if c.personal]
    data = {c.key: frame[c.key].tolist() for c in columns}
    rows = []
    for i, n in enumerate(frame[FORM_COL].tolist()):
        school = results[n].school
        row = [school.code if school else results[n].school_code,
               school.name if school else None]
        for c in columns:
            value = data[c.key][i]
            row.append(names.show(n, value) if c.key in personal else value)
        rows.append(row)
    order = sorted(range(len(rows)), key=lambda i: (str(rows[i][0]), i))
    write_table(book, formats, sheet.name, headers, [rows[i] for i in order],
                [10, 36, *[c.width for c in columns]])


def _issues_sheet(book: Any, formats: Formats, run: RunResult, names: _Names) -> None:
    headers = ["Код ОО", "Файл", "Важность", "Код", "Лист", "Строка", "Столбец", "Значение",
               "Что не так и как исправить"]
    rows = []
    for n in run.counted + [m for m in range(len(run.results)) if m not in run.counted]:
        result = run.results[n]
        superseded = n not in run.counted
        for issue in result.issues:
            value = issue.value
            if issue.column in _PERSONAL_HEADERS:
                value = names.show(n, value)
            rows.append([result.school_code, Path(result.file).name
                         + (" (заменён более новым)" if superseded else ""),
                         iss.SEVERITY_RU[issue.severity], issue.code, issue.sheet, issue.row,
                         issue.column, value, issue.message])
    write_table(book, formats, "Замечания", headers, rows,
                [10, 34, 16, 24, 16, 8, 26, 26, 90], wrap=(8,))
