"""One period of one district, read in order: inbox files → checked results in the ledger →
district outputs. `_run` is the whole of it, a stage a line:

1. `find_files` — the month's inbox files, hashed and seen by the ledger;
2. `check_files` — each file's result: from the ledger when its content was checked under
   the same rules (pipeline.engine.keys), else preflighted, read and validated now
   (pipeline.check, in the worker processes); every accepted file is digested as it comes
   (pipeline.engine.digests) and its rows let go;
3. `choose_counted`, `school_standings` — the newest file of a school counts; its standing;
4. `district_rules` — what only the whole district shows (pipeline.rules.district);
5. `write_outputs` — the district workbook, the ministry report, the schools' feedback;
6. `record` — the run in the ledger.

The run is incremental and idempotent: a content checked once is not read again, and when
nothing differs from the last finished run (`keys.fingerprint`), nothing is rewritten.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import gc
import hashlib
import pickle
from array import array
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline import issues as iss
from pipeline.approval import (
    Approval,
    Correction,
    approval,
    approved_figures,
    corrections,
    with_state,
)
from pipeline.district import LISTS, consenting, render_lists, write_district_workbook
from pipeline.engine import keys
from pipeline.engine.digests import Digests
from pipeline.engine.rendered import Renderer
from pipeline.engine.workers import Workers, frozen
from pipeline.indicators import indicators_file, load_indicators
from pipeline.ledger import (
    Ledger,
    Seen,
    Stored,
    Takeover,
    dumps,
    file_sha256,
    hold_workspace,
    pack_digest,
    pack_rows,
    unpack_rows,
    unpack_title_and_rows,
)
from pipeline.paths import link_outside, readable, readable_name, space_told
from pipeline.read import Form
from pipeline.report import (
    Figures,
    report_from_run,
    report_path,
    school_figures,
    write_report_workbook,
)
from pipeline.rules import DistrictFacts, DistrictFile, check_district, issue_at
from pipeline.rules.district import Change, history_compared, school_changes
from pipeline.standing import VOIDED, Standing, decide
from pipeline.validate import FileResult, Validation
from pipeline.values import name_hash
from pipeline.workbooks import atomic_path, plain
from pipeline.workspace import School, Settings, Workspace, deadline, previous_period
from schemas.columns import (
    FORM_COL,
    FORM_SHEETS,
    FORM_VERSION,
    KEEP_COL,
    MENTEES,
    MENTORS,
    PROP_VERSION,
    ROW_COL,
)
from schemas.outputs import FEEDBACK_FOLDER, district_book_name


@dataclass
class Submission:
    """One inbox file in this run: what the ledger knows of it and its result."""
    path: Path
    seen: Seen
    stored: Stored | None = None
    form: Form | None = None  # its layout, when read in this run and it has issues
    result: FileResult | None = None
    role: str = "counted"  # counted, superseded, duplicate, unattributed, voided
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
    history: dict[str, list[int | None]]  # its numbers and last month's (rules.district)


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
    approval: Approval | None = None  # the month's sign-off
    corrections: list[Correction] = field(default_factory=list)  # since the latest approval
    voids: list[dict[str, Any]] = field(default_factory=list)  # of the files set aside
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

    def _voided(self) -> list[tuple[int, dict[str, Any]]]:
        """(index, void) of each file set aside."""
        by_file = {v["file_id"]: v for v in self.voids}
        return [(n, by_file.get(s.seen.id, {})) for n, s in enumerate(self.submissions)
                if s.role == "voided"]

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
            "approval": self.approval.as_json() if self.approval else None,
            "corrections_after_approval": [c.as_json() for c in self.corrections],
            "files": [r.as_json() for r in results],
            "voided": [{"file": results[n].file, "school_code": results[n].school_code,
                        "status": VOIDED} | _void_json(void)
                       for n, void in self._voided()],
            "outputs": dict(self.outputs),
        }


def run_period(workspace: Workspace, period: str, *,
               on_file: Callable[[Path], None] | None = None,
               on_takeover: Callable[[Takeover], None] | None = None, caches: bool = True
               ) -> RunResult:
    """The monthly consolidation of `period` (YYYY-MM) for the workspace's district.
    `on_takeover` is told when the lock was taken over from a run that was killed;
    `caches` off: nothing is taken from earlier runs (the outputs are the same)."""
    # what exists before the run (modules, the caller's objects) lives through it: the cycle
    # collector's full collections need not walk it again and again
    with space_told(workspace.root, period), \
            hold_workspace(workspace.root, f"свод за {period}", on_takeover), \
            Ledger.open(workspace.state_dir) as ledger, Workers() as workers, frozen():
        return _run(workspace, period, ledger, workers, on_file, caches)


def _run(workspace: Workspace, period: str, ledger: Ledger, workers: Any,
         on_file: Callable[[Path], None] | None, caches: bool) -> RunResult:
    """A month's run, stage by stage; each takes data and hands data on."""
    context, digest_key = keys.run_keys(workspace, indicators_file(workspace.root).read_bytes(),
                                        caches=caches)
    run_id = ledger.start_run(period, __version__, context)
    submissions = find_files(workspace, period, ledger)
    signoff = approval(ledger, period)
    voided = ledger.voided(period)
    fingerprint = with_state(keys.fingerprint(workspace, period, digest_key,
                                              [s.seen for s in submissions],
                                              ledger.accepted_files(previous_period(period)),
                                              voided),
                             signoff)
    last = ledger.last_run(period)
    if last and last["fingerprint"] == fingerprint and keys.intact(last["outputs"]):
        return _unchanged(workspace, period, ledger, run_id, last, submissions, fingerprint,
                          context, on_file, signoff, voided)

    rows_of = check_files(workspace, period, submissions, ledger, workers, on_file, context,
                          digest_key)  # preflight, read, validate; digest what is accepted
    choose_counted(submissions, voided)
    run = RunResult(period, workspace.expected(period), submissions,
                    school_standings(workspace, period, submissions),
                    deadline(period, workspace.settings.deadline_day), previous_period(period),
                    render_key=context, rows_of=rows_of, approval=signoff,
                    voids=_voids(ledger, period, voided))
    district_rules(run, workspace.settings)
    run.corrections = since_approval(run)
    written = write_outputs(workspace, run, last["outputs"] if last else {}, ledger, workers)
    run.outputs = _outputs_view(workspace, period, written)
    record(ledger, run_id, run, "done", fingerprint, written, context)
    return run


