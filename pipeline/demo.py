"""A fictional district for `nastavnik demo`: a workspace and three months of school forms.

Every person, school and organisation here is invented; everything, the files' receipt times
(their modification times) included, is deterministic for a seed and a period. The first
month is clean, the previous month the first lived on: clean but for two schools; the month itself is the previous one lived on: pairs carried
over, finished and new, one dropped without a word, a school closed, one silent, one late, one
resubmitting, and the mistakes of `SCHOOL_WITH_MISTAKES` and `SCHOOL_WITH_WRONG_PERIOD`.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.template import TABLE_HEADER_ROW, template_filename, write_form
from pipeline.workspace import (
    School,
    Workspace,
    deadline,
    init_workspace,
    next_month_start,
    previous_period,
)
from schemas import vocab as v
from schemas.columns import MENTEES

DISTRICT = "Берёзовский муниципальный округ"
REGION = "Приреченская область"
DEADLINE_DAY = 5

SCHOOLS = (
    School("ОО-01", "МБОУ «Берёзовская СОШ № 1»", "СОШ", "sosh1@berezovka.example.ru"),
    School("ОО-02", "МБОУ «Берёзовская СОШ № 2»", "СОШ", "sosh2@berezovka.example.ru"),
    School("ОО-03", "МБОУ «Гимназия № 3»", "гимназия", "gymn3@berezovka.example.ru"),
    School("ОО-04", "МБОУ «Лицей № 4»", "лицей", "licey4@berezovka.example.ru"),
    School("ОО-05", "МБОУ «Берёзовская СОШ № 5»", "СОШ", "sosh5@berezovka.example.ru"),
    School("ОО-06", "МБОУ «Заречная СОШ»", "СОШ", "zarechnaya@berezovka.example.ru"),
    School("ОО-07", "МБОУ «Сосновская СОШ»", "СОШ", "sosnovka@berezovka.example.ru"),
    School("ОО-08", "МБОУ «Ключевская ООШ»", "ООШ", "klyuchi@berezovka.example.ru"),
    School("ОО-09", "МБОУ «Каменская СОШ»", "СОШ", "kamenka@berezovka.example.ru"),
    School("ОО-10", "МБОУ «Озёрная ООШ»", "ООШ", "ozernaya@berezovka.example.ru"),
    School("ОО-11", "МБОУ «Центр образования № 11»", "ЦО", "co11@berezovka.example.ru"),
    School("ОО-12", "МБОУ «Берёзовская школа-интернат»", "школа-интернат",
           "internat@berezovka.example.ru"),
    School("ОО-13", "МБОУ «Полянская ООШ»", "ООШ", "polyana@berezovka.example.ru"),
    School("ОО-14", "МБОУ «Сосновоборская СОШ»", "СОШ", "sosnovybor@berezovka.example.ru"),
)
# What each school does; «the month» is `period`, «last month» the one before it.
SCHOOL_MISSING = "ОО-13"  # last month late, this month nothing at all
SCHOOL_LATE_LAST_MONTH = SCHOOL_MISSING
SCHOOL_WITH_MISTAKES = "ОО-05"  # row-level errors and a warning (two of them last month too)
SCHOOL_WITH_WRONG_PERIOD = "ОО-11"  # a pupil without consent; this month resends last month's file
SCHOOL_CLOSED = "ОО-10"  # closed on the last day of last month (registry «Действует по»)
SCHOOL_RESUBMITTING = "ОО-03"  # a file with an error, then a corrected one
SCHOOL_LATE = "ОО-08"  # this month's file comes after the deadline
SCHOOL_LOSING_PAIR = "ОО-06"  # an active pair disappears from its list, never marked finished
SCHOOL_JUSTIFYING = "ОО-09"  # this month: a pupil without consent yet, a warning it justifies
SCHOOL_JUMPING = "ОО-12"  # this month: ten times last month's pupils (history-jump)
RESUBMISSION_SUFFIX = " исправлено"

# How schools name the files they send (the office keeps them as received).
_FILE_NAMES = (
    "{template}",
    "Наставничество {code} {month}.xlsx",
    "{code}_наставничество_{period}.xlsx",
    "Отчёт по наставничеству {short}.xlsx",
)

# --- people -------------------------------------------------------------------------------

_SURNAMES = (
    "Абрамов", "Акимов", "Александров", "Алексеев", "Андреев", "Антонов", "Афанасьев",
    "Баранов", "Белов", "Беляев", "Бирюков", "Блинов", "Богданов", "Борисов", "Быков",
    "Васильев", "Виноградов", "Власов", "Волков", "Воробьёв", "Воронин", "Гаврилов", "Галкин",
    "Герасимов", "Голубев", "Гончаров", "Горбунов", "Грачёв", "Григорьев", "Гришин", "Громов",
    "Гусев", "Давыдов", "Данилов", "Демидов", "Денисов", "Дмитриев", "Егоров", "Ежов",
    "Елисеев", "Ермаков", "Ефимов", "Жданов", "Журавлёв", "Зайцев", "Захаров", "Зуев",
    "Ильин", "Исаев", "Казаков", "Калинин", "Карпов", "Киселёв", "Климов", "Ковалёв",
    "Козлов", "Колесников", "Комаров", "Кондратьев", "Коновалов", "Королёв", "Котов",
    "Крылов", "Кудрявцев", "Кузьмин", "Куликов", "Лазарев", "Лебедев", "Леонов", "Логинов",
    "Лукин", "Макаров", "Максимов", "Мартынов", "Маслов", "Матвеев", "Медведев", "Мельников",
    "Миронов", "Михеев", "Моисеев", "Морозов", "Назаров", "Наумов", "Нестеров", "Никитин",
    "Никифоров", "Новиков", "Орлов", "Осипов", "Павлов", "Панов", "Пестов", "Поляков",
    "Пономарёв", "Потапов", "Прохоров", "Родионов", "Рожков", "Романов", "Рыбаков", "Савельев",
    "Савин", "Сафонов", "Селезнёв", "Семёнов", "Симонов", "Скворцов", "Соболев", "Соколов",
    "Соловьёв", "Сорокин", "Степанов", "Субботин", "Тарасов", "Тимофеев", "Титов", "Тихонов",
    "Третьяков", "Трофимов", "Фёдоров", "Филатов", "Филиппов", "Фомин", "Фролов", "Харитонов",
    "Хохлов", "Цветков", "Чернов", "Шаров", "Широков", "Щукин", "Юдин", "Яковлев",
    "Вознесенский", "Покровский", "Троицкий", "Успенский", "Бондаренко", "Кравченко",
    "Шевчук", "Черных", "Седых",
)
_MALE_NAMES = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Виктор",
    "Владимир", "Глеб", "Даниил", "Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь",
    "Илья", "Кирилл", "Константин", "Лев", "Максим", "Марк", "Матвей", "Михаил", "Никита",
    "Николай", "Олег", "Павел", "Роман", "Сергей", "Степан", "Тимофей", "Фёдор", "Юрий",
    "Ярослав",
)
_FEMALE_NAMES = (
    "Алина", "Алиса", "Анастасия", "Анна", "Валентина", "Валерия", "Варвара", "Вера",
    "Вероника", "Виктория", "Галина", "Дарья", "Диана", "Евгения", "Екатерина", "Елена",
    "Елизавета", "Ирина", "Карина", "Ксения", "Лариса", "Любовь", "Людмила", "Маргарита",
    "Марина", "Мария", "Милана", "Надежда", "Наталья", "Нина", "Оксана", "Ольга", "Полина",
    "Светлана", "София", "Татьяна", "Ульяна", "Юлия",
)
# (male, female) patronymics of one father's name.
_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"),
    ("Анатольевич", "Анатольевна"), ("Андреевич", "Андреевна"), ("Васильевич", "Васильевна"),
    ("Викторович", "Викторовна"), ("Владимирович", "Владимировна"),
    ("Геннадьевич", "Геннадьевна"), ("Дмитриевич", "Дмитриевна"), ("Евгеньевич", "Евгеньевна"),
    ("Иванович", "Ивановна"), ("Игоревич", "Игоревна"), ("Ильич", "Ильинична"),
    ("Константинович", "Константиновна"), ("Максимович", "Максимовна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"), ("Петрович", "Петровна"), ("Романович", "Романовна"),
    ("Сергеевич", "Сергеевна"), ("Фёдорович", "Фёдоровна"), ("Юрьевич", "Юрьевна"),
)

_SUBJECTS = (
    "математики", "русского языка и литературы", "истории и обществознания", "физики",
    "химии", "биологии", "географии", "английского языка", "информатики",
    "физической культуры", "музыки", "изобразительного искусства", "технологии",
    "начальных классов",
)
_OTHER_POSTS = ("педагог-психолог", "учитель-логопед", "социальный педагог",
                "педагог дополнительного образования", "педагог-организатор")
_HEAD_POSTS = ("заместитель директора по учебно-воспитательной работе",
               "заместитель директора по воспитательной работе", "директор")
_TEACHER_REQUESTS = (
    "планирование и проведение урока", "дисциплина на уроке", "работа с родителями",
    "классное руководство", "подготовка обучающихся к ОГЭ", "оценивание и обратная связь",
    "работа с детьми с ОВЗ", "ведение школьной документации", "проектная деятельность",
)
_PUPIL_REQUESTS = (
    "подготовка к олимпиаде по математике", "адаптация в новом классе",
    "повышение успеваемости по русскому языку", "профессиональная ориентация",
    "проектная деятельность", "подготовка к научно-практической конференции",
    "развитие лидерских качеств",
)
_UNIVERSITIES = (
    "Приреченский государственный педагогический университет",
    "Берёзовский педагогический колледж",
)
_EMPLOYERS = (
    ("инженер-технолог", "АО «Берёзовский машиностроительный завод»"),
    ("ведущий специалист", "ООО «Агрофирма „Заречье“»"),
    ("мастер участка", "ООО «Приреченская лесная компания»"),
    ("инженер-программист", "ООО «Берёзовские цифровые системы»"),
)
_LETTERS = "АБВГ"
_MAX_MENTEES = 30
_GROUP_KIND = "групповое"
# how often a one-to-one pair is of each kind of v.KINDS (mostly the traditional one)
_KIND_WEIGHTS = tuple({"традиционное (один на один)": 80, "виртуальное (дистанционное)": 6,
                       "краткосрочное (целеполагающее)": 6, "реверсивное": 4,
                       "ситуационное": 4}.get(kind, 0) for kind in v.KINDS)
assert _GROUP_KIND in v.KINDS and sum(_KIND_WEIGHTS) == 100


def _feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    return surname  # Шевчук, Кравченко, Черных


class _Names:
    """Full names unique across the whole district (no cross-school duplicates)."""

    surnames, male_names, female_names, patronymics = (
        _SURNAMES, _MALE_NAMES, _FEMALE_NAMES, _PATRONYMICS)

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self, female: bool | None = None) -> str:
        rng = self.rng
        for _ in range(1000):
            is_female = rng.random() < 0.5 if female is None else female
            surname = rng.choice(self.surnames)
            first = rng.choice(self.female_names if is_female else self.male_names)
            patronymic = rng.choice(self.patronymics)[1 if is_female else 0]
            name = f"{_feminine(surname) if is_female else surname} {first} {patronymic}"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("имена для демонстрации закончились")


# --- one school's form --------------------------------------------------------------------


@dataclass
class _Form:
    title: dict[str, Any] = field(default_factory=dict)
    mentors: list[dict[str, Any]] = field(default_factory=list)
    mentees: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    justifications: list[dict[str, Any]] = field(default_factory=list)  # «Пояснения»

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {"mentors": self.mentors, "mentees": self.mentees, "links": self.links,
                "documents": self.documents, "justifications": self.justifications}


@dataclass(frozen=True)
class _Profile:
    teacher_mentors: tuple[int, int]
    pupils: tuple[int, int]
    top_class: int  # 9 for a basic school, 11 otherwise


_PROFILES = {
    "ООШ": _Profile((4, 6), (90, 240), 9),
    "СОШ": _Profile((5, 10), (380, 1100), 11),
    "гимназия": _Profile((8, 13), (700, 1200), 11),
    "лицей": _Profile((8, 13), (650, 1100), 11),
    "ЦО": _Profile((6, 10), (500, 1000), 11),
    "школа-интернат": _Profile((4, 7), (150, 300), 11),
}


class _SchoolBuilder:
    def __init__(self, rng: random.Random, names: _Names, school: School, period: str,
                 number: int) -> None:
        self.rng, self.names, self.school = rng, names, school
        self.first_day = dt.date.fromisoformat(period + "-01")
        self.last_day = next_month_start(self.first_day) - dt.timedelta(days=1)
        self.profile = _PROFILES.get(school.school_type, _PROFILES["СОШ"])
        self.number = number
        self.form = _Form()
        self.pair_no = 0

    # people

    def _teacher_post(self) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(_OTHER_POSTS)
        return "учитель " + rng.choice(_SUBJECTS)

    def teacher_mentor(self) -> dict[str, Any]:
        rng = self.rng
        return {
            "full_name": self.names.person(female=rng.random() < 0.82),
            "category": v.MENTOR_TEACHER, "position": self._teacher_post(),
            "experience": rng.randint(8, 38),
            "qualification": rng.choices(v.QUALIFICATIONS, weights=(45, 30, 3, 2, 8, 12))[0],
            "trained": v.YES if rng.random() < 0.8 else v.NO,
            "mentoring_consent": v.YES, "pd_consent": v.YES,
        }

    def head_mentor(self) -> dict[str, Any]:
        rng = self.rng
        return {
            "full_name": self.names.person(female=rng.random() < 0.7),
            "category": v.MENTOR_HEAD, "position": rng.choice(_HEAD_POSTS),
            "experience": rng.randint(15, 40),
            "qualification": rng.choice(("высшая", "первая", "соответствие занимаемой должности")),
            "trained": v.YES, "mentoring_consent": v.YES, "pd_consent": v.YES,
        }

    def pupil_mentor(self) -> dict[str, Any]:
        rng = self.rng
        grade = rng.choice((9,)) if self.profile.top_class == 9 else rng.choice((10, 11))
        age = max(15, grade + rng.choice((5, 6)))
        return {
            "full_name": self.names.person(),
            "category": v.MENTOR_PUPIL, "school_class": f"{grade}{rng.choice(_LETTERS[:2])}",
            "age": age, "trained": v.YES if rng.random() < 0.7 else v.NO, "pd_consent": v.YES,
        }

    def student_mentor(self) -> dict[str, Any]:
        rng = self.rng
        return {
            "full_name": self.names.person(), "category": v.MENTOR_STUDENT,
            "age": rng.randint(19, 22), "organization": rng.choice(_UNIVERSITIES),
            "trained": v.YES, "pd_consent": v.YES,
        }

    def employer_mentor(self) -> dict[str, Any]:
        rng = self.rng
        position, organization = rng.choice(_EMPLOYERS)
        return {
            "full_name": self.names.person(female=rng.random() < 0.4),
            "category": v.MENTOR_EMPLOYER, "position": position, "organization": organization,
            "trained": v.YES if rng.random() < 0.6 else v.NO, "pd_consent": v.YES,
        }

    def teacher_mentee(self) -> dict[str, Any]:
        rng = self.rng
        category = rng.choices(v.MENTEE_TEACHER_CATEGORIES, weights=(55, 20, 10, 10, 5))[0]
        experience = {v.MENTEE_YOUNG: rng.randint(0, 3), v.MENTEE_NEW: rng.randint(0, 20),
                      v.MENTEE_NEW_POST: rng.randint(4, 25)}.get(category, rng.randint(4, 30))
        return {
            "full_name": self.names.person(female=rng.random() < 0.8),
            "category": category, "position": self._teacher_post(), "experience": experience,
            "request": rng.choice(_TEACHER_REQUESTS), "pd_consent": v.YES,
            "consent_by": v.CONSENT_BY[0],
        }

    def pupil_mentee(self, min_age: int = 10, max_age: int | None = None) -> dict[str, Any]:
        rng = self.rng
        top = self.profile.top_class
        max_age = min(max_age or 17, top + 6)
        age = rng.randint(min(min_age, max_age), max_age)
        grade = min(top, max(4, age - rng.choice((6, 7))))
        return {
            "full_name": self.names.person(), "category": v.MENTEE_PUPIL,
            "school_class": f"{grade}{rng.choice(_LETTERS)}", "age": age,
            "request": rng.choice(_PUPIL_REQUESTS), "pd_consent": v.YES,
            "consent_by": v.CONSENT_BY[1],
        }

    # links

    def _working_day(self, day: dt.date) -> dt.date:
        while not _is_working(day):
            day -= dt.timedelta(days=1)
        return day

    def _active_start(self, *, pupils: bool) -> dt.date:
        """A working day in the last eight months; pupils do not start in the holidays."""
        holidays = (6, 7, 8) if pupils else (7,)
        for _ in range(100):
            start = self._working_day(self.last_day - dt.timedelta(
                days=self.rng.randint(8, 240)))
            if start.month not in holidays:
                break
        return start

    def _order_date(self, start: dt.date) -> dt.date:
        """The order assigning a pair comes a few days before it starts; numbers come later."""
        return self._working_day(start - dt.timedelta(days=self.rng.randint(0, 6)))

    def _number_orders(self) -> None:
        """Order numbers grow with their dates, as in a school's register of orders."""
        dates = sorted({row["order_date"] for row in self.form.links})
        number, numbers = self.rng.randint(20, 90), {}
        for day in dates:
            number += self.rng.randint(1, 9)
            numbers[day] = f"{number}-о"
        for row in self.form.links:
            row["order_number"] = numbers[row["order_date"]]

    def link(self, mentor: dict[str, Any], mentees: list[dict[str, Any]], form: str, *,
             finished: bool = False, start: dt.date | None = None) -> None:
        rng = self.rng
        self.pair_no += 1
        group = len(mentees) > 1
        if finished:  # lasted 3.3 to 10.5 months, ended lately (some in the period itself)
            end = self._working_day(self.last_day - dt.timedelta(days=rng.randint(0, 75)))
            start = self._working_day(end - dt.timedelta(days=rng.randint(100, 320)))
        else:
            start = start or self._active_start(pupils=form not in v.TEACHER_FORMS)
            end = None
        order_date = self._order_date(start)
        program = v.YES if form in v.TEACHER_FORMS or rng.random() < 0.5 else v.NO
        kind = _GROUP_KIND if group else rng.choices(v.KINDS, weights=_KIND_WEIGHTS)[0]
        for mentee in mentees:
            self.form.links.append({
                "pair_id": str(self.pair_no), "mentor_name": mentor["full_name"],
                "mentee_name": mentee["full_name"], "form": form, "kind": kind,
                "order_number": None, "order_date": order_date, "start": start,
                "end": end, "status": v.STATUS_FINISHED if finished else v.STATUS_ACTIVE,
                "personal_program": program,
                "mentor_satisfaction": rng.randint(7, 10) if finished else None,
                "mentee_satisfaction": rng.randint(7, 10) if finished else None,
            })

    # the whole form

    def build(self) -> _Form:
        rng, form = self.rng, self.form
        mentors, mentees = form.mentors, form.mentees

        def add_mentee(person: dict[str, Any]) -> dict[str, Any]:
            mentees.append(person)
            return person

        def room() -> int:
            return _MAX_MENTEES - len(mentees)

        finished_left = rng.randint(1, 2)
        teacher_count = rng.randint(*self.profile.teacher_mentors)
        for index in range(teacher_count):
            mentor = self.teacher_mentor()
            mentors.append(mentor)
            # keep one mentee for every teacher still to come and three for the pupils' group
            spare = room() - (teacher_count - index) - 3 > 2
            if finished_left and spare and rng.random() < 0.5:
                finished_left -= 1
                self.link(mentor, [add_mentee(self.teacher_mentee())], v.FORM_TEACHER_TEACHER,
                          finished=True)
            if rng.random() < 0.75:
                self.link(mentor, [add_mentee(self.teacher_mentee())], v.FORM_TEACHER_TEACHER)
            else:
                self.link(mentor, [add_mentee(self.pupil_mentee())], v.FORM_TEACHER_PUPIL)
            if spare and rng.random() < 0.2:
                self.link(mentor, [add_mentee(self.pupil_mentee(min_age=12))],
                          v.FORM_TEACHER_PUPIL)
        if room() > 4 and rng.random() < 0.6:
            head = self.head_mentor()
            mentors.append(head)
            self.link(head, [add_mentee(self.teacher_mentee())], v.FORM_HEAD_TEACHER)
        # At least one group per school: pupils mentoring younger pupils.
        for index in range(rng.randint(1, 3)):
            size = rng.randint(2, 3) if index == 0 else min(rng.randint(1, 3), room())
            if size < 1:
                break
            mentor = self.pupil_mentor()
            mentors.append(mentor)
            younger = int(mentor["age"]) - 2
            group = [add_mentee(self.pupil_mentee(max_age=younger)) for _ in range(size)]
            self.link(mentor, group, v.FORM_PUPIL_PUPIL)
        if room() >= 1 and rng.random() < 0.5:
            mentor = self.student_mentor()
            mentors.append(mentor)
            self.link(mentor, [add_mentee(self.pupil_mentee(min_age=13))], v.FORM_STUDENT_PUPIL)
        if room() >= 2 and rng.random() < 0.45 and self.profile.top_class == 11:
            mentor = self.employer_mentor()
            mentors.append(mentor)
            size = min(rng.randint(2, 3), room())
            group = [add_mentee(self.pupil_mentee(min_age=15)) for _ in range(size)]
            self.link(mentor, group, v.FORM_EMPLOYER_PUPIL)
        self._number_orders()
        self._title()
        self._documents()
        return form

    def build_sized(self, mentor_count: int, mentee_count: int) -> _Form:
        """A form of `mentor_count` mentors and `mentee_count` mentees (one to three for each
        mentor), everyone in a pair or a group: mostly teachers with teachers, some pupils'
        groups, now and then a head, a student or an employer; one or two pairs finished."""
        rng, form = self.rng, self.form
        if not mentor_count <= mentee_count <= 3 * mentor_count or mentor_count < 5:
            raise ValueError(f"{mentor_count} наставников и {mentee_count} наставляемых")
        others = [make for make, chance in ((self.head_mentor, 0.6), (self.student_mentor, 0.4),
                                            (self.employer_mentor, 0.3))
                  if rng.random() < chance
                  and (make != self.employer_mentor or self.profile.top_class == 11)]
        pupils = max(1, round(mentor_count * rng.uniform(0.05, 0.2)))
        teachers = mentor_count - pupils - len(others)
        loads = [1] * mentor_count
        for _ in range(mentee_count - mentor_count):
            loads[rng.choice([k for k, load in enumerate(loads) if load < 3])] += 1
        finished_left = rng.randint(1, 2)
        for index in range(teachers):
            mentor = self.teacher_mentor()
            form.mentors.append(mentor)
            for slot in range(loads[index]):
                finished = slot == 0 and loads[index] > 1 and finished_left > 0
                finished_left -= finished
                if (index, slot) == (0, 0) or rng.random() < 0.75:  # a teacher pair, always one
                    mentee, kind = self.teacher_mentee(), v.FORM_TEACHER_TEACHER
                else:
                    mentee, kind = self.pupil_mentee(), v.FORM_TEACHER_PUPIL
                form.mentees.append(mentee)
                self.link(mentor, [mentee], kind, finished=finished)
        for index, make in enumerate(others, start=teachers):
            mentor = make()
            form.mentors.append(mentor)
            if make == self.head_mentor:
                for _ in range(loads[index]):
                    form.mentees.append(mentee := self.teacher_mentee())
                    self.link(mentor, [mentee], v.FORM_HEAD_TEACHER)
            elif make == self.student_mentor:
                for _ in range(loads[index]):
                    form.mentees.append(mentee := self.pupil_mentee(min_age=13))
                    self.link(mentor, [mentee], v.FORM_STUDENT_PUPIL)
            else:
                group = [self.pupil_mentee(min_age=15) for _ in range(loads[index])]
                form.mentees.extend(group)
                self.link(mentor, group, v.FORM_EMPLOYER_PUPIL)
        for index in range(teachers + len(others), mentor_count):
            mentor = self.pupil_mentor()
            form.mentors.append(mentor)
            group = [self.pupil_mentee(max_age=int(mentor["age"]) - 2)
                     for _ in range(loads[index])]
            form.mentees.extend(group)
            self.link(mentor, group, v.FORM_PUPIL_PUPIL)
        self._number_orders()
        self._title()
        self._documents()
        return form

    # a month later

    def next_month(self, period: str) -> _SchoolBuilder:
        """The same school in `period`, starting from this month's lists, as the pre-filled
        template brings them back to it."""
        later = _SchoolBuilder(self.rng, self.names, self.school, period, self.number)
        later.form = copy.deepcopy(self.form)
        later.pair_no = self.pair_no
        return later

    def _active_pairs(self) -> dict[str, list[dict[str, Any]]]:
        pairs: dict[str, list[dict[str, Any]]] = {}
        for row in self.form.links:
            pairs.setdefault(row["pair_id"], []).append(row)
        return {pair_id: rows for pair_id, rows in pairs.items()
                if all(row["status"] == v.STATUS_ACTIVE for row in rows)}

    def finish_pairs(self, count: int) -> list[str]:
        """Programmes that end this month: status, end date and both satisfaction scores.

        Teacher pairs are taken only if they lasted 3.5 to 11 months (SPEC program-duration).
        Returns the pair numbers finished.
        """
        rng = self.rng
        end = _next_working_day(self.first_day + dt.timedelta(days=rng.randint(3, 20)))
        candidates = []
        for pair_id, rows in self._active_pairs().items():
            days = (end - rows[0]["start"]).days
            shortest, longest = (107, 335) if rows[0]["form"] in v.TEACHER_FORMS else (60, 400)
            if shortest <= days <= longest:
                candidates.append(pair_id)
        finished = rng.sample(candidates, min(count, len(candidates)))
        for row in self.form.links:
            if row["pair_id"] in finished:
                row.update(status=v.STATUS_FINISHED, end=end,
                           mentor_satisfaction=rng.randint(6, 10),
                           mentee_satisfaction=rng.randint(6, 10))
        return finished

    def _new_start(self) -> dt.date:
        return _next_working_day(self.first_day + dt.timedelta(days=self.rng.randint(1, 14)))

    def add_newcomer(self) -> None:
        """A young teacher hired this month gets a mentor among the school's teachers."""
        rng, form = self.rng, self.form
        if len(form.mentees) >= _MAX_MENTEES:
            return
        active = {}
        for row in form.links:
            if row["status"] == v.STATUS_ACTIVE:
                active[row["mentor_name"]] = active.get(row["mentor_name"], 0) + 1
        free = [p for p in form.mentors if p["category"] == v.MENTOR_TEACHER
                and active.get(p["full_name"], 0) <= 1]
        if not free:
            return
        mentor = rng.choice(free)
        mentee = self.teacher_mentee()
        mentee.update(category=v.MENTEE_YOUNG, experience=rng.randint(0, 1))
        form.mentees.append(mentee)
        self.link(mentor, [mentee], v.FORM_TEACHER_TEACHER, start=self._new_start())
        form.title["teachers_total"] += 1

    def add_student_pair(self) -> None:
        """A college student starts mentoring a pupil this month: two new people."""
        form = self.form
        if len(form.mentees) >= _MAX_MENTEES or len(form.mentors) >= 20:
            return
        mentor, mentee = self.student_mentor(), self.pupil_mentee(min_age=13)
        form.mentors.append(mentor)
        form.mentees.append(mentee)
        self.link(mentor, [mentee], v.FORM_STUDENT_PUPIL, start=self._new_start())

    def lose_pair(self) -> dict[str, Any]:
        """A teacher mentee leaves mid-year and the school deletes them and their pair from the
        lists instead of closing the pair (status «прекращена досрочно» would be right).

        A mentor left without any pair goes too, so the file itself stays clean. Returns the
        removed link.
        """
        form = self.form
        linked: dict[str, int] = {}
        for row in form.links:
            linked[row["mentor_name"]] = linked.get(row["mentor_name"], 0) + 1
        pairs = [rows[0] for rows in self._active_pairs().values() if len(rows) == 1]
        # rather a pair whose mentor keeps another one, and rather a teacher pair
        pairs.sort(key=lambda row: (linked[row["mentor_name"]] < 2,
                                    row["form"] != v.FORM_TEACHER_TEACHER))
        lost = pairs[0]
        form.links.remove(lost)
        mentee = next(p for p in form.mentees if p["full_name"] == lost["mentee_name"])
        form.mentees.remove(mentee)
        if linked[lost["mentor_name"]] == 1:
            form.mentors[:] = [p for p in form.mentors if p["full_name"] != lost["mentor_name"]]
        if mentee["category"] in v.MENTEE_TEACHER_CATEGORIES:
            form.title["teachers_total"] -= 1
        return lost

    def carry_title(self) -> None:
        """Last month's «Титул» with this month's date, raised wherever the lists outgrew it."""
        rng, form = self.rng, self.form
        self._number_new_orders()
        teachers = {p["full_name"] for p in form.mentors
                    if p["category"] in (v.MENTOR_TEACHER, v.MENTOR_HEAD)}
        teachers |= {p["full_name"] for p in form.mentees
                     if p["category"] in v.MENTEE_TEACHER_CATEGORIES}
        pupil_mentors = [p for p in form.mentors if p["category"] == v.MENTOR_PUPIL]
        pupil_mentees = [p for p in form.mentees if p["category"] == v.MENTEE_PUPIL]
        listed = {
            "teachers_total": len(teachers),
            "young_specialists": sum(p["category"] == v.MENTEE_YOUNG for p in form.mentees),
            "pupils_total": len(pupil_mentors) + len(pupil_mentees),
            "pupils_10_18": sum(10 <= p["age"] <= 18 for p in pupil_mentees),
            "pupils_15_19": sum(15 <= p["age"] <= 19 for p in pupil_mentors),
        }
        for key, count in listed.items():
            form.title[key] = max(form.title[key], count)
        form.title["young_specialists"] = min(form.title["young_specialists"],
                                              form.title["teachers_total"])
        form.title["filled_on"] = self._working_day(
            self.last_day - dt.timedelta(days=rng.randint(0, 4)))

    def _number_new_orders(self) -> None:
        """Orders of this month's pairs continue the school's register of orders."""
        new = [row for row in self.form.links if row["order_number"] is None]
        if not new:
            return
        number = max(int(row["order_number"].split("-")[0]) for row in self.form.links
                     if row["order_number"])
        for day in sorted({row["order_date"] for row in new}):
            number += self.rng.randint(1, 9)
            for row in new:
                if row["order_date"] == day:
                    row["order_number"] = f"{number}-о"

    def _title(self) -> None:
        rng, form = self.rng, self.form
        teachers = sum(p["category"] in (v.MENTOR_TEACHER, v.MENTOR_HEAD) for p in form.mentors)
        teachers += sum(p["category"] in v.MENTEE_TEACHER_CATEGORIES for p in form.mentees)
        young = sum(p["category"] == v.MENTEE_YOUNG for p in form.mentees)
        pupils = [p for p in (*form.mentors, *form.mentees) if p["category"] == v.MENTEE_PUPIL]
        pupils_total = max(len(pupils), rng.randint(*self.profile.pupils))
        teachers_total = teachers + rng.randint(12, 45 if self.profile.top_class == 11 else 15)
        filled_on = self._working_day(self.last_day - dt.timedelta(days=rng.randint(0, 4)))
        form.title = {
            "curator": self.names.person(female=rng.random() < 0.85),
            "curator_phone": f"+7 (900) {rng.randint(100, 999)}-{rng.randint(10, 99)}-"
                             f"{rng.randint(10, 99)}",
            "curator_email": f"nastavnik.{self.number:02d}@berezovka.example.ru",
            "teachers_total": teachers_total,
            "young_specialists": min(teachers_total, young + rng.randint(0, 2)),
            "pupils_total": pupils_total,
            "pupils_10_18": max(len(pupils), round(pupils_total * rng.uniform(0.5, 0.6))),
            "pupils_15_19": max(len(pupils), round(pupils_total * rng.uniform(0.14, 0.2))),
            "filled_on": filled_on,
        }

    def _documents(self) -> None:
        rng = self.rng
        site = f"https://school{self.number:02d}.berezovka.example.ru/nastavnichestvo"
        year = self.first_day.year if self.first_day.month >= 9 else self.first_day.year - 1
        adopted = self._working_day(dt.date(year, 8, rng.randint(25, 31)))
        for index, _name in enumerate(v.DOCUMENTS):
            present = v.YES if index != 1 or rng.random() < 0.8 else v.NO
            row: dict[str, Any] = {"present": present}
            if present == v.YES and index < 4:
                row["details"] = f"приказ № {rng.randint(100, 260)}-од от {adopted:%d.%m.%Y}"
            if present == v.YES and index in (0, 4):
                row["url"] = site
            self.form.documents.append(row)


