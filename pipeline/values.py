"""Reading a cell's value as the person who typed it meant it (SPEC §2.6).

Each reader takes what the workbook holds (str, float, int, bool, date, datetime, None) and
returns a `Read`: the typed value, or the issue code that says why it could not be read as its
type (`bad-date`, `bad-number`). Whether a readable value is allowed (vocabularies, name and
class formats, ranges) is the pandera schemas' job (schemas/sheets.py), not this module's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from schemas import vocab as v
from schemas.columns import Column

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serial numbers a school might mean as a date: 1954 to 2119.
SERIAL_MIN, SERIAL_MAX = 20000, 80000

_DASHES = "-‐‑‒–—―−"
_DASH_RE = re.compile(rf"\s*[{_DASHES}]\s*")
_SPACES_RE = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_INVISIBLE_RE = re.compile("[" + "".join(map(chr, _INVISIBLE)) + "]")
_NUMBER_RE = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*(?:лет|год|года|г\.?|чел\.?|человек)?$")
_CLASS_RE = re.compile(r"^(1[01]|[1-9])\s*[-–]?\s*[«\"]?([А-ЯЁа-яё]?)[»\"]?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-./]\s*(\d{1,2})$")
_MONTH_RU_RE = re.compile(r"^([а-яё]+)\s+(\d{4})(?:\s*г(?:ода?|\.)?)?$")
_MONTH_NUM_FIRST_RE = re.compile(r"^(\d{1,2})\s*[./]\s*(\d{4})$")
# Latin letters that look Cyrillic, as they slip into names typed on an English layout.
_LOOKALIKES = str.maketrans("aeopcxyABEKMHOPCTX", "аеорсхуАВЕКМНОРСТХ")
_LATIN_RE = re.compile(r"[A-Za-z]")
_CYRILLIC_RE = re.compile(r"[А-ЯЁа-яё]")

# Russian month names in the forms people write them in («ноябрь», «ноября», «нояб.»).
_MONTH_STEMS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август",
                "сентябр", "октябр", "ноябр", "декабр")


class Read(NamedTuple):
    value: Any  # the typed value, None when empty or unreadable
    code: str | None = None  # an issue code when the cell could not be read
    note: str | None = None  # a corrected reading worth a warning (mixed-script)


EMPTY = Read(None)


def clean_text(raw: Any) -> str:
    """Trim, turn non-breaking and odd spaces into one space, drop invisible characters."""
    text = str(raw)
    # Most cells are clean already, and this test is cheap. Every odd space and invisible
    # character is unprintable, so printable text has only plain spaces: with none doubled
    # and none at either end there is nothing to drop, join or trim.
    if text.isprintable() and "  " not in text and text.strip() == text:
        return text
    text = _INVISIBLE_RE.sub("", text)  # as str.translate(_INVISIBLE), faster on Cyrillic
    return _SPACES_RE.sub(" ", text).strip()


_INVISIBLE_CHARS = "".join(map(chr, _INVISIBLE))


def is_blank(raw: Any) -> bool:
    if isinstance(raw, str):
        stripped = raw.strip()
        if stripped and stripped[0] not in _INVISIBLE_CHARS:
            return False  # the common case, without a regex: this runs for every cell
        return not clean_text(raw)
    return raw is None or raw == ""


@lru_cache(maxsize=16384)  # a name is compared several times, within its file
def vocab_key(text: str) -> str:
    """How enumerations and names are compared: case, ё/е, dash kinds and spaces ignored."""
    text = clean_text(text).casefold().replace("ё", "е")
    return _DASH_RE.sub("-", text)


@lru_cache(maxsize=256)
def _vocab_index(choices: tuple[str, ...]) -> dict[str, str]:
    return {vocab_key(c): c for c in choices}


def read_text(raw: Any) -> Read:
    if isinstance(raw, str):  # most cells: a text is blank exactly when it cleans to nothing
        text = clean_text(raw)
        return Read(text.lstrip("'") or None) if text else EMPTY
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime | dt.date):
        return Read(raw.strftime("%d.%m.%Y"))
    text = clean_text(raw)
    return Read(text.lstrip("'") or None)


def read_enum(raw: Any, choices: tuple[str, ...]) -> Read:
    return _enum_reader(choices)(raw)


@lru_cache(maxsize=256)
def _enum_reader(choices: tuple[str, ...]) -> Callable[[Any], Read]:
    """read_enum for one vocabulary, its index looked up once rather than once per cell."""
    index = _vocab_index(choices)

    def read_choice(raw: Any) -> Read:
        text = read_text(raw).value
        if text is None:
            return EMPTY
        return Read(index.get(vocab_key(text)) or text)

    return read_choice


def read_yesno(raw: Any) -> Read:
    if is_blank(raw):
        return EMPTY
    if not isinstance(raw, str):  # most cells hold a word, not a flag or a number
        if isinstance(raw, bool):
            return Read(v.YES if raw else v.NO)
        if isinstance(raw, int | float):
            raw = int(raw) if float(raw).is_integer() else raw
    key = vocab_key(str(raw)).strip(".")
    if key in v.YES_WORDS:
        return Read(v.YES)
    if key in v.NO_WORDS:
        return Read(v.NO)
    return Read(clean_text(raw))


_INT64 = 2.0**63  # the columns of whole numbers are 64-bit in the checked tables


def read_int(raw: Any) -> Read:
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, bool):
        return Read(str(raw), "bad-number")
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        match = _NUMBER_RE.match(vocab_key(str(raw)).lstrip("'"))
        if not match:
            return Read(clean_text(raw), "bad-number")
        number = float(match.group(1).replace(",", "."))
    if not math.isfinite(number) or not number.is_integer() or abs(number) >= _INT64:
        return Read(raw, "bad-number")  # a count or an age never needs more than 64 bits
    return Read(int(number))


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date_text(text: str) -> dt.date | None:
    text = text.strip().rstrip("г.").strip()
    parts = re.split(r"[./\-\s]+", text)
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
        return None
    a, b, c = parts
    if len(a) == 4:  # ГГГГ-ММ-ДД
        return _date_or_none(int(a), int(b), int(c))
    if len(c) == 4:  # ДД.ММ.ГГГГ
        return _date_or_none(int(c), int(b), int(a))
    if len(c) == 2:  # ДД.ММ.ГГ: 00–69 are 2000s
        year = int(c)
        return _date_or_none(2000 + year if year < 70 else 1900 + year, int(b), int(a))
    return None


def read_date(raw: Any) -> Read:
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, dt.datetime):
        return Read(raw.date())
    if isinstance(raw, dt.date):
        return Read(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if SERIAL_MIN <= raw <= SERIAL_MAX:
            return Read(EXCEL_EPOCH + dt.timedelta(days=int(raw)))
        return Read(raw, "bad-date")
    text = clean_text(raw).lstrip("'")
    if text.isdecimal() and SERIAL_MIN <= int(text) <= SERIAL_MAX:
        return Read(EXCEL_EPOCH + dt.timedelta(days=int(text)))
    parsed = parse_date_text(text)
    return Read(parsed) if parsed else Read(text, "bad-date")


def read_month(raw: Any) -> Read:
    """A reporting period as «ГГГГ-ММ», from a date cell, «2026-11», «11.2026» or «ноябрь 2026»."""
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, dt.date | dt.datetime):
        return Read(f"{raw.year:04d}-{raw.month:02d}")
    text = clean_text(raw).lstrip("'").casefold().replace("ё", "е")
    if isinstance(raw, int | float) and SERIAL_MIN <= raw <= SERIAL_MAX:
        day = EXCEL_EPOCH + dt.timedelta(days=int(raw))
        return Read(f"{day.year:04d}-{day.month:02d}")
    year = month = None
    if match := _MONTH_RE.match(text):
        year, month = int(match.group(1)), int(match.group(2))
    elif match := _MONTH_NUM_FIRST_RE.match(text):
        month, year = int(match.group(1)), int(match.group(2))
    elif match := _MONTH_RU_RE.match(text):
        word = match.group(1)
        month = next((i + 1 for i, stem in enumerate(_MONTH_STEMS)
                      if word.startswith(stem) and (stem != "ма" or word in ("май", "мая"))),
                     None)
        year = int(match.group(2))
    elif parsed := parse_date_text(text):
        year, month = parsed.year, parsed.month
    if year and month and 1 <= month <= 12 and 2000 <= year <= 2100:
        return Read(f"{year:04d}-{month:02d}")
    return Read(clean_text(raw))


def read_name(raw: Any) -> Read:
    """A full name, with Latin look-alikes inside a Cyrillic name read as Cyrillic."""
    text = read_text(raw).value
    if text is None:
        return EMPTY
    text = _DASH_RE.sub("-", text)
    note = None
    if _LATIN_RE.search(text) and _CYRILLIC_RE.search(text):
        fixed = text.translate(_LOOKALIKES)
        if not _LATIN_RE.search(fixed):
            text, note = fixed, fixed
    return Read(text, None, note)


@lru_cache(maxsize=65536)  # a list's personal cells are many, and a name recurs in its file
def name_key(name: str) -> str:
    """Names are compared case-insensitively with ё = е, and with Latin look-alikes read as
    Cyrillic: «Пeтрова» (a Latin e) is the same person as «Петрова», so matching and the
    pseudonym of SPEC §5 agree wherever the name is met."""
    return vocab_key(name.translate(_LOOKALIKES))


def name_hash(name: str) -> int:
    """A person's name key as a signed 64-bit number, the same in every run (`hash()` of a
    text is not: Python seeds it per process)."""
    return key_hash(name_key(name))


def key_hash(key: str) -> int:
    """`name_hash` of the name whose `name_key` is `key`."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little",
                          signed=True)


