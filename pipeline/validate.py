"""Validation of read forms: pandera once per sheet over all files, then the rules across sheets.

Input: the `Form`s of pipeline/read.py. Output: one `FileResult` per form (status, counts,
issues) and, per sheet, one frame of every record with its provenance and whether it is kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pipeline import issues as iss
from pipeline.read import Form, Table
from pipeline.standing import file_status
from pipeline.values import name_key
from pipeline.workspace import School, Workspace, next_month_start
from schemas import vocab as v
from schemas.columns import (
    DOCUMENTS,
    FORM_COL,
    FORM_SHEETS,
    KEEP_COL,
    LINKS,
    MENTEES,
    MENTORS,
    NAME_RE,
    PROP_PERIOD,
    PROP_SCHOOL,
    ROW_COL,
    SHEETS_BY_KEY,
    TITLE,
    Column,
    Sheet,
)

if TYPE_CHECKING:
    import pandas as pd

TABLE_SHEETS = (MENTORS, MENTEES, LINKS, DOCUMENTS)
SHEET_ORDER = {s.name: n for n, s in enumerate(FORM_SHEETS)}
_NAME = re.compile(NAME_RE)  # False when the record has an error and is left out
_HEADERS = {s.key: {c.key: c.header for c in s.columns} for s in FORM_SHEETS}


@dataclass
class FileResult:
    file: str
    school_code: str | None = None
    period: str | None = None
    status: str = "accepted"  # "accepted" | "rejected"
    counts: dict[str, int] = field(
        default_factory=lambda: {"mentors": 0, "mentees": 0, "links": 0})
    issues: list[iss.Issue] = field(default_factory=list)
    school: School | None = None
    title: dict[str, Any] = field(default_factory=dict)  # Титул values by column key

    @property
    def worst(self) -> str | None:
        return iss.worst(self.issues)

    @property
    def status_ru(self) -> str:
        return file_status(self.status, (i.code for i in self.issues))

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "school_code": self.school_code, "period": self.period,
                "status": self.status, "counts": dict(self.counts),
                "issues": [i.as_json() for i in self.issues]}


@dataclass
class Validation:
    results: list[FileResult]
    frames: dict[str, pd.DataFrame]  # sheet key -> every record of accepted files
    forms: list[Form]  # what was read, in the order of `results` (the feedback marks it)


class _Sink:
    """Collects issues per form and remembers which records have an error."""

    def __init__(self, count: int) -> None:
        self.issues: list[list[iss.Issue]] = [[] for _ in range(count)]
        self.bad: set[tuple[str, int, int]] = set()  # (sheet key, form, Excel row)

    def add(self, form: int, sheet_key: str | None, issue: iss.Issue) -> None:
        self.issues[form].append(issue)
        if issue.severity == "error" and sheet_key and issue.row is not None:
            self.bad.add((sheet_key, form, issue.row))


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(period + "-01")
    return first, next_month_start(first) - dt.timedelta(days=1)


def validate_forms(forms: Sequence[Form], *, workspace: Workspace | None = None,
                   period: str | None = None) -> Validation:
    """Validate read forms together; `period` is the month they are expected to report."""
    import pandas as pd
    sink = _Sink(len(forms))
    results = [FileResult(file=f.path) for f in forms]
    for n, form in enumerate(forms):
        for issue in form.issues:
            sink.add(n, _sheet_key(issue.sheet), issue)
    live = [n for n, f in enumerate(forms) if not f.rejected]
    for n, form in enumerate(forms):
        if form.rejected:
            _attribute(form, results[n], workspace)
    for n in live:
        _identify(forms[n], n, results[n], sink, workspace, period)
    live = [n for n in live if not any(i.severity == "fatal" for i in sink.issues[n])]

    frames = {s.key: _frame([(n, forms[n].tables[s.key]) for n in live], s)
              for s in FORM_SHEETS}
    for sheet in FORM_SHEETS:
        _run_schema(sheet, frames[sheet.key], forms, sink)
    limit = workspace.settings.max_mentees_per_mentor if workspace else 3
    for n in live:
        _cross_rules(forms[n], n, results[n].period, sink, limit)

    for sheet in FORM_SHEETS:
        frame = frames[sheet.key]
        keys = zip(frame[FORM_COL].tolist(), frame[ROW_COL].tolist(), strict=True)
        frame[KEEP_COL] = pd.Series([(sheet.key, f, r) not in sink.bad for f, r in keys],
                                    index=frame.index, dtype=bool)
    for n, result in enumerate(results):
        result.issues = sorted(sink.issues[n], key=_issue_order)
        if any(i.severity == "fatal" for i in result.issues):
            result.status = "rejected"
    _count(results, frames)
    return Validation(results, frames, list(forms))


def _sheet_key(name: str | None) -> str | None:
    return next((s.key for s in FORM_SHEETS if s.name == name), None)


def _issue_order(issue: iss.Issue) -> tuple:
    return (iss.SEVERITY_ORDER[issue.severity] if issue.severity == "fatal" else 1,
            SHEET_ORDER.get(issue.sheet or "", -1), issue.row or 0,
            iss.SEVERITY_ORDER[issue.severity], issue.column or "")


def _identify(form: Form, n: int, result: FileResult, sink: _Sink,
              workspace: Workspace | None, period: str | None) -> None:
    """School and period from «Титул» (or the template's properties): fatal when wrong."""
    title = form.tables["title"]
    values = {key: vals[0] for key, vals in title.values.items()}
    result.title = values
    code = values.get("school_code") or form.properties.get(PROP_SCHOOL)
    row = title.cell_rows.get("school_code")
    result.school_code = code
    if workspace is not None:
        school = workspace.school(code)
        if school is None:
            detail = (f"Школы с кодом «{code}» нет в реестре района."
                      if code else "Не указан «Код ОО» на листе «Титул».")
            sink.add(n, "title", iss.make("unknown-school", sheet=TITLE.name, row=row,
                                          column="Код ОО", value=code, detail=detail))
        else:
            result.school = school
            result.school_code = school.code
    found = values.get("period") or form.properties.get(PROP_PERIOD)
    if found and "period" in title.unread:
        found = None
    result.period = found if _is_month(found) else period
    if period and _is_month(found) and found != period:
        sink.add(n, "title", iss.make("period-mismatch", sheet=TITLE.name,
                                      row=title.cell_rows.get("period"), column="Отчётный период",
                                      value=found, expected=period))
        result.period = found


def _attribute(form: Form, result: FileResult, workspace: Workspace | None) -> None:
    """Whose a rejected file is, from «Титул» or the template's properties, if it says."""
    title = form.tables.get("title")
    code = (title.values.get("school_code", [None])[0] if title else None) \
        or form.properties.get(PROP_SCHOOL)
    school = workspace.school(code) if workspace is not None and code else None
    result.school = school
    result.school_code = school.code if school else (code or None)
    period = (title.values.get("period", [None])[0] if title else None) \
        or form.properties.get(PROP_PERIOD)
    result.period = period if _is_month(period) else None


def _is_month(text: Any) -> bool:
    if not isinstance(text, str) or len(text) != 7:
        return False
    try:
        period_bounds(text)
    except ValueError:
        return False
    return True


def _frame(parts: list[tuple[int, Table]], sheet: Sheet) -> pd.DataFrame:
    """One sheet of many files as one frame, with the file index and Excel row of each record."""
    import pandas as pd
    data: dict[str, list[Any]] = {c.key: [] for c in sheet.data_columns}
    forms: list[int] = []
    rows: list[int] = []
    for n, table in parts:
        size = len(table)
        forms.extend([n] * size)
        for key in data:
            data[key].extend(table.values.get(key) or [None] * size)
        if sheet.layout == "keyvalue":
            rows.append(0)
        else:
            rows.extend(table.rows)
    frame = pd.DataFrame({k: pd.Series(vals, dtype=_dtype(sheet.by_key[k]))
                          for k, vals in data.items()})
    frame[FORM_COL] = pd.Series(forms, index=frame.index, dtype="int64")
    frame[ROW_COL] = pd.Series(rows, index=frame.index, dtype="int64")
    return frame


def _dtype(column: Column) -> str:
    return "Int64" if column.kind == "int" else "object"


def _run_schema(sheet: Sheet, frame: pd.DataFrame, forms: Sequence[Form], sink: _Sink) -> None:
    """pandera over the whole sheet at once; each failure becomes an issue at its cell."""
    import pandas as pd
    import pandera.pandas as pa

    from schemas.sheets import schema_for
    if frame.empty:
        return
    try:
        schema_for(sheet.key).validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    starts = {int(n): int(i) for i, n in frame[FORM_COL].drop_duplicates().items()}
    seen: set[tuple[int, str, str]] = set()
    for check, column_key, index in zip(failures["check"].astype(str), failures["column"],
                                        failures["index"], strict=True):
        if index is None or pd.isna(index):
            continue
        code, _, key = check.partition("|")
        key = key or column_key
        code = "required" if code == "not_nullable" else code
        if code not in iss.CODES or key not in sheet.by_key:
            continue
        index = int(index)
        if (index, key, code) in seen:
            continue
        seen.add((index, key, code))
        n = int(frame.at[index, FORM_COL])
        table = forms[n].tables[sheet.key]
        position = index - starts[n]
        if (position, key) in table.unread:
            continue  # already reported as unreadable (bad-date, bad-number)
        row = table.row_of(position, key)
        sink.add(n, sheet.key, _schema_issue(code, sheet, sheet.by_key[key], frame.loc[index],
                                             row))


def _schema_issue(code: str, sheet: Sheet, column: Column, record: pd.Series,
                  row: int | None) -> iss.Issue:
    import pandas as pd
    value = record[column.key]
    value = None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) \
        else value
    params: dict[str, Any] = {"hint": column.hint}
    if code == "bad-value" and column.vocab and column.kind == "enum":
        params["hint"] = "Выберите значение из списка: " + "; ".join(column.vocab) + "."
    elif code == "bad-value" and column.kind == "yesno":
        params["hint"] = "Напишите «да» или «нет»."
    elif code == "bad-value" and column.kind == "month":
        params["hint"] = "Укажите месяц в виде ГГГГ-ММ, например 2026-11."
    elif code == "bad-value":
        params["hint"] = column.hint + "."
    elif code == "out-of-range":
        if column.at_most:
            limit = sheet.by_key[column.at_most]
            params["detail"] = (f"не может быть больше, чем «{limit.header}» "
                                f"({iss.show_value(record[limit.key])})")
        else:
            params["detail"] = f"допустимо от {column.min} до {column.max}"
    elif code == "required":
        params["hint"] = (column.hint + ".") if column.hint else "Заполните ячейку."
        if column.required_for and sheet.category:
            params["reason"] = f" (обязательно для категории «{record[sheet.category]}»)"
    return iss.make(code, sheet=sheet.name, row=row, column=column.header, value=value,
                    **params)


