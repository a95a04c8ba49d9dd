"""The cache of rendered rows: a school's lists, rendered as SpreadsheetML for the district
workbook and deflated (pipeline.engine.sheetxml.segment), kept in the ledger between runs
under a key of everything the rendering depends on; a region's million cells are never all
in memory, and a school whose file did not change is not rendered again."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

_KEPT_AT_ONCE = 64  # schools' rendered rows written to the cache together


class RowCache(Protocol):
    """Where rendered rows are kept between runs (the ledger)."""

    def rendered_rows(self, keys: list[str]) -> dict[str, int]: ...

    def rendered_segments(self, keys: Iterable[str]) -> Iterator[bytes]: ...

    def keep_rendered(self, period: str, fresh: dict[str, tuple[int, bytes]]) -> None: ...

    def forget_rendered(self, period: str, used: set[str]) -> None: ...


class MemoryCache:
    """A RowCache for one run, when there is no ledger to keep the rows in."""

    def __init__(self) -> None:
        self.kept: dict[str, tuple[int, bytes]] = {}

    def rendered_rows(self, keys: list[str]) -> dict[str, int]:
        return {key: self.kept[key][0] for key in keys if key in self.kept}

    def rendered_segments(self, keys: Iterable[str]) -> Iterator[bytes]:
        return (self.kept[key][1] for key in keys)

    def keep_rendered(self, period: str, fresh: dict[str, tuple[int, bytes]]) -> None:
        self.kept.update(fresh)

    def forget_rendered(self, period: str, used: set[str]) -> None:
        pass


def rendered_key(render_key: str, sha256: str, school: Any, secret: bytes, source: str) -> str:
    """What a school's rendered lists depend on: the file and its name (`source`), the
    school, the renderer, the district's key for pseudonyms."""
    return hashlib.sha256("|".join((render_key, sha256, source, school.code, school.name,
                                    hashlib.sha256(secret).hexdigest())).encode()).hexdigest()


class Renderer:
    """Renders schools' lists into the cache, a few schools per transaction."""

    def __init__(self, cache: RowCache, period: str, render_key: str, secret: bytes,
                 render: Callable[..., list[tuple[int, bytes]]], lists: int) -> None:
        """`render(school, rows, secret, source)`: a school's `lists` lists rendered
        (pipeline.district.render_lists)."""
        self.cache, self.period, self.render_key, self.secret = cache, period, render_key, secret
        self.render, self.lists = render, lists
        self.fresh: dict[str, tuple[int, bytes]] = {}

    def keys(self, sha256: str, school: Any, source: str) -> list[str]:
        key = rendered_key(self.render_key, sha256, school, self.secret, source)
        return [f"{key}:{k}" for k in range(self.lists)]

    def missing(self, sha256: str, school: Any, source: str) -> list[str]:
        """The keys of the school's lists, if the cache lacks any of them; else none."""
        keys = self.keys(sha256, school, source)
        return [] if len(self.cache.rendered_rows(keys)) == len(keys) else keys

    def add(self, sha256: str, school: Any, source: str, rows: dict[str, list[dict[str, Any]]],
            kept: dict[str, int] | None = None) -> dict[str, int]:
        """Render the school's lists unless the cache has them; their keys and row counts."""
        keys = self.keys(sha256, school, source)
        kept = self.cache.rendered_rows(keys) if kept is None else kept
        if all(key in kept for key in keys):
            return {key: kept[key] for key in keys}
        rendered = self.render(school, rows, self.secret, source)
        self.put(keys, rendered)
        return {key: count for key, (count, _) in zip(keys, rendered, strict=True)}

    def put(self, keys: list[str], rendered: list[tuple[int, bytes]]) -> None:
        """Keep a school's rendered lists (`render_lists`) under their `keys`."""
        self.fresh.update(zip(keys, rendered, strict=True))
        if len(self.fresh) >= _KEPT_AT_ONCE * self.lists:
            self.flush()

    def flush(self) -> None:
        self.cache.keep_rendered(self.period, self.fresh)
        self.fresh = {}
