"""Digests of accepted files, made as the files come and kept in the ledger.

A digest is what the outputs need of an accepted file once its rows are let go (a region's
rows are never all in memory): its people, figures and changes, and its lists rendered for
the district workbook. What a digest holds is the run's business (`job`, `use`); this module
makes them in the worker processes while the run goes on, keeps them in the ledger under
`pipeline.engine.keys`' key, and takes them from there when the file is seen again."""

from __future__ import annotations

import concurrent.futures
import hashlib
from collections import deque
from collections.abc import Callable
from typing import Any

from pipeline import __version__
from pipeline.ledger import Ledger, Stored, dumps, pack_rows, unpack_digest
from pipeline.paths import readable_name


class Digests:
    """Digests accepted files as they come (read now or from the ledger): their lists
    rendered into the ledger's cache, their people, figures and changes kept, their rows
    let go. A digest is kept in the ledger too: the month's next run takes an unchanged
    file's digest from there without unpacking its rows. A digest is made by a worker
    (`job`) while this process goes on with the next files; the results checked in
    this run are stored with their digests, their rows packed by the same worker."""

    def __init__(self, workspace: Any, period: str, before: str, ledger: Ledger, context: str,
                 digest_key: str, renderer: Any, indicators: Any, job: Callable[..., Any],
                 use: Callable[[Any, dict[str, Any]], None], workers: Any = None) -> None:
        """`job(*task)`: makes a file's digest (a module's function: a worker is sent it);
        `use(submission, data)`: gives the digest to the run; `renderer`: the cache of
        rendered rows (pipeline.engine.rendered.Renderer); `before`: last month, whose accepted
        files the digests compare with; `workspace` gives the school of a code."""
        self.workspace, self.period, self.ledger, self.context = (workspace, period, ledger,
                                                                  context)
        self.renderer, self.indicators, self.job, self.use = renderer, indicators, job, use
        self.key = hashlib.sha256(digest_key.encode())
        self.before = before
        self.previous = {code: (sha, ctx) for code, sha, ctx in
                         ledger.accepted_files(self.before)}
        self.fresh: dict[str, Any] = {}
        self.used: set[str] = set()
        self.kept = ledger.packed_digests(period)  # 1–2 KB a school
        self.workers = workers
        self.pending: deque[tuple[Any, str, tuple[Any, ...], Any, str | None]] = deque()
        self.unstored: list[tuple[str, Stored, str | None, bytes]] = []  # results to store

    def add(self, s: Any, *, unstored: str | None = None) -> None:
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
                self.use(s, unpack_digest(packed))
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
        future = self.workers.submit(self.job, *task) if self.workers else None
        stored.rows = {}  # in the ledger; `rows_of` brings them back when needed
        if future is None:  # no worker can take it
            self._complete(s, key, task, None, unstored)
            return
        self.pending.append((s, key, task, future, unstored))
        if len(self.pending) > _PENDING_DIGESTS:
            self._complete(*self.pending.popleft())

    def _complete(self, s: Any, key: str, task: tuple[Any, ...],
                  future: concurrent.futures.Future[Any] | None, unstored: str | None) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            done = future.result() if future is not None else self.job(*task)
        except (BrokenProcessPool, concurrent.futures.CancelledError):
            done = self.job(*task)  # a file's reader took the pool down
        data, packed, rendered, rows = done
        if unstored is not None:
            self._store(s, unstored, rows)
        if rendered:
            self.renderer.put(self.renderer.keys(s.seen.sha256, task[3], task[-1]), rendered)
        self.fresh[key] = packed
        if len(self.fresh) >= 64:
            self.ledger.keep_digests(self.period, self.fresh)
            self.fresh = {}
        self.use(s, data)

    def _store(self, s: Any, version: str, rows: bytes | None) -> None:
        self.unstored.append((s.seen.sha256, s.stored, version or None,
                              rows if rows is not None else pack_rows(s.stored)))
        if len(self.unstored) >= 64:
            self._flush_stored()

    def _flush_stored(self) -> None:
        self.ledger.store(self.unstored, self.period, self.context, __version__)
        self.unstored = []

    def finish(self) -> None:
        while self.pending:
            self._complete(*self.pending.popleft())
        self._flush_stored()
        self.kept = {}
        self.renderer.flush()
        self.ledger.keep_digests(self.period, self.fresh)
        self.ledger.forget_digests(self.period, self.used)
        self.fresh = {}

    def rows_of(self, s: Any) -> dict[str, list[dict[str, Any]]]:
        if s.stored.rows or s.stored.status != "accepted":
            return s.stored.rows
        again = self.ledger.result(s.seen.sha256, self.period, self.context)
        return again.rows if again else {}


_PENDING_DIGESTS = 256  # files whose digest a worker is making, at most (their rows wait)


