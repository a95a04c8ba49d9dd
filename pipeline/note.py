"""The «Аналитическая справка» for a month: what a district methodologist writes up, in Word.

Written from a DistrictReport only — counts, indicators and the names of schools, never a
person or a contact (SPEC §5). The text is composed here from the numbers (`note_text` gives
it as plain paragraphs); `write_note` lays it out as a .docx with a table and two charts.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from pipeline import standing
from pipeline.indicators import Indicator, Value
from pipeline.issues import CODES, SEVERITY_RU
from pipeline.report import DistrictReport, SchoolReport
from pipeline.russian import (
    NBSP,
    by_gender,
    date_words,
    decimal,
    from_to,
    gender_of,
    genitive,
    join_words,
    lower_first,
    month,
    month_year,
    number,
    percent,
    place_genitive,
    plural,
    plural_word,
    points,
    round_half_up,
)
from pipeline.workbooks import atomic_path
from pipeline.workspace import previous_period
from schemas import outputs as out
from schemas import vocab as v

# An indicator of coverage (a share of people in active pairs) below this is called low;
# a satisfaction below SATISFACTION_LOW asks for a look at the reasons.
COVERAGE_LOW = 50.0
SATISFACTION_LOW = 70.0
# A change of an indicator by at least this many percentage points is named in the conclusions.
NOTABLE_CHANGE = 1.0
MAX_PROBLEMS_SHOWN = 8

# What a methodologist calls each problem (SPEC §3), as a short phrase.
PROBLEMS: dict[str, str] = {
    "unreadable-file": "файл не открывается как книга Excel",
    "encrypted-file": "файл защищён паролем",
    "not-a-form": "прислан файл не по форме «Наставничество»",
    "missing-sheet": "в файле нет обязательного листа",
    "missing-column": "на листе нет обязательного столбца",
    "unknown-school": "код ОО не найден в реестре",
    "period-mismatch": "в файле указан другой отчётный период",
    "file-too-large": "файл превышает допустимый размер",
    "required": "не заполнены обязательные поля",
    "bad-value": "значение не из раскрывающегося списка",
    "bad-date": "дата записана в неверном формате",
    "bad-number": "вместо числа записан текст",
    "out-of-range": "значение вне допустимых границ",
    "bad-name": "ФИО записано с ошибками",
    "duplicate-person": "один и тот же человек записан в списке дважды",
    "unknown-mentor": "в паре указан наставник, которого нет в списке наставников",
    "unknown-mentee": "в паре указан наставляемый, которого нет в списке наставляемых",
    "self-pair": "наставник и наставляемый в паре — один человек",
    "date-order": "даты указаны в неверном порядке",
    "form-role-mismatch": "форма наставничества не соответствует категориям участников",
    "missing-end-date": "не указана дата окончания завершённой пары",
    "duplicate-pair": "пара записана дважды",
    "group-mentor-mismatch": "в одной группе указаны разные наставники",
    "mixed-script": "в ФИО латинские буквы вместо русских",
    "no-pd-consent": "нет согласия на обработку персональных данных",
    "no-mentoring-consent": "нет письменного согласия педагога на наставничество "
                            "(ст. 351.8 ТК РФ)",
    "mentor-overload": "у наставника больше наставляемых, чем допустимо",
    "mentee-multiple-pairs": "наставляемый состоит в нескольких действующих парах",
    "stale-active-pair": "пара числится действующей после даты окончания",
    "category-experience-mismatch": "категория «молодой специалист» при стаже более 3 лет",
    "unpaired-mentee": "наставляемый не включён ни в одну пару",
    "unpaired-mentor": "наставник не включён ни в одну пару",
    "title-count-mismatch": "списки расходятся с числами на листе «Титул»",
    "missing-satisfaction": "не указана оценка удовлетворённости по завершённой паре",
    "cross-school-duplicate": "один человек записан в списках двух школ",
    "program-duration": "продолжительность программы педагога — не 3–12 месяцев",
    "pair-vanished": "пара исчезла из списка без отметки о завершении",
    "formula-in-cell": "в ячейке формула вместо значения",
    "link-to-rejected-person": "в паре указан человек, чья строка не принята из-за ошибки",
}

STATUS_ACCEPTED_WITH_REMARKS = standing.WITH_REMARKS
STATUS_REJECTED = standing.REJECTED


def problem_text(code: str) -> str:
    """A short Russian description of an issue code; for a code not described here, the
    code's own message when it has no placeholders, else its severity and the code."""
    if code in PROBLEMS:
        return PROBLEMS[code]
    if code in CODES:
        severity, what, _ = CODES[code]
        if "{" not in what:
            return lower_first(what.rstrip("."))
        return f"{SEVERITY_RU[severity]} «{code}»"
    return f"замечание «{code}»"


# --- the text --------------------------------------------------------------------------------


@dataclass
class Figure:
    """A chart: bars with labels, drawn when the document is laid out."""

    caption: str
    labels: list[str]
    values: list[float]
    axis: str


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]  # cm
    numeric: set[int] = field(default_factory=set)  # columns aligned to the centre
    bold_last: bool = False


@dataclass
class Section:
    heading: str
    blocks: list[Any] = field(default_factory=list)  # str paragraphs, Items, Figure, Table


