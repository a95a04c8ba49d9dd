"""Speed at regional scale: nastavnik measured, and measured against the obvious alternative.

    python benchmarks/run.py                                  # 50, 1,000 and 10,000 schools
    python benchmarks/run.py --sizes 50,1000 --work /tmp/nastavnik-bench
    python benchmarks/run.py --namesakes --sizes 1000          # cold runs, with namesakes
    python benchmarks/run.py --sizes 50,1000 --against main    # main and this checkout

For each size: a synthetic workspace (benchmarks/synthetic.py; kept in --work and reused for
the same size and seed), then, each as a whole process, `nastavnik run --json` cold (no
ledger, empty outbox), warm (nothing changed) and after 5 % of the schools resubmitted, and
the baseline (benchmarks/baseline.py: pandas + pandera, file by file) on the same files;
once, `nastavnik --help`. The table goes to stdout and, with the machine and the targets,
to BENCHMARKS.md (or --out).

With --namesakes, only cold runs, of each workspace and of its twin where every school lists
the same three people (the district-wide rules' worst case); their table replaces the
section «Namesakes» of BENCHMARKS.md (or --out) and nothing else, and a full benchmark
keeps that section.

With --against REV, REV is checked out into a temporary git worktree and both trees are timed
on the same workspaces, their runs interleaved (REV, this checkout, REV, …) so that a drift of
the machine's speed falls on both; each size gets a row per tree, its revision in a column.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402  (benchmarks/, next to this script)

DEFAULT_SIZES = "50,1000,10000"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "nastavnik-bench"
SAMPLE_EVERY = 0.05  # seconds between two looks at the memory of the process tree
HELP_REPEATS = 5
CALIBRATION_LOOP = 5_000_000
DISTRICT_ENV = "district-env"  # in --work: nastavnik's runtime dependencies, nothing else

# The interpreter every measured process runs in (nastavnik, the baseline, --help): `main`
# sets it from --python.
PYTHON = sys.executable

# Run as the child process instead of `python -m pipeline ...` (or `python baseline.py ...`):
# the same program, which on exit writes the kernel's high-water marks of its own resident
# memory and of its largest child (the reader workers) to the file named first.
_WRAPPER = """\
import atexit, json, resource, runpy, sys
out, kind, target, *args = sys.argv[1:]
def _report():
    with open(out, "w") as f:
        json.dump({"self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, f)
atexit.register(_report)
sys.argv = [target, *args]
if kind == "module":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    runpy.run_path(target, run_name="__main__")
"""

COLUMNS = ("schools", "files", "inbox MB", "generation s", "cold s", "cold MB", "warm s",
           "warm MB", "5% resubmitted s", "5% resubmitted MB", "baseline s", "baseline MB",
           "baseline / cold", "--help s")


@dataclass
class Measured:
    """One whole process: wall time, exit code, output and memory."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    tree_mb: float  # peak of the PSS summed over the process and its children, sampled
    self_mb: float  # kernel high-water mark of the main process's resident memory
    child_mb: float  # the same for its largest child

    @property
    def peak_mb(self) -> float:
        """The memory the run needed: the sampled tree, or the main process's own high-water
        mark if sampling missed a short peak."""
        return max(self.tree_mb, self.self_mb)


@dataclass
class SizeResult:
    schools: int
    files: int
    inbox_mb: float
    generation_s: float
    generation_reused: bool
    runs: dict[str, Measured] = field(default_factory=dict)  # the fastest of each kind
    times: dict[str, list[float]] = field(default_factory=dict)  # every attempt's seconds
    notes: list[str] = field(default_factory=list)
    revision: str = ""  # with --against: which tree's code ran
    tree: Path = ROOT


# --- measuring a process ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
    except OSError:
        pass
    return found


def _tree_pss_kb(pid: int) -> int:
    """Proportional set size of a process and all its descendants: shared pages (a forked
    worker's copy of its parent's libraries) counted once in total, not once per process."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += _children(current)
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            pass
    return total


def measure(kind: str, target: str, args: list[str], *, watch: bool,
            tree: Path = ROOT) -> Measured:
    """Run `python -m target args` (kind "module") or `python target args` ("script") as a
    child process in the repository `tree` (its code first on the path); time it, and with
    `watch` watch its memory.

    Watching is not free: reading a 200 MB process's PSS costs the kernel about 10 ms, so
    a look at a run and its workers every SAMPLE_EVERY took a third to a half of one of
    the two cores. Times are taken from runs nobody watches (`watch=False`), and memory
    from the same runs done again, watched."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        usage_file = Path(handle.name)
    started = time.perf_counter()
    process = subprocess.Popen([PYTHON, "-c", _WRAPPER, str(usage_file), kind, target,
                                *args], cwd=tree, env=_env(tree), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = [0]

    def look() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_pss_kb(process.pid))
            time.sleep(SAMPLE_EVERY)

    watcher = threading.Thread(target=look, daemon=True)
    if watch:
        watcher.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if watch:
        watcher.join()
    try:
        usage = json.loads(usage_file.read_text())
    except (OSError, ValueError):
        usage = {"self_kb": 0, "children_kb": 0}
    finally:
        usage_file.unlink(missing_ok=True)
    return Measured(seconds, process.returncode, stdout, stderr, peak[0] / 1024,
                    usage["self_kb"] / 1024, usage["children_kb"] / 1024)


def _env(tree: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(tree), os.environ.get("PYTHONPATH")) if p))


