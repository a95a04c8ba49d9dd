"""The school's feedback made by editing the school's own package as text.

Loading a school's workbook into openpyxl and saving it again took 85 ms of a feedback file's
90; at regional scale the first month has hundreds of them. Here the package is copied part
by part, and only what the feedback changes is edited, as text:

- «Замечания» is a new sheet part, put first;
- a marked cell gets a copy of its own cell format with the problem's fill, and a comment
  (a comments part and its VML shapes, as Excel writes them);
- a drop-down the file lacks is added, with the hidden lists sheet when the names it refers
  to are missing;
- styles.xml gets the list's fonts, fills and formats appended; nothing is renumbered.

Everything else (the school's formatting, drop-downs kept in extension lists, which openpyxl
drops) stays byte for byte. A package this cannot edit safely — a macro workbook, a file
that already has comments on a sheet to mark, our own feedback sent back, rows or cells
without references — raises `Unsuitable`, and `pipeline.feedback` goes through openpyxl.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.parsers import expat

from pipeline import feedback as fb
from pipeline import issues as iss
from pipeline.feedback import Listed
from pipeline.read import Form
from pipeline.sheetxml import column_letters, copy_package, text_element
from pipeline.workbooks import PAGE_NUMBERS, atomic_path, text_lines
from schemas.columns import FORM_SHEETS, LISTS_SHEET

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET = RELS + "/worksheet"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
MAX_ROW_MARK = 1000  # columns a whole row's mark fills at most (a form has a few dozen)
# a worksheet's children that come after <dataValidations> and after <legacyDrawing>
_AFTER_VALIDATIONS = ("hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                      "rowBreaks", "colBreaks", "customProperties", "cellWatches",
                      "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                      "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                      "webPublishItems", "tableParts", "extLst")
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")
_ATTR = re.compile(r'([\w:.-]+)\s*=\s*"([^"]*)"')
_ROW = re.compile(r'<row\b[^>]*?\sr="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)  # and its number
_CELL = re.compile(r"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_XF = re.compile(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)
_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
# a drop-down, as <dataValidation> or in an extension list as <x14:dataValidation>, and the
# cells it covers
_VALIDATION = re.compile(r"<(?:\w+:)?dataValidation\b.*?</(?:\w+:)?dataValidation>", re.S)
_SQREF = re.compile(r'\bsqref="([^"]*)"|<(?:\w+:)?sqref>([^<]*)<')
_COLUMN = re.compile(r"\$?([A-Z]{1,3})")
_SHEETS = {s.name: s for s in FORM_SHEETS}


class Unsuitable(Exception):
    """The package is not one this module edits; openpyxl writes its feedback instead."""


def write(form: Form, out: Path, receipt: list[tuple[str, Any]], listed: Listed) -> Path:
    """The feedback for `form` written to `out`, with `receipt` above the list and `listed`
    (`pipeline.feedback` lays them out); `Unsuitable` when the package is not one this
    module edits."""
    if form.kind != "xlsx" or form.rejected or not form.tables:
        raise Unsuitable("not an .xlsx form")
    with _Package(Path(form.path)) as package:
        _edit(package, form, receipt, listed)
        with atomic_path(Path(out)) as staged:
            package.save(staged)
    return Path(out)


def _edit(package: _Package, form: Form, receipt: list[tuple[str, Any]],
          listed: Listed) -> None:
    if fb.SHEET_NAME in package.sheet_names:
        raise Unsuitable("our own feedback sent back")
    styles = _Styles(package.text(package.styles), fb.FILLS)
    marks, notes = _marks(form, listed, package)
    for name in sorted(set(marks) | set(notes), key=package.sheet_names.index):
        part = package.sheet_parts[name]
        xml = package.text(part)
        xml = _mark_cells(xml, marks.get(name, {}), styles)
        if notes.get(name):
            xml = package.add_comments(part, xml, notes[name])
        package.parts[part] = xml
    _add_drop_downs(package, form)
    xml, last = _list_sheet(receipt, listed, styles)
    package.add_first_sheet(fb.SHEET_NAME, xml, fb.TABLE_HEADER_ROW, last)
    package.parts[package.styles] = styles.xml()


# --- the package -------------------------------------------------------------------------------


class _Package:
    """A package's parts, read as they are needed; the parts edited or added (`parts`);
    its workbook's sheets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive = zipfile.ZipFile(path)
        self.names = set(self.archive.namelist())
        self.parts: dict[str, str] = {}
        self._read: dict[str, str] = {}
        try:
            self._find_sheets()
        except BaseException:
            self.archive.close()
            raise

    def _find_sheets(self) -> None:
        types = self.text("[Content_Types].xml")
        if WORKBOOK_TYPE not in types:
            raise Unsuitable("not a plain workbook (macros or a template)")
        office = next((a for a in self._relations("_rels/.rels")
                       if a["Type"].endswith("/officeDocument")), None)
        if office is None:
            raise Unsuitable("no workbook part")
        self.workbook = _resolve("", office["Target"])
        if self.workbook not in self.names or MAIN not in self.text(self.workbook):
            raise Unsuitable("not a transitional SpreadsheetML workbook")
        self.workbook_rels = _rels_of(self.workbook)
        targets = {a["Id"]: (a["Type"], _resolve(self.workbook, a["Target"]))
                   for a in self._relations(self.workbook_rels)}
        styles = [target for kind, target in targets.values() if kind.endswith("/styles")]
        if len(styles) != 1:
            raise Unsuitable("no styles part")
        self.styles = styles[0]
        self.sheet_names: list[str] = []
        self.sheet_parts: dict[str, str] = {}
        self.sheet_ids: list[int] = []
        for tag in re.findall(r"<sheet\b[^>]*>", self.text(self.workbook)):
            attrs = _attrs(tag)
            kind, target = targets.get(attrs.get("r:id", ""), ("", ""))
            if "name" not in attrs or "sheetId" not in attrs or target not in self.names:
                raise Unsuitable("a sheet without its part")
            name = html.unescape(attrs["name"])
            self.sheet_names.append(name)
            self.sheet_ids.append(int(attrs["sheetId"]))
            if kind == WORKSHEET:
                self.sheet_parts[name] = target
        self.defined = {html.unescape(a.get("name", "")) for a in (
            _attrs(t) for t in re.findall(r"<definedName\b[^>]*>", self.text(self.workbook)))}

    def __enter__(self) -> _Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.archive.close()

    def text(self, name: str) -> str:
        if name in self.parts:
            return self.parts[name]
        if name not in self._read:
            self._read[name] = self.archive.read(name).decode("utf-8")
        return self._read[name]

    def _relations(self, name: str) -> list[dict[str, str]]:
        if name not in self.names:
            return []
        return [_attrs(tag) for tag in re.findall(r"<Relationship\b[^>]*>", self.text(name))]

    def _free(self, pattern: str) -> str:
        n = 1
        while pattern.format(n) in self.names:
            n += 1
        return pattern.format(n)

    def _relate(self, source_rels: str, kind: str, target: str) -> str:
        """A new relationship of `kind` to `target` (relative to the source) in the rels
        part `source_rels`, created if missing; its id."""
        taken = {a.get("Id") for a in self._relations(source_rels)}
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
            self._new(source_rels, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      f'<Relationships xmlns="{PACKAGE_RELS}">{entry}</Relationships>')
        return rid

    def _new(self, name: str, data: str, content_type: str | None = None) -> None:
        self.names.add(name)
        self.parts[name] = data
        if content_type:
            types = self.text("[Content_Types].xml")
            self.parts["[Content_Types].xml"] = types.replace(
                "</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>',
                1)

    def add_comments(self, part: str, xml: str,
                     notes: dict[tuple[int, int], list[iss.Issue]]) -> str:
        """`notes` as comments on the sheet `part` (whose text is `xml`)."""
        if "<legacyDrawing" in xml:
            raise Unsuitable("the sheet has comments of its own")
        comments = self._free("xl/comments{}.xml")
        vml = self._free("xl/drawings/vmlDrawing{}.vml")
        number = int(re.search(r"(\d+)\.vml$", vml).group(1))
        types = self.text("[Content_Types].xml")
        if 'Extension="vml"' not in types:
            self.parts["[Content_Types].xml"] = types.replace(
                "<Override", f'<Default Extension="vml" ContentType="{VML_TYPE}"/><Override', 1)
        entries, shapes = [], []
        letters = column_letters(max(col for _, col in notes))
        for k, ((row, col), found) in enumerate(sorted(notes.items())):
            text = fb.comment_text(found)
            entries.append(f'<comment ref="{letters[col - 1]}{row}" authorId="0"><text>'
                           f"{text_element(text)}</text></comment>")
            height = min(60 + 18 * text_lines(text, 48), 600)
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
        self._new(comments, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  f'<comments xmlns="{MAIN}"><authors><author>{fb.AUTHOR}</author>'
                  f'</authors><commentList>{"".join(entries)}</commentList></comments>',
                  COMMENTS_TYPE)
        self._new(vml, '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
                  'xmlns:o="urn:schemas-microsoft-com:office:office" '
                  'xmlns:x="urn:schemas-microsoft-com:office:excel">'
                  f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{number}"/>'
                  '</o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
                  'o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
                  '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
                  f'{"".join(shapes)}</xml>')
        rels = _rels_of(part)
        self._relate(rels, RELS + "/comments", _relative_to(part, comments))
        rid = self._relate(rels, RELS + "/vmlDrawing", _relative_to(part, vml))
        return _insert_child(xml, f'<legacyDrawing xmlns:r="{RELS}" r:id="{rid}"/>',
                             _AFTER_LEGACY)

    def add_sheet(self, name: str, xml: str, *, first: bool = False,
                  hidden: bool = False) -> None:
        part = self._free("xl/worksheets/sheet{}.xml")
        self._new(part, xml, SHEET_TYPE)
        rid = self._relate(self.workbook_rels, WORKSHEET, _relative_to(self.workbook, part))
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
        if entry not in workbook:
            raise Unsuitable("the workbook's sheet list is not as expected")
        self.parts[self.workbook] = workbook
        self.sheet_parts[name] = part

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

    def add_first_sheet(self, name: str, xml: str, header_row: int, last: int) -> None:
        """`xml` as the first sheet, the one the workbook opens on, the others unselected;
        its list's header is `header_row` and its last row `last`."""
        for part in self.sheet_parts.values():
            text = self.text(part)
            if "tabSelected" in text:
                self.parts[part] = re.sub(r'\s+tabSelected="(?:1|true)"', "", text)
        self.add_sheet(name, xml, first=True)
        workbook = re.sub(r'\s+(?:activeTab|firstSheet)="\d+"', "", self.text(self.workbook))
        self.parts[self.workbook] = workbook
        quoted = "'" + name.replace("'", "''") + "'"
        width = column_letters(len(fb.TABLE_HEADERS))[-1]
        self.define([("_xlnm._FilterDatabase", f"{quoted}!$A${header_row}:${width}${last}", 0),
                     ("_xlnm.Print_Titles", f"{quoted}!${header_row}:${header_row}", 0)])

    def save(self, path: Path) -> None:
        """The package written to `path`, its unchanged parts copied as stored; `Unsuitable`
        if a part edited or added is not well formed (a school's raw control character in
        a marked sheet, which openpyxl refuses and Excel would)."""
        parts = {name: data.encode("utf-8") for name, data in self.parts.items()}
        for data in parts.values():
            _well_formed(data)
        copy_package(self.path, path, parts)


