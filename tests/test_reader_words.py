"""A file the readers cannot take is told to its school in one Russian sentence with what to
do (issue 17): the reader's own English goes only to --debug, and the run goes on."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import hostile
import pytest
from click.testing import CliRunner
from conftest import MENTORS, PERIOD, POSITION, T_CODE, FormBuilder

from pipeline.cli import cli

DATA = Path(__file__).parent / "data"
PLACEHOLDER = "PLACEHOLDER-TEXT"
# what a school's file name, a cell reference and the advice may hold in Latin letters
ALLOWED_LATIN = re.compile(r"\b[A-Z]{1,3}\d+\b|Excel|\.xlsx?b?|xlsx|\.xls")


def placeholder_form(folder: Path) -> bytes:
    """A clean form with a text cell whose content hostile.py can find and move."""
    builder = FormBuilder()
    builder.set(MENTORS, builder.rows(MENTORS)[0], POSITION, PLACEHOLDER)
    return builder.save(folder / "form.xlsx").read_bytes()


# name in the inbox -> (the odd file made from a clean form, the code, words of the message,
# words the reader itself says, which only --debug shows)
CASES: dict[str, tuple[Callable[[bytes], bytes], str, str, str]] = {
    "ссылка 2D.xlsx": (lambda d: hostile.bad_cell_reference(d, MENTORS), "unreadable-file",
                       "не удаётся разобрать лист «Наставники»", "Expecting alphanumeric"),
    "строка 7 из 1.xlsx": (lambda d: hostile.shared_string_out_of_range(d, PLACEHOLDER),
                           "unreadable-file", "не удаётся разобрать лист «Наставники»",
                           "shared strings"),
    "обрезанный.xlsx": (hostile.truncated, "unreadable-file",
                        "повреждён или передан не полностью", "zip"),
    "ошибка в ячейке.xlsx": (lambda d: hostile.unknown_error_value(d, MENTORS), "unreadable-file",
                          "не удаётся разобрать лист «Наставники»", "#BOGUS"),
    "без листа.xlsx": (lambda d: hostile.missing_sheet_part(d, MENTORS), "unreadable-file",
                       "не удаётся разобрать лист «Наставники»", "WorksheetNotFound"),
    "дальняя ячейка.xlsx": (lambda d: hostile.far_cell(d, MENTORS), "file-too-large",
                            "заполнена ячейка XFD1048576", ""),
    "двоичная.xlsb": (hostile.binary_workbook, "unreadable-file",
                      "двоичная книга Excel (.xlsb)", ""),
    "с паролем 97.xls": (lambda _d: hostile.protected_xls((DATA / "lo_clean.xls").read_bytes()),
                         "encrypted-file", "Файл защищён паролем", ""),
}
ADVICE = {"unreadable-file": "сохраните заново в формате .xlsx",
          "file-too-large": "заполните форму заново по шаблону",
          "encrypted-file": "Снимите пароль и отправьте файл снова"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> bytes:
    return placeholder_form(tmp_path_factory.mktemp("clean"))


def invoke(*args: object, debug: bool = False):
    return CliRunner().invoke(cli, [*(["--debug"] if debug else []), *(str(a) for a in args)])


def no_library_english(text: str) -> None:
    latin = re.findall(r"[A-Za-z]{2,}", ALLOWED_LATIN.sub("", text))
    assert latin == [], text


@pytest.mark.parametrize("name", CASES)
def test_check_tells_the_school_in_russian_what_to_do(workspace, clean, tmp_path, name) -> None:
    make, code, words, _ = CASES[name]
    path = tmp_path / name
    path.write_bytes(make(clean))

    result = invoke("check", path, "--period", PERIOD, "-w", workspace.root)
    as_json = invoke("check", path, "--period", PERIOD, "-w", workspace.root, "--json")

    assert result.exit_code == 1, result.output
    assert "отклонён" in result.output and words in result.output, result.output
    assert ADVICE[code] in result.output, result.output
    no_library_english(result.output.replace(name, ""))
    [record] = json.loads(as_json.output)
    assert [i["code"] for i in record["issues"]] == [code], as_json.output
    no_library_english(record["issues"][0]["message"])


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[3]])
def test_the_readers_own_words_are_shown_only_with_debug(workspace, clean, tmp_path,
                                                         name) -> None:
    make, _, _, said = CASES[name]
    path = tmp_path / name
    path.write_bytes(make(clean))

    plain = invoke("check", path, "--period", PERIOD, "-w", workspace.root)
    debug = invoke("check", path, "--period", PERIOD, "-w", workspace.root, debug=True)

    assert said not in plain.output
    assert said in debug.stderr, debug.stderr
    assert said not in debug.stdout


def test_a_run_rejects_each_odd_file_with_its_code_and_takes_the_good_one(workspace, clean
                                                                          ) -> None:
    inbox = workspace.inbox / PERIOD
    inbox.mkdir(parents=True, exist_ok=True)
    FormBuilder().set_title(T_CODE, "ОО-08").save(inbox / "8.xlsx")  # the odd ones are ОО-07's
    for name, (make, *_) in CASES.items():
        (inbox / name).write_bytes(make(clean))

    result = invoke("run", "--period", PERIOD, "-w", workspace.root, "--json")

    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["accepted"] == 1, summary
    files = {Path(f["file"]).name: f for f in summary["files"]}
    assert files["8.xlsx"]["status"] == "accepted"
    for name, (_, code, _, _) in CASES.items():
        assert [i["code"] for i in files[name]["issues"]] == [code], files[name]
