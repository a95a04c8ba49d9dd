"""Checking school files: each read in a worker process (pipeline.engine.workers), so that
no file can take the run down, then validated together; nothing is recorded here.

When a file kills its worker, the files that worker had in hand are read again one at a
time, each in a process of its own, and the one that kills its reader alone becomes
`unreadable-file`. Forms come back in the order of the paths, whatever order the workers
finish in."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipeline import read
from pipeline.engine.workers import AHEAD, CHUNK, MAX_WORKERS, READ_TIMEOUT, Workers, alone
from pipeline.paths import readable
from pipeline.read import DAMAGED, Form, crashed, log, reader_failed
from pipeline.validate import FileResult, Validation, validate_forms
from pipeline.workspace import Workspace

_PERIOD_DIR = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_from_path(path: Path) -> str | None:
    """The period of a file kept in an `inbox/YYYY-MM/` folder."""
    parent = Path(path).resolve().parent.name
    return parent if _PERIOD_DIR.match(parent) else None


BATCH = 250  # files validated together while the workers read the next ones


def reading_limits(workspace: Workspace | None) -> dict[str, float]:
    settings = workspace.settings if workspace else None
    return {"max_file_mb": settings.max_file_mb, "max_unpacked_mb": settings.max_unpacked_mb} \
        if settings else {}


def read_and_validate(paths: Sequence[Path], *, workspace: Workspace | None,
                      period: str | None,
                      on_file: Callable[[Path], None] | None = None) -> Validation:
    forms = read_forms([Path(p) for p in paths], limits=reading_limits(workspace), on_file=on_file)
    for form, path in zip(forms, paths, strict=True):
        form.path = str(path)
    return validate_forms(forms, workspace=workspace, period=period)


def validated_batches(paths: Sequence[Path], *, workspace: Workspace | None,
                      period: str | None, workers: Workers,
                      on_file: Callable[[Path], None] | None = None,
                      size: int = BATCH) -> Iterator[tuple[int, Validation]]:
    """(index of the batch's first path, its validation) for batches of `size` files, in
    order: a batch is validated while the workers read the next, and only one batch's
    frames are in memory at a time. The workers start reading on the call, before the first
    batch is asked for. Every rule is a rule of one file (pandera's cost is per call, so a
    batch is validated in one call per sheet)."""
    forms = iter_forms([Path(p) for p in paths], limits=reading_limits(workspace),
                       workers=workers, on_file=on_file)
    return _batches(forms, paths, workspace, period, size)


def _batches(forms: Iterator[Form], paths: Sequence[Path], workspace: Workspace | None,
             period: str | None, size: int) -> Iterator[tuple[int, Validation]]:
    batch: list[Form] = []
    start = 0
    for n, form in enumerate(forms):
        form.path = str(paths[n])
        batch.append(form)
        if len(batch) == size or n == len(paths) - 1:
            yield start, validate_forms(batch, workspace=workspace, period=period)
            start, batch = n + 1, []


def check_files(paths: Sequence[Path | str], *, workspace: Workspace | None = None,
                period: str | None = None) -> list[FileResult]:
    """Validate files; the period is `period`, else each file's `inbox/YYYY-MM/` folder."""
    paths = [Path(p) for p in paths]
    groups: dict[str | None, list[int]] = defaultdict(list)
    for n, path in enumerate(paths):
        groups[period or period_from_path(path)].append(n)
    results: list[FileResult | None] = [None] * len(paths)
    for group_period, members in groups.items():
        validation = read_and_validate([paths[n] for n in members], workspace=workspace,
                                       period=group_period)
        for n, result in zip(members, validation.results, strict=True):
            result.file = readable(paths[n])
            results[n] = result
    return [r for r in results if r is not None]


def _read_one(path: str, limits: dict[str, float]) -> Form:
    return read.read_form(Path(path), **limits)


def _read_some(paths: list[str], limits: dict[str, float]) -> list[Form]:
    return [_read_one(path, limits) for path in paths]


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
    pool = alone()
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
