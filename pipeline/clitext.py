"""Click's own words (usage, errors, help headings) in Russian.

Click marks its messages for gettext but ships no Russian catalogue; a methodologist should
not meet "Missing option" in an otherwise Russian tool. The catalogue below covers what a
user of our commands can see; anything else falls through in English.
"""

from __future__ import annotations

import gettext
import importlib

RUSSIAN = {
    "Usage:": "Использование:",
    "Options": "Параметры",
    "Commands": "Команды",
    "Show this message and exit.": "Показать эту справку и выйти.",
    "Show the version and exit.": "Показать версию и выйти.",
    "Error: {message}": "Ошибка: {message}",
    "Try '{command} {option}' for help.": "Справка: {command} {option}",
    "No such command {name!r}.": "Нет такой команды: {name}.",
    "No such option {name!r}.": "Нет такого параметра: {name}.",
    "No such option: {name}": "Нет такого параметра: {name}",
    "Missing option": "Не указан параметр",
    "Missing argument": "Не указан аргумент",
    "Missing parameter": "Не указан параметр",
    "Missing command.": "Не указана команда.",
    "Missing {param_type}": "Не указан {param_type}",
    "Missing parameter: {param_name}": "Не указан параметр: {param_name}",
    "Invalid value for {param_hint}: {message}": "Неверное значение {param_hint}: {message}",
    "Invalid value: {message}": "Неверное значение: {message}",
    "Option {name!r} does not take a value.": "Параметр {name} пишется без значения.",
    "Option {name!r} requires an argument.": "После параметра {name} нужно значение.",
    "Got unexpected extra argument ({args})": "Лишний аргумент: {args}",
    "Got unexpected extra arguments ({args})": "Лишние аргументы: {args}",
    "Did you mean {possibility}?": "Может быть, {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Может быть, одно из: {possibilities}?)",
    "{name} {filename!r} does not exist.": "{name} «{filename}» не существует.",
    "{name} {filename!r} is a directory.": "{name} «{filename}» — это папка.",
    "{name} {filename!r} is a file.": "{name} «{filename}» — это файл.",
    "{name} {filename!r} is not readable.": "{name} «{filename}» недоступен для чтения.",
    "{name} {filename!r} is not writable.": "{name} «{filename}» недоступен для записи.",
    "file": "Файл",
    "directory": "Папка",
    "path": "Путь",
    "Aborted!": "Прервано.",
    "default: {default}": "по умолчанию: {default}",
    "required": "обязательно",
    "env var: {var}": "переменная окружения: {var}",
    "(dynamic)": "(вычисляется)",
    "deprecated": "устарело",
    "Positional arguments": "Аргументы",
    "Value must be an iterable.": "Нужен список значений.",
    "%(prog)s, version %(version)s": "%(prog)s, версия %(version)s",
}


class _Russian(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return RUSSIAN.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return RUSSIAN.get(singular if n == 1 else plural, singular if n == 1 else plural)


_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui",
            "utils")


def install_russian_click() -> None:
    """Point click's modules at the Russian catalogue (they bound gettext at import)."""
    catalogue = _Russian()
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = catalogue.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = catalogue.ngettext
