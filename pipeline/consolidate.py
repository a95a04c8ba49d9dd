"""One period of one district: inbox files → checked results in the ledger → district outputs.

`run_period` is incremental and idempotent. Each inbox file is hashed and looked up in the
ledger: a content already checked under the same rules is not read again. The newest file
of each school counts; earlier ones stay recorded as superseded. Issues that need the whole
district (the same person in two schools, a pair that vanished since last month) are added
here. When nothing differs from the last finished run, nothing is rewritten.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import gc
import hashlib
import pickle
from array import array
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline import issues as iss
from pipeline.ledger import (
    Ledger,
    Seen,
    Stored,
    dumps,
    file_sha256,
    pack_digest,
    pack_rows,
    unpack_digest,
    unpack_rows,
    workspace_lock,
)
from pipeline.paths import link_outside, readable, readable_name
from pipeline.read import Form
from pipeline.russian import join_words, number
from pipeline.standing import Standing, decide
from pipeline.validate import FileResult, Validation
from pipeline.values import name_hash, name_key
from pipeline.workbooks import plain
from pipeline.workspace import School, Workspace, deadline, previous_period
from schemas import vocab as v
from schemas.columns import (
    FORM_COL,
    FORM_SHEETS,
    FORM_VERSION,
    KEEP_COL,
    LINKS,
    MENTEES,
    MENTORS,
    PROP_VERSION,
    ROW_COL,
)
from schemas.outputs import FEEDBACK_FOLDER, district_book_name

FEEDBACK_DIR = FEEDBACK_FOLDER
_RULE_SOURCES = ("schemas/columns.py", "schemas/vocab.py", "schemas/sheets.py",
                 "pipeline/values.py", "pipeline/read.py", "pipeline/preflight.py",
                 "pipeline/validate.py", "pipeline/issues.py")
# what the outputs are written by: a change here rewrites them, without re-checking files
_OUTPUT_SOURCES = ("pipeline/consolidate.py", "pipeline/district.py", "pipeline/sheetxml.py",
                   "pipeline/feedback.py", "pipeline/workbooks.py", "pipeline/template.py",
                   "pipeline/report.py", "pipeline/indicators.py")


@dataclass
class Submission:
    """One inbox file in this run: what the ledger knows of it and its result."""

    path: Path
    seen: Seen
    stored: Stored | None = None
    form: Form | None = None  # its layout, when read in this run and it has issues
    result: FileResult | None = None
    role: str = "counted"  # counted, superseded, duplicate, unattributed
    digest: Digest | None = None  # of an accepted file: what the outputs need of its rows


@dataclass
class Digest:
    """What the run keeps of an accepted file once its rows are let go (they are in the
    ledger): a region's rows are never all in memory."""

    people: array[int]  # per person: their name key's `name_hash`
    places: array[int]  # and where they are listed: row * 2, + 1 on «Наставляемые»
    consented: array[int]  # `name_hash` of the people who consented to show their names
    figures: Any  # the report's figures (pipeline.report.Figures)
    changes: list[Change]  # since the school's accepted file of last month
    vanished: list[dict[str, Any]]  # active pairs of last month gone without a mark
    compared: bool  # the school had an accepted file last month


@dataclass
class SchoolStatus:
    school: School
    result: FileResult | None  # the file that counts, None when nothing was received
    received: dt.datetime | None = None  # of the file that counts
    deadline: dt.datetime | None = None
    files: int = 0
    first_received: dt.datetime | None = None  # of the school's first file of the month

    @property
    def standing(self) -> Standing:
        """Asked for once the run's district-wide issues are in the results."""
        result = self.result
        return decide(result.status if result else None,
                      (i.code for i in result.issues) if result else (),
                      first_received=self.first_received, received=self.received,
                      deadline=self.deadline)

    @property
    def status_ru(self) -> str:
        return self.standing.status

    @property
    def on_time(self) -> bool | None:
        return self.standing.on_time


@dataclass
class Change:
    school_code: str
    what: str  # «наставник», «наставляемый», «пара»
    change: str  # «добавлен», «выбыл», «завершена», ...
    sheet: str
    record: dict[str, Any]  # the row it is about (this month's or last month's)
    previous: bool  # the record is last month's


