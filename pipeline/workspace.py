"""A district office's workspace (SPEC §1): settings, the school registry, inbox and outbox."""

from __future__ import annotations

import datetime as dt
import secrets
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.paths import SETTINGS_FILE, STATE_DIR
from pipeline.read import read_table
from pipeline.russian import text_file_error
from pipeline.workbooks import Formats, atomic_path, new_workbook, write_table
from schemas.columns import REGISTRY

REGISTRY_FILE = "schools.xlsx"
SKIPPED_NAMES = (".",)  # names of files in inbox/ that are not school files

SETTINGS_TEMPLATE = """\
# Настройки nastavnik для муниципального органа управления образованием.
# Файл читается при каждом запуске; после правки ничего перезапускать не нужно.

# Название района или городского округа (попадает в сводку и отчёт).
district = "{district}"

# Субъект Российской Федерации.
region = "{region}"

# До какого числа следующего месяца школы сдают отчёт за месяц.
deadline_day = {deadline_day}

# Сколько действующих наставляемых допустимо у одного наставника
# (больше — предупреждение mentor-overload).
max_mentees_per_mentor = {max_mentees_per_mentor}

[history]
# Сверка с прошлым месяцем (предупреждение history-jump): число с «Титула» или число
# наставников, наставляемых, действующих пар изменилось больше чем на max_change
# (0.5 — на 50 % от меньшего из двух чисел) и больше чем на min_change — оба условия сразу,
# чтобы у маленькой школы 3 → 6 не считалось скачком.
max_change = 0.5
min_change = 10

[limits]
# Самый большой файл школы, который принимается, в мегабайтах.
max_file_mb = 20
# Сколько мегабайт файл может занимать в распакованном виде.
max_unpacked_mb = 200

[justifications]
# Пояснения школ к предупреждениям, которые управление не принимает: такое предупреждение
# остаётся предупреждением. Запись: "Код ОО:Лист:Строка:код замечания", например
# refused = ["ОО-07:Наставники:5:mentor-overload"]
refused = []

# Почта управления (nastavnik mail fetch / mail send). Уберите «# » в начале строк и впишите
# свой ящик; пример для Яндекс Почты, для Mail.ru — imap.mail.ru и smtp.mail.ru. Пароль здесь
# не пишется: он берётся из переменной окружения password_env, а если её нет — спрашивается
# один раз и хранится в системном хранилище паролей.
# [mail]
# user = "nastavnik-uo@yandex.ru"
# sender_name = "Управление образования"
# folder = "INBOX"
# password_env = "NASTAVNIK_MAIL_PASSWORD"
#
# [mail.imap]
# host = "imap.yandex.ru"
# port = 993
# security = "ssl"          # ssl или starttls; plain — только для проверочного сервера
#
# [mail.smtp]
# host = "smtp.yandex.ru"
# port = 465
# security = "ssl"
"""


class WorkspaceError(UserError):
    """A workspace that cannot be used; the message is Russian and says what to do."""


@dataclass(frozen=True)
class Settings:
    district: str = "Муниципальный район"
    region: str = ""
    deadline_day: int = 5
    max_mentees_per_mentor: int = 3
    max_file_mb: float = 20
    max_unpacked_mb: float = 200
    # «Код ОО:Лист:Строка:код» of the schools' explanations the district does not accept
    refused_justifications: tuple[str, ...] = ()
    history_max_change: float = 0.5  # [history] max_change: relative, of the smaller number
    history_min_change: int = 10  # [history] min_change: absolute


