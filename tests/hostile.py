"""Hostile and odd files, made in code from a clean form: nothing binary is committed.

Every maker takes the bytes of a real .xlsx (written by conftest.FormBuilder) or nothing, and
returns the bytes of the odd file; `write_corpus` lays the whole set out in a folder with the
issue code each file must get (SPEC §3).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                       b"sharedStrings")
SHARED_STRINGS_CONTENT = (b"application/vnd.openxmlformats-officedocument.spreadsheetml."
                          b"sharedStrings+xml")
MIB = 1024 * 1024


# --- zip surgery on a real workbook -----------------------------------------------------------
def rezip(data: bytes, edit: Callable[[str, bytes], bytes | None] = lambda _n, d: d,
          extra: dict[str, bytes] | None = None) -> bytes:
    """The same archive with each part passed through `edit` (None drops it), plus `extra`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = edit(info.filename, src.read(info.filename))
            if part is not None:
                dst.writestr(info.filename, part)
        for name, part in (extra or {}).items():
            dst.writestr(name, part)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def sheet_part(data: bytes, sheet: str) -> str:
    """The zip part of a sheet, found by its name in workbook.xml (openpyxl: sheetN.xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    sheet_xml = sheet.replace("&", "&amp;")
    names = re.findall(r'<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"', book)
    rid = next(r for n, r in names if _unref(n) == sheet_xml)
    target = re.search(rf'Target="([^"]*)"[^>]*Id="{rid}"', rels).group(1)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _unref(text: str) -> str:
    return re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)


def inline_cell(placeholder: str) -> bytes:
    """How openpyxl writes a text cell holding an ASCII `placeholder`."""
    return b'<is><t>' + placeholder.encode() + b'</t></is>'


def replace_text(data: bytes, placeholder: str, raw: bytes) -> bytes:
    """Put `raw` bytes (already XML) where a cell's text `placeholder` is, in every sheet."""
    found = []

    def edit(name: str, part_data: bytes) -> bytes:
        if name.startswith("xl/worksheets/") and inline_cell(placeholder) in part_data:
            found.append(name)
            return part_data.replace(inline_cell(placeholder), b"<is><t>" + raw + b"</t></is>")
        return part_data

    out = rezip(data, edit)
    assert found, f"no cell holds {placeholder!r}"
    return out


def with_shared_string(data: bytes, placeholder: str, si_text: bytes, prolog: bytes = b"") -> bytes:
    """Move the text of the cell holding `placeholder` into xl/sharedStrings.xml, as Excel keeps
    text, with `si_text` (raw XML) as its content and `prolog` (a DOCTYPE) before the root."""
    found = []
    shared = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + prolog
              + b'<sst xmlns="' + MAIN_NS + b'" count="1" uniqueCount="1"><si><t>' + si_text
              + b"</t></si></sst>")

    def edit(name: str, part_data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return part_data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                     b'ContentType="' + SHARED_STRINGS_CONTENT + b'"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return part_data.replace(b"</Relationships>", b'<Relationship Type="'
                                     + SHARED_STRINGS_TYPE + b'" Target="sharedStrings.xml" '
                                     b'Id="rId999"/></Relationships>')
        if name.startswith("xl/worksheets/"):
            cell = b't="inlineStr">' + inline_cell(placeholder)
            if cell in part_data:
                found.append(name)
                return part_data.replace(cell, b't="s"><v>0</v>')
        return part_data

    out = rezip(data, edit, {"xl/sharedStrings.xml": shared})
    assert found, f"no cell holds {placeholder!r}"
    return out


