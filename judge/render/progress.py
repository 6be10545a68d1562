"""A batch on the terminal: a line per finished submission, a live status line, and the closing summary.

On a terminal the status line (done / running / failed, time left) stays under the finished lines and
redraws itself; anywhere else (a pipe, a CI log) each finished line carries the same counts instead, so
the output is plain lines a log keeps. The time-left estimate is a pure function of the durations seen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from judge.model.names import printable
from judge.model.report import format_clock

if TYPE_CHECKING:
    from judge.model.batch import BatchResult, Row

STATUS_STYLE = {"pass": "green", "fail": "red", "error": "yellow", "pending": "dim"}
TABLE_MAX_ROWS = 60


def eta_seconds(durations: Sequence[float], queued: int, running_elapsed: Sequence[float],
                jobs: int) -> float | None:
    """Seconds left: the mean duration so far spread over the sandboxes; None before anything finished."""
    if not durations:
        return None
    mean = sum(durations) / len(durations)
    work = queued * mean + sum(max(0.0, mean - e) for e in running_elapsed)
    lanes = max(1, min(jobs, queued + len(running_elapsed)))
    return work / lanes


def counts_text(done: int, total: int, running: int, failed: int, eta: float | None) -> str:
    """"5/8 done · 2 running · 1 failed · about 0:04 left"."""
    parts = [f"{done}/{total} done", f"{running} running", f"{failed} failed"]
    if done < total:
        parts.append(f"about {format_clock(eta)} left" if eta is not None else "estimating time left")
    return " · ".join(parts)


def row_text(row: Row) -> Text:
    """One finished submission: name, score, verdict, time, and why when there is no score."""
    line = Text()
    line.append(f"{printable(row.name)}  ", style="bold")
    if row.report is not None:
        r = row.report
        line.append(f"{r.score}/{r.max_score} ({r.percent:g}%)  ")
        line.append(row.verdict, style=STATUS_STYLE.get(row.status, ""))
        line.append(f"  {r.grading_s:.1f} s" if row.state != "reused" else "  (already graded, reused)")
        if r.warnings:
            line.append(f"  {len(r.warnings)} warning(s)", style="yellow")
    else:
        line.append(row.verdict, style=STATUS_STYLE.get(row.status, ""))
        if row.detail:
            line.append(f": {printable(row.detail.strip().splitlines()[0])}")
    return line


class BatchProgress:
    """The live display of ``judge.batch.run_batch`` (see ``judge.batch.Progress``)."""

    def __init__(self, console: Console, label: str, clock: Callable[[], float] = time.monotonic,
                 live: bool | None = None) -> None:
        self.console = console
        self.label = label
        self.clock = clock
        self.live_enabled = console.is_terminal if live is None else live
        self.total = self.done = self.failed = self.queued = 0
        self.jobs = 1
        self.running: dict[str, float] = {}
        self.durations: list[float] = []
        self._lock = threading.Lock()  # the Live refresh thread reads what the batch's thread writes
        self._live: Live | None = None

    def counts(self) -> str:
        with self._lock:
            now = self.clock()
            elapsed = [now - t for t in self.running.values()]
            eta = eta_seconds(self.durations, self.queued, elapsed, self.jobs)
            return counts_text(self.done, self.total, len(self.running), self.failed, eta)

    def status(self) -> Text:
        text = Text(f"{self.label}: ", style="bold")
        text.append(self.counts())
        with self._lock:
            now = self.clock()
            names = [f"{printable(n)} ({now - t:.0f} s)" for n, t in list(self.running.items())[:6]]
        if names:
            text.append("\n  running: " + ", ".join(names), style="dim")
        return text

    def begin(self, total: int, queued: int, jobs: int) -> None:
        with self._lock:
            self.total, self.queued, self.jobs = total, queued, jobs
        skipped = total - queued
        if queued:
            head = f"Grading {queued} of {total} submission(s) of {self.label}, {min(jobs, queued)} at once"
            head += f"; {skipped} need no grading (already graded, or unreadable)" if skipped else ""
        else:
            head = f"Nothing to grade: the {total} submission(s) of {self.label} are graded or unreadable"
        self.console.print(head, soft_wrap=True)
        if self.live_enabled:
            self._live = Live(console=self.console, get_renderable=self.status, refresh_per_second=4,
                              transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.start()

    def started(self, name: str) -> None:
        with self._lock:
            self.running[name] = self.clock()
            self.queued = max(0, self.queued - 1)

    def finished(self, row: Row) -> None:
        with self._lock:
            begun = self.running.pop(row.name, None)
            if begun is not None:
                self.durations.append(self.clock() - begun)
            self.done += 1
            self.failed += row.status != "pass"
            index = self.done
        line = Text()
        line.append(f"[{index}/{self.total}] ", style="dim")
        line.append_text(row_text(row))
        if self._live is None:
            line.append(f"   ({self.counts()})", style="dim")
        self.console.print(line, soft_wrap=True)
        if self._live is not None:
            self._live.refresh()  # the status under the line, with this row counted, now rather than later

    def note(self, text: str) -> None:
        self.console.print(Text(printable(text), style="yellow"), soft_wrap=True)

    def end(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


class LineProgress:
    """A plain display, one line a finished grading (`judge problem validate`): "slug: graded X (3/20): 80%"."""

    def __init__(self, console: Console, label: str) -> None:
        self.console = console
        self.label = label
        self.total = self.done = 0

    def _say(self, text: str) -> None:
        self.console.print(Text(f"{self.label}: ", style="dim") + Text(text), soft_wrap=True)

    def begin(self, total: int, queued: int, jobs: int) -> None:
        self.total = total

    def started(self, name: str) -> None:
        pass

    def finished(self, row: Row) -> None:
        self.done += 1
        percent = f"{row.report.percent:g}%" if row.report is not None else row.verdict
        self._say(f"graded {printable(row.name)} ({self.done}/{self.total}): {printable(percent)}")

    def note(self, text: str) -> None:
        self._say(printable(text))

    def end(self) -> None:
        pass


def print_outcome(console: Console, result: BatchResult) -> None:
    """The closing summary on stdout: counts, a table of the rows (small batches), similar pairs, files."""
    counts = result.summary["counts"]
    head = Text(f"{result.summary['problem']}: {counts['submissions']} submission(s): ", style="bold")
    head.append(f"{counts['passed']} passed", style="green")
    head.append(", ")
    head.append(f"{counts['failed']} failed", style="red")
    if counts["errors"]:
        head.append(f", {counts['errors']} not graded by the judge's fault", style="yellow")
    if counts["pending"]:
        head.append(f", {counts['pending']} not reached")
    head.append(f"  ({result.graded_now} graded in {result.wall_s:.1f} s, {counts['reused']} reused)")
    console.print(head)
    if len(result.rows) <= TABLE_MAX_ROWS:
        table = Table(header_style="bold", pad_edge=False)
        for column, justify in (("Name", "left"), ("Score", "right"), ("Verdict", "left"), ("Time", "right"),
                                ("Warnings", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for row in result.summary["submissions"]:
            score = f"{row['score']}/{row['max_score']} ({row['percent']:g}%)" if row["score"] is not None \
                else "-"
            timing = f"{row['grading_s']:.1f} s" if row["grading_s"] is not None else "-"
            table.add_row(Text(printable(row["name"])), score,
                          Text(row["verdict"], style=STATUS_STYLE.get(row["status"], "")), timing,
                          str(len(row["warnings"])) if row["warnings"] else "")
        console.print(table)
    mistakes = result.summary.get("mistakes") or []
    if mistakes:
        graded = sum(1 for r in result.summary["submissions"] if r["score"] is not None)
        console.print(Text("Common mistakes (likely, from the failing tests):", style="bold"))
        for m in mistakes:
            who = printable(", ".join(m["submissions"]))
            console.print(f"  {m['count']}/{graded}  {m['title']}  ({who})", markup=False)
    idle = result.summary.get("not_attempted") or []
    if idle:
        graded = sum(1 for r in result.summary["submissions"] if r["score"] is not None)
        console.print(Text("Not attempted (the starter, or every step still a stub; no mistake named):",
                           style="bold"))
        console.print(f"  {len(idle)}/{graded}  ({printable(', '.join(idle))})", markup=False)
    for pair in result.pairs:
        console.print(Text(f"similar: {printable(pair.a)} and {printable(pair.b)} ({pair.similarity:.0%} of their "
                           "own code alike); read both before deciding anything", style="yellow"))
    console.print(f"Summary: {result.out / 'summary.html'} (also summary.csv, summary.json)")