@dataclass
class RunResult:
    period: str
    expected: list[School]
    submissions: list[Submission]
    statuses: list[SchoolStatus]
    deadline: dt.datetime
    previous_period: str
    changes: list[Change] = field(default_factory=list)
    compared: set[str] = field(default_factory=set)  # schools compared with last month
    outputs: dict[str, Any] = field(default_factory=dict)
    unchanged: bool = False  # nothing new since the last run: nothing was rewritten
    render_key: str = ""  # digest of the rules and the writers: what rendered rows depend on
    rows_of: Callable[[Submission], dict[str, list[dict[str, Any]]]] = \
        lambda s: s.stored.rows  # a file's stored rows, from the ledger once let go
    _results: list[FileResult | None] = field(default_factory=list, repr=False)

    @property
    def results(self) -> list[FileResult]:
        # asked for per row while writing: keep the list once every file has its result
        if len(self._results) != len(self.submissions):
            results = [s.result for s in self.submissions]
            if any(r is None for r in results):
                return results  # not every file has its result yet: not kept
            self._results = results
        return self._results

    @property
    def counted(self) -> list[int]:
        return [n for n, s in enumerate(self.submissions)
                if s.role in ("counted", "unattributed")]

    @property
    def missing(self) -> list[str]:
        return [s.school.code for s in self.statuses if s.result is None]

    @property
    def problems(self) -> bool:
        results = self.results  # once: checking that the list is whole costs a pass
        return any(results[n].status == "rejected" or results[n].worst == "error"
                   for n in self.counted)

    def as_json(self) -> dict[str, Any]:
        results = self.results
        counted = [results[n] for n in self.counted]
        return {
            "period": self.period,
            "expected": len(self.expected),
            "received": sum(1 for s in self.statuses if s.result is not None),
            "accepted": sum(1 for r in counted if r.status == "accepted"),
            "rejected": sum(1 for r in counted if r.status == "rejected"),
            "missing": self.missing,
            "late": [s.school.code for s in self.statuses if s.on_time is False],
            "unchanged": self.unchanged,
            "files": [r.as_json() for r in results],
            "outputs": dict(self.outputs),
        }


def _sources_digest(names: tuple[str, ...]) -> hashlib._Hash:
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent.parent
    for name in names:
        digest.update((root / name).read_bytes())
    return digest


def run_context(workspace: Workspace) -> str:
    """What a file's result depends on besides its bytes: the rules, settings and registry."""
    digest = _sources_digest(_RULE_SOURCES)
    settings = workspace.settings
    digest.update(dumps([settings.max_mentees_per_mentor, settings.max_file_mb,
                         settings.max_unpacked_mb,
                         sorted((s.code, s.name) for s in workspace.schools)]).encode())
    return digest.hexdigest()[:32]


def _facts(path: Path) -> tuple[str, int, dt.datetime]:
    """SHA-256, size and modification time; unreadable files get a placeholder hash, and so
    do links that lead outside the workspace, which are never opened."""
    sha = None if link_outside(path) else file_sha256(path)
    try:
        stat = path.stat()
    except OSError:
        sha = None
    if sha is None:
        return "unreadable:" + readable_name(path.name), 0, dt.datetime.now().replace(microsecond=0)
    return sha, stat.st_size, _local(stat.st_mtime)


def _local(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp).replace(microsecond=0)


def run_period(workspace: Workspace, period: str, *,
               on_file: Callable[[Path], None] | None = None) -> RunResult:
    """The monthly consolidation of `period` (YYYY-MM) for the workspace's district."""
    from pipeline.paths import clean_staging
    from pipeline.workers import Workers, frozen

    # what exists before the run (modules, the caller's objects) lives through it: the cycle
    # collector's full collections need not walk it again and again
    with workspace_lock(workspace.state_dir, f"свод за {period}"), \
            Ledger.open(workspace.state_dir) as ledger, Workers() as workers, frozen():
        clean_staging(workspace.root)  # what an interrupted run left; the lock is ours
        return _run(workspace, period, ledger, workers, on_file)