@dataclass(frozen=True)
class School:
    code: str
    name: str
    school_type: str = ""
    email: str = ""
    active_from: dt.date | None = None
    active_to: dt.date | None = None

    def active_in(self, period: str) -> bool:
        """Whether the school is expected to report for the month `period` (YYYY-MM)."""
        first = dt.date.fromisoformat(period + "-01")
        last = next_month_start(first) - dt.timedelta(days=1)
        if self.active_from and self.active_from > last:
            return False
        return not (self.active_to and self.active_to < first)

    @property
    def short_name(self) -> str:
        return self.name.replace("«", "").replace("»", "").replace('"', "")[:40].strip()


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: Settings = field(default_factory=Settings)
    schools: tuple[School, ...] = ()

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @cached_property
    def _by_code(self) -> dict[str, School]:
        return {code_key(s.code): s for s in reversed(self.schools)}

    def school(self, code: str | None) -> School | None:
        """The registry school with that code, however the code was typed."""
        return self._by_code.get(code_key(code)) if code else None

    def expected(self, period: str) -> list[School]:
        return [s for s in self.schools if s.active_in(period)]

    def inbox_files(self, period: str) -> list[Path]:
        """The school files saved for `period`, by name; hidden files (.DS_Store and the
        like) are not school files."""
        folder = self.inbox / period
        if not folder.is_dir():
            return []
        return sorted((p for p in folder.iterdir()
                       if p.is_file() and not p.name.startswith(SKIPPED_NAMES)),
                      key=lambda p: p.name)

    def secret(self) -> bytes:
        """The district's key for pseudonyms of people without consent (SPEC §5)."""
        path = self.state_dir / "secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(16), encoding="ascii")
        return path.read_text(encoding="ascii").strip().encode()


def code_key(code: str) -> str:
    """School codes compared as a person would: case, spaces and dash kinds do not matter."""
    text = str(code).strip().upper().replace(" ", "")
    for dash in "–—−‑":
        text = text.replace(dash, "-")
    return text.replace("O", "О")  # a Latin O typed in «ОО»


