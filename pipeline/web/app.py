"""The office page (`nastavnik serve`): a Starlette application over the workspace.

Every number comes from the library the commands use (pipeline.web.board); every action calls
the same function its command calls. Each POST carries the page's token (random per server
start): another site open in the same browser cannot drive it. Nothing is served outside the
workspace's outbox and the page's own assets; no page shows a traceback.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import secrets
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline.errors import UserError
from pipeline.russian import month_year, number, percent, plural, write_error
from pipeline.web import board as boards
from pipeline.web.runner import Runner
from pipeline.web.uploads import TooLarge, save_upload
from pipeline.workspace import Workspace, following_period, open_workspace

HERE = Path(__file__).parent
MIB = 1024 * 1024
ERRORS = {400: "Неверный запрос", 403: "Доступ запрещён", 404: "Страница не найдена",
          405: "Так эту страницу открыть нельзя", 409: "Сейчас это сделать нельзя",
          413: "Файл слишком большой", 500: "Ошибка программы"}

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                          autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.globals.update(plural=plural, month_year=month_year, number=number)
_env.filters["when"] = lambda v: v.strftime("%d.%m.%Y %H:%M") if v else "—"
_env.filters["day"] = lambda v: v.strftime("%d.%m.%Y") if v else "—"
_env.filters["url"] = lambda v: quote(str(v), safe="/")
_env.filters["percent"] = percent


@dataclass
class Preview:
    """The letters of a month as the page last showed them (`mail.send.plan`), their .eml files
    written: «Отправить» sends these, if the month's letters are still the same."""
    reminders: bool
    templates: bool
    letters: list[Any]
    eml: list[str]  # relative to the outbox, one per letter
    problems: list[Any]
    new_files: list[str]
    skipped: int
    placeholder: bool  # no [mail]: the .eml files carry a placeholder sender

    @property
    def key(self) -> list[tuple[str, str, str]]:
        return [(le.school.code, le.kind, le.sha256) for le in self.letters]


class State:
    def __init__(self, root: Path, token: str) -> None:
        self.root = root
        self.token = token
        self.runner = Runner()
        self.previews: dict[str, Preview] = {}  # period -> the letters last shown

    def workspace(self) -> Workspace:
        return open_workspace(self.root)  # read anew: the registry or settings may change


def _state(request: Request) -> State:
    return request.app.state.office


