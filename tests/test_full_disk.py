"""A full disk never costs the month: one clear Russian message saying where and how much room
is needed, the ledger intact, and once room is made the next run gives what an uninterrupted
run gives (README «Журнал и надёжность»). The disk is a small tmpfs mounted for the test."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_interrupted import leftovers, values

from pipeline.paths import STATE_DIR
from pipeline.workspace import open_workspace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import synthetic  # noqa: E402

NOV = "2026-11"
COMMAND = [sys.executable, "-m", "pipeline", "run", "--period", NOV]
DISK = "3M"  # 20 schools' files take 0.6 MB; a run needs about 1 MB more


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A workspace of 20 schools (to copy onto the small disk), the same workspace after an
    uninterrupted run on an ordinary disk, and that run's exit code."""
    work = tmp_path_factory.mktemp("district")
    made = synthetic.workspace(work / "made", 20, seed=7)
    open_workspace(made.root).secret()  # one pseudonym key for every copy
    expected = work / "expected"
    shutil.copytree(made.root, expected, symlinks=True)
    done = run(expected)
    assert done.returncode in (0, 1), done.stderr
    return made.root, expected, done.returncode


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 3 MB tmpfs, unmounted after the test."""
    if shutil.which("mount") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the `mount` command is missing: install util-linux")
        pytest.skip("the `mount` command is missing (util-linux)")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:  # not root, or a container without the right to mount
        pytest.skip("the system refused to mount a small tmpfs for the full-disk test "
                    f"(`mount -t tmpfs` needs root and CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, "-w", str(root)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def fill(disk: Path, leave_kb: int) -> Path:
    """Take the disk's room but `leave_kb`; the file that takes it."""
    stat = os.statvfs(disk)
    filler = disk / "filler"
    with filler.open("wb") as handle:
        left = stat.f_bavail * stat.f_frsize - leave_kb * 1024
        while left > 0:
            handle.write(b"\0" * min(left, 1 << 20))
            left -= 1 << 20
    return filler


def said_no_space(done: subprocess.CompletedProcess[str], root: Path) -> bool:
    """Whether the run ended with the one clear message (and nothing else a user would
    misread: no traceback, no English, no advice to restore the ledger or close Excel)."""
    if done.returncode != 1 or "не хватает места" not in done.stderr:
        return False
    [line] = [ln for ln in done.stderr.splitlines() if ln.startswith("Ошибка:")]
    assert re.fullmatch(
        f"Ошибка: на диске, где лежит папка {re.escape(str(root))}, не хватает места: "
        r"свободно \d+(,\d)?\xa0[КМ]Б, нужно примерно \d+(,\d)?\xa0МБ — освободите место и "
        r"запустите команду снова\. Журнал nastavnik \(папка \.nastavnik\) не повреждён: "
        "восстанавливать его из резервной копии не нужно", line), line
    for wrong in ("Traceback", "непредвиденная", "восстановите", "Excel", "disk is full",
                  "Error", "No space"):
        assert wrong not in done.stderr, done.stderr
    return True


def ledger_intact(root: Path) -> None:
    with sqlite3.connect(root / STATE_DIR / "ledger.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def same_outputs(ours: Path, theirs: Path) -> None:
    ours, theirs = ours / "outbox" / NOV, theirs / "outbox" / NOV
    books = sorted(p.name for p in theirs.glob("*.xlsx"))
    assert books and sorted(p.name for p in ours.glob("*.xlsx")) == books
    for name in books:
        assert values(ours / name) == values(theirs / name), name
    assert sorted(p.name for p in (ours / "Замечания").glob("*")) == \
        sorted(p.name for p in (theirs / "Замечания").glob("*"))


@pytest.mark.parametrize("free_kb", [40, 150, 500])
def test_a_run_on_a_full_disk_says_so_and_after_room_is_made_the_next_finishes(
        district, small_disk, free_kb):
    made, expected, code = district
    root = small_disk / "район"
    shutil.copytree(made, root, symlinks=True)
    filler = fill(small_disk, free_kb)

    full = run(root)

    assert said_no_space(full, root), full.stderr
    ledger_intact(root)
    assert leftovers(root) == []
    filler.unlink()
    again = run(root)
    assert again.returncode == code, again.stderr
    assert "Прошлый запуск был прерван" not in again.stderr  # it ended, in order
    ledger_intact(root)
    same_outputs(root, expected)


@pytest.mark.fault
@pytest.mark.parametrize("delay", [0.8, 1.6, 2.4])
def test_a_run_killed_on_a_nearly_full_disk_is_finished_once_room_is_made(
        district, small_disk, delay):
    made, expected, _ = district
    root = small_disk / "район"
    shutil.copytree(made, root, symlinks=True)
    filler = fill(small_disk, 1200)  # about what the run needs: it may run out, or not

    victim = subprocess.Popen([*COMMAND, "-w", str(root)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    os.kill(victim.pid, signal.SIGKILL)  # a power cut: the main process only
    victim.wait()
    time.sleep(0.5)
    next_run = run(root)  # the disk still nearly full: done, or the one clear message
    assert next_run.returncode in (0, 1), next_run.stderr
    assert "занята" not in next_run.stderr
    if "не хватает места" in next_run.stderr:
        assert said_no_space(next_run, root)
    ledger_intact(root)
    filler.unlink()
    again = run(root)

    assert again.returncode in (0, 1), again.stderr
    assert leftovers(root) == []
    ledger_intact(root)
    same_outputs(root, expected)
