"""The district workbook of a month: `outbox/YYYY-MM/Свод_YYYY-MM.xlsx`.

Sheets: «Сводка» (a row per registry school), «Сдача отчётов» (status, received, on time, with
the reporting and on-time rates), «Наставники», «Наставляемые», «Пары и группы» (every
accepted row with its school), «Изменения» (since last month) and «Замечания» (every issue).
Names of people without consent to personal-data processing are replaced by a stable code.

The three lists are rendered per school (pipeline/sheetxml.py) and a school's rendered rows
are kept deflated in a cache: the next run of the month renders and compresses only the
schools whose file changed, and stitches the others' rows in as they were kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from pipeline import issues as iss
from pipeline import sheetxml
from pipeline.values import key_hash, name_key
from pipeline.workbooks import Formats, atomic_path, new_workbook, write_table
from pipeline.workspace import Workspace
from schemas import vocab as v
from schemas.columns import LINKS, MENTEES, MENTORS, Sheet

STATUS_MISSING = "не представлен"
SHEETS = ("Сводка", "Сдача отчётов", "Наставники", "Наставляемые", "Пары и группы",
          "Изменения", "Замечания")
LISTS = (MENTORS, MENTEES, LINKS)
_KEPT_AT_ONCE = 64  # schools' rendered rows written to the cache together


class RowCache(Protocol):
    """Where rendered rows are kept between runs (the ledger)."""

    def rendered_rows(self, keys: list[str]) -> dict[str, int]: ...

    def rendered_segments(self, keys: Iterable[str]) -> Iterator[bytes]: ...

    def keep_rendered(self, period: str, fresh: dict[str, tuple[int, bytes]]) -> None: ...

    def forget_rendered(self, period: str, used: set[str]) -> None: ...


class MemoryCache:
    """A RowCache for one run, when there is no ledger to keep the rows in."""

    def __init__(self) -> None:
        self.kept: dict[str, tuple[int, bytes]] = {}

    def rendered_rows(self, keys: list[str]) -> dict[str, int]:
        return {key: self.kept[key][0] for key in keys if key in self.kept}

    def rendered_segments(self, keys: Iterable[str]) -> Iterator[bytes]:
        return (self.kept[key][1] for key in keys)

    def keep_rendered(self, period: str, fresh: dict[str, tuple[int, bytes]]) -> None:
        self.kept.update(fresh)

    def forget_rendered(self, period: str, used: set[str]) -> None:
        pass


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
        _summary_sheet(book, formats, run, later)
        _deadlines_sheet(book, formats, run, later)
        for k, sheet in enumerate(LISTS):
            count = sum(n for _, n in lists[k])
            headers = _list_sheet(book, formats, sheet, count)
            kept = cache.rendered_segments(key for key, n in lists[k] if n)  # read as placed
            later.add(len(book.worksheets()) - 1, kept, count, len(headers))
        _changes_sheet(book, formats, run, names)
        _issues_sheet(book, formats, run, names)
        book.close()
        later.place(tmp)
    return path


def _summary_sheet(book: Any, formats: Formats, run: Any, later: sheetxml.Later) -> None:
    groups = {n: s.digest.figures.counts["pairs"] for n, s in enumerate(run.submissions)
              if s.result.status == "accepted" and s.digest is not None}
    headers = ["Код ОО", "Наименование ОО", "Получен", "Статус", "Файл", "Наставников",
               "Наставляемых", "Пар и групп", "Связей в парах", "Ошибок",
               "Предупреждений", "Куратор", "Телефон куратора", "E-mail куратора"]
    rows = []
    index = {id(r): n for n, r in enumerate(run.results)}
    for status in run.statuses:
        result = status.result
        if result is None:
            rows.append([status.school.code, status.school.name, "нет", STATUS_MISSING])
            continue
        n = index[id(result)]
        accepted = result.status == "accepted"
        standing = status.standing
        rows.append([
            status.school.code, status.school.name, "да", standing.status,
            Path(result.file).name,
            result.counts["mentors"] if accepted else None,
            result.counts["mentees"] if accepted else None,
            groups.get(n, 0) if accepted else None,
            result.counts["links"] if accepted else None,
            standing.errors,
            standing.warnings,
            result.title.get("curator"), result.title.get("curator_phone"),
            result.title.get("curator_email"),
        ])
    widths = [10, 48, 10, 22, 44, 13, 14, 12, 15, 9, 16, 34, 20, 30]
    write_table(book, formats, "Сводка", headers, rows, widths, later=later,
                fit=(1, 3, 4, 11, 12, 13), repeat_columns=1)


def _deadlines_sheet(book: Any, formats: Formats, run: Any, later: sheetxml.Later) -> None:
    """Who reported, when, and whether on time; zero pairs reported is not «не представлен».
    Timeliness follows a school's first file; a later correction is shown beside it."""
    standings = [s.standing for s in run.statuses]
    expected = len(standings)
    received = sum(1 for s in standings if s.reported)
    on_time = sum(1 for s in standings if s.on_time)
    accepted = sum(1 for s in standings if s.accepted)
    headers = ["Код ОО", "Наименование ОО", "Статус", "Получен", "Исправление получено",
               "Срок", "В срок", "Файлов за месяц", "Пар и групп в отчёте"]
    rows = []
    for s, standing in zip(run.statuses, standings, strict=True):
        pairs: Any = "отчёта нет"
        if s.result is not None and s.result.status == "accepted":
            pairs = s.result.counts["links"]
        elif s.result is not None:
            pairs = "файл отклонён"
        correction = standing.received if standing.received != standing.first_received \
            else None
        rows.append([s.school.code, s.school.name, standing.status, standing.first_received,
                     correction, s.deadline.date(), standing.on_time_ru, s.files, pairs])

    def caption(sheet: Any) -> None:
        sheet.write_string(0, 0, f"Сдача отчётов за {run.period}", formats.title)
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

    write_table(book, formats, "Сдача отчётов", headers, rows,
                [10, 48, 22, 18, 18, 12, 20, 18, 22], start_row=6, caption=caption, later=later,
                fit=(1, 2), repeat_columns=1)