# --- the mistakes of two schools ------------------------------------------------------------


def _add_lasting_mistakes(form: _Form) -> None:
    """Mistakes a school carries from month to month: a misspelt mentor in a pair and a
    mentor's post left blank."""
    teacher_links = [row for row in form.links if row["form"] == v.FORM_TEACHER_TEACHER]
    misspelt = teacher_links[-1]
    surname, first, patronymic = misspelt["mentor_name"].split()
    other = next(p for m, f in _PATRONYMICS for p in (m, f)
                 if p != patronymic and p[-2:] == patronymic[-2:])
    misspelt["mentor_name"] = f"{surname} {first} {other}"
    teacher = next(p for p in form.mentors if p["category"] == v.MENTOR_TEACHER)
    teacher.pop("position", None)


def _add_mistakes(form: _Form, rng: random.Random) -> None:
    """What a hurried school does: impossible dates, words for dates, a misspelt mentor,
    a typo in an age, a category of its own, a missing post, a refused consent."""
    actives = [row for row in form.links if row["status"] == v.STATUS_ACTIVE]
    actives[0]["start"] = "31.02.2026"
    actives[1]["start"] = "в сентябре"
    _add_lasting_mistakes(form)
    pupil_mentor = next(p for p in form.mentors if p["category"] == v.MENTOR_PUPIL)
    pupil_mentor["age"] = int(pupil_mentor["age"]) * 10 + rng.randint(0, 9)  # «160»
    young = next(p for p in form.mentees if p["category"] in v.MENTEE_TEACHER_CATEGORIES)
    young["category"] = "молодой педагог"
    pupil = next(p for p in reversed(form.mentees) if p["category"] == v.MENTEE_PUPIL)
    pupil["pd_consent"] = v.NO