# --- 1. find the month's files -------------------------------------------------------------
def find_files(workspace: Workspace, period: str, ledger: Ledger) -> list[Submission]:
    """The month's inbox files, each hashed and seen by the ledger (received when first seen)."""
    paths = workspace.inbox_files(period)
    folder = _relative(workspace.root.resolve(), (workspace.inbox / period).resolve())
    # resolved once: resolving costs a system call per part of a path, for a thousand files
    seen = ledger.see([(f"{folder}/{readable_name(path.name)}", *_facts(path))
                       for path in paths], period)
    return [Submission(path, s) for path, s in zip(paths, seen, strict=True)]


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


def _relative(root: Path, path: Path) -> str:
    """The resolved `path` as recorded: relative to the workspace's resolved `root` when
    inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- nothing new since the last run: answer from it -------------------------------------------
def _unchanged(workspace: Workspace, period: str, ledger: Ledger, run_id: int,
               last: dict[str, Any], submissions: list[Submission], fingerprint: str,
               context: str, on_file: Callable[[Path], None] | None,
               signoff: Approval, voided: set[int]) -> RunResult:
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
    choose_counted(submissions, voided)
    run = RunResult(period, workspace.expected(period), submissions,
                    school_standings(workspace, period, submissions),
                    deadline(period, workspace.settings.deadline_day), previous_period(period),
                    unchanged=True, approval=signoff, voids=_voids(ledger, period, voided),
                    corrections=[Correction.from_json(c) for c in
                                 last["summary"].get("corrections_after_approval", [])])
    run.outputs = _outputs_view(workspace, period, last["outputs"])
    record(ledger, run_id, run, "unchanged", fingerprint, last["outputs"], context)
    return run


# --- 2. preflight, read and validate; digest what is accepted --------------------------------
def check_files(workspace: Workspace, period: str, submissions: list[Submission],
                ledger: Ledger, workers: Any, on_file: Callable[[Path], None] | None,
                context: str, digest_key: str
                ) -> Callable[[Submission], dict[str, list[dict[str, Any]]]]:
    """Every file's result: from the ledger when its content was checked under the same
    rules, else preflighted, read and validated now (in the workers). Each accepted file is
    digested as it comes and its rows let go; returns how to get a file's rows back."""
    known = ledger.results([s.seen.sha256 for s in submissions], period, context)
    for s in submissions:  # a copy each: two files may have the same content
        s.stored = replace(known[s.seen.sha256]) if s.seen.sha256 in known else None
    unread = [s for s in submissions if s.stored is None]
    digests = _digests(workspace, period, ledger, context, digest_key, workers)
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
    for start, validation in batches or ():
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
    return digests.rows_of


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


