"""The rules across the district's schools, and a school's changes since last month.

Each rule is `rule(facts, add)`: `facts` holds the month's counted accepted files
(`DistrictFacts`), `add(code, file, sheet, row, column_key, value=None, **params)` reports
an issue in the file `facts.files[file]`. `school_changes` compares one school's rows with
its accepted rows of last month, where the file's digest is made (a worker may make it);
the pairs it finds vanished are warned by `vanished_pairs`. `history_figures` are the
numbers compared with last month's in the same place; `history_jumps` warns those changed
beyond the district's thresholds. Registered in pipeline/rules/__init__.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.russian import from_word, join_words, month, number, times
from pipeline.values import name_key
from schemas import vocab as v
from schemas.columns import LINKS, MENTEES, MENTORS, TITLE, TITLE_ROWS, Sheet

Rows = dict[str, list[dict[str, Any]]]  # a file's stored rows by sheet key, with `_row`, `_ok`
OTHER_SCHOOLS_SHOWN = 3  # a namesake's message names this many other schools at most


@dataclass
class Change:
    school_code: str
    what: str  # «наставник», «наставляемый», «пара»
    change: str  # «добавлен», «выбыл», «завершена», ...
    sheet: str
    record: dict[str, Any]  # the row it is about (this month's or last month's)
    previous: bool  # the record is last month's


@dataclass
class DistrictFile:
    """What the district rules see of one counted accepted file."""

    school_code: str
    people: Sequence[int]  # per person listed: the `name_hash` of their name key
    places: Sequence[int]  # and where: Excel row * 2, + 1 on «Наставляемые»
    vanished: list[dict[str, Any]]  # last month's active pairs gone without a mark
    rows: Callable[[], Rows]  # the file's rows, fetched only for the few names shared
    # per figure of HISTORY: [last month's value, this month's, its «Титул» row or None];
    # empty when the school had no accepted file last month
    history: dict[str, list[int | None]] = field(default_factory=dict)


@dataclass
class DistrictFacts:
    files: list[DistrictFile]
    previous_period: str
    period: str = ""
    max_change: float = 0.5  # `[history]`: a change is flagged beyond both thresholds,
    min_change: int = 10  # relative (of the smaller number) and absolute


# The numbers a school's month is compared with its last month by (`history_jumps`): where
# they are (a «Титул» row, or a list sheet) and what they are called in the message.
HISTORY: dict[str, tuple[Sheet, str]] = {
    "teachers_total": (TITLE, "Число педагогических работников"),
    "young_specialists": (TITLE, "Число молодых специалистов"),
    "pupils_total": (TITLE, "Число обучающихся"),
    "mentors": (MENTORS, "Число наставников"),
    "mentees": (MENTEES, "Число наставляемых"),
    "active_pairs": (LINKS, "Число действующих пар и групп"),
}


# ---------------------------------------------------------------------------------------------
# Rules


def namesakes(facts: DistrictFacts, add: Any) -> None:
    """The same person in two schools' lists is a warning for both (SPEC §3)."""
    files = facts.files
    for places in _namesakes(files).values():
        if len(places) < 2:
            continue
        # the schools are ranked once per name, and each names the first few others: a name
        # that every school of a region lists costs as much as the schools that list it
        first_few = sorted((files[m].school_code or "?", m)
                           for m in places)[:OTHER_SCHOOLS_SHOWN + 1]
        for n, spots in places.items():
            where, others = other_schools([code for code, m in first_few if m != n],
                                          len(places) - 1)
            for sheet, row, name in spots:
                add("cross-school-duplicate", n, sheet, row, "full_name", name, where=where,
                    other=others)


def vanished_pairs(facts: DistrictFacts, add: Any) -> None:
    """A pair active last month and gone from this month's list without a mark."""
    for n, file in enumerate(facts.files):
        for record in file.vanished:
            add("pair-vanished", n, LINKS, None, "pair_id", record.get("pair_id"),
                previous=facts.previous_period)