def _run(workspace: Workspace, period: str, ledger: Ledger, workers: Any,
         on_file: Callable[[Path], None] | None) -> RunResult:
    context = run_context(workspace)
    run_id = ledger.start_run(period, __version__, context)
    paths = workspace.inbox_files(period)
    folder = _relative(workspace.root.resolve(), (workspace.inbox / period).resolve())
    # resolved once: resolving costs a system call per part of a path, for a thousand files
    seen = ledger.see([(f"{folder}/{readable_name(path.name)}", *_facts(path))
                       for path in paths], period)
    submissions = [Submission(path, s) for path, s in zip(paths, seen, strict=True)]
    previous_files = ledger.accepted_files(previous_period(period))
    writers = _sources_digest(_OUTPUT_SOURCES).hexdigest()
    fingerprint = _fingerprint(workspace, period, context, writers, submissions, previous_files)
    last = ledger.last_run(period)
    if last and last["fingerprint"] == fingerprint and _intact(last["outputs"]):
        return _unchanged(workspace, period, ledger, run_id, last, submissions, fingerprint,
                          context, on_file)

    known = ledger.results([s.seen.sha256 for s in submissions], period, context)
    for s in submissions:  # a copy each: two files may have the same content
        s.stored = replace(known[s.seen.sha256]) if s.seen.sha256 in known else None
    unread = [s for s in submissions if s.stored is None]
    # before the workers are forked: they inherit what digesting needs imported
    digests = _Digests(workspace, period, ledger, context, f"{context}:{writers}", workers)
    batches = None
    if unread:  # the workers start reading the new files while this process digests the others
        from pipeline.check import validated_batches

        batches = validated_batches([s.path for s in unread], workspace=workspace,
                                    period=period, workers=workers, on_file=on_file)
        _import_checking()
    for s in submissions:
        if s.stored is not None:
            digests.add(s)
            if on_file:
                on_file(s.path)
    if batches is not None:
        for start, validation in batches:
            batch = unread[start:start + len(validation.results)]
            for s, stored, form in zip(batch, stored_all(validation), validation.forms,
                                       strict=True):
                s.stored = stored  # the form's values are let go; its feedback needs only
                # where they were, kept for a clean file too (2–3 KB): the district may yet
                # warn it (a namesake elsewhere), and its feedback then need not read it again
                s.form = form.layout()
            for s, form in zip(batch, validation.forms, strict=True):
                digests.add(s, unstored=form.properties.get(PROP_VERSION) or "")
    digests.finish()
    for s in submissions:
        s.result = _file_result(s, workspace)

    statuses = _decide(workspace, period, submissions)
    _cross_school(submissions, digests.rows_of)
    run = RunResult(period, workspace.expected(period), submissions, statuses,
                    deadline(period, workspace.settings.deadline_day), previous_period(period),
                    render_key=digests.render_key, rows_of=digests.rows_of)
    run.changes, run.compared = _changes(run)
    written = _write_outputs(workspace, run, last["outputs"] if last else {}, ledger, workers)
    run.outputs = _outputs_view(workspace, period, written)
    _finish(ledger, run_id, run, "done", fingerprint, written, context)
    return run