def _digests(workspace: Workspace, period: str, ledger: Ledger, context: str,
             digest_key: str, workers: Any) -> Digests:
    """What digests the run's accepted files (made before the workers are forked: they
    inherit what digesting needs, imported with this module)."""
    renderer = Renderer(ledger, period, context, workspace.secret(), render_lists, len(LISTS))
    return Digests(workspace, period, previous_period(period), ledger, context, digest_key,
                   renderer,
                   load_indicators(workspace.root), _digest_job, _use_digest, workers)


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
    if rows is None:
        rows = unpack_rows(packed) if packed is not None else {}
    rendered = render_lists(school, rows, secret, source) if render else []
    people = [(name_hash(name), record["_row"] * 2 + (sheet is MENTEES))
              for sheet in (MENTORS, MENTEES) for record in rows.get(sheet.key, [])
              if record["_ok"] and isinstance(name := record.get("full_name"), str)]
    consented = [name_hash(name) for sheet in (MENTORS, MENTEES)
                 for name in consenting(rows.get(sheet.key, []))]
    last_title, last_month = unpack_title_and_rows(before) if before is not None else (None,
                                                                                      None)
    changes, vanished = school_changes(school.code, rows, last_month)
    stored = Stored(status="accepted", school_code=school.code, period=own_period, counts={},
                    issues=[], title=title, rows=rows)
    data = {"people": base64.b64encode(array("q", [h for h, _ in people])).decode(),
            "places": base64.b64encode(array("i", [p for _, p in people])).decode(),
            "consented": base64.b64encode(array("q", consented)).decode(),
            "figures": school_figures(indicators, stored, period).as_json(),
            "changes": [[c.school_code, c.what, c.change, c.sheet, c.record, c.previous]
                        for c in changes],
            "vanished": vanished, "compared": before is not None,
            "history": history_compared(title, rows, last_title, last_month)}
    return (data, pack_digest(data), rendered,
            pack_rows(stored) if store else None)


def _use_digest(s: Submission, data: dict[str, Any]) -> None:
    # people are kept as arrays: a region has half a million of them
    s.digest = Digest(_array("q", data["people"]), _array("i", data["places"]),
                      _array("q", data["consented"]), _figures(data["figures"]),
                      [Change(*c) for c in data["changes"]], data["vanished"],
                      data["compared"], data["history"])


def _array(kind: str, text: str) -> array[int]:
    numbers = array(kind)
    numbers.frombytes(base64.b64decode(text))
    return numbers


def _figures(data: dict[str, Any]) -> Any:
    return Figures.from_json(data)


