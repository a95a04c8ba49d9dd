"""Hostile and broken input: nothing crashes, nothing leaks, nothing is lost.

Every odd file is made in code (tests/hostile.py) from a clean form written by FormBuilder.
"""

from __future__ import annotations

import builtins
import datetime as dt
import errno
import hashlib
import io
import json
import os
import pathlib
import random
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import hostile
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    BASE_COUNTS,
    BELOV,
    DETAILS,
    DOCUMENTS,
    EXPERIENCE,
    LINKS,
    MENTEE_NAME,
    MENTEES,
    MENTOR_NAME,
    MENTORS,
    MOROZOV,
    NAME,
    ORLOVA,
    PERIOD,
    PETROVA,
    POSITION,
    REQUEST,
    SCHOOLS,
    SOKOLOV,
    T_CODE,
    TITLE,
    URL,
    FormBuilder,
    assert_clean,
    assert_issue,
    describe,
    header,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline import read
from pipeline.check import check_files
from pipeline.cli import cli
from pipeline.consolidate import run_period
from pipeline.feedback import write_feedback
from pipeline.issues import CODES, SEVERITY_ORDER
from pipeline.template import write_templates
from pipeline.workspace import Workspace, init_workspace
from schemas import columns as c
from schemas import vocab as v
from schemas.outputs import FEEDBACK_FOLDER

PLACEHOLDER = "HOSTILE-PLACEHOLDER"
SECRET = "TOPSECRET-7f3a9c1e-district-key"
PASSWD = "root:x:0:0"
ORGANIZATION = header(c.MENTORS, "organization")
T_PHONE = header(c.TITLE, "curator_phone")
CYRILLIC = re.compile("[А-Яа-яЁё]")
FORMULA_XML = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Codes that always point at a row (SPEC §3 and the placements in README).
ROW_LEVEL = {code for code, (severity, *_) in CODES.items() if severity == "error"} | {
    "mixed-script", "no-pd-consent", "no-mentoring-consent", "mentor-overload",
    "mentee-multiple-pairs", "stale-active-pair", "category-experience-mismatch",
    "unpaired-mentee", "unpaired-mentor", "title-count-mismatch", "missing-satisfaction",
    "cross-school-duplicate", "program-duration"}
CASES = {case.name: case for case in hostile.CASES}


# --- helpers ----------------------------------------------------------------------------------
def new_workspace(root: Path) -> Workspace:
    return init_workspace(root, district="Тестовый район", schools=SCHOOLS)


def invoke(*args: Any):
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file of a folder: its SHA-256, size and modification time."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                               p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def xlsx_outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith(".~"))


def text_of_every_file(root: Path, skip: Path) -> dict[str, bytes]:
    """The bytes of every file under `root` (outside `skip`), zip parts unpacked."""
    found = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or skip in path.parents:
            continue
        data = path.read_bytes()
        found[str(path)] = data
        if data.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    found[f"{path}!{name}"] = archive.read(name)
    return found


