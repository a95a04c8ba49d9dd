"""SpreadsheetML written and packages edited as text: the one place that knows the xlsx format.

Long lists written as SpreadsheetML directly, into a workbook xlsxwriter made.

At regional scale the district workbook's lists hold a million cells; xlsxwriter writes
about 100,000 a second. Here the rows of a list are rendered to XML text, and after
xlsxwriter has written the workbook — every sheet's header, widths, filters, styles and
print setup — the rows are put into their sheet's part of the package.

A rendered row names neither its row nor its cells' columns: rows and cells without `r`
follow the one before (ECMA-376 makes `r` optional; Excel, LibreOffice, openpyxl and calamine
read them so), and a blank cell before a value is an empty <c/>. So a school's rows are the
same bytes wherever they land, and are kept deflated (`segment`): the district workbook of a
month's next run is stitched from the schools' kept segments and the few new ones, with no
school's rows rendered or compressed again. Dates use the workbook's first two styles, which
`pipeline.workbooks.Formats` numbers before anything else (DATE_STYLE, DATETIME_STYLE).

A school's own package is edited part by part (`Package`): only the parts changed are
written again, every other part is copied as stored (`copy_package`).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from xml.parsers import expat

DATE_STYLE = "1"  # the style index of dates
DATETIME_STYLE = "2"  # the style index of dates with a time of day
LEVEL = 1  # deflate level of the placed sheets: five times faster than 6, 10% larger

_EPOCH = dt.datetime(1899, 12, 30)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
# a segment's head: its text's CRC-32 XOR that of as many zero bytes (`_zeros_crc`), and the
# text's length
_SEGMENT_HEAD = struct.Struct("<LL")
_ZEROS = bytes(1 << 20)


@functools.cache
def column_letters(count: int) -> tuple[str, ...]:
    """A, B, …, Z, AA, … for the first `count` columns: the one column-letter helper."""
    letters = []
    for n in range(1, count + 1):
        name = ""
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return tuple(letters)


def column_letter(col: int) -> str:
    """The letters of the 1-based column `col`."""
    return column_letters(col)[-1]


def column_number(letters: str) -> int:
    """The 1-based column of `letters` (A is 1)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def text_element(value: str) -> str:
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


@functools.lru_cache(maxsize=1 << 14)
def _text_cell(value: str) -> str:
    """A cell of text; the same texts recur in every list (a school's name on each of its
    rows, the vocabularies' words), so the cells are cached."""
    return '<c t="inlineStr"><is>' + text_element(value) + "</is></c>"


def render_row(values: Sequence[Any], marks: Sequence[str | None] | None = None) -> str:
    """One <row>, its cells from column A; trailing empty values are left out. Strings are
    always text. A date is styled DATE_STYLE, or DATETIME_STYLE when it has a time of day,
    unless `marks` gives the style of each column's dates; a number that is not whole
    (a float) takes its column's style in `marks` (a percentage's rounding), if any. This runs for every cell of a
    regional district's lists."""
    cells = []
    blanks = 0
    for k, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if not value:
                blanks += 1
                continue
            cell = _text_cell(value)
        elif value is None:
            blanks += 1
            continue
        elif kind is int:
            cell = f"<c><v>{value}</v></c>"
        elif kind is bool:
            cell = f'<c t="b"><v>{int(value)}</v></c>'
        elif kind is float:
            if not math.isfinite(value):
                blanks += 1
                continue
            cell = (f'<c s="{marks[k]}"><v>{value:.16G}</v></c>' if marks and marks[k]
                    else f"<c><v>{value:.16G}</v></c>")
        elif isinstance(value, dt.datetime):
            serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
            timed = value.time() != dt.time(0)
            style = (marks[k] if marks else None) or (DATETIME_STYLE if timed else DATE_STYLE)
            cell = f'<c s="{style}"><v>{serial:.16G}</v></c>'
        elif isinstance(value, dt.date):
            serial = (value - _EPOCH.date()).days
            style = (marks[k] if marks else None) or DATE_STYLE
            cell = f'<c s="{style}"><v>{serial}</v></c>'
        elif isinstance(value, int | float):  # numpy scalars and the like
            if not math.isfinite(value):
                blanks += 1
                continue
            cell = f"<c><v>{float(value):.16G}</v></c>"
        else:
            cell = '<c t="inlineStr"><is>' + text_element(str(value)) + "</is></c>"
        if blanks:
            cells.append("<c/>" * blanks)
            blanks = 0
        cells.append(cell)
    return "<row>" + "".join(cells) + "</row>"