# where a list's row came from: the school's file and the row Excel shows in it
SOURCE_HEADERS = ("Файл", "Строка")
FREE_TEXT_WIDTH = 44  # a list's free text (a position, an organisation): most fit, none is cut


def _list_width(column: Any) -> int:
    """A list column's width without reading its rows (a region's lists hold a million
    cells): a vocabulary's longest word, or room for most free text."""
    if column.vocab:
        return max(column.width, min(45, max(map(len, column.vocab)) + 2))
    return max(column.width, FREE_TEXT_WIDTH) if column.kind == "text" else column.width


def _list_sheet(book: Any, formats: Formats, sheet: Sheet, count: int) -> list[str]:
    """A list's sheet with its header only; its `count` rows are placed after closing.
    Returns its headers."""
    columns = sheet.data_columns
    headers = ["Код ОО", "Наименование ОО", *[c.header for c in columns], *SOURCE_HEADERS]
    dates = [k for k, c in enumerate(columns, start=2) if c.kind == "date"]
    write_table(book, formats, sheet.name, headers, [],
                [10, 36, *map(_list_width, columns), 40, 8], dates=dates, placed_later=count,
                repeat_columns=1)
    return headers


def rendered_key(render_key: str, sha256: str, school: Any, secret: bytes, source: str) -> str:
    """What a school's rendered lists depend on: the file and its name (`source`), the
    school, the renderer, the district's key for pseudonyms."""
    return hashlib.sha256("|".join((render_key, sha256, source, school.code, school.name,
                                    hashlib.sha256(secret).hexdigest())).encode()).hexdigest()


