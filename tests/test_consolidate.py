"""The monthly run as the district office sees it: inbox files in, the district workbook out."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pytest
from conftest import (
    AGE,
    BASE_COUNTS,
    CATEGORY,
    MENTEES,
    MENTORS,
    MOROZOV,
    NAME,
    PD_CONSENT,
    PERIOD,
    PETROVA,
    POSITION,
    SOKOLOV,
    T_CODE,
    VOLKOV,
    FormBuilder,
)

from pipeline.consolidate import run_period
from pipeline.workspace import Workspace

DISTRICT_SHEETS = ["Сводка", "Сдача отчётов", "Наставники", "Наставляемые", "Пары и группы",
                   "Изменения", "Замечания"]


def inbox(workspace: Workspace) -> Path:
    folder = workspace.inbox / PERIOD
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def table(book: openpyxl.Workbook, name: str) -> list[dict[str, object]]:
    """A sheet of the district workbook as records keyed by its header row."""
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def all_cells(path: Path) -> list[object]:
    book = openpyxl.load_workbook(path)
    return [cell.value for sheet in book for row in sheet.iter_rows() for cell in row]


def run(workspace: Workspace):
    result = run_period(workspace, PERIOD)
    path = Path(result.outputs["consolidated"])
    return result, path, openpyxl.load_workbook(path)


def test_one_clean_school_and_one_missing_school_make_the_district_workbook(
        workspace: Workspace, form: FormBuilder) -> None:
    form.save(inbox(workspace) / "школа 7.xlsx")

    result, path, book = run(workspace)

    assert path == workspace.outbox / PERIOD / f"Свод_{PERIOD}.xlsx"
    assert book.sheetnames == DISTRICT_SHEETS
    summary = {row["Код ОО"]: row for row in table(book, "Сводка")}
    assert summary["ОО-07"]["Статус"] == "принят"
    assert summary["ОО-07"]["Получен"] == "да"
    assert summary["ОО-07"]["Наставников"] == BASE_COUNTS["mentors"]
    assert summary["ОО-07"]["Наставляемых"] == BASE_COUNTS["mentees"]
    assert summary["ОО-07"]["Связей в парах"] == BASE_COUNTS["links"]
    assert summary["ОО-07"]["Пар и групп"] == 5  # the clean form has one group of two rows
    assert summary["ОО-08"]["Статус"] == "не представлен"
    assert summary["ОО-08"]["Наставников"] is None  # not reported is not zero
    mentors = table(book, "Наставники")
    assert len(mentors) == BASE_COUNTS["mentors"]
    assert {m["Код ОО"] for m in mentors} == {"ОО-07"}
    assert {m["Наименование ОО"] for m in mentors} == {"МБОУ «СОШ № 7»"}
    assert PETROVA in {m["ФИО"] for m in mentors}
    assert len(table(book, "Наставляемые")) == BASE_COUNTS["mentees"]
    links = table(book, "Пары и группы")
    assert len(links) == BASE_COUNTS["links"]
    assert all(isinstance(link["Дата начала"], dt.datetime) for link in links)
    assert result.missing == ["ОО-08"]
    assert result.as_json()["received"] == 1


def test_district_sheets_have_frozen_headers_and_filters(workspace, form) -> None:
    form.save(inbox(workspace) / "7.xlsx")
    _, _, book = run(workspace)
    for name in DISTRICT_SHEETS:
        header_row = 7 if name == "Сдача отчётов" else 1  # rates stand above that table
        assert book[name].freeze_panes == f"A{header_row + 1}", name
        # the filter of the sheet's Excel table (tests/test_tables.py)
        assert [t.autoFilter.ref for t in book[name].tables.values()], name


def test_a_row_with_an_error_is_left_out_of_the_district_lists(workspace, form) -> None:
    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)  # out of range for a pupil mentor
    form.save(inbox(workspace) / "7.xlsx")

    result, _, book = run(workspace)

    assert MOROZOV not in {m["ФИО"] for m in table(book, "Наставники")}
    issues = table(book, "Замечания")
    assert any(i["Код"] == "out-of-range" and i["Столбец"] == AGE for i in issues)
    assert result.results[0].counts["mentors"] == BASE_COUNTS["mentors"] - 1


def test_a_person_without_pd_consent_is_counted_but_never_named(workspace, form) -> None:
    form.set(MENTORS, form.row_of(MENTORS, SOKOLOV), PD_CONSENT, "нет")
    form.save(inbox(workspace) / "7.xlsx")

    _, path, book = run(workspace)

    mentors = table(book, "Наставники")
    assert len(mentors) == BASE_COUNTS["mentors"]
    codes = [m["ФИО"] for m in mentors if str(m["ФИО"]).startswith("Лицо-")]
    assert len(codes) == 1
    assert not any(SOKOLOV in str(value) for value in all_cells(path) if value)
    # the same pseudonym in the pairs, so the district can still follow the pair
    assert codes[0] in {link["ФИО наставника"] for link in table(book, "Пары и группы")}
    # and the code is stable from run to run
    _, _, again = run(workspace)
    assert codes[0] in {m["ФИО"] for m in table(again, "Наставники")}


def test_the_district_list_of_problems_names_only_who_consented(workspace, form) -> None:
    """«Замечания» shows the value of a person's cell where their school's file says they
    consented, and the person's code where it does not, as the lists do."""
    form.set(MENTORS, form.row_of(MENTORS, SOKOLOV), PD_CONSENT, "нет")
    form.save(inbox(workspace) / "7.xlsx")
    form.copy().set_title(T_CODE, "ОО-08").save(inbox(workspace) / "8.xlsx")

    _, _, book = run(workspace)

    duplicates = [i for i in table(book, "Замечания") if i["Код"] == "cross-school-duplicate"
                  and i["Лист"] == MENTORS]
    shown = {i["Значение"] for i in duplicates}
    assert PETROVA in shown
    assert SOKOLOV not in shown
    codes = {m["ФИО"] for m in table(book, "Наставники") if str(m["ФИО"]).startswith("Лицо-")}
    assert len(codes) == 2  # Sokolov's in each school: a code is the school's own
    assert codes <= shown


