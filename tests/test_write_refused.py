"""When an output cannot be written, or the workspace is held, the user reads one Russian line
naming what they know (the output's own name, the command holding the workspace); a lock left
by a killed run is taken over with a note, never silently (README «Журнал и надёжность»)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.paths import STAGING_DIR, STATE_DIR
from pipeline.report import report_path

ROOT = Path(__file__).resolve().parent.parent
NOV = "2026-11"
LATIN = re.compile(r"[A-Za-z]{3,}")


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def english(text: str, *allowed: str) -> list[str]:
    """Latin words a user would read, but the paths and names given."""
    for part in allowed:
        text = text.replace(part, "")
    return [w for w in LATIN.findall(text) if w not in ("nastavnik", "Excel", "debug")]


def test_a_folder_named_like_the_district_workbook_is_named_in_the_message(workspace, form):
    form.save(workspace.inbox / NOV / "7.xlsx")
    target = workspace.outbox / NOV / f"Свод_{NOV}.xlsx"
    target.mkdir(parents=True)
    (target / "чужой файл.txt").write_text("не трогать")

    result = invoke("run", "--period", NOV, "-w", workspace.root)

    assert result.exit_code == 1, result.output
    assert (f"Ошибка: {target}: не удалось записать — на этом месте папка, а не файл; уберите "
            "или переименуйте эту папку и запустите команду снова") in result.output
    assert ".~" not in result.output and STATE_DIR not in result.output  # not the staged file
    assert english(result.output, str(target)) == []
    assert (target / "чужой файл.txt").read_text() == "не трогать"
    staging = workspace.state_dir / STAGING_DIR
    assert not staging.is_dir() or list(staging.iterdir()) == []


def test_a_folder_named_like_the_ministry_report_is_named_in_the_message(workspace, form):
    form.save(workspace.inbox / NOV / "7.xlsx")
    assert invoke("run", "--period", NOV, "-w", workspace.root).exit_code == 0
    target = report_path(workspace, NOV)
    target.unlink()
    target.mkdir()

    result = invoke("report", "--period", NOV, "-w", workspace.root)

    assert result.exit_code == 1, result.output
    assert (f"Ошибка: {target}: не удалось записать — на этом месте папка, а не файл; уберите "
            "или переименуйте эту папку") in result.output
    assert english(result.output, str(target)) == []


def hold(state_dir: Path, what: str) -> subprocess.Popen[str]:
    """Another process holding the workspace, as a run does."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path;"
         "from pipeline.ledger import workspace_lock;"
         "cm = workspace_lock(Path(sys.argv[1]), sys.argv[2]); cm.__enter__();"
         "print('held', flush=True); time.sleep(60)", str(state_dir), what],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_report_is_refused_while_a_run_holds_the_workspace(workspace, form):
    form.save(workspace.inbox / NOV / "7.xlsx")
    assert invoke("run", "--period", NOV, "-w", workspace.root).exit_code == 0
    report = report_path(workspace, NOV)
    before = report.stat().st_mtime_ns
    holder = hold(workspace.state_dir, f"свод за {NOV}")
    try:
        result = subprocess.run([sys.executable, "-m", "pipeline", "report", "--period", NOV,
                                 "-w", str(workspace.root)], capture_output=True, text=True,
                                cwd=ROOT, timeout=120)
    finally:
        holder.kill()
        holder.wait()

    assert result.returncode == 1, result.stderr
    assert (f"Ошибка: рабочая папка занята: свод за {NOV} (процесс {holder.pid}, "
            "пользователь ") in result.stderr
    assert "дождитесь окончания и запустите снова" in result.stderr
    assert report.stat().st_mtime_ns == before  # nothing written over the run's report


def killed_holder(workspace, what: str) -> int:
    """A process that took the workspace and was killed holding it, leaving a staged file;
    its process id."""
    holder = hold(workspace.state_dir, what)
    staging = workspace.state_dir / STAGING_DIR
    staging.mkdir(parents=True, exist_ok=True)
    (staging / f".~Свод_{NOV}abc.xlsx").write_bytes(b"PK\x03\x04half")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    return holder.pid


def test_a_lock_left_by_a_killed_run_is_taken_over_with_a_note(workspace, form):
    form.save(workspace.inbox / NOV / "7.xlsx")
    pid = killed_holder(workspace, f"свод за {NOV}")

    result = invoke("run", "--period", NOV, "-w", workspace.root)

    assert result.exit_code == 0, result.output
    [note] = [line for line in result.stderr.splitlines() if "прерван" in line]
    assert re.fullmatch(rf"Прошлый запуск был прерван: свод за {NOV} \(процесс {pid}, "
                        r"пользователь .+ на .+, с \d\d\.\d\d\.\d{4} \d\d:\d\d\)\. Рабочая "
                        r"папка освобождена, удалено оставшихся от него временных файлов: 1\.",
                        note), note
    assert list((workspace.state_dir / STAGING_DIR).iterdir()) == []
    with sqlite3.connect(workspace.state_dir / "ledger.sqlite") as db:
        [(holder, taken_by, cleaned)] = db.execute(
            "SELECT holder, taken_by, cleaned FROM takeovers").fetchall()
    assert holder.startswith(f"свод за {NOV} (процесс {pid},")
    assert (taken_by, cleaned) == (f"свод за {NOV}", 1)
    again = invoke("run", "--period", NOV, "-w", workspace.root)  # let go in order: no note
    assert again.exit_code == 0, again.output
    assert "прерван" not in again.output


def test_a_run_killed_in_the_middle_is_marked_interrupted_by_the_report_taking_over(
        workspace, form):
    form.save(workspace.inbox / NOV / "7.xlsx")
    assert invoke("run", "--period", NOV, "-w", workspace.root).exit_code == 0
    with sqlite3.connect(workspace.state_dir / "ledger.sqlite") as db:  # as a killed run left it
        db.execute("INSERT INTO runs (period, started, tool_version, context) "
                   "VALUES (?, '2026-12-01T10:00:00', 'x', 'x')", (NOV,))
    killed_holder(workspace, f"свод за {NOV}")

    result = invoke("report", "--period", NOV, "-w", workspace.root)

    assert result.exit_code == 0, result.output
    assert "Прошлый запуск был прерван: свод за 2026-11 (процесс " in result.stderr
    assert "удалено оставшихся от него временных файлов: 1." in result.stderr
    with sqlite3.connect(workspace.state_dir / "ledger.sqlite") as db:
        assert [o for (o,) in db.execute("SELECT outcome FROM runs ORDER BY id")] == \
            ["done", "interrupted"]
        assert db.execute("SELECT taken_by FROM takeovers").fetchall() == [(f"отчёт за {NOV}",)]
    assert Path(report_path(workspace, NOV)).is_file()
    assert not (workspace.root / STATE_DIR / STAGING_DIR / f".~Свод_{NOV}abc.xlsx").exists()