def _import_checking() -> None:
    """pandas and pandera, which checking new files needs, imported with the cycle
    collector paused and then frozen with the rest of what the run started with (see
    `run_period`): their few hundred thousand objects live as long as the process, and a
    full collection walking them took a tenth of a month's next run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        import pandas  # noqa: F401
        import pandera.pandas  # noqa: F401

        import schemas.sheets  # noqa: F401
    finally:
        if enabled:
            gc.enable()
    gc.freeze()


class _Digests:
    """Digests accepted files as they come (read now or from the ledger): their lists
    rendered into the ledger's cache, their people, figures and changes kept, their rows
    let go. A digest is kept in the ledger too: the month's next run takes an unchanged
    file's digest from there without unpacking its rows. A digest is made by a worker
    (`_digest_job`) while this process goes on with the next files; the results checked in
    this run are stored with their digests, their rows packed by the same worker."""

    def __init__(self, workspace: Workspace, period: str, ledger: Ledger, context: str,
                 render_key: str, workers: Any = None) -> None:
        import pipeline.report  # noqa: F401  (what `_digest_job` needs, for the workers)
        from pipeline.district import Renderer
        from pipeline.indicators import DEFAULT_FILE, WORKSPACE_FILE, load_indicators

        self.workspace, self.period, self.ledger, self.context = (workspace, period, ledger,
                                                                  context)
        self.render_key = render_key
        self.renderer = Renderer(ledger, period, render_key, workspace.secret())
        self.indicators = load_indicators(workspace.root)
        own = workspace.root / WORKSPACE_FILE
        self.key = hashlib.sha256((render_key + ":" + hashlib.sha256(
            (own if own.is_file() else DEFAULT_FILE).read_bytes()).hexdigest()).encode())
        self.before = previous_period(period)
        self.previous = {code: (sha, ctx) for code, sha, ctx in
                         ledger.accepted_files(self.before)}
        self.fresh: dict[str, Any] = {}
        self.used: set[str] = set()
        self.kept = ledger.packed_digests(period)  # 1–2 KB a school
        self.workers = workers
        self.pending: deque[tuple[Submission, str, tuple[Any, ...], Any, str | None]] = deque()
        self.unstored: list[tuple[str, Stored, str | None, bytes]] = []  # results to store

    def add(self, s: Submission, *, unstored: str | None = None) -> None:
        """Digest the file of `s`. `unstored`: the result was checked now and is stored with
        its digest (its rows packed where the digest is made), the form's version ("" when
        it has none)."""
        stored = s.stored
        school = self.workspace.school(stored.school_code) if stored.school_code else None
        key = packed = None
        if stored.status == "accepted" and school is not None:
            key = self.key.copy()
            key.update(dumps([s.seen.sha256, school.code, school.name,
                              self.previous.get(school.code)]).encode())
            key = key.hexdigest()
            self.used.add(key)
            packed = self.kept.get(key)
        if key is None or packed is not None:  # nothing to digest, or digested before
            if unstored is not None:
                self._store(s, unstored, None)
            if packed is not None:
                self._use(s, unpack_digest(packed))
            stored.rows = {}
            return
        # digested by a worker, from its rows (or as the ledger keeps them) and last
        # month's: this process goes on with the next files
        sha, name = s.seen.sha256, readable_name(s.path.name)  # as source_name(s)
        before = self.previous.get(school.code)
        task = (stored.title, stored.rows or None,
                None if stored.rows else self.ledger.packed_rows(sha, self.period, self.context),
                school, self.ledger.packed_rows(before[0], self.before, before[1])
                if before else None, bool(self.renderer.missing(sha, school, name)),
                self.renderer.secret, self.indicators, self.period, unstored is not None,
                stored.period, name)
        future = self.workers.submit(_digest_job, *task) if self.workers else None
        stored.rows = {}  # in the ledger; `rows_of` brings them back when needed
        if future is None:  # no worker can take it
            self._complete(s, key, task, None, unstored)
            return
        self.pending.append((s, key, task, future, unstored))
        if len(self.pending) > _PENDING_DIGESTS:
            self._complete(*self.pending.popleft())

    def _complete(self, s: Submission, key: str, task: tuple[Any, ...],
                  future: concurrent.futures.Future[Any] | None, unstored: str | None) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            done = future.result() if future is not None else _digest_job(*task)
        except (BrokenProcessPool, concurrent.futures.CancelledError):
            done = _digest_job(*task)  # a file's reader took the pool down
        data, packed, rendered, rows = done
        if unstored is not None:
            self._store(s, unstored, rows)
        if rendered:
            self.renderer.put(self.renderer.keys(s.seen.sha256, task[3], task[-1]), rendered)
        self.fresh[key] = packed
        if len(self.fresh) >= 64:
            self.ledger.keep_digests(self.period, self.fresh)
            self.fresh = {}
        self._use(s, data)

    def _store(self, s: Submission, version: str, rows: bytes | None) -> None:
        self.unstored.append((s.seen.sha256, s.stored, version or None,
                              rows if rows is not None else pack_rows(s.stored)))
        if len(self.unstored) >= 64:
            self._flush_stored()

    def _flush_stored(self) -> None:
        self.ledger.store(self.unstored, self.period, self.context, __version__)
        self.unstored = []

    @staticmethod
    def _use(s: Submission, data: dict[str, Any]) -> None:
        # people are kept as arrays: a region has half a million of them
        s.digest = Digest(_array("q", data["people"]), _array("i", data["places"]),
                          _array("q", data["consented"]), _figures(data["figures"]),
                          [Change(*c) for c in data["changes"]], data["vanished"],
                          data["compared"])

    def finish(self) -> None:
        while self.pending:
            self._complete(*self.pending.popleft())
        self._flush_stored()
        self.kept = {}
        self.renderer.flush()
        self.ledger.keep_digests(self.period, self.fresh)
        self.ledger.forget_digests(self.period, self.used)
        self.fresh = {}

    def rows_of(self, s: Submission) -> dict[str, list[dict[str, Any]]]:
        if s.stored.rows or s.stored.status != "accepted":
            return s.stored.rows
        again = self.ledger.result(s.seen.sha256, self.period, self.context)
        return again.rows if again else {}


_PENDING_DIGESTS = 256  # files whose digest a worker is making, at most (their rows wait)


def _digest_job(title: dict[str, Any], rows: dict[str, list[dict[str, Any]]] | None,
                packed: bytes | None, school: School, before: bytes | None, render: bool,
                secret: bytes, indicators: Any, period: str, store: bool,
                own_period: str | None, source: str
                ) -> tuple[dict[str, Any], bytes, list[tuple[int, bytes]], bytes | None]:
    """An accepted file's digest, as data and packed for the ledger; if `render`, its lists
    rendered for the district workbook; if `store`, its title, rows and `own_period`
    packed for the ledger. From its rows (`rows`, or `packed` as the ledger keeps them) and
    those of the school's accepted file of last month (`before`, packed): needs nothing but
    its arguments, so that a worker process can make it. `source`: the file's name, which
    the rendered lists show beside each row."""
    from pipeline.district import consenting, render_lists
    from pipeline.report import school_figures

    if rows is None:
        rows = unpack_rows(packed) if packed is not None else {}
    rendered = render_lists(school, rows, secret, source) if render else []
    people = [(name_hash(name), record["_row"] * 2 + (sheet is MENTEES))
              for sheet in (MENTORS, MENTEES) for record in rows.get(sheet.key, [])
              if record["_ok"] and isinstance(name := record.get("full_name"), str)]
    consented = [name_hash(name) for sheet in (MENTORS, MENTEES)
                 for name in consenting(rows.get(sheet.key, []))]
    last_month = unpack_rows(before) if before is not None else None
    changes, vanished = _school_changes(school.code, rows, last_month)
    stored = Stored(status="accepted", school_code=school.code, period=own_period, counts={},
                    issues=[], title=title, rows=rows)
    data = {"people": base64.b64encode(array("q", [h for h, _ in people])).decode(),
            "places": base64.b64encode(array("i", [p for _, p in people])).decode(),
            "consented": base64.b64encode(array("q", consented)).decode(),
            "figures": school_figures(indicators, stored, period).as_json(),
            "changes": [[c.school_code, c.what, c.change, c.sheet, c.record, c.previous]
                        for c in changes],
            "vanished": vanished, "compared": before is not None}
    return (data, pack_digest(data), rendered,
            pack_rows(stored) if store else None)


def _array(kind: str, text: str) -> array[int]:
    numbers = array(kind)
    numbers.frombytes(base64.b64decode(text))
    return numbers


def _figures(data: dict[str, Any]) -> Any:
    from pipeline.report import Figures

    return Figures.from_json(data)


def _unchanged(workspace: Workspace, period: str, ledger: Ledger, run_id: int,
               last: dict[str, Any], submissions: list[Submission], fingerprint: str,
               context: str, on_file: Callable[[Path], None] | None) -> RunResult:
    """Nothing differs from the last finished run: answer from it, read and write nothing."""
    known = ledger.run_results(last["id"])
    for s in submissions:
        data = known.get(s.seen.id, {})
        school = workspace.school(data.get("school_code"))
        s.result = FileResult(
            file=readable(s.path), school_code=data.get("school_code"), period=data.get("period"),
            status=data.get("status", "rejected"), counts=data.get("counts", {}),
            issues=[iss.Issue(**i) for i in data.get("issues", [])], school=school)
        if on_file:
            on_file(s.path)
    run = RunResult(period, workspace.expected(period), submissions,
                    _decide(workspace, period, submissions),
                    deadline(period, workspace.settings.deadline_day), previous_period(period),
                    unchanged=True)
    run.outputs = _outputs_view(workspace, period, last["outputs"])
    _finish(ledger, run_id, run, "unchanged", fingerprint, last["outputs"], context)
    return run


def _finish(ledger: Ledger, run_id: int, run: RunResult, outcome: str, fingerprint: str,
            written: dict[str, Any], context: str) -> None:
    def result_json(result: FileResult) -> dict[str, Any]:
        return {"school_code": result.school_code, "period": result.period,
                "status": result.status, "counts": result.counts,
                "issues": [ledger_issue(i) for i in result.issues]}

    ledger.finish_run(
        run_id, outcome=outcome, fingerprint=fingerprint, summary=_summary(run),
        outputs=written,
        files=[(s.seen.id, s.role, s.result.status, s.result.school_code,
                result_json(s.result)) for s in run.submissions],
        accepted=[(s.result.school.code, s.seen.sha256) for s in run.submissions
                  if s.role == "counted" and s.result.school and s.result.status == "accepted"],
        period=run.period, context=context)


def ledger_issue(issue: iss.Issue) -> dict[str, Any]:
    return {"code": issue.code, "sheet": issue.sheet, "row": issue.row, "column": issue.column,
            "value": issue.value, "problem": issue.problem, "fix": issue.fix}


def _relative(root: Path, path: Path) -> str:
    """The resolved `path` as recorded: relative to the workspace's resolved `root` when
    inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def stored_all(validation: Validation) -> list[Stored]:
    """What the ledger keeps of each validated file: its result and every row with its fate.

    Each sheet's frame is split by file once (not filtered per file: that is quadratic)."""
    per_form: list[dict[str, list[dict[str, Any]]]] = [{} for _ in validation.results]
    for sheet in FORM_SHEETS:
        if sheet.layout != "table":
            continue
        frame = validation.frames[sheet.key]
        keys = [c.key for c in sheet.data_columns]
        for rows in per_form:
            rows[sheet.key] = []
        columns = [frame[key].tolist() for key in keys]
        for i, (n, row, ok) in enumerate(zip(frame[FORM_COL].tolist(), frame[ROW_COL].tolist(),
                                             frame[KEEP_COL].tolist(), strict=True)):
            record = {key: plain(column[i]) for key, column in zip(keys, columns, strict=True)}
            record["_row"], record["_ok"] = int(row), bool(ok)
            per_form[n][sheet.key].append(record)
    stored = []
    for result, rows in zip(validation.results, per_form, strict=True):
        if result.status == "rejected":
            rows = {}
        stored.append(Stored(status=result.status, school_code=result.school_code,
                             period=result.period, counts=dict(result.counts),
                             issues=list(result.issues),
                             title={k: plain(v) for k, v in result.title.items()}, rows=rows))
    return stored


