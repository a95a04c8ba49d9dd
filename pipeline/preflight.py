"""What a file really is, and whether it is safe to hand to a native reader.

Cheap checks on the bytes and the zip directory only: nothing here parses a sheet.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import issues as iss
from pipeline.paths import link_outside

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Real forms have a few hundred rows and a few dozen columns; a declared sheet far larger is
# either a mistake or an attack on the reader's memory.
MAX_DECLARED_ROWS = 100_000
MAX_DECLARED_COLS = 500
MAX_PART_RATIO = 200  # uncompressed / compressed, per part
# Parts read again after the checks (workbook, sheets, properties) are read whole the first
# time, up to this many bytes in all, instead of opened twice.
MAX_KEPT_BYTES = 8 * 1024 * 1024
_KEPT_NAMES = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml")
_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
# A cell or row reference past MAX_DECLARED_ROWS or MAX_DECLARED_COLS, however the sheet
# declares its size: a reader builds the grid up to the farthest cell. Only references of
# three letters or six digits match, so a form's sheet is scanned without a single match.
_FAR_REF_RE = re.compile(rb'\br="((?:[A-Z]{3,}\d+|[A-Z]{0,2}\d{6,}))"')
_SPLIT_REF_RE = re.compile(rb"([A-Z]*)(\d+)")
_PROP_RE = re.compile(
    r'<property[^>]*\sname="([^"]+)"[^>]*>\s*<vt:(?:lpwstr|i4|int|r8|bool|filetime)\b[^>]*>'
    r"([^<]*)<",
    re.S,
)


@dataclass
class Preflight:
    kind: str | None  # "xlsx", "xlsm", "ods", "xls" or None when it is none of them
    properties: dict[str, str] = field(default_factory=dict)
    issues: list[iss.Issue] = field(default_factory=list)
    # sheet name -> {(row, col) 0-based: "formula" | the error text}: cells a value reader
    # sees as empty although the school's Excel shows a formula result or an error there
    cell_flags: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    # sheet name -> cells (0-based) holding a formula with a computed value: the value is
    # read, and the school is told the cell holds a formula (formula-in-cell)
    formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    # what the zip reader said when it failed (its English): for --debug, never a message
    reader_error: str = ""


def column_number(letters: bytes | str) -> int:
    number = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(ch) - 64
    return number


def os_error_ru(exc: OSError) -> str:
    """An operating-system error in the words a methodologist uses."""
    if isinstance(exc, FileNotFoundError):
        return "файл не найден по этому пути"
    if isinstance(exc, PermissionError):
        return "нет прав на чтение файла"
    if isinstance(exc, IsADirectoryError):
        return "это папка, а не файл"
    return f"ошибка чтения с диска: {exc.strerror or exc}"


def _describe(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "файл пустой"
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:512]:
        return "это страница HTML, а не книга Excel"
    if text.startswith(b"<?xml"):
        return "это XML, а не книга Excel"
    if text.startswith(b"%pdf"):
        return "это PDF, а не книга Excel"
    if text.startswith(b"{\\rtf"):
        return "это документ RTF"
    try:
        head.decode("utf-8")
        return "это текстовый файл (например CSV), а не книга Excel"
    except UnicodeDecodeError:
        return "формат файла не распознан"


def preflight(path: Path, *, max_file_mb: float = 20, max_unpacked_mb: float = 200) -> Preflight:
    path = Path(path)
    if link_outside(path):
        return Preflight(None, issues=[iss.make("link-outside-workspace")])
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        return Preflight(None, issues=[iss.make("unreadable-file", detail=os_error_ru(exc))])
    if size > max_file_mb * 1024 * 1024:
        return Preflight(None, issues=[iss.make(
            "file-too-large", detail=f"{size / 1024 / 1024:.1f} МБ при пределе {max_file_mb:g} МБ")])
    if head.startswith(OLE2_MAGIC):
        return _ole2(path)
    if head.startswith(ZIP_MAGIC):
        return _zip(path, max_unpacked_mb)
    return Preflight(None, issues=[iss.make("unreadable-file", detail=_describe(head))])


# The BOF record that opens the workbook globals of an .xls (BIFF8, or BIFF5 of Excel 95):
# type 0x0809, its length, the version and the kind 0x0005 (globals).
_GLOBALS_BOF_RE = re.compile(rb"\x09\x08(\x10\x00\x00\x06|\x08\x00\x00\x05)\x05\x00")
_FILEPASS = b"\x2f\x00"  # the record right after that BOF in a protected workbook


def _ole2(path: Path) -> Preflight:
    # An encrypted .xlsx is an OLE2 container holding "EncryptionInfo"; stream names are
    # stored as UTF-16 in the directory, so a byte search is enough to tell.
    data = path.read_bytes()
    if "EncryptionInfo".encode("utf-16-le") in data or _xls_protected(data):
        return Preflight(None, issues=[iss.make("encrypted-file")])
    return Preflight("xls")


def _xls_protected(data: bytes) -> bool:
    """Whether an .xls is protected (XOR obfuscation or RC4): a FILEPASS record follows the
    globals' BOF. A stream starts on a sector of 512 bytes, or of 64 in the mini stream, so
    a BOF found elsewhere is a coincidence of bytes, not the record."""
    for match in _GLOBALS_BOF_RE.finditer(data):
        if match.start() % 64:
            continue
        length = 16 if match.group(1).startswith(b"\x10") else 8
        after = match.start() + 4 + length
        if data[after:after + 2] == _FILEPASS:
            return True
    return False


def _zip(path: Path, max_unpacked_mb: float) -> Preflight:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            if total > max_unpacked_mb * 1024 * 1024:
                return Preflight(None, issues=[iss.make(
                    "file-too-large",
                    detail=f"{total / 1024 / 1024:.0f} МБ в распакованном виде при пределе "
                           f"{max_unpacked_mb:g} МБ")])
            for info in infos:
                if info.compress_size and info.file_size / info.compress_size > MAX_PART_RATIO \
                        and info.file_size > 1024 * 1024:
                    return Preflight(None, issues=[iss.make(
                        "file-too-large", detail="файл подозрительно сильно сжат")])
            kept: dict[str, bytes] = {}  # part -> its bytes, read whole on the way
            budget = MAX_KEPT_BYTES
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                whole = None
                if (info.filename in _KEPT_NAMES or info.filename.startswith("xl/worksheets/")) \
                        and info.file_size <= budget:
                    whole = _whole_or_none(archive, info)
                kept.pop(info.filename, None)  # a name twice in the zip: the last one is read
                if whole is not None:
                    kept[info.filename] = whole
                    budget -= len(whole)
                with (io.BytesIO(whole) if whole is not None else archive.open(info)) as part:
                    declares, head = _prolog_declares_entities(part)
                # no Office file declares a DOCTYPE: one is an entity bomb or an external
                # entity that would read files from this machine
                if declares:
                    return Preflight(None, issues=[iss.make(
                        "unreadable-file",
                        detail="внутри файла есть недопустимые XML-конструкции (DOCTYPE)")])
                if info.filename.startswith("xl/worksheets/") and \
                        (too_big := _declared_too_big(head) or _far_cell(whole)):
                    return Preflight(None, issues=[iss.make("file-too-large", detail=too_big)])

            def read(name: str) -> bytes:  # as archive.read, without reading a part twice
                return kept[name] if name in kept else archive.read(name)

            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mimetype:
                    return Preflight("ods")
                return Preflight(None, issues=[iss.make(
                    "unreadable-file", detail="это не таблица, а другой документ")])
            if "xl/workbook.bin" in names:  # Excel's binary workbook (.xlsb): see README
                return Preflight(None, issues=[iss.make(
                    "unreadable-file", detail="это двоичная книга Excel (.xlsb), такие "
                                              "книги не читаются")])
            if "xl/workbook.xml" not in names:
                what = "документ Word" if "word/document.xml" in names else "архив"
                return Preflight(None, issues=[iss.make(
                    "unreadable-file", detail=f"это {what}, а не книга Excel")])
            kind = "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
            properties = {}
            if "docProps/custom.xml" in names:
                text = read("docProps/custom.xml")[:65536].decode("utf-8", "replace")
                properties = {k: html.unescape(v.strip()) for k, v in _PROP_RE.findall(text)}
            flags, formulas = _cell_flags(read, names)
            return Preflight(kind, properties, cell_flags=flags, formulas=formulas)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError, RuntimeError,
            ValueError) as exc:
        detail = "файл повреждён или передан не полностью"
        said = f"zipfile: {type(exc).__name__}: {exc}"
        if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
            return Preflight(None, issues=[iss.make("encrypted-file")], reader_error=said)
        return Preflight(None, issues=[iss.make("unreadable-file", detail=detail)],
                         reader_error=said)


_SHEET_RE = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL_RE = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_RE2 = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?<!/)>(.*?)</c>", re.DOTALL)
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE_RE = re.compile(rb"<v>([^<]*)</v>")


def _whole_or_none(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes, or None if reading it fails. Such a part is then opened as if never
    tried, so a damaged part fails where it always has: which check comes first decides
    what the school is told."""
    try:
        return archive.read(info)
    except Exception:
        return None