def nastavnik_run(workspace: synthetic.Synthetic, what: str, *,
                  watch: bool, tree: Path = ROOT) -> tuple[Measured, dict]:
    """`nastavnik run --json` on the workspace, with the code of `tree`, and what it printed."""
    result = measure("module", "pipeline", ["run", "--period", synthetic.PERIOD,
                                            "-w", str(workspace.root), "--json"], watch=watch,
                     tree=tree)
    try:  # exit code 1: some files have problems, as intended
        data = json.loads(result.stdout) if result.returncode in (0, 1) else None
    except ValueError:
        data = None
    if data is None:
        raise SystemExit(f"nastavnik run ({what}) ended with code {result.returncode} and no "
                         f"JSON result:\n{result.stderr[-3000:]}")
    return result, data


def compile_bytecode(tree: Path = ROOT) -> None:
    """The package's modules compiled to bytecode once, as Python does on a program's first
    run and pip on installing: where PYTHONDONTWRITEBYTECODE is set (in containers, often),
    every measured process would compile them again, 0.1–0.2 s a run."""
    for folder in ("pipeline", "schemas", "benchmarks"):
        if (tree / folder).is_dir():
            compileall.compile_dir(tree / folder, quiet=1)


def district_python(work: Path, log: Any) -> str:
    """The interpreter of a virtual environment in `work` holding nastavnik's runtime
    dependencies and nothing else, as `pip install nastavnik` leaves a district's machine;
    made on first use, and again when the dependencies or this Python change. The code
    measured is this checkout's (the runs put it first on the path).

    A developer's environment differs in what matters here: with the test extras installed,
    pandera imports hypothesis on its first check (about 0.1 s of every run that checks a
    file), which a district's never does."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["dependencies"]
    env = work / DISTRICT_ENV
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    marker = env / "nastavnik-dependencies.json"
    wanted = {"python": sys.version, "dependencies": dependencies}
    with contextlib.suppress(OSError, ValueError):
        if python.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
            return str(python)
    log(f"an environment with nastavnik's runtime dependencies only: {env}…")
    shutil.rmtree(env, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *dependencies], check=True)
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return str(python)


def python_for(choice: str, work: Path, log: Any) -> str:
    """--python: `district`, `here` (this interpreter) or the path of one."""
    if choice == "district":
        return district_python(work, log)
    return sys.executable if choice == "here" else choice


def _python_note(choice: str) -> str:
    if choice == "district":
        return (f"`{DISTRICT_ENV}` in --work, a virtual environment with nastavnik's runtime "
                "dependencies only (`pyproject.toml`), as `pip install` leaves a district's "
                "machine, running this checkout's code")
    return f"`{PYTHON}` (--python {choice})"


def help_seconds(tree: Path = ROOT) -> float:
    """Best of five `nastavnik --help`, as a whole process."""
    best = float("inf")
    for _ in range(HELP_REPEATS):
        started = time.perf_counter()
        subprocess.run([PYTHON, "-m", "pipeline", "--help"], cwd=tree, env=_env(tree),
                       check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


# --- one size --------------------------------------------------------------------------------


def bench_size(work: Path, schools: int, seed: int, *, jobs: int, baseline: bool,
               repeats: int, log: Any, trees: dict[str, Path] | None = None
               ) -> list[SizeResult]:
    """One size measured with each tree's code (`trees`: revision → checkout; by default
    this one, unlabelled), on one workspace: a result per tree, in the order of `trees`."""
    log(f"{schools} schools: workspace…")
    workspace = synthetic.workspace(work, schools, seed, jobs=jobs)
    trees = trees or {"": ROOT}
    results = {label: SizeResult(schools, workspace.files, workspace.inbox_bytes / 1024**2,
                                 workspace.generation_s, workspace.reused, revision=label,
                                 tree=tree)
               for label, tree in trees.items()}
    log(f"  {workspace.files} files in {workspace.inbox}"
        + (f" (reused, generated in {workspace.generation_s:.1f} s)" if workspace.reused
           else f" (generated in {workspace.generation_s:.1f} s)"))
    # timed unwatched, `repeats` times (the fastest counts: a shared machine's neighbours
    # only ever slow a run down), then the same runs once more, watched, for memory; the
    # trees take turns, so that the machine's drift falls on each alike
    for attempt in [*range(repeats), None]:
        watch = attempt is None
        for label, result in results.items():
            try:
                workspace.reset_outputs()
                for what in ("cold", "warm", "resubmitted"):
                    if what == "resubmitted":
                        workspace.resubmit()
                    log(f"  nastavnik{' ' + label if label else ''} run, {what}"
                        f"{', memory' if watch else ''}…")
                    run, data = nastavnik_run(workspace, what, watch=watch, tree=result.tree)
                    if watch:
                        result.runs[what] = _with_memory(result.runs[what], run)
                        log(f"    {run.peak_mb:.0f} MB")
                        continue
                    log(f"    {run.seconds:.2f} s")
                    result.times.setdefault(what, []).append(run.seconds)
                    if what not in result.runs or run.seconds < result.runs[what].seconds:
                        result.runs[what] = run
                    if attempt == 0:
                        _check_run(result, what, data, workspace)
            finally:
                workspace.restore()
    if baseline:  # pandas + pandera alone: the same whatever nastavnik's revision
        out = workspace.extra / "baseline.xlsx"
        for watch in (False, True):
            log(f"  baseline (pandas + pandera){', memory' if watch else ''}…")
            run = measure("script", str(ROOT / "benchmarks" / "baseline.py"),
                          [str(workspace.inbox), str(out)], watch=watch)
            if run.returncode != 0:
                raise SystemExit(f"the baseline failed:\n{run.stderr[-3000:]}")
            for result in results.values():
                if watch:
                    result.runs["baseline"] = _with_memory(result.runs["baseline"], run)
                else:
                    result.runs["baseline"] = run
                    result.times["baseline"] = [run.seconds]
            if watch:
                log(f"    {run.peak_mb:.0f} MB")
            else:
                counts = json.loads(run.stdout)
                log(f"    {run.seconds:.2f} s; rows kept: "
                    + ", ".join(f"{k} {n}" for k, n in counts.items()))
    return list(results.values())


def _with_memory(timed: Measured, watched: Measured) -> Measured:
    """The time of the unwatched run, the memory of the watched one."""
    return replace(timed, tree_mb=watched.tree_mb, self_mb=watched.self_mb,
                   child_mb=watched.child_mb)


def _check_run(result: SizeResult, what: str, data: dict[str, Any],
               workspace: synthetic.Synthetic) -> None:
    """What each run must have done, so that a fast figure is not a run that did nothing."""
    files = len(data["files"])
    with_errors = sum(any(i["severity"] == "error" for i in f["issues"]) for f in data["files"])
    result.notes.append(f"{what}: {files} files, {data['accepted']} accepted, "
                        f"{data['rejected']} rejected, {with_errors} with row errors, "
                        f"{len(data['outputs'].get('feedback') or [])} feedback files, "
                        f"outputs {'unchanged' if data['unchanged'] else 'written'}")
    expected_unchanged = what == "warm"
    if files != workspace.files or data["unchanged"] != expected_unchanged:
        raise SystemExit(f"nastavnik run ({what}) did not do what the benchmark expects: "
                         f"{result.notes[-1]}")


# --- namesakes -------------------------------------------------------------------------------

NAMESAKES_HEADING = "## Namesakes: the same three people in every school"
NAMESAKES_COLUMNS = ("schools", "distinct cold s", "namesakes cold s", "namesakes / distinct",
                     "cross-school warnings", "feedback files")


def bench_namesakes(work: Path, schools: int, seed: int, *, jobs: int, repeats: int,
                    log: Any) -> tuple[list[str], list[str]]:
    """Cold runs of the workspace and of its twin with namesakes, alternated, `repeats`
    times each (the fastest counts): a table row and every time taken."""
    spaces = {}
    for label, namesakes in (("distinct", False), ("namesakes", True)):
        log(f"{schools} schools, {label}: workspace…")
        spaces[label] = synthetic.workspace(work, schools, seed, jobs=jobs, namesakes=namesakes)
    times: dict[str, list[float]] = {label: [] for label in spaces}
    seen: dict[str, tuple[int, int]] = {}
    for _ in range(repeats):
        for label, workspace in spaces.items():
            workspace.reset_outputs()
            log(f"  nastavnik run, cold, {label}…")
            run, data = nastavnik_run(workspace, f"cold, {label}", watch=False)
            log(f"    {run.seconds:.2f} s")
            times[label].append(run.seconds)
            if len(data["files"]) != workspace.files or data["unchanged"]:
                raise SystemExit(f"nastavnik run (cold, {label}) did not check every file")
            seen[label] = (sum(i["code"] == "cross-school-duplicate"
                               for f in data["files"] for i in f["issues"]),
                           len(data["outputs"].get("feedback") or []))
    if seen["namesakes"][0] < schools:
        raise SystemExit("the namesakes were not found across the schools: "
                         f"{seen['namesakes'][0]} cross-school warnings")
    distinct, namesakes = min(times["distinct"]), min(times["namesakes"])
    row = [str(schools), _cell(distinct), _cell(namesakes), _cell(namesakes / distinct),
           f"{seen['distinct'][0]} / {seen['namesakes'][0]}",
           f"{seen['distinct'][1]} / {seen['namesakes'][1]}"]
    notes = [f"- {schools} schools, cold, {label}: " + ", ".join(f"{t:.2f}" for t in ts) + " s"
             for label, ts in times.items()]
    return row, notes


def namesakes_section(rows: list[list[str]], notes: list[str], command: str, seed: int,
                      speed: list[float], repeats: int) -> str:
    return "\n".join([
        NAMESAKES_HEADING,
        "",
        f"`{command}` — {dt.datetime.now():%Y-%m-%d %H:%M}, seed {seed}. Machine: {machine()}. "
        f"Its speed just now: a loop of {CALIBRATION_LOOP:,} additions in a function took "
        f"{speed[0]:.2f} s before the runs and {speed[-1]:.2f} s after them.",
        "",
        markdown_table(NAMESAKES_COLUMNS, rows),
        "",
        "Cold runs (no ledger, empty outbox) of the workspace above («distinct»: names unique "
        "in the workspace) and of its twin where every school also lists the same "
        f"{synthetic.NAMESAKES} people («namesakes»: its first mentor and first two mentees "
        "renamed, `synthetic.workspace(..., namesakes=True)`), so that each of those names is "
        "in every school and every school gets their `cross-school-duplicate` warnings, each "
        "naming three other schools and how many more, and a feedback file. The two are run "
        f"alternately, {repeats} time{'s' if repeats != 1 else ''} each, and the fastest counts. The warnings and feedback "
        "files are «distinct / namesakes».",
        "",
        *notes,
        "",
    ])


def put_section(text: str, heading: str, section: str | None) -> str:
    """`text` with its section under `heading` (up to the next «## ») replaced by `section`,
    or `section` appended; None removes nothing and adds nothing."""
    if section is None:
        return text
    start = text.find(heading)
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(heading))
    rest = "\n" + text[end + 1:] if end >= 0 else ""
    return text[:start] + section.rstrip("\n") + "\n" + rest


def old_section(path: Path, heading: str) -> str | None:
    """The section under `heading` in the file at `path`, if there is one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    start = text.find(heading)
    if start < 0:
        return None
    end = text.find("\n## ", start + len(heading))
    return text[start:end + 1] if end >= 0 else text[start:]


# --- the report ------------------------------------------------------------------------------


def _cell(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table_rows(results: list[SizeResult], help_s: dict[str, float]) -> list[list[str]]:
    """A row per size (and per revision, with --against); `help_s` by revision."""
    rows = []
    for r in results:
        run = r.runs
        base = run.get("baseline")
        rows.append([*([r.revision] if r.revision else []),
            str(r.schools), str(r.files), _cell(r.inbox_mb, 1),
            _cell(r.generation_s, 1) + (" (reused)" if r.generation_reused else ""),
            _cell(run["cold"].seconds), _cell(run["cold"].peak_mb, 0),
            _cell(run["warm"].seconds), _cell(run["warm"].peak_mb, 0),
            _cell(run["resubmitted"].seconds), _cell(run["resubmitted"].peak_mb, 0),
            _cell(base.seconds if base else None), _cell(base.peak_mb if base else None, 0),
            _cell(base.seconds / max(r.times["cold"]) if base else None, 1),
            _cell(help_s[r.revision])])
    return rows


def columns(results: list[SizeResult]) -> tuple[str, ...]:
    return (("revision",) if any(r.revision for r in results) else ()) + COLUMNS


def markdown_table(header: tuple[str, ...] | list[str], rows: list[list[str]], *,
                   left: int = 0) -> str:
    """A Markdown table, its first `left` columns (text) aligned left, numbers right."""
    align = [":---" if n < left else "---:" for n in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _verdict(value: float | None, limit: float, unit: str, *, at_least: bool = False) -> str:
    if value is None:
        return "not measured"
    met = value >= limit if at_least else value <= limit
    if met:
        return "met"
    gap = limit - value if at_least else value - limit
    return f"missed by {gap:.2f}{unit} ({gap / limit:.0%})"


def targets(results: list[SizeResult], help_s: float) -> list[list[str]]:
    """The targets, as the results of this checkout met them."""
    by_size = {r.schools: r for r in results if r.tree == ROOT}
    at_1000, at_10000 = by_size.get(1000), by_size.get(10000)

    def seconds(r: SizeResult | None, what: str) -> float | None:
        return r.runs[what].seconds if r and what in r.runs else None

    cold = seconds(at_1000, "cold")
    base = seconds(at_1000, "baseline")
    slowest = max(at_1000.times["cold"]) if at_1000 else None  # the ratio takes no chances
    ratio = base / slowest if base and slowest else None
    peak = max((at_10000.runs[w].peak_mb for w in ("cold", "warm", "resubmitted")),
               default=None) if at_10000 else None
    rows = [
        ("1,000 schools, cold run ≤ 15 s", cold, 15, " s", False),
        ("1,000 schools, warm run ≤ 1.5 s", seconds(at_1000, "warm"), 1.5, " s", False),
        ("1,000 schools, 5 % resubmitted ≤ 3 s", seconds(at_1000, "resubmitted"), 3, " s",
         False),
        ("`nastavnik --help` ≤ 0.3 s", help_s, 0.3, " s", False),
        ("10,000 schools, peak memory ≤ 1 GB", peak, 1024, " MB", False),
        ("1,000 schools, ≥ 5× faster than the baseline", ratio, 5, "×", True),
    ]
    return [[name, "—" if value is None else f"{value:.2f}{unit}",
             _verdict(value, limit, unit, at_least=at_least)]
            for name, value, limit, unit, at_least in rows]


def machine(against: str = "") -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = "?"
    try:
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
        ram = f"{kb / 1024**2:.1f} GB"
    except (OSError, StopIteration, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cpu}; {os.cpu_count()} logical cores ({usable} usable); RAM {ram}; "
            f"{platform.system()} {platform.release()}; {_packages()}; "
            f"nastavnik {_revision()}{against}")


_PACKAGES = ("pandas", "pandera", "openpyxl", "python-calamine", "xlsxwriter", "hypothesis")


def _packages() -> str:
    """Python's version and the main packages' in the measured interpreter (PYTHON)."""
    script = ("import importlib.metadata as m, platform\n"
              "found = []\n"
              f"for name in {_PACKAGES!r}:\n"
              "    try:\n"
              "        found.append(f'{name} {m.version(name)}')\n"
              "    except m.PackageNotFoundError:\n"
              "        found.append(f'no {name}') if name == 'hypothesis' else None\n"
              "print(f'Python {platform.python_version()}; ' + ', '.join(found))\n")
    try:
        return subprocess.run([PYTHON, "-c", script], check=True, capture_output=True,
                              text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"Python {platform.python_version()}"


def _revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"
    return f"{head}{' with uncommitted changes' if dirty.strip() else ''}"


def _here(results: list[SizeResult]) -> str:
    """The revision label of this checkout's results ("" without --against)."""
    return next((r.revision for r in results if r.tree == ROOT), "")


@contextlib.contextmanager
def checked_out(rev: str, log: Any) -> Any:
    """REV checked out, detached, into a temporary git worktree of this repository, removed
    afterwards; yields its path and its label («REV abc1234 (worktree)»)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", f"{rev}^{{commit}}"], cwd=ROOT,
                                check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"--against {rev}: not a revision of {ROOT} ({exc})") from exc
    folder = Path(tempfile.mkdtemp(prefix="nastavnik-against-")) / "tree"
    log(f"{rev} ({commit}) checked out into {folder}…")
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(folder), commit],
                   cwd=ROOT, check=True)
    try:
        yield folder, (commit if rev.startswith(commit) else f"{rev} {commit}") + " (worktree)"
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT,
                       capture_output=True)
        shutil.rmtree(folder.parent, ignore_errors=True)


def check_code(tree: Path) -> None:
    """The measured interpreter, run in `tree` as the runs are, imports `tree`'s nastavnik
    (not an installed one)."""
    found = subprocess.run([PYTHON, "-c", "import pipeline; print(pipeline.__file__)"],
                           cwd=tree, env=_env(tree), check=True, capture_output=True,
                           text=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"in {tree}, {PYTHON} imports nastavnik from {found}, not from there")


def calibrate() -> float:
    """Seconds a fixed pure-Python loop takes: how fast the machine is just now (on a shared
    virtual machine it drifts, by up to twice, within an hour)."""
    started = time.perf_counter()
    total = 0
    for n in range(CALIBRATION_LOOP):
        total += n
    return time.perf_counter() - started


def report(results: list[SizeResult], help_s: dict[str, float], command: str, seed: int,
           speed: list[float], repeats: tuple[int, int], python_note: str,
           against: str = "") -> str:
    def who(r: SizeResult) -> str:
        return f"{r.schools} schools{', ' + r.revision if r.revision else ''}"

    memory = [[f"{r.schools}{', ' + r.revision if r.revision else ''}", what, _cell(m.tree_mb, 0), _cell(m.self_mb, 0),
               _cell(m.child_mb, 0), _cell(m.peak_mb, 0)]
              for r in results for what, m in r.runs.items()]
    notes = [f"- {who(r)}, {note}" for r in results for note in r.notes]
    notes += [f"- {who(r)}, {what}: " + ", ".join(f"{t:.2f}" for t in times)
              + (f" s (the fastest counts; median {statistics.median(times):.2f} s)"
                 if len(times) > 1 else " s")
              for r in results for what, times in r.times.items()]
    return "\n".join([
        "# Benchmarks",
        "",
        f"`{command}` — {dt.datetime.now():%Y-%m-%d %H:%M}, seed {seed}.",
        "",
        f"Machine: {machine(against)}. Its speed just now: a loop of {CALIBRATION_LOOP:,} additions "
        f"in a function took {speed[0]:.2f} s before the runs and {speed[-1]:.2f} s after them "
        "(on a shared virtual machine it drifts).",
        "",
        markdown_table(columns(results), table_rows(results, help_s), left=1 if against else 0),
        "",
        "## Targets",
        "",
        markdown_table(["target", "measured", "verdict"], targets(results, help_s[_here(results)]),
                       left=1),
        "",
        "## What was measured",
        "",
        "- Workspaces: `benchmarks/synthetic.py`, one month "
        f"({synthetic.PERIOD}), every school of the registry sent one form written by "
        "nastavnik's own `write_form`: 5–40 mentors and 5–60 mentees, everyone in a pair or a "
        f"group, names unique in the workspace; {synthetic.MISTAKES_SHARE:.0%} of the schools "
        "with row errors and a warning (the demo's mistakes). «generation s» is the time to "
        "make the workspace (2 processes); «(reused)» — made by an earlier invocation.",
        f"- The interpreter: {python_note}. "
        "Every figure is one whole process, `python -m pipeline run --period P -w WS --json`, "
        "imports included. «cold»: `.nastavnik/` and `outbox/` deleted first; «warm»: again, "
        "nothing changed (outputs left as they are); «5% resubmitted»: "
        f"{synthetic.RESUBMITTED_SHARE:.0%} of the files overwritten by a corrected version "
        "(one more young teacher and pair, received a day later), then run. The package is "
        "compiled to bytecode first (`compileall`), as on any run after the first. Times come from "
        "runs nobody watches; the memory from the same three runs done again, watched (reading "
        "a process's PSS costs the kernel about 10 ms, and watching every "
        f"{SAMPLE_EVERY * 1000:.0f} ms took a third to a half of one core). The baseline is "
        f"measured the same way. nastavnik's runs are timed {repeats[0]} times up to "
        f"{repeats[1]:,} schools, and the fastest counts (a shared machine's other tenants "
        "only ever slow a run down; every time is in «Runs in detail»); the baseline, which "
        "takes minutes, once, and «baseline / cold» divides it by the slowest cold run.",
        "- «MB»: the larger of two measures of the run's memory. The main process's kernel "
        "high-water mark of resident memory (`ru_maxrss`, exact; a `python -c` wrapper around "
        "the same program writes `getrusage` of itself and of its children at exit), and the "
        "peak of the proportional set size (PSS) summed over the process and its reader "
        f"workers, sampled every {SAMPLE_EVERY * 1000:.0f} ms from /proc (PSS counts a page "
        "shared by a forked worker and its parent once). `getrusage(RUSAGE_CHILDREN)` in this "
        "script was not used: it is the largest single descendant so far, over all runs. "
        "Both measures are in «Runs in detail».",
        "- «baseline»: `benchmarks/baseline.py` on the same files (the first versions), the "
        "script a methodologist who knows pandas would write — `pd.read_excel(sheet_name=None, "
        "engine=\"openpyxl\")` per file, a pandera schema per list per file, accepted rows "
        "concatenated, three lists written with `to_excel(engine=\"openpyxl\")`. It checks far "
        "less than nastavnik and writes no feedback and no report. «baseline / cold» is its "
        "time over the cold run's.",
        f"- `--help`: best of {HELP_REPEATS} runs of `python -m pipeline --help`.",
        *([f"- --against: the code of {against.removeprefix(', against ')} checked out into a "
           "temporary git worktree and timed on the same workspaces as this checkout's, the "
           "two taking turns at each attempt (that revision first); the baseline is run once "
           "and shown on both rows; the targets are judged on this checkout's rows."]
          if against else []),
        "",
        "## Runs in detail",
        "",
        *notes,
        "",
        markdown_table(["schools", "run", "tree PSS peak MB", "main process max RSS MB",
                        "largest child max RSS MB", "MB in the table"], memory, left=2),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"numbers of schools, comma-separated (default {DEFAULT_SIZES})")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK,
                        help=f"where workspaces are generated and kept (default {DEFAULT_WORK})")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--jobs", type=int, default=2, help="processes writing the forms")
    parser.add_argument("--baseline-max", type=int, default=1000, metavar="N",
                        help="run the baseline only up to N schools (default 1000; it takes "
                             "about 0.25 s a file)")
    parser.add_argument("--python", default="district", metavar="PYTHON",
                        help="what runs nastavnik and the baseline: `district` (default), a "
                             "virtual environment in --work with nastavnik's runtime "
                             "dependencies only, as a district installs it; `here`, this "
                             "interpreter; or the path of another")
    parser.add_argument("--repeat", type=int, default=3, metavar="K",
                        help="time nastavnik's runs K times, the fastest counting (default 3)")
    parser.add_argument("--repeat-max", type=int, default=1000, metavar="N",
                        help="repeat only up to N schools; larger sizes are timed once "
                             "(default 1000)")
    parser.add_argument("--against", metavar="REV",
                        help="also time the code of git revision REV (a temporary worktree) on "
                             "the same workspaces, its runs and this checkout's interleaved; a "
                             "row per revision")
    parser.add_argument("--namesakes", action="store_true",
                        help="only cold runs, of each size's workspace and of its twin where "
                             "every school lists the same three people; their table replaces "
                             "the section «Namesakes» of --out")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    global PYTHON
    PYTHON = python_for(args.python, args.work, log)
    compile_bytecode()
    speed = [calibrate()]
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.namesakes:
        measured = [bench_namesakes(args.work, n, args.seed, jobs=args.jobs,
                                    repeats=args.repeat if n <= args.repeat_max else 1, log=log)
                    for n in sizes]
        speed.append(calibrate())
        rows = [row for row, _ in measured]
        print(markdown_table(NAMESAKES_COLUMNS, rows))
        section = namesakes_section(rows, [n for _, notes in measured for n in notes],
                                    command.strip(), args.seed, speed, args.repeat)
        before = args.out.read_text(encoding="utf-8") if args.out.is_file() else "# Benchmarks\n"
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(put_section(before, NAMESAKES_HEADING, section), encoding="utf-8")
        log(f"written: {args.out}")
        return 0
    with contextlib.ExitStack() as stack:
        trees = {"": ROOT}
        against = ""
        if args.against:
            folder, label = stack.enter_context(checked_out(args.against, log))
            here = f"HEAD {_revision()}"
            trees = {label: folder, here: ROOT}
            against = f", against {label} (the rows «{label}»)"
            for tree in trees.values():
                compile_bytecode(tree)
                check_code(tree)
        results = [result for n in sizes
                   for result in bench_size(args.work, n, args.seed, jobs=args.jobs,
                                            baseline=n <= args.baseline_max,
                                            repeats=args.repeat if n <= args.repeat_max else 1,
                                            log=log, trees=trees)]
        log("nastavnik --help…")
        help_s = {label: help_seconds(tree) for label, tree in trees.items()}
    speed.append(calibrate())
    table = markdown_table(columns(results), table_rows(results, help_s),
                           left=1 if against else 0)
    print(table)
    print()
    print(markdown_table(["target", "measured", "verdict"],
                         targets(results, help_s[_here(results)]), left=1))
    kept = old_section(args.out, NAMESAKES_HEADING)  # measured apart (--namesakes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(put_section(report(results, help_s, command.strip(), args.seed, speed,
                                           (args.repeat, args.repeat_max),
                                           _python_note(args.python), against),
                                    NAMESAKES_HEADING, kept), encoding="utf-8")
    log(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