@dataclass
class Items:
    """A list: «– item;» (bullets) or «1. item» (numbered)."""

    items: list[str]
    numbered: bool = False


@dataclass
class Note:
    title: list[str]
    date_line: str
    intro: list[str]
    sections: list[Section]
    signature: str
    appendix: Section | None = None


def _school_names(schools: Iterable[SchoolReport]) -> str:
    return ", ".join(s.name for s in schools)


def _with_comma(name: str) -> str:
    """An indicator's name before a dash: a trailing participial phrase is closed by a comma
    («доля наставников, прошедших обучение, — 73,8 %»)."""
    return name + "," if "," in name else name


def _value_phrase(indicator: Indicator, value: Value) -> str:
    text = f"{_with_comma(lower_first(indicator.name))} — {percent(value.percent)}"
    if indicator.scale == 100 and value.numerator is not None and value.denominator \
            and value.numerator <= value.denominator:
        text += f" ({number(value.numerator)} из {number(value.denominator)})"
    return text


def _counts(report: DistrictReport) -> dict[str, int]:
    return {k: report.count(k) for k in ("mentors", "mentees", "pairs", "links")}


def _summary(report: DistrictReport) -> list[str]:
    period = report.period
    if report.expected == 0:
        return [f"На {month_year(period, 'acc')} в реестре нет школ, которые должны представлять "
                "отчёт о наставничестве."]
    n, got, in_time, accepted = report.expected, report.received, report.on_time, report.accepted
    remarks = sum(1 for s in report.schools if s.status == STATUS_ACCEPTED_WITH_REMARKS)
    rejected, missing = len(report.rejected), len(report.missing)
    deadline = date_words(report.deadline.date())
    first = (f"Отчёт за {month_year(period, 'acc')} "
             f"{plural_word(n, 'должна была', 'должны были', 'должны были')} представить "
             f"{plural(n, 'школа', 'школы', 'школ')}. ")
    if got == 0:
        first += "Ни одна школа отчёт не представила."
        return [first]
    first += (f"{plural_word(got, 'Представила', 'Представили', 'Представили')} отчёт "
              f"{plural(got, 'школа', 'школы', 'школ')} ({percent(got / n * 100)}). ")
    if accepted:  # the deadline is judged for accepted reports only (pipeline/standing.py)
        first += (f"{plural_word(accepted, 'Принят', 'Принято', 'Принято')} "
                  f"{plural(accepted, 'отчёт', 'отчёта', 'отчётов')}, из них в установленный "
                  f"срок (до {deadline}) — {number(in_time)}")
        first += f", с замечаниями — {number(remarks)}" if remarks else ""
    else:
        first += "Ни один отчёт не принят"
    if rejected:
        first += (f"; {plural_word(rejected, 'отклонён', 'отклонено', 'отклонено')} "
                  f"{plural(rejected, 'отчёт', 'отчёта', 'отчётов')}")
    if missing:
        first += (f"; {plural_word(missing, 'не представила', 'не представили', 'не представили')}"
                  f" отчёт {plural(missing, 'школа', 'школы', 'школ')}")
    paragraphs = [first + "."]

    if not accepted:
        paragraphs.append("Принятых отчётов нет, поэтому численность участников и значения "
                          f"показателей за {month_year(period, 'acc')} не рассчитаны.")
        return paragraphs
    counts = _counts(report)
    pairs, statuses = counts["pairs"], report.by("by_status")
    second = (f"В принятых отчётах учтены {plural(counts['mentors'], 'наставник', 'наставника', 'наставников')}"
              f" и {plural(counts['mentees'], 'наставляемый', 'наставляемых', 'наставляемых')}; "
              f"всего {plural(pairs, 'наставническая пара (группа)', 'наставнические пары (группы)', 'наставнических пар (групп)')}")
    parts = []
    for status, forms in ((v.STATUS_ACTIVE, ("действует", "действуют", "действуют")),
                          (v.STATUS_FINISHED, ("завершена", "завершены", "завершены")),
                          (v.STATUS_STOPPED, ("прекращена досрочно", "прекращены досрочно",
                                              "прекращены досрочно"))):
        if statuses[status]:
            parts.append(f"{plural_word(statuses[status], *forms)} {number(statuses[status])}")
    if parts and pairs:
        second += ", из них " + ", ".join(parts)
    paragraphs.append(second + ".")

    computed = [(i, report.total[i.code]) for i in report.indicators
                if i.code in report.total and report.total[i.code].percent is not None]
    absent = [i for i in report.indicators if i not in [c[0] for c in computed]]
    third = ""
    if computed:
        third = "Значения показателей по округу: " + "; ".join(
            _value_phrase(i, val) for i, val in computed) + "."
    if absent:
        third += (" " if third else "") + (
            "Не рассчитаны (нет данных для расчёта) показатели: " if len(absent) > 1 else
            "Не рассчитан (нет данных для расчёта) показатель ") + ", ".join(
            f"«{i.name}»" for i in absent) + "."
    if third:
        paragraphs.append(third)
    return paragraphs


def _fatal_reasons(school: SchoolReport) -> str:
    codes = [c for c in school.issues if CODES.get(c, ("",))[0] == "fatal"]
    return "; ".join(problem_text(c) for c in codes)


