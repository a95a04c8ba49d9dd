"""One definition per column of the school form (SPEC §2).

Everything that knows about a column (the template, the reader, the pandera schemas, the
messages, the district workbook) reads it from here. Adding a column is one edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from schemas import vocab as v

# How a cell is read (pipeline/values.py) and checked (schemas/sheets.py).
Kind = Literal[
    "skip",  # read and ignored (the running «№»)
    "text",
    "code",  # an identifier typed by a person (school code, pair number)
    "name",  # a person's full name: 2–4 Cyrillic words
    "enum",
    "yesno",
    "int",
    "date",
    "month",  # a reporting period, YYYY-MM
    "email",
    "class",  # a school class: 1–11 with an optional letter
]

# The formats a readable value must have (checked by the pandera schemas, schemas/sheets.py).
_NAME_WORD = r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)*"
NAME_RE = rf"{_NAME_WORD}(?: {_NAME_WORD}){{1,3}}"  # 2–4 Cyrillic words, hyphens allowed
CLASS_RE = r"(?:1[01]|[1-9])[А-ЯЁ]?"  # «10Б»
EMAIL_RE = r"[^@\s]+@[^@\s]+\.[^@\s]+"
MONTH_RE = r"\d{4}-(?:0[1-9]|1[0-2])"  # «2026-11»


@dataclass(frozen=True)
class Column:
    key: str  # identifier in code and frames
    header: str  # the Russian header (or Титул label) as the template writes it
    kind: Kind
    required: bool = False
    # categories of the sheet's «Категория» for which the column is required
    required_for: frozenset[str] = frozenset()
    vocab: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    # another column of the same sheet this one may not exceed (e.g. young specialists ≤ total)
    at_most: str | None = None
    hint: str = ""  # plain Russian: what to put here; shown in the template and in messages
    width: int = 18
    personal: bool = False  # names a person: never leaves the district without consent

    @property
    def optional(self) -> bool:
        return not self.required and not self.required_for


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str
    columns: tuple[Column, ...]
    layout: Literal["table", "keyvalue"] = "table"
    category: str | None = None  # key of the column that decides conditional requirements
    aliases: tuple[str, ...] = ()
    fixed_rows: tuple[str, ...] = ()  # pre-printed first-column values (Документы)
    description: str = ""  # what the sheet is for, in the words of the instruction
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})

    def column(self, key: str) -> Column:
        return self.by_key[key]

    @property
    def data_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.kind != "skip")


def _cats(*names: str) -> frozenset[str]:
    return frozenset(names)


_NAME_HINT = "Фамилия Имя Отчество кириллицей, например: Иванова Анна Сергеевна"
_NAME_ALIASES = ("Ф.И.О.", "ФИО полностью", "Фамилия, имя, отчество", "Фамилия Имя Отчество")
_YESNO_HINT = "Выберите «да» или «нет»"
_EXPERIENCE_ALIASES = ("Педагогический стаж", "Стаж, лет", "Стаж", "Пед. стаж", "Пед. стаж, лет",
                       "Педстаж", "Стаж педагогической работы")
_PD_ALIASES = ("Согласие на обработку персональных данных", "Согласие ПДн", "Согласие на ПДн",
               "Согласие на обработку ПД", "Согл. ПДн")
_MENTOR_TEACHERS = _cats(v.MENTOR_TEACHER, v.MENTOR_HEAD)
_MENTEE_TEACHERS = frozenset(v.MENTEE_TEACHER_CATEGORIES)
_PUPIL_OR_STUDENT_MENTOR = _cats(v.MENTOR_PUPIL, v.MENTOR_STUDENT)
_PUPIL_OR_STUDENT_MENTEE = _cats(v.MENTEE_PUPIL, v.MENTEE_STUDENT)

TITLE = Sheet(
    key="title",
    name="Титул",
    description="сведения о школе и отчётном месяце, численность педагогов и обучающихся, "
                "куратор наставничества.",
    layout="keyvalue",
    columns=(
        Column("school_code", "Код ОО", "code", required=True, aliases=("Код школы", "Код организации"),
               hint="Код вашей школы из реестра района, например: ОО-07"),
        Column("school_name", "Наименование ОО", "text", required=True,
               aliases=("Наименование школы", "Образовательная организация", "Название ОО"),
               hint="Полное или краткое наименование школы"),
        Column("municipality", "Муниципальное образование", "text", required=True,
               aliases=("Муниципалитет", "Район", "Муниципальный район"),
               hint="Район или городской округ"),
        Column("period", "Отчётный период", "month", required=True,
               aliases=("Период", "Отчетный месяц", "Месяц"),
               hint="Месяц отчёта в виде ГГГГ-ММ, например: 2026-11"),
        Column("curator", "Куратор (ФИО)", "text", required=True,
               aliases=("Куратор", "ФИО куратора", "Ответственный"),
               hint="ФИО куратора наставничества в школе", personal=True),
        Column("curator_phone", "Телефон куратора", "text", aliases=("Телефон",),
               hint="Например: +7 (391) 123-45-67", personal=True),
        Column("curator_email", "E-mail куратора", "email",
               aliases=("Электронная почта куратора", "Email куратора", "E-mail", "Почта"),
               hint="Адрес электронной почты, например: kurator@school.ru", personal=True),
        Column("teachers_total", "Педагогических работников, всего", "int", required=True, min=0,
               aliases=("Педагогов, всего", "Педагогических работников"),
               hint="Целое число, 0 или больше"),
        Column("young_specialists", "Из них молодых специалистов (стаж 0–3 года)", "int",
               required=True, min=0, at_most="teachers_total",
               aliases=("Молодых специалистов", "Из них молодых специалистов"),
               hint="Целое число, не больше числа педагогических работников"),
        Column("pupils_total", "Обучающихся, всего", "int", required=True, min=0,
               aliases=("Обучающихся", "Учащихся, всего", "Численность обучающихся"),
               hint="Целое число, 0 или больше"),
        Column("pupils_10_18", "Обучающихся в возрасте 10–18 лет", "int", required=True, min=0,
               at_most="pupils_total", aliases=("Обучающихся 10–18 лет", "Учащихся 10–18 лет"),
               hint="Целое число, не больше числа обучающихся"),
        Column("pupils_15_19", "Обучающихся в возрасте 15–19 лет", "int", required=True, min=0,
               at_most="pupils_total", aliases=("Обучающихся 15–19 лет", "Учащихся 15–19 лет"),
               hint="Целое число, не больше числа обучающихся"),
        Column("filled_on", "Дата заполнения", "date", aliases=("Дата",),
               hint="Дата в виде ДД.ММ.ГГГГ"),
    ),
)

# The key under which a form's «Титул» values carry the Excel row of each label (the district
# places a finding about a «Титул» number at its cell)
TITLE_ROWS = "_rows"

MENTORS = Sheet(
    key="mentors",
    name="Наставники",
    description="база наставников: одна строка — один наставник.",
    category="category",
    aliases=("База наставников", "Наставник"),
    columns=(
        Column("number", "№", "skip", aliases=("№ п/п", "N", "No", "Номер"), width=5),
        Column("full_name", "ФИО", "name", required=True, aliases=_NAME_ALIASES,
               hint=_NAME_HINT, width=32, personal=True),
        Column("category", "Категория", "enum", required=True, vocab=v.MENTOR_CATEGORIES,
               aliases=("Категория наставника",), hint="Выберите категорию из списка", width=26),
        Column("position", "Должность", "text", required_for=_cats(v.MENTOR_TEACHER, v.MENTOR_HEAD,
               v.MENTOR_EMPLOYER), hint="Например: учитель математики", width=24),
        Column("school_class", "Класс", "class", required_for=_cats(v.MENTOR_PUPIL),
               hint="Номер класса 1–11 и буква, например: 10Б", width=8),
        Column("age", "Возраст, лет", "int", required_for=_PUPIL_OR_STUDENT_MENTOR, min=10, max=99,
               aliases=("Возраст",), hint="Целое число от 10 до 99", width=10),
        Column("experience", "Педагогический стаж, лет", "int", required_for=_MENTOR_TEACHERS,
               min=0, max=70, aliases=_EXPERIENCE_ALIASES,
               hint="Целое число лет от 0 до 70", width=17),
        Column("qualification", "Квалификационная категория", "enum", vocab=v.QUALIFICATIONS,
               aliases=("Квалификация", "Кв. категория", "Квал. категория", "Квалиф. категория",
                        "Кв. кат."), hint="Выберите из списка", width=22),
        Column("organization", "Организация", "text",
               required_for=_cats(v.MENTOR_STUDENT, v.MENTOR_EMPLOYER),
               aliases=("Место работы / учёбы", "Место работы", "Место учёбы"),
               hint="Вуз, колледж или предприятие", width=24),
        Column("trained", "Обучение наставников пройдено", "yesno", required=True, vocab=v.YES_NO,
               aliases=("Обучение пройдено", "Прошёл обучение", "Обучение наставников", "Обучение",
                        "Обучен"), hint=_YESNO_HINT, width=14),
        Column("mentoring_consent", "Письменное согласие на наставничество", "yesno",
               required_for=_MENTOR_TEACHERS, vocab=v.YES_NO,
               aliases=("Согласие на наставничество", "Письменное согласие", "Письм. согласие",
                        "Согласие на наст-во"), hint=_YESNO_HINT, width=16),
        Column("pd_consent", "Согласие на обработку ПДн", "yesno", required=True, vocab=v.YES_NO,
               aliases=_PD_ALIASES,
               hint=_YESNO_HINT, width=14),
    ),
)

MENTEES = Sheet(
    key="mentees",
    name="Наставляемые",
    description="база наставляемых: одна строка — один наставляемый.",
    category="category",
    aliases=("База наставляемых", "Наставляемый"),
    columns=(
        Column("number", "№", "skip", aliases=("№ п/п", "N", "No", "Номер"), width=5),
        Column("full_name", "ФИО", "name", required=True, aliases=_NAME_ALIASES,
               hint=_NAME_HINT, width=32, personal=True),
        Column("category", "Категория", "enum", required=True, vocab=v.MENTEE_CATEGORIES,
               aliases=("Категория наставляемого",), hint="Выберите категорию из списка",
               width=34),
        Column("position", "Должность", "text", required_for=_MENTEE_TEACHERS,
               hint="Например: учитель начальных классов", width=24),
        Column("school_class", "Класс", "class", required_for=_cats(v.MENTEE_PUPIL),
               hint="Номер класса 1–11 и буква, например: 7А", width=8),
        Column("age", "Возраст, лет", "int", required_for=_PUPIL_OR_STUDENT_MENTEE, min=6, max=99,
               aliases=("Возраст",), hint="Целое число от 6 до 99", width=10),
        Column("experience", "Педагогический стаж, лет", "int", required_for=_MENTEE_TEACHERS,
               min=0, max=70, aliases=_EXPERIENCE_ALIASES,
               hint="Целое число лет от 0 до 70", width=17),
        Column("request", "Профессиональный запрос", "text",
               aliases=("Запрос", "Запрос наставляемого"),
               hint="С чем нужна помощь, коротко", width=30),
        Column("pd_consent", "Согласие на обработку ПДн", "yesno", required=True, vocab=v.YES_NO,
               aliases=_PD_ALIASES,
               hint=_YESNO_HINT, width=14),
        Column("consent_by", "Согласие дано", "enum", vocab=v.CONSENT_BY,
               aliases=("Кем дано согласие",),
               hint="«лично» или «законным представителем» (для несовершеннолетних)", width=18),
    ),
)

LINKS = Sheet(
    key="links",
    name="Пары и группы",
    description="наставнические пары и группы: одна строка — одна связь «наставник — "
                "наставляемый».",
    aliases=("Наставнические пары", "Пары", "Наставнические пары и группы", "Пары/группы"),
    columns=(
        Column("pair_id", "№ пары/группы", "code", required=True,
               aliases=("№ пары", "№ группы", "Номер пары", "№ пары (группы)"),
               hint="Номер пары; у всех строк одной группы один номер", width=14),
        Column("mentor_name", "ФИО наставника", "name", required=True,
               aliases=("Наставник", "Ф.И.О. наставника"),
               hint="Как на листе «Наставники»", width=32, personal=True),
        Column("mentee_name", "ФИО наставляемого", "name", required=True,
               aliases=("Наставляемый", "Ф.И.О. наставляемого"),
               hint="Как на листе «Наставляемые»", width=32, personal=True),
        Column("form", "Форма наставничества", "enum", required=True, vocab=v.FORMS,
               aliases=("Форма",), hint="Выберите форму из списка", width=26),
        Column("kind", "Вид наставничества", "enum", vocab=v.KINDS, aliases=("Вид",),
               hint="Выберите вид из списка", width=26),
        Column("order_number", "Приказ о закреплении, №", "text",
               aliases=("№ приказа", "Номер приказа"), hint="Номер приказа", width=15),
        Column("order_date", "Приказ о закреплении, дата", "date",
               aliases=("Дата приказа",), hint="Дата приказа, не позже даты начала", width=15),
        Column("start", "Дата начала", "date", required=True,
               aliases=("Начало", "Дата начала работы", "Дата нач.", "Дата начала наставничества"),
               hint="Дата в виде ДД.ММ.ГГГГ, не позже конца отчётного месяца", width=12),
        Column("end", "Дата окончания", "date",
               aliases=("Окончание", "Дата завершения", "Дата оконч.", "Дата заверш.",
                        "Дата окончания наставничества"),
               hint="Обязательна, если пара завершена или прекращена", width=12),
        Column("status", "Статус", "enum", required=True, vocab=v.STATUSES,
               aliases=("Статус пары",), hint="Выберите статус из списка", width=18),
        Column("personal_program", "Персонализированная программа", "yesno", vocab=v.YES_NO,
               aliases=("Программа", "ИППН", "Персон. программа", "Персонализированная программа "
                        "наставничества"), hint=_YESNO_HINT, width=23),
        Column("mentor_satisfaction", "Удовлетворённость наставника (1–10)", "int", min=1, max=10,
               aliases=("Удовлетворённость наставника", "Удовл. наставника"),
               hint="Оценка от 1 до 10; заполните, когда пара завершена", width=21),
        Column("mentee_satisfaction", "Удовлетворённость наставляемого (1–10)", "int",
               min=1, max=10, aliases=("Удовлетворённость наставляемого", "Удовл. наставляемого"),
               hint="Оценка от 1 до 10; заполните, когда пара завершена", width=21),
    ),
)

DOCUMENTS = Sheet(
    key="documents",
    name="Документы",
    description="нормативная база школы: отметьте, какие документы приняты, и укажите "
                "их реквизиты.",
    fixed_rows=v.DOCUMENTS,
    columns=(
        Column("document", "Документ", "enum", required=True, vocab=v.DOCUMENTS,
               aliases=("Наименование документа",), width=46),
        Column("present", "Наличие (да/нет)", "yesno", required=True, vocab=v.YES_NO,
               aliases=("Наличие",), hint=_YESNO_HINT, width=12),
        Column("details", "Реквизиты (№, дата)", "text", aliases=("Реквизиты",),
               hint="Номер и дата документа", width=24),
        Column("url", "Ссылка на сайте", "text", aliases=("Ссылка",),
               hint="Адрес страницы на сайте школы", width=40),
    ),
)

# The data sheets of the form, in the order the form has them.
FORM_SHEETS: tuple[Sheet, ...] = (TITLE, MENTORS, MENTEES, LINKS, DOCUMENTS)
SHEETS_BY_KEY = {s.key: s for s in FORM_SHEETS}

# Optional (older forms lack it): the school explains a warning that is true for a reason,
# one line per warning, found by its sheet, row and code (pipeline/justify.py). The codes'
# drop-down is filled from pipeline/issues.py, which this layer cannot see.
JUSTIFICATIONS = Sheet(
    key="justifications",
    name="Пояснения",
    description="пояснения к предупреждениям, которые верны по существу (например, групповое "
                "наставничество по приказу): лист, строка и код замечания из файла "
                "замечаний и текст пояснения. Ошибки пояснить нельзя — их нужно исправить.",
    columns=(
        Column("number", "№", "skip", width=5),
        Column("sheet", "Лист", "enum", required=True,
               vocab=tuple(s.name for s in FORM_SHEETS),
               hint="Лист, на котором предупреждение", width=20),
        Column("row", "Строка", "int", min=1, max=1_048_576,
               hint="Номер строки из файла замечаний; для всего листа оставьте пустым",
               width=10),
        Column("code", "Код замечания", "code", required=True,
               aliases=("Код", "Код предупреждения"),
               hint="Код из столбца «Код» файла замечаний, например mentor-overload",
               width=30),
        Column("text", "Пояснение", "text", required=True,
               hint="Почему это верно, например: групповое наставничество по приказу № 12 "
                    "от 01.09.2026", width=70),
    ),
)
INSTRUCTIONS_SHEET = "Инструкция"
LISTS_SHEET = "Справочники"
IGNORED_SHEETS = (INSTRUCTIONS_SHEET, LISTS_SHEET)

# Provenance columns every frame of many files carries: which file (its index in the run)
# and which Excel row; and whether the row is kept (False: it has an error and is left out).
FORM_COL = "_form"
ROW_COL = "_row"
KEEP_COL = "_ok"

# The workbook's identity (custom document properties, SPEC §2).
FORM_ID = "school-monthly"
FORM_VERSION = 1
PROP_FORM = "nastavnik.form"
PROP_VERSION = "nastavnik.version"
PROP_SCHOOL = "nastavnik.school_code"
PROP_PERIOD = "nastavnik.period"

# The district registry (schools.xlsx, SPEC §1).
REGISTRY = Sheet(
    key="registry",
    name="Реестр ОО",
    columns=(
        Column("school_code", "Код ОО", "code", required=True, width=10),
        Column("school_name", "Наименование ОО", "text", required=True, width=50),
        Column("school_type", "Тип ОО", "text", width=14),
        Column("email", "E-mail", "email", width=28),
        Column("active_from", "Действует с", "date", width=14),
        Column("active_to", "Действует по", "date", width=14),
    ),
)
