"""The district's memory: an SQLite store in the workspace's `.nastavnik/` folder.

It records every file ever seen (path, size, SHA-256, when received), the result of checking
each distinct content under each set of rules, every run (when, with which versions, what it
counted, what it wrote), and per school and month the file whose rows were accepted.
Nothing of that record is ever deleted: a resubmitted file supersedes the earlier one but both
stay. Two tables are caches, not records (`rendered`, `digests`): what a run derived from an
accepted file's rows, kept for the month's next run and pruned by it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import UserError, out_of_space
from pipeline.issues import Issue
from pipeline.paths import STATE_DIR, clean_staging

LEDGER_FILE = "ledger.sqlite"
LOCK_FILE = "run.lock"

# Each entry brings the schema from the previous version to its own; never edit a released
# entry, add a new one.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,            -- relative to the workspace
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        period TEXT NOT NULL,
        received TEXT NOT NULL,        -- the file's modification time when first seen
        first_seen TEXT NOT NULL,      -- when nastavnik first saw it
        UNIQUE (path, sha256)
    );
    CREATE TABLE results (
        sha256 TEXT NOT NULL,
        period TEXT NOT NULL,
        context TEXT NOT NULL,         -- digest of rules, settings and registry
        processed TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        form_version TEXT,
        status TEXT NOT NULL,
        school_code TEXT,
        counts TEXT NOT NULL,          -- JSON
        issues TEXT NOT NULL,          -- JSON
        data BLOB NOT NULL,            -- zlib(JSON): «Титул» values and every row with its fate
        PRIMARY KEY (sha256, period, context)
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        outcome TEXT,                  -- NULL while running or after a crash; done; unchanged;
                                       -- interrupted (found so by the next holder, schema 5)
        tool_version TEXT NOT NULL,
        context TEXT NOT NULL,
        fingerprint TEXT,
        summary TEXT,                  -- JSON: expected, received, accepted, rejected, missing
        outputs TEXT                   -- JSON: path -> SHA-256 of what was written
    );
    CREATE TABLE run_files (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        file_id INTEGER NOT NULL REFERENCES files(id),
        role TEXT NOT NULL,            -- counted, superseded, duplicate, unattributed
                                       -- (voided: set aside, schema 7)
        status TEXT NOT NULL,
        school_code TEXT,
        PRIMARY KEY (run_id, file_id)
    );
    CREATE TABLE accepted (
        period TEXT NOT NULL,
        school_code TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        context TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        PRIMARY KEY (period, school_code)
    );
    CREATE INDEX files_period ON files(period);
    CREATE INDEX run_files_school ON run_files(school_code);
    """,
}
MIGRATIONS[2] = """
    -- a run's inputs fingerprint, so an unchanged run is known before any result is loaded
    ALTER TABLE runs ADD COLUMN inputs TEXT;
    -- each file's final result in that run (with the district-level issues), as JSON
    ALTER TABLE run_files ADD COLUMN result TEXT;
"""
MIGRATIONS[3] = """
    -- a cache, not a record: a school's lists as the district workbook renders them
    -- (pipeline/district.py), kept for the month's next run; may be emptied at any time
    CREATE TABLE rendered (
        key TEXT PRIMARY KEY,          -- digest of the file, the school and the renderer,
                                       -- and which list
        period TEXT NOT NULL,
        rows INTEGER NOT NULL,
        data BLOB NOT NULL             -- the rows deflated (pipeline.engine.sheetxml.segment)
    );
    CREATE INDEX rendered_period ON rendered(period);
"""
MIGRATIONS[4] = """
    -- «Титул» values and period without the rows, JSON: a run that needs no rows reads this
    ALTER TABLE results ADD COLUMN head TEXT;
    -- a cache, not a record: what a run takes of an accepted file's rows (its people,
    -- report figures, changes since last month); may be emptied at any time
    CREATE TABLE digests (
        key TEXT PRIMARY KEY,          -- digest of the file, the school, the rules, the
                                       -- indicators and last month's file
        period TEXT NOT NULL,
        data BLOB NOT NULL             -- zlib(JSON)
    );
    CREATE INDEX digests_period ON digests(period);
"""
MIGRATIONS[5] = """
    -- a lock taken over from a holder that was gone (a killed run): who it was, since when
    -- (the lock's text), who took it over and when, how many leftovers were cleaned
    CREATE TABLE takeovers (
        id INTEGER PRIMARY KEY,
        taken TEXT NOT NULL,
        holder TEXT NOT NULL,
        taken_by TEXT NOT NULL,
        cleaned INTEGER NOT NULL
    );
"""
MIGRATIONS[6] = """
    -- a month's sign-off: each approval (a new version, with the SHA-256 of every output
    -- and each school's figures as approved) and each reopening (with its reason)
    CREATE TABLE signoffs (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        action TEXT NOT NULL,          -- approve, reopen
        version INTEGER NOT NULL,      -- the approval this approves or reopens
        at TEXT NOT NULL,
        by TEXT NOT NULL,              -- who: as given, or the system account
        reason TEXT,                   -- why it was reopened
        run_id INTEGER REFERENCES runs(id),  -- the run approved
        outputs TEXT,                  -- JSON: path -> {kind, sha256}
        schools TEXT                   -- JSON: school code -> its figures as approved
    );
    CREATE INDEX signoffs_period ON signoffs(period);
"""
MIGRATIONS[7] = """
    -- a file set aside by the district (`nastavnik void`): it stays in inbox/ and on record,
    -- but no run counts it; undone (`nastavnik unvoid`), with who, when and why, it counts
    -- again. A file voided again after that has a new row.
    CREATE TABLE voids (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id),
        path TEXT NOT NULL,            -- the file's, as `files` has it
        sha256 TEXT NOT NULL,
        period TEXT NOT NULL,
        school_code TEXT,              -- as the last run that saw the file found it
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        reason TEXT NOT NULL,
        undone_at TEXT,
        undone_by TEXT,
        undone_reason TEXT
    );
    CREATE INDEX voids_period ON voids(period);
"""
MIGRATIONS[8] = """
    -- the office mailbox (issue 20): each message `mail fetch` took, once (by the folder's
    -- UIDVALIDITY and UID, and by Message-ID), with what it saved from it
    CREATE TABLE mail_fetched (
        id INTEGER PRIMARY KEY,
        mailbox TEXT NOT NULL,         -- user@host/folder
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        message_id TEXT,
        sender TEXT NOT NULL,
        subject TEXT NOT NULL,
        sent TEXT,                     -- the message's Date, local time
        fetched TEXT NOT NULL,
        saved TEXT NOT NULL,           -- JSON: [{path, sha256, period, school_code}]
        UNIQUE (mailbox, uidvalidity, uid)
    );
    CREATE INDEX mail_fetched_message ON mail_fetched(message_id);
    -- each message `mail send` sent or tried to send: a second send sends only what is new,
    -- a failed one is tried again
    CREATE TABLE mail_sent (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        school_code TEXT NOT NULL,
        kind TEXT NOT NULL,            -- feedback, accepted, reminder-before, reminder-after,
                                       -- template
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        sha256 TEXT NOT NULL,          -- of the attached file, or of the text when none
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,         -- sent, failed
        error TEXT,                    -- why it failed, Russian
        message_id TEXT
    );
    CREATE INDEX mail_sent_period ON mail_sent(period, school_code);
"""
SCHEMA_VERSION = max(MIGRATIONS)
_BATCH = 500  # parameters per IN (...) query, under SQLite's limit


