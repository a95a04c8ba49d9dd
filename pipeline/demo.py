"""A fictional district for `nastavnik demo`: a workspace and a month of filled school forms.

Every person, school and organisation here is invented. The data is deterministic for a seed.
All schools but one send a form; all forms are clean except two, which carry the mistakes a
real school makes (`SCHOOL_WITH_MISTAKES`, `SCHOOL_WITH_WRONG_PERIOD`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.template import template_filename, write_form
from pipeline.workspace import School, Workspace, init_workspace, next_month_start
from schemas import vocab as v

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
SCHOOL_MISSING = "ОО-13"  # sends nothing this month
SCHOOL_WITH_MISTAKES = "ОО-05"  # row-level errors and a warning
SCHOOL_WITH_WRONG_PERIOD = "ОО-11"  # sent last month's form again: rejected

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

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self, female: bool | None = None) -> str:
        rng = self.rng
        for _ in range(1000):
            is_female = rng.random() < 0.5 if female is None else female
            surname = rng.choice(_SURNAMES)
            first = rng.choice(_FEMALE_NAMES if is_female else _MALE_NAMES)
            patronymic = rng.choice(_PATRONYMICS)[1 if is_female else 0]
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

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {"mentors": self.mentors, "mentees": self.mentees, "links": self.links,
                "documents": self.documents}


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
        while day.weekday() >= 5:
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
             finished: bool = False) -> None:
        rng = self.rng
        self.pair_no += 1
        group = len(mentees) > 1
        if finished:  # lasted 3.3 to 10.5 months, ended lately (some in the period itself)
            end = self._working_day(self.last_day - dt.timedelta(days=rng.randint(0, 75)))
            start = self._working_day(end - dt.timedelta(days=rng.randint(100, 320)))
        else:
            start = self._active_start(pupils=form not in v.TEACHER_FORMS)
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


def _add_mistakes(form: _Form, rng: random.Random) -> None:
    """What a hurried school does: impossible dates, words for dates, a misspelt mentor,
    a typo in an age, a category of its own, a missing post, a refused consent."""
    actives = [row for row in form.links if row["status"] == v.STATUS_ACTIVE]
    actives[0]["start"] = "31.02.2026"
    actives[1]["start"] = "в сентябре"
    teacher_links = [row for row in form.links if row["form"] == v.FORM_TEACHER_TEACHER]
    misspelt = teacher_links[-1]
    surname, first, patronymic = misspelt["mentor_name"].split()
    other = next(p for m, f in _PATRONYMICS for p in (m, f)
                 if p != patronymic and p[-2:] == patronymic[-2:])
    misspelt["mentor_name"] = f"{surname} {first} {other}"
    pupil_mentor = next(p for p in form.mentors if p["category"] == v.MENTOR_PUPIL)
    pupil_mentor["age"] = int(pupil_mentor["age"]) * 10 + rng.randint(0, 9)  # «160»
    young = next(p for p in form.mentees if p["category"] in v.MENTEE_TEACHER_CATEGORIES)
    young["category"] = "молодой педагог"
    teacher = next(p for p in form.mentors if p["category"] == v.MENTOR_TEACHER)
    teacher.pop("position", None)
    pupil = next(p for p in reversed(form.mentees) if p["category"] == v.MENTEE_PUPIL)
    pupil["pd_consent"] = v.NO


def _file_name(school: School, period: str, rng: random.Random) -> str:
    pattern = rng.choice(_FILE_NAMES)
    if pattern == "{template}":
        return template_filename(school.code, school.short_name, period)
    month = v.MONTHS_NOMINATIVE[int(period[5:]) - 1]
    return pattern.format(code=school.code, month=month, period=period,
                          short=school.short_name)


def previous_period(period: str) -> str:
    first = dt.date.fromisoformat(period + "-01")
    return f"{(first - dt.timedelta(days=1)):%Y-%m}"


def build_demo(root: Path, period: str = "2026-11", *,
               seed: int = 7) -> tuple[Workspace, list[Path]]:
    """Create the demo workspace at `root` and fill inbox/<period>/ with school forms.

    Existing settings and registry at `root` are kept (init_workspace never overwrites);
    the forms are (re)written. Returns the workspace and the written files.
    """
    root = Path(root)
    workspace = init_workspace(root, district=DISTRICT, region=REGION, schools=SCHOOLS,
                               deadline_day=DEADLINE_DAY)
    rng = random.Random(seed)
    names = _Names(rng)
    inbox = root / "inbox" / period
    paths = []
    for number, school in enumerate(SCHOOLS, start=1):
        form = _SchoolBuilder(rng, names, school, period, number).build()
        if school.code == SCHOOL_MISSING:
            continue
        form_period = period
        if school.code == SCHOOL_WITH_MISTAKES:
            _add_mistakes(form, rng)
        elif school.code == SCHOOL_WITH_WRONG_PERIOD:
            form_period = previous_period(period)  # last month's file sent again
            next(p for p in form.mentees if p["category"] == v.MENTEE_PUPIL)["pd_consent"] = v.NO
        name = _file_name(school, form_period, rng)
        paths.append(write_form(inbox / name, school_code=school.code, school_name=school.name,
                                period=form_period, municipality=DISTRICT, title=form.title,
                                rows=form.rows(), deadline_day=DEADLINE_DAY))
    return workspace, paths