def history_jumps(facts: DistrictFacts, add: Any) -> None:
    """A number of «Титул» or a count of the lists changed since last month beyond both
    thresholds (DHIS2's min–max check, made with one month of history). A month with no
    accepted month before it is never judged; a zero on either side is judged by the
    absolute threshold alone (a ratio to zero says nothing: DHIS2 warns of zero-inflated
    data)."""
    for n, file in enumerate(facts.files):
        for key, (before, now, row) in file.history.items():
            if before is None or now is None or not _jumped(before, now, facts):
                continue
            sheet, what = HISTORY[key]
            change = f"на {number(abs(now - before))} {'больше' if now > before else 'меньше'}"
            if before and now:
                change += f", {times(max(before, now) / min(before, now))}"
            add("history-jump", n, sheet, row if sheet is TITLE else None,
                key if sheet is TITLE else None, now,
                detail=f"{what} изменилось {from_word(before)} {number(before)} в "
                       f"{month(facts.previous_period, 'prep')} до {number(now)} в "
                       f"{month(facts.period, 'prep')} ({change})")


def _jumped(before: int, now: int, facts: DistrictFacts) -> bool:
    change = abs(now - before)
    if change <= facts.min_change:
        return False
    smaller = min(before, now)
    return smaller == 0 or change / smaller > facts.max_change


def history_figures(title: dict[str, Any], rows: Rows) -> dict[str, int | None]:
    """A month's numbers of HISTORY: «Титул»'s as read (None when not a number), the lists'
    rows kept, and the active pairs and groups (a group is one, by its №)."""
    figures: dict[str, int | None] = {
        key: value if isinstance(value, int) and not isinstance(value, bool) else None
        for key, (sheet, _) in HISTORY.items() if sheet is TITLE
        for value in (title.get(key),)}
    figures["mentors"] = sum(1 for r in rows.get(MENTORS.key, []) if r["_ok"])
    figures["mentees"] = sum(1 for r in rows.get(MENTEES.key, []) if r["_ok"])
    figures["active_pairs"] = len({str(r.get("pair_id")) for r in rows.get(LINKS.key, [])
                                   if r["_ok"] and r.get("status") == v.STATUS_ACTIVE})
    return figures


def history_compared(title: dict[str, Any], rows: Rows, before_title: dict[str, Any] | None,
                     before_rows: Rows | None) -> dict[str, list[int | None]]:
    """`DistrictFile.history` of a month and the school's last month (None: none): each
    number as [last month's (None without a last month), this month's, its «Титул» row]."""
    now = history_figures(title, rows)
    before = (history_figures(before_title, before_rows)
              if before_title is not None and before_rows is not None else dict.fromkeys(now))
    title_rows = title.get(TITLE_ROWS) or {}
    return {key: [before[key], now[key], title_rows.get(key)] for key in HISTORY}


# ---------------------------------------------------------------------------------------------
# Namesakes: matched by a hash of their name key (a region's names are not all kept), the few
# matches across schools confirmed on the schools' rows


def _shared(files: list[DistrictFile]) -> dict[int, dict[int, list[tuple[str, int]]]]:
    """Per name hash listed by two files or more: the files and the places listing it."""
    first: dict[int, int] = {}  # name hash -> the first file listing it
    shared: set[int] = set()
    for n, file in enumerate(files):
        for hashed in file.people:
            if first.setdefault(hashed, n) != n:
                shared.add(hashed)
    where: dict[int, dict[int, list[tuple[str, int]]]] = defaultdict(dict)
    for n, file in enumerate(files):
        for hashed, place in zip(file.people, file.places, strict=True):
            if hashed in shared:
                where[hashed].setdefault(n, []).append(
                    (MENTEES.key if place & 1 else MENTORS.key, place >> 1))
    return where


def _namesakes(files: list[DistrictFile]) -> dict[str, dict[int, list[tuple[Any, int, str]]]]:
    """Per name key listed by two files or more: the files and the (sheet, row, name)."""
    sheets = {MENTORS.key: MENTORS, MENTEES.key: MENTEES}
    names: dict[int, dict[tuple[str, int], str]] = {}
    exact: dict[str, dict[int, list[tuple[Any, int, str]]]] = defaultdict(dict)
    for places in _shared(files).values():
        if len(places) < 2:
            continue
        for n, spots in places.items():
            if n not in names:
                rows = files[n].rows()
                names[n] = {(key, r["_row"]): r["full_name"] for key in sheets
                            for r in rows.get(key, []) if isinstance(r.get("full_name"), str)}
            for sheet_key, row in spots:
                name = names[n][(sheet_key, row)]
                exact[name_key(name)].setdefault(n, []).append((sheets[sheet_key], row, name))
    return exact


