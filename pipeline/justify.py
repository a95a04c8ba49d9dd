"""Justified warnings: a warning the school explained on its «Пояснения» sheet becomes an info
issue quoting the explanation, unless the district refused it (settings).

A line of «Пояснения» names a warning by its sheet, row and code. Only a warning can be
explained: an error must be fixed, and a line that explains nothing is said back to the
school as info. Applied to a file's issues once its rules have run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

from pipeline import issues as iss
from pipeline.read import Table
from pipeline.rules import rules_of
from pipeline.values import header_key
from pipeline.workspace import code_key
from schemas.columns import JUSTIFICATIONS, Sheet

# found across the district, after a file's own rules: not (yet) explainable
DISTRICT_CODES = tuple(code for rule in rules_of("district") for code in rule.codes)
# the codes a school may explain: warnings of its own file (an error must be fixed)
JUSTIFIABLE = tuple(code for code, (severity, _, _) in iss.CODES.items()
                    if severity == "warning" and code not in DISTRICT_CODES)


@functools.cache
def justifications_sheet() -> Sheet:
    """«Пояснения» as the template writes it: its code a drop-down of JUSTIFIABLE."""
    columns = tuple(replace(column, kind="enum", vocab=JUSTIFIABLE)
                    if column.key == "code" else column for column in JUSTIFICATIONS.columns)
    return replace(JUSTIFICATIONS, columns=columns)


@dataclass(frozen=True)
class Justification:
    line: int  # its Excel row on «Пояснения»
    sheet: str | None
    row: int | None  # None: the warning is about the whole sheet
    code: str | None
    text: str | None


def read_justifications(table: Table | None) -> list[Justification]:
    """The lines of a form's «Пояснения» (none when the form has no such sheet)."""
    if table is None:
        return []
    column = {key: table.values.get(key, [None] * len(table)) for key in
              ("sheet", "row", "code", "text")}
    return [Justification(line, _text(column["sheet"][i]), _row(column["row"][i]),
                          _text(column["code"][i]), _text(column["text"][i]))
            for i, line in enumerate(table.rows)]


def refusal_key(school_code: Any, sheet: Any, row: Any, code: Any) -> str:
    """How a refusal in the settings («ОО-07:Наставники:5:mentor-overload») is compared."""
    return ":".join((code_key(str(school_code or "")), header_key(sheet or ""),
                     str(row or ""), str(code or "").strip().lower()))


def refused_keys(refused: tuple[str, ...]) -> frozenset[str]:
    keys = set()
    for entry in refused:
        parts = entry.rsplit(":", 3)
        if len(parts) == 4:
            keys.add(refusal_key(parts[0], parts[1], parts[2].strip(), parts[3]))
    return frozenset(keys)


def justify(issues: list[iss.Issue], said: list[Justification], *, school_code: str | None,
            refused: frozenset[str]) -> list[iss.Issue]:
    """`issues` with each explained warning turned into `justified-warning` (or, refused by
    the district, kept with a word that the explanation was not accepted), and a
    `justification-unused` for each line of «Пояснения» that explains nothing."""
    if not said:
        return issues
    found: dict[tuple[str, int | None, str], list[int]] = {}
    for n, issue in enumerate(issues):
        found.setdefault((header_key(issue.sheet or ""), issue.row, issue.code), []).append(n)
    out = list(issues)
    used: dict[tuple[str, int | None, str], int] = {}
    unused: list[iss.Issue] = []
    for j in said:
        key = (header_key(j.sheet or ""), j.row, (j.code or "").strip().lower())
        why = _why_unused(j, key, found, used, issues)
        if why:
            unused.append(iss.make("justification-unused", sheet=JUSTIFICATIONS.name,
                                   row=j.line, line=j.line, detail=why[0], hint=why[1]))
            continue
        used[key] = j.line
        if refusal_key(school_code, j.sheet, j.row, key[2]) in refused:
            for n in found[key]:
                warning = out[n]
                out[n] = replace(warning, problem=f"{warning.problem} "
                                 + iss.REFUSED.format(text=j.text))
            continue
        for n in found[key]:
            warning = out[n]
            out[n] = iss.make("justified-warning", sheet=warning.sheet, row=warning.row,
                              column=warning.column, value=warning.value,
                              original=warning.code, text=j.text, what=warning.problem)
    return out + unused


_FIX_LINE = "Проверьте лист, строку и код по файлу замечаний."


def _why_unused(j: Justification, key: tuple[str, int | None, str],
                found: dict[tuple[str, int | None, str], list[int]],
                used: dict[tuple[str, int | None, str], int],
                issues: list[iss.Issue]) -> tuple[str, str] | None:
    """Why a line explains nothing, and what the school can do; None when it explains."""
    if not j.text:
        return "не заполнен столбец «Пояснение»", "Впишите пояснение или удалите строку."
    if not j.code:
        return "не указан код замечания", _FIX_LINE
    if key in used:
        return (f"то же замечание уже пояснено в строке {used[key]}",
                "Удалите повторную строку.")
    if key[2] in DISTRICT_CODES:
        return ("замечание найдено по всему району, а такие пока пояснить нельзя",
                "Проверьте данные вместе с управлением образования; строку пояснения можно "
                "удалить.")
    where = f"строке {j.row} листа «{j.sheet}»" if j.row else f"листе «{j.sheet}»"
    if key not in found:
        return f"в {where} нет замечания с кодом «{j.code}»", _FIX_LINE
    severity = issues[found[key][0]].severity
    if severity in ("error", "fatal"):
        return ("это ошибка, а ошибку пояснить нельзя",
                "Исправьте ошибку в файле; строку пояснения можно удалить.")
    if severity != "warning":
        return "это сведение, пояснять его не нужно", "Строку пояснения можно удалить."
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _row(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    return None
