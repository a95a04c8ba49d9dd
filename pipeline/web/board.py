"""What the office page shows, gathered from the same library functions the commands use
(pipeline.status, pipeline.report, pipeline.check): data for the templates, no logic of the
month of its own."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.issues import SEVERITY_RU
from pipeline.ledger import LEDGER_FILE, Ledger, loads
from pipeline.report import ReportError, build_report, note_path, report_path
from pipeline.status import (
    PeriodStatus,
    period_signoffs,
    period_status,
    school_history,
    school_voids,
)
from pipeline.workspace import Workspace, deadline, nearest_period
from schemas.columns import FORM_SHEETS
from schemas.outputs import FEEDBACK_FOLDER, district_book_name

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# columns that may hold a person's name: an issue about one shows no value (SPEC §5)
PERSONAL = {(s.name, col.header) for s in FORM_SHEETS for col in s.columns if col.personal}


def months(workspace: Workspace) -> list[str]:
    """The months that have an inbox folder or outputs, newest first."""
    found = {p.name for folder in (workspace.inbox, workspace.outbox) if folder.is_dir()
             for p in folder.iterdir() if p.is_dir() and PERIOD_RE.match(p.name)}
    return sorted(found, reverse=True)


def default_month(workspace: Workspace, today: dt.date | None = None) -> str:
    """The month whose deadline is nearest today, as the commands take it."""
    return nearest_period(today or dt.date.today(), workspace.settings.deadline_day)


@dataclass
class Output:
    label: str
    path: str  # relative to the outbox


@dataclass
class Board:
    period: str
    status: Any  # pipeline.status.PeriodStatus
    report: Any | None  # pipeline.report.DistrictReport of the last run, if any
    feedback: dict[str, str] = field(default_factory=dict)  # school code -> outbox path
    outputs: list[Output] = field(default_factory=list)
    feedback_files: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(1 for r in self.status.schools if r.standing.reported)

    @property
    def on_time(self) -> int:
        return sum(1 for r in self.status.schools if r.on_time)


def _relative(workspace: Workspace, path: Path) -> str:
    return path.relative_to(workspace.outbox).as_posix()


def board(workspace: Workspace, period: str) -> Board:
    status = period_status(workspace, period)
    try:
        report = build_report(workspace, period, with_previous=False) if status.last_run \
            else None
    except ReportError:
        report = None
    found = Board(period, status, report)
    folder = workspace.outbox / period
    for label, path in (("Сводный файл района", folder / district_book_name(period)),
                        ("Отчёт для министерства", report_path(workspace, period)),
                        ("Аналитическая справка", note_path(workspace, period))):
        if path.is_file():
            found.outputs.append(Output(label, _relative(workspace, path)))
    remarks = folder / FEEDBACK_FOLDER
    if remarks.is_dir():
        files = sorted(remarks.glob("*.xlsx"))
        found.feedback_files = [_relative(workspace, p) for p in files]
        for row in status.schools:
            mine = next((p for p in files if p.name.startswith(f"{row.school.code} ")), None)
            if mine is not None:
                found.feedback[row.school.code] = _relative(workspace, mine)
    templates = folder / "templates"
    if templates.is_dir():
        found.templates = [_relative(workspace, p) for p in sorted(templates.glob("*.xlsx"))]
    return found


def empty_board(workspace: Workspace, period: str) -> Board:
    """The board while a run goes: the schools come back when it has finished."""
    return Board(period, PeriodStatus(period, deadline(period, workspace.settings.deadline_day),
                                      None), None)


def shown_issue(issue: dict[str, Any]) -> dict[str, Any]:
    """An issue as the feedback's «Замечания» lists it: sheet, row, column, message; the value
    only where its column cannot hold a person's name."""
    personal = (issue.get("sheet"), issue.get("column")) in PERSONAL
    value = issue.get("value")
    problem = issue.get("problem") or ""
    if personal and value:
        problem = problem.replace(str(value), "…")
    code = issue.get("code") or ""
    from pipeline.issues import CODES

    severity = CODES.get(code, ("info",))[0]
    return {"sheet": issue.get("sheet") or "весь файл", "row": issue.get("row"),
            "column": issue.get("column") or "", "value": None if personal else value,
            "message": f"{problem} {issue.get('fix') or ''}".strip(),
            "severity": SEVERITY_RU.get(severity, severity), "level": severity, "code": code}


def school_page(workspace: Workspace, code: str) -> dict[str, Any]:
    """A school's files, this month and earlier, with their fate and their issues."""
    rows = school_history(workspace, code)
    issues: dict[tuple[int, int], list[dict[str, Any]]] = {}
    path = workspace.state_dir / LEDGER_FILE
    if rows and path.is_file():
        with Ledger(path) as ledger:
            for row in rows:
                found = ledger.db.execute(
                    "SELECT result FROM run_files WHERE file_id = ? AND run_id = ?",
                    (row["file_id"], row["run_id"])).fetchone()
                kept = loads(found[0])["issues"] if found and found[0] else []
                issues[(row["file_id"], row["run_id"])] = [shown_issue(i) for i in kept]
    by_month: dict[str, list[dict[str, Any]]] = {}
    for row in reversed(rows):  # newest month first
        row["issues"] = issues.get((row["file_id"], row["run_id"]), [])
        by_month.setdefault(row["period"], []).append(row)
    return {"months": by_month,
            "signoffs": period_signoffs(workspace, {r["period"] for r in rows}),
            "voids": school_voids(workspace, code, rows)}


# --- mail and the half-year -------------------------------------------------------------------
@dataclass
class MailState:
    """What the board's «Почта» block can offer: `setup` is the Russian line saying what is
    missing when the workspace has no usable `[mail]` (then only the preview is offered)."""
    settings: Any | None
    setup: str = ""
    needs_password: bool = False  # neither the environment nor the keyring holds it


def mail_state(workspace: Workspace) -> MailState:
    from pipeline.mail.account import MailError, load_mail_settings, password

    try:
        settings = load_mail_settings(workspace.root)
    except MailError as exc:
        return MailState(None, str(exc))
    try:
        password(settings)
    except MailError:
        return MailState(settings, needs_password=True)
    return MailState(settings)


def sentence(text: str) -> str:
    """A library's Russian line («пароль … не задан — …») as the page shows it: capitalised."""
    return text[:1].upper() + text[1:]


@dataclass
class Half:
    code: str  # «2026-1», as `report --half` takes it
    label: str
    files: list[Output] = field(default_factory=list)  # written before, in the outbox


def halves(workspace: Workspace, period: str) -> list[Half]:
    """The current school year's halves (of the month shown), each with the period report's
    files already written (a half still going is written up to its last month run)."""
    from pipeline.halfyear import half_months, months_between, period_folder, period_words

    year = int(period[:4]) if int(period[5:]) >= 9 else int(period[:4]) - 1
    found = []
    for n in (1, 2):
        code = f"{year}-{n}"
        first, last = half_months(code)
        half = Half(code, f"{n}-е полугодие {year}/{year + 1} учебного года: "
                          f"{period_words(first, last)}")
        for end in months_between(first, last):
            folder = period_folder(workspace, first, end)
            if folder.is_dir():
                half.files += [Output(p.name, _relative(workspace, p))
                               for p in sorted(folder.iterdir()) if p.is_file()]
        found.append(half)
    return found
