"""The school form «Наставничество» (SPEC §2), generated entirely from schemas/columns.py.

`write_form` writes one school's workbook (empty, pre-filled or filled, for the demo);
`write_templates` writes the month's templates for the schools of a workspace, with each
school's last accepted lists carried over (SPEC §4, step 1).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.utility import quote_sheetname

from pipeline.droplists import LIST_HEADER_ROW, Vocabulary, list_cells, vocabularies
from pipeline.justify import justifications_sheet
from pipeline.ledger import LEDGER_FILE, Ledger, Stored
from pipeline.values import name_key, vocab_key
from pipeline.workbooks import (
    DATE_FORMAT,
    FOOTER,
    Formats,
    atomic_path,
    new_workbook,
    plain,
    set_identity,
    text_lines,
)
from pipeline.workspace import Workspace, next_month_start
from schemas import columns as c
from schemas import vocab as v
from schemas.columns import Column, Sheet

# Layout, in Excel's 1-based row numbers (what a person and the reader's messages see).
TABLE_HEADER_ROW = 1  # «Наставники», «Наставляемые», «Пары и группы», «Документы»
TITLE_HEADING_ROW = 1  # «Титул»: a heading, a one-line note, then one label per row
TITLE_FIRST_ROW = 3
TITLE_LABEL_COL, TITLE_VALUE_COL = 0, 1  # A, B

DATA_ROWS = 500  # rows below the header that carry drop-downs and checks

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Characters Windows and macOS refuse in file names.
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')

# «Титул» values a school keeps from month to month; the rest is the registry's or new.
CARRIED_TITLE = ("municipality", "curator", "curator_phone", "curator_email", "teachers_total",
                 "young_specialists", "pupils_total", "pupils_10_18", "pupils_15_19")

# Excel's own limits for data-validation texts.
_TITLE_MAX = 32
_MESSAGE_MAX = 255

# Bold text is about this much wider than the column's nominal characters.
_BOLD = 1.12
# Plain Cyrillic text fits about this many characters per unit of column width.
_PLAIN = 1.1

_DATE_MIN = dt.date(2000, 1, 1)
_DATE_MAX = dt.date(2100, 12, 31)


_PROTECTION = {
    "insert_rows": True,
    "delete_rows": True,
    "format_columns": True,
    "format_rows": True,
    "autofilter": True,
    "sort": True,
}


class _FormFormats(Formats):
    """The form's formats: locked labels, unlocked input cells by the kind of value."""

    def __init__(self, book: Any) -> None:
        super().__init__(book)
        self.label = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                      "bg_color": "#F2F2F2", "border": 1})
        self.fixed = book.add_format({"text_wrap": True, "valign": "top",
                                      "bg_color": "#F2F2F2", "border": 1})
        self.note = book.add_format({"italic": True, "font_color": "#595959", "text_wrap": True,
                                     "valign": "top"})
        self.para = book.add_format({"text_wrap": True, "valign": "top"})
        self.notice = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                       "bg_color": "#FFF9E5", "border": 1})
        self.section = book.add_format({"bold": True, "font_size": 12, "valign": "bottom"})
        self.input_text = book.add_format({"locked": False, "num_format": "@", "valign": "top",
                                           "text_wrap": True})
        self.input_date = book.add_format({"locked": False, "num_format": DATE_FORMAT,
                                           "align": "left", "valign": "top"})
        self.input_number = book.add_format({"locked": False, "valign": "top", "align": "center"})
        boxed = {"locked": False, "border": 1, "bg_color": "#FFF9E5", "valign": "top"}
        self.title_text = book.add_format({**boxed, "num_format": "@", "text_wrap": True})
        self.title_date = book.add_format({**boxed, "num_format": DATE_FORMAT, "align": "left"})
        self.title_number = book.add_format({**boxed, "align": "left"})

    def for_column(self, column: Column, *, boxed: bool = False) -> Any:
        if column.kind == "date":
            return self.title_date if boxed else self.input_date
        if column.kind == "int":
            return self.title_number if boxed else self.input_number
        return self.title_text if boxed else self.input_text

    def for_value(self, column: Column, value: Any, *, boxed: bool = False) -> Any:
        if isinstance(value, dt.date) and column.kind != "date":
            return self.title_date if boxed else self.input_date
        return self.for_column(column, boxed=boxed)


