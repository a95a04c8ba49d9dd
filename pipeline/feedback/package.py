"""The school's feedback made by editing the school's own package as text.

Loading a school's workbook into openpyxl and saving it again took 85 ms of a feedback file's
90; at regional scale the first month has hundreds of them. Here the package is copied part
by part (`pipeline.engine.sheetxml.Package`), and only what the feedback changes is edited, as text:

- «Замечания» is a new sheet part, put first;
- a marked cell gets a copy of its own cell format with the problem's fill, and a comment
  (a comments part and its VML shapes, as Excel writes them);
- a drop-down the file lacks is added, with the hidden lists sheet when the names it refers
  to are missing;
- styles.xml gets the list's fonts, fills and formats appended; nothing is renumbered.

Everything else (the school's formatting, drop-downs kept in extension lists, which openpyxl
drops) stays byte for byte. `marked` edits the package in memory and says, by explicit checks
of the file and of what it made, whether it could (`Marked.refusal`): not a macro workbook,
a file that already has comments on a sheet to mark, our own feedback sent back, rows or
cells without references, parts that are not well-formed text. What it cannot mark
`pipeline.feedback.book` marks with openpyxl.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pipeline.feedback.marks as fb
from pipeline import issues as iss
from pipeline.droplists import DROP_DOWN_ERROR, list_cells, quoted, vocabularies
from pipeline.engine.sheetxml import (
    Package,
    attrs,
    cell_xml,
    column_letter,
    column_letters,
    column_number,
    insert_child,
    well_formed,
    worksheet,
)
from pipeline.feedback.marks import Listed
from pipeline.read import Form
from pipeline.workbooks import PAGE_NUMBERS, atomic_path, text_lines
from schemas.columns import FORM_SHEETS, LISTS_SHEET

DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
MAX_ROW_MARK = 1000  # columns a whole row's mark fills at most (a form has a few dozen)
# a worksheet's children that come after <dataValidations>
_AFTER_VALIDATIONS = ("hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                      "rowBreaks", "colBreaks", "customProperties", "cellWatches",
                      "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                      "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                      "webPublishItems", "tableParts", "extLst")
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
    """`write` was asked to mark a file this module does not edit (see `Marked.refusal`)."""


class Marked:
    """A school's package with the feedback's edits made in memory, or the reason it could
    not be edited (`refusal`), found by looking at the file: then nothing of it is saved."""

    def __init__(self, package: Package | None, refusal: str | None) -> None:
        self.package = package
        self.refusal = refusal

    def __enter__(self) -> Marked:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.package is not None:
            self.package.close()

    def save(self, out: Path) -> Path:
        """The marked package written to `out`, whole or not at all."""
        if self.package is None or self.refusal is not None:
            raise Unsuitable(self.refusal or "nothing was marked")
        with atomic_path(Path(out)) as staged:
            self.package.save(staged)
        return Path(out)


def marked(form: Form, receipt: list[tuple[str, Any]], listed: Listed) -> Marked:
    """The feedback for `form` made in memory: `receipt` above the list and `listed`
    (`pipeline.feedback.marks` lays them out); its `refusal` says why the file cannot be
    edited as text."""
    if form.kind != "xlsx" or form.rejected or not form.tables:
        return Marked(None, "not an .xlsx form")
    package = Package(Path(form.path))
    try:
        refusal = package.problem or _edit(package, form, receipt, listed)
    except BaseException:
        package.close()
        raise
    return Marked(package, refusal)


def editable(form: Form, listed: Listed) -> bool:
    """Whether this module can mark `form`'s file with the problems `listed`."""
    with marked(form, [], listed) as found:
        return found.refusal is None


def write(form: Form, out: Path, receipt: list[tuple[str, Any]], listed: Listed) -> Path:
    """The feedback for `form` written to `out` (see `marked`); `Unsuitable` when the file
    is not one this module edits."""
    with marked(form, receipt, listed) as found:
        return found.save(out)


