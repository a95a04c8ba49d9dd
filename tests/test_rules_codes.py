"""SPEC §3: the issue codes and their severities are a contract; CODES must not drift from it."""

from __future__ import annotations

import pytest

from pipeline.issues import CODES, make

# Typed from SPEC.md §3 (not derived from the code under test).
SPEC_SEVERITIES = {
    "fatal": """unreadable-file encrypted-file not-a-form missing-sheet missing-column
                unknown-school period-mismatch file-too-large""",
    "error": """required bad-value bad-date bad-number out-of-range bad-name duplicate-person
                unknown-mentor unknown-mentee self-pair date-order form-role-mismatch
                missing-end-date duplicate-pair group-mentor-mismatch""",
    "warning": """mixed-script no-pd-consent no-mentoring-consent mentor-overload
                  mentee-multiple-pairs stale-active-pair category-experience-mismatch
                  unpaired-mentee unpaired-mentor title-count-mismatch missing-satisfaction
                  cross-school-duplicate program-duration""",
    "info": "extra-column header-alias",
}
SPEC_CODES = {code: severity for severity, codes in SPEC_SEVERITIES.items()
              for code in codes.split()}
# Codes the project added to the contract (documented in its docs).
EXTENSIONS: dict[str, str] = {"pair-vanished": "warning",  # README: codes we added
                              "formula-in-cell": "warning",
                              "link-to-rejected-person": "error",
                              "link-outside-workspace": "fatal",
                              "justified-warning": "info",
                              "justification-unused": "info",
                              "history-jump": "warning"}


def test_spec_lists_thirty_eight_codes():
    assert len(SPEC_CODES) == 38  # 8 fatal, 15 error, 13 warning, 2 info


@pytest.mark.parametrize("code", sorted(SPEC_CODES))
def test_every_spec_code_has_the_spec_severity(code):
    assert code in CODES, f"{code} of SPEC §3 is missing from pipeline.issues.CODES"
    assert CODES[code][0] == SPEC_CODES[code]


def test_no_code_outside_the_spec_unless_documented_as_an_extension():
    extra = set(CODES) - set(SPEC_CODES)
    assert extra == set(EXTENSIONS), f"codes not in SPEC §3: {sorted(extra)}"
    for code, severity in EXTENSIONS.items():
        assert CODES[code][0] == severity


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_plain_russian_message(code):
    issue = make(code, sheet="Наставники", row=2, column="ФИО", value="x", detail="подробности",
                 first_row=1, status="завершена", fixed="Петрова Анна Сергеевна", count=4,
                 limit=3, months=1, which="оценка", other="ОО-08",
                 where="в списке другой школы", expected="2026-11",
                 sheet_name="Наставники", previous="2026-10",
                 who="Наставник", person_row=3, person_sheet="Наставники",
                 original="mentor-overload", text="по приказу", what="перегрузка", line=2)
    assert issue.severity == SPEC_CODES.get(code, EXTENSIONS.get(code))
    assert any("а" <= ch <= "я" for ch in issue.message.lower())