# ---------------------------------------------------------------------------------------------
# Rules across sheets: plain functions over one form's tables.


def _records(table: Table) -> list[dict[str, Any]]:
    keys = list(table.values)
    records = [dict(zip(keys, vals, strict=True), _row=row, _unread=())
               for row, *vals in zip(table.rows, *table.values.values(), strict=True)]
    for index, key in table.unread:
        records[index]["_unread"] = (*records[index]["_unread"], key)
    return records


@lru_cache(maxsize=8192)  # a name is looked up on its own sheet and again in the pairs
def _key(name: Any) -> str | None:
    """The comparison key of a well-formed name; None for a missing or malformed one."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return None
    return name_key(name)


def _cross_rules(form: Form, n: int, period: str | None, sink: _Sink, limit: int) -> None:
    """The rules across one form's sheets: the errors first, then the warnings about what
    the errors leave in (SPEC §4.7: a row left out raises no further issue)."""
    tables = form.tables
    mentors, mentees, links = (_records(tables[k]) for k in ("mentors", "mentees", "links"))

    def add(sheet: Sheet, code: str, row: int | None, column_key: str | None, value: Any = None,
            **params: Any) -> None:
        column = _HEADERS[sheet.key].get(column_key) if column_key else None
        sink.add(n, sheet.key, iss.make(code, sheet=sheet.name, row=row, column=column,
                                        value=value, **params))

    def kept(sheet: Sheet, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [rec for rec in records if (sheet.key, n, rec["_row"]) not in sink.bad]

    people = {MENTORS.key: _duplicate_people(MENTORS, mentors, add),
              MENTEES.key: _duplicate_people(MENTEES, mentees, add)}
    bounds = period_bounds(period) if period else (None, None)
    _link_errors(links, people, bounds, add)
    _links_to_rejected_people(links, people, sink.bad, n, add)
    # warnings: only about rows kept, and values that were read
    kept_mentors, kept_mentees = kept(MENTORS, mentors), kept(MENTEES, mentees)
    _people_warnings(kept_mentors, kept_mentees, add)
    kept_links = kept(LINKS, links)
    for rec in kept_links:
        _link_warnings(rec, bounds[0], lambda *a, **k: add(LINKS, *a, **k))
    _load_warnings(kept_mentors, kept_mentees, links, kept_links, limit, add)
    title = {key: vals[0] for key, vals in tables["title"].values.items()}
    _title_counts(title, tables["title"], kept_mentors, kept_mentees,
                  lambda *a, **k: add(TITLE, *a, **k))


def _duplicate_people(sheet: Sheet, records: list[dict[str, Any]], add: Any
                      ) -> dict[str, dict[str, Any]]:
    """`duplicate-person` on the later rows; each person's first row by name key."""
    first: dict[str, dict[str, Any]] = {}
    for rec in records:
        key = _key(rec["full_name"])
        if key is None:
            continue
        if key in first:
            add(sheet, "duplicate-person", rec["_row"], "full_name", rec["full_name"],
                first_row=first[key]["_row"])
        else:
            first[key] = rec
    return first