def _submission_section(report: DistrictReport) -> Section:
    section = Section("1. Представление отчётов")
    blocks = section.blocks
    period_acc = month_year(report.period, "acc")
    missing, rejected = report.missing, report.rejected
    late = [s for s in report.schools if s.reported and s.on_time is False]
    remarks = [s for s in report.schools if s.status == STATUS_ACCEPTED_WITH_REMARKS]
    if not report.expected:
        blocks.append("Отчёты не ожидались: в реестре нет школ, действующих в этом месяце.")
        return section
    if not (missing or rejected or late or remarks):
        blocks.append("Все школы представили отчёты в установленный срок; все отчёты приняты "
                      "без замечаний.")
        return section
    if missing:
        blocks.append(f"Не {plural_word(len(missing), 'представила', 'представили', 'представили')}"
                      f" отчёт за {period_acc}: {_school_names(missing)}.")
    if rejected:
        reasons = [f"{s.name} ({_fatal_reasons(s)})" if _fatal_reasons(s) else s.name
                   for s in rejected]
        blocks.append(f"{plural_word(len(rejected), 'Отклонён отчёт', 'Отклонены отчёты', 'Отклонены отчёты')}"
                      f" (файл не соответствует требованиям к форме, сведения в свод не вошли): "
                      f"{'; '.join(reasons)}.")
    if late:
        blocks.append(f"{plural_word(len(late), 'Представила', 'Представили', 'Представили')} "
                      f"отчёт с нарушением срока (после {date_words(report.deadline.date())}): "
                      f"{_school_names(late)}.")
    if remarks:
        blocks.append(f"{plural_word(len(remarks), 'Принят', 'Приняты', 'Приняты')} с замечаниями "
                      f"(строки с ошибками в свод не вошли): {_school_names(remarks)}.")
    return section


def _in_accepted(n: int) -> str:
    """«в школе, отчёт которой принят,» / «во всех 11 школах, отчёты которых приняты,»."""
    if n == 1:
        return "в школе, отчёт которой принят,"
    return f"во всех {plural(n, 'школе', 'школах', 'школах')}, отчёты которых приняты,"


def _share(part: int, whole: int) -> str:
    return percent(part / whole * 100) if whole else "—"


def _participants_section(report: DistrictReport) -> Section:
    section = Section("2. Участники и формы наставничества")
    blocks = section.blocks
    accepted = [s for s in report.schools if s.accepted]
    if not accepted:
        blocks.append("Принятых отчётов нет; сведения об участниках отсутствуют.")
        return section
    by_form = report.by("by_form")
    pairs = sum(by_form.values())
    if pairs:
        forms = [f"«{form}» — {number(n)} ({_share(n, pairs)})"
                 for form, n in by_form.most_common()]
        blocks.append("Распределение наставнических пар и групп по формам наставничества "
                      "(рисунок 1): " + "; ".join(forms) + ".")
        teachers = sum(by_form[f] for f in v.TEACHER_FORMS)
        pupils = pairs - teachers
        lead = ("Преобладает наставничество педагогических работников" if teachers > pupils else
                "Преобладает наставничество обучающихся" if pupils > teachers else
                "Наставничество педагогов и наставничество обучающихся представлены поровну")
        blocks.append(f"{lead}: формы «{'», «'.join(v.TEACHER_FORMS)}» — {number(teachers)} "
                      f"({_share(teachers, pairs)}), остальные формы — {number(pupils)} "
                      f"({_share(pupils, pairs)}).")
        by_kind = report.by("by_kind")
        kinds = [f"{kind} — {number(n)}" for kind, n in by_kind.most_common()]
        if kinds:
            blocks.append("По видам наставничества: " + "; ".join(kinds) + ".")
        blocks.append(Figure("Наставнические пары и группы по формам наставничества",
                             [f for f, _ in by_form.most_common()],
                             [n for _, n in by_form.most_common()], "пар и групп"))
    without = [s for s in accepted if not s.counts.get("pairs")]
    if without:
        blocks.append(f"Не {plural_word(len(without), 'сформировано', 'сформировано', 'сформировано')}"
                      f" ни одной наставнической пары (группы) в "
                      f"{plural_word(len(without), 'школе', 'школах', 'школах')}: "
                      f"{_school_names(without)}.")
    ranked = sorted(accepted, key=lambda s: (-s.counts.get("pairs", 0), s.code))
    blocks.append(Figure("Наставнические пары и группы по школам (по принятым отчётам)",
                         [s.name for s in ranked], [s.counts.get("pairs", 0) for s in ranked],
                         "пар и групп"))
    return section


def indicator_row(indicator: Indicator, value: Value | None) -> list[str]:
    if value is None:
        return [indicator.code, indicator.name, "—", "—", "—"]
    return [indicator.code, indicator.name,
            "—" if value.numerator is None else number(value.numerator),
            "—" if value.denominator is None else number(value.denominator),
            "—" if value.percent is None else decimal(value.percent)]