def _edit(package: Package, form: Form, receipt: list[tuple[str, Any]],
          listed: Listed) -> str | None:
    """The package edited; or why it cannot be, found before anything is edited or in what
    the edit made."""
    if fb.SHEET_NAME in package.sheet_names:
        return "our own feedback sent back"
    for key, name in form.sheet_names.items():
        if name in package.sheet_parts and package.readable(package.sheet_parts[name]) is None:
            return f"the sheet of {key} is not UTF-8 text"
    styles_xml = package.text(package.styles)
    refusal = _Styles.problem(styles_xml)
    if refusal:
        return refusal
    styles = _Styles(styles_xml, fb.FILLS)
    found = _marks(form, listed, package)
    if isinstance(found, str):
        return found
    marks, notes = found
    for name in sorted(set(marks) | set(notes), key=package.sheet_names.index):
        part = package.sheet_parts[name]
        xml = _mark_cells(package.text(part), marks.get(name, {}), styles)
        if xml is None:
            return "rows or cells without their references"
        if notes.get(name):
            if "<legacyDrawing" in xml:
                return "the sheet has comments of its own"
            xml = package.add_comments(part, xml, [
                (row, col, text, min(60 + 18 * text_lines(text, 48), 600))
                for (row, col), found_here in sorted(notes[name].items())
                for text in (fb.comment_text(found_here),)], fb.AUTHOR)
        package.parts[part] = xml
    refusal = _add_drop_downs(package, form)
    if refusal:
        return refusal
    xml, last = _list_sheet(receipt, listed, styles)
    width = column_letter(len(fb.TABLE_HEADERS))
    header_row = fb.TABLE_HEADER_ROW
    title = quoted(fb.SHEET_NAME)
    package.add_first_sheet(fb.SHEET_NAME, xml, [
        ("_xlnm._FilterDatabase", f"{title}!$A${header_row}:${width}${last}"),
        ("_xlnm.Print_Titles", f"{title}!${header_row}:${header_row}")])
    package.parts[package.styles] = styles.xml()
    if not all(map(well_formed, package.parts.values())):
        # a school's raw control character in a marked sheet, which openpyxl refuses and
        # Excel would
        return "a part is not well formed"
    return None


# --- styles --------------------------------------------------------------------------------------


def _section(xml: str, tag: str) -> str | None:
    match = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", xml, re.S)
    return match.group(1) if match else None


def _count(xml: str, tag: str) -> int | None:
    head = re.search(rf"<{tag}\b[^>]*>", xml)
    count = attrs(head.group()).get("count") if head else None
    return int(count) if count is not None and count.isdecimal() else None


class _Styles:
    """styles.xml with the feedback's fonts, fills and cell formats appended."""

    @staticmethod
    def problem(xml: str) -> str | None:
        """Why entries cannot be appended to the styles `xml`, or None: new entries are
        numbered after the counts, so the counts must be the entries' numbers."""
        sections = {tag: _section(xml, tag) for tag in ("cellXfs", "fonts", "fills")}
        counts = {tag: _count(xml, tag) for tag in ("cellXfs", "fonts", "fills")}
        for tag in sections:
            if sections[tag] is None:
                return f"styles without <{tag}>"
            if counts[tag] is None:
                return f"<{tag}> without a count"
        if not _XF.search(sections["cellXfs"]) \
                or len(_XF.findall(sections["cellXfs"])) != counts["cellXfs"] \
                or len(re.findall(r"<font\b", sections["fonts"])) != counts["fonts"] \
                or len(re.findall(r"<fill\b", sections["fills"])) != counts["fills"]:
            return "the styles' counts are not their entries'"
        return None

    def __init__(self, xml: str, fills: dict[str, str]) -> None:
        """The styles `xml`, which has no `problem`."""
        self.source = xml
        self.fonts: list[str] = []
        self.fills: list[str] = []
        self.formats: list[str] = []
        self.xfs = [m.group() for m in _XF.finditer(_section(xml, "cellXfs") or "")]
        self.font_base = _count(xml, "fonts") or 0
        self.fill_base = _count(xml, "fills") or 0
        self.xf_base = len(self.xfs)
        self.fill_of = {severity: self.fill(rgb) for severity, rgb in fills.items()}
        self.marked: dict[tuple[int, str], int] = {}
        self.datetime_format = 0

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


def _marks(form: Form, listed: Listed, package: Package
           ) -> tuple[dict[str, dict[tuple[int, int], str]],
                      dict[str, dict[tuple[int, int], list[iss.Issue]]]] | str:
    """Per sheet: the worst severity of each cell to fill, and the issues of each cell to
    comment on (a whole row's issue is noted at its first cell), as `book._mark`; or why
    they cannot be marked."""
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
                return "a row to mark is too wide"
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
            return column_number(last.group(1)), int(last.group(2))
    width = max([*table.columns.values(), *table.extras.values(), 0]) + 1 if table else 1
    return width, max(table.rows, default=1) if table else 1


def _mark_cells(xml: str, marks: dict[tuple[int, int], str], styles: _Styles) -> str | None:
    """The sheet with each marked cell given its fill; missing cells and rows are added.
    None when it has no sheet data, a row without its number or a marked row's cell
    without its reference."""
    if not marks:
        return xml
    by_row: dict[int, dict[int, str]] = defaultdict(dict)
    for (row, col), severity in marks.items():
        by_row[row][col] = severity
    match = re.search(r"<sheetData\b[^>]*?(/>|>)", xml)
    if match is None:
        return None
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
            row = _marked_row(found.group(), by_row[pending.pop(0)], styles)
            if row is None:
                return None
            out.append(row)
        else:
            out.append(found.group())
        pos = found.end()
    if found_rows != body.count("<row"):
        return None
    out.append(body[pos:])
    out.extend(_new_row(row, by_row, styles) for row in pending)
    return xml[:start] + "".join(out) + xml[end:]


