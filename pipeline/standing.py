"""A school's standing for the month (SPEC §4.5–4.6), decided here and nowhere else.

Its status, its error and warning counts (the warnings found across the district included) and
whether it reported on time. The console, `run --json`, `status`, `history`, the district
workbook, the ministry report and the analytical note all show what `decide` says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.issues import CODES

MISSING = "не представлен"
REJECTED = "отклонён"
WITH_REMARKS = "принят с замечаниями"
ACCEPTED = "принят"
STATUSES = (MISSING, REJECTED, WITH_REMARKS, ACCEPTED)
# a file that does not count for its school
REPLACED = "заменён более новым"
DUPLICATE = "повтор того же файла"
VOIDED = "аннулирован"  # set aside by the district (`nastavnik void`)
ON_TIME_WORDS = {True: "да", False: "нет (с опозданием)", None: "—"}


def severity_counts(codes: Iterable[str]) -> tuple[int, int]:
    """(errors, warnings) among issue codes; a fatal one is an error."""
    errors = warnings = 0
    for code in codes:
        severity = CODES[code][0] if code in CODES else None
        if severity in ("error", "fatal"):
            errors += 1
        elif severity == "warning":
            warnings += 1
    return errors, warnings


def file_status(status: str, codes: Iterable[str]) -> str:
    """One file's status in Russian: rejected, accepted with remarks, or accepted."""
    if status == "rejected":
        return REJECTED
    return WITH_REMARKS if any(severity_counts(codes)) else ACCEPTED


@dataclass(frozen=True)
class Standing:
    status: str  # one of STATUSES
    errors: int = 0
    warnings: int = 0
    first_received: dt.datetime | None = None  # the school's first file of the month
    received: dt.datetime | None = None  # the file that counts
    deadline: dt.datetime | None = None
    justified: int = 0  # warnings the school justified (`justified-warning`, info)

    @property
    def reported(self) -> bool:
        return self.status != MISSING

    @property
    def accepted(self) -> bool:
        return self.status in (ACCEPTED, WITH_REMARKS)

    @property
    def on_time(self) -> bool | None:
        """Whether the school reported on time: by its first file of the month, so that a
        correction after the deadline is no penalty; undecided (None) while it has not
        reported or its file is rejected — a rejected file is not a report on time."""
        if not self.accepted or self.first_received is None or self.deadline is None:
            return None
        return self.first_received <= self.deadline

    @property
    def corrected_late(self) -> bool:
        """On time by its first file, with the file that counts sent after the deadline."""
        return bool(self.on_time and self.received and self.deadline
                    and self.received > self.deadline)

    @property
    def on_time_ru(self) -> str:
        return ON_TIME_WORDS[self.on_time]


def decide(file_status_code: str | None, codes: Iterable[str], *,
           first_received: dt.datetime | None, received: dt.datetime | None,
           deadline: dt.datetime | None) -> Standing:
    """The standing of a school whose counted file has status `file_status_code` ("accepted",
    "rejected"; None when nothing was received) and issue `codes` (district-wide ones too)."""
    if file_status_code is None:
        return Standing(MISSING, deadline=deadline)
    codes = list(codes)
    errors, warnings = severity_counts(codes)
    return Standing(file_status(file_status_code, codes), errors, warnings,
                    first_received, received, deadline, codes.count("justified-warning"))