class LedgerError(UserError):
    """The store cannot be used; the message is Russian and says what to do."""


class LockedError(LedgerError):
    """Another run holds the workspace."""


@dataclass(frozen=True)
class Seen:
    id: int
    path: str
    sha256: str
    size: int
    received: dt.datetime
    new: bool  # first sighting of this path with this content


@dataclass
class Stored:
    """A checked file's result as the ledger keeps it (enough to consolidate without it)."""
    status: str
    school_code: str | None
    period: str | None
    counts: dict[str, int]
    issues: list[Issue]
    title: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]  # sheet key -> records with "_row" and "_ok"
    processed: dt.datetime | None = None


def unpack_rows(packed: bytes) -> dict[str, list[dict[str, Any]]]:
    """The rows of `Ledger.packed_rows`."""
    return loads(zlib.decompress(packed)).get("rows", {})


def unpack_title_and_rows(packed: bytes) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The «Титул» values and the rows of `Ledger.packed_rows`."""
    data = loads(zlib.decompress(packed))
    return data.get("title", {}), data.get("rows", {})


def _stored(row: Any, rows: bool) -> Stored:
    """A Stored from a row of `Ledger._RESULT`."""
    data = loads(zlib.decompress(row[6])) if rows else loads(row[4])
    return Stored(status=row[0], school_code=row[1], period=data.get("period"),
                  counts=loads(row[2]), issues=[Issue(**i) for i in loads(row[3])],
                  title=data["title"], rows=data.get("rows", {}),
                  processed=dt.datetime.fromisoformat(row[5]))


# --- JSON with dates ------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    raise TypeError(type(value).__name__)


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$d" in obj:
            return dt.date.fromisoformat(obj["$d"])
        if "$dt" in obj:
            return dt.datetime.fromisoformat(obj["$dt"])
    return obj


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_encode, sort_keys=True)


def loads(text: str | bytes) -> Any:
    return json.loads(text, object_hook=_decode)


def pack_digest(data: Any) -> bytes:
    """A file's digest as the ledger keeps it (`unpack_digest`)."""
    return zlib.compress(dumps(data).encode(), 1)