def _sheet_parts(read: Callable[[str], bytes], names: set[str]) -> dict[str, str]:
    """Sheet name -> its part in the zip, from workbook.xml and its relationships."""
    if "xl/_rels/workbook.xml.rels" not in names:
        return {}
    rels_text = read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = dict(_REL_RE.findall(rels_text)) | {i: t for t, i in _REL_RE2.findall(rels_text)}
    book = read("xl/workbook.xml").decode("utf-8", "replace")
    parts = {}
    for name, rel in _SHEET_RE.findall(book):
        target = targets.get(rel, "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if part in names:
            parts[html.unescape(name)] = part
    return parts


def _cell_flags(read: Callable[[str], bytes], names: set[str]
                ) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, set[tuple[int, int]]]]:
    """Formulas without a computed value and error cells, which calamine reads as empty;
    and the formulas with a value, which calamine reads as that value without a word.

    `read` gives a part's bytes by its name in the zip."""
    flags: dict[str, dict[tuple[int, int], str]] = {}
    formulas: dict[str, set[tuple[int, int]]] = {}
    for sheet, part in _sheet_parts(read, names).items():
        data = read(part)
        # «<f>» or «<f t=…»: a formula («<formula1>» is a drop-down's list, not a cell)
        if b"<f>" not in data and b"<f " not in data and b't="e"' not in data:
            continue
        found: dict[tuple[int, int], str] = {}
        computed: set[tuple[int, int]] = set()
        for attrs, inner in _CELL_RE.findall(data):
            ref = _REF_RE.search(attrs)
            if ref is None:
                continue
            where = (int(ref.group(2)) - 1, column_number(ref.group(1)) - 1)
            value = _VALUE_RE.search(inner)
            if b't="e"' in attrs:
                found[where] = html.unescape(value.group(1).decode()) if value else "#ERROR"
            elif b"<f" in inner:
                if value is None or value.group(1) == b"":
                    found[where] = "formula"
                else:
                    computed.add(where)
        if found:
            flags[sheet] = found
        if computed:
            formulas[sheet] = computed
    return flags, formulas