def _link_errors(links: list[dict[str, Any]], people: dict[str, dict[str, dict[str, Any]]],
                 bounds: tuple[dt.date | None, dt.date | None], add: Any) -> None:
    """Who a link names, whether it is written once, its form and its dates."""
    known_mentors, known_mentees = people[MENTORS.key], people[MENTEES.key]
    pairs_seen: dict[tuple[str, str], int] = {}
    group_mentor: dict[str, tuple[str, int]] = {}
    for rec in links:
        row = rec["_row"]
        mentor = rec["_mentor"] = _key(rec["mentor_name"])
        mentee = rec["_mentee"] = _key(rec["mentee_name"])
        if mentor and mentor not in known_mentors:
            add(LINKS, "unknown-mentor", row, "mentor_name", rec["mentor_name"])
        if mentee and mentee not in known_mentees:
            add(LINKS, "unknown-mentee", row, "mentee_name", rec["mentee_name"])
        if mentor and mentee:
            if mentor == mentee:
                add(LINKS, "self-pair", row, "mentee_name", rec["mentee_name"])
            if (mentor, mentee) in pairs_seen:
                add(LINKS, "duplicate-pair", row, "mentee_name", rec["mentee_name"],
                    first_row=pairs_seen[(mentor, mentee)])
            else:
                pairs_seen[(mentor, mentee)] = row
        pair_id = rec["pair_id"]
        if pair_id and mentor:
            if pair_id not in group_mentor:
                group_mentor[pair_id] = (mentor, row)
            elif group_mentor[pair_id][0] != mentor:
                add(LINKS, "group-mentor-mismatch", row, "mentor_name", pair_id,
                    first_row=group_mentor[pair_id][1])
        _link_roles(rec, known_mentors.get(mentor or ""), known_mentees.get(mentee or ""),
                    lambda *a, **k: add(LINKS, *a, **k))
        _link_dates(rec, bounds[1], lambda *a, **k: add(LINKS, *a, **k))