def write_form(path: Path, *, school_code: str, school_name: str, period: str,
               municipality: str = "",
               title: Mapping[str, Any] | None = None,
               rows: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
               deadline_day: int | None = None,
               prefilled_from: str | None = None) -> Path:
    """Write the form for one school and month to `path`, atomically; return `path`.

    `title` adds «Титул» values by column key (they win over the pre-filled ones); `rows`
    fills the table sheets by sheet key, each row a {column key: value} mapping. Values are
    written by their Python type: a str stays a string (even "=1+1"), a date is a date cell.
    `deadline_day` (of the following month) is named in the instruction when given;
    `prefilled_from` (YYYY-MM) tells the school whose accepted report the lists come from.
    """
    path = Path(path)
    _check_period(period)
    if prefilled_from is not None:
        _check_period(prefilled_from)
    title_values: dict[str, Any] = {"school_code": school_code, "school_name": school_name,
                                    "municipality": municipality, "period": period}
    title_values.update(_checked_keys(c.TITLE, title or {}))
    rows = dict(rows or {})
    sheets = {s.key: s for s in (*c.FORM_SHEETS, c.JUSTIFICATIONS) if s.layout == "table"}
    unknown = set(rows) - set(sheets)
    if unknown:
        raise ValueError(f"Нет такого листа формы: {', '.join(sorted(unknown))}")
    table_rows = {key: [_checked_keys(sheets[key], row) for row in sheet_rows]
                  for key, sheet_rows in rows.items()}
    lists = vocabularies()
    justifications = justifications_sheet()  # optional, so not among the form's lists
    for column in justifications.columns:
        if column.vocab and column.vocab not in lists:
            lists[column.vocab] = Vocabulary(f"list_{justifications.key}_{column.key}",
                                             f"{column.header} ({justifications.name})",
                                             column.vocab, len(lists))

    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        formats = _FormFormats(book)
        _set_properties(book, school_code=school_code, school_name=school_name, period=period)
        _write_instructions(book, formats, school_code=school_code, school_name=school_name,
                            period=period, municipality=municipality, deadline_day=deadline_day,
                            prefilled_from=prefilled_from)
        for sheet in c.FORM_SHEETS:
            if sheet.layout == "keyvalue":
                _write_keyvalue(book, formats, sheet, title_values)
            else:
                _write_table(book, formats, sheet, table_rows.get(sheet.key, ()), lists)
        _write_table(book, formats, justifications, table_rows.get(justifications.key, ()),
                     lists)
        _write_lists(book, formats, lists.values())
        book.close()
    return path


def write_templates(workspace: Workspace, period: str,
                    codes: Sequence[str] | None = None) -> list[Path]:
    """The month's forms, pre-filled with each school, the period and its last accepted data.

    Without `codes`, one per school expected to report for `period`; with them, one per
    named school. Files go to outbox/<period>/templates/. A school with an accepted report
    before `period` gets its «Титул» details and its active pairs carried over
    (`carried_over`); the others, and every school before the first run, get a blank form.
    """
    _check_period(period)
    if codes is None:
        schools = workspace.expected(period)
    else:
        schools = []
        for code in codes:
            school = workspace.school(code)
            if school is None:
                raise ValueError(f"Школы с кодом «{code}» нет в реестре (schools.xlsx) — "
                                 "проверьте код или добавьте школу в реестр")
            schools.append(school)
    folder = workspace.outbox / period / "templates"
    paths = []
    with contextlib.ExitStack() as stack:
        # Before the first run there is nothing to carry over: do not create the store.
        ledger = stack.enter_context(Ledger.open(workspace.state_dir)) \
            if (workspace.state_dir / LEDGER_FILE).exists() else None
        for school in schools:
            last = ledger.last_accepted(school.code, before=period) if ledger else None
            title, rows = carried_over(last[1]) if last else ({}, {})
            path = folder / template_filename(school.code, school.short_name, period)
            paths.append(write_form(path, school_code=school.code, school_name=school.name,
                                    period=period, municipality=workspace.settings.district,
                                    title=title, rows=rows,
                                    deadline_day=workspace.settings.deadline_day,
                                    prefilled_from=last[0] if last else None))
    return paths


