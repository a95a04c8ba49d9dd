"""A month's sign-off, as the ledger keeps it: approved (and so locked) with a version, or
reopened with a reason; and what a run after approval finds changed since (the schools that
sent corrections, their numbers before and after)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pipeline.ledger import Ledger

APPROVE, REOPEN = "approve", "reopen"
# a school's figures as approved and as a later run finds them, in the order they are told
FIGURES = (("mentors", "наставников"), ("mentees", "наставляемых"), ("pairs", "пар и групп"))


def _when(at: dt.datetime) -> str:
    return f"{at:%d.%m.%Y %H:%M}"


@dataclass(frozen=True)
class SignOff:
    """One approval or reopening of a month."""
    action: str  # APPROVE or REOPEN
    version: int  # the approval it is, or the one it reopens
    at: dt.datetime
    by: str
    reason: str | None = None
    run_id: int | None = None
    outputs: dict[str, Any] = field(default_factory=dict)  # path -> {kind, sha256}
    schools: dict[str, Any] = field(default_factory=dict)  # code -> its figures as approved

    @classmethod
    def from_ledger(cls, row: dict[str, Any]) -> SignOff:
        return cls(row["action"], row["version"], row["at"], row["by"], row["reason"],
                   row["run_id"], row["outputs"], row["schools"])

    def line(self) -> str:
        """«месяц утверждён 05.12.2026 14:30 (версия 1, Иванова И. И.)» or «месяц открыт заново
        06.12.2026 09:00 (Петров П. П.): причина»."""
        if self.action == APPROVE:
            return f"месяц утверждён {_when(self.at)} (версия {self.version}, {self.by})"
        return f"месяц открыт заново {_when(self.at)} ({self.by}): {self.reason}"


@dataclass(frozen=True)
class Approval:
    """A month's sign-offs, oldest first: whether it is approved and locked, and which version."""
    period: str
    signoffs: tuple[SignOff, ...] = ()

    @property
    def approved(self) -> SignOff | None:
        """The latest approval, whether or not reopened since."""
        return next((s for s in reversed(self.signoffs) if s.action == APPROVE), None)

    @property
    def locked(self) -> bool:
        """Approved and not reopened since: a run does not change the district's outputs."""
        return bool(self.signoffs) and self.signoffs[-1].action == APPROVE

    @property
    def version(self) -> int:
        """How many times the month was approved."""
        return sum(1 for s in self.signoffs if s.action == APPROVE)

    def stamp(self) -> str | None:
        """The line the approved report and note carry: a date, never a person's name (the
        report leaves the district, SPEC §5)."""
        approvals = [s for s in self.signoffs if s.action == APPROVE]
        if not self.locked:
            return None
        line = f"Утверждено {approvals[-1].at:%d.%m.%Y}"
        if len(approvals) > 1:
            line += (f" (версия {approvals[-1].version}) — взамен утверждённого "
                     f"{approvals[-2].at:%d.%m.%Y}")
        return line

    def state(self) -> str:
        """What a run's outputs depend on of the sign-off (a part of the run's fingerprint)."""
        return f"{self.version}:{int(self.locked)}"

    def as_json(self) -> dict[str, Any] | None:
        approved = self.approved
        if approved is None:
            return None
        return {"version": approved.version, "approved": approved.at.isoformat(),
                "by": approved.by, "locked": self.locked}


def approval(ledger: Ledger, period: str) -> Approval:
    return Approval(period, tuple(SignOff.from_ledger(r) for r in ledger.signoffs(period)))


def with_state(fingerprint: str, state: Approval) -> str:
    """A run's fingerprint with the month's sign-off in it: a run after approving or
    reopening is not the same run, even with the same files."""
    return hashlib.sha256(f"{fingerprint}|{state.state()}".encode()).hexdigest()


def approved_figures(sha256: str | None, status: str, counts: dict[str, int] | None
                   ) -> dict[str, Any]:
    """What is compared of a school's month: the file that counts, its status, its counts of
    mentors, mentees and pairs (None unless accepted)."""
    return {"file": sha256, "status": status,
            **{key: (counts or {}).get(key) for key, _ in FIGURES}}


@dataclass(frozen=True)
class Correction:
    """A school whose file that counts is not the one approved: its figures before and after."""
    school_code: str
    before: dict[str, Any]
    after: dict[str, Any]
    received: dt.datetime | None = None  # of the file that counts now

    def changes(self) -> list[str]:
        """«наставников 4 → 5», «статус: принят → принят с замечаниями»."""
        said = []
        for key, label in FIGURES:
            before, after = self.before.get(key), self.after.get(key)
            if before != after:
                said.append(f"{label} {_number(before)} → {_number(after)}")
        if self.before.get("status") != self.after.get("status"):
            said.append(f"статус: {self.before.get('status')} → {self.after.get('status')}")
        return said

    def text(self) -> str:
        changes = self.changes()
        return "; ".join(changes) if changes else "числа и статус не меняются"

    def as_json(self) -> dict[str, Any]:
        return {"school_code": self.school_code, "before": self.before, "after": self.after,
                "received": self.received.isoformat() if self.received else None,
                "changes": self.changes()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Correction:
        received = data.get("received")
        return cls(data["school_code"], data["before"], data["after"],
                   dt.datetime.fromisoformat(received) if received else None)


def _number(value: Any) -> str:
    return "—" if value is None else str(value)


def corrections(state: Approval, now: dict[str, dict[str, Any]],
                received: dict[str, dt.datetime | None]) -> list[Correction]:
    """The schools whose file that counts differs from the one in the month's latest approval
    (`now`: each school's `approved_figures`; `received`: when its file that counts came)."""
    approved = state.approved
    if approved is None:
        return []
    found = []
    for code in sorted(now.keys() | approved.schools.keys()):
        before = approved.schools.get(code) or approved_figures(None, "—", None)
        after = now.get(code) or approved_figures(None, "—", None)
        if before.get("file") != after.get("file"):
            found.append(Correction(code, before, after, received.get(code)))
    return found
