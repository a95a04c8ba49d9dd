"""The form's drop-down lists, defined once for every workbook that carries them.

The template and a marked feedback file hold the same hidden «Справочники»: one column per
distinct vocabulary (its header in row 1, its values below) and a defined name per list that
a drop-down refers to. Each writer (xlsxwriter for the template, openpyxl or the package
editor for the feedback) only places what `list_cells` and `Vocabulary.cells` give.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.engine.sheetxml import column_letter
from schemas import columns as c

LIST_HEADER_ROW = 1  # «Справочники»: header in row 1, values from row 2
# what a drop-down the feedback adds says when a value is not from its list
DROP_DOWN_ERROR = ("Значение не из списка", "Выберите значение из выпадающего списка.")


@dataclass(frozen=True)
class Vocabulary:
    """One list of «Справочники»: its defined name, header and where its values sit."""

    name: str
    header: str
    values: tuple[str, ...]
    col: int  # 0-based column on «Справочники»

    @property
    def cells(self) -> str:
        """Its values' cells on «Справочники», absolute: «$A$2:$A$7»."""
        letter = column_letter(self.col + 1)
        return (f"${letter}${LIST_HEADER_ROW + 1}:"
                f"${letter}${LIST_HEADER_ROW + len(self.values)}")


@functools.cache
def _vocabularies() -> tuple[tuple[tuple[str, ...], Vocabulary], ...]:
    found: dict[tuple[str, ...], Vocabulary] = {}
    for sheet in c.FORM_SHEETS:
        for column in sheet.columns:
            if not column.vocab or column.vocab in found:
                continue
            if column.kind == "yesno":
                name, header = "list_yesno", "/".join(column.vocab)
            else:
                name = f"list_{sheet.key}_{column.key}"
                header = f"{column.header} ({sheet.name})"
            found[column.vocab] = Vocabulary(name, header, column.vocab, len(found))
    return tuple(found.items())


def vocabularies() -> dict[tuple[str, ...], Vocabulary]:
    """The lists behind the form's drop-downs, one per distinct vocabulary, in form order."""
    return dict(_vocabularies())


def list_cells(lists: Iterable[Vocabulary]) -> Iterator[tuple[int, int, str]]:
    """The texts of «Справочники»: (0-based row, 0-based column, text), column by column,
    each list's header first."""
    for vocab in lists:
        yield LIST_HEADER_ROW - 1, vocab.col, vocab.header
        for index, value in enumerate(vocab.values):
            yield LIST_HEADER_ROW + index, vocab.col, value


def quoted(title: str) -> str:
    """A sheet's name as a reference to it is written: «'Справочники'»."""
    return "'" + title.replace("'", "''") + "'"


__all__ = ["DROP_DOWN_ERROR", "LIST_HEADER_ROW", "Vocabulary", "list_cells", "quoted",
           "vocabularies"]
