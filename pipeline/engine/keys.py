"""What cached results depend on, derived and never hand-listed.

A file's result, its digest and its rendered rows are kept in the ledger under a key made of
everything that could change them: the package's own sources (every .py and .toml of
`pipeline` and `schemas`), the versions of Python and of the package's dependencies (a new
pandera or calamine may read a file differently), and the workspace's settings, registry and
indicators. Change any of them and the cached results are simply not found."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.ledger import dumps, file_sha256

PACKAGES = ("pipeline", "schemas")  # the installed sources a result depends on
SOURCE_SUFFIXES = (".py", ".toml")
# the dependencies when the package's metadata is not installed (run from a source tree)
DEPENDENCIES = ("pandas", "pandera", "openpyxl", "xlsxwriter", "click", "python-calamine",
                "defusedxml", "python-docx", "matplotlib", "numpy")


@lru_cache(maxsize=1)
def package_digest() -> str:
    """A digest of the package's sources and of the versions it runs with."""
    root = Path(__file__).resolve().parent.parent.parent
    digest = hashlib.sha256(__version__.encode())
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    digest.update(json.dumps(dependency_versions()).encode())
    return digest.hexdigest()


def dependency_versions() -> dict[str, str]:
    """Python's version and each dependency's, by name; «?» where one is not installed."""
    try:
        required = importlib.metadata.requires("nastavnik") or []
        names = [re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0] for r in required
                 if "extra ==" not in r]
    except importlib.metadata.PackageNotFoundError:
        names = list(DEPENDENCIES)
    versions = {"python": platform.python_version()}
    for name in sorted({*names, "numpy"}):  # numpy: pandas' own, which reads the numbers
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "?"
    return versions


def run_keys(workspace: Any, indicators: bytes, *, caches: bool = True) -> tuple[str, str]:
    """(context, digest key) of a run: what a file's result and its rendered rows depend on
    besides the file's bytes; and what its digest depends on (that, and the `indicators`
    the report is computed by: the text of their definitions).
    With `caches` off, keys no earlier run has made: a run then takes nothing from earlier
    runs and does all its work again."""
    settings = workspace.settings
    digest = hashlib.sha256(package_digest().encode())
    digest.update(dumps([settings.max_mentees_per_mentor, settings.max_file_mb,
                         settings.max_unpacked_mb, sorted(settings.refused_justifications),
                         settings.history_max_change, settings.history_min_change,
                         sorted((s.code, s.name) for s in workspace.schools)]).encode())
    if not caches:
        digest.update(secrets.token_bytes(16))
    context = digest.hexdigest()[:32]
    return context, f"{context}:{hashlib.sha256(indicators).hexdigest()}"


def fingerprint(workspace: Any, period: str, digest_key: str, files: list[Any],
                previous: list[tuple[str, str, str]], voided: set[int] | frozenset[int] = frozenset()
                ) -> str:
    """Everything a month's outputs are made of, known before any file is read: the same
    fingerprint means the same outputs. `files`: the ledger's `Seen` of the inbox's files;
    `previous`: last month's accepted files; `voided`: the ids of the files set aside."""
    settings = workspace.settings
    parts = [digest_key, period, settings.district, settings.region, settings.deadline_day,
             sorted((s.code, s.name, str(s.active_from), str(s.active_to))
                    for s in workspace.schools),
             previous, [(f.path, f.sha256, f.received.isoformat()) for f in files]]
    if voided:  # kept out when empty: a month without voids keeps its fingerprint
        parts.append(sorted(voided))
    return hashlib.sha256(dumps(parts).encode()).hexdigest()


def intact(outputs: dict[str, Any]) -> bool:
    """Every output the last run wrote is still there, byte for byte."""
    return all(Path(path).is_file() and file_sha256(Path(path)) == meta["sha256"]
               for path, meta in outputs.items())
