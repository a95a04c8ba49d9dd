"""Shared fixtures: a district workspace and school forms written as a school's Excel writes them.

The forms are built with openpyxl from plain data, never with the project's template writer,
so a test of the reader does not depend on the code under test.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.issues import Issue
from pipeline.workspace import School, Workspace, init_workspace
from schemas import columns as c
from schemas import vocab as v

# the real mail servers (Dovecot, aiosmtpd) as fixtures: imap_server, imap, smtp_server
pytest_plugins = ["mailservers"]

# Fixtures (and tests) that replace a function in this process for the workers to meet: only a forked
# worker inherits the replacement, so their tests run only when workers are forked (under
# NASTAVNIK_START_METHOD=spawn, tests/test_spawn.py, they are skipped).
FORK_ONLY_FIXTURES = {"deadly_reader"}
FORK_ONLY_TESTS = {"test_feedback_rewritten_later_does_not_reread_a_deadly_file_in_the_run"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from pipeline.engine.workers import start_method

    if start_method() == "fork":
        return
    skip = pytest.mark.skip(reason="replaces a function for the workers: only forked ones "
                                   "inherit it")
    for item in items:
        if FORK_ONLY_FIXTURES & set(getattr(item, "fixturenames", ())) \
                or getattr(item, "originalname", item.name) in FORK_ONLY_TESTS:
            item.add_marker(skip)


PERIOD = "2026-11"
SCHOOL_CODE = "ОО-07"
SCHOOLS = (School("ОО-07", "МБОУ «СОШ № 7»"), School("ОО-08", "МБОУ «Гимназия № 8»"))

TITLE = c.TITLE.name
MENTORS = c.MENTORS.name
MENTEES = c.MENTEES.name
LINKS = c.LINKS.name
DOCUMENTS = c.DOCUMENTS.name
TABLE_SHEETS = (c.MENTORS, c.MENTEES, c.LINKS, c.DOCUMENTS)


def header(sheet: c.Sheet, key: str) -> str:
    """The canonical header of a column, as the template writes it."""
    return sheet.column(key).header


# Canonical headers the tests use most, taken from schemas.columns (never retyped).
NAME = header(c.MENTORS, "full_name")
CATEGORY = header(c.MENTORS, "category")
POSITION = header(c.MENTORS, "position")
CLASS = header(c.MENTORS, "school_class")
AGE = header(c.MENTORS, "age")
EXPERIENCE = header(c.MENTORS, "experience")
QUALIFICATION = header(c.MENTORS, "qualification")
TRAINED = header(c.MENTORS, "trained")
MENTORING_CONSENT = header(c.MENTORS, "mentoring_consent")
PD_CONSENT = header(c.MENTORS, "pd_consent")
REQUEST = header(c.MENTEES, "request")
CONSENT_BY = header(c.MENTEES, "consent_by")
PAIR_ID = header(c.LINKS, "pair_id")
MENTOR_NAME = header(c.LINKS, "mentor_name")
MENTEE_NAME = header(c.LINKS, "mentee_name")
FORM = header(c.LINKS, "form")
KIND = header(c.LINKS, "kind")
ORDER_NUMBER = header(c.LINKS, "order_number")
ORDER_DATE = header(c.LINKS, "order_date")
START = header(c.LINKS, "start")
END = header(c.LINKS, "end")
STATUS = header(c.LINKS, "status")
PROGRAM = header(c.LINKS, "personal_program")
MENTOR_SATISFACTION = header(c.LINKS, "mentor_satisfaction")
MENTEE_SATISFACTION = header(c.LINKS, "mentee_satisfaction")
DOCUMENT = header(c.DOCUMENTS, "document")
PRESENT = header(c.DOCUMENTS, "present")
DETAILS = header(c.DOCUMENTS, "details")
URL = header(c.DOCUMENTS, "url")

# Титул labels
T_CODE = header(c.TITLE, "school_code")
T_PERIOD = header(c.TITLE, "period")
T_TEACHERS = header(c.TITLE, "teachers_total")
T_YOUNG = header(c.TITLE, "young_specialists")
T_PUPILS = header(c.TITLE, "pupils_total")
T_PUPILS_10_18 = header(c.TITLE, "pupils_10_18")
T_PUPILS_15_19 = header(c.TITLE, "pupils_15_19")

# The people of the clean form (Cyrillic, three words; two names carry «ё»).
PETROVA = "Петрова Анна Сергеевна"  # педагог, leads group № 1
SOKOLOV = "Соколов Пётр Викторович"  # педагог, pair № 2
KUZNETSOVA = "Кузнецова Елена Павловна"  # педагог, pair № 3 (active) and № 5 (finished)
MOROZOV = "Морозов Даниил Андреевич"  # обучающийся 10А, pair № 4
ORLOVA = "Орлова Мария Игоревна"  # молодой специалист, group № 1
BELOV = "Белов Артём Сергеевич"  # молодой специалист, group № 1
ZAITSEVA = "Зайцева Ольга Николаевна"  # вновь принятый педагог, pair № 2, finished № 5
VOLKOV = "Волков Кирилл Денисович"  # обучающийся 6Б, pair № 3
LEBEDEVA = "Лебедева Софья Андреевна"  # обучающийся 7А, pair № 4

BASE_COUNTS = {"mentors": 4, "mentees": 5, "links": 6}

_YOUNG = v.MENTEE_YOUNG


def _d(day: int, month: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def _clean_title() -> dict[str, Any]:
    values = {
        "school_code": SCHOOL_CODE,
        "school_name": "МБОУ «СОШ № 7»",
        "municipality": "Тестовый район",
        "period": PERIOD,
        "curator": "Смирнова Татьяна Ивановна",
        "curator_phone": "+7 (391) 123-45-67",
        "curator_email": "kurator7@example.ru",
        "teachers_total": 40,
        "young_specialists": 3,
        "pupils_total": 500,
        "pupils_10_18": 300,
        "pupils_15_19": 120,
        "filled_on": _d(2, 12),
    }
    return {col.header: values[col.key] for col in c.TITLE.columns}


def _mentor(n: int, name: str, category: str, *, position: str | None = None,
            school_class: str | None = None, age: int | None = None,
            experience: int | None = None, qualification: str | None = None,
            consent: str | None = v.YES) -> dict[str, Any]:
    return {"number": n, "full_name": name, "category": category, "position": position,
            "school_class": school_class, "age": age, "experience": experience,
            "qualification": qualification, "organization": None, "trained": v.YES,
            "mentoring_consent": consent, "pd_consent": v.YES}


def _mentee(n: int, name: str, category: str, *, position: str | None = None,
            school_class: str | None = None, age: int | None = None,
            experience: int | None = None, request: str | None = None,
            consent_by: str = "лично") -> dict[str, Any]:
    return {"number": n, "full_name": name, "category": category, "position": position,
            "school_class": school_class, "age": age, "experience": experience,
            "request": request, "pd_consent": v.YES, "consent_by": consent_by}


def _link(pair_id: str, mentor: str, mentee: str, form: str, kind: str, *,
          order: tuple[str, dt.date] | None, start: dt.date, end: dt.date | None = None,
          status: str = v.STATUS_ACTIVE, program: str = v.YES,
          satisfaction: tuple[int, int] | None = None) -> dict[str, Any]:
    return {"pair_id": pair_id, "mentor_name": mentor, "mentee_name": mentee, "form": form,
            "kind": kind, "order_number": order[0] if order else None,
            "order_date": order[1] if order else None, "start": start, "end": end,
            "status": status, "personal_program": program,
            "mentor_satisfaction": satisfaction[0] if satisfaction else None,
            "mentee_satisfaction": satisfaction[1] if satisfaction else None}


def _clean_tables() -> dict[str, list[dict[str, Any]]]:
    """Rows of each table sheet keyed by column key (converted to headers by FormBuilder)."""
    group, single = v.KINDS[1], v.KINDS[0]
    order = ("45-о", _d(28, 8))
    mentors = [
        _mentor(1, PETROVA, v.MENTOR_TEACHER, position="учитель математики", experience=25,
                qualification="высшая"),
        _mentor(2, SOKOLOV, v.MENTOR_TEACHER, position="учитель русского языка и литературы",
                experience=18, qualification="первая"),
        _mentor(3, KUZNETSOVA, v.MENTOR_TEACHER, position="учитель начальных классов",
                experience=30, qualification="педагог-наставник"),
        _mentor(4, MOROZOV, v.MENTOR_PUPIL, school_class="10А", age=16, consent=None),
    ]
    mentees = [
        _mentee(1, ORLOVA, _YOUNG, position="учитель математики", experience=1,
                request="Методика подготовки к ОГЭ"),
        _mentee(2, BELOV, _YOUNG, position="учитель физики", experience=2,
                request="Дисциплина на уроке"),
        _mentee(3, ZAITSEVA, v.MENTEE_NEW, position="учитель биологии", experience=7,
                request="Адаптация в коллективе"),
        _mentee(4, VOLKOV, v.MENTEE_PUPIL, school_class="6Б", age=12,
                request="Подготовка к олимпиаде по математике",
                consent_by="законным представителем"),
        _mentee(5, LEBEDEVA, v.MENTEE_PUPIL, school_class="7А", age=13,
                request="Успеваемость по русскому языку", consent_by="законным представителем"),
    ]
    links = [
        _link("1", PETROVA, ORLOVA, v.FORM_TEACHER_TEACHER, group, order=order,
              start=_d(1, 9)),
        _link("1", PETROVA, BELOV, v.FORM_TEACHER_TEACHER, group, order=order, start=_d(1, 9)),
        _link("2", SOKOLOV, ZAITSEVA, v.FORM_TEACHER_TEACHER, single, order=order,
              start=_d(1, 9)),
        _link("3", KUZNETSOVA, VOLKOV, v.FORM_TEACHER_PUPIL, single,
              order=("51-о", _d(14, 9)), start=_d(15, 9)),
        _link("4", MOROZOV, LEBEDEVA, v.FORM_PUPIL_PUPIL, single, order=("60-о", _d(30, 9)),
              start=_d(1, 10), program=v.NO),
        _link("5", KUZNETSOVA, ZAITSEVA, v.FORM_TEACHER_TEACHER, single,
              order=("10-о", _d(30, 1)), start=_d(1, 2), end=_d(31, 8),
              status=v.STATUS_FINISHED, satisfaction=(9, 8)),
    ]
    documents = [{"document": doc, "present": v.YES, "details": f"Приказ № {12 + i}-о от 01.09.2025",
                  "url": "https://school7.example.ru/nastavnichestvo"}
                 for i, doc in enumerate(v.DOCUMENTS)]
    return {MENTORS: mentors, MENTEES: mentees, LINKS: links, DOCUMENTS: documents}


INSTRUCTIONS = (
    "Форма «Наставничество» — ежемесячный отчёт школы",
    "1. Заполните лист «Титул».",
    "2. Внесите наставников, наставляемых и пары на соответствующие листы.",
    "3. Сохраните файл и отправьте его в управление образования до 5 числа.",
)


class FormBuilder:
    """A clean filled school form as plain data; change a cell, a row, a column or a sheet.

    Rows are addressed as Excel shows them. Table sheets keep a header row (row 1 unless
    rows are put above it) followed by data; Титул keeps labels in column A, values in B.
    """

    def __init__(self) -> None:
        self.title: list[list[Any]] = [[label, value] for label, value in
                                       _clean_title().items()]
        self.tables: dict[str, dict[str, Any]] = {}
        clean = _clean_tables()
        for sheet in TABLE_SHEETS:
            rows = clean[sheet.name]
            self.tables[sheet.name] = {
                "above": [],  # rows above the header (a school's own title rows)
                "headers": [col.header for col in sheet.columns],
                "rows": [[row[col.key] for col in sheet.columns] for row in rows],
            }
        self.extra_sheets: dict[str, list[list[Any]]] = {c.INSTRUCTIONS_SHEET: [[line] for line in
                                                                               INSTRUCTIONS]}
        self.order: list[str] = [c.INSTRUCTIONS_SHEET, TITLE, *(s.name for s in TABLE_SHEETS)]
        self.renamed: dict[str, str] = {}

    def copy(self) -> FormBuilder:
        return copy.deepcopy(self)

    # --- Титул -------------------------------------------------------------------------------
    def title_row(self, label: str) -> int:
        """The Excel row of a Титул label (labels start at row 1)."""
        for i, (text, _) in enumerate(self.title):
            if text == label:
                return i + 1
        raise KeyError(label)

    def set_title(self, label: str, value: Any) -> FormBuilder:
        self.title[self.title_row(label) - 1][1] = value
        return self

    def relabel_title(self, label: str, new_label: str) -> FormBuilder:
        self.title[self.title_row(label) - 1][0] = new_label
        return self

    # --- table sheets ------------------------------------------------------------------------
    def _table(self, sheet: str) -> dict[str, Any]:
        return self.tables[sheet]

    def header_row(self, sheet: str) -> int:
        return len(self._table(sheet)["above"]) + 1

    def _index(self, sheet: str, row: int) -> int:
        index = row - self.header_row(sheet) - 1
        if not 0 <= index < len(self._table(sheet)["rows"]):
            raise IndexError(f"{sheet}: no data row {row}")
        return index

    def _col(self, sheet: str, column: str) -> int:
        return self._table(sheet)["headers"].index(column)

    def get(self, sheet: str, row: int, column: str) -> Any:
        return self._table(sheet)["rows"][self._index(sheet, row)][self._col(sheet, column)]

    def set(self, sheet: str, row: int, column: str, value: Any) -> FormBuilder:
        """Change one cell: (sheet name, row as Excel shows it, header as it is on the sheet)."""
        self._table(sheet)["rows"][self._index(sheet, row)][self._col(sheet, column)] = value
        return self

    def rows(self, sheet: str) -> list[int]:
        first = self.header_row(sheet) + 1
        return list(range(first, first + len(self._table(sheet)["rows"])))

    def row_of(self, sheet: str, name: str) -> int:
        """The Excel row of a person on «Наставники»/«Наставляемые» (by the ФИО cell)."""
        col = self._col(sheet, NAME)
        for row, values in zip(self.rows(sheet), self._table(sheet)["rows"], strict=True):
            if values[col] == name:
                return row
        raise KeyError(name)

    def link_row(self, mentor: str, mentee: str) -> int:
        """The Excel row of the first link between mentor and mentee."""
        a, b = self._col(LINKS, MENTOR_NAME), self._col(LINKS, MENTEE_NAME)
        for row, values in zip(self.rows(LINKS), self._table(LINKS)["rows"], strict=True):
            if values[a] == mentor and values[b] == mentee:
                return row
        raise KeyError((mentor, mentee))

    def row_dict(self, sheet: str, row: int) -> dict[str, Any]:
        headers = self._table(sheet)["headers"]
        return dict(zip(headers, self._table(sheet)["rows"][self._index(sheet, row)],
                        strict=True))

    def append_row(self, sheet: str, values: dict[str, Any] | None = None, *,
                   like: int | None = None) -> int:
        """Add a data row (optionally a copy of row `like`, then `values` by header); its row."""
        headers = self._table(sheet)["headers"]
        base = self.row_dict(sheet, like) if like else dict.fromkeys(headers)
        unknown = set(values or {}) - set(headers)
        if unknown:
            raise KeyError(unknown)
        base.update(values or {})
        self._table(sheet)["rows"].append([base[h] for h in headers])
        return self.rows(sheet)[-1]

    def remove_row(self, sheet: str, row: int) -> FormBuilder:
        del self._table(sheet)["rows"][self._index(sheet, row)]
        return self

    def remove_column(self, sheet: str, column: str) -> FormBuilder:
        table = self._table(sheet)
        i = self._col(sheet, column)
        del table["headers"][i]
        for values in table["rows"]:
            del values[i]
        return self

    def rename_column(self, sheet: str, column: str, new_header: str) -> FormBuilder:
        self._table(sheet)["headers"][self._col(sheet, column)] = new_header
        return self

    def add_column(self, sheet: str, new_header: str, values: Iterable[Any] = ()) -> FormBuilder:
        table = self._table(sheet)
        table["headers"].append(new_header)
        values = list(values)
        for i, row in enumerate(table["rows"]):
            row.append(values[i] if i < len(values) else None)
        return self

    def reorder_columns(self, sheet: str, headers: list[str]) -> FormBuilder:
        table = self._table(sheet)
        positions = [table["headers"].index(h) for h in headers]
        table["headers"] = list(headers)
        table["rows"] = [[row[p] for p in positions] for row in table["rows"]]
        return self

    def put_rows_above_header(self, sheet: str, rows: list[list[Any]]) -> FormBuilder:
        """A school's own title rows above the header (the header moves down)."""
        self._table(sheet)["above"] = [list(r) for r in rows]
        return self

    def column_of(self, sheet: str, column: str | None, value: Any = None) -> int | None:
        """The 1-based column where the school's file has `column` (Титул: the values, B)."""
        if sheet == TITLE:
            return 2
        headers = self._table(sheet)["headers"] if sheet in self.tables else []
        for text in (column, value):
            if text in headers:
                return headers.index(text) + 1
        return None

    def renamed_back(self, sheet: str) -> str:
        """The name a canonical sheet has in the written file."""
        return next((new for new, old in self.renamed.items() if old == sheet), sheet)

    # --- sheets ------------------------------------------------------------------------------
    def remove_sheet(self, name: str) -> FormBuilder:
        self.order.remove(name)
        return self

    def rename_sheet(self, name: str, new_name: str) -> FormBuilder:
        self.order[self.order.index(name)] = new_name
        self.renamed[new_name] = name
        return self

    def add_sheet(self, name: str, rows: list[list[Any]]) -> FormBuilder:
        self.extra_sheets[name] = [list(r) for r in rows]
        self.order.append(name)
        return self

    # --- writing -----------------------------------------------------------------------------
    def save(self, path: Path) -> Path:
        """Write the form with openpyxl, as a school's Excel would: dates as date cells."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name in self.order:
            source = self.renamed.get(name, name)
            sheet = book.create_sheet(name)
            if source == TITLE:
                rows = self.title
            elif source in self.tables:
                table = self.tables[source]
                rows = [*table["above"], table["headers"], *table["rows"]]
            else:
                rows = self.extra_sheets[source]
            for r, values in enumerate(rows, start=1):
                for col, value in enumerate(values, start=1):
                    if value is None:
                        continue
                    cell = sheet.cell(row=r, column=col, value=value)
                    if isinstance(value, dt.date):
                        cell.number_format = "DD.MM.YYYY"
        book.save(path)
        return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", district="Тестовый район", schools=SCHOOLS)


@pytest.fixture
def form() -> FormBuilder:
    """A fresh clean form of school ОО-07 for 2026-11."""
    return FormBuilder()


@pytest.fixture
def make_form() -> Callable[[], FormBuilder]:
    return FormBuilder


@pytest.fixture
def check(workspace: Workspace, tmp_path: Path) -> Callable[..., Any]:
    """Save a form (or take a path) and check it as the district office would."""
    from pipeline.check import check_files

    def run(source: FormBuilder | Path, *, ws: Workspace | None = None,
            period: str = PERIOD, name: str = "ОО-07_2026-11.xlsx") -> Any:
        path = source if isinstance(source, Path) else source.save(tmp_path / "in" / name)
        results = check_files([path], workspace=ws or workspace, period=period)
        assert len(results) == 1
        if isinstance(source, FormBuilder):
            assert_feedback_marks(source, path, results[0], ws or workspace, period,
                                  tmp_path / "feedback.xlsx")
        return results[0]

    return run


def assert_feedback_marks(builder: FormBuilder, path: Path, result: Any, ws: Workspace,
                          period: str, out: Path) -> None:
    """The school's feedback file lists every issue and marks it at its cell.

    Every rule test goes through here, so every issue code is checked in a real feedback
    workbook: the «Замечания» row, the cell's fill and its comment. Where the cell is, is
    taken from the builder (what the school wrote), not from the code under test.
    """
    from pipeline.check import read_and_validate
    from pipeline.feedback import FILLS, SHEET_NAME, TABLE_HEADER_ROW, write_feedback

    validation = read_and_validate([path], workspace=ws, period=period)
    write_feedback(validation.forms[0], validation.results[0], out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == SHEET_NAME
    listed = [row for row in book[SHEET_NAME].iter_rows(min_row=TABLE_HEADER_ROW + 1,
                                                          values_only=True)]
    for issue in result.issues:
        assert any(row[7] == issue.code and row[0] == (issue.sheet or "весь файл")
                   and row[1] == issue.row and row[4] == issue.problem for row in listed), \
            f"{issue.code} not listed in «{SHEET_NAME}»"
        sheet = builder.renamed_back(issue.sheet) if issue.sheet else None
        if result.status == "rejected" or not sheet or issue.row is None \
                or sheet not in book.sheetnames:
            continue
        col = builder.column_of(issue.sheet, issue.column, issue.value)
        cell = book[sheet].cell(row=issue.row, column=col or 1)
        worse = {FILLS[s] for s in FILLS
                 if SEVERITY_RANK[s] <= SEVERITY_RANK[issue.severity]}
        assert cell.fill.fgColor.rgb[-6:] in worse, \
            f"{issue.code}: {sheet}!{cell.coordinate} is not coloured"
        assert cell.comment is not None and issue.problem in cell.comment.text, \
            f"{issue.code}: no comment at {sheet}!{cell.coordinate}"


SEVERITY_RANK = {"fatal": 0, "error": 1, "warning": 2, "info": 3}


# --- reading results -------------------------------------------------------------------------
def describe(result: Any) -> str:
    """What the office would see: every issue on one line (for assertion messages)."""
    lines = [f"status={result.status} counts={result.counts}"]
    lines += [f"  {i.severity} {i.code} [{i.sheet}!{i.row}, {i.column}] {i.value!r}: {i.message}"
              for i in result.issues]
    return "\n".join(lines)


def issues_of(result: Any, code: str) -> list[Issue]:
    return [i for i in result.issues if i.code == code]


def assert_issue(result: Any, code: str, *, sheet: str | None, row: int | None,
                 column: str | None, value: Any = ..., severity: str | None = None) -> Issue:
    """The issue `code` is reported at exactly that cell; returns it."""
    found = [i for i in issues_of(result, code)
             if (i.sheet, i.row, i.column) == (sheet, row, column)]
    assert found, f"expected {code} at [{sheet}!{row}, {column}]\n{describe(result)}"
    issue = found[0]
    if value is not ...:
        assert issue.value == value, describe(result)
    if severity is not None:
        assert issue.severity == severity, describe(result)
    assert issue.message.strip(), "an issue must say in Russian what to do"
    return issue


def assert_no_issue(result: Any, code: str) -> None:
    assert not issues_of(result, code), describe(result)


def serious(result: Any) -> list[Issue]:
    """Issues a school must look at: fatal, error and warning."""
    return [i for i in result.issues if i.severity in ("fatal", "error", "warning")]


def assert_clean(result: Any, counts: dict[str, int] | None = None) -> None:
    """Accepted, nothing but info notes, and every row written goes into the consolidation."""
    assert result.status == "accepted", describe(result)
    assert serious(result) == [], describe(result)
    assert result.counts == (counts or BASE_COUNTS), describe(result)


def assert_rejected(result: Any, code: str) -> Issue:
    assert result.status == "rejected", describe(result)
    assert result.counts == {"mentors": 0, "mentees": 0, "links": 0}, describe(result)
    found = issues_of(result, code)
    assert found, describe(result)
    assert all(i.severity == "fatal" for i in found), describe(result)
    return found[0]


def counts_minus(**drop: int) -> dict[str, int]:
    return {key: value - drop.get(key, 0) for key, value in BASE_COUNTS.items()}


# --- a form as clerks merge it ---------------------------------------------------------------
def merge_like_a_clerk(form: FormBuilder) -> Callable[[openpyxl.Workbook], None]:
    """Merge cells as clerks do, and return the edit that merges them in the saved workbook.

    Group № 1 on «Пары и группы» gets its «№ пары/группы», «ФИО наставника», form, kind,
    order, start, status and programme merged down its two rows; one «да» is merged over the
    three teachers' «Обучение …», «Письменное согласие …» and «Согласие на обработку ПДн»
    (three rows by three columns), and down all mentees' consent; the two pupils' «законным
    представителем» is merged. The builder keeps only each merge's first cell, as a merged
    workbook does; the form means exactly the clean form.
    """
    from openpyxl.utils import get_column_letter

    group = form.link_row(PETROVA, ORLOVA)
    pupils = sorted(form.row_of(MENTEES, who) for who in (VOLKOV, LEBEDEVA))
    assert pupils[1] == pupils[0] + 1
    # (sheet, first column, last column, first row, last row)
    merges = [(LINKS, column, column, group, group + 1)
              for column in (PAIR_ID, MENTOR_NAME, FORM, KIND, ORDER_NUMBER, ORDER_DATE, START,
                             STATUS, PROGRAM)]
    teachers = sorted(form.row_of(MENTORS, who) for who in (PETROVA, SOKOLOV, KUZNETSOVA))
    assert teachers == list(range(teachers[0], teachers[0] + 3))
    merges += [(MENTORS, TRAINED, PD_CONSENT, teachers[0], teachers[-1]),
               (MENTEES, PD_CONSENT, PD_CONSENT, form.rows(MENTEES)[0], form.rows(MENTEES)[-1]),
               (MENTEES, CONSENT_BY, CONSENT_BY, *pupils)]
    cells = []
    for sheet, first, last, top, bottom in merges:
        headers = form.tables[sheet]["headers"]
        left, right = headers.index(first), headers.index(last)
        value = form.get(sheet, top, first)
        for row in range(top, bottom + 1):
            for col in range(left, right + 1):
                assert form.get(sheet, row, headers[col]) == value, (sheet, row, headers[col])
                if (row, col) != (top, left):
                    form.set(sheet, row, headers[col], None)
        cells.append((sheet, f"{get_column_letter(left + 1)}{top}:"
                             f"{get_column_letter(right + 1)}{bottom}"))

    def edit(book: openpyxl.Workbook) -> None:
        for sheet, ref in cells:
            book[sheet].merge_cells(ref)

    return edit


def table_start(sheet: Any, first_header: str) -> int:
    """The Excel row of a table's header on `sheet`: the first row whose column A holds
    `first_header` (an output sheet may open with a title block)."""
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == first_header:
            return row[0].row
    raise AssertionError(f"no header «{first_header}» on «{sheet.title}»")


# --- the page's browser (tests/test_web*.py): one Chromium for the whole session --------
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _no_browser(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the page's tests (apt-get install chromium; "
                    "pip install playwright)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed")
    if not Path(CHROMIUM).is_file():
        _no_browser(f"Chromium is missing at {CHROMIUM}")
    with sync_playwright() as p:
        found = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield found
        found.close()
