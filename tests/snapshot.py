"""The demo's outputs as plain JSON: every sheet's cells with their look, the note's text.

`tests/test_demo_snapshot.py` compares the demo of the current code with
`tests/data/demo_snapshot.json`, made once by the code before the redesign (issue 18), so that
moving modules cannot change a cell, a value or a style unnoticed. What a run cannot repeat —
the time it ran, the tool's version — is replaced by a placeholder.

Regenerate (only when an output is meant to change, and say so in the commit):

    python tests/snapshot.py tests/data/demo_snapshot.json
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import docx
import openpyxl
from click.testing import CliRunner

PERIODS = ("2026-10", "2026-11")
# A fixed pseudonym key: the demo's own is random, and «Лицо-XXXXXXXX» codes derive from it.
SECRET = "0123456789abcdef0123456789abcdef"
# A sheet with more cells than this is stored as a digest of its cells plus its first rows.
FULL_CELLS = 4000
FIRST_ROWS = 15

_STAMPS = (
    # «Сформирован 05.12.2026 в 12:20 программой nastavnik 0.1.0»
    (re.compile(r"\d{2}\.\d{2}\.\d{4} в \d{2}:\d{2}( программой nastavnik )\S+"),
     r"<время>\1<версия>"),
    (re.compile(r"(nastavnik )\d+\.\d+\.\d+\w*"), r"\1<версия>"),
    # the note's «Дата составления: 5 декабря 2026 года» is the day it was written
    (re.compile(r"(Дата составления:\s)\d{1,2}\s\w+\s\d{4}\sгода"), r"\1<дата>"),
    # a school file's checksum: the demo's files carry the moment they were written
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
)


def make_demo(root: Path) -> tuple[Path, tuple[dt.datetime, dt.datetime]]:
    """The demo district at `root`, as `nastavnik demo` makes it, and both months' reports
    with their notes, as `nastavnik report --note` makes them (the first month's, as the
    demo's approval of it made them). Returns the outbox and the
    minutes the commands ran in (a moment in them is when a file was checked, not data)."""
    from pipeline.cli import cli

    state = root / ".nastavnik"
    state.mkdir(parents=True, exist_ok=True)
    (state / "secret").write_text(SECRET, encoding="ascii")
    started = dt.datetime.now().replace(second=0, microsecond=0)
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    for period in PERIODS[1:]:  # the first month's, the demo's approval wrote with its note
        result = runner.invoke(cli, ["report", "-w", str(root), "--period", period, "--note"])
        assert result.exit_code == 0, result.output
    return root / "outbox", (started, dt.datetime.now() + dt.timedelta(minutes=1))


def _text(value: str) -> str:
    for pattern, placeholder in _STAMPS:
        value = pattern.sub(placeholder, value)
    return value


def _value(value: Any, ran: tuple[dt.datetime, dt.datetime]) -> Any:
    if isinstance(value, dt.datetime) and ran[0] <= value <= ran[1]:
        return "<время запуска>"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _cell(cell: Any, ran: tuple[dt.datetime, dt.datetime]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if cell.value is not None:
        found["v"] = _value(cell.value, ran)
    if cell.number_format != "General":
        found["fmt"] = cell.number_format
    font = cell.font
    if font is not None:
        if font.b:
            found["bold"] = True
        if font.i:
            found["italic"] = True
        if font.color is not None and font.color.rgb not in (None, "FF000000") \
                and isinstance(font.color.rgb, str):
            found["color"] = font.color.rgb
    fill = cell.fill
    if fill is not None and fill.fill_type == "solid":
        found["fill"] = fill.fgColor.rgb if isinstance(fill.fgColor.rgb, str) else "theme"
    if cell.alignment is not None and cell.alignment.wrap_text:
        found["wrap"] = True
    if cell.comment is not None:
        found["comment"] = _text(cell.comment.text)
    return found


def _sheet(sheet: Any, ran: tuple[dt.datetime, dt.datetime]) -> dict[str, Any]:
    cells: dict[str, dict[str, Any]] = {}
    for row in sheet.iter_rows():
        for cell in row:
            look = _cell(cell, ran)
            if look:
                cells[cell.coordinate] = look
    widths = {key: round(dim.width, 2) for key, dim in sorted(sheet.column_dimensions.items())
              if dim.width}
    validations = sorted([str(v.sqref), v.type or "", v.formula1 or ""]
                         for v in sheet.data_validations.dataValidation)
    found: dict[str, Any] = {
        "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
        "widths": widths,
        "freeze": sheet.freeze_panes,
        "autofilter": sheet.auto_filter.ref,
        "validations": validations,
        "state": sheet.sheet_state,
    }
    if sheet.tables:  # Excel tables (ListObjects): name, range and columns
        found["tables"] = {t.name: [t.ref, [c.name for c in t.tableColumns]]
                           for t in sheet.tables.values()}
    if len(cells) <= FULL_CELLS:
        found["cells"] = cells
    else:
        canonical = json.dumps(cells, ensure_ascii=False, sort_keys=True)
        found["cell_count"] = len(cells)
        found["cells_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
        found["first_rows"] = {k: v for k, v in cells.items()
                               if int(re.sub(r"\D", "", k)) <= FIRST_ROWS}
    return found


def workbook(path: Path, ran: tuple[dt.datetime, dt.datetime]) -> dict[str, Any]:
    book = openpyxl.load_workbook(path)
    try:
        return {"sheets": [sheet.title for sheet in book.worksheets],
                **{sheet.title: _sheet(sheet, ran) for sheet in book.worksheets}}
    finally:
        book.close()


def note(path: Path) -> dict[str, Any]:
    document = docx.Document(str(path))
    return {
        "paragraphs": [[p.style.name, _text(p.text)] for p in document.paragraphs],
        "tables": [[[_text(cell.text) for cell in row.cells] for row in table.rows]
                   for table in document.tables],
    }


def snapshot(outbox: Path, ran: tuple[dt.datetime, dt.datetime]) -> dict[str, Any]:
    """Every output file under `outbox`, by its path relative to it; `ran` as make_demo
    returns it."""
    found: dict[str, Any] = {}
    # the demo's letters (.eml) carry their own date and Message-ID: tests/test_mail_send.py
    # reads letters back; they are not outputs of the consolidation
    for path in sorted(p for p in outbox.rglob("*") if p.is_file() and p.suffix != ".eml"):
        name = path.relative_to(outbox).as_posix()
        if path.suffix == ".xlsx":
            found[name] = workbook(path, ran)
        elif path.suffix == ".docx":
            found[name] = note(path)
        else:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def dumps(data: Any) -> str:
    """Canonical JSON, a cell or a paragraph a line: a difference reads as a line's diff."""
    return _dumps(data, 0) + "\n"


def _dumps(data: Any, depth: int) -> str:
    def flat(item: Any) -> bool:
        return not isinstance(item, dict | list) or all(
            not isinstance(x, dict | list) for x in (item.values() if isinstance(item, dict)
                                                     else item))

    if flat(data) or (isinstance(data, list) and all(flat(x) for x in data) and depth > 2):
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    pad = "\n" + " " * (depth + 1)
    if isinstance(data, dict):
        items = [json.dumps(k, ensure_ascii=False) + ": " + _dumps(data[k], depth + 1)
                 for k in sorted(data)]
        return "{" + pad + ("," + pad).join(items) + "\n" + " " * depth + "}"
    return "[" + pad + ("," + pad).join(_dumps(x, depth + 1) for x in data) + "\n" \
        + " " * depth + "]"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        outbox, ran = make_demo(Path(folder) / "demo")
        Path(sys.argv[1]).write_text(dumps(snapshot(outbox, ran)), encoding="utf-8")
