"""Checking school files without recording anything: read, then validate together."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pipeline.paths import readable
from pipeline.read import Form
from pipeline.validate import FileResult, Validation, validate_forms
from pipeline.workers import Workers, iter_forms, read_forms
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
