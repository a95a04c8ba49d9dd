"""The district workbook of a month: `outbox/YYYY-MM/Свод_YYYY-MM.xlsx`.

Sheets: «Сводка» (a row per registry school), «Сдача отчётов» (status, received, on time, with
the reporting and on-time rates), «Наставники», «Наставляемые», «Пары и группы» (every
accepted row with its school), «Изменения» (since last month) and «Замечания» (every issue).
Names of people without consent to personal-data processing are replaced by a stable code.

The three lists are rendered per school (pipeline/engine/sheetxml.py) and a school's rendered rows
are kept deflated in a cache: the next run of the month renders and compresses only the
schools whose file changed, and stitches the others' rows in as they were kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import issues as iss
from pipeline import standing
from pipeline.engine import sheetxml
from pipeline.engine.rendered import MemoryCache, Renderer, RowCache
from pipeline.paths import readable_name
from pipeline.values import key_hash, name_key
from pipeline.workbooks import Formats, atomic_path, new_workbook, write_output
from pipeline.workspace import Workspace
from schemas import outputs as out
from schemas import vocab as v
from schemas.columns import LINKS, MENTEES, MENTORS

LISTS = (MENTORS, MENTEES, LINKS)
LIST_TABLES = tuple(out.list_table(sheet) for sheet in LISTS)
SHEETS = (out.SUMMARY.sheet, out.DEADLINES.sheet, *(t.sheet for t in LIST_TABLES),
          out.CHANGES.sheet, out.ISSUES.sheet)


def pseudonym(secret: bytes, school_code: str, name: str) -> str:
    """A stable code for a person whose name may not be shown (SPEC §5)."""
    digest = hmac.new(secret, f"{school_code}|{name_key(name)}".encode(), hashlib.sha256)
    return "Лицо-" + digest.hexdigest()[:8].upper()


class Names:
    """Shows a name only where the person consented to personal-data processing.

    Consents are learned from a school's records (`learn`), or asked of `consents_of` (the
    `name_hash` of each person who gave one, from the file's digest) when the school is
    first asked about; most schools' names are shown only in lists rendered once and kept."""

    def __init__(self, secret: bytes,
                 consents_of: Callable[[str], Iterable[int]] | None = None) -> None:
        self.secret = secret
        self.consents_of = consents_of
        self.consented: set[tuple[str, str]] = set()  # (school code, name key)
        self.hashed: set[tuple[str, int]] = set()  # (school code, name hash), from digests
        self.known: set[str] = set()

    def _know(self, school_code: str) -> None:
        if school_code not in self.known:
            self.known.add(school_code)
            if self.consents_of is not None:
                self.hashed.update((school_code, h) for h in self.consents_of(school_code))

    def learn(self, school_code: str, records: list[dict[str, Any]]) -> None:
        self._know(school_code)
        self.consented.update((school_code, name_key(name)) for name in consenting(records))

    def show(self, school_code: str | None, name: Any) -> Any:
        if not isinstance(name, str) or not name:
            return name
        code = school_code or ""
        self._know(code)
        key = name_key(name)
        # a list's cells are many: the hash only where digests told the consents
        if (code, key) in self.consented or (self.hashed and (code, key_hash(key))
                                             in self.hashed):
            return name
        return pseudonym(self.secret, code, name)