def render_styled_row(cells: Sequence[tuple[Any, str | None]]) -> str:
    """One <row> of (value, style index) pairs from column A: numbers and text (anything
    else as its text), each with its style where one is given; an empty value is a blank
    cell, unstyled."""
    parts = []
    for value, style in cells:
        styled = f' s="{style}"' if style else ""
        if value is None or value == "" or (isinstance(value, float)
                                            and not math.isfinite(value)):
            parts.append("<c/>")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            parts.append(f"<c{styled}><v>{value:.16G}</v></c>" if isinstance(value, float)
                         else f"<c{styled}><v>{value}</v></c>")
        else:
            parts.append(f'<c{styled} t="inlineStr"><is>{text_element(str(value))}</is></c>')
    while parts and parts[-1] == "<c/>":
        parts.pop()
    return "<row>" + "".join(parts) + "</row>"


def segment(text: str) -> bytes:
    """`text` deflated on its own, to be put among other deflated text (`place_rows`): a head
    (`_SEGMENT_HEAD`), then deflate blocks that end on a byte boundary and refer to nothing
    before them."""
    data = text.encode()
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return (_SEGMENT_HEAD.pack(zlib.crc32(data) ^ _zeros_crc(len(data)), len(data))
            + compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))


def _zeros_crc(length: int, crc: int = 0) -> int:
    """`zlib.crc32` of `length` zero bytes, from `crc`."""
    while length:
        n = min(length, len(_ZEROS))
        crc = zlib.crc32(memoryview(_ZEROS)[:n], crc)
        length -= n
    return crc


