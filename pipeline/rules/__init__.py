"""The rules a school's form and the district's month are checked by, in one registry.

Like frictionless's checks: each rule is a named function with the issue codes it may emit
and its scope. `file` rules look at one form's records across its sheets (rules/file.py),
`district` rules at the month's accepted files of every school (rules/district.py). The
`cell` rules — a value's type, list, range, whether it is required — are the pandera
schemas built from schemas/columns.py (schemas/sheets.py) and are not repeated here.

Adding a rule is one function in its scope's module and one line in REGISTRY. A rule never
raises for bad data and never prints: it calls `add(code, ...)` for each issue it finds; a
code it has not declared stops the run as a programming error (`UndeclaredCode`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pipeline import issues as iss
from pipeline.rules import district, file
from pipeline.rules.district import DistrictFacts, DistrictFile
from pipeline.rules.file import FormFacts, form_facts
from schemas.columns import Sheet

Scope = Literal["cell", "file", "district"]
Add = Callable[..., None]  # add(code, ...): the rest of the arguments depend on the scope


class UndeclaredCode(AssertionError):
    """A rule emitted a code it does not declare: a mistake in the code, not in the data."""


@dataclass(frozen=True)
class Rule:
    name: str
    scope: Scope
    codes: tuple[str, ...]  # every code it may emit
    check: Callable[[Any, Add], None]  # check(facts, add)

    @property
    def finds_errors(self) -> bool:
        """Whether it may leave a row out: the warnings look only at what these leave in."""
        return any(iss.CODES[code][0] in ("fatal", "error") for code in self.codes)

    def run(self, facts: Any, add: Add) -> None:
        declared = self.codes

        def checked(code: str, *args: Any, **params: Any) -> None:
            if code not in declared:
                raise UndeclaredCode(f"rule {self.name!r} emitted {code!r}, which it does "
                                     f"not declare ({', '.join(declared)})")
            add(code, *args, **params)

        self.check(facts, checked)


REGISTRY: list[Rule] = [
    # within a file: the errors, then the warnings about what the errors leave in (SPEC §4.7)
    Rule("duplicate-people", "file", ("duplicate-person",), file.duplicate_people),
    Rule("link-people", "file", ("unknown-mentor", "unknown-mentee", "self-pair"),
         file.link_people),
    Rule("duplicate-pairs", "file", ("duplicate-pair",), file.duplicate_pairs),
    Rule("group-mentor", "file", ("group-mentor-mismatch",), file.group_mentor),
    Rule("link-roles", "file", ("form-role-mismatch",), file.link_roles),
    Rule("link-dates", "file", ("date-order", "out-of-range", "missing-end-date"),
         file.link_dates),
    Rule("links-to-rejected-people", "file", ("link-to-rejected-person",),
         file.links_to_rejected_people),
    Rule("consents", "file", ("no-pd-consent", "no-mentoring-consent"), file.consents),
    Rule("young-specialist-experience", "file", ("category-experience-mismatch",),
         file.young_specialist_experience),
    Rule("finished-pairs", "file", ("stale-active-pair", "missing-satisfaction",
                                    "program-duration"), file.pair_dates_and_marks),
    Rule("load", "file", ("mentor-overload", "mentee-multiple-pairs", "unpaired-mentor",
                          "unpaired-mentee"), file.load),
    Rule("title-counts", "file", ("title-count-mismatch",), file.title_counts),
    # across the district's schools
    Rule("namesakes", "district", ("cross-school-duplicate",), district.namesakes),
    Rule("vanished-pairs", "district", ("pair-vanished",), district.vanished_pairs),
    Rule("history-jumps", "district", ("history-jump",), district.history_jumps),
]


def issue_at(code: str, sheet: Sheet, row: int | None, column_key: str | None,
             value: Any = None, **params: Any) -> iss.Issue:
    """A rule's finding as an issue at its cell, the column named by its header."""
    column = sheet.by_key[column_key].header if column_key else None
    return iss.make(code, sheet=sheet.name, row=row, column=column, value=value, **params)


def rules_of(scope: Scope, registry: Iterable[Rule] | None = None) -> list[Rule]:
    return [r for r in (REGISTRY if registry is None else registry) if r.scope == scope]


def check_form(facts: FormFacts, add: Add, registry: Iterable[Rule] | None = None) -> None:
    """One form's file rules: those that leave rows out first, in registry order, then the
    warnings, which see only the rows kept. `add(code, sheet, row, column_key, value=None,
    **params)`."""
    errors, warnings = _phases(tuple(REGISTRY if registry is None else registry))
    for rule in errors:
        rule.run(facts, add)
    facts.settle()  # the rows left out are known now
    for rule in warnings:
        rule.run(facts, add)


@lru_cache(maxsize=8)  # asked once per form
def _phases(registry: tuple[Rule, ...]) -> tuple[list[Rule], list[Rule]]:
    rules = rules_of("file", registry)
    return [r for r in rules if r.finds_errors], [r for r in rules if not r.finds_errors]


def check_district(facts: DistrictFacts, add: Add, registry: Iterable[Rule] | None = None
                   ) -> None:
    """The month's district rules, in registry order. `add(code, file, sheet, row,
    column_key, value=None, **params)`, `file` an index of `facts.files`."""
    for rule in rules_of("district", registry):
        rule.run(facts, add)


__all__ = ["REGISTRY", "DistrictFacts", "DistrictFile", "FormFacts", "Rule", "UndeclaredCode",
           "check_district", "check_form", "form_facts", "issue_at", "rules_of"]