def carried_over(stored: Stored) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """What of an accepted report goes into next month's form: «Титул» values and lists.

    Rows left out for an error are dropped, and so are «Титул» values that had an error.
    Of the pairs only active ones stay, and of the people only those in a carried-over
    pair, so the form opens without unpaired warnings; a pair whose mentor or mentee was
    left out goes with them. «№» is renumbered by the writer; «Документы» keeps the
    pre-printed order.
    """
    wrong = {issue.column for issue in stored.issues
             if issue.sheet == c.TITLE.name and issue.severity in ("fatal", "error")}
    title = {key: stored.title[key] for key in CARRIED_TITLE
             if not _is_blank(stored.title.get(key))
             and c.TITLE.column(key).header not in wrong}

    def kept(sheet: str) -> list[dict[str, Any]]:
        return [{key: value for key, value in row.items() if not key.startswith("_")}
                for row in stored.rows.get(sheet, []) if row.get("_ok")]

    def by_name(sheet: str) -> dict[str, dict[str, Any]]:
        people: dict[str, dict[str, Any]] = {}
        for row in kept(sheet):
            if isinstance(row.get("full_name"), str):
                people.setdefault(name_key(row["full_name"]), row)
        return people

    mentors, mentees = by_name("mentors"), by_name("mentees")
    active = vocab_key(v.STATUS_ACTIVE)
    links = [row for row in kept("links")
             if isinstance(row.get("status"), str) and vocab_key(row["status"]) == active
             and isinstance(row.get("mentor_name"), str)
             and isinstance(row.get("mentee_name"), str)
             and name_key(row["mentor_name"]) in mentors
             and name_key(row["mentee_name"]) in mentees]
    paired_mentors = {name_key(row["mentor_name"]) for row in links}
    paired_mentees = {name_key(row["mentee_name"]) for row in links}

    documents = {vocab_key(row["document"]): row for row in kept("documents")
                 if isinstance(row.get("document"), str)}
    rows = {
        "mentors": [row for key, row in mentors.items() if key in paired_mentors],
        "mentees": [row for key, row in mentees.items() if key in paired_mentees],
        "links": links,
        # Aligned with the pre-printed names: a row not carried over stays a bare name.
        "documents": [documents.get(vocab_key(name), {"document": name})
                      for name in c.DOCUMENTS.fixed_rows],
    }
    return title, rows


def template_filename(code: str, short_name: str, period: str) -> str:
    """«ОО-01 МБОУ Гимназия № 2 2026-11.xlsx», with characters file systems refuse removed."""
    stem = _UNSAFE_FILENAME.sub(" ", f"{code} {short_name} {period}")
    return re.sub(r"\s+", " ", stem).strip(" .") + ".xlsx"


# --- sheets -----------------------------------------------------------------------------


def _set_properties(book: Any, *, school_code: str, school_name: str, period: str) -> None:
    book.set_properties({"title": f"Наставничество — {school_name} — {period}",
                         "subject": "Ежемесячная форма «Наставничество»",
                         "category": c.FORM_ID})
    # the names c.PROP_SCHOOL and c.PROP_PERIOD, which the reader looks for
    set_identity(book, c.FORM_ID, c.FORM_VERSION, school_code=str(school_code), period=period)