# --- the odd files ----------------------------------------------------------------------------
def truncated(data: bytes) -> bytes:
    """A download or an e-mail attachment cut off half way."""
    return data[: len(data) // 2]


def plain_text() -> bytes:
    return "Добрый день! Отчёт по наставничеству во вложении.\r\nС уважением, куратор.\r\n" \
        .encode()


def html_page() -> bytes:
    """What a web mail or a cloud drive saves instead of the attachment."""
    return ("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">"
            "<title>Вход в почту</title></head><body><h1>Сессия истекла</h1></body></html>\n"
            ).encode()


def csv_table() -> bytes:
    """A CSV saved from a Russian Excel (semicolons, Windows-1251), renamed to .xlsx."""
    return ("ФИО;Категория;Должность\r\nПетрова Анна Сергеевна;педагог;учитель математики\r\n"
            ).encode("cp1251")


def pdf_like() -> bytes:
    return (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def excel_lock_file(user: str = "Методист") -> bytes:
    """Excel's owner file «~$форма.xlsx»: the user's name in the ANSI code page and in UTF-16,
    padded to 165 bytes."""
    ansi = user.encode("cp1251")
    body = bytes([len(user)]) + ansi.ljust(53, b" ") + bytes([len(user), 0]) \
        + user.encode("utf-16-le")
    return body.ljust(165, b" ")[:165]


def word_temp_file() -> bytes:
    """«~WRL0001.tmp»: an OLE2 header followed by a half-written body."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    return (header + bytes(range(256)) * 8).ljust(4096, b"\xff")


def word_document() -> bytes:
    """A .docx renamed .xlsx: a valid OOXML zip without xl/workbook.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://'
                         'schemas.openxmlformats.org/package/2006/content-types"><Override '
                         'PartName="/word/document.xml" ContentType="application/vnd.openxml'
                         'formats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://'
                         'schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                         'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships/officeDocument" Target="word/document.xml"/>'
                         '</Relationships>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http:'
                         '//schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
                         '<w:r><w:t>Отчёт о наставничестве</w:t></w:r></w:p></w:body>'
                         '</w:document>')
    return out.getvalue()


def epub_book() -> bytes:
    """A zip with a «mimetype» that is not a spreadsheet."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("OEBPS/content.opf", "<package/>")
    return out.getvalue()


def zip_bomb_part(data: bytes, megabytes: int = 16) -> bytes:
    """A real form plus a picture of zeros: a few KB on disk, `megabytes` unpacked."""
    return rezip(data, extra={"xl/media/image1.png": bytes(megabytes * MIB)})


def zip_bomb_spread(data: bytes, parts: int = 210) -> bytes:
    """Many parts of exactly 1 MiB each (under any per-part ratio rule), over 200 MB in all."""
    zeros = bytes(MIB)
    return rezip(data, extra={f"xl/media/image{n}.bin": zeros for n in range(1, parts + 1)})


def huge_dimension(data: bytes, sheet: str) -> bytes:
    """A sheet declaring itself A1:XFD1048576 (the whole grid Excel allows)."""
    name = sheet_part(data, sheet)

    def edit(part_name: str, part_data: bytes) -> bytes:
        if part_name != name:
            return part_data
        out, n = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>',
                         part_data)
        assert n == 1
        return out

    return rezip(data, edit)


def far_cell(data: bytes, sheet: str) -> bytes:
    """No dimension declared, and one cell at XFD1048576: a reader that fills the grid needs
    17 billion cells."""
    name = sheet_part(data, sheet)

    def edit(part_name: str, part_data: bytes) -> bytes:
        if part_name != name:
            return part_data
        part_data = re.sub(rb'<dimension ref="[^"]*"/>', b"", part_data)
        return part_data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" '
                                 b't="inlineStr"><is><t>x</t></is></c></row></sheetData>')

    return rezip(data, edit)


def billion_laughs(data: bytes, placeholder: str) -> bytes:
    """The classic entity bomb in xl/sharedStrings.xml: ten to the ninth «lol»."""
    entities = [b'<!ENTITY lol "lol">']
    for n in range(1, 10):
        previous = b"lol" if n == 1 else b"lol%d" % (n - 1)
        entities.append(b'<!ENTITY lol%d "' % n + (b"&" + previous + b";") * 10 + b'">')
    prolog = b"<!DOCTYPE sst [" + b"".join(entities) + b"]>\n"
    return with_shared_string(data, placeholder, b"&lol9;", prolog)


def external_entity(data: bytes, placeholder: str, secret: Path) -> bytes:
    """A shared string whose text is a file of the district's computer (and /etc/passwd)."""
    prolog = (b'<!DOCTYPE sst [<!ENTITY secret SYSTEM "' + secret.resolve().as_uri().encode()
              + b'"><!ENTITY passwd SYSTEM "file:///etc/passwd">]>\n')
    return with_shared_string(data, placeholder, b"&secret;&passwd;", prolog)


def hidden_doctype(data: bytes, sheet: str, *, placeholder: str | None = None,
                   secret: Path | None = None) -> bytes:
    """A DOCTYPE declaring an external entity behind 5 KB of XML comment (legal in a prolog),
    past any check that looks only at the first 4 KB of a part; with `placeholder`, the cell
    holding it refers to the entity."""
    name = sheet_part(data, sheet)
    uri = secret.resolve().as_uri().encode() if secret else b"file:///etc/passwd"
    prolog = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!--' + b" padding " * 640 + b"-->\n"
              b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "' + uri + b'">]>\n')

    def edit(part_name: str, part_data: bytes) -> bytes:
        if part_name != name:
            return part_data
        if placeholder:
            assert inline_cell(placeholder) in part_data
            part_data = part_data.replace(inline_cell(placeholder), b"<is><t>&x;</t></is>")
        return prolog + part_data

    return rezip(data, edit)


