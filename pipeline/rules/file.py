"""The rules within one school's form: across its sheets, over its records as read.

Each rule is `rule(facts, add)`: `facts` is one form's records (`FormFacts`), `add(code,
sheet, row, column_key, value=None, **params)` reports an issue at a cell. The rules that
leave a row out run first; the warnings then look only at the rows kept and the values read
(SPEC §4.7: a row left out raises no further issue). Registered in pipeline/rules/__init__.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipeline.read import Form, Table
from pipeline.values import name_key
from pipeline.workspace import next_month_start
from schemas import vocab as v
from schemas.columns import LINKS, MENTEES, MENTORS, NAME_RE, TITLE

Record = dict[str, Any]  # a row's values by column key, its Excel `_row` and `_unread` keys
_NAME = re.compile(NAME_RE)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(period + "-01")
    return first, next_month_start(first) - dt.timedelta(days=1)


@lru_cache(maxsize=8192)  # a name is looked up on its own sheet and again in the pairs
def person_key(name: Any) -> str | None:
    """The comparison key of a well-formed name; None for a missing or malformed one."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return None
    return name_key(name)


def _records(table: Table) -> list[Record]:
    keys = list(table.values)
    records = [dict(zip(keys, vals, strict=True), _row=row, _unread=())
               for row, *vals in zip(table.rows, *table.values.values(), strict=True)]
    for index, key in table.unread:
        records[index]["_unread"] = (*records[index]["_unread"], key)
    return records


@dataclass
class FormFacts:
    """One form's records, each person's first row by name key and the later rows that
    repeat someone; which rows are left out (`bad`: sheet key, form, Excel row) as the
    rules find them; the period's first and last day; the mentor's limit of active pairs."""
    n: int  # the form's index in `bad`
    sheets: dict[str, list[Record]]  # mentors, mentees, links
    title: dict[str, Any]
    title_table: Table
    bounds: tuple[dt.date | None, dt.date | None]
    limit: int
    bad: set[tuple[str, int, int]]
    people: dict[str, dict[str, Record]] = field(default_factory=dict)
    repeated: dict[str, list[tuple[Record, Record]]] = field(default_factory=dict)
    kept: dict[str, list[Record]] = field(default_factory=dict)  # once `settle`d

    def settle(self) -> None:
        """The rows no error left out, once the rules that find errors have run."""
        self.kept = {key: [r for r in records if (key, self.n, r["_row"]) not in self.bad]
                     for key, records in self.sheets.items()}


def form_facts(form: Form, n: int, period: str | None, bad: set[tuple[str, int, int]],
               limit: int) -> FormFacts:
    tables = form.tables
    facts = FormFacts(n, {k: _records(tables[k]) for k in ("mentors", "mentees", "links")},
                      {key: vals[0] for key, vals in tables["title"].values.items()},
                      tables["title"], period_bounds(period) if period else (None, None),
                      limit, bad)
    for sheet in (MENTORS, MENTEES):
        first: dict[str, Record] = facts.people.setdefault(sheet.key, {})
        repeated = facts.repeated.setdefault(sheet.key, [])
        for rec in facts.sheets[sheet.key]:
            key = person_key(rec["full_name"])
            if key is None:
                continue
            if key in first:
                repeated.append((rec, first[key]))
            else:
                first[key] = rec
    for rec in facts.sheets["links"]:
        rec["_mentor"] = person_key(rec["mentor_name"])
        rec["_mentee"] = person_key(rec["mentee_name"])
    return facts


# ---------------------------------------------------------------------------------------------
# Errors: the row is left out


def duplicate_people(facts: FormFacts, add: Any) -> None:
    """A person listed again on their sheet: the later rows."""
    for sheet in (MENTORS, MENTEES):
        for rec, first in facts.repeated[sheet.key]:
            add("duplicate-person", sheet, rec["_row"], "full_name", rec["full_name"],
                first_row=first["_row"])


def link_people(facts: FormFacts, add: Any) -> None:
    """A link names people its school lists, and two different ones."""
    mentors, mentees = facts.people[MENTORS.key], facts.people[MENTEES.key]
    for rec in facts.sheets["links"]:
        row, mentor, mentee = rec["_row"], rec["_mentor"], rec["_mentee"]
        if mentor and mentor not in mentors:
            add("unknown-mentor", LINKS, row, "mentor_name", rec["mentor_name"])
        if mentee and mentee not in mentees:
            add("unknown-mentee", LINKS, row, "mentee_name", rec["mentee_name"])
        if mentor and mentee and mentor == mentee:
            add("self-pair", LINKS, row, "mentee_name", rec["mentee_name"])


def duplicate_pairs(facts: FormFacts, add: Any) -> None:
    """The same mentor and mentee written twice: the later rows."""
    seen: dict[tuple[str, str], int] = {}
    for rec in facts.sheets["links"]:
        pair = (rec["_mentor"], rec["_mentee"])
        if not (pair[0] and pair[1]):
            continue
        if pair in seen:
            add("duplicate-pair", LINKS, rec["_row"], "mentee_name", rec["mentee_name"],
                first_row=seen[pair])
        else:
            seen[pair] = rec["_row"]