_LINK_SIDES = ((MENTORS, "_mentor", "mentor_name", "Наставник"),
               (MENTEES, "_mentee", "mentee_name", "Наставляемый"))


def _links_to_rejected_people(links: list[dict[str, Any]],
                              people: dict[str, dict[str, dict[str, Any]]],
                              bad: set[tuple[str, int, int]], n: int, add: Any) -> None:
    """A link whose mentor or mentee row is left out is left out too, pointing at that row:
    the district's pairs never name a person its lists do not have (SPEC §4.7)."""
    for rec in links:
        for sheet, key, column, who in _LINK_SIDES:
            person = people[sheet.key].get(rec[key] or "")
            if person is not None and (sheet.key, n, person["_row"]) in bad:
                add(LINKS, "link-to-rejected-person", rec["_row"], column, rec[column],
                    who=who, person_row=person["_row"], person_sheet=sheet.name)


def _people_warnings(mentors: list[dict[str, Any]], mentees: list[dict[str, Any]],
                     add: Any) -> None:
    for sheet, records in ((MENTORS, mentors), (MENTEES, mentees)):
        for rec in records:
            if rec.get("pd_consent") == v.NO:
                add(sheet, "no-pd-consent", rec["_row"], "pd_consent", v.NO)
    for rec in mentors:
        if rec["category"] in (v.MENTOR_TEACHER, v.MENTOR_HEAD) \
                and rec["mentoring_consent"] == v.NO:
            add(MENTORS, "no-mentoring-consent", rec["_row"], "mentoring_consent", v.NO)
    for rec in mentees:
        if rec["category"] == v.MENTEE_YOUNG and isinstance(rec["experience"], int) \
                and rec["experience"] > 3:
            add(MENTEES, "category-experience-mismatch", rec["_row"], "experience",
                rec["experience"])


