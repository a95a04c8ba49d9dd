"""The engine works when worker processes are spawned, as on Windows and macOS, not only
forked, as on Linux (issue 18): what a worker is sent must pickle, and a spawned worker
imports afresh what it needs. NASTAVNIK_START_METHOD forces the method; here the run-level
tests run again in a pytest of their own with it set to spawn."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.engine import workers
from pipeline.engine.workers import START_METHOD_ENV, Workers

ROOT = Path(__file__).resolve().parent.parent
# the run-level tests: reading in workers, the month's run, the demo's outputs cell for cell
UNDER_SPAWN = ("tests/test_workers.py", "tests/test_consolidate.py",
               "tests/test_demo_snapshot.py::test_demo_outputs_are_the_same_as_before_the_redesign")


def _chunk() -> int:
    return workers.CHUNK


@pytest.mark.parametrize(("method", "seen"), [("fork", 3), ("spawn", workers.CHUNK)])
def test_the_start_method_of_the_workers_can_be_forced(monkeypatch, method, seen) -> None:
    monkeypatch.setenv(START_METHOD_ENV, method)
    monkeypatch.setattr(workers, "CHUNK", 3)  # a change only a forked worker inherits
    with Workers(1) as pool:
        assert pool.submit(_chunk).result(timeout=120) == seen


def test_the_run_level_tests_pass_when_workers_are_spawned(tmp_path) -> None:
    env = {**os.environ, START_METHOD_ENV: "spawn"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rs",
         "--basetemp", str(tmp_path / "tests"), *UNDER_SPAWN],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    skipped = re.search(r"(\d+) skipped", summary)
    assert passed >= 20, summary
    # skipped, and so spawned: the tests that replace the reader in this process (conftest)
    assert skipped and int(skipped.group(1)) == 7, summary
