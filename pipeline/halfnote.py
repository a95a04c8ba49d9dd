"""The «Аналитическая справка» for a period of several months (a half of the school year):
what changed in the district, which schools grew or fell behind, where reporting was weak.

Written from a PeriodReport only — indicators and the codes and names of schools, never a
person (SPEC §5); laid out by note.py's layout, as the monthly справка.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipeline.halfyear import PeriodReport, SchoolPeriod, month_label, period_words
from pipeline.indicators import LAST, OVER_PERIOD, Indicator, Value
from pipeline.note import (
    Items,
    Note,
    Section,
    Table,
    _indicator_change,
    _with_comma,
    percent_cell,
    save_note,
)
from pipeline.russian import (
    date_words,
    join_words,
    lower_first,
    month_year,
    percent,
    place_genitive,
    plural,
    plural_word,
    points,
    round_half_up,
)

# a school's indicator that moved by at least this many percentage points is named
SCHOOL_CHANGE = 0.05


def _months_acc(periods: list[str]) -> str:
    return join_words([month_year(p, "acc") for p in periods])


def _school(school: SchoolPeriod) -> str:
    return f"{school.code} {school.name}"


def _first_last(school: SchoolPeriod, code: str) -> tuple[str, str, float, float] | None:
    """The school's first and last accepted months of the period with a value of `code`."""
    found = [(p, m.values[code].percent) for p, m in school.months.items()
             if m is not None and m.accepted and code in m.values
             and m.values[code].percent is not None]
    if len(found) < 2:
        return None
    (first, before), (last, after) = found[0], found[-1]
    return first, last, before, after


def _district_section(report: PeriodReport) -> Section:
    return indicators_section(report, "района", "району",
                              "по школам, чей отчёт за этот месяц принят")


def indicators_section(report: Any, whose: str, over: str, basis: str) -> Section:
    """What changed from the first month to the last and the period's values: the district's
    (`whose` «района», `over` «району») or the region's; `basis`: whose reports a month's
    value is made from. `report` has `first`, `last`, `indicators`, `month_total`, `total`."""
    section = Section(f"1. Изменение показателей {whose} за период")
    first, last = report.first, report.last
    said = []
    rows = []
    for indicator in report.indicators:
        before = report.month_total(first, indicator.code)
        after = report.month_total(last, indicator.code)
        whole = report.total.get(indicator.code)
        rows.append([f"{indicator.code}: {indicator.name}", percent_cell(before),
                     percent_cell(after), percent_cell(whole),
                     OVER_PERIOD[indicator.over_period]])
        if before is not None and after is not None and before.percent is not None \
                and after.percent is not None:
            said.append(_indicator_change(indicator, before.percent, after.percent))
    if said:
        section.blocks.append(f"С {month_year(first, 'gen')} по {month_year(last, 'acc')} "
                              f"по {over}:")
        section.blocks.append(Items([s + (";" if n < len(said) - 1 else ".")
                                     for n, s in enumerate(said)]))
    flows = [i for i in report.indicators if i.over_period != LAST]
    for indicator in flows:
        whole = report.total.get(indicator.code)
        if whole is not None and whole.percent is not None:
            section.blocks.append(f"За период в целом {_period_phrase(indicator, whole)} "
                                  f"(по {plural(int(whole.denominator), 'паре', 'парам', 'парам')}, "
                                  "завершённым за период).")
        else:
            section.blocks.append(f"Показатель «{indicator.name}» за период не рассчитан: "
                                  "завершённых пар с оценкой нет.")
    section.blocks.append(Table(
        f"Показатели {whose} в первом и последнем месяцах периода и за период",
        ["Показатель", month_label(first), month_label(last), "За период",
         "Значение за период"], rows, [6.2, 2.5, 2.5, 2.4, 3.4], numeric={1, 2, 3}))
    section.blocks.append(f"Значение {whose} за месяц рассчитано {basis}. Прочерк — показатель "
                          "не рассчитан.")
    return section


def _period_phrase(indicator: Indicator, value: Value) -> str:
    return f"{_with_comma(lower_first(indicator.name))} — {percent(value.percent)}"