def _write_instructions(book: Any, formats: _FormFormats, *, school_code: str,
                        school_name: str, period: str, municipality: str,
                        deadline_day: int | None, prefilled_from: str | None) -> None:
    sheet = book.add_worksheet(c.INSTRUCTIONS_SHEET)
    widths = (22, 34, 56, 34)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    total_chars = sum(widths)
    last_col = len(widths) - 1
    row = 0

    def paragraph(text: str, fmt: Any = formats.para) -> None:
        nonlocal row
        sheet.merge_range(row, 0, row, last_col, text, fmt)
        per_line = total_chars * _PLAIN / (_BOLD if fmt is formats.notice else 1)
        sheet.set_row(row, 15 * text_lines(text, per_line) + 3)
        row += 1

    def section(text: str) -> None:
        nonlocal row
        row += 1
        sheet.merge_range(row, 0, row, last_col, text, formats.section)
        sheet.set_row(row, 20)
        row += 1

    mentors, mentees, links = c.MENTORS, c.MENTEES, c.LINKS
    links_no = links.column("pair_id").header
    consent = mentors.column("pd_consent").header

    sheet.merge_range(row, 0, row, last_col, "Форма «Наставничество»: как её заполнить",
                      formats.title)
    sheet.set_row(row, 22)
    row += 1
    paragraph(f"Школа: {school_name} (код {school_code}). Отчётный период: {period}."
              + (f" Муниципальное образование: {municipality}." if municipality else ""))
    paragraph("Форма заполняется каждый месяц. Если вам прислали форму со списками прошлого "
              "месяца, обновите только то, что изменилось: новые люди, новые пары, "
              "завершённые пары.")
    if prefilled_from:
        status, end = c.LINKS.column("status").header, c.LINKS.column("end").header
        paragraph(f"Списки заполнены по принятому отчёту за {prefilled_from}: проверьте и "
                  "обновите их. Добавьте новых наставников, наставляемых и пары; у пар, "
                  f"которые закончились, измените «{status}» и укажите «{end}». "
                  "Завершённые и прекращённые пары, люди без действующих пар и строки, не "
                  "принятые из-за ошибок, в форму не перенесены. На листе "
                  f"«{c.TITLE.name}» проверьте численность и впишите "
                  f"«{c.TITLE.column('filled_on').header}».", formats.notice)

    section("Листы формы")
    for form_sheet in (*c.FORM_SHEETS, c.JUSTIFICATIONS):
        paragraph(f"«{form_sheet.name}» — {form_sheet.description}")
    paragraph(f"Лист «{c.LISTS_SHEET}» скрыт: в нём значения выпадающих списков. "
              "Его не нужно открывать и менять.")

    section("Как заполнять")
    steps = [
        f"Данные вписывайте со строки {TABLE_HEADER_ROW + 1}, под заголовками столбцов. "
        f"На листе «{c.TITLE.name}» значения вписываются в столбец B, напротив названий.",
        "Когда вы выбираете ячейку, появляется подсказка: что в неё вписать. "
        "Обязательные поля отмечены в подсказке и в таблице ниже.",
        "В столбцах с выпадающим списком (категория, форма и вид наставничества, статус, "
        "«да»/«нет» и другие) нажмите на ячейку, затем на стрелку справа от неё и выберите "
        "значение. Значение не из списка форма не примет.",
        "Даты вводите в виде ДД.ММ.ГГГГ, например 01.09.2026. Числа вводите цифрами, "
        "без слов: «5», а не «5 лет».",
        "ФИО пишите полностью, кириллицей: Фамилия Имя Отчество. На листе "
        f"«{links.name}» ФИО должны совпадать с записанными на листах «{mentors.name}» и "
        f"«{mentees.name}».",
        f"Пара — одна строка на листе «{links.name}». Группа — несколько строк с одним и тем "
        f"же «{links_no}» и одним наставником: по строке на каждого наставляемого.",
        f"Когда пара завершена или прекращена досрочно, измените «{links.column('status').header}»"
        f", укажите «{links.column('end').header}» и оценки удовлетворённости от 1 до 10.",
        "Строки можно добавлять и удалять. Не переименовывайте и не удаляйте листы, не "
        "меняйте заголовки столбцов: по ним файл читается автоматически.",
        "Листы защищены без пароля только от случайной правки заголовков. Если защита "
        "мешает, снимите её: «Рецензирование» → «Снять защиту листа».",
    ]
    for number, text in enumerate(steps, start=1):
        paragraph(f"{number}. {text}")

    section("Персональные данные")
    paragraph(f"Для каждого человека отметьте в столбце «{consent}», есть ли его согласие на "
              "обработку персональных данных (за несовершеннолетнего согласие даёт законный "
              "представитель). Если согласия нет, поставьте «нет»: человек будет учтён в "
              "численности, но его ФИО не попадёт ни в какие отчёты за пределами управления "
              "образования.")
    paragraph("Наставник-работник (педагог, руководитель) даёт письменное согласие на "
              "наставничество (статья 351.8 Трудового кодекса РФ); отметьте его в столбце "
              f"«{mentors.column('mentoring_consent').header}». Сами согласия храните в школе, "
              "в управление их не отправляйте.")

    section("Куда отправить")
    office = f"в управление образования ({municipality})" if municipality else \
        "в муниципальный орган управления образованием"
    when = "в установленный срок"
    if deadline_day:
        due = next_month_start(dt.date.fromisoformat(period + "-01"))
        last_day = (next_month_start(due) - dt.timedelta(days=1)).day
        when = f"до {due.replace(day=min(deadline_day, last_day)):%d.%m.%Y}"
    paragraph(f"Сохраните файл в формате .xlsx и отправьте его {office} {when}. Если вам "
              "вернут файл с замечаниями, исправьте отмеченные ячейки в этом же файле и "
              "отправьте его снова.")

    sheet.set_h_pagebreaks([row])  # the reference table starts on a page of its own
    section("Столбцы формы")
    for col, header in enumerate(("Лист", "Столбец", "Что вписать", "Обязательно")):
        sheet.write_string(row, col, header, formats.header)
    row += 1
    for form_sheet in c.FORM_SHEETS:
        for column in form_sheet.data_columns:
            cells = (form_sheet.name, column.header, column.hint or "—",
                     _requirement(form_sheet, column) or "нет")
            for col, text in enumerate(cells):
                sheet.write_string(row, col, text, formats.wrap)
            sheet.set_row(row, 15 * max(text_lines(text, (width - 1) * _PLAIN)
                                        for text, width in zip(cells, widths, strict=True)) + 2)
            row += 1

    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer(FOOTER)
    sheet.hide_gridlines(2)
    sheet.protect("", {"format_columns": True, "format_rows": True})
    sheet.activate()


