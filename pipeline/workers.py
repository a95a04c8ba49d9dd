"""Reading school files in worker processes, so that no file can take the run down.

A native reader (python-calamine) that meets a hostile file may abort its whole process, or
try to allocate hundreds of gigabytes; Python cannot catch either. Each file is read in a
worker process with a memory ceiling; when a worker dies, the files it had in hand are read
again one at a time, and the one that kills its reader alone becomes `unreadable-file`.
Results come back in the order of the paths, whatever order the workers finish in.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from pipeline import issues as iss
from pipeline.read import DAMAGED, Form, log, reader_failed

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


def _read_one(path: str, limits: dict[str, float]) -> Form:
    from pipeline import read

    return read.read_form(Path(path), **limits)


def _read_some(paths: list[str], limits: dict[str, float]) -> list[Form]:
    return [_read_one(path, limits) for path in paths]


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


def crashed(path: Path, why: str) -> Form:
    return Form(str(path), issues=[iss.make("unreadable-file", detail=why)])


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


def read_forms(paths: Sequence[Path], *, limits: dict[str, float] | None = None,
               workers: int | None = None,
               on_file: Callable[[Path], None] | None = None) -> list[Form]:
    """Read every file in worker processes; a file that kills its reader is unreadable."""
    with Workers(min(len(paths), workers or MAX_WORKERS, os.cpu_count() or 1) or 1) as pool:
        return list(iter_forms(paths, limits=limits, workers=pool, on_file=on_file))


def iter_forms(paths: Sequence[Path], *, limits: dict[str, float] | None = None,
               workers: Workers, on_file: Callable[[Path], None] | None = None
               ) -> Iterator[Form]:
    """The forms of `paths`, in their order, each as soon as it and those before it are
    read: the caller can work on the first files while the workers read the next, at most
    AHEAD files ahead of it (what they read waits in memory). When a file kills a worker,
    the files then in hand are read one at a time, each in a process of its own, and the
    others go on in a new pool."""
    limits = limits or {}
    if not paths:
        return iter(())
    # a few files per task: a task's round trip costs about what reading a file does
    size = max(1, min(CHUNK, len(paths) // (workers.count * 4)))
    starts = list(range(0, len(paths), size))
    futures: dict[int, Future[list[Form]]] = {}

    def submit(first: int) -> None:
        """Tasks for the chunks from `first` on, up to AHEAD files ahead."""
        wanted = starts[first:first + max(1, AHEAD // size)]
        try:
            for start in wanted:
                if start not in futures:
                    futures[start] = workers.pool().submit(
                        _read_some, [str(p) for p in paths[start:start + size]], limits)
        except BrokenProcessPool:
            workers.broken()

    submit(0)  # the workers start now, not when the first form is asked for
    return _in_order(paths, starts, size, futures, submit, limits, workers, on_file)


def _in_order(paths: Sequence[Path], starts: list[int], size: int,
              futures: dict[int, Future[list[Form]]], submit: Callable[[int], None],
              limits: dict[str, float], workers: Workers,
              on_file: Callable[[Path], None] | None) -> Iterator[Form]:
    for k, start in enumerate(starts):
        submit(k)
        try:
            if start not in futures:
                raise BrokenProcessPool("no pool")
            chunk = futures.pop(start).result()
        except BaseException as exc:  # a file killed a worker, or a reader bug (a Rust
            if not reader_failed(exc):  # panic is a BaseException): read these alone
                raise
            chunk = [_read_alone(path, limits) for path in paths[start:start + size]]
            if isinstance(exc, BrokenProcessPool):
                workers.broken()  # the rest are read by a new pool
                futures.clear()
        for n, form in enumerate(chunk, start=start):
            if form.reader_error:  # said in the worker, whose output goes nowhere
                log.debug("%s: %s", paths[n], form.reader_error)
            if on_file:
                on_file(paths[n])
            yield form


def _read_alone(path: Path, limits: dict[str, float]) -> Form:
    pool = ProcessPoolExecutor(1, mp_context=_context(), initializer=_worker_setup)
    try:
        return pool.submit(_read_one, str(path), limits).result(timeout=READ_TIMEOUT)
    except BrokenProcessPool:
        return crashed(path, "программа чтения аварийно завершилась на этом файле — "
                             "возможно, он повреждён или намеренно испорчен")
    except TimeoutError:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        return crashed(path, f"чтение длилось больше {READ_TIMEOUT} с")
    except BaseException as exc:
        if not reader_failed(exc):
            raise
        log.debug("reader: %s: %s", type(exc).__name__, exc)
        return crashed(path, DAMAGED)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _feedback_job(source: str, form: Form | None, result: Any, out: str, received: Any,
                  checked: Any, limits: dict[str, float]) -> str:
    from pipeline import read
    from pipeline.feedback import write_feedback

    if form is None and any(i.code == "unreadable-file" for i in result.issues):
        form = crashed(Path(source), "")  # nothing to mark, and its reader may die again
    form = form or read.read_form(Path(source), **limits)
    write_feedback(form, result, Path(out), received=received, checked=checked)
    return out


def write_feedbacks(jobs: Sequence[tuple[Path, Form | None, Any, Path, Any, Any]], *,
                    limits: dict[str, float] | None = None, workers: Workers | None = None,
                    meanwhile: Callable[[], Any] | None = None) -> Any:
    """Write schools' feedback files in worker processes (each may re-read the school's
    file, which is as dangerous as the first reading); a job that dies still leaves the
    school a feedback file: the list of its problems. `meanwhile` is called in this process
    while the workers write (the district's own outputs), and its result returned."""
    limits = limits or {}
    if not jobs:
        return meanwhile() if meanwhile else None
    done: set[int] = set()
    outcome = None
    with contextlib.ExitStack() as stack:
        if workers is None:
            workers = stack.enter_context(Workers(min(len(jobs), os.cpu_count() or 1,
                                                      MAX_WORKERS)))
        try:
            pool = workers.pool()
            futures = {pool.submit(_feedback_job, str(src), form, result, str(out), received,
                                   checked, limits): n
                       for n, (src, form, result, out, received, checked) in enumerate(jobs)}
            if meanwhile:
                outcome = meanwhile()
            for future in as_completed(futures):
                try:
                    future.result()
                    done.add(futures[future])
                except BaseException as exc:  # the school gets the list of its problems
                    if not reader_failed(exc):
                        raise
                    if isinstance(exc, BrokenProcessPool):
                        workers.broken()
        except BrokenProcessPool:
            workers.broken()
    for n, (src, _form, result, out, received, checked) in enumerate(jobs):
        if n not in done:
            from pipeline.feedback import write_feedback  # openpyxl: only when needed here

            write_feedback(crashed(Path(src), "файл не удалось разобрать для отметок"), result,
                           Path(out), received=received, checked=checked)
    return outcome
