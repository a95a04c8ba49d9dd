"""The `nastavnik` command: parses options, calls the library, prints in Russian.

Heavy libraries (pandas, pandera, openpyxl) are imported inside the commands so that
`nastavnik --help` stays instant.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.clitext import install_russian_click
from pipeline.console import plural
from pipeline.russian import os_error, write_error

install_russian_click()

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class Failure(click.ClickException):
    """A problem the user can fix: one Russian line, no traceback."""

    exit_code = EXIT_PROBLEMS

    def show(self, file: Any = None) -> None:
        click.echo(click.style("Ошибка: ", fg="red", bold=True) + self.format_message(),
                   err=True)


def _period(_ctx: Any, _param: Any, value: str | None) -> str | None:
    if value is not None and not PERIOD_RE.match(value):
        raise click.BadParameter(f"«{value}» — укажите месяц в виде ГГГГ-ММ, например 2026-11")
    return value


def _workspace(path: Path | None, *, required: bool = True) -> Any:
    from pipeline.workspace import WorkspaceError, is_workspace, open_workspace

    root = path or Path.cwd()
    if path is None and not is_workspace(root) and not required:
        return None
    try:
        return open_workspace(root)
    except WorkspaceError as exc:
        raise Failure(str(exc)) from exc


def _today() -> Any:
    import datetime as dt

    return dt.date.today()


def _period_or_nearest(period: str | None, workspace: Any) -> str:
    """The month asked for, or the one whose deadline is nearest today (said on stderr)."""
    if period is not None:
        return period
    from pipeline.workspace import deadline, nearest_period

    day = workspace.settings.deadline_day
    period = nearest_period(_today(), day)
    click.echo(f"Месяц не указан: берём {period} (срок сдачи {deadline(period, day):%d.%m.%Y})",
               err=True)
    return period


def _template_period(period: str | None, workspace: Any) -> str:
    """The month asked for, or the month after the one being collected: its templates go out
    once last month's lists are in."""
    if period is not None:
        return period
    from pipeline.workspace import deadline, following_period, nearest_period

    day = workspace.settings.deadline_day
    collected = nearest_period(_today(), day)
    period = following_period(collected)
    click.echo(f"Месяц не указан: шаблоны на {period} — месяц после {collected} "
               f"(срок сдачи за {collected} — {deadline(collected, day):%d.%m.%Y})", err=True)
    return period


workspace_option = click.option(
    "-w", "--workspace", "workspace_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Рабочая папка района (по умолчанию — текущая).")
NEAREST = ("по умолчанию — месяц, срок сдачи отчётов за который (число deadline_day "
           "следующего месяца) ближе всего к сегодняшнему дню, прошёл он или нет")


def period_option(default: str) -> Any:
    return click.option("--period", callback=_period, metavar="ГГГГ-ММ",
                        help=f"Отчётный месяц, например 2026-11; {default}.")


class _Command(click.Command):
    """A command whose usage line is Russian: «[ПАРАМЕТРЫ]», not «[OPTIONS]»."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[ПАРАМЕТРЫ]")
        super().__init__(*args, **kwargs)


class _Group(click.Group):
    """Turns an unexpected error into one Russian line; --debug shows the traceback."""

    command_class = _Command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            raise  # the reader went away (| head): click ends quietly
        except Exception as exc:
            from pipeline.errors import UserError, failed_path, out_of_space

            if isinstance(exc, UserError) and not (ctx.obj or {}).get("debug"):
                raise Failure(str(exc)) from exc  # Russian already, says what to do
            if (ctx.obj or {}).get("debug"):
                raise
            if out_of_space(exc):  # where no command said it better (pipeline/paths.py)
                import shutil

                from pipeline.russian import no_space

                folder = (failed_path(exc) or Path.cwd() / "-").parent
                while not folder.is_dir() and folder != folder.parent:
                    folder = folder.parent
                raise Failure(no_space(folder, shutil.disk_usage(folder).free)) from exc
            # the exception's own text is a library's English: only --debug shows it
            raise Failure("непредвиденная ошибка программы — повторите команду с --debug и "
                          "передайте вывод разработчикам") from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             options_metavar="[ПАРАМЕТРЫ]", subcommand_metavar="КОМАНДА [ПАРАМЕТРЫ]...")
@click.version_option(__version__, "--version", prog_name="nastavnik",
                      message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Показывать технические подробности ошибок.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Свод ежемесячных отчётов школ о наставничестве для управления образованием.

    \b
    Обычный порядок работы за месяц:
      nastavnik init район            создать рабочую папку
      nastavnik template --period 2026-11   шаблоны для школ
      nastavnik run --period 2026-11        свод присланных файлов
    """
    ctx.obj = {"debug": debug}
    if debug:  # the readers' own words, kept out of every message, go to stderr
        import logging

        log = logging.getLogger("nastavnik")
        log.addHandler(logging.StreamHandler(sys.stderr))
        log.setLevel(logging.DEBUG)


@cli.command()
@click.argument("directory", metavar="ПАПКА", type=click.Path(file_okay=False, path_type=Path))
@click.option("--district", default="Муниципальный район", show_default=True,
              metavar="НАЗВАНИЕ", help="Название района или округа.")
