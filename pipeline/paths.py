"""The workspace's fixed names, and where outputs are staged before they are put in place.

Outputs are written whole into the workspace's `.nastavnik/tmp/` and renamed onto their place
in `outbox/`: the user's folders never hold a half-written file, even after a power cut, and
what an interrupted run left is in one folder that the next run empties (`clean_staging`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SETTINGS_FILE = "nastavnik.toml"
STATE_DIR = ".nastavnik"
STAGING_DIR = "tmp"  # inside STATE_DIR
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