def group_mentor(facts: FormFacts, add: Any) -> None:
    """The rows of one group (one №) name one mentor."""
    first: dict[str, tuple[str, int]] = {}
    for rec in facts.sheets["links"]:
        pair_id, mentor = rec["pair_id"], rec["_mentor"]
        if not (pair_id and mentor):
            continue
        if pair_id not in first:
            first[pair_id] = (mentor, rec["_row"])
        elif first[pair_id][0] != mentor:
            add("group-mentor-mismatch", LINKS, rec["_row"], "mentor_name", pair_id,
                first_row=first[pair_id][1])


def link_roles(facts: FormFacts, add: Any) -> None:
    """The form of mentoring fits the categories of both people (SPEC §3)."""
    mentors, mentees = facts.people[MENTORS.key], facts.people[MENTEES.key]
    for rec in facts.sheets["links"]:
        form = rec["form"]
        if form not in v.FORM_ROLES:
            continue
        problems = _role_problems(v.FORM_ROLES[form], mentors.get(rec["_mentor"] or ""),
                                  mentees.get(rec["_mentee"] or ""))
        if problems:
            add("form-role-mismatch", LINKS, rec["_row"], "form", form,
                detail="; ".join(problems))


def _role_problems(roles: tuple[Any, Any], mentor: Record | None, mentee: Record | None
                   ) -> list[str]:
    allowed_mentors, allowed_mentees = roles
    problems = []
    if mentor and allowed_mentors and mentor["category"] in v.MENTOR_CATEGORIES \
            and mentor["category"] not in allowed_mentors:
        problems.append(f"наставник — «{mentor['category']}», а для этой формы нужен "
                        + " или ".join(f"«{c}»" for c in allowed_mentors))
    if mentee and allowed_mentees and mentee["category"] in v.MENTEE_CATEGORIES \
            and mentee["category"] not in allowed_mentees:
        needed = "педагог" if allowed_mentees == v.MENTEE_TEACHER_CATEGORIES else \
            " или ".join(f"«{c}»" for c in allowed_mentees)
        problems.append(f"наставляемый — «{mentee['category']}», а нужен {needed}")
    return problems


def link_dates(facts: FormFacts, add: Any) -> None:
    """The order before the start, the start before the end and within the period, and an
    end date for a pair that has ended."""
    last_day = facts.bounds[1]
    for rec in facts.sheets["links"]:
        row, start, end, order = rec["_row"], rec["start"], rec["end"], rec["order_date"]
        if start and order and order > start:
            add("date-order", LINKS, row, "order_date", order,
                detail="Дата приказа о закреплении позже даты начала, а приказ издаётся до "
                       "начала работы пары.")
        if start and end and end < start:
            add("date-order", LINKS, row, "end", end, detail="Дата окончания раньше даты начала.")
        if start and last_day and start > last_day:
            add("out-of-range", LINKS, row, "start", start,
                detail=f"дата начала позже конца отчётного периода ({last_day:%d.%m.%Y}); "
                       "пары, которые начнутся позже, указывают в следующем месяце")
        if rec["status"] in (v.STATUS_FINISHED, v.STATUS_STOPPED) and end is None \
                and "end" not in rec["_unread"]:
            add("missing-end-date", LINKS, row, "end", None, status=rec["status"])


_LINK_SIDES = ((MENTORS, "_mentor", "mentor_name", "Наставник"),
               (MENTEES, "_mentee", "mentee_name", "Наставляемый"))


def links_to_rejected_people(facts: FormFacts, add: Any) -> None:
    """A link whose mentor or mentee row is left out is left out too, pointing at that row:
    the district's pairs never name a person its lists do not have (SPEC §4.7)."""
    for rec in facts.sheets["links"]:
        for sheet, key, column, who in _LINK_SIDES:
            person = facts.people[sheet.key].get(rec[key] or "")
            if person is not None and (sheet.key, facts.n, person["_row"]) in facts.bad:
                add("link-to-rejected-person", LINKS, rec["_row"], column, rec[column],
                    who=who, person_row=person["_row"], person_sheet=sheet.name)


# ---------------------------------------------------------------------------------------------
# Warnings: about the rows kept, which are counted


def consents(facts: FormFacts, add: Any) -> None:
    """Consent to personal data for everyone; written consent to mentor for a teacher."""
    for sheet in (MENTORS, MENTEES):
        for rec in facts.kept[sheet.key]:
            if rec.get("pd_consent") == v.NO:
                add("no-pd-consent", sheet, rec["_row"], "pd_consent", v.NO)
    for rec in facts.kept[MENTORS.key]:
        if rec["category"] in (v.MENTOR_TEACHER, v.MENTOR_HEAD) \
                and rec["mentoring_consent"] == v.NO:
            add("no-mentoring-consent", MENTORS, rec["_row"], "mentoring_consent", v.NO)


