"""Justified warnings (issue 19, point 3): a school explains a warning that is true for a
reason on its «Пояснения» sheet; it is then info, not a warning, unless the district refused
the explanation. An error cannot be explained."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    LINKS,
    MENTEE_NAME,
    MENTORS,
    NAME,
    PERIOD,
    PETROVA,
    T_CODE,
    T_YOUNG,
    FormBuilder,
)
from test_rules_warnings import overload_petrova

from pipeline.cli import cli
from pipeline.feedback import SHEET_NAME, TABLE_HEADER_ROW
from pipeline.paths import SETTINGS_FILE
from pipeline.template import write_form
from pipeline.workspace import Workspace

JUSTIFICATIONS = "Пояснения"
HEADERS = ["№", "Лист", "Строка", "Код замечания", "Пояснение"]
GROUP = "Групповое наставничество по приказу № 45-о от 28.08.2026"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def justify(form: FormBuilder, *lines: tuple[str, int | None, str, str]) -> FormBuilder:
    return form.add_sheet(JUSTIFICATIONS, [HEADERS, *([n, *line] for n, line in
                                                     enumerate(lines, start=1))])


def overloaded(form: FormBuilder) -> tuple[FormBuilder, int]:
    """Petrova leads four mentees: mentor-overload is the file's only warning."""
    overload_petrova(form)
    form.set_title(T_YOUNG, 4)  # the two new mentees are young specialists too
    return form, form.row_of(MENTORS, PETROVA)


def run_month(workspace: Workspace, form: FormBuilder) -> tuple[dict, openpyxl.Workbook]:
    form.save(workspace.inbox / PERIOD / "ОО-07.xlsx")
    result = invoke("run", "--period", PERIOD, "-w", workspace.root, "--json")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    book = openpyxl.load_workbook(workspace.outbox / PERIOD / f"Свод_{PERIOD}.xlsx")
    return data, book


def summary_status(book: openpyxl.Workbook, code: str = "ОО-07") -> str:
    rows = list(book["Сводка"].iter_rows(values_only=True))
    status = rows[0].index("Статус")
    return next(row[status] for row in rows[1:] if row[0] == code)


def deadlines_status(book: openpyxl.Workbook, code: str = "ОО-07",
                     column: str = "Статус") -> Any:
    rows = list(book["Сдача отчётов"].iter_rows(values_only=True))
    header = next(n for n, row in enumerate(rows) if "Статус" in row)
    status = rows[header].index(column)
    return next(row[status] for row in rows[header + 1:] if row[0] == code)


def issues_of(data: dict, code: str = "ОО-07") -> list[dict]:
    return [i for f in data["files"] if f["school_code"] == code for i in f["issues"]]


def test_a_justified_mentor_overload_leaves_the_school_accepted(workspace, form) -> None:
    form, row = overloaded(form)
    justify(form, (MENTORS, row, "mentor-overload", GROUP))

    data, book = run_month(workspace, form)

    issues = issues_of(data)
    assert "mentor-overload" not in {i["code"] for i in issues}
    [note] = [i for i in issues if i["code"] == "justified-warning"]
    assert note["severity"] == "info"
    assert (note["sheet"], note["row"], note["column"]) == (MENTORS, row, NAME)
    assert f"«{GROUP}»" in note["message"]
    assert "mentor-overload" in note["message"]
    assert summary_status(book) == "принят"
    assert deadlines_status(book) == "принят"
    assert deadlines_status(book, column="Пояснённых предупреждений") == 1
    status = invoke("status", "--period", PERIOD, "-w", workspace.root)
    assert status.exit_code in (0, 1), status.output
    lines = status.output.splitlines()
    line = next(text for text in lines if "ОО-07" in text)
    assert "принят" in line and "замечаниями" not in line
    header = next(text for text in lines if text.startswith("Код ОО"))
    justified = header.index("Поясн.")
    assert line[justified:justified + 6].strip() == "1"  # one warning justified


def test_without_the_justification_the_same_school_is_accepted_with_remarks(workspace,
                                                                             form) -> None:
    form, _ = overloaded(form)

    data, book = run_month(workspace, form)

    assert "mentor-overload" in {i["code"] for i in issues_of(data)}
    assert summary_status(book) == "принят с замечаниями"


def test_an_error_cannot_be_justified(workspace, form) -> None:
    # a link to a mentee nobody listed: unknown-mentee, an error
    form.append_row(LINKS, {MENTEE_NAME: "Несуществующая Анна Павловна"},
                    like=form.rows(LINKS)[2])
    bad_row = form.rows(LINKS)[-1]
    justify(form, (LINKS, bad_row, "unknown-mentee", "Она придёт в декабре"))

    data, book = run_month(workspace, form)

    codes = {(i["code"], i["row"]) for i in issues_of(data)}
    assert ("unknown-mentee", bad_row) in codes
    [unused] = [i for i in issues_of(data) if i["code"] == "justification-unused"]
    assert unused["severity"] == "info"
    assert (unused["sheet"], unused["row"]) == (JUSTIFICATIONS, 2)
    assert "ошибку пояснить нельзя" in unused["message"]
    assert summary_status(book) == "принят с замечаниями"


def test_a_justification_that_matches_nothing_is_said_back_as_info(workspace, form) -> None:
    justify(form, (MENTORS, 3, "mentor-overload", GROUP))

    data, book = run_month(workspace, form)

    [unused] = [i for i in issues_of(data) if i["code"] == "justification-unused"]
    assert unused["severity"] == "info"
    assert "нет замечания с кодом «mentor-overload»" in unused["message"]
    assert summary_status(book) == "принят"