def _justify_missing_consent(form: _Form) -> None:
    """A pupil whose parents signed the consent after the form was filled: the school
    justifies the warning on «Пояснения» instead of leaving it to nag (issue: justified
    warnings)."""
    index, pupil = next((n, p) for n, p in reversed(list(enumerate(form.mentees)))
                        if p["category"] == v.MENTEE_PUPIL)
    pupil["pd_consent"] = v.NO
    form.justifications = [{
        "number": 1, "sheet": MENTEES.name, "row": TABLE_HEADER_ROW + 1 + index,
        "code": "no-pd-consent",
        "text": "Согласие родителей подписано 03.12.2026, после заполнения формы; "
                "в отчёте за декабрь будет «да»."}]


def _refuse_consent(form: _Form) -> None:
    """Parents of one pupil did not agree to personal-data processing (a warning)."""
    next(p for p in form.mentees if p["category"] == v.MENTEE_PUPIL)["pd_consent"] = v.NO


def _first_try(form: _Form, finished: list[str]) -> _Form:
    """The first file of a school that closed a pair: the status set, its end date and scores
    not filled in (a start date left blank if nothing was closed)."""
    draft = copy.deepcopy(form)
    for row in draft.links:
        if row["pair_id"] in finished:
            row.update(end=None, mentor_satisfaction=None, mentee_satisfaction=None)
    if not finished:
        draft.links[-1]["start"] = None
    return draft


