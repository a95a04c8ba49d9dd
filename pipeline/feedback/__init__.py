"""The school's own file back, every problem marked: the thing a school fixes and resends.

The feedback workbook opens on «Замечания» (a receipt and the list of problems), followed by
the school's sheets as they were sent, with each problem cell filled (errors red, warnings
yellow) and a comment that says what is wrong and how to fix it. `marks` says what is marked
and listed; two writers lay it out. An .xlsx is marked by editing its package's parts as text
(`package`), so the school's formatting and drop-downs survive byte for byte; what that
cannot edit, as it finds by looking at the file (an .xlsm, our own feedback sent back, an odd
package), is marked with openpyxl (`book`); an .xls or .ods cannot be marked in place and
becomes a faithful .xlsx copy of its values.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from pipeline.feedback import book, package
from pipeline.feedback.marks import (
    FILLS,
    SHEET_NAME,
    TABLE_HEADER_ROW,
    listed_issues,
    receipt_rows,
)
from pipeline.read import Form
from pipeline.validate import FileResult

log = logging.getLogger(__name__)


def write_feedback(form: Form, result: FileResult, out: Path, *,
                   received: dt.datetime | None = None,
                   checked: dt.datetime | None = None) -> Path:
    """Write the school's feedback workbook for one checked file; returns its path."""
    receipt = receipt_rows(Path(form.path), result, received, checked)
    listed = listed_issues(result.issues, form)
    with package.marked(form, receipt, listed) as marked:
        if marked.refusal is None:
            return marked.save(Path(out))
    log.debug("feedback through openpyxl: %s: %s", form.path, marked.refusal)
    return book.write(form, result, Path(out), receipt, listed)


__all__ = ["FILLS", "SHEET_NAME", "TABLE_HEADER_ROW", "listed_issues", "receipt_rows",
           "write_feedback"]
