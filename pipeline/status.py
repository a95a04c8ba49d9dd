"""What the ledger knows, for the `status` and `history` commands: data, not printing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipeline.approval import Approval, Correction, SignOff, approval
from pipeline.ledger import LEDGER_FILE, Ledger, period_files, seen_paths
from pipeline.paths import readable, readable_name
from pipeline.standing import (
    DUPLICATE,
    REPLACED,
    VOIDED,
    Standing,
    decide,
    file_status,
    severity_counts,
)
from pipeline.workspace import School, Workspace, deadline

ROLE_WORDS = {"counted": "учитывается", "superseded": REPLACED,
              "duplicate": DUPLICATE, "unattributed": "школа не определена", "voided": VOIDED}


@dataclass
class SchoolRow:
    school: School
    standing: Standing
    file: str | None = None  # the name of the file that counts
    files: int = 0
    codes: list[str] = field(default_factory=list)  # issue codes of the file that counts
    # the school's files set aside (voids in force, as the ledger keeps them)
    voided: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.standing.status

    @property
    def received(self) -> dt.datetime | None:
        return self.standing.received

    @property
    def first_received(self) -> dt.datetime | None:
        return self.standing.first_received

    @property
    def on_time(self) -> bool | None:
        return self.standing.on_time

    @property
    def errors(self) -> int:
        return self.standing.errors

    @property
    def warnings(self) -> int:
        return self.standing.warnings


@dataclass
class PeriodStatus:
    period: str
    deadline: dt.datetime
    last_run: dict[str, Any] | None
    schools: list[SchoolRow] = field(default_factory=list)
    new_files: list[str] = field(default_factory=list)  # in the inbox, not seen by a run yet
    approval: Approval | None = None  # the month's sign-off
    # schools whose file that counts is not the approved one, as the last run found them
    corrections: list[Correction] = field(default_factory=list)

    def correction(self, school_code: str) -> Correction | None:
        return next((c for c in self.corrections if c.school_code == school_code), None)
    # (path, SHA-256) of files voided or unvoided since the last run: the next run applies it
    pending: list[tuple[str, str]] = field(default_factory=list)


def period_status(workspace: Workspace, period: str) -> PeriodStatus:
    due = deadline(period, workspace.settings.deadline_day)
    status = PeriodStatus(period, due, None)
    path = workspace.state_dir / LEDGER_FILE
    files: list[dict[str, Any]] = []
    seen: set[str] = set()
    voids: list[dict[str, Any]] = []
    if path.is_file():
        with Ledger(path) as ledger:
            status.last_run = ledger.last_run(period)
            status.approval = approval(ledger, period)
            if status.last_run:
                files = period_files(ledger, status.last_run["id"], status.last_run["context"])
                status.corrections = [
                    Correction.from_json(c) for c in
                    status.last_run["summary"].get("corrections_after_approval", [])]
            seen = seen_paths(ledger, period)
            voids = ledger.voids(period=period)
    # the files set aside now and as the last run found them: a difference is for the next run
    now = {(v["path"], v["sha256"]) for v in voids if v["undone_at"] is None}
    then = {(f["path"], f["sha256"]) for f in files if f["role"] == "voided"}
    status.pending = sorted(now ^ then)
    root = workspace.root.resolve()
    status.new_files = [readable_name(p.name) for p in workspace.inbox_files(period)
                        if readable(p.resolve().relative_to(root).as_posix()) not in seen]
    for school in workspace.expected(period):
        mine = [f for f in files if f["school_code"] == school.code]
        counted = next((f for f in mine if f["role"] == "counted"), None)
        # a file set aside is not a report: as in the run (consolidate.school_standings)
        standing = decide(counted["status"] if counted else None,
                          counted["codes"] if counted else (),
                          first_received=min((f["received"] for f in mine
                                              if f["role"] != "voided"), default=None),
                          received=counted["received"] if counted else None, deadline=due)
        row = SchoolRow(school, standing, files=len(mine),
                        voided=[v for v in voids if v["undone_at"] is None and (
                            v["school_code"] == school.code or
                            (v["path"], v["sha256"]) in {(f["path"], f["sha256"]) for f in mine})])
        if counted:
            row.codes = counted["codes"]
            row.file = counted["path"].rsplit("/", 1)[-1]
        status.schools.append(row)
    return status


def school_voids(workspace: Workspace, school_code: str,
                 rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The voids and unvoids of a school's files (`rows`, as `school_history` gives them), as
    events oldest first: what (`void` or `unvoid`), when, who, why, which file and month."""
    path = workspace.state_dir / LEDGER_FILE
    if not path.is_file():
        return []
    school = workspace.school(school_code)
    with Ledger(path) as ledger:
        voids = ledger.voids(file_ids=[r["file_id"] for r in rows],
                             school_code=school.code if school else school_code)
    events = []
    for v in voids:
        name = v["path"].rsplit("/", 1)[-1]
        events.append({"action": "void", "at": v["at"], "by": v["by"], "reason": v["reason"],
                       "name": name, "period": v["period"]})
        if v["undone_at"] is not None:
            events.append({"action": "unvoid", "at": v["undone_at"], "by": v["undone_by"],
                           "reason": v["undone_reason"], "name": name, "period": v["period"]})
    return sorted(events, key=lambda e: e["at"])


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
        codes = row["codes"] or []
        row["errors"], row["warnings"] = severity_counts(codes)
        row["status_ru"] = file_status(row["status"], codes)
        row["name"] = row["path"].rsplit("/", 1)[-1]
    return rows


def school_mails(workspace: Workspace, school_code: str) -> list[dict[str, Any]]:
    """The letters `mail send` sent (or tried to send) to one school, oldest first."""
    path = workspace.state_dir / LEDGER_FILE
    if not path.is_file():
        return []
    school = workspace.school(school_code)
    with Ledger(path) as ledger:
        return ledger.mails(school_code=school.code if school else school_code)


def period_signoffs(workspace: Workspace, periods: set[str]) -> list[tuple[str, SignOff]]:
    """The approvals and reopenings of `periods`, oldest first, with their month."""
    path = workspace.state_dir / LEDGER_FILE
    if not path.is_file():
        return []
    with Ledger(path) as ledger:
        return [(row["period"], SignOff.from_ledger(row)) for row in ledger.signoffs()
                if row["period"] in periods]