def consenting(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The names of the people among `records` who consented to show them (SPEC §5)."""
    for record in records:
        name = record.get("full_name")
        if isinstance(name, str) and record.get("pd_consent") == v.YES:
            yield name


_PERSONAL_HEADERS = {c.header for s in (MENTORS, MENTEES, LINKS) for c in s.columns
                     if c.personal}


@dataclass
class SchoolLine:
    """A registry school's line in «Сводка» and «Сдача отчётов» (schemas/outputs.py)."""
    school: Any
    result: Any  # the file that counts, None when nothing came
    standing: standing.Standing
    deadline: dt.datetime
    files: int
    pairs: int | None = None  # pairs and groups, of an accepted file
    # the correction the school sent after the month's approval, and what it changed
    after_approval: str | None = None
    voided: str | None = None  # the school's files set aside, with when and why
    # its numbers and last month's (pipeline/rules/district.py `history_compared`)
    history: dict[str, list[int | None]] | None = None

    @property
    def accepted(self) -> bool:
        return self.result is not None and self.result.status == "accepted"


def _school_lines(run: Any) -> list[SchoolLine]:
    pairs = {id(s.result): s.digest.figures.counts["pairs"] for s in run.submissions
             if s.result.status == "accepted" and s.digest is not None}
    history = {id(s.result): s.digest.history for s in run.submissions
               if s.result.status == "accepted" and s.digest is not None}
    corrections = {c.school_code: c for c in run.corrections}
    voided = _voided_files(run)
    return [SchoolLine(s.school, s.result, s.standing, s.deadline, s.files,
                       pairs.get(id(s.result), 0), _after_approval(corrections.get(s.school.code)),
                       voided.get(s.school.code), history.get(id(s.result)))
            for s in run.statuses]


def _after_approval(correction: Any) -> str | None:
    if correction is None:
        return None
    when = f" {correction.received:%d.%m.%Y}" if correction.received else ""
    return f"исправление{when}: {correction.text()}"


def _voided_files(run: Any) -> dict[str, str]:
    """Per school, its files set aside: «7.xlsx — аннулирован 03.12.2026: причина»."""
    voids = {v["file_id"]: v for v in getattr(run, "voids", ())}
    found: dict[str, list[str]] = {}
    for s in run.submissions:
        if s.role == "voided" and s.result.school is not None:
            void = voids.get(s.seen.id)
            why = f" {void['at']:%d.%m.%Y}: {void['reason']}" if void else ""
            found.setdefault(s.result.school.code, []).append(
                f"{source_name(s)} — {standing.VOIDED}{why}")
    return {code: "; ".join(texts) for code, texts in found.items()}


def write_district_workbook(path: Path, workspace: Workspace, run: Any,
                            cache: RowCache | None = None) -> Path:
    """The workbook at `path`. `cache` keeps each school's rendered lists between runs;
    `run.rows_of(submission)` gives a file's stored rows when they are needed again, and a
    file's digest says who consented to show their name."""
    secret = workspace.secret()
    counted = {s.result.school.code: s for s in run.submissions
               if s.role == "counted" and s.result.status == "accepted" and s.result.school}
    names = Names(secret, lambda code: counted[code].digest.consented if code in counted
                  else ())
    cache = cache if cache is not None else MemoryCache()
    lists = _rendered_lists(run, secret, cache)
    received = [s.seen.received for s in run.submissions]
    with atomic_path(path) as tmp:
        book = new_workbook(tmp, large=True)
        book.set_properties({"title": f"Свод по наставничеству {run.period}",
                             "subject": workspace.settings.district, "author": "nastavnik",
                             # fixed by the inputs, so a re-run writes the same file
                             "created": max(received, default=dt.datetime(2000, 1, 1))})
        formats = Formats(book)
        later = sheetxml.Later()
        lines = _school_lines(run)
        _summary_sheet(book, formats, lines, later)
        _deadlines_sheet(book, formats, run, lines, later)
        for k, table in enumerate(LIST_TABLES):
            count = sum(n for _, n in lists[k])
            write_output(book, formats, table, [], placed_later=count, later=later)
            kept = cache.rendered_segments(key for key, n in lists[k] if n)  # read as placed
            later.add(len(book.worksheets()) - 1, kept, count, len(table.columns))
        _changes_sheet(book, formats, run, names, later)
        _issues_sheet(book, formats, run, names, later)
        book.close()
        later.place(tmp)
    return path


def _summary_sheet(book: Any, formats: Formats, lines: list[SchoolLine],
                   later: sheetxml.Later) -> None:
    write_output(book, formats, out.SUMMARY, [out.SUMMARY.row(line) for line in lines],
                 later=later)


def _deadlines_sheet(book: Any, formats: Formats, run: Any, lines: list[SchoolLine],
                     later: sheetxml.Later) -> None:
    """Who reported, when, and whether on time; zero pairs reported is not a missing report.
    Timeliness follows a school's first file; a later correction is shown beside it."""
    standings = [line.standing for line in lines]
    expected = len(standings)
    received = sum(1 for s in standings if s.reported)
    on_time = sum(1 for s in standings if s.on_time)
    accepted = sum(1 for s in standings if s.accepted)

    def caption(sheet: Any) -> None:
        sheet.write_string(0, 0, out.DEADLINES.caption.format(period=run.period), formats.title)
        # across the columns of the first printed page, in two lines: not cut at its edge
        sheet.merge_range(1, 0, 1, 3, f"Срок сдачи: до {run.deadline:%d.%m.%Y} включительно; "
                                      "в срок — по первому файлу школы, исправление после "
                                      "срока опозданием не считается", formats.wrap)
        sheet.set_row(1, 30)
        for r, (label, count) in enumerate((("Ожидалось отчётов", expected),
                                            ("Представили", received),
                                            ("Принято", accepted),
                                            ("Приняты и представлены в срок", on_time)),
                                           start=2):
            sheet.write_string(r, 0, label, formats.bold)
            sheet.write_number(r, 2, count)
            if r > 2:
                sheet.write_number(r, 3, count / expected if expected else 0, formats.percent)

    write_output(book, formats, out.DEADLINES, [out.DEADLINES.row(line) for line in lines],
                 start_row=6, caption=caption, later=later)


def render_lists(school: Any, rows: dict[str, list[dict[str, Any]]],
                 secret: bytes, source: str) -> list[tuple[int, bytes]]:
    """A school's lists rendered and deflated: (how many rows, the `segment`) for each of
    LISTS; `source` is the name of the school's file, shown beside each row with the row's
    number in it. Needs nothing but its arguments, so a worker process can do it."""
    names = Names(secret)
    for key in ("mentors", "mentees"):
        names.learn(school.code, rows.get(key, []))
    return [(len(rendered), sheetxml.segment("".join(rendered)))
            for rendered in _render_school(school, rows, names, source)]


def _rendered_lists(run: Any, secret: bytes, cache: RowCache) -> list[list[tuple[str, int]]]:
    """Per list, per accepted school in the order of their codes: (the key of its rendered
    rows in `cache`, how many rows). A school's rows are rendered unless the cache has them
    from a run with the same file and everything the rendering depends on; they go to the
    cache as they are made, so a region's million cells are never all in memory."""
    renderer = Renderer(cache, run.period, run.render_key, secret, render_lists, len(LISTS))
    schools = []
    for n, s in enumerate(run.submissions):
        school = s.result.school
        if s.role == "counted" and s.result.status == "accepted" and school:
            schools.append((str(school.code), n, s))
    schools.sort(key=lambda item: item[:2])
    keys = [renderer.keys(s.seen.sha256, s.result.school, source_name(s)) for *_, s in schools]
    kept = cache.rendered_rows([key for per_list in keys for key in per_list])
    for (*_, s), per_list in zip(schools, keys, strict=True):
        if not all(key in kept for key in per_list):
            kept.update(renderer.add(s.seen.sha256, s.result.school, source_name(s),
                                     run.rows_of(s), kept))
    renderer.flush()
    cache.forget_rendered(run.period, {key for per_list in keys for key in per_list})
    return [[(per_list[k], kept[per_list[k]]) for per_list in keys] for k in range(len(LISTS))]


def source_name(submission: Any) -> str:
    """The name of a submission's file, as the lists show where their rows came from (the
    run's digests name it so too), readable whatever its encoding."""
    return readable_name(Path(submission.path).name)


def _render_school(school: Any, rows: dict[str, list[dict[str, Any]]],
                   names: Names, source: str) -> list[list[str]]:
    """A school's accepted rows of each list, rendered, each with its file's name and its
    row in it (`_row`). The stored values are plain already (str, int, float, bool, date)."""
    lists = []
    lead, tail = len(out.LIST_LEAD), len(out.LIST_SOURCE)
    for sheet, table in zip(LISTS, LIST_TABLES, strict=True):
        # the school and the file are the same for all its rows: only the record's are read
        keys = [c.value for c in table.columns[lead:-tail]]
        personal = table.indices("personal")
        rendered = []
        for record in rows.get(sheet.key, []):
            if not record["_ok"]:
                continue
            values = [school.code, school.name, *map(record.get, keys), source, record["_row"]]
            for n in personal:
                values[n] = names.show(school.code, values[n])
            rendered.append(sheetxml.render_row(values))
        lists.append(rendered)
    return lists


@dataclass
class _ChangeRow:
    change: Any
    school: Any
    pair: bool


def _changes_sheet(book: Any, formats: Formats, run: Any, names: Names,
                   later: sheetxml.Later) -> None:
    by_code = {s.school.code: s.school for s in run.statuses}
    personal = out.CHANGES.indices("personal")
    rows = []
    for change in run.changes:
        code = change.school_code
        pair = change.what == "пара"
        if not pair and change.previous:
            names.learn(code, [change.record])
        row = out.CHANGES.row(_ChangeRow(change, by_code.get(code), pair))
        for n in personal:
            row[n] = names.show(code, row[n])
        rows.append(row)
    if not rows:
        compared = len(run.compared)
        rows.append([None, f"Изменений нет (сравнено школ с {run.previous_period}: "
                           f"{compared})" if compared else
                     f"Нет принятых данных за {run.previous_period} для сравнения"])
    write_output(book, formats, out.CHANGES, rows, later=later)


@dataclass
class _IssueRow:
    result: Any
    issue: Any
    file: str
    severity: str


ROLE_SUFFIX = {"superseded": f" ({standing.REPLACED})", "duplicate": f" ({standing.DUPLICATE})",
               "voided": f" ({standing.VOIDED})"}


def _issues_sheet(book: Any, formats: Formats, run: Any, names: Names,
                  later: sheetxml.Later) -> None:
    rows = []
    counted = run.counted
    kept = set(counted)
    order = counted + [m for m in range(len(run.results)) if m not in kept]
    personal = out.ISSUES.indices("personal")
    for n in order:
        s = run.submissions[n]
        result = s.result
        file = Path(result.file).name + ROLE_SUFFIX.get(s.role, "")
        for issue in result.issues:
            row = out.ISSUES.row(_IssueRow(result, issue, file, iss.SEVERITY_RU[issue.severity]))
            if issue.column in _PERSONAL_HEADERS:  # the value is a name
                for k in personal:
                    row[k] = names.show(result.school_code, row[k])
            rows.append(row)
    write_output(book, formats, out.ISSUES, rows, later=later)


__all__ = ["SHEETS", "Names", "consenting", "pseudonym", "render_lists",
           "write_district_workbook"]