def _month_before(form: _Form, period: str, received: dt.datetime) -> _Form:
    """The school's form of `period`, the month before the one `form` is of: the pairs that
    began later are not there yet (nor the people only they brought), the ones that ended
    later were still active. Clean: the stories of the demo happen in the later months."""
    last_day = next_month_start(dt.date.fromisoformat(period + "-01")) - dt.timedelta(days=1)
    earlier = copy.deepcopy(form)
    earlier.links = [row for row in earlier.links if row["start"] <= last_day]
    for row in earlier.links:
        if row["end"] is not None and row["end"] > last_day:
            row.update(status=v.STATUS_ACTIVE, end=None, mentor_satisfaction=None,
                       mentee_satisfaction=None)
    mentors = {row["mentor_name"] for row in earlier.links}
    mentees = {row["mentee_name"] for row in earlier.links}
    gone = ({row["mentor_name"] for row in form.links} - mentors,
            {row["mentee_name"] for row in form.links} - mentees)
    earlier.mentors = [m for m in earlier.mentors if m["full_name"] not in gone[0]]
    earlier.mentees = [m for m in earlier.mentees if m["full_name"] not in gone[1]]
    for number, row in enumerate(earlier.mentors, start=1):
        row["number"] = number
    for number, row in enumerate(earlier.mentees, start=1):
        row["number"] = number
    earlier.title.update(period=period, filled_on=received.date())
    return earlier


