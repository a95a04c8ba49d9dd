"""The one base of the refusals a user reads: their text is Russian and says what to do."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

# a full disk, or the account's quota on it: the same advice
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class UserError(Exception):
    """Something the user can put right (a setting, a file, the workspace); `str()` of it is
    the whole Russian message. The CLI prints it as «Ошибка: …» wherever it is raised."""


class NoSpaceError(UserError):
    """The disk ran full while the ledger or the outputs were written. SQLite rolled back
    what it had not committed, so the ledger is as the last finished step left it: the
    message says so, lest a user restore an older copy over an intact one."""


def causes(exc: BaseException | None) -> Iterator[BaseException]:
    """`exc` and what it was raised from or while handling, and an error a library wrapped
    as its argument (xlsxwriter's FileCreateError holds the system's OSError)."""
    todo, seen = [exc], set()
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__,
                 *(a for a in current.args if isinstance(a, BaseException))]


def out_of_space(exc: BaseException) -> bool:
    """Whether `exc` comes from a full disk: the system's ENOSPC (or a quota's EDQUOT), or
    SQLite's SQLITE_FULL («database or disk is full»)."""
    for cause in causes(exc):
        if isinstance(cause, OSError) and cause.errno in _NO_SPACE:
            return True
        if isinstance(cause, sqlite3.Error) and (
                getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                or "database or disk is full" in str(cause)):
            return True
    return False


def failed_path(exc: BaseException) -> Path | None:
    """The file the system refused to write, as its error names it (the target of a rename
    rather than its source)."""
    for cause in causes(exc):
        if isinstance(cause, OSError) and (cause.filename2 or cause.filename):
            return Path(str(cause.filename2 or cause.filename))
    return None