def encrypted(data: bytes, password: str = "Наставник2026") -> bytes:
    """The workbook as Excel saves it with «Protect with password» (an OLE2 container)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def foreign_workbook(data: bytes, renames: dict[str, str]) -> bytes:
    """A real workbook whose sheets are renamed (a different report sent by mistake)."""
    def edit(name: str, part_data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return part_data
        text = part_data.decode()
        for old, new in renames.items():
            encoded = "".join(ch if ord(ch) < 128 else f"&#{ord(ch)};" for ch in old)
            for form in {old, encoded}:
                text = text.replace(f'name="{form}"', f'name="{new}"')
        return text.encode()

    return rezip(data, edit)


# --- the corpus -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """What the corpus is made from: a real form and a file that must never leak."""

    clean: bytes  # a real form; the cell of `placeholder` on `sheet` is where entities go
    placeholder: str
    sheet: str
    sheets: tuple[str, ...]  # the form's sheet names
    secret: Path
    max_file_mb: float = 20


@dataclass(frozen=True)
class Case:
    name: str  # the file name in the inbox
    codes: frozenset[str]  # the fatal code expected (any one of these)
    make: Callable[[Source], bytes | None]  # None: written specially (oversized)
    scratch: bool = False  # an Excel/Word scratch file: a run may also skip it


_UNREADABLE = frozenset({"unreadable-file"})
_TOO_LARGE = frozenset({"file-too-large"})

CASES: tuple[Case, ...] = (
    Case("пустой.xlsx", _UNREADABLE, lambda s: b""),
    Case("обрезанный.xlsx", _UNREADABLE, lambda s: truncated(s.clean)),
    Case("письмо.xlsx", _UNREADABLE, lambda s: plain_text()),
    Case("страница входа.xlsx", _UNREADABLE, lambda s: html_page()),
    Case("выгрузка.csv.xlsx", _UNREADABLE, lambda s: csv_table()),
    Case("скан.xlsx", _UNREADABLE, lambda s: pdf_like()),
    Case("~$форма.xlsx", _UNREADABLE, lambda s: excel_lock_file(), scratch=True),
    Case("~WRL0001.tmp", _UNREADABLE, lambda s: word_temp_file(), scratch=True),
    Case("документ.xlsx", _UNREADABLE, lambda s: word_document()),
    Case("книга.xlsx", _UNREADABLE, lambda s: epub_book()),
    Case("бомба.xlsx", _TOO_LARGE, lambda s: zip_bomb_part(s.clean)),
    Case("бомба частями.xlsx", _TOO_LARGE, lambda s: zip_bomb_spread(s.clean)),
    Case("огромный лист.xlsx", _TOO_LARGE, lambda s: huge_dimension(s.clean, s.sheet)),
    Case("дальняя ячейка.xlsx", _TOO_LARGE, lambda s: far_cell(s.clean, s.sheet)),
    Case("смех.xlsx", _UNREADABLE, lambda s: billion_laughs(s.clean, s.placeholder)),
    Case("внешняя сущность.xlsx", _UNREADABLE,
         lambda s: external_entity(s.clean, s.placeholder, s.secret)),
    Case("спрятанный doctype.xlsx", _UNREADABLE, lambda s: hidden_doctype(s.clean, s.sheet)),
    Case("спрятанная сущность.xlsx", _UNREADABLE,
         lambda s: hidden_doctype(s.clean, s.sheet, placeholder=s.placeholder, secret=s.secret)),
    Case("с паролем.xlsx", frozenset({"encrypted-file"}), lambda s: encrypted(s.clean)),
    Case("чужой отчёт.xlsx", frozenset({"not-a-form"}),
         lambda s: foreign_workbook(s.clean, {n: f"Лист{k}" for k, n in enumerate(s.sheets, 1)})),
    Case("большой.xlsx", _TOO_LARGE, lambda s: None),
)


def write_corpus(folder: Path, source: Source) -> dict[str, Path]:
    """Write every case into `folder`; file name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in CASES:
        path = folder / case.name
        data = case.make(source)
        if data is None:  # sparse: a real form extended past the size limit
            path.write_bytes(source.clean)
            with path.open("r+b") as handle:
                handle.truncate(int((source.max_file_mb + 1) * MIB))
        else:
            path.write_bytes(data)
        paths[case.name] = path
    return paths