def _file_result(s: Submission, workspace: Workspace) -> FileResult:
    stored = s.stored
    school = workspace.school(stored.school_code) if stored.school_code else None
    return FileResult(file=readable(s.path), school_code=school.code if school else
                      stored.school_code, period=stored.period, status=stored.status,
                      counts=dict(stored.counts), issues=list(stored.issues), school=school,
                      title=dict(stored.title))


def _decide(workspace: Workspace, period: str,
            submissions: list[Submission]) -> list[SchoolStatus]:
    """The newest file of a school counts; earlier ones stay on record as superseded."""
    by_school: dict[str, list[Submission]] = defaultdict(list)
    for s in submissions:
        if s.result.school is None:
            s.role = "unattributed"  # no school claims it; its problems are still shown
        else:
            by_school[s.result.school.code].append(s)
    for members in by_school.values():
        members.sort(key=lambda s: (s.seen.received, s.path.name))
        newest = members[-1]
        newest.role = "counted"
        seen_shas = {newest.seen.sha256}
        for s in reversed(members[:-1]):  # a copy of newer content is a duplicate
            s.role = "duplicate" if s.seen.sha256 in seen_shas else "superseded"
            seen_shas.add(s.seen.sha256)
    due = deadline(period, workspace.settings.deadline_day)
    statuses = []
    for school in workspace.expected(period):
        members = by_school.get(school.code, [])
        counted = next((s for s in members if s.role == "counted"), None)
        statuses.append(SchoolStatus(
            school, counted.result if counted else None,
            counted.seen.received if counted else None, due, len(members),
            min((s.seen.received for s in members), default=None)))
    return statuses