class _Deflated:
    """A zip entry's deflated data written to `out`: text compressed as it comes, kept
    segments copied as they are, the CRC-32 and sizes of the whole counted."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        self.crc = self.size = self.compressed = 0
        self.pending = False  # text given to the compressor since it last flushed

    def text(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._write(self.compressor.compress(data))
        self.pending = True

    def segment(self, blob: bytes) -> None:
        if not blob:
            return
        kept, size = _SEGMENT_HEAD.unpack_from(blob)
        if self.pending:  # later text must not refer back across the segment
            self._write(self.compressor.flush(zlib.Z_FULL_FLUSH))
            self.pending = False
        self.crc = self._combine(self.crc, kept, size)
        self.size += size
        self._write(memoryview(blob)[_SEGMENT_HEAD.size:])

    def finish(self) -> None:
        self._write(self.compressor.flush())  # the final block

    def _write(self, data: bytes | memoryview) -> None:
        self.out.write(data)
        self.compressed += len(data)

    @staticmethod
    def _combine(crc: int, kept: int, length: int) -> int:
        """The CRC-32 of A + B from A's and B's kept head (zlib's crc32_combine). CRC-32 is
        affine: crc(A + B) = L(crc(A)) ^ crc(B), L carrying a CRC over B's length, and
        crc32(zeros, x) = L(x) ^ crc32(zeros, 0); so A's CRC carried over B's length in zeros
        and XORed with B's kept value, which has crc32(zeros, 0) in it already, is the CRC
        of A + B — one pass over that many zeros, in C."""
        return _zeros_crc(length, crc) ^ kept


@dataclass(frozen=True)
class Table:
    """An Excel table (a ListObject) over a sheet's header and rows, for a PivotTable or Power
    Query to pick up by its `name`: the sheet at position `sheet` (0-based), its header in
    row `header_row` (1-based), `rows` rows below it (at least one: Excel's empty table keeps
    one blank row), its columns named by `headers`, which must be the header cells' text."""
    sheet: int
    name: str
    header_row: int
    rows: int
    headers: tuple[str, ...]

    @property
    def ref(self) -> str:
        return (f"A{self.header_row}:{column_letter(len(self.headers))}"
                f"{self.header_row + max(self.rows, 1)}")


# a table's name: a letter or underscore, then letters, digits, underscores (Cyrillic too);
# never a cell's address (A1, R1C1, R, C), which a formula would read as one
_TABLE_NAME = re.compile(r"[^\W\d]\w{0,254}")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+|[RrCc]|[Rr]\d*[Cc]\d*|[Rr]\d+|[Cc]\d+")
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
TABLE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"


def table_name(text: str) -> str:
    """`text` (a sheet's name) as a table's name: each run of spaces and signs an underscore
    («Сдача отчётов» is Сдача_отчётов)."""
    name = re.sub(r"\W+", "_", text).strip("_")
    if not _TABLE_NAME.fullmatch(name) or _CELL_LIKE.fullmatch(name):
        name = "_" + name  # «1 класс», «R»: still a name, not a number or an address
    return name


def table_xml(number: int, table: Table) -> str:
    """The table part, as xlsxwriter writes one without a style (the sheet's own header and
    cell formats stay as they are); `number` is its id, unique in the workbook."""
    columns = "".join(f'<tableColumn id="{k}" name="{_column_name(h)}"/>'
                      for k, h in enumerate(table.headers, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<table xmlns="{MAIN}" id="{number}" name="{table.name}" '
            f'displayName="{table.name}" ref="{table.ref}" totalsRowShown="0">'
            f'<autoFilter ref="{table.ref}"/><tableColumns count="{len(table.headers)}">'
            f'{columns}</tableColumns><tableStyleInfo showFirstColumn="0" showLastColumn="0" '
            'showRowStripes="1" showColumnStripes="0"/></table>')


def _column_name(header: str) -> str:
    """A header cell's text as its table column's name: Excel keeps a line break as _x000a_."""
    text = html.escape(header, quote=True)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04x}_", text)


def _check_tables(tables: Sequence[Table]) -> None:
    """Names Excel accepts without repairing the file: valid, unique in the workbook, and
    each table's columns named, each name once (a programming error otherwise)."""
    seen: set[str] = set()
    for table in tables:
        if not _TABLE_NAME.fullmatch(table.name) or _CELL_LIKE.fullmatch(table.name) \
                or table.name.casefold() in seen:
            raise ValueError(f"table name {table.name!r}: invalid or not unique")
        seen.add(table.name.casefold())
        names = [h.casefold() for h in table.headers]
        if not all(h.strip() for h in names) or len(set(names)) != len(names):
            raise ValueError(f"table {table.name!r}: a column without a name or named twice")


def _table_edits(package: zipfile.ZipFile, tables: Sequence[Table]
                 ) -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """What adding `tables` to `package` takes: the parts written anew (the tables, the
    sheets' rels, the content types), and per sheet part the rels ids of its tables, for its
    <tableParts> (`_table_parts`)."""
    _check_tables(tables)
    names = package.namelist()
    number = max((int(m.group(1)) for n in names
                  if (m := re.fullmatch(r"xl/tables/table(\d+)\.xml", n))), default=0)
    parts: dict[str, bytes] = {}
    overrides = []
    ids: dict[str, list[str]] = {}
    for table in tables:
        number += 1
        part = f"xl/tables/table{number}.xml"
        parts[part] = table_xml(number, table).encode()
        overrides.append(f'<Override PartName="/{part}" ContentType="{TABLE_TYPE}"/>')
        sheet = f"xl/worksheets/sheet{table.sheet + 1}.xml"
        rels = rels_of(sheet)
        if rels not in parts:
            parts[rels] = (package.read(rels) if rels in names else
                           b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                           b'<Relationships xmlns="' + PACKAGE_RELS.encode() + b'">'
                           b'</Relationships>')
        free = max((int(n) for n in re.findall(rb'Id="rId(\d+)"', parts[rels])), default=0) + 1
        parts[rels] = parts[rels].replace(
            b"</Relationships>", f'<Relationship Id="rId{free}" Type="{TABLE_REL}" '
            f'Target="../tables/table{number}.xml"/></Relationships>'.encode(), 1)
        ids.setdefault(sheet, []).append(f"rId{free}")
    if overrides:
        types = "[Content_Types].xml"
        parts[types] = package.read(types).replace(
            b"</Types>", "".join(overrides).encode() + b"</Types>", 1)
    return parts, ids


def _table_parts(tail: bytes, ids: Sequence[str]) -> bytes:
    """A sheet part's end with its <tableParts>: after everything but <extLst> (ECMA-376
    Part 1, 18.3.1.99: …, drawing, legacyDrawing, picture, oleObjects, controls,
    webPublishItems, tableParts, extLst)."""
    parts = (f'<tableParts count="{len(ids)}">'
             + "".join(f'<tablePart r:id="{i}"/>' for i in ids) + "</tableParts>").encode()
    at = tail.find(b"<extLst")
    at = at if at >= 0 else tail.rfind(b"</worksheet>")
    return tail[:at] + parts + tail[at:]


def place_rows(path: Path, bodies: dict[int, tuple[Iterable[str | bytes], int, int]],
               tables: Sequence[Table] = ()) -> None:
    """Put rows into the sheets of the workbook at `path`, as xlsxwriter wrote it, and add
    `tables` over its sheets' lists.

    `bodies` maps a sheet's position (0-based, the order the sheets were added in, which is
    the order xlsxwriter numbers their parts in) to (pieces of rows, the number of rows in
    them, the number of columns). A piece is rendered rows (str) or kept rows (a `segment`).
    The sheet must hold its header row only; the rows go below it and its declared dimension
    is widened to them. The package is rewritten: other parts are copied as they are."""
    path = Path(path)
    staged = path.with_name(path.name + ".rows")
    parts = {f"xl/worksheets/sheet{k + 1}.xml": body for k, body in bodies.items()}
    try:
        _rewrite(path, staged, parts, tables)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)  # nothing half-written is left beside the workbook


