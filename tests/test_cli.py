"""The command line as a methodologist uses it: Russian output, exit codes, JSON for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import BASE_COUNTS, MENTORS, NAME, PERIOD, PETROVA, FormBuilder

from pipeline.cli import cli

# every command, and each command of a group («mail fetch»)
COMMANDS = [name for top, command in sorted(cli.commands.items())
            for name in [top, *(f"{top} {sub}" for sub in getattr(command, "commands", {}))]]


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_russian_help_with_an_example(command: str) -> None:
    result = invoke(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert "Использование:" in result.output
    assert "Пример:" in result.output
    assert "Show this message" not in result.output


def test_the_group_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    for command in ("init", "template", "check", "run", "demo"):
        assert command in result.output


def test_init_creates_a_workspace(tmp_path: Path) -> None:
    result = invoke("init", tmp_path / "район", "--district", "Тестовый округ")
    assert result.exit_code == 0, result.output
    root = tmp_path / "район"
    assert (root / "nastavnik.toml").is_file()
    assert "Тестовый округ" in (root / "nastavnik.toml").read_text(encoding="utf-8")
    assert (root / "schools.xlsx").is_file()
    assert (root / "inbox").is_dir() and (root / "outbox").is_dir()


def test_check_of_a_clean_form_exits_0(workspace, form: FormBuilder, tmp_path) -> None:
    path = form.save(tmp_path / "7.xlsx")
    result = invoke("check", path, "-w", workspace.root, "--period", PERIOD)
    assert result.exit_code == 0, result.output
    assert "7.xlsx: принят [ОО-07]" in result.output
    assert "Итого: 1 файл, принято 1, отклонено 0" in result.output


def test_check_groups_problems_by_sheet_and_exits_1(workspace, form, tmp_path) -> None:
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Петрова")
    path = form.save(tmp_path / "7.xlsx")
    result = invoke("check", path, "-w", workspace.root, "--period", PERIOD)
    assert result.exit_code == 1, result.output
    assert "Лист «Наставники»:" in result.output
    row = form.row_of(MENTORS, "Петрова")
    assert f"ошибка: строка {row}, «ФИО» — «Петрова» не похоже на ФИО." in result.output


def test_check_json_follows_the_contract(workspace, form, tmp_path) -> None:
    good = form.save(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    result = invoke("check", good, bad, "-w", workspace.root, "--period", PERIOD, "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert [d["file"] for d in data] == [str(good), str(bad)]
    assert data[0] == {**data[0], "school_code": "ОО-07", "period": PERIOD,
                       "status": "accepted", "counts": BASE_COUNTS}
    assert data[1]["status"] == "rejected"
    assert data[1]["counts"] == {"mentors": 0, "mentees": 0, "links": 0}
    issue = data[1]["issues"][0]
    assert set(issue) == {"code", "severity", "sheet", "row", "column", "value", "message"}
    assert issue["code"] == "unreadable-file" and issue["severity"] == "fatal"


def test_check_takes_the_period_from_the_inbox_folder(workspace, form) -> None:
    path = form.copy().set_title("Отчётный период", "2026-10").save(
        workspace.inbox / PERIOD / "7.xlsx")
    result = invoke("check", path, "-w", workspace.root, "--json")
    data = json.loads(result.output)
    assert [i["code"] for i in data[0]["issues"]] == ["period-mismatch"]


def test_a_wrong_period_is_a_usage_error_in_russian(workspace) -> None:
    result = invoke("run", "--period", "ноябрь", "-w", workspace.root)
    assert result.exit_code == 2
    assert "укажите месяц в виде ГГГГ-ММ" in result.output


def test_a_folder_that_is_not_a_workspace_says_what_to_do(tmp_path) -> None:
    result = invoke("run", "--period", PERIOD, "-w", tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith("Ошибка: ")
    assert "nastavnik init" in result.output
    assert "Traceback" not in result.output


def test_run_json_follows_the_contract(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    result = invoke("run", "--period", PERIOD, "-w", workspace.root, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {k: data[k] for k in ("period", "expected", "received", "accepted", "rejected",
                                 "missing")} == {
        "period": PERIOD, "expected": 2, "received": 1, "accepted": 1, "rejected": 0,
        "missing": ["ОО-08"]}
    assert Path(data["outputs"]["consolidated"]).is_file()
    assert data["files"][0]["counts"] == BASE_COUNTS


def test_run_prints_a_line_per_file_and_who_is_missing(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    result = invoke("run", "--period", PERIOD, "-w", workspace.root)
    assert result.exit_code == 0, result.output
    assert "7.xlsx: принят [ОО-07]" in result.output
    assert "Не представили: ОО-08" in result.output
    assert "ожидались 2 школы, прислала отчёт 1." in result.output


def test_an_output_that_cannot_be_written_is_an_error_not_a_traceback(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    (workspace.outbox / PERIOD).write_text("a file where the month folder should be")
    result = CliRunner().invoke(cli, ["run", "--period", PERIOD, "-w", str(workspace.root)])
    assert result.exit_code == 1, result.output
    assert "Ошибка:" in result.output
    assert "Traceback" not in result.output


def test_the_installed_command_runs_as_a_subprocess(workspace, form, tmp_path) -> None:
    path = form.save(tmp_path / "7.xlsx")
    done = subprocess.run([sys.executable, "-m", "pipeline", "check", str(path), "-w",
                           str(workspace.root), "--period", PERIOD, "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["status"] == "accepted"
    assert done.stderr == ""


def test_problems_are_coloured_on_a_terminal_and_plain_when_piped(workspace, form,
                                                                   tmp_path) -> None:
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Петрова")
    path = form.save(tmp_path / "7.xlsx")
    args = ["check", str(path), "-w", str(workspace.root), "--period", PERIOD]
    coloured = CliRunner().invoke(cli, args, color=True)
    piped = CliRunner().invoke(cli, args)
    assert "\x1b[31m" in coloured.output  # red for the error
    assert "\x1b[" not in piped.output
    assert piped.output == click.unstyle(coloured.output)
