"""Long work started from the page (the month's run, mail fetch, mail send): one job at a time
in a background thread, its progress kept for the page to poll. The run and the fetch hold the
workspace lock themselves, as their commands do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.consolidate import run_period
from pipeline.errors import UserError
from pipeline.russian import write_error
from pipeline.workspace import Workspace


@dataclass
class Progress:
    period: str = ""
    running: bool = False
    done: int = 0
    total: int = 0
    message: str = ""  # how the last run ended, Russian
    failed: bool = False
    kind: str = "run"  # run, fetch, send
    counted: str = "Прочитано файлов"  # what done/total count, for the page
    details: dict[str, Any] = field(default_factory=dict)  # a mail job's result, for the page
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"period": self.period, "running": self.running, "done": self.done,
                "total": self.total, "message": self.message, "failed": self.failed,
                "counted": self.counted}

    @property
    def busy_line(self) -> str:
        """Why nothing else can start now, Russian."""
        doing = {"run": "свод месяца", "fetch": "получение почты за",
                 "send": "отправка писем за"}[self.kind]
        return f"Идёт {doing} {self.period}: дождитесь окончания."


KINDS = {"run": "Прочитано файлов", "fetch": "Писем прочитано", "send": "Писем отправлено"}


class Runner:
    """One run at a time from this server; another process's run is refused by the lock."""

    def __init__(self) -> None:
        self.progress = Progress()
        self.thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self.progress.running

    def start(self, workspace: Workspace, period: str) -> bool:
        """The month's run; False when a job is already going."""
        return self.start_job(period, "run", len(workspace.inbox_files(period)),
                              lambda progress: self._run(workspace, period))

    def start_job(self, period: str, kind: str, total: int,
                  work: Callable[[Progress], str]) -> bool:
        """`work` in the background: it returns the Russian line the page shows when done, or
        raises UserError with one; False when a job is already going."""
        with self.progress.lock:
            if self.progress.running:
                return False
            self.progress = Progress(period, True, 0, total, kind=kind, counted=KINDS[kind])
        self.thread = threading.Thread(target=self._work, args=(self.progress, work),
                                       name=f"{kind} {period}", daemon=True)
        self.thread.start()
        return True

    def _tick(self, _path: Path) -> None:
        self.progress.done += 1

    def _run(self, workspace: Workspace, period: str) -> str:
        try:
            (workspace.inbox / period).mkdir(parents=True, exist_ok=True)
            result = run_period(workspace, period, on_file=self._tick)
        except OSError as exc:
            raise UserError(write_error(exc, workspace.outbox / period)) from exc
        received = sum(1 for s in result.statuses if s.result is not None)
        return f"Свод за {period} выполнен: отчёт прислали {received} из {len(result.expected)}."

    def _work(self, progress: Progress, work: Callable[[Progress], str]) -> None:
        try:
            progress.message = work(progress)
        except UserError as exc:  # the lock held by a command, a ledger that says what to do
            progress.message, progress.failed = str(exc), True
        except Exception:  # never a traceback on the page
            import logging

            logging.getLogger("nastavnik").debug("the page's %s of %s failed", progress.kind,
                                                 progress.period, exc_info=True)
            command = {"run": f"run --period {progress.period}", "fetch": "mail fetch",
                       "send": f"mail send --period {progress.period}"}[progress.kind]
            progress.message = ("непредвиденная ошибка программы — выполните nastavnik --debug "
                                f"{command} и передайте вывод разработчикам")
            progress.failed = True
        finally:
            progress.running = False