def _indicators_section(report: DistrictReport) -> Section:
    section = Section("3. Показатели реализации целевой модели наставничества")
    blocks = section.blocks
    blocks.append("Значения показателей по округу рассчитаны по принятым отчётам как отношение "
                  "суммы числителей к сумме знаменателей по школам (таблица 1); значения по "
                  "каждой школе приведены в приложении.")
    blocks.append(Table(f"Показатели по округу за {month_year(report.period, 'acc')}",
                        out.NOTE_INDICATORS.headers,
                        [indicator_row(i, report.total.get(i.code)) for i in report.indicators],
                        out.NOTE_INDICATORS.widths, numeric={0, 2, 3, 4}))
    notes = []
    for indicator in report.indicators:
        zero = [s for s in report.schools if s.accepted
                and (val := s.values.get(indicator.code)) is not None
                and val.denominator and val.numerator == 0]
        if zero:
            notes.append(f"«{indicator.name}» — в {plural(len(zero), 'школе', 'школах', 'школах')}"
                         f": {_school_names(zero)}")
    if notes:
        blocks.append("Нулевые значения показателей:")
        blocks.append(Items([note + ";" for note in notes[:-1]] + [notes[-1] + "."]))
    if any(i.code in report.total and report.total[i.code].percent is None
           for i in report.indicators):
        blocks.append("Прочерк означает, что показатель не рассчитан: в принятых отчётах нет "
                      "данных для его знаменателя (например, нет пар, завершённых в отчётном "
                      "месяце).")
    return section


def _count_change(label: str, before: float, after: float) -> str:
    if before == after:
        return f"{label} не изменилось ({number(after)})"
    verb = "увеличилось" if after > before else "уменьшилось"
    return f"{label} {verb} на {number(abs(after - before))} ({from_to(before, after)})"


def _indicator_change(indicator: Indicator, before: float, after: float) -> str:
    gender = gender_of(indicator.name)
    name = _with_comma(lower_first(indicator.name))
    delta = round_half_up(after) - round_half_up(before)
    if abs(delta) < 0.05:
        return (f"{name} не {by_gender(gender, 'изменился', 'изменилась', 'изменилось')} "
                f"({percent(after)})")
    verb = by_gender(gender, "вырос", "выросла", "выросло") if delta > 0 else \
        by_gender(gender, "снизился", "снизилась", "снизилось")
    return f"{name} {verb} на {points(delta)} ({from_to(before, after, '%')})"


def _indicator_changes(report: DistrictReport) -> list[tuple[Indicator, float, float]]:
    previous = report.previous
    if previous is None:
        return []
    found = []
    for indicator in report.indicators:
        now, before = report.total.get(indicator.code), previous.total.get(indicator.code)
        if now is not None and before is not None and now.percent is not None \
                and before.percent is not None:
            found.append((indicator, before.percent, now.percent))
    return found


def _both_months(report: DistrictReport) -> str:
    before, now = previous_period(report.period), report.period
    if before[:4] == now[:4]:
        return f"и в {month(before, 'prep')}, и в {month_year(now, 'prep')}"
    return f"и в {month_year(before, 'prep')}, и в {month_year(now, 'prep')}"


def _dynamics_section(report: DistrictReport) -> Section:
    section = Section("4. Сравнение с предыдущим периодом")
    blocks = section.blocks
    previous = report.previous
    before = previous_period(report.period)
    if previous is None:
        blocks.append(f"Сравнение с предыдущим периодом не проводится: сведения за "
                      f"{month_year(before, 'acc')} отсутствуют (свод за этот месяц не "
                      "выполнялся).")
        return section
    now, then = _counts(report), _counts(previous)
    items = [
        _count_change("число школ, представивших отчёт,", previous.received, report.received),
        _count_change("число принятых отчётов", previous.accepted, report.accepted),
        _count_change("число наставников", then["mentors"], now["mentors"]),
        _count_change("число наставляемых", then["mentees"], now["mentees"]),
        _count_change("число наставнических пар и групп", then["pairs"], now["pairs"]),
    ]
    items += [_indicator_change(i, b, a) for i, b, a in _indicator_changes(report)]
    blocks.append(f"По сравнению с {month_year(before, 'ins')}:")
    blocks.append(Items([item + ";" for item in items[:-1]] + [items[-1] + "."]))
    both = {s.code for s in report.schools if s.accepted} & \
        {s.code for s in previous.schools if s.accepted}
    now_codes = {s.code for s in report.schools if s.accepted}
    then_codes = {s.code for s in previous.schools if s.accepted}
    if both and (now_codes != then_codes):
        pairs_now = sum(s.counts.get("pairs", 0) for s in report.schools if s.code in both)
        pairs_then = sum(s.counts.get("pairs", 0) for s in previous.schools if s.code in both)
        blocks.append(
            "Часть изменений связана с разным составом принятых отчётов. По "
            f"{plural(len(both), 'школе', 'школам', 'школам')}, "
            f"{plural_word(len(both), 'отчёт которой принят', 'отчёты которых приняты', 'отчёты которых приняты')} "
            f"{_both_months(report)}, "
            + _count_change("число наставнических пар и групп", pairs_then, pairs_now) + ".")
    return section