# --- 3. decide which file counts, and each school's standing ----------------------------------
def choose_counted(submissions: list[Submission], voided: set[int] = frozenset()) -> None:
    """The newest file of a school counts; earlier ones stay on record as superseded, or as
    duplicates of newer content; a file no school claims is unattributed. A file the district
    set aside (`voided`: ledger file ids) is voided and counts for nothing: the school's
    previous file counts again, or it has none."""
    by_school: dict[str, list[Submission]] = defaultdict(list)
    for s in submissions:
        if s.seen.id in voided:
            s.role = "voided"
        elif s.result.school is None:
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


def school_standings(workspace: Workspace, period: str,
            submissions: list[Submission]) -> list[SchoolStatus]:
    """Each expected school's standing: the file that counts, when it and the school's first
    file came (a file set aside is not a report: it does not make the school on time); its
    status is decided from them once the district's issues are in."""
    by_school: dict[str, list[Submission]] = defaultdict(list)
    for s in submissions:
        if s.result.school is not None:
            by_school[s.result.school.code].append(s)
    due = deadline(period, workspace.settings.deadline_day)
    statuses = []
    for school in workspace.expected(period):
        members = by_school.get(school.code, [])
        counted = next((s for s in members if s.role == "counted"), None)
        statuses.append(SchoolStatus(
            school, counted.result if counted else None,
            counted.seen.received if counted else None, due, len(members),
            min((s.seen.received for s in members if s.role != "voided"), default=None)))
    return statuses


def _voids(ledger: Ledger, period: str, voided: set[int]) -> list[dict[str, Any]]:
    """The month's voids in force: who set each file aside, when, why."""
    return [v for v in ledger.voids(period=period) if v["file_id"] in voided
            and v["undone_at"] is None] if voided else []


def _void_json(void: dict[str, Any]) -> dict[str, Any]:
    return {"reason": void.get("reason"), "by": void.get("by"),
            "at": void["at"].isoformat() if void.get("at") else None}


# --- 4. the district's rules ------------------------------------------------------------------
def district_rules(run: RunResult, settings: Settings) -> None:
    """The district rules (pipeline/rules: the same person in two schools, a pair of last
    month gone without a mark, a number changed beyond the `[history]` thresholds) over the
    counted accepted files, their issues added to the files' results; and the files'
    changes since last month."""
    counted = [s for s in run.submissions if s.role == "counted"
               and s.result.status == "accepted" and s.digest is not None]
    files = [DistrictFile(s.result.school_code, s.digest.people, s.digest.places,
                          s.digest.vanished, partial(run.rows_of, s), s.digest.history)
             for s in counted]

    def add(code: str, n: int, sheet: Any, row: int | None, column_key: str | None,
            value: Any = None, **params: Any) -> None:
        counted[n].result.issues.append(issue_at(code, sheet, row, column_key, value, **params))

    check_district(DistrictFacts(files, run.previous_period, run.period,
                                 settings.history_max_change, settings.history_min_change),
                   add)
    compared = [s for s in counted if s.digest.compared]
    run.changes = sorted((c for s in compared for c in s.digest.changes),
                         key=lambda c: c.school_code)
    run.compared = {s.result.school.code for s in compared}


def since_approval(run: RunResult) -> list[Correction]:
    """The schools whose file that counts is not the one the month's latest approval took,
    with their figures then and now (none while the month was never approved)."""
    if run.approval is None or run.approval.approved is None:
        return []
    counted = {id(s.result): s for s in run.submissions if s.role == "counted"}
    now, received = {}, {}
    for st in run.statuses:
        s = counted.get(id(st.result)) if st.result is not None else None
        figures = s.digest.figures.counts if s and s.digest and st.standing.accepted else None
        now[st.school.code] = approved_figures(s.seen.sha256 if s else None, st.status_ru,
                                               figures)
        received[st.school.code] = st.received
    return corrections(run.approval, now, received)