def test_the_same_person_in_two_schools_is_a_cross_school_duplicate(workspace, form) -> None:
    form.save(inbox(workspace) / "7.xlsx")
    other = form.copy().set_title(T_CODE, "ОО-08")
    other.save(inbox(workspace) / "8.xlsx")

    result, _, book = run(workspace)

    for file_result in result.results:
        found = [i for i in file_result.issues if i.code == "cross-school-duplicate"
                 and i.sheet == MENTORS and i.value == PETROVA]
        assert found, file_result.issues
        assert found[0].column == NAME
        assert found[0].severity == "warning"
    codes = {(i["Код ОО"], i["Код"]) for i in table(book, "Замечания")}
    assert ("ОО-07", "cross-school-duplicate") in codes
    assert ("ОО-08", "cross-school-duplicate") in codes


def test_the_newest_file_of_a_school_counts(workspace, form) -> None:
    folder = inbox(workspace)
    broken = form.copy().set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Petrova")
    old = broken.save(folder / "7 первый.xlsx")
    new = form.save(folder / "7 исправленный.xlsx")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_800_000_000, 1_800_000_000))

    result, _, book = run(workspace)

    summary = {row["Код ОО"]: row for row in table(book, "Сводка")}
    assert summary["ОО-07"]["Файл"] == "7 исправленный.xlsx"
    assert summary["ОО-07"]["Статус"] == "принят"
    assert len(table(book, "Наставники")) == BASE_COUNTS["mentors"]
    assert len(result.as_json()["files"]) == 2
    superseded = [i for i in table(book, "Замечания") if "заменён" in str(i["Файл"])]
    assert superseded and all(i["Код ОО"] == "ОО-07" for i in superseded)


def test_a_broken_file_does_not_stop_the_run(workspace, form) -> None:
    folder = inbox(workspace)
    (folder / "письмо.xlsx").write_text("это не таблица", encoding="utf-8")
    form.save(folder / "7.xlsx")

    result, _, book = run(workspace)

    statuses = {Path(r.file).name: r.status for r in result.results}
    assert statuses == {"письмо.xlsx": "rejected", "7.xlsx": "accepted"}
    assert len(table(book, "Наставники")) == BASE_COUNTS["mentors"]
    assert any(i["Код"] == "unreadable-file" and i["Файл"] == "письмо.xlsx"
               for i in table(book, "Замечания"))


@pytest.mark.parametrize("text", ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+7 (391) 1", "@SUM(1)"])
def test_text_a_school_typed_is_never_a_formula_in_the_district_workbook(
        workspace, form, text) -> None:
    path = form.save(inbox(workspace) / "7.xlsx")
    typed = openpyxl.load_workbook(path)  # a text cell, as Excel keeps '=1+1 typed by a school
    cell = typed["Титул"].cell(row=form.title_row("Телефон куратора"), column=2)
    cell.value = text
    cell.data_type = "s"
    typed.save(path)

    _, path, _ = run(workspace)

    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row
             if cell.value == text]
    assert cells, "the phone must be in the summary"
    assert all(cell.data_type == "s" for cell in cells)


