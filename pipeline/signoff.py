"""The `approve` and `reopen` commands: a month's district outputs signed off and locked, or
opened again with a reason. Each is a record in the ledger (pipeline.approval reads them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.approval import APPROVE, REOPEN, Approval, SignOff, approval, approved_figures
from pipeline.errors import UserError
from pipeline.ledger import LEDGER_FILE, Ledger, account, file_sha256, hold_workspace, period_files
from pipeline.note import write_note
from pipeline.report import ReportError, build_report, note_path, report_path, write_report_workbook
from pipeline.status import period_status
from pipeline.workspace import Workspace


@dataclass(frozen=True)
class Approved:
    """What `approve_period` did: the approval, the one it replaces, the files it stamped."""
    signoff: SignOff
    replaces: SignOff | None
    report: Path
    note: Path
    stamp: str


def _reopen_hint(period: str) -> str:
    return f"nastavnik reopen --period {period} --reason \"…\""


def _state(workspace: Workspace, period: str) -> Approval:
    if not (workspace.state_dir / LEDGER_FILE).is_file():
        return Approval(period)
    with Ledger.open(workspace.state_dir) as ledger:
        return approval(ledger, period)


def refuse_if_locked(workspace: Workspace, period: str) -> None:
    """A month approved and locked keeps its report and note as approved."""
    state = _state(workspace, period)
    if state.locked:
        approved = state.approved
        raise UserError(f"месяц {period} утверждён {approved.at:%d.%m.%Y %H:%M} (версия "
                        f"{approved.version}): отчёт и справка не перезаписываются — чтобы "
                        f"изменить их, откройте месяц заново: {_reopen_hint(period)}")


def approve_period(workspace: Workspace, period: str, by: str | None = None) -> Approved:
    """Approve the month as its last run left it: the report and the note are written again
    with «Утверждено <дата>», and the SHA-256 of every district output and each school's
    figures are recorded as a new version."""
    advice = f"свод за {period} ещё не выполнялся — сначала: nastavnik run --period {period}"
    with hold_workspace(workspace.root, f"утверждение {period}"):
        if not (workspace.state_dir / LEDGER_FILE).is_file():
            raise UserError(advice)
        with Ledger.open(workspace.state_dir) as ledger:
            state = approval(ledger, period)
            last = ledger.last_run(period)
            files = period_files(ledger, last["id"], last["context"]) if last else []
        if state.locked:
            approved = state.approved
            raise UserError(f"месяц {period} уже утверждён {approved.at:%d.%m.%Y %H:%M} "
                            f"(версия {approved.version}) — чтобы утвердить заново, сначала "
                            f"откройте его: {_reopen_hint(period)}")
        if last is None:
            raise UserError(advice)
        if (last["summary"].get("approval") or {}).get("locked"):
            raise UserError(f"месяц {period} открыт заново, а свод после этого не выполнялся — "
                            f"сначала: nastavnik run --period {period}")
        new = period_status(workspace, period).new_files
        if new:
            raise UserError(f"в inbox/{period} есть файлы, ещё не вошедшие в свод "
                            f"({', '.join(new[:3])}{' …' if len(new) > 3 else ''}) — сначала: "
                            f"nastavnik run --period {period}")
        at = dt.datetime.now().replace(microsecond=0)
        signoff = SignOff(APPROVE, state.version + 1, at, (by or "").strip() or account())
        stamp = Approval(period, (*state.signoffs, signoff)).stamp()
        try:
            report = build_report(workspace, period)
        except ReportError as exc:
            raise UserError(str(exc)) from exc
        report.approval = stamp
        paths = {"report": write_report_workbook(report, report_path(workspace, period)),
                 "note": write_note(report, note_path(workspace, period))}
        outputs = {path: {"kind": meta["kind"], "sha256": file_sha256(Path(path))}
                   for path, meta in last["outputs"].items() if meta["kind"] == "consolidated"}
        outputs |= {str(path): {"kind": kind, "sha256": file_sha256(path)}
                    for kind, path in paths.items()}
        counted = {f["school_code"]: f["sha256"] for f in files if f["role"] == "counted"}
        schools = {s.code: approved_figures(counted.get(s.code), s.status,
                                            s.counts if s.accepted else None)
                   for s in report.schools}
        with Ledger.open(workspace.state_dir) as ledger:
            ledger.sign_off(period, APPROVE, signoff.version, signoff.by, run_id=last["id"],
                            outputs=outputs, schools=schools, at=at)
    return Approved(signoff, state.approved, paths["report"], paths["note"], stamp)


def reopen_period(workspace: Workspace, period: str, reason: str,
                  by: str | None = None) -> SignOff:
    """Open an approved month again, with the reason recorded: the next run rewrites the
    district workbook and the report, and the next approval is a new version."""
    with hold_workspace(workspace.root, f"открытие {period} заново"):
        state = _state(workspace, period)
        if not state.locked:
            if state.approved is None:
                raise UserError(f"месяц {period} не утверждён — открывать заново нечего")
            raise UserError(f"месяц {period} уже открыт заново ({state.signoffs[-1].line()}) "
                            f"— утвердить его: nastavnik approve --period {period}")
        who = (by or "").strip() or account()
        with Ledger.open(workspace.state_dir) as ledger:
            at = ledger.sign_off(period, REOPEN, state.version, who, reason=reason)
    return SignOff(REOPEN, state.version, at, who, reason)