def _write_keyvalue(book: Any, formats: _FormFormats, sheet_def: Sheet,
                    values: Mapping[str, Any]) -> None:
    # The reader takes the next filled cell right of a label as its value, so nothing but
    # the value may stand in a label's row: hints live in the input messages only.
    sheet = book.add_worksheet(sheet_def.name)
    sheet.set_column(TITLE_LABEL_COL, TITLE_LABEL_COL, 52)
    sheet.set_column(TITLE_VALUE_COL, TITLE_VALUE_COL, 48)
    sheet.write_string(TITLE_HEADING_ROW - 1, 0, f"Форма «Наставничество» — {sheet_def.name}",
                       formats.title)
    sheet.set_row(TITLE_HEADING_ROW - 1, 22)
    optional = ", ".join(f"«{col.header}»" for col in sheet_def.columns if col.optional)
    note = ("Значения вписывайте в столбец B; подсказка появляется при выборе ячейки. "
            "Заполните все строки" + (f", кроме {optional}." if optional else "."))
    sheet.merge_range(TITLE_HEADING_ROW, TITLE_LABEL_COL, TITLE_HEADING_ROW, TITLE_VALUE_COL,
                      note, formats.note)
    sheet.set_row(TITLE_HEADING_ROW, 15 * text_lines(note, 98 * _PLAIN) + 4)
    for index, column in enumerate(sheet_def.columns):
        row = TITLE_FIRST_ROW - 1 + index
        sheet.write_string(row, TITLE_LABEL_COL, column.header, formats.label)
        value = values.get(column.key)
        fmt = formats.for_value(column, value, boxed=True)
        if _is_blank(value):
            sheet.write_blank(row, TITLE_VALUE_COL, None, fmt)
        else:
            _write_value(sheet, row, TITLE_VALUE_COL, value, fmt)
        shown = "" if _is_blank(value) or not isinstance(value, str) else value
        sheet.set_row(row, 15 * max(text_lines(column.header, 50 / _BOLD),
                                    text_lines(shown, 47 * _PLAIN)) + 4)
        options = _validation(sheet_def, column, None)
        if options:
            sheet.data_validation(row, TITLE_VALUE_COL, row, TITLE_VALUE_COL, options)
    sheet.set_portrait()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer(FOOTER)
    sheet.protect("", dict(_PROTECTION, insert_rows=False, delete_rows=False))


