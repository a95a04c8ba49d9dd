"""A school's numbers month by month (`history --school`): its standing as each month's last
run left it and the figures of its accepted file, as the monthly report computes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.indicators import load_indicators
from pipeline.ledger import LEDGER_FILE, Ledger
from pipeline.report import school_figures
from pipeline.rules.district import history_figures
from pipeline.standing import Standing
from pipeline.status import period_status
from pipeline.workspace import Workspace


@dataclass
class SchoolMonthFigures:
    """One month of a school's trend (`history --school`): its standing as the month's last
    run left it, and the numbers of its accepted file as the ledger keeps it (the approved
    one for an approved month: a run after approval leaves the accepted rows as approved)."""
    period: str
    standing: Standing
    mentors: int | None = None
    mentees: int | None = None
    active_pairs: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # indicator code -> Value

    def as_json(self) -> dict[str, Any]:
        return {"period": self.period, "status": self.standing.status,
                "errors": self.standing.errors, "warnings": self.standing.warnings,
                "on_time": self.standing.on_time, "mentors": self.mentors,
                "mentees": self.mentees, "active_pairs": self.active_pairs,
                "indicators": {code: value.percent for code, value in self.values.items()}}


def school_trend(workspace: Workspace, school_code: str) -> tuple[list[Any],
                                                                  list[SchoolMonthFigures]]:
    """The school's months that have been consolidated and in which it was expected, oldest
    first; and the indicators (their codes and names) the numbers are of."""
    indicators = load_indicators(workspace.root)
    path = workspace.state_dir / LEDGER_FILE
    school = workspace.school(school_code)
    if not path.is_file() or school is None:
        return indicators, []
    with Ledger(path) as ledger:
        periods = sorted({run["period"] for run in ledger.runs() if run["finished"]})
    months = []
    for period in periods:
        if all(s.code != school.code for s in workspace.expected(period)):
            continue  # not open yet, or closed: not a month it owed a report for
        row = next(r for r in period_status(workspace, period).schools
                   if r.school.code == school.code)
        month = SchoolMonthFigures(period, row.standing)
        stored = None
        if row.standing.accepted:
            with Ledger(path) as ledger:
                found = next(((sha, context) for code, sha, context
                              in ledger.accepted_files(period) if code == school.code), None)
                stored = ledger.result(found[0], period, found[1]) if found else None
        if stored is not None:
            figures = school_figures(indicators, stored, period)
            month.mentors, month.mentees = figures.counts["mentors"], figures.counts["mentees"]
            month.active_pairs = history_figures(stored.title, stored.rows)["active_pairs"]
            month.values = figures.values
        months.append(month)
    return indicators, months