def unpack_digest(data: bytes) -> Any:
    return loads(zlib.decompress(data))


def pack_rows(stored: Stored) -> bytes:
    """A checked file's title, rows and period as the ledger keeps them (`unpack_rows`)."""
    return zlib.compress(dumps({"title": stored.title, "rows": stored.rows,
                                "period": stored.period}).encode(), 1)


def _issue_json(issue: Issue) -> dict[str, Any]:
    return {"code": issue.code, "sheet": issue.sheet, "row": issue.row, "column": issue.column,
            "value": issue.value, "problem": issue.problem, "fix": issue.fix}


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, read in blocks; None when it cannot be read."""
    try:
        digest = hashlib.sha256()
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a migration script, each whole (sqlite3.complete_statement)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


# --- the store ------------------------------------------------------------------------------


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._write_ahead()
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            if out_of_space(exc):  # intact, only full: restoring it would lose history
                raise
            raise LedgerError(f"{path}: база nastavnik повреждена или недоступна ({exc}) — "
                              "восстановите папку .nastavnik из резервной копии") from exc
        self.path = path

    @classmethod
    def open(cls, state_dir: Path) -> Ledger:
        return cls(Path(state_dir) / LEDGER_FILE)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write_ahead(self) -> None:
        """WAL mode (kept in the file once set). A new file being switched by another
        connection at the same moment answers «locked» at once, without SQLite's busy wait:
        wait here instead, as long as the connection's own timeout."""
        for attempt in range(600):
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 599:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        if self._too_new() == SCHEMA_VERSION:
            return
        # The version is read again holding the write lock: two commands opening a new ledger
        # at once (the page and a `status`, a run and a `mail fetch`) must not both migrate.
        # Statement by statement, since executescript would commit the lock away first.
        with self.transaction():
            version = self._too_new()
            for target in sorted(n for n in MIGRATIONS if n > version):
                for statement in _statements(MIGRATIONS[target]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    def _too_new(self) -> int:
        """The ledger's schema version, refused when a newer nastavnik made it."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(f"{self.db}: база создана более новой версией nastavnik "
                              f"(схема {version}, эта версия знает {SCHEMA_VERSION}) — "
                              "обновите nastavnik")
        return version

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")  # a full disk may refuse it: then nothing is kept
        except BaseException:
            if self.db.in_transaction:  # SQLite may have rolled back a refused commit
                self.db.execute("ROLLBACK")
            raise

    # files ------------------------------------------------------------------------------------

    def see(self, files: list[tuple[str, str, int, dt.datetime]], period: str) -> list[Seen]:
        """Record sightings of files (path, SHA-256, size, modification time), in one
        transaction; the first sighting of a content at a path fixes when it was received."""
        seen = []
        with self.transaction():
            for path, sha256, size, mtime in files:
                row = self.db.execute("SELECT id, received FROM files "
                                      "WHERE path = ? AND sha256 = ?", (path, sha256)).fetchone()
                if row:
                    seen.append(Seen(row[0], path, sha256, size,
                                     dt.datetime.fromisoformat(row[1]), False))
                    continue
                cursor = self.db.execute(
                    "INSERT INTO files (path, sha256, size, period, received, first_seen) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (path, sha256, size, period, mtime.isoformat(), _now()))
                seen.append(Seen(cursor.lastrowid, path, sha256, size, mtime, True))
        return seen

    # results ----------------------------------------------------------------------------------

    # a result's columns as `_stored` takes them; the last is its packed rows, or NULL
    _RESULT = "status, school_code, counts, issues, head, processed"

    def result(self, sha256: str, period: str, context: str, *,
               rows: bool = True) -> Stored | None:
        """A checked file's result; without `rows`, its rows are left in the store (empty)."""
        row = self.db.execute(
            f"SELECT {self._RESULT}, {'data' if rows else 'NULL'} FROM results "
            "WHERE sha256 = ? AND period = ? AND context = ?",
            (sha256, period, context)).fetchone()
        if row is None:
            return None
        if row[4] is None and not rows:  # stored before heads were kept
            return self.result(sha256, period, context)
        return _stored(row, rows)

    def packed_rows(self, sha256: str, period: str, context: str) -> bytes | None:
        """A checked file's rows as the ledger keeps them (`unpack_rows` opens them), for a
        worker process to open."""
        row = self.db.execute("SELECT data FROM results WHERE sha256 = ? AND period = ? AND "
                              "context = ?", (sha256, period, context)).fetchone()
        return row[0] if row else None

    def results(self, shas: list[str], period: str, context: str) -> dict[str, Stored]:
        """The results, without their rows, of those of `shas` checked under `context`: a
        query a few hundred files, not one a file."""
        found: dict[str, Stored] = {}
        for start in range(0, len(shas), _BATCH):
            batch = shas[start:start + _BATCH]
            for sha, *row in self.db.execute(
                    f"SELECT sha256, {self._RESULT}, NULL FROM results WHERE period = ? "
                    f"AND context = ? AND sha256 IN ({','.join('?' * len(batch))})",
                    (period, context, *batch)):
                stored = _stored(row, False) if row[4] is not None else \
                    self.result(sha, period, context)  # stored before heads were kept
                if stored is not None:
                    found[sha] = stored
        return found

    def store(self, results: list[tuple[str, Stored, str | None, bytes | None]], period: str,
              context: str, tool_version: str) -> None:
        """Keep checked results, (SHA-256, result, form version, its rows packed by
        `pack_rows` or None to pack them here) each, in one transaction."""
        now = _now()
        rows = []
        for sha256, stored, form_version, packed in results:
            data = packed if packed is not None else pack_rows(stored)
            rows.append((sha256, period, context, now, tool_version, form_version,
                         stored.status, stored.school_code, dumps(stored.counts),
                         dumps([_issue_json(i) for i in stored.issues]), data,
                         dumps({"title": stored.title, "period": stored.period})))
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO results (sha256, period, context, processed, "
                "tool_version, form_version, status, school_code, counts, issues, data, head) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    # the rendered-rows cache -------------------------------------------------------------------

    def rendered_rows(self, keys: list[str]) -> dict[str, int]:
        """Which of `keys` the cache holds, with their row counts (their text stays put)."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start:start + _BATCH]
            found.update(self.db.execute(
                f"SELECT key, rows FROM rendered WHERE key IN ({','.join('?' * len(batch))})",
                batch))
        return found

    def rendered_segments(self, keys: Iterable[str]) -> Iterator[bytes]:
        """The kept text of `keys`, in their order, fetched a batch at a time (a region's
        segments are not all in memory at once)."""
        keys = list(keys)
        for start in range(0, len(keys), _BATCH):
            batch = keys[start:start + _BATCH]
            found = dict(self.db.execute(
                f"SELECT key, data FROM rendered WHERE key IN ({','.join('?' * len(batch))})",
                batch))
            for key in batch:
                yield found.pop(key)

    def keep_rendered(self, period: str, fresh: dict[str, tuple[int, bytes]]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO rendered (key, period, rows, data) VALUES (?, ?, ?, ?)",
                [(key, period, rows, data) for key, (rows, data) in fresh.items()])

    def forget_rendered(self, period: str, used: set[str]) -> None:
        """Forget what the period's last run did not use."""
        with self.transaction():
            stale = {key for (key,) in self.db.execute(
                "SELECT key FROM rendered WHERE period = ?", (period,))} - used
            self.db.executemany("DELETE FROM rendered WHERE key = ?",
                                [(key,) for key in stale])

    # the digests cache ---------------------------------------------------------------------------

    def packed_digests(self, period: str) -> dict[str, bytes]:
        """Every digest kept for `period`, as stored (`unpack_digest` opens one): one query
        instead of one per school."""
        return dict(self.db.execute("SELECT key, data FROM digests WHERE period = ?",
                                    (period,)))

    def keep_digests(self, period: str, fresh: dict[str, bytes]) -> None:
        """Keep digests, packed by `pack_digest`, under their keys."""
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO digests (key, period, data) VALUES (?, ?, ?)",
                [(key, period, packed) for key, packed in fresh.items()])

    def forget_digests(self, period: str, used: set[str]) -> None:
        """Forget what the period's last run did not use."""
        with self.transaction():
            stale = {key for (key,) in self.db.execute(
                "SELECT key FROM digests WHERE period = ?", (period,))} - used
            self.db.executemany("DELETE FROM digests WHERE key = ?", [(k,) for k in stale])

    # runs -------------------------------------------------------------------------------------

    def took_over(self, holder: str, taken_by: str, cleaned: int) -> None:
        """Record a lock taken over from a holder that was gone; the runs it left unfinished
        are marked interrupted."""
        with self.transaction():
            self.db.execute("INSERT INTO takeovers (taken, holder, taken_by, cleaned) "
                            "VALUES (?, ?, ?, ?)", (_now(), holder, taken_by, cleaned))
            self.db.execute("UPDATE runs SET outcome = 'interrupted' "
                            "WHERE finished IS NULL AND outcome IS NULL")

    def takeovers(self) -> list[dict[str, Any]]:
        return [{"taken": r[0], "holder": r[1], "taken_by": r[2], "cleaned": r[3]}
                for r in self.db.execute("SELECT taken, holder, taken_by, cleaned "
                                         "FROM takeovers ORDER BY id")]

    def start_run(self, period: str, tool_version: str, context: str) -> int:
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (period, started, tool_version, context) VALUES (?, ?, ?, ?)",
                (period, _now(), tool_version, context))
        return cursor.lastrowid

    def finish_run(self, run_id: int, *, outcome: str, fingerprint: str,
                   summary: dict[str, Any], outputs: dict[str, str],
                   files: list[tuple[int, str, str, str | None, dict[str, Any]]],
                   accepted: list[tuple[str, str]] | None, period: str,
                   context: str) -> None:
        """Close a run: what it counted, what it wrote, which files are the accepted ones
        (None: they stay as they were, the month being approved and locked)."""
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO run_files (run_id, file_id, role, status, school_code, "
                "result) VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, *f[:4], dumps(f[4])) for f in files])
            if accepted is not None:
                self.db.execute("DELETE FROM accepted WHERE period = ?", (period,))
                self.db.executemany(
                    "INSERT INTO accepted (period, school_code, sha256, context, run_id) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(period, code, sha, context, run_id) for code, sha in accepted])
            self.db.execute(
                "UPDATE runs SET finished = ?, outcome = ?, inputs = ?, summary = ?, "
                "outputs = ? WHERE id = ?",
                (_now(), outcome, fingerprint, dumps(summary), dumps(outputs), run_id))

    def last_run(self, period: str) -> dict[str, Any] | None:
        """The last run of the period that finished."""
        row = self.db.execute(
            "SELECT id, started, finished, outcome, inputs, summary, outputs, context "
            "FROM runs WHERE period = ? AND finished IS NOT NULL ORDER BY id DESC LIMIT 1",
            (period,)).fetchone()
        if row is None:
            return None
        return {"id": row[0], "started": row[1], "finished": row[2], "outcome": row[3],
                "fingerprint": row[4], "summary": loads(row[5] or "{}"),
                "outputs": loads(row[6] or "{}"), "context": row[7]}

    def run_results(self, run_id: int) -> dict[int, dict[str, Any]]:
        """file id -> the file's final result in that run (as finish_run stored it)."""
        return {file_id: loads(result) for file_id, result in self.db.execute(
            "SELECT file_id, result FROM run_files WHERE run_id = ? AND result IS NOT NULL",
            (run_id,))}

    def accepted_files(self, period: str) -> list[tuple[str, str, str]]:
        """(school, SHA-256, context) of the month's accepted files, without unpacking them."""
        return sorted(self.db.execute(
            "SELECT school_code, sha256, context FROM accepted WHERE period = ?", (period,)))

    def runs(self, period: str | None = None) -> list[dict[str, Any]]:
        query = ("SELECT id, period, started, finished, outcome, tool_version, summary "
                 "FROM runs")
        args: tuple[Any, ...] = ()
        if period:
            query, args = query + " WHERE period = ?", (period,)
        return [{"id": r[0], "period": r[1], "started": r[2], "finished": r[3],
                 "outcome": r[4], "tool_version": r[5], "summary": loads(r[6] or "{}")}
                for r in self.db.execute(query + " ORDER BY id", args)]

    # sign-offs ---------------------------------------------------------------------------------

    def signoffs(self, period: str | None = None) -> list[dict[str, Any]]:
        """The approvals and reopenings of a month (of every month without `period`), oldest
        first."""
        query = ("SELECT period, action, version, at, by, reason, run_id, outputs, schools "
                 "FROM signoffs")
        args: tuple[Any, ...] = ()
        if period:
            query, args = query + " WHERE period = ?", (period,)
        return [{"period": r[0], "action": r[1], "version": r[2],
                 "at": dt.datetime.fromisoformat(r[3]), "by": r[4], "reason": r[5],
                 "run_id": r[6], "outputs": loads(r[7] or "{}"), "schools": loads(r[8] or "{}")}
                for r in self.db.execute(query + " ORDER BY id", args)]

    def sign_off(self, period: str, action: str, version: int, by: str, *,
                 reason: str | None = None, run_id: int | None = None,
                 outputs: dict[str, Any] | None = None,
                 schools: dict[str, Any] | None = None,
                 at: dt.datetime | None = None) -> dt.datetime:
        """Record an approval or a reopening of `period` (now, or `at`); returns when."""
        at = at.replace(microsecond=0).isoformat() if at else _now()
        with self.transaction():
            self.db.execute(
                "INSERT INTO signoffs (period, action, version, at, by, reason, run_id, "
                "outputs, schools) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (period, action, version, at, by, reason, run_id,
                 None if outputs is None else dumps(outputs),
                 None if schools is None else dumps(schools)))
        return dt.datetime.fromisoformat(at)
    # voided files -------------------------------------------------------------------------------

    def file_row(self, file_id: int) -> dict[str, Any] | None:
        """A file the ledger has seen, with its school as the last run that saw it found it."""
        row = self.db.execute(f"{_FILE_ROWS} WHERE f.id = ?", (file_id,)).fetchone()
        return _file_row(row) if row else None

    def find_files(self, *, path: str | None = None, sha256: str | None = None,
                   school_code: str | None = None, period: str | None = None
                   ) -> list[dict[str, Any]]:
        """Files the ledger has seen: at `path` with content `sha256`, or those the runs
        found to be `school_code`'s (of `period`), oldest first."""
        where, args = _where({"f.path": path, "f.sha256": sha256, "f.period": period})
        rows = [_file_row(r) for r in self.db.execute(
            f"{_FILE_ROWS} {where} ORDER BY f.received, f.path", args)]
        return [r for r in rows if school_code is None or r["school_code"] == school_code]

    def void(self, file_id: int, by: str, reason: str) -> dict[str, Any]:
        """Set a file aside: no run counts it until `unvoid`."""
        found = self.file_row(file_id)
        with self.transaction():
            self.db.execute(
                "INSERT INTO voids (file_id, path, sha256, period, school_code, at, by, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (file_id, found["path"], found["sha256"], found["period"],
                 found["school_code"], _now(), by, reason))
        return self.voids(file_id=file_id)[-1]

    def unvoid(self, file_id: int, by: str, reason: str) -> dict[str, Any]:
        """Undo a file's void: it counts again (the void stays on record, undone)."""
        with self.transaction():
            self.db.execute("UPDATE voids SET undone_at = ?, undone_by = ?, undone_reason = ? "
                            "WHERE file_id = ? AND undone_at IS NULL",
                            (_now(), by, reason, file_id))
        return self.voids(file_id=file_id)[-1]

    def voids(self, *, period: str | None = None, file_id: int | None = None,
              file_ids: Iterable[int] = (), school_code: str | None = None
              ) -> list[dict[str, Any]]:
        """Voids on record, undone ones too, oldest first: of a month, a file, some files or
        a school."""
        where, args = _where({"period": period, "file_id": file_id})
        ids = list(file_ids)
        either = ([f"file_id IN ({','.join('?' * len(ids))})"] if ids else []) + \
            (["school_code = ?"] if school_code is not None else [])
        if either:
            where += (" AND " if where else "WHERE ") + "(" + " OR ".join(either) + ")"
            args += [*ids, *([school_code] if school_code is not None else [])]
        return [{"file_id": r[0], "path": r[1], "sha256": r[2], "period": r[3],
                 "school_code": r[4], "at": dt.datetime.fromisoformat(r[5]), "by": r[6],
                 "reason": r[7],
                 "undone_at": dt.datetime.fromisoformat(r[8]) if r[8] else None,
                 "undone_by": r[9], "undone_reason": r[10]}
                for r in self.db.execute(
                    "SELECT file_id, path, sha256, period, school_code, at, by, reason, "
                    f"undone_at, undone_by, undone_reason FROM voids {where} ORDER BY id",
                    args)]

    def voided(self, period: str) -> set[int]:
        """The ids of the month's files set aside now (voided and not undone)."""
        return {file_id for (file_id,) in self.db.execute(
            "SELECT file_id FROM voids WHERE period = ? AND undone_at IS NULL", (period,))}

    # accepted rows ----------------------------------------------------------------------------

    def accepted(self, period: str) -> dict[str, Stored]:
        """Per school, the accepted file's result for the month (as of the last run)."""
        found = {}
        for code, sha, context in self.db.execute(
                "SELECT school_code, sha256, context FROM accepted WHERE period = ?",
                (period,)).fetchall():
            stored = self.result(sha, period, context)
            if stored is not None:
                found[code] = stored
        return found

    def last_accepted(self, school_code: str, before: str) -> tuple[str, Stored] | None:
        """The school's most recent accepted month before `before` (YYYY-MM), with its rows."""
        row = self.db.execute(
            "SELECT period, sha256, context FROM accepted WHERE school_code = ? AND period < ? "
            "ORDER BY period DESC LIMIT 1", (school_code, before)).fetchone()
        if row is None:
            return None
        stored = self.result(row[1], row[0], row[2])
        return (row[0], stored) if stored else None

    # the office mailbox ------------------------------------------------------------------------

    def fetched_before(self, mailbox: str, uidvalidity: int, uids: Iterable[int],
                       message_ids: Iterable[str] = ()) -> tuple[set[int], set[str]]:
        """Of `uids` (in the folder whose UIDVALIDITY is `uidvalidity`) and `message_ids`,
        those a `mail fetch` has already taken."""
        uids, ids = list(uids), [m for m in message_ids if m]
        taken_uids: set[int] = set()
        for start in range(0, len(uids), _BATCH):
            part = uids[start:start + _BATCH]
            taken_uids |= {uid for (uid,) in self.db.execute(
                f"SELECT uid FROM mail_fetched WHERE mailbox = ? AND uidvalidity = ? "
                f"AND uid IN ({','.join('?' * len(part))})", (mailbox, uidvalidity, *part))}
        taken_ids: set[str] = set()
        for start in range(0, len(ids), _BATCH):
            part = ids[start:start + _BATCH]
            taken_ids |= {mid for (mid,) in self.db.execute(
                f"SELECT message_id FROM mail_fetched WHERE message_id IN "
                f"({','.join('?' * len(part))})", part)}
        return taken_uids, taken_ids

    def fetched(self, mailbox: str, uidvalidity: int, uid: int, *, message_id: str | None,
                sender: str, subject: str, sent: dt.datetime | None,
                saved: list[dict[str, Any]]) -> None:
        """Record that a message was taken, with the files saved from it."""
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO mail_fetched (mailbox, uidvalidity, uid, message_id, "
                "sender, subject, sent, fetched, saved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (mailbox, uidvalidity, uid, message_id, sender, subject,
                 sent.replace(microsecond=0).isoformat() if sent else None, _now(),
                 dumps(saved)))

    def fetched_messages(self) -> list[dict[str, Any]]:
        """Every message `mail fetch` took, oldest first."""
        return [{"mailbox": r[0], "uid": r[1], "message_id": r[2], "sender": r[3],
                 "subject": r[4], "sent": dt.datetime.fromisoformat(r[5]) if r[5] else None,
                 "fetched": dt.datetime.fromisoformat(r[6]), "saved": loads(r[7])}
                for r in self.db.execute(
                    "SELECT mailbox, uid, message_id, sender, subject, sent, fetched, saved "
                    "FROM mail_fetched ORDER BY id")]

    def mail_sent(self, period: str, school_code: str, kind: str, recipient: str,
                  subject: str, sha256: str, *, error: str | None = None,
                  message_id: str | None = None) -> None:
        """Record a message sent (or, with `error`, one that failed)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO mail_sent (period, school_code, kind, recipient, subject, sha256, "
                "at, outcome, error, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (period, school_code, kind, recipient, subject, sha256, _now(),
                 "failed" if error else "sent", error, message_id))

    def mails(self, *, period: str | None = None, school_code: str | None = None
              ) -> list[dict[str, Any]]:
        """The messages sent or tried, oldest first: of a month, of a school."""
        where, args = _where({"period": period, "school_code": school_code})
        return [{"period": r[0], "school_code": r[1], "kind": r[2], "recipient": r[3],
                 "subject": r[4], "sha256": r[5], "at": dt.datetime.fromisoformat(r[6]),
                 "outcome": r[7], "error": r[8], "message_id": r[9]}
                for r in self.db.execute(
                    "SELECT period, school_code, kind, recipient, subject, sha256, at, outcome, "
                    f"error, message_id FROM mail_sent {where} ORDER BY id", args)]

    # history ----------------------------------------------------------------------------------

    def history(self, school_code: str) -> list[dict[str, Any]]:
        """Every file a school sent, with its fate and issue codes in the last run that saw
        it."""
        rows = self.db.execute(
            """SELECT f.id, f.path, f.sha256, f.size, f.period, f.received, rf.role, rf.status,
                      r.started, r.id, rf.result
               FROM files f
               JOIN run_files rf ON rf.file_id = f.id
               JOIN runs r ON r.id = rf.run_id
               WHERE rf.school_code = ?
                 AND r.id = (SELECT MAX(run_id) FROM run_files WHERE file_id = f.id)
               ORDER BY f.period, f.received, f.path""", (school_code,)).fetchall()
        return [{"file_id": r[0], "path": r[1], "sha256": r[2], "size": r[3], "period": r[4],
                 "received": dt.datetime.fromisoformat(r[5]), "role": r[6], "status": r[7],
                 "run_started": r[8], "run_id": r[9],
                 "codes": [i.get("code") for i in loads(r[10])["issues"]] if r[10] else None}
                for r in rows]


_FILE_ROWS = """SELECT f.id, f.path, f.sha256, f.period, f.received,
                        (SELECT rf.school_code FROM run_files rf WHERE rf.file_id = f.id
                         ORDER BY rf.run_id DESC LIMIT 1)
                 FROM files f"""  # a file with its school, as the last run that saw it found it


def _where(conditions: dict[str, Any]) -> tuple[str, list[Any]]:
    """«WHERE column = ? AND …» for each condition given (not None), and its arguments."""
    given = {column: value for column, value in conditions.items() if value is not None}
    clause = " AND ".join(f"{column} = ?" for column in given)
    return (f"WHERE {clause}" if clause else ""), list(given.values())


def _file_row(row: Any) -> dict[str, Any]:
    return {"file_id": row[0], "path": row[1], "sha256": row[2], "period": row[3],
            "received": dt.datetime.fromisoformat(row[4]), "school_code": row[5]}


# --- the lock -------------------------------------------------------------------------------


@contextlib.contextmanager
def workspace_lock(state_dir: Path, what: str) -> Iterator[str | None]:
    """One run at a time per workspace. The lock is the process's own (a POSIX record lock):
    the workers it forks do not hold it, and the OS releases it when the process dies. Yields
    who held it last without letting it go (a run that was killed), or None."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_FILE
    handle = path.open("a+", encoding="utf-8")
    try:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "другой процесс"
            raise LockedError(f"рабочая папка занята: {holder} — дождитесь окончания и "
                              "запустите снова")
        handle.seek(0)
        interrupted = handle.read().strip() or None  # a finished holder leaves it empty
        handle.seek(0)
        handle.truncate()
        handle.write(f"{what} (процесс {os.getpid()}, пользователь {_account()} на "
                     f"{socket.gethostname()}, с {dt.datetime.now():%d.%m.%Y %H:%M})")
        handle.flush()
        try:
            yield interrupted
        finally:  # let go in order, failed or not: the next holder finds nothing to take over
            handle.seek(0)
            handle.truncate()
            handle.flush()
    finally:
        handle.close()


