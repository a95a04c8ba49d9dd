"""The «Аналитическая справка»: read back as a methodologist reads it, in correct Russian."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import (
    BELOV,
    KUZNETSOVA,
    LEBEDEVA,
    MOROZOV,
    ORLOVA,
    PERIOD,
    PETROVA,
    SOKOLOV,
    VOLKOV,
    ZAITSEVA,
    FormBuilder,
)
from docx import Document

import pipeline.note as note
from pipeline.consolidate import run_period
from pipeline.indicators import Indicator, Measure, Value, total
from pipeline.note import problem_text, write_note
from pipeline.report import DistrictReport, SchoolReport, build_report, note_path
from pipeline.russian import (
    date_words,
    from_to,
    gender_of,
    genitive,
    month_year,
    number,
    percent,
    place_genitive,
    plural,
    points,
)
from pipeline.workspace import Workspace

TODAY = dt.date(2026, 12, 7)
NBSP = "\u00a0"


def docx_text(path: Path) -> str:
    """Every paragraph, table cell and header of a .docx, with non-breaking spaces as spaces."""
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts).replace(NBSP, " ").replace("\u00ad", "")


def table_rows(path: Path, first_header: str) -> list[list[str]]:
    for table in Document(str(path)).tables:
        rows = [[c.text.replace(NBSP, " ") for c in row.cells] for row in table.rows]
        if rows and rows[0][0] == first_header:
            return rows
    raise AssertionError(f"no table starting with «{first_header}»")


# --- the helpers: values typed by hand -------------------------------------------------------


@pytest.mark.parametrize(("n", "school", "mentor", "pair"), [
    (1, "1 школа", "1 наставник", "1 пара"),
    (2, "2 школы", "2 наставника", "2 пары"),
    (5, "5 школ", "5 наставников", "5 пар"),
    (11, "11 школ", "11 наставников", "11 пар"),
    (12, "12 школ", "12 наставников", "12 пар"),
    (14, "14 школ", "14 наставников", "14 пар"),
    (21, "21 школа", "21 наставник", "21 пара"),
    (22, "22 школы", "22 наставника", "22 пары"),
    (25, "25 школ", "25 наставников", "25 пар"),
    (101, "101 школа", "101 наставник", "101 пара"),
    (111, "111 школ", "111 наставников", "111 пар"),
])
def test_plural_forms(n, school, mentor, pair) -> None:
    assert plural(n, "школа", "школы", "школ") == school
    assert plural(n, "наставник", "наставника", "наставников") == mentor
    assert plural(n, "пара", "пары", "пар") == pair


def test_console_plural_is_the_same_helper() -> None:
    from pipeline.console import plural as console_plural

    assert console_plural is plural


@pytest.mark.parametrize(("value", "text"), [
    (67.3076923, "67,3 %"), (200 / 3, "66,7 %"), (67.25, "67,3 %"), (0, "0,0 %"),
    (100, "100,0 %"), (2.9012, "2,9 %"), (-0.04, "0,0 %"), (None, "—"),
])
def test_percent_has_a_decimal_comma_and_a_non_breaking_space(value, text) -> None:
    assert percent(value) == text.replace(" ", NBSP)


def test_numbers_points_and_from_to() -> None:
    assert number(109.0) == "109"
    assert number(3757) == "3757"
    assert number(12345) == f"12{NBSP}345"
    assert number(8.5) == "8,5"
    assert points(2.4) == points(-2.4) == f"2,4{NBSP}п.{NBSP}п."
    assert from_to(14, 12) == "с 14 до 12"
    assert from_to(195, 162) == "со 195 до 162"
    assert from_to(72.58, 67.31, "%") == f"с 72,6 до 67,3{NBSP}%"


@pytest.mark.parametrize(("case", "text"), [
    ("nom", "ноябрь 2026 года"), ("acc", "ноябрь 2026 года"), ("gen", "ноября 2026 года"),
    ("dat", "ноябрю 2026 года"), ("ins", "ноябрём 2026 года"), ("prep", "ноябре 2026 года"),
])
def test_month_year_in_each_case(case, text) -> None:
    assert month_year("2026-11", case) == text


def test_months_and_dates_in_words() -> None:
    assert [month_year(f"2027-{m:02d}", "prep").split()[0] for m in (1, 2, 5, 8, 12)] == \
        ["январе", "феврале", "мае", "августе", "декабре"]
    assert month_year("2026-10", "ins") == "октябрём 2026 года"
    assert date_words(dt.date(2026, 12, 5)).replace(NBSP, " ") == "5 декабря 2026 года"


@pytest.mark.parametrize(("name", "declined"), [
    ("Берёзовский муниципальный округ", "Берёзовского муниципального округа"),
    ("Тестовый район", "Тестового района"),
    ("Ханты-Мансийский район", "Ханты-Мансийского района"),
    ("городской округ «Усинск»", "городского округа «Усинск»"),
    ("Приреченская область", "Приреченской области"),
    ("Красноярский край", "Красноярского края"),
    ("Республика Коми", "Республики Коми"),
    ("город Усинск", None),
])
def test_genitive_of_a_place(name, declined) -> None:
    assert genitive(name) == declined


def test_a_name_that_cannot_be_declined_follows_municipal_formation() -> None:
    assert place_genitive("город Усинск") == "муниципального образования «город Усинск»"
    assert place_genitive("МО «Город»") == "муниципального образования «МО „Город“»"


def test_gender_of_an_indicator_name() -> None:
    assert gender_of("Доля наставников, прошедших обучение") == "f"
    assert gender_of("Удовлетворённость наставников") == "f"
    assert gender_of("Охват педагогов наставничеством") == "m"
    assert gender_of("Число наставнических пар") == "n"


def test_a_problem_without_a_description_falls_back_to_its_message(monkeypatch) -> None:
    assert problem_text("bad-date") == "дата записана в неверном формате"
    monkeypatch.delitem(note.PROBLEMS, "encrypted-file")
    monkeypatch.delitem(note.PROBLEMS, "required")
    assert problem_text("encrypted-file") == "файл защищён паролем"
    assert problem_text("required") == "ошибка «required»"  # its message has placeholders
    assert problem_text("brand-new-code") == "замечание «brand-new-code»"


# --- a district made by hand -----------------------------------------------------------------

TRAINED = Indicator("K4", "Доля наставников, прошедших обучение",
                    Measure(table="mentors", where=(("trained", "in", ("да",)),)),
                    Measure(table="mentors"))
# Not one of the shipped indicators: the note must take its code and name from the data.
COVERAGE = Indicator("П7", "Охват педагогов наставничеством",
                     Measure(table="mentees", active_link=True), Measure(title="teachers_total"))
SATISFACTION = Indicator("K5", "Удовлетворённость наставляемых",
                         Measure(table="links", sum="mentee_satisfaction"),
                         Measure(table="links", present=("mentee_satisfaction",)), scale=10)
INDICATORS = [TRAINED, COVERAGE, SATISFACTION]

ACCEPTED, REJECTED, MISSING = "МБОУ «СОШ № 1»", "МБОУ «Гимназия № 2»", "МБОУ «Озёрная ООШ»"


def accepted_school(values: dict[str, Value], pairs: int = 22) -> SchoolReport:
    school = SchoolReport("ОО-01", ACCEPTED, "принят с замечаниями", True)
    school.values = values
    school.counts = {"mentors": 12, "mentees": 21, "pairs": pairs, "links": 23}
    school.by_form = Counter({"учитель – учитель": 12, "учитель – ученик": 10})
    school.by_kind = Counter({"традиционное (один на один)": 21, "групповое": 1})
    school.by_status = Counter({"действует": 21, "завершена": 1})
    school.documents = {"Положение о наставничестве": True,
                        "Дорожная карта (план мероприятий)": True,
                        "Приказ о назначении куратора": True,
                        "Приказ о закреплении наставнических пар/групп": True,
                        "Раздел «Наставничество» на официальном сайте": False}
    school.issues = Counter({"bad-date": 3, "no-pd-consent": 1, "header-alias": 2})
    return school


def district(previous: DistrictReport | None = None) -> DistrictReport:
    """Three schools: one accepted with remarks, one rejected (and late), one silent.

    The accepted school: 8 of 12 mentors trained (66,7 %), 30 of 40 teachers mentored
    (75,0 %), satisfaction not computed (nothing finished).
    """
    values = {"K4": Value(8, 12), "П7": Value(30, 40), "K5": Value(0, 0, 10)}
    rejected = SchoolReport("ОО-02", REJECTED, "отклонён", False)
    rejected.issues = Counter({"period-mismatch": 1})
    schools = [accepted_school(values), rejected,
               SchoolReport("ОО-03", MISSING, "не представлен")]
    return DistrictReport("Тестовый район", "Приреченская область", "2026-11",
                          dt.datetime(2026, 12, 5, 23, 59, 59), INDICATORS, schools,
                          total(INDICATORS, [values]), previous)


def october() -> DistrictReport:
    """The month before: all three accepted; 9 of 14 trained (64,3 %), 31 of 40 (77,5 %)."""
    values = {"K4": Value(9, 14), "П7": Value(31, 40), "K5": Value(0, 0, 10)}
    schools = []
    for code, name in (("ОО-01", ACCEPTED), ("ОО-02", REJECTED), ("ОО-03", MISSING)):
        school = accepted_school(values if code == "ОО-01" else {}, pairs=10)
        school.code, school.name, school.status, school.issues = code, name, "принят", Counter()
        schools.append(school)
    return DistrictReport("Тестовый район", "Приреченская область", "2026-10",
                          dt.datetime(2026, 11, 5, 23, 59, 59), INDICATORS, schools,
                          total(INDICATORS, [values]), None)


@pytest.fixture
def written(tmp_path: Path) -> Path:
    return write_note(district(october()), tmp_path / "справка.docx", today=TODAY)


def test_the_title_block_names_the_district_the_month_and_the_date(written) -> None:
    text = docx_text(written)
    assert text.startswith("АНАЛИТИЧЕСКАЯ СПРАВКА\nо реализации целевой модели наставничества\n"
                           "в образовательных организациях Тестового района Приреченской "
                           "области\nза ноябрь 2026 года\n")
    assert "Дата составления: 7 декабря 2026 года" in text


def test_the_summary_is_written_from_the_numbers_with_correct_plurals(written) -> None:
    text = docx_text(written)
    assert "Отчёт за ноябрь 2026 года должны были представить 3 школы." in text
    # the deadline is told of the accepted reports, the only ones it is judged for
    assert "Представили отчёт 2 школы (66,7 %). Принят 1 отчёт, из них в установленный срок " \
           "(до 5 декабря 2026 года) — 1, с замечаниями — 1; отклонён 1 отчёт; не " \
           "представила отчёт 1 школа." in text
    assert "учтены 12 наставников и 21 наставляемый; всего 22 наставнические пары (группы), " \
           "из них действует 21, завершена 1." in text
    assert "доля наставников, прошедших обучение, — 66,7 % (8 из 12)" in text
    assert "охват педагогов наставничеством — 75,0 % (30 из 40)" in text
    assert "Не рассчитан (нет данных для расчёта) показатель «Удовлетворённость " \
           "наставляемых»." in text


def test_the_indicators_table_comes_from_the_indicators_data(written) -> None:
    rows = table_rows(written, "Код")
    assert rows == [
        ["Код", "Показатель", "Числитель", "Знаменатель", "Значение, %"],
        ["K4", "Доля наставников, прошедших обучение", "8", "12", "66,7"],
        ["П7", "Охват педагогов наставничеством", "30", "40", "75,0"],
        ["K5", "Удовлетворённость наставляемых", "0", "0", "—"],
    ]


def test_the_appendix_has_a_row_per_school_and_the_district_total(written) -> None:
    rows = table_rows(written, "№")
    assert [r[1] for r in rows[1:]] == [ACCEPTED, REJECTED, MISSING, "Итого по округу"]
    assert rows[1][2:] == ["принят с замечаниями", "12", "21", "22", "66,7", "75,0", "—"]
    assert rows[2][2] == "отклонён, с опозданием"
    assert rows[3][2:] == ["не представлен", *["—"] * 6]
    assert rows[4][2] == "принято 1 из 3"


def test_schools_that_did_not_report_or_were_rejected_are_named(written) -> None:
    text = docx_text(written)
    assert f"Не представила отчёт за ноябрь 2026 года: {MISSING}." in text
    assert f"{REJECTED} (в файле указан другой отчётный период)" in text
    assert f"Руководителю {MISSING} обеспечить представление отчёта за ноябрь 2026 года." in text
    assert f"Руководителю {REJECTED} устранить причины отклонения отчёта" in text


def test_frequent_problems_are_described_in_plain_russian(written) -> None:
    text = docx_text(written)
    assert "выявлено 5 замечаний (препятствующих приёму файла — 1, ошибок — 3, " \
           "предупреждений — 1)" in text
    assert "дата записана в неверном формате — 3 случая (в 1 школе);" in text
    assert "нет согласия на обработку персональных данных — 1 случай;" in text
    assert "header-alias" not in text and "bad-date" not in text  # info is not a problem
    assert "методическую консультацию (вебинар)" in text


def test_the_month_is_compared_with_the_previous_one_in_percentage_points(written) -> None:
    text = docx_text(written)
    assert "По сравнению с октябрём 2026 года:" in text
    assert "число школ, представивших отчёт, уменьшилось на 1 (с 3 до 2);" in text
    assert "число наставнических пар и групп уменьшилось на 8 (с 30 до 22);" in text
    assert "доля наставников, прошедших обучение, выросла на 2,4 п. п. (с 64,3 до 66,7 %);" \
        in text
    assert "охват педагогов наставничеством снизился на 2,5 п. п. (с 77,5 до 75,0 %)" in text
    assert "число наставнических пар и групп увеличилось на 12 (с 10 до 22)" in text  # like for like


def test_without_a_previous_month_the_note_says_there_is_no_comparison(tmp_path) -> None:
    text = docx_text(write_note(district(None), tmp_path / "n.docx", today=TODAY))
    assert "Сравнение с предыдущим периодом не проводится: сведения за октябрь 2026 года " \
           "отсутствуют" in text
    assert "По сравнению с" not in text


def test_recommendations_follow_from_the_data(written) -> None:
    text = docx_text(written)
    assert "организовать обучение наставников, не прошедших подготовку (4 наставника;" in text
    assert "согласий участников наставничества" in text  # no-pd-consent
    assert "Раздел «Наставничество» на официальном сайте: нет в 1 школе (МБОУ «СОШ № 1»)" in text
    assert "обеспечить соблюдение срока представления отчёта (до 5-го числа" in text


def test_a_chart_is_embedded_with_a_caption(written) -> None:
    document = Document(str(written))
    assert len(document.inline_shapes) == 2
    text = docx_text(written)
    assert "Рисунок 1 — Наставнические пары и группы по формам наставничества" in text
    assert "Рисунок 2 — Наставнические пары и группы по школам" in text


def test_nothing_is_left_unfilled(written) -> None:
    text = docx_text(written)
    assert not re.search(r"\bNone\b|\bnan\b|\{|\}", text), text
    assert not re.search(r"(?<![\d.])\d+\.\d(?![\d.])", text), "a decimal point, not a comma"


def test_the_note_is_written_atomically(tmp_path, monkeypatch) -> None:
    path = tmp_path / "справка.docx"
    write_note(district(), path, today=TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["справка.docx"]
    before = path.read_bytes()

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(note, "_lay_out", broken)
    with pytest.raises(RuntimeError):
        write_note(district(), path, today=TODAY)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["справка.docx"]


# --- through the real pipeline ---------------------------------------------------------------

PEOPLE = (PETROVA, SOKOLOV, KUZNETSOVA, MOROZOV, ORLOVA, BELOV, ZAITSEVA, VOLKOV, LEBEDEVA,
          "Смирнова Татьяна Ивановна")
CONTACTS = ("+7 (391) 123-45-67", "kurator7@example.ru")


def test_a_note_from_a_real_run_names_no_person_and_no_contact(
        workspace: Workspace, form: FormBuilder) -> None:
    form.save(workspace.inbox / PERIOD / "школа 7.xlsx")
    run_period(workspace, PERIOD)
    report = build_report(workspace, PERIOD)

    path = write_note(report, note_path(workspace, PERIOD), today=TODAY)

    assert path == workspace.outbox / PERIOD / "Аналитическая справка Тестовый район 2026-11.docx"
    text = docx_text(path)
    assert "должны были представить 2 школы" in text
    assert "Представила отчёт 1 школа" in text
    assert "МБОУ «Гимназия № 8»" in text  # did not report
    assert "учтены 4 наставника и 5 наставляемых" in text
    for person in PEOPLE:
        for word in person.split()[:1]:  # not even a surname
            assert word not in text, word
    for contact in CONTACTS:
        assert contact not in text
    properties = Document(str(path)).core_properties
    assert properties.author == "nastavnik"
    assert properties.comments == ""
    assert not re.search(r"\bNone\b|\bnan\b", text)
