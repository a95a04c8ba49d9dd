"""The vocabularies of the school form (SPEC §2): the only place their Russian values live."""

from __future__ import annotations

# Mentor categories (SPEC §2.2).
MENTOR_TEACHER = "педагог"
MENTOR_HEAD = "руководитель ОО"
MENTOR_PUPIL = "обучающийся"
MENTOR_STUDENT = "студент"
MENTOR_EMPLOYER = "представитель работодателя"
MENTOR_OTHER = "иное"
MENTOR_CATEGORIES = (
    MENTOR_TEACHER,
    MENTOR_HEAD,
    MENTOR_PUPIL,
    MENTOR_STUDENT,
    MENTOR_EMPLOYER,
    MENTOR_OTHER,
)

# Mentee categories (SPEC §2.3); the first five are the «педагог» categories.
MENTEE_YOUNG = "молодой специалист (стаж 0–3 года)"
MENTEE_NEW = "вновь принятый педагог"
MENTEE_NEW_POST = "педагог на новой должности"
MENTEE_DIFFICULTY = "педагог с профессиональными затруднениями"
MENTEE_TEACHER_OTHER = "педагог (иное)"
MENTEE_PUPIL = "обучающийся"
MENTEE_STUDENT = "студент"
MENTEE_TEACHER_CATEGORIES = (
    MENTEE_YOUNG,
    MENTEE_NEW,
    MENTEE_NEW_POST,
    MENTEE_DIFFICULTY,
    MENTEE_TEACHER_OTHER,
)
MENTEE_CATEGORIES = (*MENTEE_TEACHER_CATEGORIES, MENTEE_PUPIL, MENTEE_STUDENT)

QUALIFICATIONS = (
    "высшая",
    "первая",
    "соответствие занимаемой должности",
    "без категории",
    "педагог-методист",
    "педагог-наставник",
)

CONSENT_BY = ("лично", "законным представителем")

# Forms of mentoring (SPEC §2.4) with the categories each side may have (form-role-mismatch).
FORM_TEACHER_TEACHER = "учитель – учитель"
FORM_HEAD_TEACHER = "руководитель ОО – учитель"
FORM_PUPIL_PUPIL = "ученик – ученик"
FORM_TEACHER_PUPIL = "учитель – ученик"
FORM_STUDENT_PUPIL = "студент – ученик"
FORM_EMPLOYER_PUPIL = "работодатель – ученик"
FORM_STUDENT_STUDENT = "студент – студент"
FORM_EMPLOYER_STUDENT = "работодатель – студент"
FORM_OTHER = "иное"

_TEACHERS = (MENTOR_TEACHER, MENTOR_HEAD)
# form -> (allowed mentor categories, allowed mentee categories); None means any.
FORM_ROLES: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...] | None]] = {
    FORM_TEACHER_TEACHER: (_TEACHERS, MENTEE_TEACHER_CATEGORIES),
    FORM_HEAD_TEACHER: ((MENTOR_HEAD,), MENTEE_TEACHER_CATEGORIES),
    FORM_PUPIL_PUPIL: ((MENTOR_PUPIL,), (MENTEE_PUPIL,)),
    FORM_TEACHER_PUPIL: (_TEACHERS, (MENTEE_PUPIL,)),
    FORM_STUDENT_PUPIL: ((MENTOR_STUDENT,), (MENTEE_PUPIL,)),
    FORM_EMPLOYER_PUPIL: ((MENTOR_EMPLOYER,), (MENTEE_PUPIL,)),
    FORM_STUDENT_STUDENT: ((MENTOR_STUDENT,), (MENTEE_STUDENT,)),
    FORM_EMPLOYER_STUDENT: ((MENTOR_EMPLOYER,), (MENTEE_STUDENT,)),
    FORM_OTHER: (None, None),
}
FORMS = tuple(FORM_ROLES)
# Teacher pairs are expected to last 3 to 12 months (program-duration).
TEACHER_FORMS = (FORM_TEACHER_TEACHER, FORM_HEAD_TEACHER)

KINDS = (
    "традиционное (один на один)",
    "групповое",
    "виртуальное (дистанционное)",
    "краткосрочное (целеполагающее)",
    "реверсивное",
    "ситуационное",
    "скоростное",
    "иное",
)

STATUS_ACTIVE = "действует"
STATUS_FINISHED = "завершена"
STATUS_STOPPED = "прекращена досрочно"
STATUSES = (STATUS_ACTIVE, STATUS_FINISHED, STATUS_STOPPED)

YES = "да"
NO = "нет"
YES_NO = (YES, NO)
YES_WORDS = frozenset({"да", "д", "yes", "y", "1", "+", "✓", "✔", "v", "true", "истина"})
NO_WORDS = frozenset({"нет", "н", "no", "n", "0", "-", "false", "ложь"})

DOCUMENTS = (
    "Положение о наставничестве",
    "Дорожная карта (план мероприятий)",
    "Приказ о назначении куратора",
    "Приказ о закреплении наставнических пар/групп",
    "Раздел «Наставничество» на официальном сайте",
)

# The district registry's school types (schools.xlsx, «Тип ОО»); free text is accepted too.
SCHOOL_TYPES = ("СОШ", "ООШ", "НОШ", "гимназия", "лицей", "школа-интернат", "ЦО")

MONTHS_NOMINATIVE = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)
