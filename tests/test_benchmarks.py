"""The benchmark runs end to end on a small district and writes its table.

Only that it works and what it reports are checked, never how fast: timings belong in
BENCHMARKS.md, not in a test that fails on a slow or busy machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["schools", "files", "inbox MB", "generation s", "cold s", "cold MB", "warm s",
           "warm MB", "5% resubmitted s", "5% resubmitted MB", "baseline s", "baseline MB",
           "baseline / cold", "--help s"]
TARGETS = ["1,000 schools, cold run ≤ 15 s", "1,000 schools, warm run ≤ 1.5 s",
           "1,000 schools, 5 % resubmitted ≤ 3 s", "`nastavnik --help` ≤ 0.3 s",
           "10,000 schools, peak memory ≤ 1 GB", "1,000 schools, ≥ 5× faster than the baseline"]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(text: str, first_header: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(_cells(line))
    return [rows[0], *rows[2:]]  # without the alignment row


def test_benchmark_of_twenty_schools_writes_the_table_and_the_targets(tmp_path) -> None:
    out = tmp_path / "BENCH.md"
    work = tmp_path / "work"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "20",
         "--work", str(work), "--out", str(out), "--repeat", "2", "--python", "here"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    text = out.read_text(encoding="utf-8")
    assert "Machine: " in text and "Python 3." in text
    header, *rows = _table(text, "schools")
    assert header == COLUMNS
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["schools"] == "20" and row["files"] == "20"
    for column in COLUMNS[2:]:
        assert float(row[column].removesuffix(" (reused)")) >= 0, column
    assert "| 20 | cold |" in text and "| 20 | baseline |" in text
    # two timed attempts of each run, the fastest in the table
    cold_times = re.search(r"- 20 schools, cold: ([\d.]+), ([\d.]+) s \(the fastest", text)
    assert cold_times, text
    assert float(row["cold s"]) == min(float(t) for t in cold_times.groups())

    header, *targets = _table(text, "target")
    assert [t[0] for t in targets] == TARGETS
    verdicts = {t[0]: t[2] for t in targets}
    assert verdicts["1,000 schools, cold run ≤ 15 s"] == "not measured"
    help_verdict = verdicts["`nastavnik --help` ≤ 0.3 s"]
    assert help_verdict == "met" or help_verdict.startswith("missed by")
    # the same table on stdout, and the workspace kept for the next invocation
    assert _table(result.stdout, "schools")[0] == COLUMNS
    assert (work / "schools-20-seed-7" / "inbox" / "2026-11").is_dir()


def test_namesakes_benchmark_of_twenty_schools_adds_its_section_and_keeps_the_rest(
        tmp_path) -> None:
    out = tmp_path / "BENCH.md"
    before = "# Benchmarks\n\nThe main table.\n\n## Targets\n\nThe targets.\n"
    out.write_text(before, encoding="utf-8")
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--namesakes", "--sizes",
               "20", "--work", str(tmp_path / "work"), "--out", str(out), "--repeat", "1",
               "--python", "here"]

    for _ in range(2):  # the second time replaces the section
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr

    text = out.read_text(encoding="utf-8")
    assert text.startswith(before)
    assert text.count("## Namesakes") == 1
    header, *rows = _table(text, "schools")
    assert header == ["schools", "distinct cold s", "namesakes cold s", "namesakes / distinct",
                      "cross-school warnings", "feedback files"]
    assert len(rows) == 1 and rows[0][0] == "20"
    distinct, namesakes = (int(n) for n in rows[0][4].split(" / "))
    assert distinct == 0 and namesakes >= 20  # three people in every school
    assert (tmp_path / "work" / "schools-20-seed-7-namesakes" / "inbox" / "2026-11").is_dir()