def _well_formed(data: bytes) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Unsuitable("a part declares entities")
    try:
        expat.ParserCreate().Parse(data, True)
    except expat.ExpatError as exc:
        raise Unsuitable(f"a part is not well formed: {exc}") from exc


def _attrs(tag: str) -> dict[str, str]:
    return dict(_ATTR.findall(tag))


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _relative_to(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source))


def _insert_child(xml: str, element: str, later: tuple[str, ...]) -> str:
    """`element` put into a worksheet before the first of the children `later`."""
    positions = [m.start() for tag in later
                 if (m := re.search(rf"<{tag}\b", xml))]
    at = min(positions) if positions else xml.rindex("</worksheet>")
    return xml[:at] + element + xml[at:]


# --- styles --------------------------------------------------------------------------------------


class _Styles:
    """styles.xml with the feedback's fonts, fills and cell formats appended."""

    def __init__(self, xml: str, fills: dict[str, str]) -> None:
        self.source = xml
        self.fonts: list[str] = []
        self.fills: list[str] = []
        self.formats: list[str] = []
        self.xfs = [m.group() for m in _XF.finditer(self._section("cellXfs"))]
        self.font_base = self._count("fonts")
        self.fill_base = self._count("fills")
        self.xf_base = len(self.xfs)
        # new entries are numbered after the counts: they must be the entries' numbers
        if not self.xfs or self.xf_base != self._count("cellXfs") \
                or len(re.findall(r"<font\b", self._section("fonts"))) != self.font_base \
                or len(re.findall(r"<fill\b", self._section("fills"))) != self.fill_base:
            raise Unsuitable("the styles' counts are not their entries'")
        self.fill_of = {severity: self.fill(rgb) for severity, rgb in fills.items()}
        self.marked: dict[tuple[int, str], int] = {}
        self.datetime_format = 0

    def _section(self, tag: str) -> str:
        match = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", self.source, re.S)
        if match is None:
            raise Unsuitable(f"styles without <{tag}>")
        return match.group(1)

    def _count(self, tag: str) -> int:
        head = re.search(rf"<{tag}\b[^>]*>", self.source)
        count = _attrs(head.group()).get("count") if head else None
        if count is None or not count.isdigit():
            raise Unsuitable(f"<{tag}> without a count")
        return int(count)

    def font(self, *, bold: bool = False, italic: bool = False, size: int = 11) -> int:
        self.fonts.append(f'<font>{"<b/>" if bold else ""}{"<i/>" if italic else ""}'
                          f'<sz val="{size}"/><name val="Calibri"/><family val="2"/></font>')
        return self.font_base + len(self.fonts) - 1

    def fill(self, rgb: str) -> int:
        self.fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
                          '<bgColor indexed="64"/></patternFill></fill>')
        return self.fill_base + len(self.fills) - 1

    def datetime(self) -> int:
        if not self.datetime_format:
            taken = [int(n) for n in re.findall(r'<numFmt\b[^>]*\bnumFmtId="(\d+)"',
                                                self.source)]
            self.datetime_format = max([163, *taken]) + 1
        return self.datetime_format

    def xf(self, *, font: int = 0, fill: int = 0, number: int = 0,
           alignment: str = "") -> int:
        """A new cell format; `alignment` the attributes of its <alignment>."""
        inner = f"<alignment {alignment}/>" if alignment else ""
        applied = (' applyFont="1"' if font else "") + (' applyFill="1"' if fill else "") \
            + (' applyNumberFormat="1"' if number else "") \
            + (' applyAlignment="1"' if alignment else "")
        self.formats.append(f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" '
                            f'borderId="0" xfId="0"{applied}>{inner}</xf>')
        return self.xf_base + len(self.formats) - 1

    def mark(self, style: int, severity: str) -> int:
        """The school's cell format `style` with the fill of `severity`."""
        key = (style, severity)
        if key not in self.marked:
            source = self.xfs[style] if style < len(self.xfs) else self.xfs[0]
            head_end = source.index(">")
            head = source[:head_end]
            closing = head.endswith("/")
            head = head.rstrip("/")
            head = re.sub(r'\s+(?:fillId|applyFill)="[^"]*"', "", head)
            head += f' fillId="{self.fill_of[severity]}" applyFill="1"'
            self.formats.append(head + ("/>" if closing else source[head_end:]))
            self.marked[key] = self.xf_base + len(self.formats) - 1
        return self.marked[key]

    def xml(self) -> str:
        xml = self.source
        for tag, added, base in (("fonts", self.fonts, self.font_base),
                                 ("fills", self.fills, self.fill_base),
                                 ("cellXfs", self.formats, self.xf_base)):
            if not added:
                continue
            count = base + len(added)
            xml = re.sub(rf'(<{tag}\b[^>]*?\bcount=")\d+"',
                         lambda m, n=count: f'{m.group(1)}{n}"', xml, count=1)
            xml = xml.replace(f"</{tag}>", "".join(added) + f"</{tag}>", 1)
        if self.datetime_format:
            entry = (f'<numFmt numFmtId="{self.datetime_format}" '
                     f'formatCode="{DATETIME_FORMAT}"/>')
            if "</numFmts>" in xml:
                xml = re.sub(r'(<numFmts\b[^>]*?\bcount=")(\d+)"',
                             lambda m: f'{m.group(1)}{int(m.group(2)) + 1}"', xml, count=1)
                xml = xml.replace("</numFmts>", entry + "</numFmts>", 1)
            else:
                xml = re.sub(r"(<styleSheet\b[^>]*>)", lambda m: m.group(1) +
                             f'<numFmts count="1">{entry}</numFmts>', xml, count=1)
        return xml