def _cross_school(submissions: list[Submission],
                  rows_of: Callable[[Submission], dict[str, list[dict[str, Any]]]]) -> None:
    """The same person in two schools' lists is a warning for both (SPEC §3).

    People are matched by a hash of their name key (a region's names are not all kept);
    the few matches across schools are confirmed on the schools' rows."""
    sheets = {MENTORS.key: MENTORS, MENTEES.key: MENTEES}
    counted = [n for n, s in enumerate(submissions)
               if s.role == "counted" and s.result.status == "accepted" and s.digest is not None]
    first: dict[int, int] = {}  # name hash -> the first file listing it
    shared: set[int] = set()  # hashes listed by two files or more: the few worth a look
    for n in counted:
        for hashed in submissions[n].digest.people:
            if first.setdefault(hashed, n) != n:
                shared.add(hashed)
    where: dict[int, dict[int, list[tuple[str, int]]]] = defaultdict(dict)
    for n in counted:
        digest = submissions[n].digest
        for hashed, place in zip(digest.people, digest.places, strict=True):
            if hashed in shared:
                where[hashed].setdefault(n, []).append(
                    (MENTEES.key if place & 1 else MENTORS.key, place >> 1))
    names: dict[int, dict[tuple[str, int], str]] = {}
    exact: dict[str, dict[int, list[tuple[Any, int, str]]]] = defaultdict(dict)
    for places in where.values():
        if len(places) < 2:
            continue
        for n, spots in places.items():
            if n not in names:
                rows = rows_of(submissions[n])
                names[n] = {(key, r["_row"]): r["full_name"] for key in sheets
                            for r in rows.get(key, []) if isinstance(r.get("full_name"), str)}
            for sheet_key, row in spots:
                name = names[n][(sheet_key, row)]
                exact[name_key(name)].setdefault(n, []).append((sheets[sheet_key], row, name))
    for places in exact.values():
        if len(places) < 2:
            continue
        # the schools are ranked once per name, and each names the first few others: a name
        # that every school of a region lists costs as much as the schools that list it
        first_few = sorted((submissions[m].result.school_code or "?", m)
                           for m in places)[:OTHER_SCHOOLS_SHOWN + 1]
        for n, spots in places.items():
            where, others = other_schools([code for code, m in first_few if m != n],
                                          len(places) - 1)
            for sheet, row, name in spots:
                submissions[n].result.issues.append(iss.make(
                    "cross-school-duplicate", sheet=sheet.name, row=row,
                    column=sheet.by_key["full_name"].header, value=name, where=where,
                    other=others))


