"""The issue record: stable codes (SPEC §3), their severities and the Russian messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["fatal", "error", "warning", "info"]
SEVERITY_ORDER = {"fatal": 0, "error": 1, "warning": 2, "info": 3}
SEVERITY_RU = {"fatal": "файл отклонён", "error": "ошибка", "warning": "предупреждение",
               "info": "сведение"}

# code -> (severity, what is wrong, how to fix it). Templates may use {column}, {value} and any
# keyword the caller passes. Messages never carry a person's name: the value does, and it is
# masked where it must be.
CODES: dict[str, tuple[Severity, str, str]] = {
    # fatal: the file is rejected
    "unreadable-file": ("fatal", "Файл не удаётся прочитать как книгу Excel ({detail}).",
                        "Откройте его в Excel и сохраните заново в формате .xlsx."),
    "encrypted-file": ("fatal", "Файл защищён паролем.",
                       "Снимите пароль и отправьте файл снова."),
    "not-a-form": ("fatal", "Это не форма «Наставничество»: {detail}.",
                   "Заполните шаблон, присланный управлением образования."),
    "missing-sheet": ("fatal", "В файле нет листа «{sheet_name}».",
                      "Верните лист из шаблона и заполните его."),
    "missing-column": ("fatal", "На листе нет столбца «{column}»{nearest}.",
                       "Верните столбец из шаблона (заголовок должен быть в первых 15 строках)."),
    "unknown-school": ("fatal", "{detail}",
                       "Проверьте «Код ОО» на листе «Титул»: он должен быть из реестра района."),
    "period-mismatch": ("fatal", "Отчётный период в файле — {value}, а ожидается {expected}.",
                        "Проверьте, тот ли файл отправлен, и исправьте «Отчётный период»."),
    "file-too-large": ("fatal", "Файл слишком большой ({detail}).",
                       "Удалите лишние листы и картинки или заполните форму заново по шаблону."),
    # error: the row is left out of the consolidation
    "required": ("error", "Не заполнено обязательное поле «{column}»{reason}.", "{hint}"),
    "bad-value": ("error", "Значение «{value}» не подходит для поля «{column}».", "{hint}"),
    "bad-date": ("error", "«{value}» не похоже на дату.",
                 "Введите дату в виде ДД.ММ.ГГГГ, например 01.09.2026."),
    "bad-number": ("error", "«{value}» не похоже на целое число.", "{hint}"),
    "out-of-range": ("error", "Значение {value} вне допустимых границ: {detail}.",
                     "Исправьте значение."),
    "bad-name": ("error", "«{value}» не похоже на ФИО.",
                 "Нужны 2–4 слова кириллицей (допускается дефис), например: "
                 "Иванова Анна Сергеевна."),
    "duplicate-person": ("error", "Этот человек уже записан на листе в строке {first_row}.",
                         "Удалите повторную строку."),
    "unknown-mentor": ("error", "Наставника нет на листе «Наставники».",
                       "Добавьте его туда или исправьте ФИО, чтобы оно совпадало."),
    "unknown-mentee": ("error", "Наставляемого нет на листе «Наставляемые».",
                       "Добавьте его туда или исправьте ФИО, чтобы оно совпадало."),
    "self-pair": ("error", "Наставник и наставляемый — один и тот же человек.",
                  "Исправьте одно из ФИО."),
    "date-order": ("error", "{detail}", "Исправьте одну из дат."),
    "form-role-mismatch": ("error", "Форма «{value}» не подходит: {detail}.",
                           "Исправьте форму наставничества или категорию участника."),
    "missing-end-date": ("error", "Пара {status}, но не указана дата окончания.",
                         "Укажите «Дату окончания»."),
    "duplicate-pair": ("error", "Эта пара (наставник и наставляемый) уже записана в строке "
                       "{first_row}.", "Удалите повторную строку."),
    "group-mentor-mismatch": ("error", "В группе № {value} указаны разные наставники (в строке "
                              "{first_row} — другой).",
                              "У группы один наставник: исправьте ФИО или номер группы."),
    # warning: kept, reported
    # the name is in the value, never in the text: the district masks the value (SPEC §5)
    "mixed-script": ("warning", "В ФИО есть латинские буквы, похожие на русские; ФИО прочитано "
                     "русскими буквами.", "Проверьте и исправьте в файле."),
    "no-pd-consent": ("warning", "Нет согласия на обработку персональных данных: человек "
                      "учитывается в числах, но его ФИО не передаётся за пределы района.",
                      "Если согласие получено, поставьте «да»."),
    "no-mentoring-consent": ("warning", "Нет письменного согласия на наставничество "
                             "(ст. 351.8 ТК РФ).", "Получите согласие работника."),
    "mentor-overload": ("warning", "У наставника {count} действующих наставляемых — больше "
                        "допустимых {limit}.", "Проверьте нагрузку."),
    "mentee-multiple-pairs": ("warning", "Наставляемый состоит в {count} действующих парах.",
                              "Проверьте, не задвоена ли пара."),
    "stale-active-pair": ("warning", "Пара числится действующей, но дата окончания ({value}) "
                          "раньше отчётного периода.", "Исправьте статус или дату."),
    "category-experience-mismatch": ("warning", "Категория «молодой специалист», но стаж "
                                     "{value} — больше 3 лет.",
                                     "Проверьте категорию или стаж."),
    "unpaired-mentee": ("warning", "Наставляемый не входит ни в одну пару на листе "
                        "«Пары и группы».", "Добавьте пару или удалите строку."),
    "unpaired-mentor": ("warning", "Наставник не входит ни в одну пару на листе "
                        "«Пары и группы».", "Добавьте пару или удалите строку."),
    "title-count-mismatch": ("warning", "{detail}.", "Проверьте числа на «Титуле» и списки."),
    "missing-satisfaction": ("warning", "Пара завершена, но не указана {which}.",
                             "Заполните оценку от 1 до 10."),
    "cross-school-duplicate": ("warning", "Этот человек есть и {where} ({other}).",
                               "Проверьте, не записан ли он дважды."),
    "program-duration": ("warning", "Пара педагогов длилась {months} мес.; обычно программа "
                         "длится от 3 до 12 месяцев.", "Проверьте даты."),
    # project extensions (documented in README)
    # found against last month's accepted data
    "pair-vanished": ("warning", "Пара № {value} действовала в прошлом месяце ({previous}), а "
                      "теперь её нет в списке, и она не отмечена как завершённая или "
                      "прекращённая.",
                      "Верните строку пары и укажите статус «завершена» или «прекращена "
                      "досрочно» и дату окончания."),
    # found against the school's last accepted month: a number changed beyond the district's
    # thresholds (`[history]` in nastavnik.toml)
    "history-jump": ("warning", "{detail}.",
                     "Проверьте число: если оно верное, ничего делать не нужно; если нет — "
                     "исправьте его и отправьте файл снова."),
    # project extension (documented in README): the school's own file holds a formula; the
    # value it computed is read, the formula itself never leaves the school's file
    "formula-in-cell": ("warning", "В ячейке формула: в свод взято значение, которое она "
                        "вычислила при сохранении файла, а не сама формула.",
                        "Проверьте это значение; надёжнее вписать его вместо формулы."),
    # found within a file: a link to a person whose row is left out (SPEC §4.7)
    "link-to-rejected-person": ("error", "{who} не принят в свод из-за ошибки в строке "
                                "{person_row} листа «{person_sheet}», поэтому и эта строка не "
                                "учтена.", "Исправьте ошибку в той строке, и пара будет учтена."),
    # a link in inbox/ to a file outside the workspace: not opened
    "link-outside-workspace": ("fatal", "Это ссылка на файл вне рабочей папки; такие ссылки не "
                               "открываются.", "Сохраните в папку inbox сам файл, а не ссылку "
                               "на него."),
    # project extension (documented in README): a warning the school explained on its
    # «Пояснения» sheet (pipeline/justify.py); it no longer counts as a warning
    "justified-warning": ("info", "Предупреждение {original} пояснено школой: «{text}». "
                          "Замечание было таким: {what}",
                          "Ничего делать не нужно: пояснение принято."),
    # a line of «Пояснения» that explains nothing: an error, a code not in the file, no text
    "justification-unused": ("info", "Пояснение в строке {line} листа «Пояснения» не учтено: "
                             "{detail}.", "{hint}"),
    # info: reported
    "extra-column": ("info", "Столбец «{value}» не из шаблона и не читается.",
                     "Ничего делать не нужно; данные из него не попадут в свод."),
    "header-alias": ("info", "Заголовок «{value}» прочитан как «{column}».",
                     "Ничего делать не нужно; лучше вернуть заголовок из шаблона."),
}


# what a refused explanation adds to its warning (the district's settings refuse it)
REFUSED = "Пояснение школы («{text}») управлением образования не принято."


@dataclass(frozen=True)
class Issue:
    code: str
    sheet: str | None
    row: int | None  # the row number Excel shows
    column: str | None  # the canonical header
    value: str | None
    problem: str  # what is wrong (Russian)
    fix: str = ""  # how to fix it (Russian)

    @property
    def message(self) -> str:
        return f"{self.problem} {self.fix}".strip()

    @property
    def severity(self) -> Severity:
        return CODES[self.code][0]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet,
                "row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


def show_value(value: Any) -> str | None:
    """A cell value as a person reads it in a message."""
    if value is None:
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def make(code: str, *, sheet: str | None = None, row: int | None = None,
         column: str | None = None, value: Any = None, problem: str | None = None,
         fix: str | None = None, **params: Any) -> Issue:
    """An issue with its texts filled in from the code's templates (or given outright)."""
    shown = show_value(value)
    fields = {"column": column or "", "value": shown if shown is not None else "", "hint": "",
              "reason": "", "detail": "", "nearest": ""}
    fields.update(params)
    _, what, how = CODES[code]
    problem = problem if problem is not None else what.format(**fields)
    fix = fix if fix is not None else how.format(**fields)
    return Issue(code, sheet, row, column, shown, " ".join(problem.split()),
                 " ".join(fix.split()))


def sort_key(issue: Issue) -> tuple:
    return (SEVERITY_ORDER[issue.severity], issue.sheet or "", issue.row or 0, issue.column or "")


def worst(issues: list[Issue]) -> Severity | None:
    return min((i.severity for i in issues), key=SEVERITY_ORDER.__getitem__, default=None)