def read_class(raw: Any) -> Read:
    text = read_text(raw).value
    if text is None:
        return EMPTY
    match = _CLASS_RE.match(text.replace(" класс", "").replace(" кл.", "").strip())
    return Read(match.group(1) + match.group(2).upper()) if match else Read(text)


def read_email(raw: Any) -> Read:
    text = read_text(raw).value
    if text is None:
        return EMPTY
    text = text.removeprefix("mailto:")
    return Read(text)


def read_code(raw: Any) -> Read:
    text = read_text(raw).value
    return EMPTY if text is None else Read(_DASH_RE.sub("-", text))


_READERS: dict[str, Callable[[Any], Read]] = {
    "name": read_name, "yesno": read_yesno, "int": read_int, "date": read_date,
    "month": read_month, "class": read_class, "email": read_email, "code": read_code,
}


# Texts repeat: vocabulary words, positions, classes, a person's name on several sheets. What a
# column's reader made of a short text is kept for the next cell holding it. Only exact str
# is kept: 1, 1.0 and True are the same dict key but are read differently. A long text (a
# request) seldom repeats and would only hold memory.
REMEMBERED_READS = 8192  # per reader
REMEMBERED_LENGTH = 100  # characters


def cell_reader(column: Column) -> Callable[[Any], Read]:
    """The reader of a column's kind (text for any other): a sheet's reader picks it once per
    column, not once per cell."""
    if column.kind == "enum":
        return _remembering(_enum_reader(column.vocab))
    return _remembering(_READERS.get(column.kind, read_text))


@lru_cache(maxsize=64)
def _remembering(reader: Callable[[Any], Read]) -> Callable[[Any], Read]:
    """`reader`, keeping its reads of short texts (the readers are pure functions)."""
    remembered = lru_cache(maxsize=REMEMBERED_READS)(reader)

    def read(raw: Any) -> Read:
        if type(raw) is str and len(raw) <= REMEMBERED_LENGTH:
            return remembered(raw)
        return reader(raw)

    return read


def read_cell(column: Column, raw: Any) -> Read:
    """Read one cell by its column's kind."""
    return cell_reader(column)(raw)


_HEADER_PUNCT_RE = re.compile(r"\s*([(),/])\s*")


@lru_cache(maxsize=16384)
def _header_key(text: str) -> str:
    key = vocab_key(text).strip(" :*.")
    key = unicodedata.normalize("NFC", key)
    return _HEADER_PUNCT_RE.sub(r"\1", key)


def header_key(text: Any) -> str:
    """How headers are compared: case, ё/е, dashes, punctuation at the ends, spacing."""
    return _header_key(str(text))