# --- marks ------------------------------------------------------------------------------------


def _marks(form: Form, listed: Listed, package: _Package
           ) -> tuple[dict[str, dict[tuple[int, int], str]],
                      dict[str, dict[tuple[int, int], list[iss.Issue]]]]:
    """Per sheet: the worst severity of each cell to fill, and the issues of each cell to
    comment on (a whole row's issue is noted at its first cell), as `feedbackbook._mark`."""
    marks: dict[str, dict[tuple[int, int], str]] = defaultdict(dict)
    notes: dict[str, dict[tuple[int, int], list[iss.Issue]]] = defaultdict(
        lambda: defaultdict(list))

    def fill(name: str, cell: tuple[int, int], severity: str) -> None:
        current = marks[name].get(cell)
        if current is None or iss.SEVERITY_ORDER[severity] < iss.SEVERITY_ORDER[current]:
            marks[name][cell] = severity

    for name, issue, row, col in fb.marked_places(form, listed, package.sheet_parts):
        if col is None:
            width = _extent(package.text(package.sheet_parts[name]),
                            form.tables.get(_SHEETS[issue.sheet].key))[0]
            if width > MAX_ROW_MARK:
                raise Unsuitable("a row to mark is too wide")
            for c in range(1, width + 1):
                fill(name, (row, c), issue.severity)
        else:
            fill(name, (row, col), issue.severity)
        notes[name][(row, col or 1)].append(issue)
    return marks, notes