# --- 5. write the outputs ---------------------------------------------------------------------
def write_outputs(workspace: Workspace, run: RunResult, before: dict[str, Any],
                   ledger: Ledger | None = None, workers: Any = None) -> dict[str, Any]:
    """The district workbook and the schools' feedback; unchanged feedback is not rewritten.
    A month approved and locked keeps its district workbook and report as approved: only the
    feedback is written."""
    from pipeline.feedback import write_feedbacks

    written: dict[str, Any] = {}
    folder = workspace.outbox / run.period / FEEDBACK_FOLDER
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
    locked = run.approval is not None and run.approval.locked
    if locked:  # the approved district workbook and report stay as they were approved
        district = {p: meta for p, meta in run.approval.approved.outputs.items()
                    if meta["kind"] in ("consolidated", "report", "note")}
        write_feedbacks(jobs, limits={"max_file_mb": settings.max_file_mb,
                                      "max_unpacked_mb": settings.max_unpacked_mb},
                        workers=workers)
    else:
        district = _district_outputs(workspace, run, jobs, ledger, workers)
    for path, meta in written.items():
        meta["sha256"] = file_sha256(Path(path))
    if folder.is_dir():
        for old in folder.glob("*.xlsx"):
            if str(old) not in written:
                old.unlink()  # a school that fixed everything must not find old remarks
    return written | district


def _district_outputs(workspace: Workspace, run: RunResult, jobs: list[Any],
                      ledger: Ledger | None, workers: Any) -> dict[str, Any]:
    """The district workbook and the ministry report, written while the feedback is."""
    from pipeline.feedback import write_feedbacks

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
            return write_feedbacks(jobs, limits={"max_file_mb": settings.max_file_mb,
                                                     "max_unpacked_mb": settings.max_unpacked_mb},
                                       workers=workers, meanwhile=district_outputs)
        except BaseException:
            if report_job is not None:  # let it finish, so that its file is cleaned up too
                concurrent.futures.wait([report_job])
            raise


def feedback_name(result: FileResult) -> str:
    """«ОО-07 МБОУ СОШ № 7 — замечания.xlsx», or after the file for an unknown school."""
    if result.school is not None:
        stem = f"{result.school.code} {result.school.short_name}"
    else:
        stem = Path(result.file).stem
    safe = "".join(ch if ch not in '\\/:*?"<>|' and ord(ch) >= 32 else " " for ch in stem)
    return f"{' '.join(safe.split())[:90]} — замечания.xlsx"


def _report_job(data: bytes, path: Path) -> Path:
    return write_report_workbook(pickle.loads(data), path)


def _done(job: Any) -> bool:
    """Whether a worker did `job` (a Future, or None when none took it); its error if any."""
    if job is None:
        return False
    try:
        job.result()
    except BrokenProcessPool:
        return False
    return True


def _outputs_view(workspace: Workspace, period: str, written: dict[str, Any]) -> dict[str, Any]:
    consolidated = str(workspace.outbox / period / district_book_name(period))
    return {"consolidated": consolidated,
            "report": next((p for p, meta in written.items() if meta["kind"] == "report"), None),
            "feedback": sorted(p for p, meta in written.items() if meta["kind"] == "feedback")}


# --- 6. record the run ------------------------------------------------------------------------
def record(ledger: Ledger, run_id: int, run: RunResult, outcome: str, fingerprint: str,
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
        # a locked month keeps the files it was approved with: next month compares with them
        accepted=None if run.approval is not None and run.approval.locked else
        [(s.result.school.code, s.seen.sha256) for s in run.submissions
         if s.role == "counted" and s.result.school and s.result.status == "accepted"],
        period=run.period, context=context)


def ledger_issue(issue: iss.Issue) -> dict[str, Any]:
    return {"code": issue.code, "sheet": issue.sheet, "row": issue.row, "column": issue.column,
            "value": issue.value, "problem": issue.problem, "fix": issue.fix}


def _summary(run: RunResult) -> dict[str, Any]:
    data = run.as_json()
    return {k: data[k] for k in ("expected", "received", "accepted", "rejected", "missing",
                                 "late", "approval", "corrections_after_approval")} \
        | {"form_version": FORM_VERSION}
