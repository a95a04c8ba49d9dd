"""The feedback written by editing the school's package as text (`pipeline.feedback.package`).

A school sees the same workbook whichever way it was made: each test marks one file both
ways and compares what openpyxl reads of the two — every cell's value, fill, comment, font
and format, the merged cells, the drop-downs and the names they use. The openpyxl writer
(`pipeline.feedback.book`) is the reference: its output is what the rest of test_feedback.py
checks from a school's point of view.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import AGE, LINKS, MENTORS, MOROZOV, NAME, PERIOD, PETROVA, START
from test_feedback import assert_drop_downs

from pipeline import feedback
from pipeline.check import read_and_validate
from pipeline.feedback import book as feedbackbook
from pipeline.feedback import package as feedbackxml
from pipeline.template import write_templates

WHEN = dt.datetime(2026, 11, 20, 10, 30)


def both_ways(path: Path, workspace, tmp_path: Path) -> tuple[Path, Path]:
    """The feedback of `path` edited as text (it must be: no fallback here) and through
    openpyxl."""
    validation = read_and_validate([path], workspace=workspace, period=PERIOD)
    form, result = validation.forms[0], validation.results[0]
    assert result.issues, "the file must have problems to mark"
    receipt = feedback.receipt_rows(path, result, WHEN, WHEN)
    listed = feedback.listed_issues(result.issues, form)
    text = feedbackxml.write(form, tmp_path / "text.xlsx", receipt, listed)
    book = feedbackbook.write(form, result, tmp_path / "book.xlsx", receipt, listed)
    return text, book


def looks(path: Path) -> dict[str, object]:
    """What a person sees of every sheet, as openpyxl reads it."""
    book = openpyxl.load_workbook(path)
    seen: dict[str, object] = {"sheets": [(ws.title, ws.sheet_state) for ws in book]}
    for ws in book:
        cells = {}
        for (row, col), cell in ws._cells.items():
            fill = cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type else None
            comment = cell.comment.text if cell.comment else None
            if cell.value is None and fill is None and comment is None:
                continue  # a blank styled cell: openpyxl keeps some the text edit never made
            cells[(row, col)] = (cell.value, fill, comment, bool(cell.font.b),
                                 bool(cell.font.i), bool(cell.alignment.wrap_text),
                                 cell.number_format if isinstance(cell.value, dt.datetime)
                                 else None)
        seen[ws.title] = cells
        seen[ws.title, "merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
        seen[ws.title, "drop-downs"] = sorted((str(dv.sqref), dv.formula1)
                                              for dv in ws.data_validations.dataValidation)
    seen["names"] = sorted((name, dn.attr_text) for name, dn in book.defined_names.items())
    first = book.worksheets[0]
    seen["list"] = (book.active.title, first.freeze_panes, first.auto_filter.ref,
                    first.print_title_rows, first.page_setup.orientation,
                    [first.column_dimensions[letter].width for letter in "ABCDEFGH"])
    return seen


def test_a_form_from_the_builder_is_marked_as_text_as_openpyxl_marks_it(workspace, form,
                                                                         tmp_path):
    row = form.row_of(MENTORS, MOROZOV)
    form.set(MENTORS, row, AGE, 5)  # an error in a filled cell
    form.set(MENTORS, form.row_of(MENTORS, PETROVA), NAME, "Пeтрова Анна Сергеевна")  # warning
    form.set(LINKS, form.rows(LINKS)[-1], START, None)  # a required cell left blank
    text, book = both_ways(form.save(tmp_path / "7.xlsx"), workspace, tmp_path)

    assert looks(text) == looks(book)
    assert_drop_downs(openpyxl.load_workbook(text))  # the builder's file had none


def test_a_filled_template_is_marked_as_text_as_openpyxl_marks_it(workspace, tmp_path):
    [template] = write_templates(workspace, PERIOD, ["ОО-07"])
    book = openpyxl.load_workbook(template)
    book["Наставники"]["B2"] = "Петрова"  # not a full name
    book["Наставники"]["F2"] = 7  # not a possible age
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    text, reference = both_ways(filled, workspace, tmp_path)

    assert looks(text) == looks(reference)
    assert_drop_downs(openpyxl.load_workbook(text))


def test_parts_the_feedback_does_not_touch_are_copied_byte_for_byte(workspace, form, tmp_path):
    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    source = form.save(tmp_path / "7.xlsx")
    text, _ = both_ways(source, workspace, tmp_path)

    with zipfile.ZipFile(source) as before, zipfile.ZipFile(text) as after:
        kept = {name: before.read(name) for name in before.namelist()}
        changed = {name for name in kept if after.read(name) != kept[name]}
        sheets = {name for name in kept if name.startswith("xl/worksheets/sheet")}
    # the mentors' sheet is marked; the workbook, its relations, styles and content types
    # list what was added; every other part, and every other sheet, is as the school sent it
    assert changed - sheets == {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                "xl/styles.xml", "[Content_Types].xml"}
    assert len(changed & sheets) == 1 + 3  # the marked sheet; drop-downs on the three lists


def test_our_own_feedback_sent_back_is_left_to_openpyxl(workspace, form, tmp_path):
    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    text, _ = both_ways(form.save(tmp_path / "7.xlsx"), workspace, tmp_path)
    validation = read_and_validate([text], workspace=workspace, period=PERIOD)
    [result] = validation.results
    with pytest.raises(feedbackxml.Unsuitable):
        feedbackxml.write(validation.forms[0], tmp_path / "again.xlsx",
                          feedback.receipt_rows(text, result, WHEN, WHEN),
                          feedback.listed_issues(result.issues, validation.forms[0]))
    assert not (tmp_path / "again.xlsx").exists()


def test_the_forms_layout_marks_the_file_as_the_whole_form_does(workspace, form, tmp_path):
    # a run keeps only the layout of a form with problems, and its feedback worker marks
    # the file with it instead of reading the file again
    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    form.set(LINKS, form.rows(LINKS)[-1], START, None)
    path = form.save(tmp_path / "7.xlsx")
    validation = read_and_validate([path], workspace=workspace, period=PERIOD)
    whole, result = validation.forms[0], validation.results[0]
    layout = whole.layout()
    assert all(not table.values for table in layout.tables.values())

    for name, used in (("whole.xlsx", whole), ("layout.xlsx", layout)):
        feedback.write_feedback(used, result, tmp_path / name, received=WHEN, checked=WHEN)
    assert looks(tmp_path / "layout.xlsx") == looks(tmp_path / "whole.xlsx")


def test_a_failing_package_editor_is_not_hidden_behind_openpyxl(workspace, form, tmp_path,
                                                                 monkeypatch):
    # the writer is chosen by looking at the file: a file the package editor takes and then
    # fails on is a bug to see, not a reason to mark the file another way
    from pipeline.engine import sheetxml

    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    path = form.save(tmp_path / "7.xlsx")
    validation = read_and_validate([path], workspace=workspace, period=PERIOD)
    used, result = validation.forms[0], validation.results[0]
    assert feedbackxml.editable(used, feedback.listed_issues(result.issues, used))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the package editor broke")

    monkeypatch.setattr(sheetxml, "copy_package", broken)
    with pytest.raises(RuntimeError, match="the package editor broke"):
        feedback.write_feedback(used, result, tmp_path / "out.xlsx", received=WHEN,
                                checked=WHEN)
    assert not (tmp_path / "out.xlsx").exists()


def test_a_file_the_package_editor_cannot_take_goes_to_openpyxl_untried(workspace, form,
                                                                        tmp_path,
                                                                        monkeypatch):
    form.set(MENTORS, form.row_of(MENTORS, MOROZOV), AGE, 5)
    text, _ = both_ways(form.save(tmp_path / "7.xlsx"), workspace, tmp_path)
    validation = read_and_validate([text], workspace=workspace, period=PERIOD)
    sent_back, result = validation.forms[0], validation.results[0]
    assert not feedbackxml.editable(sent_back, feedback.listed_issues(result.issues,
                                                                      sent_back))

    def never(*_args, **_kwargs):
        raise AssertionError("the package editor must not be tried on this file")

    written = []
    by_openpyxl = feedbackbook.write
    monkeypatch.setattr(feedbackxml.Marked, "save", never)
    monkeypatch.setattr(feedbackbook, "write", lambda *a, **k: written.append(a[2])
                        or by_openpyxl(*a, **k))
    out = feedback.write_feedback(sent_back, result, tmp_path / "again.xlsx",
                                  received=WHEN, checked=WHEN)

    assert written == [tmp_path / "again.xlsx"]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames.count(feedback.SHEET_NAME) == 1  # our old list replaced