@dataclass(frozen=True)
class Takeover:
    """The lock was taken over from a holder that was gone: its text (what, which process,
    whose, since when) and how many of its leftovers were cleaned."""
    holder: str
    cleaned: int

    def note(self) -> str:
        """One line for the user."""
        left = (f"удалено оставшихся от него временных файлов: {self.cleaned}" if self.cleaned
                else "временных файлов от него не осталось")
        return f"Прошлый запуск был прерван: {self.holder}. Рабочая папка освобождена, {left}."


@contextlib.contextmanager
def hold_workspace(root: Path, what: str,
                   on_takeover: Callable[[Takeover], None] | None = None
                   ) -> Iterator[Takeover | None]:
    """The workspace's lock (`workspace_lock`) with what an interrupted holder left cleaned
    away; a lock taken over from a holder that was gone is recorded in the ledger and told
    through `on_takeover`, never silently."""
    state = Path(root) / STATE_DIR
    with workspace_lock(state, what) as interrupted:
        removed = clean_staging(Path(root))
        takeover = None
        if interrupted is not None:
            takeover = Takeover(interrupted, len(removed))
            with Ledger.open(state) as ledger:
                ledger.took_over(interrupted, what, len(removed))
            if on_takeover is not None:
                on_takeover(takeover)
        yield takeover