def _load_warnings(mentors: list[dict[str, Any]], mentees: list[dict[str, Any]],
                   links: list[dict[str, Any]], kept_links: list[dict[str, Any]], limit: int,
                   add: Any) -> None:
    """Active pairs per person, counted over the kept links; a person named by any link,
    kept or not, is in a pair (a link with an error is reported at the link)."""
    active_by_mentor = Counter(rec["_mentor"] for rec in kept_links
                               if rec["status"] == v.STATUS_ACTIVE and rec["_mentor"])
    active_by_mentee = Counter(rec["_mentee"] for rec in kept_links
                               if rec["status"] == v.STATUS_ACTIVE and rec["_mentee"])
    linked_mentors = {rec["_mentor"] for rec in links}
    linked_mentees = {rec["_mentee"] for rec in links}
    for rec in mentors:
        key = _key(rec["full_name"])
        if active_by_mentor[key] > limit:
            add(MENTORS, "mentor-overload", rec["_row"], "full_name", rec["full_name"],
                count=active_by_mentor[key], limit=limit)
        if key not in linked_mentors:
            add(MENTORS, "unpaired-mentor", rec["_row"], "full_name", rec["full_name"])
    for rec in mentees:
        key = _key(rec["full_name"])
        if active_by_mentee[key] > 1:
            add(MENTEES, "mentee-multiple-pairs", rec["_row"], "full_name", rec["full_name"],
                count=active_by_mentee[key])
        if key not in linked_mentees:
            add(MENTEES, "unpaired-mentee", rec["_row"], "full_name", rec["full_name"])


def _link_roles(rec: dict[str, Any], mentor: dict | None, mentee: dict | None, add: Any) -> None:
    form = rec["form"]
    if form not in v.FORM_ROLES:
        return
    allowed_mentors, allowed_mentees = v.FORM_ROLES[form]
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
    if problems:
        add("form-role-mismatch", rec["_row"], "form", form, detail="; ".join(problems))


def _months(start: dt.date, end: dt.date) -> float:
    """Calendar months between two dates: 01.02 to 01.03 is one month."""
    return (end.year - start.year) * 12 + end.month - start.month + (end.day - start.day) / 31


def _link_dates(rec: dict[str, Any], last_day: dt.date | None, add: Any) -> None:
    row, start, end, order = rec["_row"], rec["start"], rec["end"], rec["order_date"]
    status = rec["status"]
    if start and order and order > start:
        add("date-order", row, "order_date", order,
            detail="Дата приказа о закреплении позже даты начала, а приказ издаётся до "
                   "начала работы пары.")
    if start and end and end < start:
        add("date-order", row, "end", end,
            detail="Дата окончания раньше даты начала.")
    if start and last_day and start > last_day:
        add("out-of-range", row, "start", start,
            detail=f"дата начала позже конца отчётного периода ({last_day:%d.%m.%Y}); "
                   "пары, которые начнутся позже, указывают в следующем месяце")
    if status in (v.STATUS_FINISHED, v.STATUS_STOPPED) and end is None \
            and "end" not in rec["_unread"]:
        add("missing-end-date", row, "end", None, status=status)


