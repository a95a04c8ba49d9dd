"""Schools' files dropped on the page: saved unchanged into `inbox/<period>/`, capped in size
while they stream in, under a bare file name that cannot leave that folder."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from pipeline.paths import staging_dir

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class TooLarge(Exception):
    """The upload is larger than the workspace's max_file_mb: nothing was stored."""


def bare_name(name: str) -> str:
    """The last part of the name as any system would split it, without characters a file
    name cannot hold; never empty, never «.» or «..»."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name.replace("\\", "/")).name).name
    name = " ".join(_UNSAFE.sub(" ", name).split()).lstrip(".").strip()
    return name[:150] or "файл.xlsx"


def free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or «name (2).ext», «name (3).ext»… when it is taken."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 2
    while path.exists():
        path = folder / f"{stem} ({n}){suffix}"
        n += 1
    return path


async def save_upload(chunks: AsyncIterator[bytes], folder: Path, name: str,
                      limit: int) -> Path:
    """Write the streamed bytes to a temporary file in the workspace's staging folder and
    rename it into `folder` once whole; over `limit` bytes the temporary file is removed and
    `TooLarge` raised."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(folder / "x")
    handle, temp = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=staging)
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                out.write(chunk)
        target = free_name(folder, bare_name(name))
        os.replace(temp, target)  # a name taken meanwhile: the rename below never overwrites
        return target
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