def _rewrite(path: Path, staged: Path,
             parts: dict[str, tuple[Iterable[str | bytes], int, int]],
             tables: Sequence[Table] = ()) -> None:
    with zipfile.ZipFile(path) as source, open(path, "rb") as raw, open(staged, "wb") as out:
        infos = source.infolist()
        anew, table_ids = _table_edits(source, tables)
        infos += [zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)) for name in anew
                  if name not in source.NameToInfo]
        written = []
        for info in infos:
            offset = out.tell()
            name = info.filename.encode()
            out.write(_local_header(info, name, 0, 0, 0))
            if info.filename in parts:
                pieces, count, width = parts[info.filename]
                head, tail = _split_sheet(source.read(info))
                if info.filename in table_ids:
                    tail = _table_parts(tail, table_ids[info.filename])
                last = _last_row(head) + count
                head = re.sub(rb'<dimension ref="[^"]*"/>',
                              f'<dimension ref="A1:{column_letters(width)[-1]}{max(last, 1)}"/>'
                              .encode(), head, count=1)
                deflated = _Deflated(out)
                deflated.text(head)
                for piece in pieces:
                    if isinstance(piece, str):
                        deflated.text(piece.encode())
                    else:
                        deflated.segment(piece)
                deflated.text(tail)
                deflated.finish()
                crc, compressed, size = deflated.crc, deflated.compressed, deflated.size
                info.compress_type = zipfile.ZIP_DEFLATED
            elif info.filename in anew or info.filename in table_ids:
                data = (anew[info.filename] if info.filename in anew
                        else _edit_sheet(source.read(info), table_ids[info.filename]))
                deflated = _Deflated(out)
                deflated.text(data)
                deflated.finish()
                crc, compressed, size = deflated.crc, deflated.compressed, deflated.size
                info.compress_type = zipfile.ZIP_DEFLATED
            else:
                compressed, size, crc = info.compress_size, info.file_size, info.CRC
                out.write(_raw_data(raw, info))
            if max(compressed, size, offset) >= 0xFFFFFFFF:
                raise ValueError(f"{info.filename}: more than 4 GiB")  # no ZIP64 here
            end = out.tell()
            out.seek(offset)
            out.write(_local_header(info, name, crc, compressed, size))
            out.seek(end)
            written.append((info, name, crc, compressed, size, offset))
        _central_directory(out, written)


def _edit_sheet(data: bytes, ids: Sequence[str]) -> bytes:
    """A sheet part xlsxwriter wrote whole, with its tables' <tableParts>."""
    end = data.rfind(b"</sheetData>")
    end = end if end >= 0 else data.find(b"<sheetData/>")
    return data[:end] + _table_parts(data[end:], ids)