def _write_table(book: Any, formats: _FormFormats, sheet_def: Sheet,
                 rows: Sequence[Mapping[str, Any]],
                 lists: Mapping[tuple[str, ...], Vocabulary]) -> None:
    sheet = book.add_worksheet(sheet_def.name)
    header_row = TABLE_HEADER_ROW - 1
    fixed = sheet_def.fixed_rows
    first_data, last_data = header_row + 1, header_row + (len(fixed) or DATA_ROWS)
    for col, column in enumerate(sheet_def.columns):
        is_fixed = bool(fixed) and col == 0
        sheet.set_column(col, col, _header_width(column),
                         formats.fixed if is_fixed else formats.for_column(column))
        sheet.write_string(header_row, col, column.header, formats.header)
        if not is_fixed:
            options = _validation(sheet_def, column, lists.get(column.vocab))
            if options:
                sheet.data_validation(first_data, col, last_data, col, options)
    sheet.set_row(header_row, 15 * max(text_lines(col.header, (_header_width(col) - 1) / _BOLD)
                                       for col in sheet_def.columns) + 4)
    for index, name in enumerate(fixed):
        sheet.write_string(first_data + index, 0, name, formats.fixed)
        sheet.set_row(first_data + index, 15 * text_lines(name, sheet_def.columns[0].width - 1) + 2)

    for index, row_values in enumerate(rows):
        row = first_data + index
        # Excel does not grow a written row to fit wrapped text, and LibreOffice guesses
        # differently on every row: size it here.
        lines = max((text_lines(text, (_header_width(column) - 1) * _PLAIN)
                     for column in sheet_def.columns
                     if isinstance(text := row_values.get(column.key), str)), default=1)
        sheet.set_row(row, 15 * lines)
        for col, column in enumerate(sheet_def.columns):
            value = row_values.get(column.key)
            if column.kind == "skip" and column.key not in row_values:
                value = index + 1
            if fixed and col == 0:
                if _is_blank(value) and index < len(fixed):
                    continue
                fmt = formats.fixed
            else:
                fmt = formats.for_value(column, value)
            if not _is_blank(value):
                _write_value(sheet, row, col, value, fmt)

    sheet.freeze_panes(first_data, 0)
    sheet.autofilter(header_row, 0, last_data, len(sheet_def.columns) - 1)
    sheet.repeat_rows(header_row)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer(FOOTER)
    protection = _PROTECTION if not fixed else dict(_PROTECTION, insert_rows=False,
                                                      delete_rows=False)
    sheet.protect("", protection)