OTHER_SCHOOLS_SHOWN = 3  # a namesake's message names this many other schools at most


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


def _pair_key(record: dict[str, Any]) -> tuple[str, str] | None:
    mentor, mentee = record.get("mentor_name"), record.get("mentee_name")
    if not isinstance(mentor, str) or not isinstance(mentee, str):
        return None
    return name_key(mentor), name_key(mentee)


def _school_changes(code: str, rows: dict[str, list[dict[str, Any]]],
                    before: dict[str, list[dict[str, Any]]] | None
                    ) -> tuple[list[Change], list[dict[str, Any]]]:
    """People and pairs added, finished and gone since the school's file of last month; and
    the pairs active then that vanished without a mark."""
    if before is None:
        return [], []
    changes: list[Change] = []
    vanished: list[dict[str, Any]] = []
    now_rows = {k: [r for r in rows.get(k, []) if r["_ok"]]
                for k in ("mentors", "mentees", "links")}
    old_rows = {k: [r for r in before.get(k, []) if r["_ok"]]
                for k in ("mentors", "mentees", "links")}
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
    now_links = {k: r for r in now_rows["links"] if (k := _pair_key(r))}
    old_links = {k: r for r in old_rows["links"] if (k := _pair_key(r))}
    for key, record in now_links.items():
        old = old_links.get(key)
        if old is None:
            changes.append(Change(code, "пара", "новая пара", LINKS.name, record, False))
        elif old["status"] == v.STATUS_ACTIVE and record["status"] != v.STATUS_ACTIVE:
            changes.append(Change(code, "пара", record["status"], LINKS.name, record, False))
    listed = {k for r in rows.get("links", []) if (k := _pair_key(r))}
    for key, record in old_links.items():
        if key in now_links or key in listed:
            continue  # a row with an error this month is reported, not vanished
        active = record["status"] == v.STATUS_ACTIVE
        changes.append(Change(code, "пара", "пропала без отметки" if active
                              else "убрана (была завершена)", LINKS.name, record, True))
        if active:
            vanished.append(record)
    return changes, vanished


def _changes(run: RunResult) -> tuple[list[Change], set[str]]:
    """The counted files' changes since last month; vanished pairs warned."""
    changes: list[Change] = []
    compared: set[str] = set()
    for s in run.submissions:
        school = s.result.school
        if s.role != "counted" or s.result.status != "accepted" or school is None \
                or s.digest is None or not s.digest.compared:
            continue
        compared.add(school.code)
        changes += s.digest.changes
        for record in s.digest.vanished:
            s.result.issues.append(iss.make(
                "pair-vanished", sheet=LINKS.name, column=LINKS.column("pair_id").header,
                value=record.get("pair_id"), previous=run.previous_period))
    changes.sort(key=lambda c: c.school_code)
    return changes, compared


def _fingerprint(workspace: Workspace, period: str, context: str, writers: str,
                 submissions: list[Submission], previous: list[tuple[str, str, str]]) -> str:
    """Everything the outputs are made of, known before any file is read: the same
    fingerprint means the same outputs."""
    from pipeline.indicators import DEFAULT_FILE, WORKSPACE_FILE

    own = workspace.root / WORKSPACE_FILE
    indicators = (own if own.is_file() else DEFAULT_FILE).read_bytes()
    settings = workspace.settings
    parts = [context, writers, period,
             hashlib.sha256(indicators).hexdigest(), settings.district, settings.region,
             settings.deadline_day,
             sorted((s.code, s.name, str(s.active_from), str(s.active_to))
                    for s in workspace.schools),
             previous,
             [(s.seen.path, s.seen.sha256, s.seen.received.isoformat()) for s in submissions]]
    return hashlib.sha256(dumps(parts).encode()).hexdigest()


def _intact(outputs: dict[str, Any]) -> bool:
    """Every output the last run wrote is still there, byte for byte."""
    return all(Path(path).is_file() and file_sha256(Path(path)) == meta["sha256"]
               for path, meta in outputs.items())


