"""What every command shares: the context, expected failures, exit codes, and the grading call.

Exit codes are mapped here and nowhere else: 0 every test passed; 1 graded, not every test passed; 2 bad
usage or bad input; 3 the judge could not grade (Docker down, image missing, internal fault); 130
interrupted.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from judge.model.outcomes import BatchOutcome, Status

if TYPE_CHECKING:
    from rich.console import Console

    from judge.backends import Backend
    from judge.model.limits import Limits
    from judge.model.report import Report
    from judge.problems.catalog import Problem
    from judge.render.plain import Terminal
    from judge.store.index import Store

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_JUDGE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def exit_code_for(status: Status) -> int:
    """The exit code of a graded run, a validation or a batch row's status."""
    return {Status.PASS: EXIT_PASSED, Status.SKIP: EXIT_PASSED, Status.FAIL: EXIT_FAILED,
            Status.ERROR: EXIT_JUDGE, Status.PENDING: EXIT_FAILED}[status]


def batch_exit_code(outcome: BatchOutcome) -> int:
    """The exit code of a whole batch."""
    return {BatchOutcome.PASSED: EXIT_PASSED, BatchOutcome.FAILED: EXIT_FAILED,
            BatchOutcome.JUDGE_ERROR: EXIT_JUDGE, BatchOutcome.INTERRUPTED: EXIT_INTERRUPTED}[outcome]


class Fail(Exception):
    """An expected failure: printed as one clear message, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    raise Fail(message, code)


class Context:
    """What every command shares: the clock, the problem search path, the consoles."""

    def __init__(self, problems: tuple[Path, ...], clock: Callable[[], float] | None = None) -> None:
        self.problems = list(problems)
        self.clock = clock or time.time
        self.json = False  # set by --json: an expected failure is then also a JSON document on stdout

    @property
    def out(self) -> Console:
        from rich.console import Console

        return Console(highlight=False, soft_wrap=False)

    @property
    def screen(self) -> Terminal:
        """Standard output for the listing commands, drawn without rich (start-up: ``judge.render.plain``)."""
        from judge.render.plain import Terminal

        return Terminal()

    @property
    def err(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, highlight=False)

    def store(self) -> Store:
        from judge.paths import data_home
        from judge.store.index import Store, StoreError

        try:
            return Store(data_home())
        except StoreError as exc:
            fail(str(exc))

    def problem(self, name: str) -> Problem:
        from judge.problems.catalog import ProblemError, find_problem

        try:
            return find_problem(name, self.problems)
        except ProblemError as exc:
            fail(str(exc))


pass_ctx = click.make_pass_decorator(Context)


def working_dir() -> Path:
    """The current folder; a clear failure when it was deleted (or moved) under the shell, where
    ``Path.cwd()`` raises."""
    try:
        return Path.cwd()
    except FileNotFoundError:
        fail("the current folder no longer exists (deleted or moved while your shell was in it); `cd` to a "
             "folder that exists, or pass --dir, and run the command again")


def limits_for(problem: Problem, timeout: float | None, memory: str | None) -> Limits:
    from judge.model.limits import LimitError, parse_size

    try:
        return problem.limits.with_overrides(
            timeout_s=timeout,
            memory_bytes=parse_size(memory) if memory else None,
        )
    except LimitError as exc:
        fail(str(exc))


def make_backend(name: str, ctx: Context, problem: Problem | None = None, *, keep: int = 1, early: bool = False,
                 labels: dict[str, str] | None = None) -> Backend:
    """The backend called ``name`` (``judge.backends.open_backend`` decides warm or cold): for Docker and a
    known ``problem``, warm spares of its preloads (``keep`` kept for the next runs, ``early``: as soon as
    one is taken, for batches). The local backend's warning goes to stderr."""
    from judge.backends import open_backend

    backend = open_backend(name, warm=problem is not None, labels=labels,
                           preload=problem.preload if problem is not None else None, keep=keep, early=early)
    if name == "local":
        from judge.backends.local import WARNING

        ctx.err.print(f"[yellow]warning:[/] {WARNING}")
    return backend


def leave_one_spare(backend: Backend, limits: Limits) -> None:
    """After a batch or a validation: remove the spares it kept beyond the one the next call will use."""
    from judge.backends.pool import WarmDockerBackend

    if isinstance(backend, WarmDockerBackend):
        backend.trim(limits, keep=1)


