"""The month's run started from the page: `run_period` in a background thread holding the
workspace lock, its progress kept for the page to poll."""

from __future__ import annotations

import threading
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
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"period": self.period, "running": self.running, "done": self.done,
                "total": self.total, "message": self.message, "failed": self.failed}


class Runner:
    """One run at a time from this server; another process's run is refused by the lock."""

    def __init__(self) -> None:
        self.progress = Progress()
        self.thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self.progress.running

    def start(self, workspace: Workspace, period: str) -> bool:
        """False when a run is already going."""
        with self.progress.lock:
            if self.progress.running:
                return False
            self.progress = Progress(period, True, 0, len(workspace.inbox_files(period)))
        self.thread = threading.Thread(target=self._run, args=(workspace, period),
                                       name=f"run {period}", daemon=True)
        self.thread.start()
        return True

    def _tick(self, _path: Path) -> None:
        self.progress.done += 1

    def _run(self, workspace: Workspace, period: str) -> None:
        progress = self.progress
        try:
            (workspace.inbox / period).mkdir(parents=True, exist_ok=True)
            result = run_period(workspace, period, on_file=self._tick)
            received = sum(1 for s in result.statuses if s.result is not None)
            progress.message = (f"Свод за {period} выполнен: отчёт прислали {received} из "
                                f"{len(result.expected)}.")
        except UserError as exc:  # the lock held by a command, a ledger that says what to do
            progress.message, progress.failed = str(exc), True
        except OSError as exc:
            progress.message, progress.failed = write_error(exc, workspace.outbox / period), True
        except Exception:  # never a traceback on the page
            import logging

            logging.getLogger("nastavnik").debug("the run of %s failed", period, exc_info=True)
            progress.message = ("непредвиденная ошибка программы — выполните nastavnik --debug "
                                f"run --period {period} и передайте вывод разработчикам")
            progress.failed = True
        finally:
            progress.running = False
