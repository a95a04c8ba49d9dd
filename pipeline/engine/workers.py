"""The worker processes: where school files are read and feedback is written, so that no
file can take the run down.

A native reader (python-calamine) that meets a hostile file may abort its whole process, or
try to allocate hundreds of gigabytes; Python cannot catch either. Each worker has a memory
ceiling, is silent, and dies with the run. What the workers do is their callers' business
(pipeline.check reads forms in them, pipeline.feedback writes feedback): this module knows
processes, not forms.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

MEMORY_LIMIT = 2 * 1024**3  # bytes of address space a reader may use (a form needs ~50 MB)
READ_TIMEOUT = 300  # seconds one file may take when read alone
MAX_WORKERS = 8
CHUNK = 16  # files read by a worker per task
AHEAD = 512  # files read ahead of the caller at most: two of check.BATCH, to keep workers busy


def _worker_setup() -> None:
    """Cap the worker's memory and silence it: what a dying reader prints (a Rust panic, a
    "Fatal Python error") must not reach the methodologist's screen; its file gets an issue."""
    _die_with_parent()
    faulthandler.disable()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    except OSError:
        pass
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this system: the process boundary still protects the run


def _die_with_parent() -> None:
    """A worker outlives a killed run no longer than a moment (Linux: PR_SET_PDEATHSIG);
    elsewhere it ends when it finds its pipe to the run closed."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = multiprocessing.parent_process()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent.pid:  # the run died before we asked
        os._exit(1)


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """The objects that exist now put out of the cycle collector's reach (gc.freeze) until
    the block ends: a full collection does not walk them again, and a forked worker's
    collections do not touch, and so copy, the pages they are on (a region's run holds
    hundreds of megabytes). Blocks nest: what they froze is handed back when the outermost
    ends (gc.unfreeze), and refcounting frees frozen objects as ever meanwhile."""
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()


# How worker processes start: fork where the system has it (Linux), spawn elsewhere (Windows,
# macOS, where a district's office desktop is). This variable forces one of the system's
# methods, so that Linux CI exercises spawn too: what a worker is sent must pickle, and a
# spawned worker re-imports what it needs.
START_METHOD_ENV = "NASTAVNIK_START_METHOD"


def start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    forced = os.environ.get(START_METHOD_ENV, "").strip()
    if forced in methods:
        return forced
    return "fork" if "fork" in methods and sys.platform != "darwin" else "spawn"


def _context() -> Any:
    return multiprocessing.get_context(start_method())


class Workers:
    """The worker processes of one run, forked at their first use and used again until the
    run closes them: the reading starts them while this process is small, and the feedback
    at the end reuses them. Forked at the end from a process that holds a region's results,
    a worker's allocations would land in pages it shares with that process and copy them
    (at 10,000 schools, a few hundred megabytes). A pool a file broke is replaced."""

    def __init__(self, count: int | None = None) -> None:
        self.count = count or min(os.cpu_count() or 1, MAX_WORKERS)
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            with frozen():  # forked while frozen
                self._pool = ProcessPoolExecutor(self.count, mp_context=_context(),
                                                 initializer=_worker_setup)
                self._pool.submit(int).result()  # fork them now, while frozen
        return self._pool

    def submit(self, job: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """`job(*args)` in a worker; None when no pool can take it (do it here then)."""
        try:
            return self.pool().submit(job, *args)
        except BrokenProcessPool:
            self.broken()
            return None

    def broken(self) -> None:
        """A worker died: the pool is lost, the next use starts a new one."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def alone() -> ProcessPoolExecutor:
    """A pool of one fresh worker, for a job that may kill its process (shut it down)."""
    return ProcessPoolExecutor(1, mp_context=_context(), initializer=_worker_setup)