def assert_no_formulas(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    formulas = [f"{sheet.title}!{cell.coordinate}={cell.value!r}" for sheet in book
                for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert not formulas, f"{path.name}: {formulas[:5]}"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not FORMULA_XML.search(archive.read(name)), f"{path.name}!{name}"


def cells(path: Path) -> list[Any]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def table(book: openpyxl.Workbook, name: str, header_row: int = 1) -> list[dict[str, Any]]:
    rows = list(book[name].iter_rows(min_row=header_row, values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def assert_rejected_with(result: Any, codes: frozenset[str]) -> None:
    assert result.status == "rejected", describe(result)
    fatal = [i for i in result.issues if i.severity == "fatal"]
    assert {i.code for i in fatal} & codes, describe(result)
    assert result.counts == {"mentors": 0, "mentees": 0, "links": 0}, describe(result)
    for issue in fatal:
        assert CYRILLIC.search(issue.message), issue.message
        assert "Traceback" not in issue.message


def assert_well_formed(result: Any) -> None:
    """What every result must be, whatever the file held."""
    assert result.status in ("accepted", "rejected")
    assert (result.status == "rejected") == any(i.severity == "fatal" for i in result.issues), \
        describe(result)
    for issue in result.issues:
        assert issue.code in CODES, issue
        assert issue.severity in SEVERITY_ORDER, issue
        assert CYRILLIC.search(issue.message), issue
        if issue.code in ROW_LEVEL:
            assert issue.row is not None and issue.row >= 1, describe(result)
        if issue.row is not None:
            assert isinstance(issue.row, int) and issue.row >= 1, describe(result)


def with_text_cells(builder: FormBuilder, path: Path,
                    texts: list[tuple[str, int, str | None, str]]) -> Path:
    """Save the form, then put `texts` in as TEXT cells, as Excel keeps «'=1+1» typed by a
    school: (sheet, Excel row, header or None for the Титул value of that row, text)."""
    builder.save(path)
    book = openpyxl.load_workbook(path)
    for sheet, row, column, text in texts:
        col = 2 if column is None else builder.column_of(sheet, column)
        cell = book[sheet].cell(row=row, column=col)
        cell.value = text
        cell.data_type = "s"
    book.save(path)
    return path


# --- 1. the corpus ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def source(tmp_path_factory) -> hostile.Source:
    root = tmp_path_factory.mktemp("source")
    secret = root / "secret.txt"
    secret.write_text(SECRET, encoding="ascii")
    builder = FormBuilder()
    builder.set(MENTORS, builder.row_of(MENTORS, SOKOLOV), NAME, PLACEHOLDER)
    clean = builder.save(root / "clean.xlsx").read_bytes()
    return hostile.Source(clean=clean, placeholder=PLACEHOLDER, sheet=MENTORS,
                          sheets=tuple(builder.order), secret=secret)


@pytest.fixture(scope="module")
def corpus_checked(source, tmp_path_factory) -> dict[str, Any]:
    """check_files over the whole corpus at once: file name -> result."""
    root = tmp_path_factory.mktemp("checked")
    workspace = new_workspace(root / "ws")
    paths = hostile.write_corpus(root / "corpus", source)
    results = check_files(list(paths.values()), workspace=workspace, period=PERIOD)
    assert [Path(r.file).name for r in results] == list(paths)
    return {Path(r.file).name: r for r in results}


def test_the_zip_surgery_alone_keeps_a_good_form(source, workspace, tmp_path) -> None:
    """The entity files differ from a good form only by their DOCTYPE."""
    path = tmp_path / "shared.xlsx"
    path.write_bytes(hostile.with_shared_string(source.clean, PLACEHOLDER,
                                                SOKOLOV.encode()))
    [result] = check_files([path], workspace=workspace, period=PERIOD)
    assert_clean(result)


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_file_is_rejected_with_its_code(corpus_checked, name) -> None:
    assert_rejected_with(corpus_checked[name], CASES[name].codes)


def test_a_permission_message_says_it_is_about_rights(workspace, form, tmp_path,
                                                      monkeypatch) -> None:
    locked = form.save(tmp_path / "закрытый.xlsx")
    good = form.save(tmp_path / "открытый.xlsx")
    deny_reading(monkeypatch, locked)

    results = check_files([locked, good], workspace=workspace, period=PERIOD)

    assert_rejected_with(results[0], frozenset({"unreadable-file"}))
    assert "прав" in results[0].issues[0].message, describe(results[0])
    assert_clean(results[1])


@pytest.fixture(scope="module")
def corpus_run(source, tmp_path_factory) -> dict[str, Any]:
    """The month's run over the whole corpus plus two good forms, twice."""
    root = tmp_path_factory.mktemp("run")
    workspace = new_workspace(root / "ws")
    inbox = workspace.inbox / PERIOD
    hostile.write_corpus(inbox, source)
    FormBuilder().save(inbox / "ОО-07 отчёт.xlsx")
    FormBuilder().set_title(T_CODE, "ОО-08").save(inbox / "ОО-08 отчёт.xlsx")
    # the good forms arrive last, so they are the files that count for their schools
    sent = dt.datetime(2026, 12, 2, 10).timestamp()
    for path in inbox.iterdir():
        late = path.name.endswith(" отчёт.xlsx")
        os.utime(path, (sent + 3600 * late, sent + 3600 * late))
    before = digest(inbox)
    run = run_period(workspace, PERIOD)
    after_first = digest(inbox)
    again = invoke("run", "--period", PERIOD, "-w", workspace.root, "--json")
    return {"workspace": workspace, "run": run, "before": before, "after_first": after_first,
            "after": digest(inbox), "again": again, "root": root}


def test_a_run_over_the_corpus_consolidates_the_good_forms(corpus_run) -> None:
    run = corpus_run["run"]
    by_name = {Path(s.path).name: s for s in run.submissions}
    for name, code in (("ОО-07 отчёт.xlsx", "ОО-07"), ("ОО-08 отчёт.xlsx", "ОО-08")):
        assert by_name[name].result.status == "accepted", describe(by_name[name].result)
        assert by_name[name].role == "counted"
        assert by_name[name].result.school_code == code
    book = openpyxl.load_workbook(run.outputs["consolidated"])
    mentors = table(book, "Наставники")
    for code in ("ОО-07", "ОО-08"):
        assert sorted(m["ФИО"] for m in mentors if m["Код ОО"] == code) == \
            sorted([PETROVA, SOKOLOV, "Кузнецова Елена Павловна", MOROZOV])
    assert len(table(book, "Пары и группы")) == 2 * BASE_COUNTS["links"]


@pytest.mark.parametrize("name", list(CASES))
def test_in_the_run_a_hostile_file_is_rejected_with_its_code(corpus_run, name) -> None:
    by_name = {Path(s.path).name: s for s in corpus_run["run"].submissions}
    if name not in by_name:
        assert CASES[name].scratch, f"{name} was not even looked at"
        return
    assert_rejected_with(by_name[name].result, CASES[name].codes)


def test_the_inbox_is_byte_identical_after_the_runs(corpus_run) -> None:
    assert corpus_run["after_first"] == corpus_run["before"]
    assert corpus_run["after"] == corpus_run["before"]


def test_the_second_run_over_the_corpus_is_a_clean_cli_answer(corpus_run) -> None:
    again = corpus_run["again"]
    assert again.exit_code == 1, again.output  # rejected files are problems found
    assert "Traceback" not in again.output
    assert json.loads(again.stdout)["unchanged"] is True


def test_every_output_of_the_corpus_run_opens(corpus_run) -> None:
    outbox = corpus_run["workspace"].outbox
    paths = xlsx_outputs(outbox)
    assert Path(corpus_run["run"].outputs["consolidated"]) in paths
    for path in paths:
        openpyxl.load_workbook(path)
    assert not [p for p in outbox.rglob(".~*")], "temporary files left behind"


def test_no_secret_and_no_system_file_reaches_any_output(corpus_run, source) -> None:
    workspace = corpus_run["workspace"]
    inbox = workspace.inbox / PERIOD
    checked = invoke("check", *sorted(inbox.iterdir()), "-w", workspace.root, "--period",
                     PERIOD, "--json")
    texts = text_of_every_file(workspace.root, skip=workspace.inbox)
    texts["run --json"] = corpus_run["again"].output.encode()
    texts["check --json"] = checked.output.encode()
    texts["run result"] = json.dumps(corpus_run["run"].as_json(), ensure_ascii=False).encode()
    for where, data in texts.items():
        assert SECRET.encode() not in data, where
        assert PASSWD.encode() not in data, where
        assert SECRET.encode("utf-16-le") not in data, where


# --- 2. odd cell content in a real form -------------------------------------------------------
LONG_TEXT = ("Методика подготовки к ОГЭ; " * 1300)[:32767]
EMOJI_NAME = "Петрова Анна 🌸 Сергеевна"
HEBREW_NAME = "שרה כהן לוי"
ARABIC_REQUEST = "طلب مهني: إدارة الصف"
INVISIBLE_PETROVA = "\u200b\u00a0Петрова\u00a0Анна Сергеевна\u200b\ufeff "


def test_a_request_of_32767_characters_is_read_whole(check, form, workspace) -> None:
    form.set(MENTEES, form.row_of(MENTEES, ORLOVA), REQUEST, LONG_TEXT)
    assert_clean(check(form))
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    run = run_period(workspace, PERIOD)
    book = openpyxl.load_workbook(run.outputs["consolidated"])
    [orlova] = [m for m in table(book, "Наставляемые") if m["ФИО"] == ORLOVA]
    assert orlova[REQUEST] == LONG_TEXT


def test_an_emoji_in_a_name_is_a_bad_name(check, form) -> None:
    row = form.row_of(MENTORS, PETROVA)
    form.set(MENTORS, row, NAME, EMOJI_NAME)
    assert_issue(check(form), "bad-name", sheet=MENTORS, row=row, column=NAME,
                 value=EMOJI_NAME)


def test_a_right_to_left_name_is_a_bad_name_and_a_right_to_left_request_is_kept(
        check, form) -> None:
    row = form.row_of(MENTEES, BELOV)
    form.set(MENTEES, row, NAME, HEBREW_NAME)
    form.set(MENTEES, form.row_of(MENTEES, ORLOVA), REQUEST, ARABIC_REQUEST)
    result = check(form)
    assert_issue(result, "bad-name", sheet=MENTEES, row=row, column=NAME, value=HEBREW_NAME)
    assert not [i for i in result.issues if i.row == form.row_of(MENTEES, ORLOVA)
                and i.sheet == MENTEES], describe(result)


def test_invisible_spaces_around_a_name_still_match_its_pair(check, form) -> None:
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, INVISIBLE_PETROVA)
    link = form.link_row(PETROVA, BELOV)
    form.set(LINKS, link, MENTOR_NAME, "Петрова\u00a0Анна\u00a0Сергеевна")
    form.set(LINKS, link, MENTEE_NAME, "\u200bБелов Артём Сергеевич\u00a0")
    assert_clean(check(form))


# Text as Excel stores it: control characters as «_xHHHH_» escapes, or (other writers) raw.
CONTROL_CASES = {
    "name with _x0001_": (MENTORS, SOKOLOV, NAME, "Соколов_x0001_Пётр Викторович".encode(),
                          "bad-name"),
    "name with raw \\x01": (MENTORS, SOKOLOV, NAME, "Соколов\x01Пётр Викторович".encode(),
                            "bad-name"),
    "name with Word's line break \\x0b": (MENTORS, SOKOLOV, NAME,
                                          "Соколов_x000B_Пётр Викторович".encode(), None),
    "request with _x0001_ and _x000B_": (MENTEES, ORLOVA, REQUEST,
                                         "ОГЭ_x0001_ _x000B_ок".encode(), None),
    "request with raw \\x01 and \\x0b": (MENTEES, ORLOVA, REQUEST, b"raw\x01ctl\x0bvt", None),
}


def control_form(folder: Path, where: str) -> tuple[Path, int]:
    """The clean form with one cell's text replaced by raw XML; the pairs keep plain names."""
    sheet, person, column, raw, _ = CONTROL_CASES[where]
    builder = FormBuilder()
    row = builder.row_of(sheet, person)
    builder.set(sheet, row, column, PLACEHOLDER)
    path = builder.save(folder / "7.xlsx")
    path.write_bytes(hostile.replace_text(path.read_bytes(), PLACEHOLDER, raw))
    return path, row


@pytest.mark.parametrize("where", list(CONTROL_CASES))
def test_control_characters_are_read_and_reported_never_a_crash(workspace, tmp_path,
                                                                where) -> None:
    path, row = control_form(tmp_path, where)
    sheet, _, column, _, code = CONTROL_CASES[where]
    [result] = check_files([path], workspace=workspace, period=PERIOD)
    assert_well_formed(result)
    assert result.status == "accepted", describe(result)
    if code:
        assert_issue(result, code, sheet=sheet, row=row, column=column)
    else:
        assert not [i for i in result.issues if i.row == row and i.sheet == sheet
                    and i.severity in ("fatal", "error")], describe(result)


@pytest.mark.parametrize("where", list(CONTROL_CASES))
def test_control_characters_reach_the_schools_feedback(workspace, tmp_path, where) -> None:
    path, _ = control_form(tmp_path, where)
    [result] = check_files([path], workspace=workspace, period=PERIOD)
    write_feedback(read.read_form(path), result, tmp_path / "замечания.xlsx")
    openpyxl.load_workbook(tmp_path / "замечания.xlsx")


@pytest.mark.parametrize("where", list(CONTROL_CASES))
def test_control_characters_do_not_stop_the_run(workspace, tmp_path, where) -> None:
    control_form(workspace.inbox / PERIOD, where)
    result = invoke("run", "--period", PERIOD, "-w", workspace.root)
    assert "Ошибка:" not in result.output, result.output
    assert result.exit_code in (0, 1), result.output
    for output in xlsx_outputs(workspace.outbox):
        openpyxl.load_workbook(output)
    book = openpyxl.load_workbook(workspace.outbox / PERIOD / f"Свод_{PERIOD}.xlsx")
    assert [r["Статус"] for r in table(book, "Сводка") if r["Код ОО"] == "ОО-07"] != \
        ["не представлен"]


def test_a_run_with_odd_texts_writes_outputs_that_open(workspace, form) -> None:
    form.set(MENTEES, form.row_of(MENTEES, ORLOVA), REQUEST, LONG_TEXT)
    form.set(MENTEES, form.row_of(MENTEES, BELOV), REQUEST, ARABIC_REQUEST)
    form.set(MENTORS, form.row_of(MENTORS, SOKOLOV), NAME, EMOJI_NAME)
    form.set(MENTEES, form.row_of(MENTEES, "Зайцева Ольга Николаевна"), NAME, HEBREW_NAME)
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, INVISIBLE_PETROVA)
    form.save(workspace.inbox / PERIOD / "7.xlsx")

    run = run_period(workspace, PERIOD)

    assert run.results[0].status == "accepted", describe(run.results[0])
    outputs = xlsx_outputs(workspace.outbox)
    assert len(outputs) >= 3  # district workbook, report, the school's feedback
    for path in outputs:
        openpyxl.load_workbook(path)


# --- 3. formula injection through the whole cycle ---------------------------------------------
INJECTED = ['=HYPERLINK("http://evil","x")', "=1+1", "{=1+1}", "+7 (391)", "-5", "@SUM(1)"]
INTRUDER = "Егоров Иван Петрович"  # an extra mentor whose bad values the feedback lists


@pytest.fixture(scope="module")
def injected_cycle(tmp_path_factory) -> dict[str, Any]:
    """A school's text cells that look like formulas, through run, report --note and the
    next month's templates (pre-filled from the ledger)."""
    root = tmp_path_factory.mktemp("inject")
    workspace = new_workspace(root / "ws")
    builder = FormBuilder()
    intruder = builder.append_row(MENTORS, {NAME: INTRUDER},
                                  like=builder.row_of(MENTORS, SOKOLOV))
    texts: list[tuple[str, int, str | None, str]] = []
    for n, row in enumerate(builder.rows(MENTORS)):
        texts.append((MENTORS, row, POSITION, INJECTED[n % 6]))
        texts.append((MENTORS, row, ORGANIZATION, INJECTED[(n + 1) % 6]))
    for n, row in enumerate(builder.rows(MENTEES)):
        texts.append((MENTEES, row, REQUEST, INJECTED[(n + 2) % 6]))
    for n, row in enumerate(builder.rows(DOCUMENTS)):
        texts.append((DOCUMENTS, row, DETAILS, INJECTED[(n + 3) % 6]))
        texts.append((DOCUMENTS, row, URL, INJECTED[(n + 4) % 6]))
    texts.append((TITLE, builder.title_row(T_PHONE), None, INJECTED[0]))
    # values the rules refuse, so the feedback's list carries them as «Значение»
    texts.append((MENTORS, intruder, header(c.MENTORS, "category"), "@SUM(1)"))
    texts.append((MENTORS, intruder, EXPERIENCE, "=1+1"))
    source = with_text_cells(builder, workspace.inbox / PERIOD / "ОО-07.xlsx", texts)
    run = run_period(workspace, PERIOD)
    report = invoke("report", "--period", PERIOD, "--note", "-w", workspace.root)
    templates = write_templates(workspace, "2026-12")
    return {"workspace": workspace, "run": run, "report": report, "templates": templates,
            "source": source}


def test_the_injected_texts_are_text_cells_in_the_school_file(injected_cycle) -> None:
    typed = [cell for cell in cells(injected_cycle["source"]) if cell.value in INJECTED]
    assert len(typed) >= 20
    assert all(cell.data_type == "s" for cell in typed)


def test_the_cycle_over_injected_texts_runs(injected_cycle) -> None:
    run = injected_cycle["run"]
    assert run.results[0].status == "accepted", describe(run.results[0])
    assert injected_cycle["report"].exit_code == 0, injected_cycle["report"].output
    assert run.outputs["feedback"], "the intruder's errors make a feedback file"
    assert len(injected_cycle["templates"]) == len(SCHOOLS)


def test_no_output_of_the_cycle_holds_a_formula(injected_cycle) -> None:
    outputs = xlsx_outputs(injected_cycle["workspace"].outbox)
    kinds = {p.parent.name for p in outputs}
    assert {"templates", FEEDBACK_FOLDER} <= kinds
    for path in outputs:
        assert_no_formulas(path)


def test_the_injected_texts_arrive_as_text(injected_cycle) -> None:
    workspace = injected_cycle["workspace"]
    district = Path(injected_cycle["run"].outputs["consolidated"])
    found = [cell for cell in cells(district) if cell.value in INJECTED]
    assert {cell.value for cell in found} == set(INJECTED)
    [template] = [p for p in injected_cycle["templates"] if p.name.startswith("ОО-07")]
    carried = [cell for cell in cells(template) if cell.value in INJECTED]
    assert {cell.value for cell in carried} == set(INJECTED)  # Титул, lists and documents
    [feedback] = injected_cycle["run"].outputs["feedback"]
    listed = [cell for cell in cells(Path(feedback)) if cell.value in INJECTED]
    assert {"=1+1", "@SUM(1)"} <= {cell.value for cell in listed}
    for path in xlsx_outputs(workspace.outbox):
        for cell in cells(path):
            if cell.value in INJECTED:
                assert cell.data_type == "s", f"{path.name}!{cell.coordinate}"


# --- 4. file names ----------------------------------------------------------------------------
QUOTED = 'Школа "№1" — отчёт.xlsx'
LONG_NAME = ("ОО-08 Отчёт " + "nastavnichestvo-" * 20)[:195] + ".xlsx"
UPPER, LOWER = "Форма.xlsx", "форма.xlsx"


def test_odd_file_names_are_each_read_as_themselves(workspace) -> None:
    assert len(LONG_NAME) == 200
    inbox = workspace.inbox / PERIOD
    FormBuilder().save(inbox / QUOTED)
    FormBuilder().set_title(T_CODE, "ОО-08").save(inbox / LONG_NAME)
    broken = FormBuilder()
    petrova = broken.row_of(MENTORS, PETROVA)
    broken.set(MENTORS, petrova, NAME, "Petrova")
    broken.save(inbox / UPPER)
    FormBuilder().set_title(T_CODE, "ОО-08").remove_sheet(DOCUMENTS).save(inbox / LOWER)
    for n, name in enumerate((UPPER, LOWER, QUOTED, LONG_NAME)):  # the last two count
        stamp = dt.datetime(2026, 12, 1, 10 + n).timestamp()
        os.utime(inbox / name, (stamp, stamp))
    paths = [inbox / n for n in (QUOTED, LONG_NAME, UPPER, LOWER)]

    results = check_files(paths, workspace=workspace, period=PERIOD)
    run = run_period(workspace, PERIOD)

    by_run = {Path(s.path).name: s.result for s in run.submissions}
    for result in (*results, *by_run.values()):
        name = Path(result.file).name
        if name in (QUOTED, LONG_NAME):  # the two schools list the same people
            assert result.status == "accepted", describe(result)
            assert {i.code for i in result.issues if i.severity != "info"} <= \
                {"cross-school-duplicate"}, describe(result)
        elif name == UPPER:
            assert_issue(result, "bad-name", sheet=MENTORS, row=petrova, column=NAME,
                         value="Petrova")
        else:
            assert_rejected_with(result, frozenset({"missing-sheet"}))
    assert sorted(by_run) == sorted((QUOTED, LONG_NAME, UPPER, LOWER))
    book = openpyxl.load_workbook(run.outputs["consolidated"])
    summary = {row["Код ОО"]: row for row in table(book, "Сводка")}
    assert summary["ОО-07"]["Файл"] == QUOTED
    assert summary["ОО-08"]["Файл"] == LONG_NAME
    for path in xlsx_outputs(workspace.outbox):
        openpyxl.load_workbook(path)


# --- 5. a file that cannot be read for permissions --------------------------------------------
def deny_reading(monkeypatch, locked: Path) -> None:
    """As if the file's rights kept us out (the tests run as root, where chmod does not)."""
    real_path_open, real_open = pathlib.Path.open, builtins.open
    target = os.path.realpath(locked)

    def refused(file: Any) -> bool:
        return isinstance(file, str | os.PathLike) and os.path.realpath(file) == target

    def path_open(self, *args, **kwargs):
        if refused(self):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_path_open(self, *args, **kwargs)

    def open_(file, *args, **kwargs):
        if refused(file):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # workers are forked, so they inherit these
    monkeypatch.setattr(pathlib.Path, "open", path_open)
    monkeypatch.setattr(builtins, "open", open_)


def test_a_file_without_read_rights_is_unreadable_and_the_run_goes_on(
        workspace, form, monkeypatch) -> None:
    inbox = workspace.inbox / PERIOD
    locked = form.copy().set_title(T_CODE, "ОО-08").save(inbox / "закрытый.xlsx")
    form.save(inbox / "7.xlsx")
    deny_reading(monkeypatch, locked)

    run = run_period(workspace, PERIOD)

    by_name = {Path(s.path).name: s.result for s in run.submissions}
    assert_rejected_with(by_name["закрытый.xlsx"], frozenset({"unreadable-file"}))
    assert "прав" in by_name["закрытый.xlsx"].issues[0].message
    assert_clean(by_name["7.xlsx"])
    book = openpyxl.load_workbook(run.outputs["consolidated"])
    assert len(table(book, "Наставники")) == BASE_COUNTS["mentors"]


# --- 6. outputs that cannot be written --------------------------------------------------------
def run_cli(workspace: Workspace):
    return invoke("run", "--period", PERIOD, "-w", workspace.root)


def assert_failed_cleanly(result) -> None:
    assert result.exit_code == 1, result.output
    assert "Ошибка:" in result.output
    assert "Traceback" not in result.output


def test_a_district_workbook_path_that_is_a_folder_is_an_error(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    (workspace.outbox / PERIOD / f"Свод_{PERIOD}.xlsx").mkdir(parents=True)
    assert_failed_cleanly(run_cli(workspace))


def test_a_month_folder_that_is_a_file_is_an_error(workspace, form) -> None:
    form.save(workspace.inbox / PERIOD / "7.xlsx")
    (workspace.outbox / PERIOD).write_text("не папка", encoding="utf-8")
    assert_failed_cleanly(run_cli(workspace))


def test_a_later_run_that_cannot_write_keeps_the_earlier_outputs(workspace, form) -> None:
    inbox = workspace.inbox / PERIOD
    form.save(inbox / "7.xlsx")
    first = run_cli(workspace)
    assert first.exit_code == 0, first.output
    month = workspace.outbox / PERIOD
    feedback_dir = month / FEEDBACK_FOLDER
    if feedback_dir.is_dir():
        shutil.rmtree(feedback_dir)
    good = digest(month)
    feedback_dir.write_text("не папка", encoding="utf-8")  # where the feedback must go
    broken = form.copy().set_title(T_CODE, "ОО-08")
    broken.set(MENTORS, broken.row_of(MENTORS, PETROVA), NAME, "Petrova")
    broken.save(inbox / "8.xlsx")

    assert_failed_cleanly(run_cli(workspace))

    feedback_dir.unlink()
    assert digest(month) == good
    third = run_cli(workspace)  # the blocker gone, the next run finishes the job
    assert third.exit_code == 1, third.output  # 8.xlsx has an error
    assert "Ошибка:" not in third.output
    book = openpyxl.load_workbook(month / f"Свод_{PERIOD}.xlsx")
    assert {r["Код ОО"]: r["Файл"] for r in table(book, "Сводка")} == \
        {"ОО-07": "7.xlsx", "ОО-08": "8.xlsx"}


def test_a_full_disk_while_saving_keeps_the_previous_district_workbook(
        workspace, form, monkeypatch) -> None:
    import xlsxwriter

    inbox = workspace.inbox / PERIOD
    form.save(inbox / "7.xlsx")
    assert run_cli(workspace).exit_code == 0
    month = workspace.outbox / PERIOD
    good = digest(month)
    form.copy().set_title(T_CODE, "ОО-08").save(inbox / "8.xlsx")

    def disk_full(self) -> None:
        Path(self.filename).write_bytes(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device", self.filename)

    monkeypatch.setattr(xlsxwriter.Workbook, "close", disk_full)
    assert_failed_cleanly(run_cli(workspace))
    monkeypatch.undo()

    after = digest(month)
    assert {k: after.get(k) for k in good} == good  # the feedback written before is new
    assert not [p for p in month.rglob(".~*")], "temporary files left behind"
    assert run_cli(workspace).exit_code == 0
    assert digest(month)[f"Свод_{PERIOD}.xlsx"] != good[f"Свод_{PERIOD}.xlsx"]


# --- 7. property-based: arbitrary values, mutated bytes ---------------------------------------
@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("lab")
    builder = FormBuilder()
    return {"workspace": new_workspace(root / "ws"), "root": root, "builder": builder,
            "clean": builder.save(root / "clean.xlsx").read_bytes()}


_VOCABULARY = [v.YES, v.NO, v.MENTOR_TEACHER, v.MENTOR_PUPIL, v.MENTEE_YOUNG, v.MENTEE_PUPIL,
               v.FORM_TEACHER_TEACHER, v.FORM_PUPIL_PUPIL, v.STATUS_ACTIVE, *v.KINDS[:2],
               PETROVA, ORLOVA, "ОО-07", "ОО-99", PERIOD, "2025-01", "ноябрь 2026", "05.09.2026",
               "31.02.2026", "5 лет", "10Б", "=1+1", "#Н/Д", "", " ", "\t", "\n"]
cell_values = st.one_of(
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
    .map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.booleans(),
    st.sampled_from(_VOCABULARY),
)
_SHEETS = [TITLE, MENTORS, MENTEES, LINKS, DOCUMENTS]
edits = st.lists(st.tuples(st.sampled_from(_SHEETS), st.integers(1, 14), st.integers(1, 15),
                           cell_values), min_size=1, max_size=15)


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(changes=edits)
def test_arbitrary_cell_values_never_break_the_check(lab, changes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(lab["clean"]))
    for sheet, row, col, value in changes:
        book[sheet].cell(row=row, column=col).value = value
    path = lab["root"] / "arbitrary.xlsx"
    book.save(path)

    [result] = check_files([path], workspace=lab["workspace"], period=PERIOD)

    assert_well_formed(result)
    write_feedback(read.read_form(path), result, lab["root"] / "arbitrary-feedback.xlsx")


def mutants(clean: bytes, count: int, seed: int) -> list[bytes]:
    """Half with bytes of the archive flipped or zeroed, half with the XML inside damaged and
    zipped again (so the damage reaches the XML reader, past the zip checksums)."""
    rng = random.Random(seed)
    names = [n for n in zipfile.ZipFile(io.BytesIO(clean)).namelist() if n.endswith(".xml")]
    found = []
    for n in range(count):
        if n % 2 == 0:
            data = bytearray(clean)
            for _ in range(rng.randint(1, 12)):
                at = rng.randrange(len(data))
                data[at] = 0 if rng.random() < 0.3 else data[at] ^ (1 << rng.randrange(8))
            found.append(bytes(data))
        else:
            target = rng.choice(names)

            def damage(name: str, data: bytes, target: str = target) -> bytes:
                if name != target:
                    return data
                data = bytearray(data)
                for _ in range(rng.randint(1, 6)):
                    at = rng.randrange(len(data))
                    data[at] = rng.choice(b'\x00<>&"/=0123456789abcdeftsr ')
                return bytes(data)

            found.append(hostile.rezip(clean, damage))
    return found


def test_mutated_workbooks_never_break_the_check(lab) -> None:
    folder = lab["root"] / "mutants"
    folder.mkdir()
    paths = []
    for n, data in enumerate(mutants(lab["clean"], 30, seed=20261105)):
        path = folder / f"мутант {n:02d}.xlsx"
        path.write_bytes(data)
        paths.append(path)

    results = check_files(paths, workspace=lab["workspace"], period=PERIOD)

    assert [r.file for r in results] == [str(p) for p in paths]
    for result in results:
        assert_well_formed(result)
    # the damage must reach past the zip layer now and then, or the test proves little
    assert any(r.status == "accepted" or any(i.code != "unreadable-file" for i in r.issues)
               for r in results)


def test_a_sheet_whose_compressed_data_is_broken_is_a_damaged_file(form, tmp_path) -> None:
    path = form.save(tmp_path / "битый.xlsx")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet2.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 16] = b"\xff" * 16  # a deflate block of the reserved type
    path.write_bytes(bytes(data))

    form_read = read.read_form(path)  # in this process: a damaged file must not raise

    [issue] = form_read.issues
    assert issue.code == "unreadable-file"
    assert "повреждён" in issue.message


def test_a_date_the_reader_cannot_represent_costs_its_file_not_the_run(workspace, form) -> None:
    # -1e308 shown as a date makes calamine's Rust code panic; pyo3 raises that as a
    # PanicException, which is not an Exception
    inbox = workspace.inbox / PERIOD
    form.save(inbox / "7.xlsx")
    bad = form.copy().set_title(T_CODE, "ОО-08").save(inbox / "8.xlsx")
    book = openpyxl.load_workbook(bad)
    sheet = book[LINKS]
    start = header(c.LINKS, "start")
    column = next(cell.column for cell in sheet[form.header_row(LINKS)] if cell.value == start)
    cell = sheet.cell(row=form.rows(LINKS)[0], column=column)
    cell.value, cell.number_format = -1e308, "DD.MM.YYYY"
    book.save(bad)

    [issue] = read.read_form(bad).issues  # in this process, too, it is the file's problem
    assert issue.code == "unreadable-file"
    run = run_period(workspace, PERIOD)
    assert {Path(s.path).name: s.result.status for s in run.submissions} == \
        {"7.xlsx": "accepted", "8.xlsx": "rejected"}


def test_a_whole_number_too_large_for_64_bits_is_a_bad_number_not_a_crash(workspace, form
                                                                           ) -> None:
    """Hypothesis found it: 2^63 typed in «Удовлетворённость наставника» overflowed the
    checked table's 64-bit column and ended the check with a traceback."""
    column = header(c.LINKS, "mentor_satisfaction")
    row = form.rows(LINKS)[0]
    path = form.copy().set(LINKS, row, column, 9.223372036854776e18).save(
        workspace.inbox / PERIOD / "7.xlsx")

    [result] = check_files([path], workspace=workspace, period=PERIOD)

    assert_well_formed(result)
    [issue] = [i for i in result.issues if i.row == row and i.column == column]
    assert issue.code == "bad-number"
    assert result.status == "accepted"  # the row is refused, the file is not
