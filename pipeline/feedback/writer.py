"""Writing the feedback: one file (`write_feedback`, by the package editor or, where it
says it cannot, by openpyxl) and a run's files in the worker processes (`write_feedbacks`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pipeline.feedback.package as package
from pipeline import read
from pipeline.engine.workers import MAX_WORKERS, Workers
from pipeline.feedback.marks import (
    listed_issues,
    receipt_rows,
)
from pipeline.read import Form, crashed, reader_failed
from pipeline.validate import FileResult

log = logging.getLogger(__name__)


def write_feedback(form: Form, result: FileResult, out: Path, *,
                   received: dt.datetime | None = None,
                   checked: dt.datetime | None = None) -> Path:
    """Write the school's feedback workbook for one checked file; returns its path."""
    receipt = receipt_rows(Path(form.path), result, received, checked)
    listed = listed_issues(result.issues, form)
    with package.marked(form, receipt, listed) as marked:
        if marked.refusal is None:
            return marked.save(Path(out))
    log.debug("feedback through openpyxl: %s: %s", form.path, marked.refusal)
    import pipeline.feedback.book as book  # openpyxl, 0.2 s a worker: only when it is needed

    return book.write(form, result, Path(out), receipt, listed)




def _feedback_job(source: str, form: Form | None, result: Any, out: str, received: Any,
                  checked: Any, limits: dict[str, float]) -> str:
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
            write_feedback(crashed(Path(src), "файл не удалось разобрать для отметок"), result,
                           Path(out), received=received, checked=checked)
    return outcome