class Renderer:
    """Renders schools' lists into the cache, a few schools per transaction."""

    def __init__(self, cache: RowCache, period: str, render_key: str, secret: bytes) -> None:
        self.cache, self.period, self.render_key, self.secret = cache, period, render_key, secret
        self.fresh: dict[str, tuple[int, bytes]] = {}

    def keys(self, sha256: str, school: Any, source: str) -> list[str]:
        key = rendered_key(self.render_key, sha256, school, self.secret, source)
        return [f"{key}:{k}" for k in range(len(LISTS))]

    def missing(self, sha256: str, school: Any, source: str) -> list[str]:
        """The keys of the school's lists, if the cache lacks any of them; else none."""
        keys = self.keys(sha256, school, source)
        return [] if len(self.cache.rendered_rows(keys)) == len(keys) else keys

    def add(self, sha256: str, school: Any, source: str, rows: dict[str, list[dict[str, Any]]],
            kept: dict[str, int] | None = None) -> dict[str, int]:
        """Render the school's lists unless the cache has them; their keys and row counts."""
        keys = self.keys(sha256, school, source)
        kept = self.cache.rendered_rows(keys) if kept is None else kept
        if all(key in kept for key in keys):
            return {key: kept[key] for key in keys}
        rendered = render_lists(school, rows, self.secret, source)
        self.put(keys, rendered)
        return {key: count for key, (count, _) in zip(keys, rendered, strict=True)}

    def put(self, keys: list[str], rendered: list[tuple[int, bytes]]) -> None:
        """Keep a school's rendered lists (`render_lists`) under their `keys`."""
        self.fresh.update(zip(keys, rendered, strict=True))
        if len(self.fresh) >= _KEPT_AT_ONCE * len(LISTS):
            self.flush()

    def flush(self) -> None:
        self.cache.keep_rendered(self.period, self.fresh)
        self.fresh = {}


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
    renderer = Renderer(cache, run.period, run.render_key, secret)
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
    from pipeline.paths import readable_name

    return readable_name(Path(submission.path).name)


def _render_school(school: Any, rows: dict[str, list[dict[str, Any]]],
                   names: Names, source: str) -> list[list[str]]:
    """A school's accepted rows of each list, rendered, each with its file's name and its
    row in it (`_row`). The stored values are plain already (str, int, float, bool, date)."""
    lists = []
    for sheet in LISTS:
        keys = [c.key for c in sheet.data_columns]
        personal = [n for n, c in enumerate(sheet.data_columns, start=2) if c.personal]
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


def _changes_sheet(book: Any, formats: Formats, run: Any, names: Names) -> None:
    headers = ["Код ОО", "Наименование ОО", "Кто / что", "Изменение", "ФИО",
               "Наставник", "Наставляемый", "№ пары/группы", "Форма наставничества",
               "Дата начала", "Дата окончания"]
    by_code = {s.school.code: s.school for s in run.statuses}
    rows = []
    for change in run.changes:
        record = change.record
        code = change.school_code
        school = by_code.get(code)
        if change.what == "пара":
            rows.append([code, school.name if school else None, change.what, change.change,
                         None, names.show(code, record.get("mentor_name")),
                         names.show(code, record.get("mentee_name")), record.get("pair_id"),
                         record.get("form"), record.get("start"), record.get("end")])
        else:
            if change.previous:
                names.learn(code, [record])
            rows.append([code, school.name if school else None, change.what, change.change,
                         names.show(code, record.get("full_name"))])
    if not rows:
        compared = len(run.compared)
        rows.append([None, f"Изменений нет (сравнено школ с {run.previous_period}: "
                           f"{compared})" if compared else
                     f"Нет принятых данных за {run.previous_period} для сравнения"])
    write_table(book, formats, "Изменения", headers, rows,
                [10, 40, 14, 24, 32, 32, 32, 12, 24, 12, 12], fit=(1, 8), repeat_columns=1)


def _issues_sheet(book: Any, formats: Formats, run: Any, names: Names) -> None:
    headers = ["Код ОО", "Файл", "Важность", "Код", "Лист", "Строка", "Столбец", "Значение",
               "Что не так и как исправить"]
    rows = []
    roles = {"superseded": " (заменён более новым)", "duplicate": " (повтор того же файла)"}
    counted = run.counted
    kept = set(counted)
    order = counted + [m for m in range(len(run.results)) if m not in kept]
    for n in order:
        s = run.submissions[n]
        result = s.result
        for issue in result.issues:
            value = issue.value
            if issue.column in _PERSONAL_HEADERS:
                value = names.show(result.school_code, value)
            rows.append([result.school_code, Path(result.file).name + roles.get(s.role, ""),
                         iss.SEVERITY_RU[issue.severity], issue.code, issue.sheet, issue.row,
                         issue.column, value, issue.message])
    write_table(book, formats, "Замечания", headers, rows,
                [10, 34, 16, 24, 16, 8, 26, 26, 90], wrap=(8,), fit=(1, 2, 3, 4),
                repeat_columns=1)


__all__ = ["SHEETS", "Names", "Renderer", "consenting", "pseudonym", "render_lists",
           "write_district_workbook"]