def _extent(xml: str, table: Any) -> tuple[int, int]:
    """The last column and row a sheet uses, from its <dimension>, else from its table."""
    match = re.search(r'<dimension\b[^>]*\bref="([^"]*)"', xml)
    if match:
        last = _REF.match(match.group(1).split(":")[-1].replace("$", ""))
        if last:
            return _column_number(last.group(1)), int(last.group(2))
    width = max([*table.columns.values(), *table.extras.values(), 0]) + 1 if table else 1
    return width, max(table.rows, default=1) if table else 1


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _mark_cells(xml: str, marks: dict[tuple[int, int], str], styles: _Styles) -> str:
    """The sheet with each marked cell given its fill; missing cells and rows are added."""
    if not marks:
        return xml
    by_row: dict[int, dict[int, str]] = defaultdict(dict)
    for (row, col), severity in marks.items():
        by_row[row][col] = severity
    match = re.search(r"<sheetData\b[^>]*?(/>|>)", xml)
    if match is None:
        raise Unsuitable("no sheet data")
    if match.group(1) == "/>":
        start = end = match.end()
        xml = xml[:match.start()] + "<sheetData></sheetData>" + xml[match.end():]
        start = end = match.start() + len("<sheetData>")
    else:
        start = match.end()
        end = xml.index("</sheetData>", start)
    body = xml[start:end]
    pending = sorted(by_row)
    out: list[str] = []
    pos = 0
    found_rows = 0
    for found in _ROW.finditer(body):
        found_rows += 1
        number = int(found.group(1))
        out.append(body[pos:found.start()])
        while pending and pending[0] < number:
            out.append(_new_row(pending.pop(0), by_row, styles))
        if pending and pending[0] == number:
            out.append(_marked_row(found.group(), by_row[pending.pop(0)], styles))
        else:
            out.append(found.group())
        pos = found.end()
    if found_rows != body.count("<row"):
        raise Unsuitable("a row without its number")
    out.append(body[pos:])
    out.extend(_new_row(row, by_row, styles) for row in pending)
    return xml[:start] + "".join(out) + xml[end:]