def other_schools(codes: list[str], count: int) -> tuple[str, str]:
    """Where else a person is listed, for `cross-school-duplicate`: «в списке другой школы»
    and «ОО-08»; or «в списках других школ» and «ОО-02, ОО-05 и ОО-09», or past the first
    few of `codes` (sorted), «ОО-02, ОО-05, ОО-09 и ещё 187»."""
    shown = codes[:OTHER_SCHOOLS_SHOWN]
    if count == 1:
        return "в списке другой школы", shown[0]
    if count <= len(shown):
        return "в списках других школ", join_words(shown)
    return "в списках других школ", f"{', '.join(shown)} и ещё {number(count - len(shown))}"


# ---------------------------------------------------------------------------------------------
# Changes since last month


def pair_key(record: dict[str, Any]) -> tuple[str, str] | None:
    mentor, mentee = record.get("mentor_name"), record.get("mentee_name")
    if not isinstance(mentor, str) or not isinstance(mentee, str):
        return None
    return name_key(mentor), name_key(mentee)


def school_changes(code: str, rows: Rows, before: Rows | None
                   ) -> tuple[list[Change], list[dict[str, Any]]]:
    """People and pairs added, finished and gone since the school's file of last month; and
    the pairs active then that vanished without a mark."""
    if before is None:
        return [], []
    now_rows = {k: [r for r in rows.get(k, []) if r["_ok"]]
                for k in ("mentors", "mentees", "links")}
    old_rows = {k: [r for r in before.get(k, []) if r["_ok"]]
                for k in ("mentors", "mentees", "links")}
    changes = _people_changes(code, rows, now_rows, old_rows)
    pairs, vanished = _pair_changes(code, rows, now_rows["links"], old_rows["links"])
    return changes + pairs, vanished


def _people_changes(code: str, rows: Rows, now_rows: Rows, old_rows: Rows) -> list[Change]:
    changes: list[Change] = []
    for key, sheet, what in (("mentors", MENTORS, "наставник"),
                             ("mentees", MENTEES, "наставляемый")):
        now = {name_key(r["full_name"]): r for r in now_rows[key]
               if isinstance(r["full_name"], str)}
        old = {name_key(r["full_name"]): r for r in old_rows[key]
               if isinstance(r["full_name"], str)}
        changes += [Change(code, what, "добавлен", sheet.name, r, False)
                    for k, r in now.items() if k not in old]
        listed = {name_key(r["full_name"]) for r in rows.get(key, [])
                  if isinstance(r["full_name"], str)}  # with an error is not gone
        changes += [Change(code, what, "выбыл", sheet.name, r, True)
                    for k, r in old.items() if k not in now and k not in listed]
    return changes


def _pair_changes(code: str, rows: Rows, now_rows: list[dict[str, Any]],
                  old_rows: list[dict[str, Any]]
                  ) -> tuple[list[Change], list[dict[str, Any]]]:
    changes: list[Change] = []
    vanished: list[dict[str, Any]] = []
    now_links = {k: r for r in now_rows if (k := pair_key(r))}
    old_links = {k: r for r in old_rows if (k := pair_key(r))}
    for key, record in now_links.items():
        old = old_links.get(key)
        if old is None:
            changes.append(Change(code, "пара", "новая пара", LINKS.name, record, False))
        elif old["status"] == v.STATUS_ACTIVE and record["status"] != v.STATUS_ACTIVE:
            changes.append(Change(code, "пара", record["status"], LINKS.name, record, False))
    listed = {k for r in rows.get("links", []) if (k := pair_key(r))}
    for key, record in old_links.items():
        if key in now_links or key in listed:
            continue  # a row with an error this month is reported, not vanished
        active = record["status"] == v.STATUS_ACTIVE
        changes.append(Change(code, "пара", "пропала без отметки" if active
                              else "убрана (была завершена)", LINKS.name, record, True))
        if active:
            vanished.append(record)
    return changes, vanished
