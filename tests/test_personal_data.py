"""Nobody without consent is named in what the district keeps or sends upstream (SPEC §5), in
any spelling, and one person has one pseudonym in every sheet and every month."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import (
    LINKS,
    MENTEE_NAME,
    MENTEES,
    MENTOR_NAME,
    MENTORS,
    NAME,
    PD_CONSENT,
    T_PERIOD,
    FormBuilder,
)

from pipeline.cli import cli

OCT, NOV = "2026-10", "2026-11"
# a mentor whose clerk typed Latin letters into her name, and a mentee written with «е» and
# in capitals on the pairs' sheet: neither consented to personal-data processing
PETROVA, PETROVA_TYPED = "Петрова Анна Сергеевна", "Пeтрoва Анна Сергеевна"  # Latin e, o
BELOV, BELOV_IN_PAIRS = "Белов Артём Сергеевич", "БЕЛОВ Артем Сергеевич"


def spellings(name: str) -> set[str]:
    surname = name.split()[0]
    forms = {name, surname}
    return {f for s in forms for f in (s, s.upper(), s.lower(), s.replace("ё", "е"),
                                       s.replace("е", "e").replace("о", "o"))}


def texts_of(path: Path) -> str:
    """Every part of an Office file (cells, shared strings, comments, sheet names, document
    properties), unescaped as a reader would see it."""
    with zipfile.ZipFile(path) as package:
        return "\n".join(html.unescape(package.read(n).decode("utf-8", "replace"))
                         for n in package.namelist() if n.endswith((".xml", ".rels", ".vml")))


def put(workspace, builder: FormBuilder, period: str) -> None:
    path = builder.copy().set_title(T_PERIOD, period).save(workspace.inbox / period / "7.xlsx")
    when = dt.datetime(int(period[:4]), int(period[5:]), 28).timestamp()
    os.utime(path, (when, when))


def without_consent(form: FormBuilder, petrova: str) -> FormBuilder:
    form = form.copy()
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), PD_CONSENT, "нет")
    form.set(MENTEES, form.row_of(MENTEES, BELOV), PD_CONSENT, "нет")
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, petrova)
    for row in form.rows(LINKS):
        if form.get(LINKS, row, MENTEE_NAME) == BELOV:
            form.set(LINKS, row, MENTEE_NAME, BELOV_IN_PAIRS)
    return form


def column(path: Path, sheet: str, header: str) -> list[str]:
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if header in r)
    at = rows[start].index(header)
    return [r[at] for r in rows[start + 1:] if r[at] is not None]


def test_no_one_without_consent_is_named_anywhere_in_the_district_outputs(workspace, form):
    put(workspace, without_consent(form, PETROVA), OCT)
    november = without_consent(form, PETROVA_TYPED)
    # a change since October, so that «Изменения» speaks of her group
    november.remove_row(LINKS, november.link_row(PETROVA, BELOV_IN_PAIRS))
    put(workspace, november, NOV)
    runner = CliRunner()
    for period in (OCT, NOV):
        result = runner.invoke(cli, ["run", "--period", period, "-w", str(workspace.root)])
        assert result.exit_code in (0, 1), result.output
        result = runner.invoke(cli, ["report", "--period", period, "--note", "-w",
                                     str(workspace.root)])
        assert result.exit_code == 0, result.output

    outputs = [p for p in workspace.outbox.rglob("*")
               if p.suffix in (".xlsx", ".docx") and "Замечания" not in p.parts]
    assert {p.name for p in outputs} >= {f"Свод_{OCT}.xlsx", f"Свод_{NOV}.xlsx"}
    assert len(outputs) == 6  # the district workbook, the report and the note, each month
    for path in outputs:
        text = texts_of(path)
        for person in (PETROVA, PETROVA_TYPED, BELOV, BELOV_IN_PAIRS):
            for spelling in spellings(person):
                assert spelling not in text, f"{spelling!r} in {path.name}"
    # she is still there, under one code in every sheet and every month
    district = workspace.outbox / NOV / f"Свод_{NOV}.xlsx"
    oct_codes = {c for c in column(workspace.outbox / OCT / f"Свод_{OCT}.xlsx", MENTORS,
                                   "ФИО") if c.startswith("Лицо-")}
    nov_codes = {c for c in column(district, MENTORS, "ФИО") if c.startswith("Лицо-")}
    assert len(nov_codes) == 1 and nov_codes == oct_codes
    [code] = nov_codes
    assert code in column(district, LINKS, MENTOR_NAME)
    remarks = list(openpyxl.load_workbook(district)["Замечания"].iter_rows(values_only=True))
    mixed = [r for r in remarks if "mixed-script" in r]
    assert mixed and all(code in r for r in mixed)
    changes = column(district, "Изменения", "Наставник")
    assert code in changes
    # Belov, written three ways, is one person with one code
    mentee_codes = {c for c in column(district, MENTEES, "ФИО") if c.startswith("Лицо-")}
    assert len(mentee_codes) == 1
    assert mentee_codes <= set(column(district, LINKS, MENTEE_NAME)) | set(
        column(district, "Изменения", "Наставляемый"))


def test_the_school_still_learns_which_name_had_latin_letters(workspace, form, tmp_path):
    """The school's own feedback may name its own people: it shows the cell as typed."""
    from pipeline.check import check_files

    path = without_consent(form, PETROVA_TYPED).save(tmp_path / "7.xlsx")
    [result] = check_files([path], workspace=workspace, period=NOV)
    [issue] = [i for i in result.issues if i.code == "mixed-script"]
    assert issue.value == PETROVA_TYPED
    assert not re.search("[А-Яа-я]+ова", issue.message)
