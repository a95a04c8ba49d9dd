"""The region's справка (.docx) for a month: written from the roll-up only — district names,
counts and indicators, never a person (district reports carry none: SPEC §5). Laid out by
pipeline/note.py, as the district's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.indicators import Indicator, Value
from pipeline.note import Items, Note, Section, Table, indicator_row, save_note
from pipeline.rollup.reading import Rollup
from pipeline.russian import (
    date_words,
    genitive,
    join_words,
    lower_first,
    month_year,
    number,
    percent,
    plural,
    plural_word,
)
from schemas import outputs as out


def rollup_note_path(workbook: Path) -> Path:
    """The справка beside the region's workbook, under the same name."""
    return Path(workbook).with_name(f"Справка {Path(workbook).stem}.docx")


def _names(names: list[str]) -> str:
    return join_words([f"«{n}»" for n in names])


def _submission(result: Rollup) -> Section:
    section = Section("1. Представление отчётов муниципальными образованиями")
    counted = [d.name for d in result.districts if d.counted]
    expected = len(result.expected) if result.expected is not None else len(result.districts)
    section.blocks.append(f"Учтено отчётов муниципальных образований: {len(counted)} из "
                          f"{expected}" + (f" ({_names(counted)})." if counted else "."))
    missing = [d.name for d in result.districts if d.expected and d.file is None]
    rejected = [d.name for d in result.districts if d.file is not None and d.file.rejected]
    if missing:
        section.blocks.append(f"Не представили отчёт: {_names(missing)}.")
    if rejected:
        section.blocks.append(f"Отчёт отклонён (не вошёл в итоги): {_names(rejected)}; причины "
                              "— на листе «Замечания» свода региона.")
    if not missing and not rejected:
        section.blocks.append("Все ожидаемые муниципальные образования представили отчёты.")
    schools = result.count("schools_expected")
    section.blocks.append(
        f"Школ в учтённых отчётах: {number(schools)}; отчёты школ приняты: "
        f"{number(result.count('schools_accepted'))}, представлены в срок: "
        f"{number(result.count('schools_on_time'))}.")
    return section


def _participants(result: Rollup) -> Section:
    return Section("2. Участники наставничества", [
        f"В учтённых муниципальных образованиях: "
        f"{plural(result.count('mentors'), 'наставник', 'наставника', 'наставников')}, "
        f"{plural(result.count('mentees'), 'наставляемый', 'наставляемых', 'наставляемых')}, "
        f"{plural(result.count('pairs'), 'пара или группа', 'пары или группы', 'пар и групп')}."])


def _indicators(result: Rollup) -> Section:
    section = Section("3. Показатели региона")
    section.blocks.append(Table(
        "Показатели региона (из сумм числителей и знаменателей отчётов МО)",
        out.NOTE_INDICATORS.headers,
        [indicator_row(i, result.total.get(i.code)) for i in result.indicators],
        out.NOTE_INDICATORS.widths, numeric={0, 2, 3, 4}))
    return section


def _above_below(indicator: Indicator, result: Rollup) -> str | None:
    region = result.total.get(indicator.code)
    if region is None or region.percent is None:
        return None
    above, below = [], []
    for d in result.districts:
        value: Value | None = d.file.values.get(indicator.code) if d.counted and d.file else None
        if value is None or value.percent is None:
            continue
        if round(value.percent, 1) > round(region.percent, 1):
            above.append(d.name)
        elif round(value.percent, 1) < round(region.percent, 1):
            below.append(d.name)
    if not above and not below:
        return None
    text = f"{indicator.code} ({lower_first(indicator.name)}; по региону " \
           f"{percent(region.percent)}): "
    parts = []
    if above:
        parts.append(f"выше — {_names(above)}")
    if below:
        parts.append(f"ниже — {_names(below)}")
    return text + "; ".join(parts) + "."


def _comparison(result: Rollup) -> Section:
    lines = [t for t in (_above_below(i, result) for i in result.indicators) if t]
    return Section("4. Муниципальные образования выше и ниже показателей региона",
                   [Items(lines)] if lines else
                   ["Сравнить муниципальные образования не с чем: показатели не рассчитаны."])


def _recommendations(result: Rollup) -> Section:
    items = []
    missing = [d.name for d in result.districts if d.expected and d.file is None]
    rejected = [d.name for d in result.districts if d.file is not None and d.file.rejected]
    if missing:
        items.append(f"Запросить отчёты у муниципальных образований, не представивших их "
                     f"({_names(missing)}), и включить их в свод повторно.")
    if rejected:
        items.append(f"Попросить муниципальные образования с отклонёнными отчётами "
                     f"({_names(rejected)}) сформировать отчёт заново (nastavnik report) и "
                     "прислать его без пересохранения.")
    low = [i for i in result.indicators if _above_below(i, result) and any(
        d.counted and d.file and (v := d.file.values.get(i.code)) is not None
        and v.percent is not None and result.total[i.code].percent is not None
        and round(v.percent, 1) < round(result.total[i.code].percent, 1)
        for d in result.districts)]
    if low:
        items.append("Обсудить с муниципальными образованиями, отстающими от региона по "
                     f"{plural_word(len(low), 'показателю', 'показателям', 'показателям')} "
                     f"{join_words([i.code for i in low])}, меры по их повышению.")
    items.append("Продолжить ежемесячный мониторинг; следующий свод — по отчётам МО за "
                 "следующий месяц.")
    return Section("5. Выводы и рекомендации", ["Рекомендации:", Items(items, numbered=True)])


def rollup_note_text(result: Rollup, today: dt.date) -> Note:
    region = genitive(result.region) if result.region else None
    title = ["АНАЛИТИЧЕСКАЯ СПРАВКА", "о реализации целевой модели наставничества",
             f"в муниципальных образованиях {region or result.region or 'региона'}",
             f"за {month_year(result.period, 'acc')}"]
    intro = ["Справка подготовлена по отчётам муниципальных образований (форма nastavnik, "
             f"лист «{out.DATA.sheet}») за {month_year(result.period, 'acc')}. Показатели "
             "региона рассчитаны из сумм числителей и знаменателей муниципальных образований, а "
             "не как среднее их процентов. Сведений о физических лицах справка не содержит."]
    return Note(title=title, date_line=f"Дата составления: {date_words(today)}", intro=intro,
                sections=[_submission(result), _participants(result), _indicators(result),
                          _comparison(result), _recommendations(result)],
                signature="Исполнитель: ______________________  /______________________/")


def write_rollup_note(result: Rollup, path: Path, *, today: dt.date | None = None) -> Path:
    today = today or dt.date.today()
    return save_note(rollup_note_text(result, today), path,
                     f"Аналитическая справка: {result.region or 'регион'}, {result.period}",
                     today)