def _new_row(row: int, by_row: dict[int, dict[int, str]], styles: _Styles) -> str:
    letters = column_letters(max(by_row[row]))
    return f'<row r="{row}">' + "".join(
        f'<c r="{letters[col - 1]}{row}" s="{styles.mark(0, severity)}"/>'
        for col, severity in sorted(by_row[row].items())) + "</row>"


def _marked_row(xml: str, marks: dict[int, str], styles: _Styles) -> str:
    head_end = xml.index(">")
    head = re.sub(r'\s+spans="[^"]*"', "", xml[:head_end + 1])
    if head.endswith("/>"):
        head, inner = head[:-2].rstrip() + ">", ""
    else:
        inner = xml[head_end + 1:-len("</row>")]
    row = _attrs(head)["r"]
    letters = column_letters(max(marks))
    todo = sorted(marks.items())
    out = [head]
    pos = 0
    for found in _CELL.finditer(inner):
        cell = found.group()
        ref = _REF.match(_attrs(cell[:cell.index(">")]).get("r", ""))
        if ref is None:
            raise Unsuitable("a cell without its reference")
        col = _column_number(ref.group(1))
        out.append(inner[pos:found.start()])
        while todo and todo[0][0] < col:
            c, severity = todo.pop(0)
            out.append(f'<c r="{letters[c - 1]}{row}" s="{styles.mark(0, severity)}"/>')
        if todo and todo[0][0] == col:
            out.append(_restyled(cell, styles, todo.pop(0)[1]))
        else:
            out.append(cell)
        pos = found.end()
    out.append(inner[pos:])
    out.extend(f'<c r="{letters[c - 1]}{row}" s="{styles.mark(0, severity)}"/>'
               for c, severity in todo)
    out.append("</row>")
    return "".join(out)