def next_month_start(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def previous_period(period: str) -> str:
    first = dt.date.fromisoformat(period + "-01")
    last = first - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def deadline(period: str, day: int) -> dt.datetime:
    """The end of `day` of the month after the period (the last day if the month is short)."""
    start = next_month_start(dt.date.fromisoformat(period + "-01"))
    last = next_month_start(start) - dt.timedelta(days=1)
    return dt.datetime.combine(start.replace(day=min(max(day, 1), last.day)), dt.time.max)


def following_period(period: str) -> str:
    start = next_month_start(dt.date.fromisoformat(period + "-01"))
    return f"{start.year:04d}-{start.month:02d}"


def nearest_period(today: dt.date, deadline_day: int) -> str:
    """The reporting month whose deadline (`deadline_day` of the next month) is nearest to
    `today`, past or future: the month being collected or just collected.

    The month before last, the last and this one are weighed (with a deadline day of 28 or
    more, the month before last's deadline can be the nearest: on 01.03 the 28.02 of January).
    A tie goes to the later month, whose reports are still coming. With deadline_day 10: on
    05.12 and on 25.12 it is November, on 26.12 December.
    """
    this = f"{today.year:04d}-{today.month:02d}"
    last = previous_period(this)
    candidates = (this, last, previous_period(last))  # min keeps the first of equals
    return min(candidates, key=lambda period: abs(
        (deadline(period, deadline_day).date() - today).days))


def is_workspace(path: Path) -> bool:
    return (Path(path) / SETTINGS_FILE).is_file()


def load_settings(path: Path) -> Settings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WorkspaceError(f"{path}: не удаётся прочитать настройки ({text_file_error(exc)}) "
                             "— исправьте файл или создайте рабочую папку заново: "
                             "nastavnik init") from exc
    limits = data.get("limits", {})
    history = data.get("history", {})

    def value(table: dict[str, Any], key: str, kind: type, attribute: str | None = None
              ) -> Any:
        try:
            return kind(table.get(key, getattr(Settings, attribute or key)))
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(f"{path}: неверное значение {key} = {table[key]!r} — "
                                 "нужно число, оно пишется без кавычек") from exc

    def threshold(key: str, kind: type) -> Any:
        found = value(history, key, kind, f"history_{key}")
        if found < 0:
            raise WorkspaceError(f"{path}: неверное значение {key} = {history[key]!r} в "
                                 "разделе [history] — нужно число не меньше нуля")
        return found

    return Settings(
        district=str(data.get("district", Settings.district)),
        region=str(data.get("region", "")),
        deadline_day=value(data, "deadline_day", int),
        max_mentees_per_mentor=value(data, "max_mentees_per_mentor", int),
        max_file_mb=value(limits, "max_file_mb", float),
        max_unpacked_mb=value(limits, "max_unpacked_mb", float),
        refused_justifications=_refused(path, data.get("justifications", {})),
        history_max_change=threshold("max_change", float),
        history_min_change=threshold("min_change", int),
    )


def _refused(path: Path, table: Any) -> tuple[str, ...]:
    refused = table.get("refused", []) if isinstance(table, dict) else None
    if not isinstance(refused, list) or not all(isinstance(r, str) for r in refused):
        raise WorkspaceError(f"{path}: в разделе [justifications] refused должен быть списком "
                             "строк вида \"ОО-07:Наставники:5:mentor-overload\" — исправьте "
                             "настройки")
    return tuple(refused)


def load_registry(path: Path) -> tuple[School, ...]:
    """The schools of schools.xlsx, sheet «Реестр ОО»."""
    try:
        rows = read_table(path, REGISTRY)
    except ValueError as exc:
        raise WorkspaceError(f"{path}: {exc} — исправьте реестр школ") from exc
    schools = []
    for row in rows:
        code, name = row.get("school_code"), row.get("school_name")
        if not code or not name:
            continue
        schools.append(School(code=str(code), name=str(name),
                              school_type=str(row.get("school_type") or ""),
                              email=str(row.get("email") or ""),
                              active_from=row.get("active_from"),
                              active_to=row.get("active_to")))
    return tuple(schools)


def open_workspace(root: Path) -> Workspace:
    root = Path(root)
    if not is_workspace(root):
        raise WorkspaceError(f"{root}: это не рабочая папка nastavnik (нет {SETTINGS_FILE}) — "
                             f"создайте её: nastavnik init {root}")
    settings = load_settings(root / SETTINGS_FILE)
    registry = root / REGISTRY_FILE
    if not registry.is_file():
        raise WorkspaceError(f"{registry}: нет реестра школ — создайте его по образцу "
                             "(nastavnik init в пустой папке) ")
    return Workspace(root=root, settings=settings, schools=load_registry(registry))


EXAMPLE_SCHOOLS = (
    School("ОО-01", "МБОУ «Средняя общеобразовательная школа № 1»", "СОШ", "school1@example.ru"),
    School("ОО-02", "МБОУ «Гимназия № 2»", "гимназия", "gymn2@example.ru"),
    School("ОО-03", "МБОУ «Основная общеобразовательная школа № 3»", "ООШ", "school3@example.ru"),
)


def init_workspace(root: Path, *, district: str = "Муниципальный район",
                   region: str = "", schools: tuple[School, ...] = EXAMPLE_SCHOOLS,
                   deadline_day: int = 5, max_mentees_per_mentor: int = 3) -> Workspace:
    """Create a workspace: settings, a registry with example rows, inbox/ and outbox/.

    Existing files are never overwritten.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "inbox").mkdir(exist_ok=True)
    (root / "outbox").mkdir(exist_ok=True)
    settings_path = root / SETTINGS_FILE
    if not settings_path.exists():
        settings_path.write_text(SETTINGS_TEMPLATE.format(
            district=_toml_text(district), region=_toml_text(region),
            deadline_day=deadline_day, max_mentees_per_mentor=max_mentees_per_mentor),
            encoding="utf-8")
    registry = root / REGISTRY_FILE
    if not registry.exists():
        write_registry(registry, schools)
    return open_workspace(root)


def _toml_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def write_registry(path: Path, schools: tuple[School, ...]) -> None:
    headers = [c.header for c in REGISTRY.columns]
    rows = [(s.code, s.name, s.school_type, s.email, s.active_from, s.active_to)
            for s in schools]
    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        write_table(book, Formats(book), REGISTRY.name, headers, rows,
                    widths=[c.width for c in REGISTRY.columns])
        book.close()