def _link_warnings(rec: dict[str, Any], first_day: dt.date | None, add: Any) -> None:
    """A kept link's dates and marks that look wrong, though the link is counted."""
    import pandas as pd
    row, start, end, status = rec["_row"], rec["start"], rec["end"], rec["status"]
    if status == v.STATUS_ACTIVE and end and first_day and end < first_day:
        add("stale-active-pair", row, "end", end)
    if status == v.STATUS_FINISHED:
        for key, which in (("mentee_satisfaction", "удовлетворённость наставляемого"),
                           ("mentor_satisfaction", "удовлетворённость наставника")):
            if (rec[key] is None or rec[key] is pd.NA) and key not in rec["_unread"]:
                add("missing-satisfaction", row, key, None, which=which)
        if rec["form"] in v.TEACHER_FORMS and start and end and end >= start:
            months = _months(start, end)
            if months < 3 or months > 12:
                shown = f"{months:.1f}".replace(".", ",").removesuffix(",0")
                add("program-duration", row, "end", end, months=shown)


def _title_counts(title: dict[str, Any], table: Table, mentors: list[dict], mentees: list[dict],
                  add: Any) -> None:
    """The lists may not claim more people of a kind than «Титул» says the school has."""
    def count(records: list[dict], categories: tuple[str, ...], ages: tuple[int, int] | None
              = None) -> int:
        keys = set()
        for rec in records:
            key = _key(rec["full_name"])
            if key and rec["category"] in categories and (
                    ages is None or (isinstance(rec["age"], int)
                                     and ages[0] <= rec["age"] <= ages[1])):
                keys.add(key)
        return len(keys)

    teachers = {k for rec in mentors if rec["category"] in (v.MENTOR_TEACHER, v.MENTOR_HEAD)
                if (k := _key(rec["full_name"]))}
    teachers |= {k for rec in mentees if rec["category"] in v.MENTEE_TEACHER_CATEGORIES
                 if (k := _key(rec["full_name"]))}
    pupils = {k for rec in mentors if rec["category"] == v.MENTOR_PUPIL
              if (k := _key(rec["full_name"]))}
    pupils |= {k for rec in mentees if rec["category"] == v.MENTEE_PUPIL
               if (k := _key(rec["full_name"]))}
    checks = (
        ("teachers_total", len(teachers), "педагогов в списках"),
        ("young_specialists", count(mentees, (v.MENTEE_YOUNG,)),
         "молодых специалистов среди наставляемых"),
        ("pupils_total", len(pupils), "обучающихся в списках"),
        ("pupils_10_18", count(mentees, (v.MENTEE_PUPIL,), (10, 18)),
         "наставляемых-обучающихся 10–18 лет"),
        ("pupils_15_19", count(mentors, (v.MENTOR_PUPIL,), (15, 19)),
         "наставников-обучающихся 15–19 лет"),
    )
    for key, listed, what in checks:
        declared = title.get(key)
        if isinstance(declared, int) and listed > declared:
            header = TITLE.by_key[key].header
            add("title-count-mismatch", table.cell_rows.get(key), key, declared,
                detail=f"В списках {listed} {what}, а на «Титуле» в строке «{header}» "
                       f"указано {declared}")


def _count(results: list[FileResult], frames: dict[str, pd.DataFrame]) -> None:
    counted: dict[tuple[str, int], int] = defaultdict(int)
    for key in ("mentors", "mentees", "links"):
        frame = frames[key]
        kept = frame.loc[frame[KEEP_COL], FORM_COL].value_counts()
        for n, size in kept.items():
            counted[(key, int(n))] = int(size)
    for n, result in enumerate(results):
        if result.status == "rejected":
            continue
        result.counts = {k: counted[(k, n)] for k in ("mentors", "mentees", "links")}


__all__ = ["KEEP_COL", "SHEETS_BY_KEY", "FileResult", "Validation", "validate_forms"]