@click.option("--region", default="", metavar="НАЗВАНИЕ", help="Субъект РФ.")
def init(directory: Path, district: str, region: str) -> None:
    """Создать рабочую папку района: настройки, реестр школ, inbox/ и outbox/.

    Пример: nastavnik init ~/наставничество --district "Берёзовский округ"
    """
    from pipeline.workspace import SETTINGS_FILE, WorkspaceError, init_workspace

    existed = (directory / SETTINGS_FILE).exists()
    try:
        workspace = init_workspace(directory, district=district, region=region)
    except WorkspaceError as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(f"{directory}: не удалось создать рабочую папку ({os_error(exc)}) — "
                      "проверьте путь и права на запись") from exc
    schools = plural(len(workspace.schools), "школа", "школы", "школ")
    if existed:
        click.echo(f"Рабочая папка уже есть, в ней ничего не изменено: {workspace.root}")
        click.echo(f"  nastavnik.toml  — настройки района «{workspace.settings.district}»")
        click.echo(f"  schools.xlsx    — реестр школ: {schools}")
    else:
        click.echo(f"Создана рабочая папка: {workspace.root}")
        click.echo("  nastavnik.toml  — настройки района (откройте и впишите название)")
        click.echo(f"  schools.xlsx    — реестр школ (для примера {schools}; замените своими "
                   "школами)")
    click.echo("  inbox/ГГГГ-ММ/  — сюда сохраняйте файлы школ за месяц")
    click.echo("  outbox/ГГГГ-ММ/ — здесь появятся свод, отчёты и замечания")


@cli.command()
@period_option("по умолчанию — месяц после того, отчёты за который сдаются сейчас")
@click.option("--school", "schools", multiple=True, metavar="КОД",
              help="Только для этой школы (можно несколько раз).")
@workspace_option
def template(period: str | None, schools: tuple[str, ...], workspace_dir: Path | None) -> None:
    """Сделать шаблоны формы для школ на месяц.

    Без --period — на месяц после того, отчёты за который сдаются сейчас (его шаблон
    заполняется принятыми списками этого месяца).

    Пример: nastavnik template --period 2026-11 --school ОО-07
    """
    from pipeline.template import write_templates

    workspace = _workspace(workspace_dir)
    period = _template_period(period, workspace)
    try:
        paths = write_templates(workspace, period, list(schools) or None)
    except ValueError as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(write_error(exc, workspace.outbox / period / "templates")) from exc
    for path in paths:
        click.echo(f"  {path.name}")
    folder = paths[0].parent if paths else workspace.outbox / period / "templates"
    click.echo(f"Шаблонов: {len(paths)}. Папка: {folder}")


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="ФАЙЛ...",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
@period_option("по умолчанию — по папке inbox/ГГГГ-ММ, где лежит файл; вне такой "
               "папки месяц в файле не сверяется")
@click.option("--json", "as_json", is_flag=True, help="Вывести результат в JSON.")
@click.option("--feedback", "feedback_path", metavar="ФАЙЛ.xlsx",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Записать файл школы с отмеченными замечаниями (для одного файла).")
def check(files: tuple[Path, ...], workspace_dir: Path | None, period: str | None,
          as_json: bool, feedback_path: Path | None) -> None:
    """Проверить файлы школ, ничего не записывая (кроме --feedback).

    Пример: nastavnik check inbox/2026-11/*.xlsx --period 2026-11
    """
    from pipeline.check import check_files

    if feedback_path is not None and len(files) != 1:
        raise click.UsageError("--feedback пишет замечания к одному файлу: укажите один файл")
    workspace = _workspace(workspace_dir, required=workspace_dir is not None)
    if feedback_path is not None:
        results = [_check_with_feedback(files[0], workspace, period, feedback_path)]
    else:
        results = check_files(list(files), workspace=workspace, period=period)
    if as_json:
        click.echo(json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2))
    else:
        from pipeline.console import file_report, summary_line

        for result in results:
            click.echo(file_report(result))
        click.echo(summary_line(results))
    bad = any(r.status == "rejected" or r.worst == "error" for r in results)
    sys.exit(EXIT_PROBLEMS if bad else EXIT_OK)


def _check_with_feedback(path: Path, workspace: Any, period: str | None, out: Path) -> Any:
    import datetime as dt

    from pipeline.check import period_from_path, read_and_validate
    from pipeline.feedback import write_feedbacks

    validation = read_and_validate([path], workspace=workspace,
                                   period=period or period_from_path(path))
    try:  # in a worker, as in `run`: openpyxl opens the school's file to mark it
        write_feedbacks([(path, validation.forms[0], validation.results[0], out, None,
                          dt.datetime.now().replace(microsecond=0))])
    except OSError as exc:
        raise Failure(write_error(exc, out)) from exc
    click.echo(f"Замечания записаны: {out}", err=True)
    return validation.results[0]


