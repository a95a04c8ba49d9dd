"""Setting a school's file aside (`nastavnik void`) and letting it count again (`unvoid`).

Nothing in inbox/ is touched: a void is a record in the ledger (who, when, why), kept forever,
and the month's next run counts the school's previous file instead, or none
(pipeline.consolidate.choose_counted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.ledger import Ledger, account, file_sha256, hold_workspace
from pipeline.paths import readable_name
from pipeline.workspace import Workspace


class VoidError(UserError):
    """The file cannot be voided or unvoided as asked; the message says what to do."""


@dataclass(frozen=True)
class Target:
    """Which file: a path in inbox/, or a school and the day its file was received."""
    path: Path | None = None
    school_code: str | None = None
    received: dt.date | None = None
    period: str | None = None

    def said(self) -> str:
        if self.path is not None:
            return str(self.path)
        month = f" за {self.period}" if self.period else ""
        return f"файл школы {self.school_code}{month}, полученный {self.received:%d.%m.%Y}"


def set_aside(workspace: Workspace, target: Target, reason: str, by: str | None, *,
              undo: bool = False) -> dict[str, Any]:
    """Void the target file (or, with `undo`, undo its void); returns the void as the ledger
    keeps it, with the file's `name`."""
    what = "отмена аннулирования" if undo else "аннулирование файла"
    with hold_workspace(workspace.root, what), Ledger.open(workspace.state_dir) as ledger:
        file = _find(workspace, ledger, target)
        voided = file["file_id"] in ledger.voided(file["period"])
        name = file["path"].rsplit("/", 1)[-1]
        if undo and not voided:
            raise VoidError(f"{name}: файл не аннулирован — отменять нечего "
                            f"(nastavnik history --school КОД покажет его судьбу)")
        if not undo and voided:
            raise VoidError(f"{name}: файл уже аннулирован — чтобы он снова учитывался: "
                            f"nastavnik unvoid … --reason \"…\"")
        who = by.strip() if by and by.strip() else account()
        done = (ledger.unvoid if undo else ledger.void)(file["file_id"], who, reason)
    return done | {"name": name}


def _find(workspace: Workspace, ledger: Ledger, target: Target) -> dict[str, Any]:
    if target.path is not None:
        return _by_path(workspace, ledger, target.path)
    school = workspace.school(target.school_code)
    if school is None:
        raise VoidError(f"школы с кодом «{target.school_code}» нет в реестре — проверьте код "
                        "(реестр: schools.xlsx)")
    found = [f for f in ledger.find_files(school_code=school.code, period=target.period)
             if f["received"].date() == target.received]
    if not found:
        raise VoidError(f"{target.said()}: такого файла в журнале нет — проверьте дату "
                        f"(nastavnik history --school {school.code} покажет все файлы школы) "
                        "или укажите путь к файлу")
    if len(found) > 1:
        names = ", ".join(f["path"] for f in found)
        raise VoidError(f"{target.said()}: таких файлов несколько ({names}) — укажите путь "
                        "к нужному файлу")
    return found[0]


def _by_path(workspace: Workspace, ledger: Ledger, path: Path) -> dict[str, Any]:
    """The ledger's record of an inbox file; seen now if no run has seen it yet."""
    root = workspace.root.resolve()
    try:
        relative = path.resolve().relative_to((workspace.inbox).resolve())
    except ValueError:
        relative = None
    if relative is None or len(relative.parts) != 2:
        raise VoidError(f"{path}: это не файл из папки inbox/ГГГГ-ММ/ рабочей папки {root} — "
                        "укажите файл школы в inbox/")
    period = relative.parts[0]
    sha = file_sha256(path)
    if sha is None:
        raise VoidError(f"{path}: файл не удаётся прочитать — проверьте путь и права на чтение")
    recorded = path.resolve().parent.relative_to(root).as_posix() + "/" + \
        readable_name(path.name)
    found = ledger.find_files(path=recorded, sha256=sha)
    if not found:  # not seen by a run yet: seen now, as a run would (received when first seen)
        stat = path.stat()
        ledger.see([(recorded, sha, stat.st_size,
                     dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0))], period)
        found = ledger.find_files(path=recorded, sha256=sha)
    return found[0]
