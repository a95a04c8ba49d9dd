"""What the command line says is true, and in Russian: the month it takes, the folder it reads,
the files it checks, who holds the workspace, how long is left; no English, no traceback."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    MENTORS,
    PERIOD,
    PETROVA,
    SCHOOLS,
    T_PUPILS_10_18,
    FormBuilder,
)
from hostile import rezip, sheet_part
from test_cli import COMMANDS  # every command, and each command of a group («mail fetch»)

import pipeline.cli as cli_module
from pipeline.cli import cli
from pipeline.console import Eta, file_report, summary_line
from pipeline.consolidate import run_period
from pipeline.report import build_report, write_report_workbook
from pipeline.workspace import School, init_workspace, nearest_period

ROOT = Path(__file__).resolve().parent.parent


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False,
                              prog_name="nastavnik")


# --- the month a command takes when none is given ---------------------------------------------


@pytest.mark.parametrize(("today", "day", "expected"), [
    (dt.date(2026, 12, 1), 10, "2026-11"),   # November's deadline, 10.12, is 9 days ahead
    (dt.date(2026, 12, 10), 10, "2026-11"),  # the deadline day itself
    (dt.date(2026, 12, 25), 10, "2026-11"),  # 15 days past November's, 16 before December's
    (dt.date(2026, 12, 26), 10, "2026-12"),  # 16 days past, 15 before 10.01.2027
    (dt.date(2027, 1, 3), 10, "2026-12"),    # across the year
    (dt.date(2026, 12, 31), 10, "2026-12"),
    (dt.date(2026, 11, 19), 5, "2026-10"),   # 14 days past 05.11, 16 before 05.12
    (dt.date(2026, 11, 21), 5, "2026-11"),   # 16 days past 05.11, 14 before 05.12
    (dt.date(2027, 3, 1), 31, "2027-01"),    # «31» in February is its last day, 28.02
])
def test_the_month_taken_is_the_one_whose_deadline_is_nearest(today, day, expected) -> None:
    assert nearest_period(today, day) == expected


def test_a_tie_goes_to_the_month_whose_reports_are_still_coming() -> None:
    # deadline day 16: October's 16.11 and November's 16.12 are both 15 days from 01.12
    assert nearest_period(dt.date(2026, 12, 1), 16) == "2026-11"


def test_without_period_status_says_which_month_it_took(workspace, monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "_today", lambda: dt.date(2026, 12, 3))
    result = CliRunner().invoke(cli, ["status", "-w", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Месяц не указан: берём 2026-11 (срок сдачи 05.12.2026)\n")
    assert "Период 2026-11, срок сдачи — до 05.12.2026" in result.output


def test_without_period_run_takes_the_month_being_collected(workspace, form,
                                                            monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "_today", lambda: dt.date(2026, 12, 3))
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    result = CliRunner().invoke(cli, ["run", "-w", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert "Месяц не указан: берём 2026-11 (срок сдачи 05.12.2026)" in result.output
    assert (workspace.outbox / PERIOD / f"Свод_{PERIOD}.xlsx").is_file()


def test_without_period_templates_are_for_the_month_after_the_one_collected(
        workspace, monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "_today", lambda: dt.date(2026, 12, 3))
    result = CliRunner().invoke(cli, ["template", "-w", str(workspace.root), "--school",
                                      "ОО-07"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Месяц не указан: шаблоны на 2026-12 — месяц после 2026-11 "
                                    "(срок сдачи за 2026-11 — 05.12.2026)\n")
    assert list((workspace.outbox / "2026-12" / "templates").iterdir())


# --- run: a month without a folder ------------------------------------------------------------


def test_run_for_a_month_without_an_inbox_folder_writes_nothing(workspace) -> None:
    before = sorted(workspace.root.rglob("*"))
    result = CliRunner().invoke(cli, ["run", "--period", "2026-01", "-w", str(workspace.root)])
    assert result.exit_code == 1, result.output
    assert result.output == (f"Ошибка: {workspace.inbox / '2026-01'}: такой папки нет — "
                             "проверьте месяц (--period 2026-01) или создайте папку и "
                             "сохраните в неё файлы школ\n")
    assert sorted(workspace.root.rglob("*")) == before


def test_run_for_an_empty_month_folder_runs_and_says_so(workspace) -> None:
    (workspace.inbox / PERIOD).mkdir(parents=True)
    result = CliRunner().invoke(cli, ["run", "--period", PERIOD, "-w", str(workspace.root)])
    assert result.exit_code == 0, result.output  # a missing school is not a file's error
    assert "Период 2026-11: ожидались 2 школы, отчёт не прислала ни одна." in result.output
    assert f"В папке {workspace.inbox / PERIOD} нет файлов: свод покажет, что отчёты не " \
           "представлены." in result.output
    assert "Не представили: ОО-07, ОО-08" in result.output
    assert (workspace.outbox / PERIOD / f"Свод_{PERIOD}.xlsx").is_file()


# --- check: a path that is not there -----------------------------------------------------------


def test_check_of_a_missing_path_is_a_usage_error(workspace, tmp_path) -> None:
    missing = tmp_path / "нет-такого.xlsx"
    result = CliRunner().invoke(cli, ["check", str(missing), "-w", str(workspace.root)])
    assert result.exit_code == 2, result.output
    assert f"Ошибка: Неверное значение 'ФАЙЛ...': Файл «{missing}» не существует." \
        in result.output
    assert "отклонён" not in result.output


# --- a reader that goes away ------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory) -> Path:
    """A registry long enough that `status` writes more than a pipe holds."""
    root = tmp_path_factory.mktemp("big") / "ws"
    init_workspace(root, schools=tuple(School(f"ОО-{n:04d}", f"МБОУ «СОШ № {n}»")
                                       for n in range(1, 3001)))
    return root


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", *args]


def test_output_into_a_closed_pipe_ends_quietly(big_workspace) -> None:
    process = subprocess.Popen(_command("status", "-w", str(big_workspace), "--period", PERIOD),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    process.stdout.close()  # the reader is gone before anything is written
    errors = process.stderr.read().decode()
    process.wait(timeout=120)
    assert errors == ""


def test_status_piped_into_head_prints_one_line_and_nothing_else(big_workspace) -> None:
    done = subprocess.run(
        " ".join(_command("status", "-w", str(big_workspace), "--period", PERIOD))
        + " | head -1", shell=True, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout == "Период 2026-11, срок сдачи — до 05.12.2026\n"
    assert done.stderr == ""


# --- Russian everywhere -----------------------------------------------------------------------

# Latin words a Russian help may carry: the program, its commands and options, file names
ALLOWED = {"nastavnik", "init", "template", "check", "run", "report", "rollup", "status",
           "history", "demo", "inbox", "outbox", "xlsx", "docx", "toml", "schools", "districts",
           "json", "deadline_day", "excel", "word", "tmp"}
ALLOWED |= {"approve", "reopen"}  # a month's sign-off (issue 19)
ALLOWED |= {"void", "unvoid"}  # a school's file set aside (issue 19)
ALLOWED |= {"mail", "fetch", "send", "readme", "xlsm", "xls", "ods", "zip", "eml"}  # issue 20
ALLOWED |= {"serve"}  # the office page (issue 22)


def _english(text: str) -> list[str]:
    text = re.sub(r"--?[a-z][a-z-]*", " ", text)  # options
    text = re.sub(r"\S+\.(xlsx|toml|docx)\b", " ", text)
    words = re.findall(r"[A-Za-z_]{2,}", text)
    return [w for w in words if w.lower() not in ALLOWED and w != "JSON"]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_is_russian_with_one_line_and_an_example(command: str) -> None:
    result = invoke(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert _english(result.output) == [], result.output
    assert result.output.startswith("Использование: nastavnik ")
    if command:
        assert "[ПАРАМЕТРЫ]" in result.output.splitlines()[0]
        body = result.output.split("\n\n")[1].strip()
        assert "\n" not in body, body  # one line saying what it does
        assert "Пример: nastavnik " + command in result.output


@pytest.mark.parametrize("args", [
    *[[*command.split(), "--no-such-option"] for command in COMMANDS],
    ["no-such-command"], ["check"], ["rollup"], ["history"], ["init"],
    ["status", "--period"], ["status", "--period", "11.2026"], ["run", "extra"],
    ["check", "nowhere.xlsx"], ["rollup", "nowhere", "--period", PERIOD],
])
def test_every_usage_error_is_russian(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, prog_name="nastavnik")
    assert result.exit_code == 2, result.output
    assert "Ошибка: " in result.output
    assert _english(result.output.replace("no-such-command", "").replace("nowhere", "")
                    .replace("extra", "")) == [], result.output


def test_a_broken_workbook_is_rejected_in_russian_only(workspace, form, tmp_path) -> None:
    data = form.save(tmp_path / "7.xlsx").read_bytes()
    name = sheet_part(data, MENTORS)
    broken = tmp_path / "сломан.xlsx"  # the sheet's XML ends in an unclosed tag
    broken.write_bytes(rezip(data, lambda n, d: d.replace(b"</worksheet>", b"<x") if n == name
                             else d))
    result = invoke("check", broken, "-w", workspace.root, "--period", PERIOD)
    assert result.exit_code == 1, result.output
    assert ("файл отклонён — Файл не удаётся прочитать как книгу Excel (файл повреждён: не "
            "удаётся разобрать лист «Наставники»)") in result.output
    assert _english(result.output.replace("[ОО-07]", "")) == [], result.output


def test_settings_that_do_not_parse_are_named_by_line_in_russian(workspace) -> None:
    settings = workspace.root / "nastavnik.toml"
    settings.write_text('district = "Тестовый район"\ndeadline_day = пять\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["status", "--period", PERIOD, "-w", str(workspace.root)])
    assert result.exit_code == 1, result.output
    assert result.output == (f"Ошибка: {settings}: не удаётся прочитать настройки (ошибка записи "
                             "в строке 2) — исправьте файл или создайте рабочую папку заново: "
                             "nastavnik init\n")
    settings.write_text('deadline_day = "пять"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["status", "--period", PERIOD, "-w", str(workspace.root)])
    assert result.output == (f"Ошибка: {settings}: неверное значение deadline_day = 'пять' — "
                             "нужно число, оно пишется без кавычек\n")


def test_indicators_that_do_not_parse_are_named_by_line_in_russian(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    own = workspace.root / "indicators.toml"
    own.write_text('[[indicator]]\ncode = "K1"\nname = Доля\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--period", PERIOD, "-w", str(workspace.root)])
    assert result.exit_code == 1, result.output
    assert (f"Ошибка: {own}: не удаётся прочитать (ошибка записи в строке 3) — исправьте файл "
            "или удалите его, чтобы считать показатели по правилам программы\n") in result.output
    assert _english(result.output.replace(str(own), "")) == [], result.output


def test_a_folder_that_cannot_be_written_is_said_in_russian(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    (workspace.outbox / PERIOD).write_text("a file where the month folder should be")
    result = CliRunner().invoke(cli, ["run", "--period", PERIOD, "-w", str(workspace.root)])
    assert result.exit_code == 1, result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("Ошибка:")]
    assert (f"{workspace.outbox / PERIOD}: не удалось записать — на этом месте уже есть файл "
            "или папка; уберите или переименуйте то, что мешает, и запустите команду снова"
            ) in line
    assert _english(line.replace(str(workspace.root), "")) == [], line


# --- init, the lock, the progress -------------------------------------------------------------


def test_init_on_an_existing_workspace_counts_its_schools(workspace) -> None:
    result = invoke("init", workspace.root)
    assert result.exit_code == 0, result.output
    assert "реестр школ: 2 школы" in result.output
    assert "пример" not in result.output
    assert "ничего не изменено" in result.output


def test_init_of_a_new_workspace_calls_its_schools_examples(tmp_path) -> None:
    result = invoke("init", tmp_path / "новый")
    assert result.exit_code == 0, result.output
    assert "реестр школ (для примера 3 школы; замените своими школами)" in result.output


def test_the_lock_names_the_command_the_account_the_process_and_the_time(workspace) -> None:
    (workspace.inbox / PERIOD).mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path;"
         "from pipeline.ledger import workspace_lock;"
         "cm = workspace_lock(Path(sys.argv[1]), 'свод за 2026-11'); cm.__enter__();"
         "print('held', flush=True); time.sleep(30)", str(workspace.state_dir)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "USER": "самозванец", "LOGNAME": "самозванец"})
    try:
        assert holder.stdout.readline().strip() == "held"
        since = dt.datetime.now()
        result = CliRunner().invoke(cli, ["run", "--period", PERIOD, "-w", str(workspace.root)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1, result.output
    account = pwd.getpwuid(os.getuid()).pw_name
    assert (f"Ошибка: рабочая папка занята: свод за 2026-11 (процесс {holder.pid}, "
            f"пользователь {account} на ") in result.output
    assert f", с {since:%d.%m.%Y} " in result.output
    assert "самозванец" not in result.output


def test_the_time_left_is_measured_between_files_not_from_the_start() -> None:
    # the readers take 30 s to start, then hand back 4 files every 4 s: 1 s a file
    now = [0.0]
    eta = Eta(100, least=4, window=8, clock=lambda: now[0])
    texts = []
    for batch in range(4):
        now[0] = 30.0 + 4 * batch
        texts.extend(eta.tick() for _ in range(4))
    assert texts[:4] == ["", "", "", ""]  # one batch, come at once, tells nothing
    # click's estimate here was 34 s / 5 files × 95 left = 10 minutes
    assert texts[4] == "осталось ≈ 1 мин 35 с"
    assert texts[8] == "осталось ≈ 1 мин 31 с"
    assert texts[-1] == "осталось ≈ 1 мин 24 с"  # 84 left, at the pace of the last 8


# --- Russian agreement ------------------------------------------------------------------------


def test_counts_agree_with_their_nouns(workspace, form, tmp_path) -> None:
    from pipeline.check import check_files

    form.set(MENTORS, form.row_of(MENTORS, PETROVA), "ФИО", "Петрова")
    [result] = check_files([form.save(tmp_path / "7.xlsx")], workspace=workspace,
                           period=PERIOD)
    assert summary_line([result]) == ("Итого: 1 файл, принято 1, отклонено 0; 3 ошибки, "
                                      "0 предупреждений.")
    assert file_report(result).splitlines()[0].endswith(
        "— 3 наставника, 5 наставляемых, 4 связи в парах")


@pytest.mark.parametrize(("files", "errors", "warnings", "expected"), [
    (1, 1, 5, "Итого: 1 файл, принято 1, отклонено 0; 1 ошибка, 5 предупреждений."),
    (2, 21, 1, "Итого: 2 файла, принято 2, отклонено 0; 21 ошибка, 1 предупреждение."),
    (5, 2, 22, "Итого: 5 файлов, принято 5, отклонено 0; 2 ошибки, 22 предупреждения."),
    (11, 11, 14, "Итого: 11 файлов, принято 11, отклонено 0; 11 ошибок, 14 предупреждений."),
])
def test_the_summary_agrees_with_every_number(files, errors, warnings, expected) -> None:
    from types import SimpleNamespace

    from pipeline import issues as iss

    found = [iss.make("bad-name", value="Петрова")] * errors + \
        [iss.make("no-pd-consent")] * warnings
    results = [SimpleNamespace(status="accepted", issues=found if n == 0 else [])
               for n in range(files)]
    assert summary_line(results) == expected


def test_status_and_run_say_how_many_schools_in_agreement(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    result = invoke("run", "--period", PERIOD, "-w", workspace.root)
    assert "Период 2026-11: ожидались 2 школы, прислала отчёт 1." in result.output
    result = invoke("status", "--period", PERIOD, "-w", workspace.root)
    assert "Отчёт представила 1 из 2 школ, в срок — 1." in result.output


# --- rollup: never into the folder it reads ----------------------------------------------------

REGION = "Тестовая область"


def _district_report(root: Path, district: str, out: Path, region: str = REGION) -> Path:
    workspace = init_workspace(root, district=district, region=region, schools=SCHOOLS)
    inbox = workspace.inbox / PERIOD
    inbox.mkdir(parents=True)
    FormBuilder().set_title(T_PUPILS_10_18, 100).save(inbox / "ОО-07.xlsx")
    run_period(workspace, PERIOD)
    return write_report_workbook(build_report(workspace, PERIOD),
                                 out / f"Отчёт {district} {PERIOD}.xlsx")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("region")
    folder = base / "отчёты"
    folder.mkdir()
    _district_report(base / "a", "Берёзовский район", folder)
    _district_report(base / "b", "Кедровый район", folder)
    _district_report(base / "c", "Сосновый район", folder, region="Соседняя область")
    return folder


def test_rollup_writes_beside_the_folder_it_reads_never_into_it(reports) -> None:
    before = sorted(p.name for p in reports.iterdir())
    result = invoke("rollup", reports, "--period", PERIOD)
    assert result.exit_code == 0, result.output
    out = reports.parent / f"Свод региона {REGION} {PERIOD}.xlsx"
    assert f"Свод региона: {out}" in result.output
    assert out.is_file()
    assert sorted(p.name for p in reports.iterdir()) == before


@pytest.mark.parametrize("inside", ["свод.xlsx", "вложенная/свод.xlsx"])
def test_rollup_refuses_an_output_inside_the_folder_it_reads(reports, inside) -> None:
    before = sorted(p.name for p in reports.iterdir())
    result = CliRunner().invoke(cli, ["rollup", str(reports), "--period", PERIOD,
                                      "-o", str(reports / inside)])
    assert result.exit_code == 2, result.output
    assert f"в папке {reports} лежат отчёты МО, которые читаются; свод региона в неё не " \
           "записывается: укажите файл в другой папке" in result.output
    assert sorted(p.name for p in reports.iterdir()) == before


def test_a_district_of_another_region_is_a_warning_printed_and_listed(reports, tmp_path
                                                                      ) -> None:
    out = tmp_path / "регион.xlsx"
    result = invoke("rollup", reports, "--period", PERIOD, "-o", out)
    assert result.exit_code == 0, result.output
    assert (f"    в отчёте указан регион «Соседняя область», у других МО — «{REGION}»; отчёт "
            "учтён — проверьте, тот ли это файл") in result.output
    rows = list(openpyxl.load_workbook(out)["Замечания"].iter_rows(values_only=True))
    assert any(r[1] == "Сосновый район" and r[5] == "region-mismatch" for r in rows), rows
