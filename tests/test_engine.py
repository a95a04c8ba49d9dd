"""The speed machinery is behind one seam (pipeline/engine): with the caches off a run gives
the same outputs, and a cached result is found only under a key derived from everything it
depends on — the package's own sources among them, nothing hand-listed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AGE, MENTORS, PETROVA
from test_same_outputs import BEFORE, PERIOD, _outputs, _resend, demo  # noqa: F401

from pipeline import check
from pipeline.consolidate import run_period
from pipeline.engine import keys
from pipeline.workspace import open_workspace

ROOT = Path(__file__).resolve().parent.parent


def _files_read(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the runs read and validate from now on (not taken from the ledger)."""
    read: list[Path] = []
    validated_batches = check.validated_batches

    def spy(paths, **kwargs):
        read.extend(paths)
        return validated_batches(paths, **kwargs)

    monkeypatch.setattr(check, "validated_batches", spy)
    return read


def test_with_the_caches_off_a_run_writes_the_same_cells(demo, tmp_path,  # noqa: F811
                                                        monkeypatch) -> None:
    cached = tmp_path / "cached"
    shutil.copytree(demo, cached)
    workspace = open_workspace(cached)
    run_period(workspace, BEFORE)
    _resend(run_period(workspace, PERIOD), "Должность", "учитель астрономии")
    read = _files_read(monkeypatch)
    again = run_period(workspace, PERIOD)  # the others' results, digests, rows: cached
    assert len(read) == 1

    fresh = tmp_path / "fresh"
    shutil.copytree(cached, fresh, ignore=shutil.ignore_patterns("outbox"))
    workspace = open_workspace(fresh)
    run_period(workspace, BEFORE, caches=False)
    read.clear()
    uncached = run_period(workspace, PERIOD, caches=False)

    assert len(read) == len(uncached.submissions)  # nothing taken from the ledger
    def results(run):
        return [{**r.as_json(), "file": Path(r.file).name} for r in run.results]

    assert results(uncached) == results(again)
    expected, got = _outputs(cached), _outputs(fresh)
    assert list(got) == list(expected)
    for name in expected:
        assert got[name] == expected[name], name

    read.clear()
    repeated = run_period(workspace, PERIOD, caches=False)
    assert not repeated.unchanged and len(read) == len(repeated.submissions)


def _nastavnik(source: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "pipeline", *args, "--json"], cwd=source,
                          env={**os.environ, "PYTHONPATH": str(source)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_a_changed_rule_message_is_not_served_from_the_cache(workspace, form,
                                                             tmp_path) -> None:
    source = tmp_path / "installed"  # the package as installed, to be upgraded in place
    for package in keys.PACKAGES:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), AGE, "сорок")
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    args = ("run", "--period", PERIOD, "-w", str(workspace.root))

    def messages(data: dict) -> list[str]:
        return [i["message"] for f in data["files"] for i in f["issues"]
                if i["code"] == "bad-number"]

    assert messages(_nastavnik(source, *args)) == [
        "«сорок» не похоже на целое число. Целое число от 10 до 99"]
    assert _nastavnik(source, *args)["unchanged"]  # the same package: served from the ledger

    issues = source / "pipeline" / "issues.py"
    issues.write_text(issues.read_text(encoding="utf-8").replace(
        "не похоже на целое число.", "— это не целое число."), encoding="utf-8")
    upgraded = _nastavnik(source, *args)

    assert not upgraded["unchanged"]
    assert messages(upgraded) == ["«сорок» — это не целое число. Целое число от 10 до 99"]


def test_any_source_of_the_package_is_part_of_the_key(tmp_path) -> None:
    source = tmp_path / "installed"
    for package in keys.PACKAGES:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    script = "from pipeline.engine import keys; print(keys.package_digest())"

    def digest() -> str:
        return subprocess.run([sys.executable, "-c", script], cwd=source, check=True,
                              env={**os.environ, "PYTHONPATH": str(source)},
                              capture_output=True, text=True).stdout.strip()

    before = digest()
    # modules a hand-kept list once missed: what decides `unknown-school`, the note's words
    for name in ("workspace.py", "russian.py", "note.py", "feedbackxml.py"):
        path = source / "pipeline" / name
        if not path.exists():  # moved by a later layout: any module will do
            path = source / "pipeline" / "consolidate.py"
        path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
        after = digest()
        assert after != before, name
        before = after
    assert set(keys.dependency_versions()) >= {"python", "pandas", "pandera",
                                               "python-calamine", "openpyxl"}