def _restyled(cell: str, styles: _Styles, severity: str) -> str:
    head_end = cell.index(">")
    head = cell[:head_end]
    style = re.search(r'\ss="(\d+)"', head)
    new = styles.mark(int(style.group(1)) if style else 0, severity)
    if style:
        head = head[:style.start()] + f' s="{new}"' + head[style.end():]
    else:
        head = head.replace("<c", f'<c s="{new}"', 1)
    return head + cell[head_end:]


# --- drop-downs --------------------------------------------------------------------------------


def _add_drop_downs(package: _Package, form: Form) -> None:
    """A drop-down for every listed column that has none (`feedback.missing_drop_downs`),
    with the hidden lists sheet when the workbook lacks the names they refer to."""
    from pipeline.template import vocabularies

    def seen(name: str, table: Any) -> tuple[set[str], int] | None:
        if name not in package.sheet_parts:
            return None
        xml = package.text(package.sheet_parts[name])
        return ({ref.group(1) for validation in _VALIDATION.findall(xml)
                 for refs in _SQREF.findall(validation)
                 for ref in map(_COLUMN.match, " ".join(refs).split()) if ref},
                _extent(xml, table)[1])

    missing_names = False
    for name, wanted in fb.missing_drop_downs(form, seen).items():
        part = package.sheet_parts[name]
        xml = package.text(part)
        added = []
        for cells, vocab in wanted:
            missing_names = missing_names or vocab.name not in package.defined
            added.append('<dataValidation type="list" allowBlank="1" showErrorMessage="1" '
                         f'errorTitle="{fb.DROP_DOWN_ERROR[0]}" error="{fb.DROP_DOWN_ERROR[1]}" '
                         f'sqref="{cells}"><formula1>{vocab.name}</formula1></dataValidation>')
        head = re.search(r"<dataValidations\b[^>]*?(/>|>)", xml)
        if head is None:
            xml = _insert_child(xml, f'<dataValidations count="{len(added)}">{"".join(added)}'
                                "</dataValidations>", _AFTER_VALIDATIONS)
        elif head.group(1) == "/>":
            raise Unsuitable("an empty list of drop-downs")
        else:
            count = int(_attrs(head.group()).get("count", "0") or 0) + len(added)
            opening = re.sub(r'\s+count="\d+"', "", head.group()[:-1]) + f' count="{count}">'
            xml = xml[:head.start()] + opening + "".join(added) + xml[head.end():]
        package.parts[part] = xml
    if missing_names:
        _add_lists(package, vocabularies())


