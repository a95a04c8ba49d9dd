"""Indicators of the ministry report, defined as data (schemas/indicators.toml, SPEC §6).

An indicator is numerator / denominator × scale, in percent. Each side is a "measure": a
number from «Титул», or a count or sum over a sheet's accepted rows with simple filters. A
district's or region's value is computed from summed numerators and denominators, never by
averaging percentages.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.russian import text_file_error
from pipeline.values import name_key
from schemas import vocab as v
from schemas.columns import SHEETS_BY_KEY, TITLE

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "schemas" / "indicators.toml"
WORKSPACE_FILE = "indicators.toml"
# how an indicator's value over several months is made (`over_period` in indicators.toml),
# and the words a report says it in
LAST, SUM = "last", "sum"
OVER_PERIOD = {LAST: "последний месяц", SUM: "сумма за месяцы"}


class IndicatorError(UserError, ValueError):
    """An indicators file that cannot be used; Russian, says what to fix."""


@dataclass(frozen=True)
class Measure:
    title: str | None = None
    table: str | None = None
    sum: str | None = None
    # (column, "in", allowed values) or (column, "range", (min, max))
    where: tuple[tuple[str, str, Any], ...] = ()
    present: tuple[str, ...] = ()
    active_link: bool = False
    ended_in_period: bool = False


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    numerator: Measure
    denominator: Measure
    scale: float = 100
    over_period: str = LAST  # LAST: a stock, the last month's; SUM: a flow, summed


@dataclass(frozen=True)
class Value:
    numerator: float | None
    denominator: float | None
    scale: float = 100

    @property
    def percent(self) -> float | None:
        """The value in percent, None when it cannot be computed (no denominator)."""
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator * self.scale


def _measure(data: Any, where_from: str) -> Measure:
    if not isinstance(data, dict):
        raise IndicatorError(f"{where_from}: нужна таблица вида {{ title = \"…\" }} или "
                             "{ table = \"…\" }")
    known = {"title", "table", "count", "sum", "where", "present", "active_link",
             "ended_in_period"}
    unknown = set(data) - known
    if unknown:
        raise IndicatorError(f"{where_from}: неизвестные ключи {sorted(unknown)}; допустимы: "
                             + ", ".join(sorted(known)))
    if bool(data.get("title")) == bool(data.get("table")):
        raise IndicatorError(f"{where_from}: укажите либо title, либо table")
    if data.get("title") and data["title"] not in TITLE.by_key:
        raise IndicatorError(f"{where_from}: на «Титуле» нет поля «{data['title']}»; есть: "
                             + ", ".join(TITLE.by_key))
    table = data.get("table")
    if table and table not in ("mentors", "mentees", "links"):
        raise IndicatorError(f"{where_from}: table — одно из mentors, mentees, links")
    columns = SHEETS_BY_KEY[table].by_key if table else {}
    for key in [*data.get("where", {}), *data.get("present", []),
                *([data["sum"]] if data.get("sum") else [])]:
        if key not in columns:
            raise IndicatorError(f"{where_from}: на листе «{SHEETS_BY_KEY[table].name}» нет "
                                 f"столбца «{key}»")
    where = tuple((k, "range", (w.get("min"), w.get("max"))) if isinstance(w, dict) else
                  (k, "in", tuple(w) if isinstance(w, list) else (w,))
                  for k, w in data.get("where", {}).items())
    return Measure(title=data.get("title"), table=table, sum=data.get("sum"), where=where,
                   present=tuple(data.get("present", ())),
                   active_link=bool(data.get("active_link")),
                   ended_in_period=bool(data.get("ended_in_period")))


def indicators_file(workspace_root: Path | None = None) -> Path:
    """The workspace's indicators.toml if it has one, else the definitions shipped here."""
    if workspace_root is not None and (Path(workspace_root) / WORKSPACE_FILE).is_file():
        return Path(workspace_root) / WORKSPACE_FILE
    return DEFAULT_FILE