def render(request: Request, template: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    state = _state(request)
    page = _env.get_template(template).render(token=state.token, request=request, **context)
    return HTMLResponse(page, status_code=status_code)


def error_page(request: Request, status: int, text: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status,
                  title=ERRORS.get(status, "Ошибка"), text=text)


def _period(request: Request) -> str:
    period = request.path_params["period"]
    if not boards.PERIOD_RE.match(period):
        raise HTTPException(404, f"«{period}» — не месяц: нужен вид ГГГГ-ММ, например 2026-11")
    return period


def guarded(handler: Callable[[Request], Awaitable[Response]]
            ) -> Callable[[Request], Awaitable[Response]]:
    """A state-changing request: refused (403) without the page's token, in a form field
    `csrf` or the header X-CSRF-Token."""

    @wraps(handler)
    async def check(request: Request) -> Response:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf")
        if not isinstance(sent, str) or not secrets.compare_digest(
                sent.encode(), _state(request).token.encode()):
            return error_page(request, 403, "Запрос без ключа страницы отклонён. Откройте "
                                            "страницу заново из адреса, который показал "
                                            "nastavnik serve, и повторите действие.")
        return await handler(request)

    return check


def _back(period: str, message: str = "", *, failed: bool = False, part: str = ""
          ) -> RedirectResponse:
    """Back to the month's board with a message; `part`: the block to show (an anchor)."""
    query = f"?{'error' if failed else 'message'}={quote(message)}" if message else ""
    if part:
        query += f"{'&' if query else '?'}at={part}#{part}"
    return RedirectResponse(f"/month/{period}{query}", status_code=303)


# --- pages ------------------------------------------------------------------------------------
async def home(request: Request) -> Response:
    workspace = _state(request).workspace()
    known = boards.months(workspace)
    nearest = boards.default_month(workspace)
    return RedirectResponse(f"/month/{nearest if nearest in known or not known else known[0]}",
                            status_code=303)


async def month(request: Request) -> Response:
    period = _period(request)
    state = _state(request)
    workspace = state.workspace()
    # while this server's run goes, the ledger is the run's: a reader opening a ledger the run
    # is still creating made both fail («database is locked»); the board comes back after it
    found = boards.empty_board(workspace, period) if state.runner.busy else \
        await run_in_threadpool(boards.board, workspace, period)
    known = boards.months(workspace)
    if period not in known:
        known = sorted([*known, period], reverse=True)
    next_templates = workspace.outbox / following_period(period) / "templates"
    templates = sorted(p.relative_to(workspace.outbox).as_posix()
                       for p in next_templates.glob("*.xlsx")) if next_templates.is_dir() \
        else []
    message = request.query_params.get("message", "")
    error = request.query_params.get("error", "")
    done = state.runner.progress
    if request.query_params.get("ran") and not done.running and done.period == period:
        # the run ended before this page was made (one refused at once, a quick one)
        message, error = ("", done.message) if done.failed else (done.message, "")
    done_mail = done.details if done.kind in ("fetch", "send") and done.period == period \
        and not done.running else {}
    return render(request, "board.html", board=found, workspace=workspace, months=known,
                  progress=state.runner.progress, templates=templates,
                  next_period=following_period(period), message=message, error=error,
                  max_mb=workspace.settings.max_file_mb,
                  mail=await run_in_threadpool(boards.mail_state, workspace),
                  preview=state.previews.get(period), mail_done=done_mail,
                  confirm=request.query_params.get("confirm") == "1",
                  at=request.query_params.get("at", ""),
                  halves=boards.halves(workspace, period))


async def school(request: Request) -> Response:
    workspace = _state(request).workspace()
    code = request.path_params["code"]
    found = workspace.school(code)
    if found is None:
        raise HTTPException(404, f"Школы с кодом «{code}» нет в реестре (schools.xlsx).")
    period = request.query_params.get("period", "")
    if _state(request).runner.busy:  # as on the board: the ledger is the run's meanwhile
        return error_page(request, 409, _state(request).runner.progress.busy_line
                          + " Страница школы откроется, когда работа закончится; обновите "
                            "страницу через минуту.")
    from pipeline.trend import school_trend

    data = await run_in_threadpool(boards.school_page, workspace, found.code)
    indicators, trend = await run_in_threadpool(school_trend, workspace, found.code)
    return render(request, "school.html", school=found, period=period, workspace=workspace,
                  indicators=indicators, trend=trend, **data)


async def progress(request: Request) -> Response:
    return JSONResponse(_state(request).runner.progress.as_json())


# --- files in ---------------------------------------------------------------------------------
@guarded
async def upload(request: Request) -> Response:
    period = _period(request)
    state = _state(request)
    workspace = state.workspace()
    if state.runner.busy:
        return JSONResponse({"error": state.runner.progress.busy_line + " Затем добавьте "
                                      "файлы снова."}, status_code=409)
    limit = int(workspace.settings.max_file_mb * MIB)
    name = request.query_params.get("name", "")
    too_large = JSONResponse({"error": f"«{name}» больше {workspace.settings.max_file_mb:g} МБ "
                                       "(max_file_mb в nastavnik.toml): файл не сохранён."},
                             status_code=413)
    length = request.headers.get("content-length", "")
    if length.isdecimal() and int(length) > limit:
        return too_large
    try:
        saved = await save_upload(request.stream(), workspace.inbox / period, name, limit)
    except TooLarge:
        return too_large
    except OSError as exc:
        return JSONResponse({"error": write_error(exc, workspace.inbox / period)},
                            status_code=500)
    return JSONResponse({"saved": saved.name})


@guarded
async def check(request: Request) -> Response:
    """What each file just saved is: school, period, status (pipeline.check.check_files)."""
    from pipeline.check import check_files

    period = _period(request)
    workspace = _state(request).workspace()
    folder = workspace.inbox / period
    names = [n for n in (await request.json()).get("names", []) if isinstance(n, str)]
    paths = [folder / n for n in names if (folder / n).is_file() and "/" not in n
             and "\\" not in n and not n.startswith(".")]
    results = await run_in_threadpool(check_files, paths, workspace=workspace, period=period) \
        if paths else []
    return JSONResponse([{
        "file": Path(r.file).name, "school": r.school.code if r.school else
        (r.school_code or "не определена"), "period": r.period or "—", "status": r.status_ru,
        "errors": sum(1 for i in r.issues if i.severity in ("fatal", "error")),
        "warnings": sum(1 for i in r.issues if i.severity == "warning"),
        "rejected": r.status == "rejected"} for r in results])


# --- actions ----------------------------------------------------------------------------------
@guarded
async def run(request: Request) -> Response:
    period = _period(request)
    state = _state(request)
    if not state.runner.start(state.workspace(), period):
        return _back(period, state.runner.progress.busy_line, failed=True)
    return RedirectResponse(f"/month/{period}?ran=1", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    return {k: " ".join(str(v).split()) for k, v in (await request.form()).items()}


def _act(request: Request, period: str, action: Callable[[], str], part: str = "") -> Response:
    if _state(request).runner.busy:
        return _back(period, _state(request).runner.progress.busy_line, failed=True, part=part)
    try:
        return _back(period, action(), part=part)
    except UserError as exc:
        return _back(period, boards.sentence(str(exc)), failed=True, part=part)
    except OSError as exc:
        return _back(period, write_error(exc, _state(request).root / "outbox" / period),
                     failed=True, part=part)


@guarded
async def note(request: Request) -> Response:
    period = _period(request)
    workspace = _state(request).workspace()

    def write() -> str:
        from pipeline.ledger import hold_workspace
        from pipeline.note import write_note
        from pipeline.paths import space_told
        from pipeline.report import build_report, note_path, report_path, write_report_workbook
        from pipeline.signoff import refuse_if_locked

        refuse_if_locked(workspace, period)
        with space_told(workspace.root, period), \
                hold_workspace(workspace.root, f"отчёт за {period}"):
            data = build_report(workspace, period)
            write_report_workbook(data, report_path(workspace, period))
            path = write_note(data, note_path(workspace, period))
        return f"Аналитическая справка записана: {path.name}"

    return await run_in_threadpool(_act, request, period, write)


@guarded
async def approve(request: Request) -> Response:
    from pipeline.signoff import approve_period

    period = _period(request)
    workspace = _state(request).workspace()
    by = (await _form(request)).get("by") or None

    def act() -> str:
        done = approve_period(workspace, period, by)
        return (f"Месяц {period} утверждён (версия {done.signoff.version}, "
                f"{done.signoff.by}).")

    return await run_in_threadpool(_act, request, period, act)


@guarded
async def reopen(request: Request) -> Response:
    from pipeline.signoff import reopen_period

    period = _period(request)
    workspace = _state(request).workspace()
    form = await _form(request)
    if not form.get("reason"):
        return _back(period, "Укажите, почему месяц открывается заново.", failed=True)

    def act() -> str:
        signoff = reopen_period(workspace, period, form["reason"], form.get("by") or None)
        return f"Месяц {period} открыт заново: {signoff.reason}. Выполните свод снова."

    return await run_in_threadpool(_act, request, period, act)


@guarded
async def void(request: Request) -> Response:
    from pipeline.voids import Target, set_aside

    period = _period(request)
    workspace = _state(request).workspace()
    form = await _form(request)
    undo = form.get("undo") == "1"
    path = workspace.root / form.get("path", "")
    if not form.get("reason"):
        return _back(period, "Укажите причину.", failed=True)
    if not path.resolve().is_relative_to(workspace.inbox.resolve()):
        raise HTTPException(404, "Такого файла в inbox/ нет.")

    def act() -> str:
        done = set_aside(workspace, Target(path), form["reason"], form.get("by") or None,
                         undo=undo)
        what = "снова учитывается" if undo else "аннулирован"
        return f"Файл {done['name']} {what}; свод учтёт это при следующем запуске."

    return await run_in_threadpool(_act, request, period, act)


@guarded
async def templates(request: Request) -> Response:
    from pipeline.template import write_templates

    period = _period(request)
    workspace = _state(request).workspace()
    following = following_period(period)

    def act() -> str:
        try:
            paths = write_templates(workspace, following)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        return f"Шаблоны на {following}: {plural(len(paths), 'файл', 'файла', 'файлов')}."

    return await run_in_threadpool(_act, request, period, act)


# --- the half-year ----------------------------------------------------------------------------
@guarded
async def halfyear(request: Request) -> Response:
    """`report --half`: the half's workbook and справка; a half still going up to the last
    month run, and the page says which months are not in it."""
    period = _period(request)
    workspace = _state(request).workspace()
    half = (await _form(request)).get("half", "")

    def write() -> str:
        from pipeline.halfnote import write_period_note
        from pipeline.halfyear import (
            build_period,
            half_months,
            not_yet_line,
            period_note_path,
            period_path,
            write_period_workbook,
        )
        from pipeline.ledger import hold_workspace
        from pipeline.paths import space_told

        first, last = half_months(half)
        with space_told(workspace.root, last), \
                hold_workspace(workspace.root, f"отчёт за {first} — {last}"):
            data = build_period(workspace, first, last, so_far=True)
            book = write_period_workbook(data, period_path(workspace, data.first, data.last))
            note = write_period_note(data, period_note_path(workspace, data.first, data.last))
        told = f"Отчёт за период {data.first} — {data.last} записан: {book.name}, {note.name}."
        return f"{told} {not_yet_line(data)}." if data.not_yet else told

    return await run_in_threadpool(_act, request, period, write)


# --- mail -------------------------------------------------------------------------------------
def _secret(settings: Any, given: str) -> tuple[str, str]:
    """The mailbox's password: typed into the page's form (used once, kept nowhere), else the
    environment or the keyring, as the commands take it; MailError says what to do."""
    from pipeline.mail.account import MailError, password

    if given:
        return given, "form"
    try:
        return password(settings)
    except MailError as exc:
        raise MailError("введите пароль почтового ящика в поле «Пароль» и повторите") from exc


def _mail_job(settings: Any, source: str, work: Callable[[], str]) -> str:
    """A mail job: a refused password kept in the keyring is forgotten, as by the commands."""
    from pipeline.mail.account import WrongPassword, forget_password

    try:
        return work()
    except WrongPassword:
        if source == "keyring":
            forget_password(settings)
        raise


async def _mail_start(request: Request, period: str, kind: str,
                      work: Callable[[Any, str, Any], str]) -> Response:
    """Load the settings and the password, then start `work(settings, secret, progress)` in
    the background; every refusal is the Russian line of its MailError."""
    from pipeline.mail.account import load_mail_settings

    state = _state(request)
    workspace = state.workspace()
    form = await request.form()
    given = form.get("secret")
    given = given if isinstance(given, str) else ""
    if state.runner.busy:
        return _back(period, state.runner.progress.busy_line, failed=True, part="mail")
    try:
        settings = load_mail_settings(workspace.root)
        secret, source = _secret(settings, given)
    except UserError as exc:
        return _back(period, boards.sentence(str(exc)), failed=True, part="mail")
    started = state.runner.start_job(period, kind, 0, lambda progress: _mail_job(
        settings, source, lambda: work(settings, secret, progress)))
    if not started:
        return _back(period, state.runner.progress.busy_line, failed=True, part="mail")
    return RedirectResponse(f"/month/{period}?ran=1&at=mail#mail", status_code=303)


@guarded
async def mail_fetch(request: Request) -> Response:
    """`mail fetch` into the month shown: what was saved and what needs a look."""
    from pipeline.console import fetch_notes
    from pipeline.mail.fetch import fetch

    period = _period(request)
    workspace = _state(request).workspace()

    def work(settings: Any, secret: str, progress: Any) -> str:
        def counted(n: int, total: int) -> None:
            progress.done, progress.total = n, total

        try:
            result = fetch(workspace, settings, secret, period=period, on_message=counted)
        except UserError as exc:
            raise UserError(boards.sentence(str(exc))) from exc
        files = [{"school": f.school_code or "—", "original": f.original,
                  "saved": f.path.relative_to(workspace.root).as_posix()
                  if f.path.is_relative_to(workspace.root) else str(f.path)}
                 for f in result.files]
        progress.details = {"kind": "fetch", "files": files, "notes": fetch_notes(result)}
        new = len(result.messages)
        told = (f"Почтовый ящик {result.mailbox}: "
                + (plural(new, "новое письмо", "новых письма", "новых писем") if new
                   else "новых писем нет")
                + (f" (забранных раньше: {result.already})" if result.already else ""))
        if files:
            told += (f"; сохранено {plural(len(files), 'файл', 'файла', 'файлов')} — "
                     "нажмите «Свести месяц»")
        return told + "."

    return await _mail_start(request, period, "fetch", work)


def _plan(workspace: Workspace, period: str, reminders: bool, templates: bool) -> Any:
    from pipeline.mail.send import plan

    return plan(workspace, period, feedback=True, reminders=reminders, templates=templates)


@guarded
async def mail_preview(request: Request) -> Response:
    """`mail send --dry-run`: the letters listed, their .eml files in outbox/<month>/Письма/."""
    from pipeline.mail.send import LETTERS_FOLDER, dry_run_settings, write_eml

    period = _period(request)
    state = _state(request)
    workspace = state.workspace()
    form = await _form(request)
    reminders, with_templates = form.get("reminders") == "1", form.get("templates") == "1"

    def show() -> str:
        planned = _plan(workspace, period, reminders, with_templates)
        settings, placeholder = dry_run_settings(workspace.root)
        folder = workspace.outbox / period / LETTERS_FOLDER
        paths = write_eml(planned.new, folder, settings)
        state.previews[period] = Preview(
            reminders, with_templates, planned.new,
            [p.relative_to(workspace.outbox).as_posix() for p in paths], planned.problems,
            planned.new_files, len(planned.letters) - len(planned.new), placeholder)
        if not planned.new:
            return f"Новых писем за {period} нет — отправлять нечего."
        return (f"Ничего не отправлено. {plural(len(paths), 'письмо', 'письма', 'писем')} "
                f"показаны ниже и сохранены файлами .eml в outbox/{period}/{LETTERS_FOLDER}/.")

    return await run_in_threadpool(_act, request, period, show, "mail")


@guarded
async def mail_send(request: Request) -> Response:
    """`mail send` after the page's confirmation: the letters shown, if they are still the
    month's letters; each school's outcome as it is known."""
    from pipeline.mail.send import send

    period = _period(request)
    state = _state(request)
    workspace = state.workspace()
    shown = state.previews.get(period)
    if shown is None or not shown.letters:
        return _back(period, "Сначала нажмите «Письма школам» и проверьте письма.", failed=True,
                     part="mail")
    try:
        now = await run_in_threadpool(_plan, workspace, period, shown.reminders,
                                      shown.templates)
    except UserError as exc:
        return _back(period, boards.sentence(str(exc)), failed=True, part="mail")
    if [(le.school.code, le.kind, le.sha256) for le in now.new] != shown.key:
        state.previews.pop(period, None)
        return _back(period, "Письма месяца изменились с тех пор, как их показали (новый свод "
                             "или письма уже отправлены) — нажмите «Письма школам» и "
                             "проверьте их снова.", failed=True, part="mail")

    def work(settings: Any, secret: str, progress: Any) -> str:
        progress.total = len(now.new)
        outcomes: list[dict[str, Any]] = []
        progress.details = {"kind": "send", "outcomes": outcomes}

        def told(outcome: Any) -> None:
            letter = outcome.letter
            outcomes.append({"school": letter.school.code, "name": letter.school.short_name,
                             "recipient": letter.recipient, "kind": letter.kind_ru,
                             "error": outcome.error})
            progress.done += 1

        try:
            done = send(workspace, now.new, settings, secret, on_letter=told)
        except UserError as exc:
            raise UserError(boards.sentence(str(exc))) from exc
        state.previews.pop(period, None)
        failed = [o for o in done if not o.sent]
        line = f"Отправлено {plural(len(done) - len(failed), 'письмо', 'письма', 'писем')}"
        if failed:
            line += (f", не отправлено {len(failed)} — они уйдут при следующей отправке "
                     "(«Письма школам», затем «Отправить»)")
        return line + "."

    return await _mail_start(request, period, "send", work)


# --- files out --------------------------------------------------------------------------------
def _outbox_file(workspace: Workspace, relative: str) -> Path:
    """A file inside the outbox, or 404: the path is resolved and checked, links included."""
    outbox = workspace.outbox.resolve()
    path = (outbox / relative).resolve()
    if not path.is_relative_to(outbox) or not path.is_file():
        raise HTTPException(404, "Такого файла в outbox/ нет.")
    return path


async def download(request: Request) -> Response:
    workspace = _state(request).workspace()
    path = _outbox_file(workspace, request.path_params["path"])
    return FileResponse(path, filename=path.name)


async def feedback_zip(request: Request) -> Response:
    period = _period(request)
    workspace = _state(request).workspace()
    found = await run_in_threadpool(boards.board, workspace, period)
    if not found.feedback_files:
        raise HTTPException(404, f"Файлов замечаний за {period} нет.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in found.feedback_files:
            path = _outbox_file(workspace, relative)
            archive.write(path, path.name)
    name = f"Замечания {period}.zip"
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# --- errors and access ------------------------------------------------------------------------
async def http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", "") or ""
    if not any("а" <= ch <= "я" for ch in detail.lower()):  # a library's English words
        detail = {404: "Такой страницы нет. Вернитесь на главную страницу.",
                  405: "Эту страницу открывают ссылкой, а не формой."}.get(
            status, "Запрос не выполнен.")
    return error_page(request, status, detail)


async def crash(request: Request, exc: Exception) -> Response:
    import logging

    # the technical details go to the terminal with `nastavnik --debug serve`, never the page
    logging.getLogger("nastavnik").debug("page %s failed", request.url.path, exc_info=exc)
    if isinstance(exc, UserError):  # Russian already, says what to do
        return error_page(request, 500, str(exc))
    return error_page(request, 500, "Непредвиденная ошибка программы. Повторите действие; "
                                    "если ошибка повторится, выполните то же командой "
                                    "nastavnik --debug … и передайте вывод разработчикам.")


class PasswordGate:
    """HTTP basic authentication with one password (any user name), for `--host` beyond
    this computer."""

    def __init__(self, app: Any, password: str) -> None:
        self.app = app
        self.password = password.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            page = ("<!doctype html><html lang=ru><meta charset=utf-8><title>Нужен пароль"
                    "</title><p>Введите пароль, заданный в nastavnik serve --password.")
            response = HTMLResponse(page, status_code=401, headers={
                "WWW-Authenticate": 'Basic realm="nastavnik", charset="UTF-8"'})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Any) -> bool:
        for key, value in scope.get("headers", []):
            if key == b"authorization" and value[:6].lower() == b"basic ":
                try:
                    _, _, given = base64.b64decode(value[6:]).partition(b":")
                except ValueError:
                    return False
                return secrets.compare_digest(given, self.password)
        return False


def create_app(workspace_root: Path, *, token: str | None = None,
               password: str | None = None) -> Any:
    """The page for the workspace at `workspace_root` (opened now: a folder that is not a
    workspace is refused here, in Russian)."""
    root = Path(workspace_root).resolve()
    open_workspace(root)
    routes = [
        Route("/", home),
        Route("/month/{period}", month),
        Route("/month/{period}/progress", progress),
        Route("/month/{period}/upload", upload, methods=["POST"]),
        Route("/month/{period}/check", check, methods=["POST"]),
        Route("/month/{period}/run", run, methods=["POST"]),
        Route("/month/{period}/note", note, methods=["POST"]),
        Route("/month/{period}/approve", approve, methods=["POST"]),
        Route("/month/{period}/reopen", reopen, methods=["POST"]),
        Route("/month/{period}/void", void, methods=["POST"]),
        Route("/month/{period}/templates", templates, methods=["POST"]),
        Route("/month/{period}/halfyear", halfyear, methods=["POST"]),
        Route("/month/{period}/mail/fetch", mail_fetch, methods=["POST"]),
        Route("/month/{period}/mail/preview", mail_preview, methods=["POST"]),
        Route("/month/{period}/mail/send", mail_send, methods=["POST"]),
        Route("/month/{period}/feedback.zip", feedback_zip),
        Route("/school/{code}", school),
        Route("/download/{path:path}", download),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error,
                                                       Exception: crash})
    app.state.office = State(root, token or secrets.token_urlsafe(32))
    app.state.started = dt.datetime.now()
    return PasswordGate(app, password) if password else app