def test_a_formula_in_a_school_file_reaches_the_district_workbook_only_as_its_value(
        workspace) -> None:
    # lo_formulas_cached.xlsx: «ФИО наставника» on «Пары и группы» is ='Наставники'!B2 and
    # so on, with the values LibreOffice computed (tests/data/README.md)
    source = Path(__file__).parent / "data" / "lo_formulas_cached.xlsx"
    (inbox(workspace) / "7.xlsx").write_bytes(source.read_bytes())

    _, path, book = run(workspace)

    assert [r["ФИО наставника"] for r in table(book, "Пары и группы")].count(PETROVA) == 2
    assert not [cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    remarks = [r for r in table(book, "Замечания") if r["Код"] == "formula-in-cell"]
    assert len(remarks) == 12, remarks


def test_nothing_in_the_inbox_is_changed(workspace, form) -> None:
    import hashlib

    folder = inbox(workspace)
    form.save(folder / "7.xlsx")
    (folder / "~$7.xlsx").write_bytes(b"\x00" * 165)  # an Excel lock file
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    run(workspace)
    run(workspace)

    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert after == before


def test_an_empty_month_still_gives_a_summary_of_who_did_not_report(workspace) -> None:
    result, _, book = run(workspace)
    assert result.missing == ["ОО-07", "ОО-08"]
    assert [r["Статус"] for r in table(book, "Сводка")] == ["не представлен"] * 2


def test_the_district_pairs_name_only_people_on_the_district_lists(workspace, form) -> None:
    """SPEC §4.7: a pair whose mentor or mentee row is left out is left out too, so the
    district's «Пары и группы» never names a person «Наставники»/«Наставляемые» do not have."""
    form.set(MENTORS, form.row_of(MENTORS, SOKOLOV), POSITION, None)  # required
    form.set(MENTEES, form.row_of(MENTEES, VOLKOV), CATEGORY, "школьник")  # bad-value
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), PD_CONSENT, "нет")  # a code, not a name
    form.save(inbox(workspace) / "7.xlsx")
    form.copy().set_title(T_CODE, "ОО-08").save(inbox(workspace) / "8.xlsx")

    result, _, book = run(workspace)

    mentors = {(m["Код ОО"], m["ФИО"]) for m in table(book, "Наставники")}
    mentees = {(m["Код ОО"], m["ФИО"]) for m in table(book, "Наставляемые")}
    links = table(book, "Пары и группы")
    assert {(p["Код ОО"], p["ФИО наставника"]) for p in links} <= mentors
    assert {(p["Код ОО"], p["ФИО наставляемого"]) for p in links} <= mentees
    assert not {SOKOLOV, VOLKOV} & {name for _, name in mentors | mentees}
    # each school's two pairs of those people are out, with their reason at the pair's row
    assert len(links) == 2 * (BASE_COUNTS["links"] - 2)
    assert [r.counts["links"] for r in result.results] == [BASE_COUNTS["links"] - 2] * 2
    reasons = [i for i in table(book, "Замечания") if i["Код"] == "link-to-rejected-person"]
    assert sorted(i["Код ОО"] for i in reasons) == ["ОО-07", "ОО-07", "ОО-08", "ОО-08"]


@pytest.mark.parametrize(("schools", "expected"), [
    pytest.param(2, {"ОО-01": "в списке другой школы (ОО-02)",
                     "ОО-02": "в списке другой школы (ОО-01)"}, id="two"),
    pytest.param(4, {"ОО-01": "в списках других школ (ОО-02, ОО-03 и ОО-04)",
                     "ОО-03": "в списках других школ (ОО-01, ОО-02 и ОО-04)"}, id="four"),
    pytest.param(8, {"ОО-01": "в списках других школ (ОО-02, ОО-03, ОО-04 и ещё 4)",
                     "ОО-03": "в списках других школ (ОО-01, ОО-02, ОО-04 и ещё 4)",
                     "ОО-08": "в списках других школ (ОО-01, ОО-02, ОО-03 и ещё 4)"},
                 id="eight"),
])
def test_a_namesake_in_many_schools_is_told_a_few_of_them(tmp_path, form, schools,
                                                          expected) -> None:
    """The same person in every school of the district: each school's message names three
    other schools at most, and how many more there are."""
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.workspace import School, init_workspace

    registry = tuple(School(f"ОО-{n:02d}", f"МБОУ «СОШ № {n}»") for n in range(1, schools + 1))
    workspace = init_workspace(tmp_path / "район", district="Тестовый район", schools=registry)
    for school in registry:
        form.copy().set_title(T_CODE, school.code).save(inbox(workspace) / f"{school.code}.xlsx")

    result = CliRunner().invoke(cli, ["run", "--period", PERIOD, "-w", str(workspace.root),
                                      "--json"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    said = {f["school_code"]: [i["message"] for i in f["issues"]
                               if i["code"] == "cross-school-duplicate"
                               and i["value"] == PETROVA] for f in files}
    for code, where in expected.items():
        message = f"Этот человек есть и {where}. Проверьте, не записан ли он дважды."
        assert said[code] == [message], said[code]
    book = Path(json.loads(result.output)["outputs"]["consolidated"])
    assert f"Этот человек есть и {expected['ОО-01']}. Проверьте, не записан ли он дважды." \
        in all_cells(book)