def _account() -> str:
    """The account the system runs this process as; not $USER, which anyone can set."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # Windows; a uid without a name (a container)
        import getpass

        try:
            return getpass.getuser()
        except OSError:
            return f"uid {os.getuid()}" if hasattr(os, "getuid") else "?"


def account() -> str:
    """Who a sign-off records when no name is given: the system account (`_account`)."""
    return _account()


def _try_lock(handle: Any) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        # lockf, not flock: a flock is shared with forked children, which kept a killed
        # run's workspace locked for as long as its workers lived
        fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def period_files(ledger: Ledger, run_id: int, context: str) -> list[dict[str, Any]]:
    """The files of one run with their role, status, receipt time and issue codes: as the run
    left them, the warnings it found across the district included."""
    rows = ledger.db.execute(
        """SELECT f.path, f.sha256, f.received, f.period, rf.role, rf.status, rf.school_code,
                  rf.result, res.issues
           FROM run_files rf JOIN files f ON f.id = rf.file_id
           LEFT JOIN results res ON res.sha256 = f.sha256 AND res.period = f.period
                                AND res.context = ?
           WHERE rf.run_id = ? ORDER BY f.received, f.path""", (context, run_id)).fetchall()
    found = []
    for path, sha, received, period, role, status, code, final, issues in rows:
        # a run before the final result was kept (schema 1) left only the file's own issues
        kept = loads(final)["issues"] if final else loads(issues or "[]")
        found.append({"path": path, "sha256": sha, "received": dt.datetime.fromisoformat(received),
                      "period": period, "role": role, "status": status, "school_code": code,
                      "codes": [i.get("code") for i in kept]})
    return found


def seen_paths(ledger: Ledger, period: str) -> set[str]:
    return {r[0] for r in ledger.db.execute("SELECT path FROM files WHERE period = ?",
                                            (period,))}