def _documents_section(report: DistrictReport) -> Section:
    section = Section("5. Нормативное обеспечение")
    blocks = section.blocks
    accepted = [s for s in report.schools if s.accepted]
    if not accepted:
        blocks.append("Принятых отчётов нет; сведения о документах отсутствуют.")
        return section
    lacking = []
    for document in v.DOCUMENTS:
        absent = [s for s in accepted if s.documents.get(document) is False]
        unknown = [s for s in accepted if s.documents.get(document) is None]
        parts = []
        if absent:
            parts.append(f"нет в {plural(len(absent), 'школе', 'школах', 'школах')} "
                         f"({_school_names(absent)})")
        if unknown:
            parts.append(f"не указано в {plural(len(unknown), 'школе', 'школах', 'школах')} "
                         f"({_school_names(unknown)})")
        if parts:
            lacking.append(f"{document}: " + "; ".join(parts))
    if not lacking:
        blocks.append(f"{_in_accepted(len(accepted)).capitalize()} имеются все документы: "
                      + "; ".join(
                          lower_first(d) for d in v.DOCUMENTS) + ".")
        return section
    blocks.append(f"По данным {plural(len(accepted), 'принятого отчёта', 'принятых отчётов', 'принятых отчётов')}"
                  " отсутствуют или не указаны документы:")
    blocks.append(Items([item + ";" for item in lacking[:-1]] + [lacking[-1] + "."]))
    return section


def _problems_section(report: DistrictReport) -> Section:
    section = Section("6. Замечания к заполнению отчётов")
    blocks = section.blocks
    problems = report.problems
    if not report.received:
        blocks.append("Отчёты не поступали.")
        return section
    if not problems:
        blocks.append("Замечаний к заполнению отчётов нет.")
        return section
    severity = Counter()
    for code, n in problems:
        severity[CODES.get(code, ("warning",))[0]] += n
    total = sum(n for _, n in problems)
    head = f"При проверке отчётов выявлено {plural(total, 'замечание', 'замечания', 'замечаний')}"
    kinds = [f"{label} — {number(severity[s])}" for s, label in
             (("fatal", "препятствующих приёму файла"), ("error", "ошибок"),
              ("warning", "предупреждений")) if severity[s]]
    blocks.append(head + (" (" + ", ".join(kinds) + ")" if kinds else "")
                  + ". Наиболее частые:")
    items = []
    for code, n in problems[:MAX_PROBLEMS_SHOWN]:
        schools = sum(1 for s in report.schools if s.issues.get(code))
        where = f" (в {plural(schools, 'школе', 'школах', 'школах')})" if n > 1 else ""
        items.append(f"{problem_text(code)} — {plural(n, 'случай', 'случая', 'случаев')}{where}")
    rest = sum(n for _, n in problems[MAX_PROBLEMS_SHOWN:])
    if rest:
        items.append(f"прочие замечания — {plural(rest, 'случай', 'случая', 'случаев')}")
    blocks.append(Items([item + ";" for item in items[:-1]] + [items[-1] + "."]))
    serious = {c for c, _ in problems}
    most = sorted(((sum(n for c, n in s.issues.items() if c in serious), s)
                   for s in report.schools), key=lambda p: (-p[0], p[1].code))
    most = [(n, s) for n, s in most[:3] if n > 1]
    if most:
        blocks.append("Больше всего замечаний — в "
                      + plural_word(len(most), "отчёте", "отчётах", "отчётах") + " " + ", ".join(
            f"{s.name} ({number(n)})" for n, s in most) + ".")
    blocks.append("Строки с ошибками в свод не вошли; каждой школе подготовлен файл с "
                  "замечаниями, в котором отмечены ячейки с ошибками.")
    return section


def _kind(indicator: Indicator) -> str:
    """What an indicator measures, read from its definition (not from its code)."""
    top = indicator.numerator
    if top.sum and "satisfaction" in top.sum:
        return "satisfaction"
    if top.table == "mentors" and any(key == "trained" for key, _, _ in top.where):
        return "training"
    if top.active_link and top.table in ("mentors", "mentees"):
        return "coverage"
    return "other"


def _conclusions(report: DistrictReport) -> list[str]:
    found = []
    if report.expected:
        missing, rejected = len(report.missing), len(report.rejected)
        late = sum(1 for s in report.schools if s.reported and s.on_time is False)
        if not (missing or rejected or late):
            found.append("Все школы представили отчёты в установленный срок, отчёты приняты.")
        else:
            parts = []
            if missing:
                parts.append(f"{plural_word(missing, 'не представила', 'не представили', 'не представили')}"
                             f" отчёт {plural(missing, 'школа', 'школы', 'школ')}")
            if rejected:
                parts.append(f"{plural_word(rejected, 'отклонён', 'отклонено', 'отклонено')} "
                             f"{plural(rejected, 'отчёт', 'отчёта', 'отчётов')}")
            if late:
                parts.append(f"с нарушением срока {plural_word(late, 'представлен', 'представлено', 'представлено')}"
                             f" {plural(late, 'отчёт', 'отчёта', 'отчётов')}")
            found.append("Своевременность и полнота представления отчётов требуют внимания: "
                         + ", ".join(parts) + ".")
    accepted = [s for s in report.schools if s.accepted]
    if accepted:
        without = [s for s in accepted if not s.counts.get("pairs")]
        if without:
            found.append("Наставнические пары (группы) сформированы не во всех школах.")
        else:
            found.append(f"Наставнические пары (группы) сформированы {_in_accepted(len(accepted))}"
                         .rstrip(",") + ".")
    low = [(i, report.total[i.code].percent) for i in report.indicators
           if _kind(i) in ("coverage", "training") and i.code in report.total
           and (report.total[i.code].percent or 0) < COVERAGE_LOW
           and report.total[i.code].percent is not None]
    if low:
        found.append(f"{plural_word(len(low), 'Низкое значение имеет показатель', 'Низкие значения имеют показатели', 'Низкие значения имеют показатели')} "
                     + join_words([f"«{i.name}» ({percent(p)})" for i, p in low]) + ".")
    changes = _indicator_changes(report)
    if report.previous is not None and changes:
        up = [(i, round_half_up(a) - round_half_up(b)) for i, b, a in changes
              if round_half_up(a) - round_half_up(b) >= NOTABLE_CHANGE]
        down = [(i, round_half_up(b) - round_half_up(a)) for i, b, a in changes
                if round_half_up(b) - round_half_up(a) >= NOTABLE_CHANGE]
        since = f"По сравнению с {month_year(previous_period(report.period), 'ins')}"
        said = []
        if up:
            said.append(f"{plural_word(len(up), 'вырос показатель', 'выросли показатели', 'выросли показатели')} "
                        + join_words([f"«{i.name}» (на {points(d)})" for i, d in up]))
        if down:
            said.append(f"{plural_word(len(down), 'снизился показатель', 'снизились показатели', 'снизились показатели')} "
                        + join_words([f"«{i.name}» (на {points(d)})" for i, d in down]))
        if said:
            found.append(f"{since} " + "; ".join(said) + ".")
        else:
            found.append(f"{since} значения показателей существенно не изменились.")
    return found