def _central_directory(out: BinaryIO,
                       written: list[tuple[zipfile.ZipInfo, bytes, int, int, int, int]]) -> None:
    """The zip's directory of the entries `written` (info, name, CRC, compressed and full
    size, offset of the local header), and its end record."""
    directory = out.tell()
    for info, name, crc, compressed, size, offset in written:
        time, date = _dos_time(info)
        out.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, _flags(name),
                              info.compress_type,
                              time, date, crc, compressed, size, len(name), 0, 0, 0, 0,
                              info.external_attr, offset) + name)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(written), len(written),
                          out.tell() - directory, directory, 0))


def copy_package(source: Path, target: Path, parts: dict[str, bytes]) -> None:
    """The package `source` written to `target` with `parts` (name -> content) replaced, or
    added after the others: an unchanged entry is copied as stored, not inflated and
    deflated again."""
    with zipfile.ZipFile(source) as package, open(source, "rb") as raw, \
            open(target, "wb") as out:
        written = []
        entries = [(info, parts.get(info.filename)) for info in package.infolist()]
        known = {info.filename for info, _ in entries}
        entries += [(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
                    for name, data in parts.items() if name not in known]
        for info, data in entries:
            offset = out.tell()
            name = info.filename.encode()
            if data is None and info.compress_type in (zipfile.ZIP_STORED,
                                                       zipfile.ZIP_DEFLATED):
                stored = _raw_data(raw, info)
                crc, size = info.CRC, info.file_size
            else:
                data = package.read(info) if data is None else data
                compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
                stored = compressor.compress(data) + compressor.flush()
                crc, size = zlib.crc32(data), len(data)
                info.compress_type = zipfile.ZIP_DEFLATED
            if max(len(stored), size, offset) >= 0xFFFFFFFF:
                raise ValueError(f"{info.filename}: more than 4 GiB")  # no ZIP64 here
            out.write(_local_header(info, name, crc, len(stored), size))
            out.write(stored)
            written.append((info, name, crc, len(stored), size, offset))
        _central_directory(out, written)


def _dos_time(info: zipfile.ZipInfo) -> tuple[int, int]:
    year, month, day, hour, minute, second = info.date_time
    return (hour << 11 | minute << 5 | second // 2,
            max(year - 1980, 0) << 9 | month << 5 | day)


def _local_header(info: zipfile.ZipInfo, name: bytes, crc: int, compressed: int,
                  size: int) -> bytes:
    time, date = _dos_time(info)
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, _flags(name), info.compress_type, time,
                       date, crc, compressed, size, len(name), 0) + name


def _flags(name: bytes) -> int:
    return 0 if name.isascii() else 0x800  # the name is UTF-8