def _schools_section(report: PeriodReport) -> tuple[Section, list[SchoolPeriod]]:
    section = Section("2. Динамика показателей по школам")
    grew, fell = [], []
    for school in report.schools:
        up, down = [], []
        for indicator in report.indicators:
            found = _first_last(school, indicator.code)
            if found is None:
                continue
            _, _, before, after = found
            delta = round_half_up(after) - round_half_up(before)
            if delta >= SCHOOL_CHANGE:
                up.append(f"{indicator.code} — на {points(delta)}")
            elif -delta >= SCHOOL_CHANGE:
                down.append(f"{indicator.code} — на {points(delta)}")
        if up:
            grew.append(f"{_school(school)}: {', '.join(up)}")
        if down:
            fell.append((school, f"{_school(school)}: {', '.join(down)}"))
    if grew:
        section.blocks.append("Показатели выросли (с первого до последнего принятого отчёта "
                              "школы за период):")
        section.blocks.append(Items(grew))
    if fell:
        section.blocks.append("Показатели снизились:")
        section.blocks.append(Items([text for _, text in fell]))
    if not grew and not fell:
        section.blocks.append("Показатели школ за период не изменились (или у школ меньше двух "
                              "принятых отчётов за период).")
    return section, [s for s, _ in fell]


def _discipline_section(report: PeriodReport) -> Section:
    section = Section("3. Представление отчётов")
    missed = [s for s in report.schools if s.missed]
    late = [s for s in report.schools if s.late]
    rejected = [s for s in report.schools if s.rejected]
    if not (missed or late or rejected):
        section.blocks.append("Все школы представляли отчёты ежемесячно и в срок, отчёты "
                              "приняты.")
        return section
    if missed:
        section.blocks.append(
            f"Не {plural_word(len(missed), 'представила', 'представили', 'представили')} "
            f"отчёт хотя бы за один месяц {plural(len(missed), 'школа', 'школы', 'школ')}:")
        section.blocks.append(Items([f"{_school(s)} — за {_months_acc(s.missed)}"
                                     for s in missed]))
    if late:
        section.blocks.append(
            f"С нарушением срока "
            f"{plural_word(len(late), 'представляла', 'представляли', 'представляли')} "
            f"отчёты {plural(len(late), 'школа', 'школы', 'школ')}:")
        section.blocks.append(Items([f"{_school(s)} — за {_months_acc(s.late)}"
                                     for s in late]))
    if rejected:
        section.blocks.append("Отклонены отчёты:")
        section.blocks.append(Items([f"{_school(s)} — за {_months_acc(s.rejected)}"
                                     for s in rejected]))
    return section


def _heads(schools: list[SchoolPeriod]) -> str:
    return (f"{plural_word(len(schools), 'Руководителю', 'Руководителям', 'Руководителям')} "
            + ", ".join(_school(s) for s in schools))


def _recommendations(report: PeriodReport, fell: list[SchoolPeriod]) -> list[str]:
    found = []
    missed = [s for s in report.schools if s.missed]
    late = [s for s in report.schools if s.late]
    if missed:
        found.append(_heads(missed) + " обеспечить ежемесячное представление отчёта о наставничестве.")
    if late:
        found.append(_heads(late) + " обеспечить соблюдение срока представления отчёта.")
    if fell:
        found.append(f"{plural_word(len(fell), 'Куратору', 'Кураторам', 'Кураторам')} "
                     + ", ".join(_school(s) for s in fell) + " проанализировать причины снижения показателей и принять меры по "
                     "вовлечению участников в наставничество.")
    found.append("Обобщить и распространить опыт школ, показатели которых выросли за период; "
                 "учесть итоги полугодия при планировании работы на следующий период.")
    return found


def period_note_text(report: PeriodReport, today: dt.date | None = None) -> Note:
    today = today or dt.date.today()
    words = period_words(report.first, report.last)
    title = ["АНАЛИТИЧЕСКАЯ СПРАВКА", "о реализации целевой модели наставничества",
             f"в образовательных организациях {place_genitive(report.district)}",
             f"за {words}"]
    n = len(report.months)
    intro = [f"Справка подготовлена по итогам мониторинга реализации целевой модели "
             f"наставничества за {words} ({plural(n, 'месяц', 'месяца', 'месяцев')}) на "
             "основании ежемесячных отчётов школ по форме «Наставничество», принятых в свод. "
             "Значения «на конец периода» (доли участников) взяты за последний месяц, "
             "значения «за период» (оценки удовлетворённости) — по всем парам, завершённым "
             "за период."]
    schools, fell = _schools_section(report)
    final = Section("4. Рекомендации")
    final.blocks.append(Items(_recommendations(report, fell), numbered=True))
    sections = [_district_section(report), schools, _discipline_section(report), final]
    return Note(title=title, date_line=f"Дата составления: {date_words(today)}", intro=intro,
                sections=sections,
                signature="Исполнитель: ______________________  /______________________/")


def write_period_note(report: PeriodReport, path: Path, *, today: dt.date | None = None
                      ) -> Path:
    """Write the period's справка to `path` (.docx), atomically."""
    today = today or dt.date.today()
    return save_note(period_note_text(report, today), path,
                     f"Аналитическая справка: {report.district}, {report.first} — "
                     f"{report.last}", today)