def _outputs_view(workspace: Workspace, period: str, written: dict[str, Any]) -> dict[str, Any]:
    consolidated = str(workspace.outbox / period / district_book_name(period))
    return {"consolidated": consolidated,
            "report": next((p for p, meta in written.items() if meta["kind"] == "report"), None),
            "feedback": sorted(p for p, meta in written.items() if meta["kind"] == "feedback")}


def feedback_name(result: FileResult) -> str:
    """«ОО-07 МБОУ СОШ № 7 — замечания.xlsx», or after the file for an unknown school."""
    if result.school is not None:
        stem = f"{result.school.code} {result.school.short_name}"
    else:
        stem = Path(result.file).stem
    safe = "".join(ch if ch not in '\\/:*?"<>|' and ord(ch) >= 32 else " " for ch in stem)
    return f"{' '.join(safe.split())[:90]} — замечания.xlsx"


def _write_outputs(workspace: Workspace, run: RunResult, before: dict[str, Any],
                   ledger: Ledger | None = None, workers: Any = None) -> dict[str, Any]:
    """The district workbook and the schools' feedback; unchanged feedback is not rewritten."""
    from pipeline.district import write_district_workbook
    from pipeline.report import report_from_run, report_path, write_report_workbook
    from pipeline.workbooks import atomic_path
    from pipeline.workers import write_feedbacks

    written: dict[str, Any] = {}
    folder = workspace.outbox / run.period / FEEDBACK_DIR
    jobs = []
    for s in run.submissions:
        if s.role not in ("counted", "unattributed") or not s.result.issues:
            continue
        path = folder / feedback_name(s.result)
        key = hashlib.sha256(dumps([s.seen.sha256, [i.message for i in s.result.issues],
                                    s.seen.received.isoformat()]).encode()).hexdigest()
        old = before.get(str(path))
        if not (old and old.get("key") == key and file_sha256(path) == old["sha256"]):
            jobs.append((s.path, s.form, s.result, path, s.seen.received,
                         s.stored.processed or dt.datetime.now().replace(microsecond=0)))
        written[str(path)] = {"kind": "feedback", "key": key}

    settings = workspace.settings
    path = workspace.outbox / run.period / district_book_name(run.period)
    report = report_path(workspace, run.period)
    # the district's outputs are staged, and put in place only once every feedback file is
    # written: a run that fails keeps the last outputs
    with atomic_path(path) as staged, atomic_path(report) as staged_report:
        report_data = report_from_run(workspace, run)
        # a worker writes the report while this process writes the district workbook (the
        # feedback waits behind it)
        # pickled here, before this process gets busy: the pool's feeder thread would
        # otherwise pickle it while the district workbook holds the interpreter
        report_job = workers.submit(_report_job, pickle.dumps(report_data, protocol=5),
                                    staged_report) if workers else None

        def district_outputs() -> dict[str, Any]:
            write_district_workbook(staged, workspace, run, cache=ledger)
            if not _done(report_job):  # no worker could take it
                write_report_workbook(report_data, staged_report)
            return {str(path): {"kind": "consolidated", "sha256": file_sha256(staged)},
                    str(report): {"kind": "report", "sha256": file_sha256(staged_report)}}

        try:
            district = write_feedbacks(jobs, limits={"max_file_mb": settings.max_file_mb,
                                                     "max_unpacked_mb": settings.max_unpacked_mb},
                                       workers=workers, meanwhile=district_outputs)
        except BaseException:
            if report_job is not None:  # let it finish, so that its file is cleaned up too
                concurrent.futures.wait([report_job])
            raise
    for path, meta in written.items():
        meta["sha256"] = file_sha256(Path(path))
    if folder.is_dir():
        for old in folder.glob("*.xlsx"):
            if str(old) not in written:
                old.unlink()  # a school that fixed everything must not find old remarks
    return written | district


def _report_job(data: bytes, path: Path) -> Path:
    from pipeline.report import write_report_workbook

    return write_report_workbook(pickle.loads(data), path)


def _done(job: Any) -> bool:
    """Whether a worker did `job` (a Future, or None when none took it); its error if any."""
    from concurrent.futures.process import BrokenProcessPool

    if job is None:
        return False
    try:
        job.result()
    except BrokenProcessPool:
        return False
    return True


def _summary(run: RunResult) -> dict[str, Any]:
    data = run.as_json()
    return {k: data[k] for k in ("expected", "received", "accepted", "rejected", "missing",
                                 "late")} | {"form_version": FORM_VERSION}
