"""A killed run never costs the month: nothing half-written beside the user's files, and the
next run finishes the job with the same outputs (README «Журнал и надёжность»)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import T_CODE

from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.paths import STAGING_DIR, STATE_DIR
from pipeline.workspace import open_workspace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import synthetic  # noqa: E402

NOV = "2026-11"


def leftovers(root: Path) -> list[Path]:
    """Temporary files anywhere a user looks, and in the staging folder."""
    found = [p for p in (root / "outbox").rglob("*")
             if p.name.startswith((".~", "~$")) or p.suffix == ".rows"]
    staging = root / STATE_DIR / STAGING_DIR
    return found + (list(staging.iterdir()) if staging.is_dir() else [])


def values(path: Path) -> dict[str, list[tuple]]:
    """A workbook's cells, but the line saying when it was made (workbooks.made_line): the
    two runs compared may fall in different minutes."""
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [r for r in ws.iter_rows(values_only=True)
                       if not any(isinstance(c, str) and c.startswith("Сформирован ")
                                  for c in r)]
            for ws in book}


def test_what_an_earlier_interrupted_run_left_is_cleaned(workspace, form):
    form.save(workspace.inbox / NOV / "7.xlsx")
    month = workspace.outbox / NOV
    month.mkdir(parents=True)
    # as versions before this one left them beside the outputs, and as this one stages them
    (month / ".~Свод_2026-11abc.xlsx").write_bytes(b"")
    (month / ".~.~Свод_2026-11def.xlsx").write_bytes(b"PK\x03\x04partial")
    (month / "Свод_2026-11.xlsx.rows").write_bytes(b"x" * 1000)
    staging = workspace.state_dir / STAGING_DIR
    staging.mkdir(parents=True, exist_ok=True)
    (staging / ".~Отчёт Тестовый район 2026-11x.xlsx").write_bytes(b"whole, never renamed")

    run = run_period(workspace, NOV)

    assert leftovers(workspace.root) == []
    assert Path(run.outputs["consolidated"]).is_file()


def test_outputs_are_staged_in_the_workspace_not_beside_the_users_files(workspace, form,
                                                                       monkeypatch):
    from pipeline import consolidate

    form.save(workspace.inbox / NOV / "7.xlsx")
    seen: list[Path] = []
    real = consolidate.write_district_workbook

    def spy(path, *args, **kwargs):
        seen.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(consolidate, "write_district_workbook", spy)
    run_period(workspace, NOV)

    assert seen and all(p.parent == workspace.state_dir / STAGING_DIR for p in seen)


@pytest.mark.fault
@pytest.mark.parametrize("delay", [0.6, 1.5, 2.5, 3.5])
def test_a_run_killed_at_any_moment_is_finished_by_the_next(tmp_path, delay):
    work = tmp_path / "work"
    made = synthetic.workspace(work, 120, seed=7)
    root = made.root
    open_workspace(root).secret()  # one pseudonym key for both copies
    expected_root = tmp_path / "expected"
    shutil.copytree(root, expected_root, symlinks=True)
    command = [sys.executable, "-m", "pipeline", "run", "--period", NOV]
    done = subprocess.run([*command, "-w", str(expected_root)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode in (0, 1), done.stderr

    victim = subprocess.Popen([*command, "-w", str(root)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    time.sleep(delay)
    os.kill(victim.pid, signal.SIGKILL)  # a power cut: the main process only
    victim.wait()
    time.sleep(0.5)

    again = subprocess.run([*command, "-w", str(root)], capture_output=True, text=True,
                           cwd=ROOT, timeout=300)

    assert again.returncode in (0, 1), again.stderr
    assert "занята" not in again.stderr
    assert leftovers(root) == []
    ours, theirs = root / "outbox" / NOV, expected_root / "outbox" / NOV
    for path in theirs.glob("*.xlsx"):
        assert values(ours / path.name) == values(path), path.name
    assert sorted(p.name for p in (ours / "Замечания").glob("*")) == \
        sorted(p.name for p in (theirs / "Замечания").glob("*"))
    with sqlite3.connect(root / STATE_DIR / "ledger.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_file_named_in_an_old_mail_clients_encoding_is_read_like_any_other(workspace, form):
    folder = workspace.inbox / NOV
    folder.mkdir(parents=True)
    for name, codec, code in (("Отчёт школа 7.xlsx", "cp1251", "ОО-07"),
                              ("Гимназия 8.xlsx", "cp866", "ОО-08")):
        saved = form.copy().set_title(T_CODE, code).save(folder / "tmp.xlsx")
        os.rename(os.fsencode(saved), os.fsencode(folder) + b"/" + name.encode(codec))

    result = CliRunner().invoke(cli, ["run", "--period", NOV, "-w", str(workspace.root)])

    assert result.exit_code == 0, result.output
    assert "Отчёт школа 7.xlsx: принят с замечаниями [ОО-07]" in result.output  # namesakes
    assert "Гимназия 8.xlsx: принят с замечаниями [ОО-08]" in result.output
    summary = openpyxl.load_workbook(workspace.outbox / NOV / f"Свод_{NOV}.xlsx")["Сводка"]
    files = {row[4] for row in summary.iter_rows(values_only=True)}
    assert {"Отчёт школа 7.xlsx", "Гимназия 8.xlsx"} <= files
    status = CliRunner().invoke(cli, ["status", "--period", NOV, "-w", str(workspace.root)])
    assert status.exit_code == 0, status.output
    assert "Гимназия 8.xlsx" in status.output and "новые файлы" not in status.output


def test_a_link_in_the_inbox_to_a_file_outside_the_workspace_is_not_opened(workspace, form,
                                                                          tmp_path):
    form.save(workspace.inbox / NOV / "7.xlsx")
    secret = tmp_path / "outside" / "passwd.xlsx"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (workspace.inbox / NOV / "8.xlsx").symlink_to(secret)

    run = run_period(workspace, NOV)

    linked = next(r for r in run.results if r.file.endswith("8.xlsx"))
    assert linked.status == "rejected"
    assert [i.code for i in linked.issues] == ["link-outside-workspace"]
    assert "ссылка на файл вне рабочей папки" in linked.issues[0].message
    accepted = next(r for r in run.results if r.file.endswith("7.xlsx"))
    assert accepted.status == "accepted"  # the run goes on
    for output in workspace.outbox.rglob("*.xlsx"):
        assert "root:x:0:0" not in texts(output)


def texts(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as package:
        return "".join(package.read(n).decode("utf-8", "replace") for n in package.namelist())