@contextmanager
def spinner(ctx: Context, label: str, enabled: bool = True) -> Iterator[None]:
    """A live spinner with elapsed seconds on stderr, only when stderr is a terminal."""
    if not enabled:  # before ctx.err: `--json` runs need no rich import (about 17 ms of start-up)
        yield
        return
    err = ctx.err
    if not err.is_terminal:
        yield
        return
    started = time.monotonic()
    with err.status(label) as status:
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(0.2):
                status.update(f"{label} {time.monotonic() - started:4.1f} s")

        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def run_grade(ctx: Context, problem: Problem, source_path: Path | None, backend: Backend, limits: Limits,
              suite: str = "hidden", quiet: bool = False, source: str | None = None) -> Report:
    """Grade one submission through the executor (the one grading path, with its retry rule); a sandbox
    that cannot start becomes exit 3."""
    from judge.backends import SandboxUnavailable
    from judge.execution import Executor
    from judge.grading.integrity import SubmissionError
    from judge.model.submission import SolutionText
    from judge.services.intake import load as load_submission

    try:
        submission = SolutionText.from_source(source) if source is not None else load_submission(source_path)  # type: ignore[arg-type]
    except SubmissionError as exc:
        fail(str(exc))
    label = "Running the public examples in the sandbox..." if suite == "public" else "Grading in the sandbox..."
    try:
        with spinner(ctx, label, enabled=not quiet):
            return Executor(backend).grade_one(problem, submission, suite=suite, limits=limits)
    except SandboxUnavailable as exc:
        fail(f"the judge could not grade: {exc}", EXIT_JUDGE)


def write_out(ctx: Context, text: str, output: Path | None) -> None:
    """``text`` on stdout, or written atomically to ``output`` (and a line on stderr saying so)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from judge.store.files import atomic_write

    try:
        atomic_write(output, text.encode("utf-8"))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}; choose another file with -o")
    ctx.err.print(f"wrote {output}")


def emit(ctx: Context, report: Report, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        from judge.render.text import print_report

        print_report(ctx.out, report)


def attempt_problem(ctx: Context, record: dict[str, Any]) -> Problem:
    from judge.problems.catalog import ProblemError, find_problem, load_problem

    try:
        return find_problem(record["problem"], ctx.problems)
    except ProblemError:
        root = Path(record.get("problem_root", ""))
        try:
            return load_problem(root)
        except ProblemError as exc:
            fail(f"the problem {record['problem']!r} of this attempt is no longer installed: {exc}")


def stdout_is_terminal() -> bool:
    """True when stdout is a terminal (where a page of HTML is noise, not output)."""
    return sys.stdout.isatty()


def time_left_text(remaining_s: float) -> str:
    """``12:30 left`` or ``over by 0:45``: the clock as the candidate's messages say it."""
    from judge.model.report import format_clock

    return f"over by {format_clock(-remaining_s)}" if remaining_s < 0 else f"{format_clock(remaining_s)} left"


def confirm_summary(ctx: Context, heading: str, elapsed_s: float, budget_s: float, public_line: str,
                    failing: list[str], closing: str) -> bool:
    """The one-screen summary before a submission that counts (practice and interview alike), and the
    question; True to submit."""
    from judge.model.report import format_clock

    out = ctx.out
    out.print(heading)
    out.print(f"  Time             {format_clock(elapsed_s)} of {format_clock(budget_s)}, "
              f"{time_left_text(budget_s - elapsed_s)}")
    out.print(f"  Public examples  {public_line}")
    if failing:
        shown = ", ".join(failing[:4]) + (f" and {len(failing) - 4} more" if len(failing) > 4 else "")
        out.print(f"  Failing          {shown}")
    out.print(closing)
    return click.confirm("Submit now?", default=False)


def interactive() -> bool:
    """True when a person is at a terminal (both ends), so a question can be asked and answered."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _remember_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        found = ctx.find_object(Context)
        if found is not None:
            found.json = True
    return value


def json_option(help_text: str = "Print JSON only.") -> Callable[[Any], Any]:
    """``--json``: the command prints one JSON document; on an expected failure, ``{"error": ...}``."""
    return click.option("--json", "as_json", is_flag=True, help=help_text, callback=_remember_json,
                        is_eager=True)


WORKSPACE_OPTION = click.option("--dir", "directory", type=click.Path(path_type=Path),
                                help="The workspace (default: the one holding this folder).")
BACKEND_OPTION = click.option("--backend", type=click.Choice(["docker", "local"]), default="docker",
                              show_default=True, help="docker: isolated container. local: no isolation.")