def young_specialist_experience(facts: FormFacts, add: Any) -> None:
    """A young specialist has worked three years at most."""
    for rec in facts.kept[MENTEES.key]:
        if rec["category"] == v.MENTEE_YOUNG and isinstance(rec["experience"], int) \
                and rec["experience"] > 3:
            add("category-experience-mismatch", MENTEES, rec["_row"], "experience",
                rec["experience"])


def _months(start: dt.date, end: dt.date) -> float:
    """Calendar months between two dates: 01.02 to 01.03 is one month."""
    return (end.year - start.year) * 12 + end.month - start.month + (end.day - start.day) / 31


def pair_dates_and_marks(facts: FormFacts, add: Any) -> None:
    """A kept link's dates and marks that look wrong, though the link is counted."""
    import pandas as pd

    first_day = facts.bounds[0]
    for rec in facts.kept[LINKS.key]:
        row, start, end, status = rec["_row"], rec["start"], rec["end"], rec["status"]
        if status == v.STATUS_ACTIVE and end and first_day and end < first_day:
            add("stale-active-pair", LINKS, row, "end", end)
        if status != v.STATUS_FINISHED:
            continue
        for key, which in (("mentee_satisfaction", "удовлетворённость наставляемого"),
                           ("mentor_satisfaction", "удовлетворённость наставника")):
            if (rec[key] is None or rec[key] is pd.NA) and key not in rec["_unread"]:
                add("missing-satisfaction", LINKS, row, key, None, which=which)
        if rec["form"] in v.TEACHER_FORMS and start and end and end >= start:
            months = _months(start, end)
            if months < 3 or months > 12:
                shown = f"{months:.1f}".replace(".", ",").removesuffix(",0")
                add("program-duration", LINKS, row, "end", end, months=shown)


def load(facts: FormFacts, add: Any) -> None:
    """Active pairs per person, counted over the kept links; a person named by any link,
    kept or not, is in a pair (a link with an error is reported at the link)."""
    links, kept = facts.sheets[LINKS.key], facts.kept[LINKS.key]
    for sheet, side, code, most in ((MENTORS, "_mentor", "mentor-overload", facts.limit),
                                    (MENTEES, "_mentee", "mentee-multiple-pairs", 1)):
        active = Counter(rec[side] for rec in kept
                         if rec["status"] == v.STATUS_ACTIVE and rec[side])
        linked = {rec[side] for rec in links}
        unpaired = "unpaired-mentor" if sheet is MENTORS else "unpaired-mentee"
        for rec in facts.kept[sheet.key]:
            key = person_key(rec["full_name"])
            if active[key] > most:
                params = {"limit": most} if sheet is MENTORS else {}
                add(code, sheet, rec["_row"], "full_name", rec["full_name"],
                    count=active[key], **params)
            if key not in linked:
                add(unpaired, sheet, rec["_row"], "full_name", rec["full_name"])


_TITLE_CHECKS = (  # «Титул» row, what the lists count, in words
    ("teachers_total", "педагогов в списках"),
    ("young_specialists", "молодых специалистов среди наставляемых"),
    ("pupils_total", "обучающихся в списках"),
    ("pupils_10_18", "наставляемых-обучающихся 10–18 лет"),
    ("pupils_15_19", "наставников-обучающихся 15–19 лет"),
)


def title_counts(facts: FormFacts, add: Any) -> None:
    """The lists may not claim more people of a kind than «Титул» says the school has."""
    listed = _listed(facts.kept[MENTORS.key], facts.kept[MENTEES.key])
    for key, what in _TITLE_CHECKS:
        declared = facts.title.get(key)
        if isinstance(declared, int) and listed[key] > declared:
            add("title-count-mismatch", TITLE, facts.title_table.cell_rows.get(key), key,
                declared, detail=f"В списках {listed[key]} {what}, а на «Титуле» в строке "
                                 f"«{TITLE.by_key[key].header}» указано {declared}")


def _listed(mentors: list[Record], mentees: list[Record]) -> dict[str, int]:
    """How many different people of each kind «Титул» counts the lists name."""
    def keys(records: list[Record], categories: tuple[str, ...] | frozenset[str],
             ages: tuple[int, int] | None = None) -> set[str]:
        return {k for rec in records if rec["category"] in categories
                and (ages is None or (isinstance(rec["age"], int)
                                      and ages[0] <= rec["age"] <= ages[1]))
                if (k := person_key(rec["full_name"]))}

    teachers = keys(mentors, (v.MENTOR_TEACHER, v.MENTOR_HEAD)) \
        | keys(mentees, v.MENTEE_TEACHER_CATEGORIES)
    pupils = keys(mentors, (v.MENTOR_PUPIL,)) | keys(mentees, (v.MENTEE_PUPIL,))
    return {"teachers_total": len(teachers),
            "young_specialists": len(keys(mentees, (v.MENTEE_YOUNG,))),
            "pupils_total": len(pupils),
            "pupils_10_18": len(keys(mentees, (v.MENTEE_PUPIL,), (10, 18))),
            "pupils_15_19": len(keys(mentors, (v.MENTOR_PUPIL,), (15, 19)))}