def load_indicators(workspace_root: Path | None = None) -> list[Indicator]:
    """The indicators the workspace's report is computed by (`indicators_file`)."""
    path = indicators_file(workspace_root)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IndicatorError(f"{path}: не удаётся прочитать ({text_file_error(exc)}) — "
                             "исправьте файл или удалите его, чтобы считать показатели по "
                             "правилам программы") from exc
    found = []
    for n, item in enumerate(data.get("indicator", []), start=1):
        where_from = f"{path.name}, показатель {item.get('code', n)}"
        over = item.get("over_period", LAST)
        if over not in OVER_PERIOD:
            raise IndicatorError(f"{where_from}: over_period — одно из "
                                 + ", ".join(f"«{k}» ({w})" for k, w in OVER_PERIOD.items()))
        try:
            found.append(Indicator(code=str(item["code"]), name=str(item["name"]),
                                   numerator=_measure(item["numerator"], where_from + ", numerator"),
                                   denominator=_measure(item["denominator"],
                                                        where_from + ", denominator"),
                                   scale=float(item.get("scale", 100)), over_period=over))
        except KeyError as exc:
            raise IndicatorError(f"{where_from}: нет ключа {exc}") from exc
    if not found:
        raise IndicatorError(f"{path}: нет ни одного [[indicator]]")
    return found


@dataclass
class SchoolData:
    """One school's accepted month: «Титул» values and the rows kept in the consolidation."""

    title: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]
    period: str
    _active: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def active_people(self, table: str) -> set[str]:
        if not self._active:
            mentors, mentees = set(), set()
            for link in self.rows.get("links", []):
                if link.get("status") == v.STATUS_ACTIVE:
                    if isinstance(link.get("mentor_name"), str):
                        mentors.add(name_key(link["mentor_name"]))
                    if isinstance(link.get("mentee_name"), str):
                        mentees.add(name_key(link["mentee_name"]))
            self._active = {"mentors": mentors, "mentees": mentees}
        return self._active.get(table, set())


def _matches(record: dict[str, Any], measure: Measure, data: SchoolData) -> bool:
    for key, kind, allowed in measure.where:
        value = record.get(key)
        if kind == "range":
            low, high = allowed
            if not isinstance(value, int | float) or (low is not None and value < low) \
                    or (high is not None and value > high):
                return False
        elif value not in allowed:
            return False
    if any(record.get(key) is None for key in measure.present):
        return False
    if measure.active_link:
        name = record.get("full_name")
        if not isinstance(name, str) or name_key(name) not in data.active_people(
                measure.table or ""):
            return False
    if measure.ended_in_period:
        end = record.get("end")
        if not isinstance(end, dt.date) or f"{end.year:04d}-{end.month:02d}" != data.period:
            return False
    return True


def measure(m: Measure, data: SchoolData) -> float | None:
    if m.title:
        value = data.title.get(m.title)
        return float(value) if isinstance(value, int | float) else None
    rows = [r for r in data.rows.get(m.table or "", []) if r.get("_ok", True)]
    chosen = [r for r in rows if _matches(r, m, data)]
    if m.sum:
        return float(sum(r[m.sum] for r in chosen if isinstance(r.get(m.sum), int | float)))
    return float(len(chosen))


def compute(indicators: list[Indicator], data: SchoolData) -> dict[str, Value]:
    return {i.code: Value(measure(i.numerator, data), measure(i.denominator, data), i.scale)
            for i in indicators}


def total(indicators: list[Indicator], values: list[dict[str, Value]]) -> dict[str, Value]:
    """The sum of numerators over the sum of denominators, over schools that have both."""
    result = {}
    for indicator in indicators:
        parts = [v[indicator.code] for v in values if indicator.code in v
                 and v[indicator.code].numerator is not None
                 and v[indicator.code].denominator is not None]
        result[indicator.code] = Value(
            sum(p.numerator for p in parts) if parts else None,
            sum(p.denominator for p in parts) if parts else None, indicator.scale)
    return result