MAX_PROLOG = 1024 * 1024  # bytes of comments before the root element we are willing to skip


def _prolog_declares_entities(part: Any) -> tuple[bool, bytes]:
    """Whether an XML part has a DOCTYPE or ENTITY before its root element.

    Comments and processing instructions may come first and may be long, so the prolog is
    walked, not just a fixed-size head searched. Returns the first bytes read as well."""
    data = part.read(4096)
    head, pos = data, 0
    while True:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if len(data) - pos < 16 and len(data) < MAX_PROLOG:
            more = part.read(65536)
            if more:
                data += more
                continue
        rest = data[pos:]
        if rest.startswith((b"<!DOCTYPE", b"<!ENTITY")):
            return True, head
        ends = {b"<?": b"?>", b"<!--": b"-->"}
        opener = next((o for o in ends if rest.startswith(o)), None)
        if opener is None:
            return False, head  # the root element (or not XML at all): nothing declared
        end = data.find(ends[opener], pos + len(opener))
        while end < 0 and len(data) < MAX_PROLOG:
            more = part.read(65536)
            if not more:
                return False, head
            data += more
            end = data.find(ends[opener], pos + len(opener))
        if end < 0:
            return True, head  # a prolog this long is not an Office file's
        pos = end + len(ends[opener])


def _far_cell(data: bytes | None) -> str | None:
    """A filled cell or row far past any form's size, in a sheet part read whole (a part
    past the MAX_KEPT_BYTES budget is left to the reader's memory ceiling)."""
    if not data:
        return None
    far_row = None  # a row's own reference, told only when no far cell names a column too
    for match in _FAR_REF_RE.finditer(data):
        letters, digits = _SPLIT_REF_RE.fullmatch(match.group(1)).groups()
        rows, cols = int(digits), column_number(letters) if letters else 0
        if rows > MAX_DECLARED_ROWS or cols > MAX_DECLARED_COLS:
            if letters:
                return _far(f"ячейка {(letters + digits).decode()}")
            far_row = far_row or f"строка {rows}"
    return _far(far_row) if far_row else None


def _far(where: str) -> str:
    return (f"на листе заполнена {where}, далеко за пределами формы; "
            "в форме столько строк и столбцов быть не может")


def _declared_too_big(head: bytes) -> str | None:
    match = _DIMENSION_RE.search(head)
    if not match or not match.group(3):
        return None
    rows = int(match.group(4))
    cols = column_number(match.group(3))
    if rows > MAX_DECLARED_ROWS or cols > MAX_DECLARED_COLS:
        return (f"лист объявлен размером {rows} строк × {cols} столбцов; "
                "в форме столько быть не может")
    return None