def _write_lists(book: Any, formats: _FormFormats, lists: Iterable[Vocabulary]) -> None:
    sheet = book.add_worksheet(c.LISTS_SHEET)
    lists = list(lists)
    for vocab in lists:
        sheet.set_column(vocab.col, vocab.col, max(12, min(48, max(map(len, vocab.values)) + 2)))
        book.define_name(vocab.name, f"={quote_sheetname(c.LISTS_SHEET)}!{vocab.cells}")
    for row, col, text in list_cells(lists):
        sheet.write_string(row, col, text, formats.header if row == LIST_HEADER_ROW - 1
                           else None)
    sheet.hide()
    sheet.protect("")


# --- cells and checks -------------------------------------------------------------------


def _write_value(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """One value by its Python type; a str is always a string cell, never a formula."""
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _validation(sheet: Sheet, column: Column, vocab: Vocabulary | None) -> dict[str, Any] | None:
    """The Excel data validation of a column: a drop-down, a whole number or a date."""
    if column.kind in ("enum", "yesno") and vocab is not None:
        options: dict[str, Any] = {
            "validate": "list", "source": f"={vocab.name}",
            "error_title": "Значение не из списка",
            "error_message": "Выберите значение из выпадающего списка (стрелка справа от "
                             "ячейки).",
        }
    elif column.kind == "int":
        options = {"validate": "integer", "error_title": "Нужно целое число",
                   "error_message": column.hint or "Введите целое число."}
        if column.min is not None and column.max is not None:
            options.update(criteria="between", minimum=column.min, maximum=column.max)
        elif column.min is not None:
            options.update(criteria=">=", value=column.min)
        elif column.max is not None:
            options.update(criteria="<=", value=column.max)
        else:
            options.update(criteria="between", minimum=-(10**9), maximum=10**9)
    elif column.kind == "date":
        options = {"validate": "date", "criteria": "between",
                   "minimum": _DATE_MIN, "maximum": _DATE_MAX,
                   "error_title": "Нужна дата",
                   "error_message": "Введите дату в виде ДД.ММ.ГГГГ, например 01.09.2026."}
    else:
        options = {"validate": "any"}
    message = column.hint
    requirement = _requirement_note(sheet, column)
    if requirement:
        message = f"{message}\n{requirement}" if message else requirement
    if message:
        options["input_title"] = _clip(column.header, _TITLE_MAX)
        options["input_message"] = _clip(message, _MESSAGE_MAX)
    elif options["validate"] == "any":
        return None
    options["error_message"] = _clip(options.get("error_message", ""), _MESSAGE_MAX)
    if not options["error_message"]:
        del options["error_message"]
    return options


def _requirement(sheet: Sheet, column: Column) -> str:
    """«да», «для: педагог, …» or "" — when the column must be filled."""
    if column.required:
        return "да"
    if column.required_for:
        order = sheet.column(sheet.category).vocab if sheet.category else ()
        names = sorted(column.required_for,
                       key=lambda n: order.index(n) if n in order else len(order))
        return "для: " + ", ".join(names)
    return ""


def _requirement_note(sheet: Sheet, column: Column) -> str:
    text = _requirement(sheet, column)
    if text == "да":
        return "Обязательное поле."
    if text:
        return "Обязательно " + text + "."
    return ""


def _checked_keys(sheet: Sheet, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with pandas/numpy scalars made plain; an unknown column key is refused."""
    unknown = set(values) - set(sheet.by_key)
    if unknown:
        raise ValueError(f"На листе «{sheet.name}» нет столбцов: {', '.join(sorted(unknown))}")
    return {key: plain(value) for key, value in values.items()}


def _check_period(period: str) -> None:
    if not PERIOD_RE.match(str(period)):
        raise ValueError(f"Отчётный период «{period}» задан неверно — укажите месяц в виде "
                         "ГГГГ-ММ, например 2026-11")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _clip(text: str, limit: int) -> str:
    """Excel counts UTF-16 units; all our texts are in the BMP, so len() is that count."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _header_width(column: Column) -> int:
    """Column.width, widened so no word of the bold header is broken inside."""
    longest = max((len(word) for word in column.header.split()), default=0)
    return max(column.width, math.ceil(longest * _BOLD) + 2)
