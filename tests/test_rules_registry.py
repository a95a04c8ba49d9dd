"""The rules are one registry (pipeline/rules): each rule is a named function with its scope
and the codes it may emit; every code of the contract comes from a registered rule or from
reading the file and its cells; a rule that emits a code it has not declared is stopped; and
adding a rule is one function and one line in the registry."""

from __future__ import annotations

import ast
from pathlib import Path

import openpyxl
import pytest
from conftest import MENTORS, PERIOD, PETROVA, SCHOOLS, T_CODE, assert_issue, issues_of

import pipeline.rules as rules
from pipeline.consolidate import run_period
from pipeline.issues import CODES
from pipeline.rules import (
    REGISTRY,
    DistrictFacts,
    Rule,
    UndeclaredCode,
    check_district,
    check_form,
    form_facts,
)
from pipeline.workspace import Workspace, init_workspace
from schemas.columns import MENTORS as MENTORS_SHEET

# Codes no registered rule emits, typed here from where they are found (not derived from the
# registry): the file and its sheets as read (pipeline/preflight.py, pipeline/read.py) ...
READER_CODES = {"unreadable-file", "encrypted-file", "file-too-large", "link-outside-workspace",
                "not-a-form", "missing-sheet", "missing-column", "extra-column",
                "header-alias", "mixed-script", "formula-in-cell", "bad-date", "bad-number",
                "bad-value"}
# ... a cell's value against its column (pandera, schemas/sheets.py from schemas/columns.py) ...
CELL_CODES = {"required", "bad-value", "bad-name", "out-of-range"}
# ... and whose file it is and for which month («Титул», pipeline/validate.py).
IDENTITY_CODES = {"unknown-school", "period-mismatch"}
# ... and what the school's «Пояснения» did to the warnings once the rules ran
# (pipeline/justify.py).
JUSTIFY_CODES = {"justified-warning", "justification-unused"}

RULES_DIR = Path(rules.__file__).parent


def declared() -> set[str]:
    return {code for rule in REGISTRY for code in rule.codes}


def test_every_code_a_rule_declares_is_a_code_of_the_contract():
    unknown = {(rule.name, code) for rule in REGISTRY for code in rule.codes
               if code not in CODES}
    assert not unknown


def test_every_code_of_the_contract_is_emitted_by_a_rule_or_by_reading_the_file():
    nobody = set(CODES) - declared() - READER_CODES - CELL_CODES - IDENTITY_CODES \
        - JUSTIFY_CODES
    assert not nobody, f"codes no rule and no reader emits: {sorted(nobody)}"


def test_the_district_rules_are_registered_with_their_codes():
    district = {code for rule in REGISTRY if rule.scope == "district" for code in rule.codes}
    assert district == {"cross-school-duplicate", "pair-vanished", "history-jump"}


def test_rules_have_unique_names_and_a_known_scope():
    names = [rule.name for rule in REGISTRY]
    assert len(names) == len(set(names))
    assert {rule.scope for rule in REGISTRY} <= {"file", "district"}


def test_no_function_in_the_rules_is_longer_than_a_screen():
    long = []
    for path in sorted(RULES_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and node.end_lineno - node.lineno + 1 > 40:
                long.append(f"{path.name}:{node.name}")
    assert not long


def _read(form, tmp_path):
    """A clean form read and checked, and its facts as the file rules see them."""
    from pipeline.check import read_and_validate

    path = form.save(tmp_path / "in" / "ОО-07.xlsx")
    validation = read_and_validate([path], workspace=None, period=PERIOD)
    return form_facts(validation.forms[0], 0, PERIOD, set(), 3)


def _says(code: str, *args):
    def rule(facts, add):
        add(code, *args)

    return rule


def test_a_file_rule_emitting_a_code_it_does_not_declare_is_stopped(form, tmp_path):
    facts = _read(form, tmp_path)
    found = []
    fake = Rule("fake", "file", ("unpaired-mentor",),
                _says("mentor-overload", MENTORS_SHEET, 2, "full_name", PETROVA))

    with pytest.raises(UndeclaredCode, match="mentor-overload"):
        check_form(facts, lambda *a, **k: found.append(a), [fake])
    assert found == []


def test_a_district_rule_emitting_a_code_it_does_not_declare_is_stopped():
    fake = Rule("fake", "district", ("pair-vanished",),
                _says("cross-school-duplicate", 0, MENTORS_SHEET, 2, "full_name", PETROVA))

    with pytest.raises(UndeclaredCode, match="cross-school-duplicate"):
        check_district(DistrictFacts([], "2026-10"), lambda *a, **k: None, [fake])


def test_a_rule_added_to_the_registry_is_run_and_its_issue_reaches_the_school(
        form, check, monkeypatch):
    def first_mentor(facts, add):  # one function ...
        rec = facts.kept[MENTORS_SHEET.key][0]
        add("no-mentoring-consent", MENTORS_SHEET, rec["_row"], "mentoring_consent", "нет")

    # ... and one line in the registry
    monkeypatch.setattr(rules, "REGISTRY", [*REGISTRY, Rule(
        "first-mentor", "file", ("no-mentoring-consent",), first_mentor)])

    result = check(form)  # the feedback file lists it too (the fixture checks)

    assert_issue(result, "no-mentoring-consent", sheet=MENTORS, row=form.row_of(MENTORS, PETROVA),
                 column="Письменное согласие на наставничество", value="нет")


def _two_namesakes(root: Path, form) -> Workspace:
    """A district where two schools list the same people."""
    workspace = init_workspace(root, district="Тестовый район", schools=SCHOOLS)
    folder = workspace.inbox / PERIOD
    folder.mkdir(parents=True)
    form.save(folder / "7.xlsx")
    form.copy().set_title(T_CODE, "ОО-08").save(folder / "8.xlsx")
    return workspace


def _codes_listed(path: str) -> list[str]:
    rows = list(openpyxl.load_workbook(path)["Замечания"].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True))["Код"] for row in rows[1:]]


def test_a_district_rule_taken_out_of_the_registry_is_not_run(tmp_path, form, monkeypatch):
    with_it = run_period(_two_namesakes(tmp_path / "with", form), PERIOD)
    monkeypatch.setattr(rules, "REGISTRY", [r for r in REGISTRY if r.name != "namesakes"])
    without = run_period(_two_namesakes(tmp_path / "without", form), PERIOD)

    assert all(issues_of(r, "cross-school-duplicate") for r in with_it.results)
    assert "cross-school-duplicate" in _codes_listed(with_it.outputs["consolidated"])
    assert not any(issues_of(r, "cross-school-duplicate") for r in without.results)
    assert "cross-school-duplicate" not in _codes_listed(without.outputs["consolidated"])
