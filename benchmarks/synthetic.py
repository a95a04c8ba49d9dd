"""Synthetic region-sized workspaces for benchmarks/run.py: N schools, one month of forms.

Deterministic for (number of schools, seed). Each form comes from `pipeline.demo.school_form`
(5–40 mentors, 5–60 mentees, everyone in a pair or a group, names unique in the whole
workspace) and is written by the project's own `write_form`; 5 % of the schools make the
demo's mistakes. Another 5 % also get a corrected file (one more mentee and pair, received a
day later), kept outside the workspace until `Synthetic.resubmit` puts it in the inbox over
the first one.

With `namesakes`, the same workspace but for three people whom every school lists (its
first mentor and first two mentees renamed): the district-wide rule that finds a person in
two schools meets its worst case, each name in every school.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import random
import shutil
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.demo import RegionNames, file_name, school_form
from pipeline.template import write_form
from pipeline.workspace import School, init_workspace
from schemas import vocab as v

PERIOD = "2026-11"
DEADLINE_DAY = 5
REGION = "Приреченская область"
MISTAKES_SHARE = 0.05
RESUBMITTED_SHARE = 0.05
# Bump when the generated files change, so that older workspaces in --work are not reused.
GENERATOR_VERSION = 1
MANIFEST = "manifest.json"
NAMESAKES = 3  # people every school of a `namesakes` workspace lists

# school type, share of the registry, its name
_TYPES = (("СОШ", 55, "Средняя школа"), ("ООШ", 20, "Основная школа"),
          ("гимназия", 8, "Гимназия"), ("лицей", 7, "Лицей"), ("ЦО", 5, "Центр образования"),
          ("школа-интернат", 5, "Школа-интернат"))


@dataclass
class Synthetic:
    """A generated workspace (`root`) and, beside it (`extra`), the copies it is reset from."""

    root: Path
    extra: Path
    schools: int
    seed: int
    files: int
    inbox_bytes: int
    generation_s: float
    reused: bool
    resubmitted: dict[str, float]  # inbox file name -> receipt time of the corrected file

    @property
    def inbox(self) -> Path:
        return self.root / "inbox" / PERIOD

    def restore(self) -> None:
        """Put the first files back where a benchmark put corrected ones (mtimes too)."""
        for name in self.resubmitted:
            shutil.copy2(self.extra / "pristine" / name, self.inbox / name)

    def resubmit(self) -> None:
        """The corrected files arrive: written over the first ones, received a day later."""
        for name, received in self.resubmitted.items():
            shutil.copyfile(self.extra / "resubmitted" / name, self.inbox / name)
            os.utime(self.inbox / name, (received, received))

    def reset_outputs(self) -> None:
        """What a cold run starts from: no ledger, nothing in outbox/."""
        shutil.rmtree(self.root / ".nastavnik", ignore_errors=True)
        outbox = self.root / "outbox"
        for item in outbox.iterdir() if outbox.is_dir() else ():
            if item.is_dir():
                shutil.rmtree(item)
            else:
                item.unlink()


def workspace(work: Path, schools: int, seed: int, *, jobs: int = 2,
              namesakes: bool = False) -> Synthetic:
    """The workspace of `schools` schools for `seed` in `work`, generated unless already there;
    with `namesakes`, every school also lists the same three people."""
    name = f"schools-{schools}-seed-{seed}" + ("-namesakes" if namesakes else "")
    root = work / name
    extra = work / f"{name}.extra"
    manifest = _manifest(extra)
    if manifest and manifest["version"] == GENERATOR_VERSION and root.is_dir():
        synthetic = _from_manifest(root, extra, manifest, reused=True)
        synthetic.restore()
        return synthetic
    for folder in (root, extra):  # left by an interrupted or older generation
        shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    _generate(root, extra, schools, seed, jobs, namesakes)
    manifest = _manifest(extra)
    manifest["generation_s"] = round(time.perf_counter() - started, 2)
    (extra / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                  encoding="utf-8")
    return _from_manifest(root, extra, manifest, reused=False)


def _manifest(extra: Path) -> dict[str, Any] | None:
    try:
        return json.loads((extra / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _from_manifest(root: Path, extra: Path, manifest: dict[str, Any], *,
                   reused: bool) -> Synthetic:
    return Synthetic(root=root, extra=extra, schools=manifest["schools"], seed=manifest["seed"],
                     files=manifest["files"], inbox_bytes=manifest["inbox_bytes"],
                     generation_s=manifest["generation_s"], reused=reused,
                     resubmitted=manifest["resubmitted"])


def registry(count: int, rng: random.Random) -> tuple[School, ...]:
    """`count` schools of the usual types, «ОО-0001» onwards."""
    width = max(4, len(str(count)))
    kinds = rng.choices(_TYPES, weights=[share for _, share, _ in _TYPES], k=count)
    return tuple(School(f"ОО-{n:0{width}d}", f"МБОУ «{label} № {n}»", school_type,
                        f"school{n}@region.example.ru")
                 for n, (school_type, _, label) in enumerate(kinds, start=1))


def _generate(root: Path, extra: Path, count: int, seed: int, jobs: int,
              namesakes: bool = False) -> None:
    rng = random.Random(seed)
    schools = registry(count, rng)
    init_workspace(root, district=f"Синтетический округ ({count} школ)", region=REGION,
                   schools=schools, deadline_day=DEADLINE_DAY)
    inbox = root / "inbox" / PERIOD
    for folder in (inbox, extra / "pristine", extra / "resubmitted"):
        folder.mkdir(parents=True, exist_ok=True)
    share = max(1, round(count * MISTAKES_SHARE))
    mistaken = set(rng.sample(range(1, count + 1), share))
    resubmitting = set(rng.sample(range(1, count + 1), max(1, round(count * RESUBMITTED_SHARE))))
    # Names are unique across the workspace, so they are drawn here, one school after another;
    # only the writing of the files (most of the time) is spread over processes.
    names = RegionNames(random.Random(f"{seed} names"))
    # drawn apart, so that everything else is as in the workspace without namesakes; taken
    # out of the names anyone else may get
    common = RegionNames(random.Random(f"{seed} namesakes"))
    shared = [common.person(female=True) for _ in range(NAMESAKES)] if namesakes else []
    names.used.update(shared)
    clock = random.Random(f"{seed} received")
    resubmitted: dict[str, float] = {}
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        pending: set[Future] = set()
        for number, school in enumerate(schools, start=1):
            form_rng = random.Random(f"{seed}:{number}")
            title, rows = school_form(form_rng, school, PERIOD, number,
                                      mistakes=number in mistaken, names=names)
            if shared:
                rows = with_namesakes(rows, shared)
            name = file_name(school, PERIOD, form_rng)
            received = _received(clock)
            tasks = [(inbox / name, school, title, rows, received,
                      extra / "pristine" / name if number in resubmitting else None)]
            if number in resubmitting:
                later = received + 24 * 3600
                title2, rows2 = with_newcomer(form_rng, names, title, rows)
                tasks.append((extra / "resubmitted" / name, school, title2, rows2, later, None))
                resubmitted[name] = later
            for task in tasks:
                pending.add(pool.submit(_write, *task))
            if len(pending) >= 8 * max(1, jobs):
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
        for future in pending:
            future.result()
    files = sorted(inbox.iterdir())
    manifest = {"version": GENERATOR_VERSION, "schools": count, "seed": seed,
                "period": PERIOD, "files": len(files),
                "inbox_bytes": sum(p.stat().st_size for p in files), "generation_s": None,
                "mistakes": len(mistaken), "resubmitted": resubmitted, "namesakes": shared}
    (extra / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _write(path: Path, school: School, title: dict[str, Any],
           rows: dict[str, list[dict[str, Any]]], received: float, copy_to: Path | None) -> None:
    write_form(path, school_code=school.code, school_name=school.name, period=PERIOD,
               municipality="Синтетический округ", title=title, rows=rows,
               deadline_day=DEADLINE_DAY)
    os.utime(path, (received, received))
    if copy_to is not None:
        shutil.copy2(path, copy_to)


def _received(clock: random.Random) -> float:
    """Office hours of the first days of the following month, before the deadline."""
    first = dt.datetime.fromisoformat(PERIOD + "-01")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    day = following + dt.timedelta(days=clock.randint(0, DEADLINE_DAY - 3))
    return (day + dt.timedelta(hours=clock.randint(9, 16), minutes=clock.randint(0, 59))
            ).timestamp()


def with_newcomer(rng: random.Random, names: RegionNames, title: dict[str, Any],
                  rows: dict[str, list[dict[str, Any]]],
                  ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The same form sent again with one more mentee: a young teacher hired mid-month, paired
    with the least busy teacher (a new one if every teacher already has three)."""
    title, rows = dict(title), copy.deepcopy(rows)
    links, mentors = rows["links"], rows["mentors"]
    busy = Counter(row["mentor_name"] for row in links if row["status"] == v.STATUS_ACTIVE)
    teachers = [p for p in mentors if p["category"] == v.MENTOR_TEACHER]
    mentor = min(teachers, key=lambda p: busy[p["full_name"]])
    if busy[mentor["full_name"]] >= 3:
        mentor = dict(mentor, full_name=names.person(female=rng.random() < 0.8))
        mentors.append(mentor)
        title["teachers_total"] += 1
    mentee = {"full_name": names.person(female=rng.random() < 0.8),
              "category": v.MENTEE_YOUNG, "position": "учитель начальных классов",
              "experience": 0, "request": "планирование и проведение урока",
              "pd_consent": v.YES, "consent_by": v.CONSENT_BY[0]}
    rows["mentees"].append(mentee)
    start = dt.date.fromisoformat(PERIOD + "-16")
    while start.weekday() >= 5:
        start += dt.timedelta(days=1)
    order = max(int(str(row["order_number"]).split("-")[0]) for row in links
                if row.get("order_number"))
    links.append({"pair_id": str(max(int(row["pair_id"]) for row in links) + 1),
                  "mentor_name": mentor["full_name"], "mentee_name": mentee["full_name"],
                  "form": v.FORM_TEACHER_TEACHER, "kind": v.KINDS[0],
                  "order_number": f"{order + 1}-о", "order_date": start, "start": start,
                  "end": None, "status": v.STATUS_ACTIVE, "personal_program": v.YES})
    title["teachers_total"] += 1
    title["young_specialists"] += 1
    return title, rows


def with_namesakes(rows: dict[str, list[dict[str, Any]]], shared: list[str]
                   ) -> dict[str, list[dict[str, Any]]]:
    """The form's first mentor and first two mentees renamed to the people every school
    lists, in the pairs too."""
    rows = copy.deepcopy(rows)
    renamed: dict[str, str] = {}
    for person, name in zip([*rows["mentors"][:1], *rows["mentees"][:2]], shared, strict=False):
        renamed[person["full_name"]] = name
        person["full_name"] = name
    for link in rows["links"]:
        for key in ("mentor_name", "mentee_name"):
            link[key] = renamed.get(link[key], link[key])
    return rows