def _heads(schools: list[SchoolReport]) -> str:
    return (f"{plural_word(len(schools), 'Руководителю', 'Руководителям', 'Руководителям')} "
            f"{_school_names(schools)}")


def _recommendations(report: DistrictReport) -> list[str]:
    period_acc = month_year(report.period, "acc")
    found = []
    if report.missing:
        found.append(f"{_heads(report.missing)} обеспечить представление отчёта за {period_acc}.")
    if report.rejected:
        found.append(f"{_heads(report.rejected)} устранить причины отклонения отчёта (они "
                     f"указаны в файле с замечаниями) и представить отчёт за {period_acc} "
                     "повторно.")
    late = [s for s in report.schools if s.reported and s.on_time is False]
    if late:
        found.append(f"{_heads(late)} обеспечить соблюдение срока представления отчёта "
                     f"(до {report.deadline.day}-го числа месяца, следующего за отчётным).")
    coverage = []
    for indicator in report.indicators:
        value = report.total.get(indicator.code)
        if value is None or value.percent is None:
            continue
        kind = _kind(indicator)
        if kind == "training" and value.numerator is not None and value.denominator \
                and value.numerator < value.denominator:
            untrained = int(value.denominator - value.numerator)
            found.append("Руководителям ОО организовать обучение наставников, не прошедших "
                         "подготовку (" + plural(untrained, "наставник", "наставника",
                                                  "наставников")
                         + f"; показатель «{indicator.name}» — {percent(value.percent)}), "
                         "в том числе по программам повышения квалификации для наставников.")
        elif kind == "satisfaction" and value.percent < SATISFACTION_LOW:
            found.append(f"Кураторам ОО проанализировать причины невысокого значения показателя "
                         f"«{indicator.name}» ({percent(value.percent)}): провести анкетирование "
                         "участников завершённых программ наставничества и скорректировать "
                         "персонализированные программы.")
        elif kind == "coverage" and value.percent < COVERAGE_LOW:
            coverage.append(f"«{indicator.name}» ({percent(value.percent)})")
    if coverage:
        found.append("Руководителям и кураторам ОО активизировать работу по вовлечению "
                     "обучающихся и педагогов в наставничество (формирование баз наставников и "
                     "наставляемых, закрепление наставнических пар и групп приказом); низкие "
                     "значения имеют показатели " + join_words(coverage) + ".")
    codes = {c for c, _ in report.problems}
    if "no-mentoring-consent" in codes:
        found.append("Руководителям ОО обеспечить наличие письменного согласия педагогических "
                     "работников на выполнение обязанностей наставника (ст. 351.8 Трудового "
                     "кодекса Российской Федерации).")
    if "no-pd-consent" in codes:
        found.append("Кураторам ОО обеспечить получение согласий участников наставничества "
                     "(для несовершеннолетних — их законных представителей) на обработку "
                     "персональных данных.")
    accepted = [s for s in report.schools if s.accepted]
    if any(s.documents.get(d) is not True for s in accepted for d in v.DOCUMENTS):
        found.append("Руководителям ОО, в которых отсутствуют документы по наставничеству "
                     "(раздел 5), утвердить их и разместить в разделе «Наставничество» на "
                     "официальном сайте.")
    if report.problems:
        top = [problem_text(c) for c, _ in report.problems[:3]]
        found.append("Провести для кураторов ОО методическую консультацию (вебинар) по "
                     "заполнению формы «Наставничество» с разбором типичных ошибок: "
                     + "; ".join(top) + ".")
    found.append("Продолжить формирование муниципальной базы успешных практик наставничества, "
                 "обобщить и распространить опыт школ с высокими значениями показателей.")
    return found


