"""What the ledger knows, for the `status` and `history` commands: data, not printing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipeline.consolidate import deadline, inbox_files
from pipeline.issues import CODES
from pipeline.ledger import LEDGER_FILE, Ledger, period_files, seen_paths
from pipeline.workspace import School, Workspace

STATUS_WORDS = {"accepted": "принят", "rejected": "отклонён"}
ROLE_WORDS = {"counted": "учитывается", "superseded": "заменён более новым",
              "duplicate": "повтор того же файла", "unattributed": "школа не определена"}


@dataclass
class SchoolRow:
    school: School
    status: str  # не представлен, отклонён, принят с замечаниями, принят
    received: dt.datetime | None = None
    on_time: bool | None = None
    errors: int = 0
    warnings: int = 0
    file: str | None = None
    files: int = 0
    codes: list[str] = field(default_factory=list)  # issue codes of the file that counts


@dataclass
class PeriodStatus:
    period: str
    deadline: dt.datetime
    last_run: dict[str, Any] | None
    schools: list[SchoolRow] = field(default_factory=list)
    new_files: list[str] = field(default_factory=list)  # in the inbox, not seen by a run yet


def _severities(codes: list[str]) -> tuple[int, int]:
    kinds = [CODES[c][0] for c in codes if c in CODES]
    return kinds.count("error") + kinds.count("fatal"), kinds.count("warning")


def period_status(workspace: Workspace, period: str) -> PeriodStatus:
    due = deadline(period, workspace.settings.deadline_day)
    status = PeriodStatus(period, due, None)
    path = workspace.state_dir / LEDGER_FILE
    files: list[dict[str, Any]] = []
    seen: set[str] = set()
    if path.is_file():
        with Ledger(path) as ledger:
            status.last_run = ledger.last_run(period)
            if status.last_run:
                files = period_files(ledger, status.last_run["id"], status.last_run["context"])
            seen = seen_paths(ledger, period)
    root = workspace.root.resolve()
    status.new_files = [p.name for p in inbox_files(workspace, period)
                        if p.resolve().relative_to(root).as_posix() not in seen]
    for school in workspace.expected(period):
        mine = [f for f in files if f["school_code"] == school.code]
        counted = next((f for f in mine if f["role"] == "counted"), None)
        row = SchoolRow(school, "не представлен", files=len(mine))
        if counted:
            errors, warnings = _severities(counted["codes"])
            row.received, row.errors, row.warnings = counted["received"], errors, warnings
            row.codes = counted["codes"]
            row.on_time = counted["received"] <= due
            row.file = counted["path"].rsplit("/", 1)[-1]
            row.status = ("отклонён" if counted["status"] == "rejected" else
                          "принят с замечаниями" if errors or warnings else "принят")
        status.schools.append(row)
    return status


def school_history(workspace: Workspace, school_code: str) -> list[dict[str, Any]]:
    """Every file of one school the runs have seen, oldest first, with its fate."""
    path = workspace.state_dir / LEDGER_FILE
    if not path.is_file():
        return []
    school = workspace.school(school_code)
    code = school.code if school else school_code
    with Ledger(path) as ledger:
        rows = ledger.history(code)
    for row in rows:
        row["role_ru"] = ROLE_WORDS.get(row["role"], row["role"])
        row["status_ru"] = STATUS_WORDS.get(row["status"], row["status"])
        row["name"] = row["path"].rsplit("/", 1)[-1]
    return rows