def file_name(school: School, period: str, rng: random.Random) -> str:
    """A file name the way schools name what they send (the office keeps it as received)."""
    pattern = rng.choice(_FILE_NAMES)
    if pattern == "{template}":
        return template_filename(school.code, school.short_name, period)
    month = v.MONTHS_NOMINATIVE[int(period[5:]) - 1]
    return pattern.format(code=school.code, month=month, period=period,
                          short=school.short_name)


# --- when the office received each file -----------------------------------------------------

# Non-working public holidays (ТК РФ ст. 112); the office saves no mail on them.
_HOLIDAYS = frozenset({(1, day) for day in range(1, 9)}
                      | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)})


def _is_working(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS


def _next_working_day(day: dt.date) -> dt.date:
    while not _is_working(day):
        day += dt.timedelta(days=1)
    return day


class _Receipts:
    """Plausible receipt times for one month's files: office hours of working days before the
    deadline, or a few days after it for a late school."""

    def __init__(self, rng: random.Random, period: str, deadline_day: int) -> None:
        self.rng = rng
        self.deadline = deadline(period, deadline_day).date()
        following = next_month_start(dt.date.fromisoformat(period + "-01"))
        days = [following + dt.timedelta(days=n) for n in range((self.deadline - following).days)]
        self.days = [day for day in days if _is_working(day)]
        if not self.days:  # a deadline on the 1st, or the New Year holidays: sent in the month
            self.days = [day for day in (following - dt.timedelta(days=n) for n in (3, 2, 1))
                         if day.weekday() < 5] or [following - dt.timedelta(days=1)]

    def _at(self, day: dt.date, hours: tuple[int, int]) -> dt.datetime:
        rng = self.rng
        return dt.datetime.combine(day, dt.time(rng.randint(*hours), rng.randint(0, 59),
                                                rng.randint(0, 59)))

    def on_time(self) -> dt.datetime:
        return self._at(self.rng.choice(self.days), (9, 16))

    def late(self) -> dt.datetime:
        return self._at(_next_working_day(self.deadline + dt.timedelta(days=3)), (9, 16))

    def first_and_corrected(self) -> tuple[dt.datetime, dt.datetime]:
        """A morning of the first day, then an afternoon of the last day before the deadline."""
        return self._at(self.days[0], (9, 11)), self._at(self.days[-1], (14, 16))


# --- the district ---------------------------------------------------------------------------


@dataclass
class _Sent:
    """One file as a school sent it."""

    school: School
    period: str  # the period written in the form (not always the folder's)
    form: _Form
    name: str
    received: dt.datetime


def _registry(period: str) -> tuple[School, ...]:
    closed_on = dt.date.fromisoformat(period + "-01") - dt.timedelta(days=1)
    return tuple(replace(s, active_to=closed_on) if s.code == SCHOOL_CLOSED else s
                 for s in SCHOOLS)


def build_demo(root: Path, period: str = "2026-11", *,
               seed: int = 7) -> tuple[Workspace, list[Path]]:
    """Create the demo workspace at `root` and fill inbox/<previous month>/ and
    inbox/<period>/ with school forms, each file's modification time its receipt time.

    Existing settings and registry at `root` are kept (init_workspace never overwrites);
    the forms are (re)written. Returns the workspace and the written files, the previous
    month's first.
    """
    root = Path(root)
    last_month = previous_period(period)
    workspace = init_workspace(root, district=DISTRICT, region=REGION,
                               schools=_registry(period), deadline_day=DEADLINE_DAY)
    deadline_day = workspace.settings.deadline_day
    rng = random.Random(seed)
    # receipt times from their own generator, so they do not shift when the forms change
    clock = random.Random(f"{seed} received")
    names = _Names(rng)

    first_month = previous_period(last_month)
    # its own generators: the two later months stay as they were before it was added
    first = _Receipts(random.Random(f"{seed} received {first_month}"), first_month,
                      deadline_day)
    names_first = random.Random(f"{seed} names {first_month}")
    sent_first: list[_Sent] = []
    before = _Receipts(clock, last_month, deadline_day)
    builders: dict[str, _SchoolBuilder] = {}
    sent_before: dict[str, _Sent] = {}
    for number, school in enumerate(SCHOOLS, start=1):
        builder = _SchoolBuilder(rng, names, school, last_month, number)
        builder.build()
        builders[school.code] = builder
        form = builder.form
        received = first.on_time()
        if school.code == SCHOOL_WITH_MISTAKES:  # lasting: made in the first month already
            form = copy.deepcopy(form)
            _add_lasting_mistakes(form)
        sent_first.append(_Sent(school, first_month, _month_before(form, first_month, received),
                                file_name(school, first_month, names_first), received))
        if school.code == SCHOOL_WITH_WRONG_PERIOD:
            _refuse_consent(form)
        received = before.late() if school.code == SCHOOL_LATE_LAST_MONTH else before.on_time()
        sent_before[school.code] = _Sent(school, last_month, form,
                                         file_name(school, last_month, rng), received)

    now = _Receipts(clock, period, deadline_day)
    evolving = [s.code for s in SCHOOLS if s.code not in (
        SCHOOL_CLOSED, SCHOOL_MISSING, SCHOOL_WITH_WRONG_PERIOD)]
    finishing = set(rng.sample(evolving, 5)) | {SCHOOL_RESUBMITTING}
    hiring = rng.sample([c for c in evolving if c != SCHOOL_WITH_MISTAKES], 3)
    sent_now: list[_Sent] = []
    for school in SCHOOLS:
        code = school.code
        if code == SCHOOL_WITH_WRONG_PERIOD:
            resent = sent_before[code]  # last month's file, attached again
            sent_now.append(replace(resent, received=now.on_time()))
        if code not in evolving:
            continue
        builder = builders[code].next_month(period)
        finished = builder.finish_pairs(rng.randint(1, 2) if code in finishing else 0)
        if code in hiring:
            builder.add_newcomer()
            if code == hiring[0]:
                builder.add_student_pair()
        if code == SCHOOL_LOSING_PAIR:
            builder.lose_pair()
        builder.carry_title()
        form = builder.form
        if code == SCHOOL_WITH_MISTAKES:
            _add_mistakes(form, rng)
        elif code == SCHOOL_JUSTIFYING:
            _justify_missing_consent(form)
        elif code == SCHOOL_JUMPING:
            form.title["pupils_total"] *= 10  # a zero too many, typed in a hurry
        name = file_name(school, period, rng)
        if code == SCHOOL_RESUBMITTING:
            first, corrected = now.first_and_corrected()
            sent_now.append(_Sent(school, period, _first_try(form, finished), name, first))
            form.title["filled_on"] = corrected.date()
            name = name.removesuffix(".xlsx") + RESUBMISSION_SUFFIX + ".xlsx"
            sent_now.append(_Sent(school, period, form, name, corrected))
            continue
        received = now.late() if code == SCHOOL_LATE else now.on_time()
        sent_now.append(_Sent(school, period, form, name, received))

    paths = []
    for folder, sent in ((first_month, sent_first), (last_month, sent_before.values()),
                         (period, sent_now)):
        for item in sent:
            paths.append(_write(root / "inbox" / folder, item, deadline_day))
    return workspace, paths


def _write(folder: Path, sent: _Sent, deadline_day: int) -> Path:
    title = dict(sent.form.title)
    title["filled_on"] = min(title["filled_on"], sent.received.date())
    path = write_form(folder / sent.name, school_code=sent.school.code,
                      school_name=sent.school.name, period=sent.period, municipality=DISTRICT,
                      title=title, rows=sent.form.rows(), deadline_day=deadline_day)
    stamp = sent.received.timestamp()  # local time, as the office's computer saved it
    os.utime(path, (stamp, stamp))
    return path


# --- forms at regional scale (benchmarks/run.py) --------------------------------------------

_MORE_SURNAMES = (
    "Агафонов", "Аксёнов", "Анисимов", "Артемьев", "Архипов", "Баженов", "Белоусов", "Бобров",
    "Большаков", "Брагин", "Бурков", "Бушуев", "Вавилов", "Ведерников", "Веселов", "Вишняков",
    "Владимиров", "Воронцов", "Гаврилин", "Гладков", "Глушков", "Голованов", "Головин",
    "Гордеев", "Горелов", "Горшков", "Гуляев", "Гурьев", "Гурьянов", "Дементьев", "Добрынин",
    "Дорофеев", "Дроздов", "Дьячков", "Евдокимов", "Евсеев", "Ермолаев", "Ершов", "Ефремов",
    "Жаров", "Жилин", "Жуков", "Забелин", "Завьялов", "Зимин", "Зиновьев", "Золотарёв", "Зотов",
    "Зубков", "Зыков", "Иванов", "Игнатьев", "Измайлов", "Кабанов", "Калашников", "Капустин",
    "Карасёв", "Кириллов", "Кожевников", "Кожин", "Колобов", "Кондаков", "Копылов", "Корнилов",
    "Корчагин", "Кошелев", "Красильников", "Крюков", "Кудряшов", "Кузнецов", "Кулагин",
    "Лаврентьев", "Лавров", "Лапин", "Лисицын", "Лобанов", "Ломакин", "Лыков", "Макеев",
    "Мальцев", "Мамонтов", "Маркин", "Меркулов", "Мешков", "Молчанов", "Муравьёв", "Мухин",
    "Мясников", "Некрасов", "Никонов", "Новосёлов", "Носков", "Обухов", "Овчинников", "Одинцов",
    "Осокин", "Панфилов", "Пахомов", "Петров", "Петухов", "Пименов", "Платонов", "Полежаев",
    "Попов", "Порошин", "Прокофьев", "Пушкарёв", "Рогов", "Рудаков", "Рыжов", "Рябов",
    "Сазонов", "Самойлов", "Самсонов", "Сапожников", "Сахаров", "Северин", "Селиванов",
    "Сидоров", "Синицын", "Ситников", "Скобелев", "Смирнов", "Смолин", "Соломин", "Стрельцов",
    "Суханов", "Сурков", "Сысоев", "Тетерин", "Токарев", "Трифонов", "Трошин", "Туманов",
    "Тюрин", "Уваров", "Ульянов", "Устинов", "Ушаков", "Фадеев", "Федосеев", "Федотов",
    "Фирсов", "Фокин", "Хабаров", "Хомяков", "Худяков", "Цыганков", "Чеботарёв", "Чижов",
    "Чистяков", "Шапошников", "Шарапов", "Шевелёв", "Шестаков", "Шилов", "Шмелёв", "Шубин",
    "Щеглов", "Щербаков", "Юрьев", "Якушев", "Ястребов", "Яшин",
    "Березовский", "Богословский", "Вишневский", "Добровольский", "Жуковский", "Лебединский",
    "Малиновский", "Никольский", "Ольховский", "Островский", "Преображенский",
    "Рождественский", "Смоленский", "Соколовский", "Яблонский", "Белецкий", "Городецкий",
    "Карпенко", "Кириенко", "Лысенко", "Науменко", "Остапенко", "Павленко", "Савченко",
    "Тарасенко", "Тимошенко", "Федоренко", "Шевченко", "Ковальчук", "Полищук", "Бойко",
)
_MORE_MALE_NAMES = (
    "Анатолий", "Аркадий", "Валентин", "Валерий", "Василий", "Всеволод", "Вячеслав",
    "Геннадий", "Георгий", "Григорий", "Давид", "Захар", "Леонид", "Лука", "Мирон", "Пётр",
    "Платон", "Ростислав", "Руслан", "Савелий", "Семён", "Станислав", "Тимур", "Филипп",
    "Эдуард",
)
_MORE_FEMALE_NAMES = (
    "Алла", "Алёна", "Ангелина", "Антонина", "Арина", "Василиса", "Ева", "Жанна", "Зинаида",
    "Злата", "Инна", "Кира", "Кристина", "Лидия", "Майя", "Мирослава", "Олеся", "Раиса",
    "Римма", "Снежана", "Стефания", "Таисия", "Тамара", "Эвелина", "Яна",
)
_MORE_PATRONYMICS = (
    ("Аркадьевич", "Аркадьевна"), ("Антонович", "Антоновна"), ("Артёмович", "Артёмовна"),
    ("Борисович", "Борисовна"), ("Валентинович", "Валентиновна"), ("Валерьевич", "Валерьевна"),
    ("Вячеславович", "Вячеславовна"), ("Георгиевич", "Георгиевна"), ("Глебович", "Глебовна"),
    ("Григорьевич", "Григорьевна"), ("Денисович", "Денисовна"), ("Егорович", "Егоровна"),
    ("Кириллович", "Кирилловна"), ("Леонидович", "Леонидовна"), ("Львович", "Львовна"),
    ("Маркович", "Марковна"), ("Семёнович", "Семёновна"), ("Станиславович", "Станиславовна"),
    ("Степанович", "Степановна"), ("Ярославович", "Ярославовна"),
)


def _merged(first: tuple, more: tuple) -> tuple:
    """`first` and the items of `more` it lacks, with ё = е (as names are compared)."""
    def key(item: object) -> str:
        return str(item).replace("ё", "е")

    known = {key(item) for item in first}
    return first + tuple(item for item in more if key(item) not in known)


class RegionNames(_Names):
    """Full names unique across a region-sized workspace: the demo's names and as many again,
    about two million people, so that the lists of 10,000 schools share nobody by chance."""

    surnames = _merged(_SURNAMES, _MORE_SURNAMES)
    male_names = _merged(_MALE_NAMES, _MORE_MALE_NAMES)
    female_names = _merged(_FEMALE_NAMES, _MORE_FEMALE_NAMES)
    patronymics = _merged(_PATRONYMICS, _MORE_PATRONYMICS)


def school_form(rng: random.Random, school: School, period: str, number: int, *,
                mistakes: bool = False, names: _Names | None = None,
                ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """One school's form for `period` as `write_form` takes it: the «Титул» values and the
    rows of each list by sheet key. 5–40 mentors and 5–60 mentees, everyone in a pair or a
    group; clean, or with `mistakes` those of a hurried school (row errors and a warning).

    `number` is the school's place in its registry (it makes the curator's e-mail and the
    site). People are unique within `names` (a `RegionNames` shared by the whole workspace),
    or within the school only when it is not given.
    """
    builder = _SchoolBuilder(rng, names or RegionNames(rng), school, period, number)
    mentor_count = rng.randint(5, 40)
    form = builder.build_sized(mentor_count, rng.randint(mentor_count, min(60, 3 * mentor_count)))
    if mistakes:
        _add_mistakes(form, rng)
    return form.title, form.rows()
