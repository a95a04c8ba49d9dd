"""`benchmarks/run.py --against REV`: a revision's code and this checkout's timed on the same
workspaces in one invocation (issue 18). Only what it reports is checked, never how fast."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_benchmarks import COLUMNS, _table

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_a_revision_and_this_checkout_are_timed_in_turns_on_the_same_workspace(tmp_path):
    try:
        commit = _git("rev-parse", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    out = tmp_path / "BENCH.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "20",
         "--work", str(tmp_path / "work"), "--out", str(out), "--repeat", "1",
         "--python", "here", "--against", commit],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr

    text = out.read_text(encoding="utf-8")
    header, *rows = _table(text, "revision")
    assert header == ["revision", *COLUMNS]
    theirs, ours = (row[0] for row in rows)
    assert theirs == f"{commit[:len(theirs.split()[0])]} (worktree)"
    assert ours.startswith(f"HEAD {commit[:7]}")
    assert [row[1] for row in rows] == ["20", "20"] and rows[0][2:5] == rows[1][2:5]
    # the two take turns: the revision's cold, warm, resubmitted, then this checkout's
    runs = re.findall(r"nastavnik (.+) run, (cold|warm|resubmitted)(, memory)?…",
                      result.stderr)
    assert [(who, what) for who, what, memory in runs if not memory] == \
        [(theirs, "cold"), (theirs, "warm"), (theirs, "resubmitted"),
         (ours, "cold"), (ours, "warm"), (ours, "resubmitted")]
    assert "the rows «" in text and "the targets are judged on this checkout's rows" in text
    # its worktree is gone (other worktrees of the repository may come and go meanwhile)
    [folder] = re.findall(r"checked out into (\S+)…", result.stderr)
    assert not Path(folder).exists() and folder not in _git("worktree", "list")