def protected_xls(data: bytes) -> bytes:
    """An .xls saved with a password in Excel 97–2003 (XOR obfuscation): a FILEPASS record
    right after the workbook's BOF. Made from LibreOffice's .xls by writing it over the
    three short records that follow the BOF there (INTERFACEHDR, MMS, INTERFACEEND), with
    an MMS to keep the stream's length; the records after it are not obfuscated, which only
    a reader that ignores FILEPASS would notice."""
    bof = b"\x09\x08\x10\x00\x00\x06\x05\x00"
    at = data.index(bof) + 4 + 16
    assert data[at:at + 16] == bytes.fromhex("e1000200b004c10002000000e2000000"), \
        data[at:at + 16].hex()
    filepass = b"\x2f\x00\x06\x00" + b"\x00\x00" + b"\x5a\x12" + b"\x34\xab"  # XOR, key, verifier
    mms = b"\xc1\x00\x02\x00\x00\x00"
    return data[:at] + filepass + mms + data[at + 16:]


def _edit_sheet(data: bytes, sheet: str, edit: Callable[[bytes], bytes]) -> bytes:
    name = sheet_part(data, sheet)
    return rezip(data, lambda n, d: edit(d) if n == name else d)


def bad_cell_reference(data: bytes, sheet: str) -> bytes:
    """A cell whose reference is «2D», not «D2»: a writer's bug, or a hand-edited file."""
    def edit(part_data: bytes) -> bytes:
        out, n = re.subn(rb'r="B2"', b'r="2D"', part_data, count=1)
        assert n == 1
        return out

    return _edit_sheet(data, sheet, edit)


def unknown_error_value(data: bytes, sheet: str) -> bytes:
    """An error cell holding «#BOGUS», which no Excel writes."""
    return _edit_sheet(data, sheet, lambda d: d.replace(
        b"</sheetData>", b'<row r="99"><c r="A99" t="e"><v>#BOGUS</v></c></row></sheetData>'))


def shared_string_out_of_range(data: bytes, placeholder: str) -> bytes:
    """The cell holding `placeholder` points at shared string 7 of a table of one."""
    moved = with_shared_string(data, placeholder, b"x")
    return rezip(moved, lambda n, d: d.replace(b't="s"><v>0</v>', b't="s"><v>7</v>')
                 if n.startswith("xl/worksheets/") else d)


def missing_sheet_part(data: bytes, sheet: str) -> bytes:
    """The workbook lists the sheet, and its part is gone from the zip."""
    name = sheet_part(data, sheet)
    return rezip(data, lambda n, d: None if n == name else d)


def binary_workbook(data: bytes) -> bytes:
    """The package of Excel's binary workbook (.xlsb): xl/workbook.bin, no xl/workbook.xml
    (the parts inside are not real BIFF12 records: the check looks only at the names)."""
    return rezip(data, lambda n, d: None if n == "xl/workbook.xml" else d,
                 {"xl/workbook.bin": b"\x83\x01\x00\x84\x01\x00"})