def _appendix(report: DistrictReport) -> Section:
    section = Section("Показатели по образовательным организациям за "
                      + month_year(report.period, "acc"))
    codes = [i.code for i in report.indicators]
    headers = [*out.NOTE_SCHOOLS.headers, *[f"{c}, %" for c in codes]]
    rows = []
    for n, school in enumerate(report.schools, start=1):
        status = school.status + (", с опозданием" if school.reported
                                  and school.on_time is False else "")
        if school.accepted:
            counts = [number(school.counts.get(k, 0)) for k in ("mentors", "mentees", "pairs")]
            values = [percent_cell(school.values.get(c)) for c in codes]
        else:
            counts, values = ["—"] * 3, ["—"] * len(codes)
        rows.append([str(n), school.name, status, *counts, *values])
    totals = _counts(report)
    rows.append(["", "Итого по округу", f"принято {number(report.accepted)} из "
                 f"{number(report.expected)}",
                 *[number(totals[k]) for k in ("mentors", "mentees", "pairs")],
                 *[percent_cell(report.total.get(c)) for c in codes]])
    width = 25.7
    fixed = out.NOTE_SCHOOLS.widths
    each = max((width - sum(fixed)) / max(len(codes), 1), 1.4)
    section.blocks.append(Table("", headers, rows, [*fixed, *[each] * len(codes)],
                                numeric={0, *range(3, len(headers))}, bold_last=True))
    legend = "; ".join(f"{i.code} — {lower_first(i.name)}" for i in report.indicators)
    section.blocks.append(f"Показатели: {legend}. Прочерк — отчёт не принят или показатель не "
                          "рассчитан (нет данных для знаменателя).")
    return section


def percent_cell(value: Value | None) -> str:
    return "—" if value is None or value.percent is None else decimal(value.percent)


def note_text(report: DistrictReport, today: dt.date | None = None) -> Note:
    """The справка as structured text, ready to be laid out."""
    today = today or dt.date.today()
    period = report.period
    where = place_genitive(report.district)
    region = genitive(report.region) if report.region else None
    title = ["АНАЛИТИЧЕСКАЯ СПРАВКА", "о реализации целевой модели наставничества",
             f"в образовательных организациях {where}"
             + (f" {region}" if region else ""),
             f"за {month_year(period, 'acc')}"]
    if report.region and not region:
        title.append(f"({report.region})")
    intro = [
        "Справка подготовлена по итогам ежемесячного мониторинга реализации целевой модели "
        "наставничества обучающихся (распоряжение Минпросвещения России от 25.12.2019 "
        f"№{NBSP}Р-145) и системы наставничества педагогических работников (письмо "
        f"Минпросвещения России от 21.12.2021 №{NBSP}АЗ-1128/08) на основании отчётов школ "
        f"по форме «Наставничество» за {month_year(period, 'acc')}. Срок представления "
        "отчётов — до "
        f"{date_words(report.deadline.date())}.",
        *_summary(report),
    ]
    sections = [_submission_section(report), _participants_section(report),
                _indicators_section(report), _dynamics_section(report),
                _documents_section(report), _problems_section(report)]
    final = Section("7. Выводы и рекомендации")
    final.blocks.extend(_conclusions(report))
    final.blocks.append("Рекомендации:")
    final.blocks.append(Items(_recommendations(report), numbered=True))
    sections.append(final)
    date_line = f"Дата составления: {date_words(today)}"
    if report.approval:
        date_line += f"\n{report.approval}"
    return Note(title=title, date_line=date_line,
                intro=intro, sections=sections,
                signature="Исполнитель: ______________________  /______________________/",
                appendix=_appendix(report) if report.schools else None)


# --- the document ----------------------------------------------------------------------------

FONT = "Times New Roman"
BODY_PT, TABLE_PT, SMALL_PT = 14, 12, 10
TEXT_WIDTH_CM = 17.0