def _new_row(row: int, by_row: dict[int, dict[int, str]], styles: _Styles) -> str:
    letters = column_letters(max(by_row[row]))
    return f'<row r="{row}">' + "".join(
        f'<c r="{letters[col - 1]}{row}" s="{styles.mark(0, severity)}"/>'
        for col, severity in sorted(by_row[row].items())) + "</row>"


def _marked_row(xml: str, marks: dict[int, str], styles: _Styles) -> str | None:
    head_end = xml.index(">")
    head = re.sub(r'\s+spans="[^"]*"', "", xml[:head_end + 1])
    if head.endswith("/>"):
        head, inner = head[:-2].rstrip() + ">", ""
    else:
        inner = xml[head_end + 1:-len("</row>")]
    row = attrs(head)["r"]
    letters = column_letters(max(marks))
    todo = sorted(marks.items())
    out = [head]
    pos = 0
    for found in _CELL.finditer(inner):
        cell = found.group()
        ref = _REF.match(attrs(cell[:cell.index(">")]).get("r", ""))
        if ref is None:
            return None
        col = column_number(ref.group(1))
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


def _add_drop_downs(package: Package, form: Form) -> str | None:
    """A drop-down for every listed column that has none (`marks.missing_drop_downs`),
    with the hidden lists sheet when the workbook lacks the names they refer to; or why
    they cannot be added."""
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
                         f'errorTitle="{DROP_DOWN_ERROR[0]}" error="{DROP_DOWN_ERROR[1]}" '
                         f'sqref="{cells}"><formula1>{vocab.name}</formula1></dataValidation>')
        head = re.search(r"<dataValidations\b[^>]*?(/>|>)", xml)
        if head is None:
            xml = insert_child(xml, f'<dataValidations count="{len(added)}">{"".join(added)}'
                                "</dataValidations>", _AFTER_VALIDATIONS)
        elif head.group(1) == "/>":
            return "an empty list of drop-downs"
        else:
            count = int(attrs(head.group()).get("count", "0") or 0) + len(added)
            opening = re.sub(r'\s+count="\d+"', "", head.group()[:-1]) + f' count="{count}">'
            xml = xml[:head.start()] + opening + "".join(added) + xml[head.end():]
        package.parts[part] = xml
    if missing_names:
        return _add_lists(package, vocabularies())
    return None


def _add_lists(package: Package, lists: dict[tuple[str, ...], Any]) -> str | None:
    """A hidden «Справочники» with the form's lists (`droplists.list_cells`), and their
    names; or why they cannot be added."""
    if any(vocab.name in package.defined for vocab in lists.values()):
        return "some of the lists' names are taken"
    title = LISTS_SHEET if LISTS_SHEET not in package.sheet_names else f"{LISTS_SHEET} nastavnik"
    by_row: dict[int, dict[int, str]] = defaultdict(dict)
    for row, col, text in list_cells(lists.values()):
        by_row[row + 1][col] = text
    rows = "".join(f'<row r="{r}">' + "".join(
        cell_xml(f"{column_letter(c + 1)}{r}", text, 0) for c, text in sorted(cells.items()))
        + "</row>" for r, cells in sorted(by_row.items()))
    package.add_sheet(title, worksheet(f"<sheetData>{rows}</sheetData>"), hidden=True)
    package.define((vocab.name, f"{quoted(title)}!{vocab.cells}", None)
                   for vocab in lists.values())
    return None


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
        cells = [cell_xml(f"A{r}", text, title if r == 1 else label)]
        if content is not None:
            cells.append(cell_xml(f"B{r}", content, value if isinstance(content, str) else moment))
            merges.append(f"B{r}:{last_letter}{r}")
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    r = len(receipt) + 1
    rows.append(f'<row r="{r}">' + cell_xml(f"A{r}", fb.NOTE, note) + "</row>")
    merges.append(f"A{r}:{last_letter}{r}")
    rows.append(f'<row r="{header_row}">' + "".join(
        cell_xml(f"{letters[c]}{header_row}", text, header) for c, text in enumerate(headers))
        + "</row>")
    for r, (issue, _col, values) in enumerate(listed, start=header_row + 1):
        lines = max(text_lines(values[i], widths[i] - 2) for i in fb.WRAPPED)
        rows.append(f'<row r="{r}" ht="{15 * max(lines, 1)}" customHeight="1">' + "".join(
            cell_xml(f"{letters[c]}{r}", v, graded[issue.severity] if c == 6 else cell_look)
            for c, v in enumerate(values)) + "</row>")
    if not listed:
        rows.append(f'<row r="{header_row + 1}">'
                    + cell_xml(f"A{header_row + 1}", "Замечаний нет.", 0) + "</row>")
    last = header_row + max(len(listed), 1)
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                   for c, w in enumerate(widths, start=1))
    return worksheet(
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