def _raw_data(raw: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """`info`'s data as stored (compressed), read from the package's file `raw`."""
    raw.seek(info.header_offset + 26)
    name_length, extra_length = struct.unpack("<HH", raw.read(4))
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    return raw.read(info.compress_size)


class Later:
    """Rows of a workbook's sheets, rendered while it is written, and the tables over its
    lists, put in once xlsxwriter has closed it (`place`)."""

    def __init__(self) -> None:
        self.bodies: dict[int, tuple[Iterable[str | bytes], int, int]] = {}
        self.tables: list[Table] = []

    def add(self, sheet: int, pieces: Iterable[str | bytes], count: int, width: int) -> None:
        """The rows of the sheet at position `sheet` (0-based), `count` of them in `pieces`
        (see `place_rows`), `width` columns wide."""
        self.bodies[sheet] = (pieces, count, width)

    def table(self, table: Table) -> None:
        """An Excel table over a sheet's list (`Table`)."""
        self.tables.append(table)

    def place(self, path: Path) -> None:
        if self.bodies or self.tables:
            place_rows(path, self.bodies, self.tables)


def _last_row(head: bytes) -> int:
    """The number of the last row in a sheet part's head (its rows carry `r`), 0 if none."""
    found = re.findall(rb'<row r="(\d+)"', head[-4096:]) or re.findall(rb'<row r="(\d+)"', head)
    return int(found[-1]) if found else 0


def _split_sheet(data: bytes) -> tuple[bytes, bytes]:
    """A sheet part cut where its rows end: (everything up to there, the rest)."""
    data = data.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    end = data.find(b"</sheetData>")
    if end < 0:
        raise ValueError("no <sheetData> to put rows in")
    return data[:end], data[end:]


# --- a school's package edited as text ---------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET = RELS + "/worksheet"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# a worksheet's children that come after <legacyDrawing>
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")
_ATTR = re.compile(r'([\w:.-]+)\s*=\s*"([^"]*)"')


class Package:
    """A workbook package's parts, read as they are needed; the parts edited or added
    (`parts`); its workbook's sheets. `problem` says why the package is not a plain
    SpreadsheetML workbook whose parts can be found and read as text (None when it is);
    nothing else of it may be used then."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.parts: dict[str, str] = {}
        self._read: dict[str, str | None] = {}
        self.sheet_names: list[str] = []
        self.sheet_parts: dict[str, str] = {}
        self.sheet_ids: list[int] = []
        self.defined: set[str] = set()
        self.archive: zipfile.ZipFile | None = None
        if not zipfile.is_zipfile(self.path):
            self.names: set[str] = set()
            self.problem: str | None = "not a zip package"
            return
        self.archive = zipfile.ZipFile(self.path)
        self.names = set(self.archive.namelist())
        self.problem = self._find_sheets()

    def _find_sheets(self) -> str | None:
        types = self.readable("[Content_Types].xml")
        if types is None or WORKBOOK_TYPE not in types:
            return "not a plain workbook (macros or a template)"
        office = next((a for a in self.relations("_rels/.rels")
                       if a.get("Type", "").endswith("/officeDocument") and "Target" in a),
                      None)
        if office is None:
            return "no workbook part"
        self.workbook = resolve("", office["Target"])
        workbook = self.readable(self.workbook)
        if workbook is None or MAIN not in workbook:
            return "not a transitional SpreadsheetML workbook"
        if "<sheets>" not in workbook or "</sheets>" not in workbook:
            return "the workbook's sheet list is not as expected"
        self.workbook_rels = rels_of(self.workbook)
        if self.workbook_rels in self.names and self.readable(self.workbook_rels) is None:
            return "unreadable relationships"
        targets = {a.get("Id"): (a.get("Type", ""), resolve(self.workbook, a.get("Target", "")))
                   for a in self.relations(self.workbook_rels)}
        styles = [target for kind, target in targets.values() if kind.endswith("/styles")]
        if len(styles) != 1 or self.readable(styles[0]) is None:
            return "no styles part"
        self.styles = styles[0]
        for tag in re.findall(r"<sheet\b[^>]*>", workbook):
            found = attrs(tag)
            kind, target = targets.get(found.get("r:id", ""), ("", ""))
            if "name" not in found or not found.get("sheetId", "").isdigit() \
                    or target not in self.names:
                return "a sheet without its part"
            name = html.unescape(found["name"])
            self.sheet_names.append(name)
            self.sheet_ids.append(int(found["sheetId"]))
            if kind == WORKSHEET:
                self.sheet_parts[name] = target
        self.defined = {html.unescape(a.get("name", "")) for a in (
            attrs(t) for t in re.findall(r"<definedName\b[^>]*>", workbook))}
        return None

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def readable(self, name: str) -> str | None:
        """The part `name` as text, or None when the package has no such part or it is not
        UTF-8 text."""
        if name in self.parts:
            return self.parts[name]
        if name not in self._read:
            text = None
            if name in self.names and self.archive is not None:
                try:
                    text = self.archive.read(name).decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            self._read[name] = text
        return self._read[name]

    def text(self, name: str) -> str:
        """The part `name` as text; it must be `readable`."""
        text = self.readable(name)
        if text is None:
            raise KeyError(f"{self.path.name}: no readable part {name}")
        return text

    def relations(self, name: str) -> list[dict[str, str]]:
        text = self.readable(name)
        if text is None:
            return []
        return [attrs(tag) for tag in re.findall(r"<Relationship\b[^>]*>", text)]

    def free(self, pattern: str) -> str:
        """The first name `pattern.format(n)` the package does not have."""
        n = 1
        while pattern.format(n) in self.names:
            n += 1
        return pattern.format(n)

    def relate(self, source_rels: str, kind: str, target: str) -> str:
        """A new relationship of `kind` to `target` (relative to the source) in the rels
        part `source_rels`, created if missing; its id."""
        taken = {a.get("Id") for a in self.relations(source_rels)}
        n = 1
        while f"rIdN{n}" in taken:
            n += 1
        rid = f"rIdN{n}"
        entry = f'<Relationship Id="{rid}" Type="{kind}" Target="{html.escape(target)}"/>'
        if source_rels in self.names:
            xml = self.text(source_rels)
            if "</Relationships>" in xml:
                xml = xml.replace("</Relationships>", entry + "</Relationships>", 1)
            else:
                xml = re.sub(r"<Relationships\b([^>]*?)\s*/>",
                             lambda m: f"<Relationships{m.group(1)}>{entry}</Relationships>",
                             xml, count=1)
            self.parts[source_rels] = xml
        else:
            self.add(source_rels, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<Relationships xmlns="{PACKAGE_RELS}">{entry}</Relationships>')
        return rid

    def add(self, name: str, data: str, content_type: str | None = None) -> None:
        """A new part, listed in the content types when it has a `content_type`."""
        self.names.add(name)
        self.parts[name] = data
        if content_type:
            types = self.text("[Content_Types].xml")
            self.parts["[Content_Types].xml"] = types.replace(
                "</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>',
                1)

    def add_comments(self, part: str, xml: str, notes: Sequence[tuple[int, int, str, int]],
                     author: str) -> str:
        """`notes` (row, column, text, height in pixels; sorted) as comments by `author` on
        the sheet `part`, whose text is `xml` and which has no comments of its own (no
        <legacyDrawing>); the sheet's new text."""
        comments = self.free("xl/comments{}.xml")
        vml = self.free("xl/drawings/vmlDrawing{}.vml")
        number = int(re.search(r"(\d+)\.vml$", vml).group(1))
        types = self.text("[Content_Types].xml")
        if 'Extension="vml"' not in types:
            self.parts["[Content_Types].xml"] = types.replace(
                "<Override", f'<Default Extension="vml" ContentType="{VML_TYPE}"/><Override', 1)
        entries, shapes = [], []
        letters = column_letters(max(col for _, col, _, _ in notes))
        for k, (row, col, text, height) in enumerate(notes):
            entries.append(f'<comment ref="{letters[col - 1]}{row}" authorId="0"><text>'
                           f"{text_element(text)}</text></comment>")
            shapes.append(
                f'<v:shape id="_x0000_s{number * 1024 + k + 1}" type="#_x0000_t202" '
                'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:320px;'
                f'height:{height}px;z-index:{k + 1};visibility:hidden" fillcolor="#ffffe1" '
                'o:insetmode="auto"><v:fill color2="#ffffe1"/>'
                '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
                '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
                '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/>'
                '<x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
                f"<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData>"
                "</v:shape>")
        self.add(comments, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<comments xmlns="{MAIN}"><authors><author>{author}</author>'
                 f'</authors><commentList>{"".join(entries)}</commentList></comments>',
                 COMMENTS_TYPE)
        self.add(vml, '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
                 'xmlns:o="urn:schemas-microsoft-com:office:office" '
                 'xmlns:x="urn:schemas-microsoft-com:office:excel">'
                 f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{number}"/>'
                 '</o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
                 'o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
                 '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
                 f'{"".join(shapes)}</xml>')
        rels = rels_of(part)
        self.relate(rels, RELS + "/comments", relative_to(part, comments))
        rid = self.relate(rels, RELS + "/vmlDrawing", relative_to(part, vml))
        return insert_child(xml, f'<legacyDrawing xmlns:r="{RELS}" r:id="{rid}"/>',
                            _AFTER_LEGACY)

    def add_sheet(self, name: str, xml: str, *, first: bool = False,
                  hidden: bool = False) -> None:
        part = self.free("xl/worksheets/sheet{}.xml")
        self.add(part, xml, SHEET_TYPE)
        rid = self.relate(self.workbook_rels, WORKSHEET, relative_to(self.workbook, part))
        sheet_id = max(self.sheet_ids, default=0) + 1
        self.sheet_ids.append(sheet_id)
        state = ' state="hidden"' if hidden else ""
        entry = (f'<sheet name="{html.escape(name)}" sheetId="{sheet_id}"{state} '
                 f'xmlns:r="{RELS}" r:id="{rid}"/>')
        workbook = self.text(self.workbook)
        if first:
            workbook = re.sub(r"<sheets>", "<sheets>" + entry, workbook, count=1)
            # sheet-local names follow their sheet
            workbook = re.sub(r'(<definedName\b[^>]*?\blocalSheetId=")(\d+)"',
                              lambda m: f'{m.group(1)}{int(m.group(2)) + 1}"', workbook)
            self.sheet_names.insert(0, name)
        else:
            workbook = workbook.replace("</sheets>", entry + "</sheets>", 1)
            self.sheet_names.append(name)
        self.parts[self.workbook] = workbook
        self.sheet_parts[name] = part

    def add_first_sheet(self, name: str, xml: str, names: Iterable[tuple[str, str]]) -> None:
        """`xml` as the first sheet, the one the workbook opens on, the others unselected,
        with its sheet-local `names` (name, reference)."""
        for part in self.sheet_parts.values():
            text = self.text(part)
            if "tabSelected" in text:
                self.parts[part] = re.sub(r'\s+tabSelected="(?:1|true)"', "", text)
        self.add_sheet(name, xml, first=True)
        workbook = re.sub(r'\s+(?:activeTab|firstSheet)="\d+"', "", self.text(self.workbook))
        self.parts[self.workbook] = workbook
        self.define((local, ref, 0) for local, ref in names)

    def define(self, names: Iterable[tuple[str, str, int | None]]) -> None:
        """Defined names (name, reference, sheet index or None) added to the workbook."""
        entries = "".join(
            f'<definedName name="{html.escape(name)}"'
            + (f' localSheetId="{local}"' if local is not None else "")
            + (' hidden="1"' if name == "_xlnm._FilterDatabase" else "")
            + f">{html.escape(ref, quote=False)}</definedName>"
            for name, ref, local in names)
        workbook = re.sub(r"<definedNames\s*/>", "<definedNames></definedNames>",
                          self.text(self.workbook), count=1)
        if "</definedNames>" in workbook:
            workbook = workbook.replace("</definedNames>", entries + "</definedNames>", 1)
        else:
            workbook = workbook.replace("</sheets>", f"</sheets><definedNames>{entries}"
                                        "</definedNames>", 1)
        self.parts[self.workbook] = workbook

    def save(self, path: Path) -> None:
        """The package written to `path`, its unchanged parts copied as stored."""
        copy_package(self.path, path, {name: data.encode("utf-8")
                                       for name, data in self.parts.items()})


def well_formed(text: str) -> bool:
    """Whether `text` is well-formed XML that declares no entities (a school's raw control
    character in a sheet is not: openpyxl refuses it, and Excel would)."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return False
    try:
        expat.ParserCreate().Parse(text.encode("utf-8"), True)
    except expat.ExpatError:
        return False
    return True


def attrs(tag: str) -> dict[str, str]:
    """The attributes of an element's opening tag."""
    return dict(_ATTR.findall(tag))


def rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative_to(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source))


def insert_child(xml: str, element: str, later: tuple[str, ...]) -> str:
    """`element` put into a worksheet before the first of the children `later`."""
    positions = [m.start() for tag in later
                 if (m := re.search(rf"<{tag}\b", xml))]
    at = min(positions) if positions else xml.rindex("</worksheet>")
    return xml[:at] + element + xml[at:]


def worksheet(inner: str) -> str:
    """A worksheet part holding `inner`."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">{inner}</worksheet>')


def cell_xml(ref: str, value: Any, style: int) -> str:
    """One cell at `ref` with the cell format `style` (0 for none): text, a number, a truth
    value or a moment."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, dt.datetime):
        serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}"{s}><v>{serial:.16G}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is>{text_element(str(value))}</is></c>'



__all__ = ["DATETIME_STYLE", "DATE_STYLE", "Later", "Package", "cell_xml", "column_letter",
           "column_letters", "column_number", "copy_package", "place_rows", "render_row",
           "segment", "well_formed", "worksheet"]