def _add_lists(package: _Package, lists: dict[tuple[str, ...], Any]) -> None:
    """A hidden «Справочники» with the form's lists, and their names."""
    if any(vocab.name in package.defined for vocab in lists.values()):
        raise Unsuitable("some of the lists' names are taken")
    title = LISTS_SHEET if LISTS_SHEET not in package.sheet_names else f"{LISTS_SHEET} nastavnik"
    height = max(len(vocab.values) for vocab in lists.values()) + 1
    letters = column_letters(max(vocab.col for vocab in lists.values()) + 1)
    grid: list[list[Any]] = [[None] * len(letters) for _ in range(height)]
    for vocab in lists.values():
        for r, value in enumerate((vocab.header, *vocab.values)):
            grid[r][vocab.col] = value
    rows = "".join(f'<row r="{r}">' + "".join(
        f'<c r="{letters[c]}{r}" t="inlineStr"><is>{text_element(value)}</is></c>'
        for c, value in enumerate(values) if value is not None) + "</row>"
        for r, values in enumerate(grid, start=1))
    package.add_sheet(title, _worksheet(f"<sheetData>{rows}</sheetData>"), hidden=True)
    quoted = "'" + title.replace("'", "''") + "'"
    package.define((vocab.name, f"{quoted}!${letters[vocab.col]}$2:${letters[vocab.col]}$"
                    f"{len(vocab.values) + 1}", None) for vocab in lists.values())


def _worksheet(inner: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">{inner}</worksheet>')


# --- «Замечания» --------------------------------------------------------------------------------


def _list_sheet(receipt: list[tuple[str, Any]], listed: Listed, styles: _Styles
                ) -> tuple[str, int]:
    """The receipt and the list of problems as a worksheet, laid out as
    `feedbackbook._write_receipt` and `feedbackbook._write_table` lay them out; and the
    list's last row."""
    headers, widths, header_row = fb.TABLE_HEADERS, fb.TABLE_WIDTHS, fb.TABLE_HEADER_ROW
    letters = column_letters(len(headers))
    last_letter = letters[-1]
    bold, plain = styles.font(bold=True), styles.font()
    label = styles.xf(font=bold)
    title = styles.xf(font=styles.font(bold=True, size=14))
    value = styles.xf(font=plain, alignment='horizontal="left"')
    moment = styles.xf(font=plain, number=styles.datetime(), alignment='horizontal="left"')
    note = styles.xf(font=styles.font(italic=True))
    header = styles.xf(font=bold, fill=styles.fill(fb.HEADER_FILL))
    top = 'vertical="top" wrapText="1"'
    cell_look = styles.xf(font=plain, alignment=top)
    graded = {severity: styles.xf(font=plain, fill=fill, alignment=top)
              for severity, fill in styles.fill_of.items()}

    rows: list[str] = []
    merges: list[str] = []
    for r, (text, content) in enumerate(receipt, start=1):
        cells = [_cell(f"A{r}", text, title if r == 1 else label)]
        if content is not None:
            cells.append(_cell(f"B{r}", content, value if isinstance(content, str) else moment))
            merges.append(f"B{r}:{last_letter}{r}")
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    r = len(receipt) + 1
    rows.append(f'<row r="{r}">' + _cell(f"A{r}", fb.NOTE, note) + "</row>")
    merges.append(f"A{r}:{last_letter}{r}")
    rows.append(f'<row r="{header_row}">' + "".join(
        _cell(f"{letters[c]}{header_row}", text, header) for c, text in enumerate(headers))
        + "</row>")
    for r, (issue, _col, values) in enumerate(listed, start=header_row + 1):
        lines = max(text_lines(values[i], widths[i] - 2) for i in fb.WRAPPED)
        rows.append(f'<row r="{r}" ht="{15 * max(lines, 1)}" customHeight="1">' + "".join(
            _cell(f"{letters[c]}{r}", v, graded[issue.severity] if c == 6 else cell_look)
            for c, v in enumerate(values)) + "</row>")
    if not listed:
        rows.append(f'<row r="{header_row + 1}">'
                    + _cell(f"A{header_row + 1}", "Замечаний нет.", 0) + "</row>")
    last = header_row + max(len(listed), 1)
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                   for c, w in enumerate(widths, start=1))
    return _worksheet(
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last_letter}{last}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" activePane="bottomLeft" '
        'state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="A{header_row + 1}" '
        f'sqref="A{header_row + 1}"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>"
        f'<autoFilter ref="A{header_row}:{last_letter}{last}"/>'
        f'<mergeCells count="{len(merges)}">'
        + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
        'fitToHeight="0"/>'
        f"<headerFooter><oddFooter>&amp;C{html.escape(PAGE_NUMBERS)}</oddFooter></headerFooter>"
        ), last


_EPOCH = dt.datetime(1899, 12, 30)


def _cell(ref: str, value: Any, style: int) -> str:
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
