"""What `check` and `run` print: a line per file, problems grouped by sheet, a summary.

Colours are added with click.style; click.echo drops them when the output is not a terminal.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pipeline.issues import SEVERITY_RU, Issue
from pipeline.russian import percent, plural, plural_word  # plural also imported from here by cli
from pipeline.standing import VOIDED

_COLOURS = {"fatal": "red", "error": "red", "warning": "yellow", "info": "blue"}
_STATUS_COLOURS = {"принят": "green", "принят с замечаниями": "yellow", "отклонён": "red",
                   "не представлен": "red"}
MAX_SHOWN_PER_SHEET = 30


def _issue_line(issue: Issue) -> str:
    where = []
    if issue.row:
        where.append(f"строка {issue.row}")
    if issue.column:
        where.append(f"«{issue.column}»")
    label = click.style(SEVERITY_RU[issue.severity], fg=_COLOURS[issue.severity])
    place = ", ".join(where)
    return f"    {label}{': ' + place if place else ''} — {issue.message}"


def file_report(result: Any) -> str:
    status = result.status_ru
    counts = result.counts
    head = f"{Path(result.file).name}: " + click.style(status, fg=_STATUS_COLOURS.get(status),
                                                       bold=True)
    if result.school_code:
        head += f" [{result.school_code}]"
    if result.status == "accepted":
        head += (f" — {plural(counts['mentors'], 'наставник', 'наставника', 'наставников')}, "
                 f"{plural(counts['mentees'], 'наставляемый', 'наставляемых', 'наставляемых')}, "
                 f"{plural(counts['links'], 'связь', 'связи', 'связей')} в парах")
    lines = [head]
    by_sheet: dict[str, list[Issue]] = defaultdict(list)
    for issue in result.issues:
        by_sheet[issue.sheet or ""].append(issue)
    for sheet, issues in by_sheet.items():
        lines.append(f"  Лист «{sheet}»:" if sheet else "  Файл:")
        lines.extend(_issue_line(i) for i in issues[:MAX_SHOWN_PER_SHEET])
        if len(issues) > MAX_SHOWN_PER_SHEET:
            lines.append(f"    … и ещё {len(issues) - MAX_SHOWN_PER_SHEET} "
                         "(все замечания — в выводе --json и в своде)")
    return "\n".join(lines)


def summary_line(results: list[Any]) -> str:
    accepted = sum(1 for r in results if r.status == "accepted")
    rejected = len(results) - accepted
    severities = [i.severity for r in results for i in r.issues]
    errors, warnings = severities.count("error"), severities.count("warning")
    return (f"Итого: {plural(len(results), 'файл', 'файла', 'файлов')}, принято {accepted}, "
            f"отклонено {rejected}; {plural(errors, 'ошибка', 'ошибки', 'ошибок')}, "
            f"{plural(warnings, 'предупреждение', 'предупреждения', 'предупреждений')}.")


def run_report(run: Any) -> str:
    lines = [file_report(run.results[n]) for n in run.counted]
    if run.unchanged:  # the same statuses as the run that wrote the outputs, said again
        lines.append(f"\nПериод {run.period}: с прошлого запуска ничего не изменилось — файлы "
                     "не перечитывались и не перезаписывались.")
    received = sum(1 for s in run.statuses if s.result is not None)
    lines.append("")
    expected = len(run.expected)
    lines.append(f"Период {run.period}: "
                 f"{plural_word(expected, 'ожидалась', 'ожидались', 'ожидалось')} "
                 f"{plural(expected, 'школа', 'школы', 'школ')}, "
                 + (f"{plural_word(received, 'прислала', 'прислали', 'прислали')} отчёт "
                    f"{received}." if received else "отчёт не прислала ни одна."))
    if run.missing:
        lines.append(click.style("Не представили: ", fg="red") + ", ".join(run.missing))
    late = [s.school.code for s in run.statuses if s.on_time is False]
    if late:
        lines.append(click.style("С опозданием (срок — ", fg="yellow")
                     + f"{run.deadline:%d.%m.%Y}): " + ", ".join(late))
    voided = [f"{s.result.school_code or '—'} — {Path(s.result.file).name}"
              for s in run.submissions if s.role == "voided"]
    if voided:
        lines.append(click.style("Аннулированные файлы (не учитываются): ", fg="yellow")
                     + ", ".join(voided))
    lines.append(summary_line([run.results[n] for n in run.counted]))
    lines.extend(approval_lines(run.period, run.approval, run.corrections))
    lines.append(f"Свод: {run.outputs['consolidated']}")
    if run.outputs.get("report"):
        lines.append(f"Отчёт для министерства: {run.outputs['report']}")
    feedback = run.outputs.get("feedback") or []
    if feedback:
        lines.append(f"Замечания для школ ({len(feedback)}), отправьте их школам:")
        lines.extend(f"  {path}" for path in feedback)
    return "\n".join(lines)


def approval_lines(period: str, state: Any, corrections: list[Any]) -> list[str]:
    """Whether the month is approved, and the schools that sent corrections since (with what
    they would change while it is locked)."""
    if state is None or state.approved is None:
        return []
    approved = state.approved
    lines = []
    if state.locked:
        lines.append(click.style(f"Месяц {period} утверждён ", fg="green")
                     + f"{_when(approved.at)} (версия {approved.version}, {approved.by}): "
                     "сводный файл района и отчёт для министерства не изменены.")
    else:
        lines.append(click.style(f"Месяц {period} открыт заново ", fg="yellow")
                     + f"после утверждения {_when(approved.at)} (версия {approved.version}); "
                     f"утвердить: nastavnik approve --period {period}")
    if corrections:
        verb = "изменится" if state.locked else "изменилось"
        n = len(corrections)
        lines.append(f"Исправления после утверждения "
                     f"{plural_word(n, 'прислала', 'прислали', 'прислали')} "
                     f"{plural(n, 'школа', 'школы', 'школ')} (что {verb}):")
        lines.extend(f"  {c.school_code} (получено {_when(c.received)}): {c.text()}"
                     for c in corrections)
        if state.locked:
            lines.append(f"Чтобы учесть их: nastavnik reopen --period {period} --reason "
                         f"\"…\", затем nastavnik run --period {period} и nastavnik approve "
                         f"--period {period}.")
    return lines


class Eta:
    """The time a run has left, from the pace of its last files only.

    click's own estimate divides the time since the start by the files done, so the first
    file — which also pays for starting the readers — made it say ten minutes for a run of
    one. Here the pace is that of the last `window` files, measured from the first file
    done, and nothing is shown until more than `least` are done (a worker hands back 16 at
    a time, all at once), so unchanged files, done at once, stop counting once the changed
    ones come.
    """

    def __init__(self, total: int, *, least: int = 16, window: int = 64,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.least, self.window, self.clock = total, least, window, clock
        self.times: list[float] = []  # when each file was done

    def tick(self) -> str:
        """One more file done; the text to show beside the bar («осталось ≈ 1 мин 20 с»).

        The pace is measured between files done, never from the start, and only once more
        than `least` files (a worker's batch) are done: a batch comes back at once."""
        self.times.append(self.clock())
        done = len(self.times)
        left = self.total - done
        if done <= self.least or left <= 0:
            return ""
        first = max(0, done - 1 - self.window)
        pace = (self.times[-1] - self.times[first]) / (done - 1 - first)
        return f"осталось ≈ {duration(pace * left)}"


def duration(seconds: float) -> str:
    """«5 с», «1 мин 20 с», «2 ч 5 мин» — rounded up to whole seconds, as a wait is."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"{whole} с"
    if whole < 3600:
        return f"{whole // 60} мин {whole % 60} с"
    return f"{whole // 3600} ч {whole % 3600 // 60} мин"


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain aligned table for the terminal."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    size = [[len(click.unstyle(c)) for c in row] for row in cells]
    widths = [max([len(h)] + [r[i] for r in size]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [click.style(line.rstrip(), bold=True)]
    for row, sizes in zip(cells, size, strict=True):
        padded = [c + " " * (w - n) for c, n, w in zip(row, sizes, widths, strict=True)]
        out.append("  ".join(padded).rstrip())
    return "\n".join(out)


def _when(value: Any) -> str:
    return value.strftime("%d.%m.%Y %H:%M") if value else "—"


def status_report(status: Any) -> str:
    rows = []
    approved = status.approval is not None and status.approval.approved is not None
    for row in status.schools:
        on_time = {True: "в срок", False: "опоздание", None: "—"}[row.on_time]
        # a correction is shown beside the first file, never in its place: timeliness
        # follows the first one (SPEC §4.6)
        later = _when(row.received) if row.received != row.first_received else ""
        rows.append([row.school.code, click.style(row.status, fg=_STATUS_COLOURS.get(row.status)),
                     _when(row.first_received), later, on_time, row.errors, row.warnings,
                     row.standing.justified or "", row.file or ""])
        if approved:  # the month was approved: which schools corrected their report since
            correction = status.correction(row.school.code)
            rows[-1].append(f"исправлен {_when(correction.received)}" if correction else "")
    lines = [f"Период {status.period}, срок сдачи — до {status.deadline:%d.%m.%Y}"]
    if status.last_run is None:
        lines.append(click.style("Свод за этот период ещё не выполнялся: ", fg="yellow")
                     + f"nastavnik run --period {status.period}")
    else:
        lines.append(f"Последний свод: {status.last_run['finished'].replace('T', ' ')}")
    lines.extend(approval_lines(status.period, status.approval, status.corrections))
    lines.append(table(["Код ОО", "Статус", "Первый файл", "Исправление", "Срок", "Ошибок",
                        "Предупр.", "Поясн.", "Файл"] + (["После утверждения"] if approved else []), rows))
    expected = len(status.schools)
    received = sum(1 for r in status.schools if r.standing.reported)
    on_time = sum(1 for r in status.schools if r.on_time)
    lines.append(f"Отчёт {plural_word(received, 'представила', 'представили', 'представили')} "
                 f"{received} из {plural(expected, 'школы', 'школ', 'школ')}, в срок — {on_time}.")
    voided = [(row.school.code, v) for row in status.schools for v in row.voided]
    if voided:
        lines.append("Аннулированные файлы:")
        lines.extend(f"  {code} — {v['path'].rsplit('/', 1)[-1]}: {VOIDED} {_when(v['at'])} "
                     f"({v['by']}): {v['reason']}" for code, v in voided)
    if status.pending:
        count = len(status.pending)
        lines.append(click.style(
            "После последнего свода "
            + plural_word(count, "аннулирован или возвращён", "аннулированы или возвращены",
                          "аннулированы или возвращены")
            + f" {plural(count, 'файл', 'файла', 'файлов')}; свод это ещё не учёл: ",
            fg="yellow") + f"nastavnik run --period {status.period}")
    if status.new_files:
        lines.append(click.style(f"В inbox есть новые файлы ({len(status.new_files)}), ещё не "
                                 "вошедшие в свод: ", fg="yellow")
                     + ", ".join(status.new_files) + f" — nastavnik run --period {status.period}")
    return "\n".join(lines)


def trend_table(indicators: list[Any], months: list[Any]) -> str:
    """The school's numbers month by month (`pipeline.trend.school_trend`): a month it did
    not report, or whose file was rejected, has its status and no numbers."""
    body = []
    for m in months:
        shown = m.standing.accepted
        body.append([m.period, click.style(m.standing.status,
                                           fg=_STATUS_COLOURS.get(m.standing.status)),
                     m.standing.errors if m.standing.reported else "—",
                     m.standing.warnings if m.standing.reported else "—",
                     *[(value if shown and value is not None else "—")
                       for value in (m.mentors, m.mentees, m.active_pairs)],
                     *[percent(m.values[i.code].percent) if shown and i.code in m.values
                       else "—" for i in indicators]])
    return table(["Период", "Статус", "Ошибок", "Предупр.", "Наставников", "Наставляемых",
                  "Действ. пар", *[i.code for i in indicators]], body)


def history_report(school_code: str, rows: list[dict[str, Any]],
                   signoffs: list[tuple[str, Any]] = (), *,
                   voids: list[dict[str, Any]] = (), indicators: list[Any] = (),
                   months: list[Any] = (), mails: list[dict[str, Any]] = ()) -> str:
    """The school's numbers month by month, its files, the approvals and reopenings of
    their months, the files set aside, and the letters sent to the school."""
    if not rows and not voids:
        return f"Файлов школы {school_code} в журнале нет (свод с ними ещё не выполнялся)."
    lines = []
    if months:
        lines += [f"Показатели школы {school_code} по месяцам (принятые данные; "
                  "утверждённый месяц — как утверждён):", trend_table(list(indicators), months),
                  "  " + "; ".join(f"{i.code} — {i.name}" for i in indicators), ""]
    body = [[r["period"], _when(r["received"]), r["name"], r["status_ru"], r["errors"],
             r["warnings"], r["role_ru"], r["sha256"][:12]] for r in rows]
    lines += [f"Файлы школы {school_code}:",
              table(["Период", "Получен", "Файл", "Статус", "Ошибок", "Предупр.", "Судьба",
                     "SHA-256"], body)]
    if signoffs:
        lines.append("Утверждение месяцев районом:")
        lines.extend(f"  {period}: {signoff.line()}" for period, signoff in signoffs)
    if voids:
        lines.append("Аннулирование файлов:")
        lines.extend(f"  {_when(e['at'])} {e['period']} {e['name']}: "
                     + (VOIDED if e["action"] == "void" else "снова учитывается")
                     + f" — {e['reason']} ({e['by']})" for e in voids)
    if mails:
        from pipeline.mail.send import KIND_WORDS

        lines.append("Письма школе:")
        lines.append(table(["Когда", "Период", "Письмо", "Кому", "Итог"], [
            [_when(m["at"]), m["period"], KIND_WORDS.get(m["kind"], m["kind"]), m["recipient"],
             "отправлено" if m["outcome"] == "sent"
             else click.style("не отправлено", fg="red") + f" — {m['error']}"]
            for m in mails]))
    return "\n".join(lines)


def void_report(done: dict[str, Any], *, undo: bool) -> str:
    """What `void` and `unvoid` say: what was done to which file, and the next step."""
    school = f" [{done['school_code']}]" if done["school_code"] else ""
    head = f"{done['path']}{school}, период {done['period']}: "
    run = f"nastavnik run --period {done['period']}"
    if undo:
        return (head + f"аннулирование отменено — файл снова учитывается ({done['undone_by']}: "
                f"{done['undone_reason']}).\nЧтобы свод это учёл: {run}")
    return (head + click.style(VOIDED, fg="red") + f" ({done['by']}: {done['reason']}). "
            "Файл в inbox/ не изменён; учитывается предыдущий файл школы за месяц, если он "
            f"есть.\nЧтобы свод это учёл: {run}; отменить — nastavnik unvoid "
            f"{done['path']} --reason \"…\"")


def fetch_notes(result: Any) -> list[str]:
    """What of a `mail fetch` needs a look (unknown sender, no attachment, not a form), a
    Russian line per point; the command's report and the office page show the same."""
    notes = []
    for m in result.messages:
        head = f"письмо от {m.sender or 'неизвестного отправителя'}" + \
            (f" «{m.subject}»" if m.subject else "") + f" ({_when(m.sent)})"
        if m.saved and m.sender_school is None:
            notes.append(f"{head}: адреса нет в реестре школ (schools.xlsx, «E-mail»); "
                         "файлы сохранены, проверьте, чьи они")
        notes += [f"{head}: {note}" for note in m.notes]
    return notes


def fetch_report(result: Any, root: Path) -> str:
    """What `mail fetch` took: a line per file saved, then what needs a look, then what next."""
    new = len(result.messages)
    lines = [f"Почтовый ящик {result.mailbox}: "
             + (f"{plural(new, 'новое письмо', 'новых письма', 'новых писем')}" if new
                else "новых писем нет")
             + (f" (забранных раньше: {result.already})" if result.already else "") + "."]
    files = result.files
    if files:
        rows = []
        for f in files:
            try:
                where = f.path.relative_to(root).as_posix()
            except ValueError:
                where = str(f.path)
            rows.append([f.school_code or "—", f.original, where])
        lines += ["", table(["Код ОО", "Файл в письме", "Сохранён как"], rows)]
    notes = fetch_notes(result)
    if notes:
        lines += ["", click.style("Требует внимания:", fg="yellow", bold=True)]
        lines += [f"  • {note}" for note in notes]
    if files:
        periods = sorted({f.period for f in files})
        lines += ["", f"Сохранено {plural(len(files), 'файл', 'файла', 'файлов')}. Дальше: "
                  + "; ".join(f"nastavnik run --period {p}" for p in periods)]
    return "\n".join(lines)
