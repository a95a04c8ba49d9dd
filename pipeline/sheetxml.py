"""Long lists written as SpreadsheetML directly, into a workbook xlsxwriter made.

At regional scale the district workbook's lists hold a million cells; xlsxwriter writes
about 100,000 a second. Here the rows of a list are rendered to XML text (per school, so
that an unchanged school's rows can be kept from one run to the next), and after xlsxwriter
has written the workbook — every sheet's header, widths, filters, styles and print setup —
the rows are put into their sheet's part of the package.

A rendered row holds placeholders instead of its row number and of the style of its dates,
which are known only when the rows are placed: a school's rows move when another school's
count changes, and xlsxwriter numbers formats in the order it meets them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

ROW = "\x00"  # the row number
DATE = "\x01"  # the style index of dates
DATETIME = "\x02"  # the style index of dates with a time of day
SEPARATOR = "\x1e"  # between rendered rows; no rendered row contains a control character
LEVEL = 1  # deflate level of the placed sheets: five times faster than 6, 10% larger

_EPOCH = dt.datetime(1899, 12, 30)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def column_letters(count: int) -> list[str]:
    """A, B, …, Z, AA, … for the first `count` columns."""
    letters = []
    for n in range(1, count + 1):
        name = ""
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _text(value: str) -> str:
    """Text as the content of <t>, escaped the way Excel and xlsxwriter escape it: a control
    character as _xHHHH_, and a literal _xHHHH_ with its underscore escaped."""
    if value.isprintable() and value[:1] != " " and value[-1:] != " " and "&" not in value \
            and "<" not in value and ">" not in value and "_x" not in value:
        return "<t>" + value + "</t>"  # most text: a few tests in C, no pattern
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _ESCAPED.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    if text[:1].isspace() or text[-1:].isspace():
        return '<t xml:space="preserve">' + text + "</t>"
    return "<t>" + text + "</t>"


@lru_cache(maxsize=64)
def _starts(letters: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f'<c r="{letter}{ROW}"' for letter in letters)


def render_row(values: Sequence[Any], letters: Sequence[str],
               marks: Sequence[str | None] | None = None) -> str:
    """The cells of one row; empty values are left out. Strings are always text. A date is
    styled DATE, or DATETIME when it has a time of day, unless `marks` gives the style of
    each column's dates. This runs for every cell of a regional district's lists."""
    cells = []
    starts = _starts(tuple(letters))
    for k, value in enumerate(values[:len(starts)]):
        if value is None:
            continue
        kind = type(value)
        if kind is str:
            if value:
                cells.append(starts[k] + ' t="inlineStr"><is>' + _text(value) + "</is></c>")
        elif kind is int:
            cells.append(f"{starts[k]}><v>{value}</v></c>")
        elif kind is bool:
            cells.append(f'{starts[k]} t="b"><v>{int(value)}</v></c>')
        elif kind is float:
            if math.isfinite(value):
                cells.append(f"{starts[k]}><v>{value:.16G}</v></c>")
        elif isinstance(value, dt.datetime):
            serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
            timed = value.time() != dt.time(0)
            style = (marks[k] if marks else None) or (DATETIME if timed else DATE)
            cells.append(f'{starts[k]} s="{style}"><v>{serial:.16G}</v></c>')
        elif isinstance(value, dt.date):
            serial = (value - _EPOCH.date()).days
            style = (marks[k] if marks else None) or DATE
            cells.append(f'{starts[k]} s="{style}"><v>{serial}</v></c>')
        elif isinstance(value, int | float):  # numpy scalars and the like
            if math.isfinite(value):
                cells.append(f"{starts[k]}><v>{float(value):.16G}</v></c>")
        else:
            cells.append(starts[k] + ' t="inlineStr"><is>' + _text(str(value)) + "</is></c>")
    return "".join(cells)


def placed(chunks: Iterable[str], first_row: int, styles: dict[str, int | None]) -> Iterator[str]:
    """<row> elements numbered from `first_row` (1-based), from chunks of rendered rows
    joined by SEPARATOR; the style placeholders become `styles`' indices (a format's
    xf_index once xlsxwriter closed the workbook: set it on a column, or use it in a cell)."""
    n = first_row
    for chunk in chunks:
        if not chunk:
            continue
        for mark, index in styles.items():
            if mark in chunk:
                if index is None:  # xlsxwriter numbers only the formats a sheet uses
                    raise ValueError(f"the style of {mark!r} is not in the workbook")
                chunk = chunk.replace(mark, str(index))
        rows = []
        for cells in chunk.split(SEPARATOR):
            number = str(n)
            rows.append(f'<row r="{number}">{cells.replace(ROW, number)}</row>')
            n += 1
        yield "".join(rows)


def place_rows(path: Path, bodies: dict[int, tuple[Iterable[str], int, int]],
               styles: dict[str, int | None]) -> None:
    """Put rows into the sheets of the workbook at `path`, as xlsxwriter wrote it.

    `bodies` maps a sheet's position (0-based, the order the sheets were added in, which is
    the order xlsxwriter numbers their parts in) to (chunks of rendered rows, the number of
    rows in them, the number of columns). The sheet must hold its header row only; the rows
    go below it and its declared dimension is widened to them."""
    path = Path(path)
    staged = path.with_name(path.name + ".rows")
    parts = {f"xl/worksheets/sheet{k + 1}.xml": body for k, body in bodies.items()}
    with zipfile.ZipFile(path) as source, \
            zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename not in parts:
                target.writestr(info, data)
                continue
            chunks, count, width = parts[info.filename]
            head, tail = _split_sheet(data)
            header_rows = head.count(b"<row ")
            last = header_rows + count
            head = re.sub(rb'<dimension ref="[^"]*"/>',
                          f'<dimension ref="A1:{column_letters(width)[-1]}{max(last, 1)}"/>'
                          .encode(), head, count=1)
            info.compress_type = zipfile.ZIP_DEFLATED
            if hasattr(zipfile.ZipInfo, "compress_level"):  # Python ≥ 3.13
                info.compress_level = LEVEL
            else:
                info._compresslevel = LEVEL
            with target.open(info, "w") as out:
                out.write(head)
                for text in placed(chunks, header_rows + 1, styles):
                    out.write(text.encode())
                out.write(tail)
    shutil.move(staged, path)


class Later:
    """Rows of a workbook's sheets, rendered while it is written and put in once xlsxwriter
    has closed it (`place`)."""

    def __init__(self) -> None:
        self.bodies: dict[int, tuple[Iterable[str], int, int]] = {}

    def add(self, sheet: int, chunks: Iterable[str], count: int, width: int) -> None:
        """The rows of the sheet at position `sheet` (0-based), `count` of them in `chunks`,
        `width` columns wide."""
        self.bodies[sheet] = (chunks, count, width)

    def place(self, path: Path, styles: dict[str, int | None]) -> None:
        if self.bodies:
            place_rows(path, self.bodies, styles)


def _split_sheet(data: bytes) -> tuple[bytes, bytes]:
    """A sheet part cut where its rows end: (everything up to there, the rest)."""
    data = data.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    end = data.find(b"</sheetData>")
    if end < 0:
        raise ValueError("no <sheetData> to put rows in")
    return data[:end], data[end:]


__all__ = ["DATE", "DATETIME", "ROW", "SEPARATOR", "Later", "column_letters", "place_rows",
           "placed", "render_row"]