@cli.command()
@period_option(NEAREST)
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Вывести результат в JSON.")
def run(period: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Свести файлы школ за месяц из inbox/ГГГГ-ММ в outbox/ГГГГ-ММ.

    Пример: nastavnik run --period 2026-11
    """
    workspace = _workspace(workspace_dir)
    result = _run(workspace, _period_or_nearest(period, workspace), quiet=as_json)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    sys.exit(EXIT_PROBLEMS if result.problems else EXIT_OK)


def _run(workspace: Any, period: str, *, quiet: bool) -> Any:
    from pipeline.console import Eta, run_report
    from pipeline.consolidate import run_period
    from pipeline.ledger import LedgerError

    folder = workspace.inbox / period
    if not folder.is_dir():  # a mistyped month must not make an empty report for it
        raise Failure(f"{folder}: такой папки нет — проверьте месяц (--period {period}) или "
                      "создайте папку и сохраните в неё файлы школ")
    total = len(workspace.inbox_files(period))
    if not quiet and total == 0:
        click.echo(f"В папке {folder} нет файлов: свод покажет, что отчёты не представлены.",
                   err=True)
    try:
        if quiet or total == 0:
            result = run_period(workspace, period, on_takeover=_tell_takeover)
        else:
            eta = Eta(total)  # click's own estimate was wildly off at the start
            with click.progressbar(length=total, label="Чтение файлов", file=sys.stderr,
                                   show_pos=True, show_eta=False,
                                   item_show_func=lambda text: text) as bar:
                result = run_period(workspace, period, on_takeover=_tell_takeover,
                                    on_file=lambda _p: bar.update(1, eta.tick()))
    except LedgerError as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(write_error(exc, workspace.outbox / period)) from exc
    if not quiet:
        click.echo(run_report(result))
    return result


def _tell_takeover(takeover: Any) -> None:
    click.echo(takeover.note(), err=True)


@cli.command()
@period_option(NEAREST)
@workspace_option
@click.option("--note", is_flag=True, help="Также написать аналитическую справку (.docx).")
@click.option("--from", "first", callback=_period, metavar="ГГГГ-ММ",
              help="Отчёт за несколько месяцев: первый месяц периода (вместе с --to).")
@click.option("--to", "last", callback=_period, metavar="ГГГГ-ММ",
              help="Последний месяц периода (вместе с --from).")
@click.option("--half", metavar="ГГГГ-1|ГГГГ-2",
              help="Отчёт за полугодие учебного года, начавшегося в ГГГГ: ГГГГ-1 — первое "
                   "полугодие (сентябрь–декабрь ГГГГ), ГГГГ-2 — второе (январь–май "
                   "следующего года). Например, 2026-1 — сентябрь–декабрь 2026, 2026-2 — "
                   "январь–май 2027.")
def report(period: str | None, workspace_dir: Path | None, note: bool, first: str | None,
           last: str | None, half: str | None) -> None:
    """Отчёт для министерства (только числа) и, по желанию, аналитическая справка.

    За месяц — --period; за полугодие — --half или --from/--to: показатели по месяцам и за
    период, динамика, сдача отчётов.

    Пример: nastavnik report --period 2026-11 --note

    Пример: nastavnik report --half 2026-1 --note
    """
    if half is not None or first is not None or last is not None:
        _period_report(period, workspace_dir, note, first, last, half)
        return
    from pipeline.indicators import IndicatorError
    from pipeline.ledger import LedgerError, hold_workspace
    from pipeline.paths import space_told
    from pipeline.report import (
        ReportError,
        build_report,
        note_path,
        report_path,
        write_report_workbook,
    )
    from pipeline.signoff import refuse_if_locked

    workspace = _workspace(workspace_dir)
    period = _period_or_nearest(period, workspace)
    refuse_if_locked(workspace, period)  # an approved month's report stays as approved
    # under the run's lock: a run writes the same report, and the ledger it is made from
    try:
        with space_told(workspace.root, period), \
                hold_workspace(workspace.root, f"отчёт за {period}", _tell_takeover):
            data = build_report(workspace, period)
            paths = [write_report_workbook(data, report_path(workspace, period))]
            if note:
                from pipeline.note import write_note

                paths.append(write_note(data, note_path(workspace, period)))
    except (ReportError, IndicatorError, LedgerError) as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(write_error(exc, workspace.outbox / period)) from exc
    click.echo(f"Отчёт для министерства: {paths[0]}")
    if note:
        click.echo(f"Аналитическая справка: {paths[1]}")


def _one_span(period: str | None, first: str | None, last: str | None, half: str | None,
              what: str) -> None:
    """A month (--period) or a period (--half, or --from with --to), one of them whole."""
    if period is not None:
        raise click.UsageError("укажите либо --period (месяц), либо период: --half или "
                               "--from/--to")
    if half is not None and (first or last):
        raise click.UsageError("укажите либо --half, либо --from/--to")
    if half is None and not (first and last):
        raise click.UsageError(f"для {what} за период укажите и --from, и --to (ГГГГ-ММ), "
                               "например --from 2026-09 --to 2026-12")


def _period_report(period: str | None, workspace_dir: Path | None, note: bool,
                   first: str | None, last: str | None, half: str | None) -> None:
    """`report --half` / `report --from --to`: the months side by side and the period's."""
    from pipeline.halfyear import (
        PeriodError,
        build_period,
        half_months,
        period_note_path,
        period_path,
        write_period_workbook,
    )
    from pipeline.indicators import IndicatorError
    from pipeline.ledger import LedgerError, hold_workspace
    from pipeline.paths import space_told

    _one_span(period, first, last, half, "отчёта")
    workspace = _workspace(workspace_dir)
    try:
        if half is not None:
            first, last = half_months(half)
        with space_told(workspace.root, last), \
                hold_workspace(workspace.root, f"отчёт за {first} — {last}", _tell_takeover):
            data = build_period(workspace, first, last, so_far=half is not None)
            first, last = data.first, data.last
            paths = [write_period_workbook(data, period_path(workspace, first, last))]
            if note:
                from pipeline.halfnote import write_period_note

                paths.append(write_period_note(data, period_note_path(workspace, first, last)))
    except (PeriodError, IndicatorError, LedgerError) as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(write_error(exc, workspace.outbox)) from exc
    if data.not_yet:
        from pipeline.halfyear import not_yet_line

        click.echo(not_yet_line(data) + ".")
    click.echo(f"Отчёт за период {first} — {last}: {paths[0]}")
    if note:
        click.echo(f"Аналитическая справка за период: {paths[1]}")


@cli.command()
@click.argument("directory", metavar="ПАПКА",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--period", callback=_period, metavar="ГГГГ-ММ",
              help="Отчётный месяц, например 2026-11.")
@click.option("--from", "first", callback=_period, metavar="ГГГГ-ММ",
              help="Свод за несколько месяцев: первый месяц периода (вместе с --to).")
@click.option("--to", "last", callback=_period, metavar="ГГГГ-ММ",
              help="Последний месяц периода (вместе с --from).")
@click.option("--half", metavar="ГГГГ-1|ГГГГ-2",
              help="Свод за полугодие учебного года, начавшегося в ГГГГ: ГГГГ-1 — "
                   "сентябрь–декабрь ГГГГ, ГГГГ-2 — январь–май следующего года.")
@click.option("--districts", "districts_file", metavar="ФАЙЛ.xlsx",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Реестр муниципальных образований (лист «Реестр МО»); по умолчанию "
                   "ПАПКА/districts.xlsx, если он есть.")
@click.option("-o", "--output", metavar="ФАЙЛ.xlsx", type=click.Path(dir_okay=False,
              path_type=Path), help="Куда записать свод региона (не в ПАПКУ с отчётами); по "
              "умолчанию — «Свод региона <регион> <ГГГГ-ММ>.xlsx» рядом с ПАПКОЙ, в папке "
              "над ней.")
@click.option("--note", is_flag=True, help="Ещё и аналитическая справка региона (.docx) "
              "рядом со сводом.")
def rollup(directory: Path, period: str | None, first: str | None, last: str | None,
           half: str | None, districts_file: Path | None, output: Path | None,
           note: bool) -> None:
    """Региональный свод: отчёты районов за месяц из папки — в один отчёт региона.

    За несколько месяцев — --half или --from/--to: показатели по месяцам и за период по
    ежемесячным отчётам районов в папке. Папка с отчётами только читается: свод
    записывается рядом с ней.

    Пример: nastavnik rollup --period 2026-11 отчёты-районов/ --note

    Пример: nastavnik rollup --half 2026-1 отчёты-районов/ --note
    """
    if half is not None or first is not None or last is not None:
        _period_rollup(directory, period, first, last, half, districts_file, output, note)
        return
    if period is None:
        raise click.UsageError("укажите месяц --period ГГГГ-ММ или период: --half или "
                               "--from/--to")
    from pipeline.rollup import (
        RollupError,
        load_expected,
        output_inside,
        rollup_path,
        write_rollup_workbook,
    )
    from pipeline.rollup import rollup as make_rollup

    if output is not None and output_inside(directory, output):
        raise click.BadParameter(
            f"«{output}» — в папке {directory} лежат отчёты МО, которые читаются; свод региона "
            "в неё не записывается: укажите файл в другой папке", param_hint="-o/--output")
    try:
        expected = load_expected(districts_file) if districts_file else None
        result = make_rollup(directory, period, expected=expected)
        path = write_rollup_workbook(result, output or rollup_path(directory, result))
        if note:
            from pipeline.rollup.note import rollup_note_path, write_rollup_note

            note_path = write_rollup_note(result, rollup_note_path(path))
    except RollupError as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(write_error(exc, output or directory)) from exc
    for found in result.files:
        mark = click.style(found.status, fg="red" if found.rejected else "green")
        click.echo(f"{found.path.name}: {mark}" + (f" [{found.district}]" if found.district
                                                   else ""))
        for problem in found.problems:
            click.echo(f"    {problem.text}")
    if result.missing:
        click.echo(click.style("Не представили: ", fg="red") + ", ".join(result.missing))
    click.echo(f"Свод региона: {path}")
    if note:
        click.echo(f"Справка региона: {note_path}")
    sys.exit(EXIT_PROBLEMS if result.rejected or result.missing else EXIT_OK)


def _period_rollup(directory: Path, period: str | None, first: str | None, last: str | None,
                   half: str | None, districts_file: Path | None, output: Path | None,
                   note: bool) -> None:
    """`rollup --half` / `rollup --from --to`: the region's months side by side."""
    from pipeline.halfyear import PeriodError, half_months, month_label
    from pipeline.rollup import RollupError, load_expected, output_inside
    from pipeline.rollup.period import (
        rollup_period,
        rollup_period_path,
        write_rollup_period_workbook,
    )

    _one_span(period, first, last, half, "свода")
    if output is not None and output_inside(directory, output):
        raise click.BadParameter(
            f"«{output}» — в папке {directory} лежат отчёты МО, которые читаются; свод региона "
            "в неё не записывается: укажите файл в другой папке", param_hint="-o/--output")
    try:
        if half is not None:
            first, last = half_months(half)
        expected = load_expected(districts_file) if districts_file else None
        result = rollup_period(directory, first, last, expected=expected,
                               so_far=half is not None)
        path = write_rollup_period_workbook(result,
                                            output or rollup_period_path(directory, result))
        if note:
            from pipeline.rollup.note import rollup_note_path
            from pipeline.rollup.period import write_rollup_period_note

            note_path = write_rollup_period_note(result, rollup_note_path(path))
    except (RollupError, PeriodError) as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(write_error(exc, output or directory)) from exc
    for district in result.districts:
        missed = [month_label(p) for p in district.missed]
        if missed:
            click.echo(click.style("Не сдан: ", fg="red") + f"{district.name} — "
                       + ", ".join(missed))
    click.echo(f"Свод региона за период {result.first} — {result.last}: {path}")
    if note:
        click.echo(f"Справка региона за период: {note_path}")
    sys.exit(EXIT_PROBLEMS if any(d.missed or d.rejected for d in result.districts)
             else EXIT_OK)


@cli.command()
@period_option(NEAREST)
@workspace_option
def status(period: str | None, workspace_dir: Path | None) -> None:
    """Показать, кто из школ сдал отчёт за месяц, когда и в срок ли.

    Пример: nastavnik status --period 2026-11
    """
    from pipeline.console import status_report
    from pipeline.status import period_status

    workspace = _workspace(workspace_dir)
    click.echo(status_report(period_status(workspace, _period_or_nearest(period, workspace))))


@cli.command()
@click.option("--school", "school_code", required=True, metavar="КОД", help="Код ОО.")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Вывести показатели по месяцам в JSON.")
def history(school_code: str, workspace_dir: Path | None, as_json: bool) -> None:
    """Показать показатели школы по месяцам, все её файлы и что с каждым стало.

    Пример: nastavnik history --school ОО-07
    """
    from pipeline.console import history_report
    from pipeline.status import period_signoffs, school_history, school_mails, school_voids
    from pipeline.trend import school_trend

    workspace = _workspace(workspace_dir)
    if workspace.school(school_code) is None:
        raise Failure(f"школы с кодом «{school_code}» нет в реестре — проверьте код "
                      "(реестр: schools.xlsx)")
    code = workspace.school(school_code).code
    indicators, months = school_trend(workspace, code)
    if as_json:
        click.echo(json.dumps({"school": code, "indicators": {i.code: i.name for i in indicators},
                               "months": [m.as_json() for m in months]},
                              ensure_ascii=False, indent=2))
        return
    rows = school_history(workspace, school_code)
    click.echo(history_report(code, rows,
                              period_signoffs(workspace, {r["period"] for r in rows}),
                              voids=school_voids(workspace, school_code, rows),
                              indicators=indicators, months=months,
                              mails=school_mails(workspace, school_code)))


def _reason(_ctx: Any, _param: Any, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("укажите, почему месяц открывается заново, например "
                                 "--reason \"исправление ОО-07\"")
    return " ".join(value.split())


@cli.command()
@click.option("--period", callback=_period, metavar="ГГГГ-ММ", required=True,
              help="Отчётный месяц, например 2026-11.")
@click.option("--by", metavar="ФИО", help="Кто утверждает; по умолчанию — учётная запись "
              "системы.")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Вывести результат в JSON.")
def approve(period: str, by: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Утвердить месяц: свод и отчёт больше не меняются до повторного открытия.

    Пример: nastavnik approve --period 2026-11 --by "Иванова И. И."
    """
    from pipeline.signoff import approve_period

    workspace = _workspace(workspace_dir)
    try:
        done = approve_period(workspace, period, by)
    except OSError as exc:
        raise Failure(write_error(exc, workspace.outbox / period)) from exc
    signoff = done.signoff
    if as_json:
        click.echo(json.dumps({
            "period": period, "action": "approve", "version": signoff.version,
            "at": signoff.at.isoformat(), "by": signoff.by,
            "replaces": ({"version": done.replaces.version, "at": done.replaces.at.isoformat()}
                         if done.replaces else None),
            "outputs": {"report": str(done.report), "note": str(done.note)}},
            ensure_ascii=False, indent=2))
        return
    click.echo(f"Месяц {period} утверждён {signoff.at:%d.%m.%Y %H:%M} — версия {signoff.version}"
               + (f", взамен утверждённой {done.replaces.at:%d.%m.%Y %H:%M} (версия "
                  f"{done.replaces.version})" if done.replaces else "")
               + f"; кто утвердил: {signoff.by}")
    click.echo(f"Отчёт для министерства: {done.report}")
    click.echo(f"Аналитическая справка: {done.note}")
    click.echo("Сводный файл района и отчёт больше не меняются: исправления, присланные "
               "школами после утверждения, nastavnik run только покажет. Открыть месяц "
               f"заново: nastavnik reopen --period {period} --reason \"…\"")


@cli.command()
@click.option("--period", callback=_period, metavar="ГГГГ-ММ", required=True,
              help="Отчётный месяц, например 2026-11.")
@click.option("--reason", required=True, callback=_reason, metavar="ПРИЧИНА",
              help="Почему месяц открывается заново (обязательно; записывается в журнал).")
@click.option("--by", metavar="ФИО", help="Кто открывает; по умолчанию — учётная запись "
              "системы.")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Вывести результат в JSON.")
def reopen(period: str, reason: str, by: str | None, workspace_dir: Path | None,
           as_json: bool) -> None:
    """Открыть утверждённый месяц заново с указанием причины.

    Пример: nastavnik reopen --period 2026-11 --reason "исправление ОО-07"
    """
    from pipeline.signoff import reopen_period

    workspace = _workspace(workspace_dir)
    signoff = reopen_period(workspace, period, reason, by)
    if as_json:
        click.echo(json.dumps({"period": period, "action": "reopen", "version": signoff.version,
                               "at": signoff.at.isoformat(), "by": signoff.by,
                               "reason": signoff.reason}, ensure_ascii=False, indent=2))
        return
    click.echo(f"Месяц {period} открыт заново {signoff.at:%d.%m.%Y %H:%M} ({signoff.by}): "
               f"{signoff.reason}.")
    click.echo(f"Дальше: nastavnik run --period {period} перепишет свод и отчёт, затем "
               f"nastavnik approve --period {period} утвердит версию {signoff.version + 1}.")


def _void_reason(_ctx: Any, _param: Any, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("укажите причину, например --reason \"прислан файл другой "
                                 "школы\"")
    return " ".join(value.split())


def _day(_ctx: Any, _param: Any, value: str | None) -> Any:
    if value is None:
        return None
    from pipeline.values import parse_date_text

    day = parse_date_text(value)
    if day is None:
        raise click.BadParameter(f"«{value}» — укажите дату получения, например 2026-12-02 "
                                 "или 02.12.2026")
    return day


def _void_options(command: Any) -> Any:
    for option in reversed((
            click.argument("path", required=False, metavar="[ФАЙЛ]",
                           type=click.Path(exists=True, dir_okay=False, path_type=Path)),
            click.option("--school", "school_code", metavar="КОД",
                         help="Код ОО: файл выбирается по школе и дате получения (вместо "
                              "ФАЙЛА)."),
            click.option("--received", callback=_day, metavar="ГГГГ-ММ-ДД",
                         help="Дата получения файла (как в nastavnik history)."),
            click.option("--period", callback=_period, metavar="ГГГГ-ММ",
                         help="Отчётный месяц файла, например 2026-11."),
            click.option("--reason", required=True, callback=_void_reason, metavar="ПРИЧИНА",
                         help="Почему (обязательно; записывается в журнал)."),
            click.option("--by", metavar="ФИО", help="Кто; по умолчанию — учётная запись "
                         "системы."),
            workspace_option,
            click.option("--json", "as_json", is_flag=True,
                         help="Вывести результат в JSON."))):
        command = option(command)
    return command


def _set_aside(path: Path | None, school_code: str | None, received: Any, period: str | None,
               reason: str, by: str | None, workspace_dir: Path | None, as_json: bool,
               undo: bool) -> None:
    from pipeline.console import void_report
    from pipeline.voids import Target, set_aside

    if (path is None) == (school_code is None) or (school_code is None) != (received is None):
        raise click.UsageError("укажите файл (ФАЙЛ) или школу и дату получения "
                               "(--school КОД --received ГГГГ-ММ-ДД), одно из двух")
    workspace = _workspace(workspace_dir)
    done = set_aside(workspace, Target(path, school_code, received, period), reason, by,
                     undo=undo)
    if as_json:
        click.echo(json.dumps(_void_json(done, undo), ensure_ascii=False, indent=2))
    else:
        click.echo(void_report(done, undo=undo))


def _void_json(done: dict[str, Any], undo: bool) -> dict[str, Any]:
    from pipeline.standing import VOIDED

    at, by, reason = ((done["undone_at"], done["undone_by"], done["undone_reason"]) if undo
                      else (done["at"], done["by"], done["reason"]))
    return {"action": "unvoid" if undo else "void", "file": done["path"],
            "sha256": done["sha256"], "period": done["period"],
            "school_code": done["school_code"], "status": None if undo else VOIDED,
            "at": at.isoformat(), "by": by, "reason": reason}


@cli.command()
@_void_options
def void(path: Path | None, school_code: str | None, received: Any, period: str | None,
         reason: str, by: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Аннулировать ошибочный файл школы: он остаётся в inbox/, но в свод не входит.

    Учитывается предыдущий файл школы за месяц, а если его нет — школа «не представлен».
    Запись об аннулировании хранится в журнале; отменить — nastavnik unvoid.

    Пример: nastavnik void inbox/2026-11/школа7.xlsx --reason "прислан файл другой школы"
    """
    _set_aside(path, school_code, received, period, reason, by, workspace_dir, as_json,
               undo=False)


@cli.command()
@_void_options
def unvoid(path: Path | None, school_code: str | None, received: Any, period: str | None,
           reason: str, by: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Отменить аннулирование файла: он снова учитывается в своде.

    Пример: nastavnik unvoid --school ОО-07 --received 2026-12-02 --reason "аннулирован по ошибке"
    """
    _set_aside(path, school_code, received, period, reason, by, workspace_dir, as_json,
               undo=True)


@cli.group(cls=_Group, options_metavar="[ПАРАМЕТРЫ]",
           subcommand_metavar="КОМАНДА [ПАРАМЕТРЫ]...")
def mail() -> None:
    """Почта: забрать отчёты школ из ящика, разослать замечания и напоминания.

    \b
    Настройки — раздел [mail] в nastavnik.toml (пример в README).
    Обычный порядок:
      nastavnik mail fetch                  забрать новые письма школ в inbox/
      nastavnik run --period 2026-11        свод
      nastavnik mail send --period 2026-11 --dry-run   посмотреть, кому что уйдёт
      nastavnik mail send --period 2026-11             отправить

    Пример: nastavnik mail fetch
    """


def _agree(question: str) -> bool:
    """A yes-or-no question in Russian: «д» or «да» (and y, yes) agree; anything else, or
    just Enter, does not."""
    answer = click.prompt(f"{question} [д/Н]", default="", show_default=False,
                          prompt_suffix=" ")
    return answer.strip().lower() in ("д", "да", "y", "yes")


def _mail_password(settings: Any) -> str:
    """The mailbox's password: the environment, the system keyring, or asked here once."""
    from pipeline.mail.account import password

    ask = (lambda text: click.prompt(text, hide_input=True, prompt_suffix=": ")) \
        if sys.stdin.isatty() else None
    secret, source = password(settings, ask)
    if source == "asked-kept":
        click.echo("Пароль сохранён в системном хранилище паролей; в следующий раз он не "
                   "спрашивается.", err=True)
    return secret


@contextlib.contextmanager
def _mail_refusals(settings: Any) -> Any:
    """A refused password kept in the keyring is forgotten: the next command asks again."""
    from pipeline.mail.account import WrongPassword, forget_password

    try:
        yield
    except WrongPassword:
        forget_password(settings)
        raise


@mail.command("fetch")
@click.option("--period", callback=_period, metavar="ГГГГ-ММ",
              help="В папку какого месяца сохранить файлы; по умолчанию — месяц, указанный в "
                   "самой форме, а если его не прочитать — месяц, отчёты за который сдаются.")
@click.option("--since", callback=_day, metavar="ДАТА",
              help="Брать письма, пришедшие с этого дня (2026-12-01 или 01.12.2026); по "
                   "умолчанию — с 1-го числа отчётного месяца.")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Вывести результат в JSON.")
def mail_fetch(period: str | None, since: Any, workspace_dir: Path | None,
               as_json: bool) -> None:
    """Забрать новые письма школ из почтового ящика управления в inbox/.

    Каждое письмо забирается один раз; файлы отчётов (.xlsx, .xlsm, .xls, .ods, также
    в архиве .zip) сохраняются без изменений, с кодом школы и временем письма в имени.
    Письма в ящике не меняются.

    Пример: nastavnik mail fetch
    """
    from pipeline.console import fetch_report
    from pipeline.mail.account import load_mail_settings
    from pipeline.mail.fetch import describe, fetch

    workspace = _workspace(workspace_dir)
    settings = load_mail_settings(workspace.root)
    secret = _mail_password(settings)

    def progress(n: int, total: int) -> None:
        if not as_json and (n == 1 or n == total or n % 10 == 0):
            click.echo(f"Письмо {n} из {total}…", err=True)

    with _mail_refusals(settings):
        result = fetch(workspace, settings, secret, period=period, since=since,
                       on_message=progress)
    if as_json:
        click.echo(json.dumps(describe(result), ensure_ascii=False, indent=2))
    else:
        click.echo(fetch_report(result, workspace.root))


@mail.command("send")
@click.option("--period", callback=_period, metavar="ГГГГ-ММ", required=True,
              help="Отчётный месяц, например 2026-11.")
@click.option("--reminders", is_flag=True,
              help="Напомнить школам, которые ещё не прислали отчёт (до срока — о сроке, "
                   "после — что отчёт просрочен).")
@click.option("--templates", is_flag=True, help="Разослать шаблоны формы за месяц "
              "(nastavnik template).")
@click.option("--no-feedback", "no_feedback", is_flag=True,
              help="Не отправлять замечания и сообщения о принятых отчётах.")
@click.option("--dry-run", is_flag=True, help="Ничего не отправлять: показать, кому что уйдёт, "
              "и сохранить письма файлами .eml.")
@click.option("--eml-dir", type=click.Path(file_okay=False, path_type=Path), metavar="ПАПКА",
              help="Куда сохранить письма при --dry-run; по умолчанию outbox/ГГГГ-ММ/Письма/.")
@click.option("--merge", "merge_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="ФАЙЛ.xlsx", help="Ничего не отправлять: записать таблицу для рассылки "
              "слиянием в почтовой программе.")
@click.option("--yes", is_flag=True, help="Отправить без вопроса.")
@workspace_option
def mail_send(period: str, reminders: bool, templates: bool, no_feedback: bool, dry_run: bool,
              eml_dir: Path | None, merge_path: Path | None, yes: bool,
              workspace_dir: Path | None) -> None:
    """Разослать школам замечания, напоминания и шаблоны по почте.

    Пример: nastavnik mail send --period 2026-11 --reminders --dry-run
    """
    from pipeline.console import table
    from pipeline.mail.account import load_mail_settings
    from pipeline.mail.send import (
        LETTERS_FOLDER,
        PLACEHOLDER_SENDER,
        dry_run_settings,
        merge_sheet,
        plan,
        send,
        write_eml,
    )

    workspace = _workspace(workspace_dir)
    planned = plan(workspace, period, feedback=not no_feedback, reminders=reminders,
                   templates=templates, today=_today())
    if planned.new_files:
        click.echo(f"Внимание: в inbox/{period}/ есть файлы, которых свод ещё не видел "
                   f"({', '.join(planned.new_files)}) — чтобы письма их учли, сначала "
                   f"запустите nastavnik run --period {period}", err=True)
    for school, why in planned.problems:
        click.echo(f"{school.code} {school.name}: письмо не составлено — {why} "
                   "(столбец «E-mail» в schools.xlsx)", err=True)
    if merge_path is not None:
        try:
            merge_sheet(planned.letters, merge_path, period)
        except OSError as exc:
            raise Failure(write_error(exc, merge_path)) from exc
        click.echo(f"Таблица для рассылки: {merge_path} ({plural(len(planned.letters), 'письмо', 'письма', 'писем')})")
        return
    letters = planned.new
    skipped = len(planned.letters) - len(letters)
    if skipped:
        click.echo(f"Уже отправлены раньше: {plural(skipped, 'письмо', 'письма', 'писем')}")
    if not letters:
        click.echo(f"Новых писем за {period} нет — отправлять нечего.")
        return
    click.echo(table(["Код ОО", "Школа", "E-mail", "Письмо", "Вложение"],
                     [[le.school.code, le.school.short_name, le.recipient, le.kind_ru,
                       le.attachment.name if le.attachment else "—"] for le in letters]))
    if dry_run:
        settings, placeholder = dry_run_settings(workspace.root)
        if placeholder:
            click.echo(f"Раздела [mail] в nastavnik.toml нет: в письмах отправитель "
                       f"{PLACEHOLDER_SENDER}", err=True)
        folder = eml_dir or workspace.outbox / period / LETTERS_FOLDER
        try:
            paths = write_eml(letters, folder, settings)
        except OSError as exc:
            raise Failure(write_error(exc, folder)) from exc
        click.echo(f"Ничего не отправлено (--dry-run). Письма сохранены в {folder}: "
                   f"{plural(len(paths), 'файл', 'файла', 'файлов')} .eml — откройте любой в "
                   "почтовой программе.")
        return
    settings = load_mail_settings(workspace.root)
    count = plural(len(letters), "письмо", "письма", "писем")
    if not yes and not _agree(f"Отправить {count}?"):
        click.echo("Ничего не отправлено.")
        return
    secret = _mail_password(settings)

    def progress(outcome: Any) -> None:
        letter = outcome.letter
        head = f"{letter.school.code} {letter.recipient} ({letter.kind_ru}): "
        click.echo(head + ("отправлено" if outcome.sent
                           else click.style("не отправлено", fg="red") + f" — {outcome.error}"))

    with _mail_refusals(settings):
        outcomes = send(workspace, letters, settings, secret, on_letter=progress)
    failed = [o for o in outcomes if not o.sent]
    sent = len(outcomes) - len(failed)
    line = f"Отправлено {plural(sent, 'письмо', 'письма', 'писем')}"
    if failed:
        line += f", не отправлено {len(failed)}: " + "; ".join(
            f"{o.letter.school.code} — {o.error}" for o in failed)
        click.echo(line)
        click.echo("Неотправленные письма уйдут при следующем nastavnik mail send "
                   f"--period {period}.")
        raise SystemExit(EXIT_PROBLEMS)
    click.echo(line)


DEMO_APPROVER = "Методист Иванова И. И."  # who approves the demo's first month


@cli.command()
@click.argument("directory", required=False, default="demo", metavar="[ПАПКА]",
                type=click.Path(file_okay=False, path_type=Path))
@period_option("по умолчанию 2026-11")
def demo(directory: Path, period: str | None) -> None:
    """Создать учебный район с файлами школ и сразу выполнить свод.

    Пример: nastavnik demo /tmp/demo
    """
    from pipeline.demo import build_demo

    period = period or "2026-11"
    try:
        workspace, files = build_demo(directory, period)
    except OSError as exc:
        raise Failure(f"{directory}: не удалось создать учебный район ({os_error(exc)}) — "
                      "выберите другую папку") from exc
    months = sorted({f.parent.name for f in files})
    click.echo(f"Учебный район «{workspace.settings.district}»: "
               f"{plural(len(workspace.schools), 'школа', 'школы', 'школ')} в реестре.")
    for month in months:
        count = sum(1 for f in files if f.parent.name == month)
        click.echo(f"  {workspace.inbox / month}: {plural(count, 'файл', 'файла', 'файлов')}")
    for month in months:
        click.echo(f"\n— Свод за {month} —")
        _run(workspace, month, quiet=False)
        if month != months[-1]:  # the month before went upstream: the district approved it
            from pipeline.signoff import approve_period

            done = approve_period(workspace, month, DEMO_APPROVER)
            click.echo(f"Месяц {month} утверждён (версия {done.signoff.version}, "
                       f"{done.signoff.by}): nastavnik approve --period {month}")
    _demo_letters(workspace, period)
    click.echo(f"\nДальше: nastavnik status -w {directory} --period {period}; "
               f"nastavnik history -w {directory} --school ОО-03; "
               f"nastavnik report -w {directory} --half 2026-1 --note")


def _demo_letters(workspace: Any, period: str) -> None:
    """The demo's mail round trip without a server: the letters `mail send --dry-run` makes."""
    from pipeline.mail.send import LETTERS_FOLDER, dry_run_settings, plan, write_eml

    planned = plan(workspace, period, reminders=True, today=_today())
    folder = workspace.outbox / period / LETTERS_FOLDER
    paths = write_eml(planned.letters, folder, dry_run_settings(workspace.root)[0])
    click.echo(f"\nПисьма школам за {period} без отправки (как nastavnik mail send --period "
               f"{period} --dry-run): {plural(len(paths), 'файл', 'файла', 'файлов')} .eml в "
               f"{folder} — откройте любой в почтовой программе.")


def _port(_ctx: Any, _param: Any, value: int) -> int:
    if not 0 <= value <= 65535:
        raise click.BadParameter(f"«{value}» — порт от 1 до 65535 (0 — любой свободный)")
    return value


@cli.command()
@workspace_option
@click.option("--port", type=int, default=8765, callback=_port, metavar="ПОРТ",
              help="Порт страницы (по умолчанию 8765); 0 — любой свободный.")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="АДРЕС",
              help="Адрес, на котором слушать; другой, кроме этого компьютера, требует "
                   "--password.")
@click.option("--password", metavar="ПАРОЛЬ", envvar="NASTAVNIK_PASSWORD",
              help="Пароль страницы, обязателен с --host (можно задать переменной "
                   "окружения, см. «Страница управления» в руководстве).")
@click.option("--no-browser", is_flag=True, help="Не открывать страницу в браузере.")
def serve(workspace_dir: Path | None, port: int, host: str, password: str | None,
          no_browser: bool) -> None:
    """Открыть страницу управления: месяц в браузере — файлы школ, свод, выгрузки.

    Страница доступна только с этого компьютера, пока не указан --host с --password.

    Пример: nastavnik serve -w ~/наставничество
    """
    try:
        from pipeline.web.server import address, bind, is_loopback, server
    except ImportError as exc:
        raise Failure("для страницы нужны дополнительные пакеты: pip install "
                      "\"nastavnik[web]\"") from exc

    workspace = _workspace(workspace_dir)
    if not is_loopback(host) and not password:
        raise click.UsageError("страница на адресе, доступном с других компьютеров, требует "
                               "пароль: добавьте --password")
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise Failure(f"не удалось открыть адрес {host}:{port} ({os_error(exc)}) — укажите "
                      "другой порт: --port 0 выберет свободный") from exc
    url = address(sock)
    if not is_loopback(host):
        click.echo(click.style("Внимание: ", fg="yellow", bold=True) + f"страница открыта не "
                   f"только для этого компьютера ({host}); вход — по паролю. Данные школ "
                   "видны всем, кто знает пароль.", err=True)
    click.echo(f"Страница управления: {url}")
    click.echo("Остановить: Ctrl+C")
    if not no_browser:
        import webbrowser

        webbrowser.open(url)
    server(workspace.root, sock, password=password).run(sockets=[sock])
    click.echo("Страница остановлена.")


def main() -> None:
    """The console command. Once it is done and its output is flushed, the process ends at
    once (`os._exit`): Python's own exit, which finalizes every module and object one by
    one, took a third of a second with pandas and pandera loaded, a tenth of a month's next
    run, for memory the system takes back anyway. Everything the command opened is closed
    by then (the ledger, the workbooks, the worker processes); a failure that is not an
    exit still ends the ordinary way, with its traceback."""
    try:
        cli.main(prog_name="nastavnik")
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # as Python prints sys.exit("…")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head), a closed stream
            stream.flush()
    atexit._run_exitfuncs()  # what the libraries registered, as at an ordinary exit
    os._exit(code)