def test_a_justification_the_district_refused_leaves_the_warning(workspace, form) -> None:
    form, row = overloaded(form)
    justify(form, (MENTORS, row, "mentor-overload", GROUP))
    settings = workspace.root / SETTINGS_FILE
    text = settings.read_text(encoding="utf-8")
    assert "refused = []" in text
    settings.write_text(text.replace(
        "refused = []", f'refused = ["ОО-07:{MENTORS}:{row}:mentor-overload"]'),
        encoding="utf-8")

    data, book = run_month(workspace, form)

    [warning] = [i for i in issues_of(data) if i["code"] == "mentor-overload"]
    assert warning["severity"] == "warning"
    assert f"Пояснение школы («{GROUP}») управлением образования не принято." \
        in warning["message"]
    assert "justified-warning" not in {i["code"] for i in issues_of(data)}
    assert summary_status(book) == "принят с замечаниями"


def test_refusing_a_justification_later_is_seen_by_the_next_run(workspace, form) -> None:
    form, row = overloaded(form)
    justify(form, (MENTORS, row, "mentor-overload", GROUP))
    _, book = run_month(workspace, form)
    assert summary_status(book) == "принят"
    settings = workspace.root / SETTINGS_FILE
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "refused = []", f'refused = ["ОО-07:{MENTORS}:{row}:mentor-overload"]'),
        encoding="utf-8")

    result = invoke("run", "--period", PERIOD, "-w", workspace.root)
    assert result.exit_code in (0, 1), result.output

    book = openpyxl.load_workbook(workspace.outbox / PERIOD / f"Свод_{PERIOD}.xlsx")
    assert summary_status(book) == "принят с замечаниями"


def test_the_template_has_the_justifications_sheet_with_a_drop_down(tmp_path: Path) -> None:
    path = write_form(tmp_path / "t.xlsx", school_code="ОО-07", school_name="СОШ № 7",
                      period=PERIOD)

    book = openpyxl.load_workbook(path)
    assert JUSTIFICATIONS in book.sheetnames
    sheet = book[JUSTIFICATIONS]
    header = [cell.value for cell in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert header == HEADERS
    code_letter = "D"
    lists = {str(v.sqref)[0]: v.formula1
             for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert "B" in lists and code_letter in lists
    name = lists[code_letter].lstrip("=")
    target = book.defined_names[name].attr_text
    _, cells = target.split("!")
    first, last = cells.replace("$", "").split(":")
    values = [c.value for row in book["Справочники"][f"{first}:{last}"] for c in row]
    assert "mentor-overload" in values
    assert "unknown-mentee" not in values  # an error cannot be justified
    assert "cross-school-duplicate" not in values  # found across the district: not yet


def test_a_filled_template_with_a_justification_is_read(workspace, tmp_path) -> None:
    """The template's own sheet, filled as a clerk fills it, is what the reader takes."""
    path = write_form(workspace.inbox / PERIOD / "ОО-07.xlsx", school_code="ОО-07",
                      school_name="СОШ № 7", period=PERIOD)
    book = openpyxl.load_workbook(path)
    sheet = book[JUSTIFICATIONS]
    sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"] = MENTORS, 99, "mentor-overload", GROUP
    book.save(path)

    result = invoke("run", "--period", PERIOD, "-w", workspace.root, "--json")
    assert result.exit_code in (0, 1), result.output
    unused = [i for i in issues_of(json.loads(result.output))
              if i["code"] == "justification-unused"]
    assert [(i["sheet"], i["row"]) for i in unused] == [(JUSTIFICATIONS, 2)]


@pytest.mark.parametrize("justified", [False, True])
def test_the_feedback_offers_to_justify_each_warning(workspace, form, justified) -> None:
    form, row = overloaded(form)
    if justified:
        justify(form, (MENTORS, row, "mentor-overload", GROUP))
    run_month(workspace, form)

    [path] = (workspace.outbox / PERIOD / "Замечания").glob("*.xlsx")
    sheet = openpyxl.load_workbook(path)[SHEET_NAME]
    rows = list(sheet.iter_rows(min_row=TABLE_HEADER_ROW, values_only=True))
    header = list(rows[0])
    code, fix = header.index("Код"), header.index("Как исправить")
    by_code = {r[code]: r[fix] for r in rows[1:] if r[code]}
    offer = (f"поясните на листе «{JUSTIFICATIONS}»: лист «{MENTORS}», строка {row}, "
             "код mentor-overload.")
    if justified:
        assert "mentor-overload" not in by_code
        assert by_code["justified-warning"] == "Ничего делать не нужно: пояснение принято."
    else:
        assert offer in by_code["mentor-overload"]


def test_a_warning_found_across_the_district_cannot_be_justified_yet(workspace, form) -> None:
    other = form.copy().set_title(T_CODE, "ОО-08")
    other.save(workspace.inbox / PERIOD / "ОО-08.xlsx")
    row = form.row_of(MENTORS, PETROVA)
    justify(form, (MENTORS, row, "cross-school-duplicate", "Совместитель в двух школах"))

    data, book = run_month(workspace, form)

    issues = issues_of(data)
    assert ("cross-school-duplicate", row) in {(i["code"], i["row"]) for i in issues}
    [unused] = [i for i in issues if i["code"] == "justification-unused"]
    assert "найдено по всему району" in unused["message"]
    assert summary_status(book) == "принят с замечаниями"