def _set_font(style: Any, size: int) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _document() -> Any:
    document = Document()
    normal = document.styles["Normal"]
    _set_font(normal, BODY_PT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.different_first_page_header_footer = True
    _page_number(section.header.paragraphs[0])
    return document


def _page_number(paragraph: Any) -> None:
    """A PAGE field in the header, centred (first page without it, as in office documents)."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field_ = OxmlElement("w:fldSimple")
    field_.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field_.append(run)
    paragraph._p.append(field_)
    for r in paragraph.runs:
        r.font.size = Pt(SMALL_PT + 2)


def _paragraph(document: Any, text: str, *, align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
               indent: bool = True, bold: bool = False, size: int | None = None,
               after: float = 0, before: float = 0, keep: bool = False) -> Any:
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    form = paragraph.paragraph_format
    form.first_line_indent = Cm(1.25) if indent else Cm(0)
    form.space_after, form.space_before = Pt(after), Pt(before)
    form.keep_with_next = keep
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def _items(document: Any, items: Items) -> None:
    for n, item in enumerate(items.items, start=1):
        mark = f"{n}." if items.numbered else "–"
        last = n == len(items.items)
        paragraph = _paragraph(document, f"{mark}\t{item}", indent=False, after=3 if last else 0)
        form = paragraph.paragraph_format
        form.left_indent = Cm(1.25 + 0.75)
        form.first_line_indent = Cm(-0.75)
        form.tab_stops.add_tab_stop(Cm(1.25 + 0.75))


def _cell_text(cell: Any, text: str, *, bold: bool, size: int, align: Any) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = Cm(0)
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def _row_flag(row: Any, name: str) -> None:
    """w:tblHeader (repeat on every page) or w:cantSplit (keep a row on one page)."""
    flag = OxmlElement(name)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _fixed_layout(grid: Any, widths: list[float]) -> None:
    # LibreOffice reads the grid's column widths, Word the cells'; give both, and a fixed
    # layout so neither stretches a column to its longest word
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(layout)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)


def _table(document: Any, table: Table, number_: int | None, size: int) -> None:
    if table.caption:
        _paragraph(document, f"Таблица {number_} — {table.caption}", indent=False,
                   size=size, before=6, after=3, keep=True)
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _fixed_layout(grid, table.widths)
    # a short table stays on one page with its caption; a long one repeats its header
    together = len(table.rows) <= 12
    for r, values in enumerate([table.headers, *table.rows]):
        row = grid.rows[r]
        head = r == 0
        last = r == len(table.rows)
        _row_flag(row, "w:cantSplit")
        for c, text in enumerate(values):
            cell = row.cells[c]
            cell.width = Cm(table.widths[c])
            align = WD_ALIGN_PARAGRAPH.CENTER if head or c in table.numeric else \
                WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(cell, text, bold=head or (last and table.bold_last), size=size,
                       align=align)
            cell.paragraphs[0].paragraph_format.keep_with_next = together and not last
    _row_flag(grid.rows[0], "w:tblHeader")
    _paragraph(document, "", after=3)


def _chart(figure: Figure) -> bytes:
    # the object-oriented API draws with Agg and never touches pyplot's global state
    from matplotlib.figure import Figure as Canvas
    from matplotlib.ticker import MaxNLocator

    size = 9
    height = 0.6 + 0.3 * len(figure.labels)
    canvas = Canvas(figsize=(6.5, max(height, 1.6)), dpi=200)
    axes = canvas.subplots()
    positions = list(range(len(figure.labels)))
    bars = axes.barh(positions, figure.values, color="#4F81BD", height=0.65)
    axes.set_yticks(positions, figure.labels, fontsize=size)
    axes.invert_yaxis()
    axes.bar_label(bars, labels=[number(x) for x in figure.values], padding=3, fontsize=size)
    axes.set_xlim(0, max([*figure.values, 1]) * 1.12)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="x", labelsize=size)
    axes.set_xlabel(figure.axis, fontsize=size)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color="#D9D9D9", linewidth=0.6)
    axes.set_axisbelow(True)
    canvas.tight_layout()
    buffer = io.BytesIO()
    canvas.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _figure(document: Any, figure: Figure, number_: int) -> None:
    document.add_picture(io.BytesIO(_chart(figure)), width=Cm(16))
    picture = document.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.first_line_indent = Cm(0)
    picture.paragraph_format.space_before = Pt(6)
    picture.paragraph_format.keep_with_next = True
    _paragraph(document, f"Рисунок {number_} — {figure.caption}", indent=False,
               align=WD_ALIGN_PARAGRAPH.CENTER, size=TABLE_PT, after=6)


def _landscape(document: Any) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin, section.right_margin = Cm(2), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(1.5)
    section.different_first_page_header_footer = False  # the appendix page is numbered


def _lay_out(document: Any, note: Note) -> None:
    for n, line in enumerate(note.title):
        _paragraph(document, line, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
                   bold=True, after=6 if n == len(note.title) - 1 else 0)
    _paragraph(document, note.date_line, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, after=12)
    for text in note.intro:
        _paragraph(document, text, after=3)
    figures = tables = 0
    for section in note.sections:
        _paragraph(document, section.heading, bold=True, before=9, after=3, keep=True)
        for block in section.blocks:
            if isinstance(block, str):
                _paragraph(document, block, after=3, keep=block.endswith(":"))
            elif isinstance(block, Items):
                _items(document, block)
            elif isinstance(block, Figure):
                if block.values:
                    figures += 1
                    _figure(document, block, figures)
            elif isinstance(block, Table):
                tables += 1
                _table(document, block, tables, TABLE_PT)
    _paragraph(document, note.signature, indent=False, before=24)
    if note.appendix is not None:
        _landscape(document)
        _paragraph(document, "Приложение\nк аналитической справке", indent=False,
                   align=WD_ALIGN_PARAGRAPH.RIGHT, size=TABLE_PT, after=6)
        _paragraph(document, note.appendix.heading, indent=False, bold=True,
                   align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
        for block in note.appendix.blocks:
            if isinstance(block, Table):
                _table(document, block, None, SMALL_PT)
            else:
                _paragraph(document, block, indent=False, size=SMALL_PT)


def write_note(report: DistrictReport, path: Path, *, today: dt.date | None = None) -> Path:
    """Write «Аналитическая справка» for the report's month to `path` (.docx), atomically."""
    today = today or dt.date.today()
    return save_note(note_text(report, today), path,
                     f"Аналитическая справка: {report.district}, {report.period}", today)


def save_note(note: Note, path: Path, title: str, today: dt.date) -> Path:
    """Lay `note` out as a .docx at `path`, atomically (the district's and the region's)."""
    document = _document()
    _lay_out(document, note)
    properties = document.core_properties
    properties.title = title
    properties.subject = "Реализация целевой модели наставничества"
    properties.author = properties.last_modified_by = "nastavnik"
    properties.comments = properties.keywords = properties.category = ""
    properties.created = properties.modified = dt.datetime.combine(today, dt.time(0))
    properties.revision = 1
    path = Path(path)
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return path
