"""Russian as a person writes it in a document: plurals, decimal commas, months in their cases.

Everything here is plain text in, plain text out; `console`, `note` and anything else that
prints numbers for a reader use it, so «2 школы» and «67,3 %» look the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import errno
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from schemas.vocab import MONTHS_NOMINATIVE

NBSP = "\u00a0"  # keeps «67,3» and «%» (or «п. п.») on one line

Case = Literal["nom", "gen", "dat", "acc", "ins", "prep"]

_MONTHS: dict[str, tuple[str, ...]] = {
    "nom": MONTHS_NOMINATIVE,
    "acc": MONTHS_NOMINATIVE,
    "gen": ("января", "февраля", "марта", "апреля", "мая", "июня",
            "июля", "августа", "сентября", "октября", "ноября", "декабря"),
    "dat": ("январю", "февралю", "марту", "апрелю", "маю", "июню",
            "июлю", "августу", "сентябрю", "октябрю", "ноябрю", "декабрю"),
    "ins": ("январём", "февралём", "мартом", "апрелем", "маем", "июнем",
            "июлем", "августом", "сентябрём", "октябрём", "ноябрём", "декабрём"),
    "prep": ("январе", "феврале", "марте", "апреле", "мае", "июне",
             "июле", "августе", "сентябре", "октябре", "ноябре", "декабре"),
}


# --- numbers ---------------------------------------------------------------------------------


def plural_word(n: int, one: str, few: str, many: str) -> str:
    """The form of a word that goes with `n`: one (1, 21, 101), few (2–4, 22), many (5–20, 11–14)."""
    n_abs = abs(int(n)) % 100
    if 11 <= n_abs <= 14:
        return many
    if n_abs % 10 == 1:
        return one
    if 2 <= n_abs % 10 <= 4:
        return few
    return many


def plural(n: int, one: str, few: str, many: str) -> str:
    """«1 школа», «2 школы», «5 школ»."""
    return f"{number(n)} {plural_word(n, one, few, many)}"


def round_half_up(value: float, digits: int = 1) -> float:
    """Rounded as a person rounds and as `decimal` shows it (67,25 → 67,3)."""
    return float(_rounded(value, digits))


def _rounded(value: float, digits: int) -> Decimal:
    # half up, as a person rounds (67,25 → 67,3), from the shortest repr of the float
    quantum = Decimal(1).scaleb(-digits)
    result = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    return result + 0  # -0,0 → 0,0


def number(value: float, digits: int = 1) -> str:
    """A count or a measure: «12», «3 757», «12 345», «8,5»; whole numbers without «,0».

    Digits are grouped by three with a non-breaking space from 10 000 up (4-digit numbers are
    written together, as in Russian office documents).
    """
    if float(value).is_integer():
        whole, fraction = f"{int(value)}", ""
    else:
        text = f"{_rounded(value, digits):f}"
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    if len(whole) > 4:
        whole = f"{int(whole):,}".replace(",", NBSP)
    return sign + whole + ("," + fraction if fraction else "")


def decimal(value: float, digits: int = 1) -> str:
    """A fixed number of decimals with a comma, rounded half up: «67,3», «2,0»; never «-0,0»."""
    return f"{_rounded(value, digits):f}".replace(".", ",")


def percent(value: float | None, digits: int = 1) -> str:
    """«67,3 %» (a non-breaking space before %); «—» when there is no value."""
    if value is None:
        return "—"
    return f"{decimal(value, digits)}{NBSP}%"


def points(value: float, digits: int = 1) -> str:
    """A difference of percentages in percentage points, without sign: «2,4 п. п.»."""
    return f"{decimal(abs(value), digits)}{NBSP}п.{NBSP}п."


def from_to(before: float, after: float, unit: str = "") -> str:
    """«с 14 до 12», «со 195 до 162», «с 72,6 до 67,3 %» (numbers read «сто…» take «со»)."""
    first = number(before) if not unit else decimal(before)
    second = number(after) if not unit else decimal(after)
    return f"{from_word(before)} {first} до {second}{NBSP + unit if unit else ''}"


def from_word(value: float) -> str:
    """«с» before a number, «со» before one read «сто…» («со 120», «с 12»)."""
    return "со" if 100 <= abs(value) < 200 or 100_000 <= abs(value) < 200_000 else "с"


def times(ratio: float) -> str:
    """How many times one number is another: «в 10 раз», «в 2 раза», «в 1,6 раза»."""
    shown = round_half_up(ratio, 1)
    if not float(shown).is_integer():
        return f"в {number(shown)} раза"
    return f"в {number(shown)} {plural_word(int(shown), 'раз', 'раза', 'раз')}"


# --- dates -----------------------------------------------------------------------------------


def month(period: str, case: Case = "nom") -> str:
    """The month of «ГГГГ-ММ» in a case: month("2026-11", "prep") → «ноябре»."""
    return _MONTHS[case][int(period[5:7]) - 1]


def month_year(period: str, case: Case = "nom") -> str:
    """«ноябрь 2026 года» (за …), «ноября 2026 года», «ноябре 2026 года» (в …), «ноябрём …»."""
    return f"{month(period, case)} {period[:4]} года"


def date_words(day: dt.date) -> str:
    """«5 декабря 2026 года» (non-breaking spaces keep «5 декабря» and «2026 года» together)."""
    return f"{day.day}{NBSP}{_MONTHS['gen'][day.month - 1]} {day.year}{NBSP}года"


# --- the system's refusals ---------------------------------------------------------------------

_OS_ERRORS = {errno.ENOENT: "нет такого файла или папки",
              errno.EACCES: "нет прав доступа, или файл открыт в другой программе",
              errno.EPERM: "нет прав доступа, или файл открыт в другой программе",
              errno.EISDIR: "на этом месте папка, а не файл",
              errno.ENOTDIR: "на пути вместо папки лежит файл",
              errno.EEXIST: "на этом месте уже есть файл или папка",
              errno.ENOSPC: "на диске нет места",
              errno.EROFS: "диск доступен только для чтения",
              errno.ENAMETOOLONG: "слишком длинное имя файла",
              errno.EBUSY: "файл занят другой программой"}


def text_file_error(exc: Exception) -> str:
    """Why a settings file (TOML) could not be read, in Russian: tomllib's and the system's
    words are English, so of a syntax error only the line number is kept."""
    if isinstance(exc, OSError):
        return os_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "файл не в кодировке UTF-8"
    line = re.search(r"at line (\d+)", str(exc))
    return f"ошибка записи в строке {line.group(1)}" if line else "ошибка записи"


def os_error(exc: OSError) -> str:
    """What the system refused, in Russian: its own text (strerror) is English on most
    machines and never reaches a reader."""
    return _OS_ERRORS.get(exc.errno or 0, f"системная ошибка {exc.errno}" if exc.errno
                          else "системная ошибка")


# what to do about a refused write, by the system's reason
_WRITE_ADVICE = {errno.EISDIR: "уберите или переименуйте эту папку и запустите команду снова",
                 errno.EEXIST: "уберите или переименуйте то, что мешает, и запустите команду "
                               "снова",
                 errno.EACCES: "закройте файл в Excel (или в другой программе) и проверьте "
                               "права на папку, затем запустите команду снова",
                 errno.EPERM: "закройте файл в Excel (или в другой программе) и проверьте "
                              "права на папку, затем запустите команду снова",
                 errno.EBUSY: "закройте файл в Excel (или в другой программе) и запустите "
                              "команду снова",
                 errno.ENOTDIR: "уберите или переименуйте файл, который мешает, и запустите "
                                "команду снова",
                 errno.EROFS: "выберите папку на диске, доступном для записи",
                 errno.ENAMETOOLONG: "выберите папку с более коротким путём"}


def write_error(exc: OSError, path: object) -> str:
    """A refused write as one Russian sentence: the file the user knows (`path`, or the one
    the error names), what is wrong and what to do."""
    target = exc.filename2 or exc.filename or path
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        import shutil
        from pathlib import Path

        folder = Path(str(target))
        while not folder.is_dir() and folder != folder.parent:
            folder = folder.parent
        return no_space(folder, shutil.disk_usage(folder).free)
    advice = _WRITE_ADVICE.get(exc.errno or 0, "проверьте права на папку и свободное место "
                                               "на диске, затем запустите команду снова")
    return f"{target}: не удалось записать — {os_error(exc)}; {advice}"


def size(n_bytes: float) -> str:
    """A size as a person reads it: «40 КБ», «1,5 МБ», «2,3 ГБ» (binary units, as Windows
    Explorer shows them)."""
    for unit, scale in (("ГБ", 1 << 30), ("МБ", 1 << 20)):
        if n_bytes >= scale:
            return f"{decimal(n_bytes / scale)}{NBSP}{unit}"
    return f"{number(max(1, round(n_bytes / 1024)))}{NBSP}КБ"


def no_space(folder: object, free: int, needed: int | None = None) -> str:
    """The disk ran full: where, how much is free, roughly how much is needed, and that the
    ledger is intact (restoring an older copy of it would lose history)."""
    need = f", нужно примерно {size(needed)}" if needed is not None else ""
    return (f"на диске, где лежит папка {folder}, не хватает места: свободно {size(free)}"
            f"{need} — освободите место и запустите команду снова. "
            "Журнал nastavnik (папка .nastavnik) не повреждён: восстанавливать его из "
            "резервной копии не нужно")


# --- words -----------------------------------------------------------------------------------

_NOUNS = {"район": "района", "округ": "округа", "улус": "улуса", "кожуун": "кожууна",
          "край": "края", "область": "области", "Республика": "Республики"}
# adjective endings → genitive: Берёзовский → Берёзовского, городской → городского,
# Приреченская → Приреченской, Верхняя → Верхней
_ADJECTIVE_ENDINGS = (("ский", "ского"), ("цкий", "цкого"), ("кий", "кого"), ("гий", "гого"),
                      ("хий", "хого"), ("ний", "него"), ("жий", "жего"), ("ший", "шего"),
                      ("чий", "чего"), ("щий", "щего"), ("ый", "ого"), ("ой", "ого"),
                      ("ская", "ской"), ("цкая", "цкой"), ("яя", "ей"), ("ая", "ой"))


def _adjective_genitive(word: str) -> str | None:
    for ending, replacement in _ADJECTIVE_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)] + replacement
    return None


def genitive(name: str) -> str | None:
    """The genitive of a place's name when it is sure, else None.

    Handles adjectives before район, округ, край, область («Берёзовский муниципальный округ»
    → «Берёзовского муниципального округа», «Приреченская область» → «Приреченской
    области»), a quoted name after them («городской округ «Усинск»» → «городского округа
    «Усинск»») and «Республика …» («Республики Коми»).
    """
    text = re.sub(r"\s+", " ", name).strip()
    words = text.split(" ")
    if len(words) > 1 and words[0] == "Республика":
        return " ".join(["Республики", *words[1:]])
    head, quote, tail = text.partition("«")
    words = head.split()
    if not words or words[-1] not in _NOUNS:
        return None
    declined = []
    for word in words[:-1]:
        adjective = _adjective_genitive(word)
        if adjective is None:
            return None
        declined.append(adjective)
    return " ".join([*declined, _NOUNS[words[-1]]]) + (" " + quote + tail if quote else "")


def place_genitive(name: str) -> str:
    """A district's name after «образовательных организаций …», always correct.

    The genitive when `genitive` is sure of it; otherwise the name in quotes after
    «муниципального образования» (inner quotes become „…“).
    """
    declined = genitive(name)
    if declined is not None:
        return declined
    text = re.sub(r"\s+", " ", name).strip().replace("«", "„").replace("»", "“")
    return f"муниципального образования «{text}»"


Gender = Literal["m", "f", "n"]


def gender_of(phrase: str) -> Gender:
    """The grammatical gender of a phrase's first word, a noun («Доля …» → f, «Охват …» → m).

    A guess by the ending, good for the names of indicators: -а/-я/-ость/-есть feminine,
    -о/-е neuter, the rest masculine.
    """
    word = (phrase.split() or [""])[0].lower()
    if word.endswith(("ость", "есть", "а", "я")):
        return "f"
    if word.endswith(("о", "е")):
        return "n"
    return "m"


def by_gender(gender: Gender, m: str, f: str, n: str) -> str:
    return {"m": m, "f": f, "n": n}[gender]


def lower_first(text: str) -> str:
    """«Доля обучающихся …» → «доля обучающихся …», but «ОО …» stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def join_words(items: list[str], last: str = "и") -> str:
    """«a», «a и b», «a, b и c»."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]
