"""The one base of the refusals a user reads: their text is Russian and says what to do."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can put right (a setting, a file, the workspace); `str()` of it is
    the whole Russian message. The CLI prints it as «Ошибка: …» wherever it is raised."""
