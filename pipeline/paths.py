"""The workspace's fixed names, and where outputs are staged before they are put in place.

Outputs are written whole into the workspace's `.nastavnik/tmp/` and renamed onto their place
in `outbox/`: the user's folders never hold a half-written file, even after a power cut, and
what an interrupted run left is in one folder that the next run empties (`clean_staging`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import NoSpaceError, failed_path, out_of_space
from pipeline.russian import no_space

SETTINGS_FILE = "nastavnik.toml"
STATE_DIR = ".nastavnik"
STAGING_DIR = "tmp"  # inside STATE_DIR
# what a run may take besides the month's files and last outputs: the ledger's write-ahead log
# and a margin, so that the estimate said on a full disk is not just short of enough
SPACE_MARGIN = 1 << 20
# what versions before 0.2 staged beside the outputs, and an interrupted run could leave
LEGACY_STAGED = (".~*", "*.rows")


def workspace_root(path: Path) -> Path | None:
    """The workspace `path` lies in, if any: the nearest folder above it with the settings."""
    for parent in Path(path).absolute().parents:
        if (parent / SETTINGS_FILE).is_file():
            return parent
    return None


def staging_dir(path: Path) -> Path:
    """Where a file meant for `path` is written first: the workspace's staging folder, on the
    same disk as the output so that the rename is atomic; outside a workspace, beside it."""
    beside = Path(path).parent
    root = workspace_root(path)
    if root is None:
        return beside
    folder = root / STATE_DIR / STAGING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # an outbox on another disk (a linked network share) cannot take a rename from here
    return folder if same_disk(folder, beside) else beside


def clean_staging(root: Path) -> list[Path]:
    """Remove what interrupted runs left: the staging folder's files, and the temporary files
    earlier versions wrote beside the outputs. Call it holding the workspace lock."""
    removed: list[Path] = []
    folder = root / STATE_DIR / STAGING_DIR
    if folder.is_dir():
        for entry in folder.iterdir():
            removed.append(entry)
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    outbox = root / "outbox"
    if outbox.is_dir():
        for pattern in LEGACY_STAGED:
            for entry in outbox.rglob(pattern):
                if entry.is_file() and not entry.is_symlink():
                    entry.unlink(missing_ok=True)
                    removed.append(entry)
    return removed


def readable_name(name: str) -> str:
    """A file name as a person should see it, and as the ledger and the outputs record it.

    A name that is not UTF-8 reaches Python with its bytes escaped as surrogates; such names
    come from attachments saved by old mail clients, in cp1251 or cp866. They are decoded as
    whichever of those gives more Cyrillic letters; bytes that fit neither are shown as «?»."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(name)
    decoded = [raw.decode(codec, "replace") for codec in ("cp1251", "cp866")]
    best = max(decoded, key=lambda text: sum(ch.isalpha() and "\u0400" <= ch <= "\u04ff"
                                               for ch in text))
    return best.replace("\ufffd", "?")


def readable(path: Path | str) -> str:
    """`path` with a readable name (`readable_name`), as text."""
    path = Path(path)
    return str(path.with_name(readable_name(path.name))) if path.name else str(path)


def link_outside(path: Path) -> bool:
    """Whether `path`, in a workspace, is a link that leads outside it: such a file is never
    opened (a link to /etc/passwd saved into inbox/ must not be read, let alone reported)."""
    path = Path(path)
    if not path.is_symlink():
        return False
    root = workspace_root(path)
    if root is None:
        return False
    return not path.resolve().is_relative_to(root.resolve())


def same_disk(a: Path, b: Path) -> bool:
    """Whether a rename from one folder to the other stays on one file system."""
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def space_needed(root: Path, period: str) -> int:
    """Roughly how much room a month's run takes: as much as the month's school files (the
    ledger keeps their rows, packed) and the month's outputs as they are (written anew
    beside the old ones before these are replaced), and SPACE_MARGIN."""
    total = SPACE_MARGIN
    for folder in (root / "inbox" / period, root / "outbox" / period):
        if folder.is_dir():
            total += sum(p.stat().st_size for p in folder.rglob("*")
                         if p.is_file() and not p.is_symlink())
    return total


@contextlib.contextmanager
def space_told(root: Path, period: str) -> Iterator[None]:
    """Turns a full disk met while writing the ledger or the outputs, however deep, into
    one NoSpaceError: where, how much is free and needed, and that the ledger is intact."""
    try:
        yield
    except NoSpaceError:
        raise
    except Exception as exc:
        if not out_of_space(exc):
            raise
        folder = Path(root)
        where = failed_path(exc)
        if where is not None and not same_disk(_existing(where), folder):
            folder = _existing(where)  # an outbox linked to another disk
        free = shutil.disk_usage(folder).free
        raise NoSpaceError(no_space(folder, free, space_needed(Path(root), period))) from exc


def _existing(path: Path) -> Path:
    """`path` or its nearest folder that exists."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
