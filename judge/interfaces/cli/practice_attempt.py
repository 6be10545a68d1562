"""A practice attempt in this machine's store, as the workspace commands see it: `judge status`, `judge test`
and `judge submit` on this machine's clock and this machine's sandbox (an interview's are in ``remote``).

The services are imported inside the methods, not at the top: `judge status` must not import the grading
core, the executor or the renderers (start-up).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from judge.interfaces.cli.context import (
    EXIT_INTERRUPTED,
    EXIT_JUDGE,
    EXIT_PASSED,
    Context,
    attempt_problem,
    confirm_summary,
    emit,
    exit_code_for,
    fail,
    interactive,
    make_backend,
    run_grade,
    spinner,
    time_left_text,
)

if TYPE_CHECKING:
    from judge.model.submission import SolutionText
    from judge.problems.catalog import Problem
    from judge.store.index import Store


@dataclass(frozen=True)
class Practice:
    """The practice attempt of a workspace: its folder, its record, what loading it warned of, its store."""

    workspace: Path
    record: dict[str, Any]
    warnings: list[str]
    store: Store

    @property
    def attempt_id(self) -> str:
        return str(self.record["id"])

    def problem(self, ctx: Context) -> Problem:
        return attempt_problem(ctx, self.record)

    def status(self, ctx: Context, as_json: bool) -> None:
        """The attempt's problem, elapsed time and time left (or, once closed, how it ended)."""
        from judge.model.clock import clock_view, format_clock

        record = self.record
        view = clock_view(record, ctx.clock())
        is_open = record["status"] == "open"
        if as_json:
            click.echo(json.dumps({"attempt_id": record["id"], "problem": record["problem"],
                                   "status": record["status"], "closed": not is_open,
                                   "elapsed_s": round(view.elapsed_s, 1), "budget_s": view.budget_s,
                                   "remaining_s": round(view.remaining_s, 1) if is_open else None,
                                   "result": record.get("result"), "test_runs": record.get("test_runs", 0),
                                   "warnings": self.warnings}, indent=2))
            return
        screen = ctx.screen  # not rich: `judge status` must start fast
        screen.line([(str(record["problem"]), "bold"), (f"  attempt {record['id']} ({record['status']})", "")])
        if is_open:
            left = (f"over by {format_clock(-view.remaining_s)}", "red") if view.over else (
                f"{format_clock(view.remaining_s)} left", "green")
            screen.line([(f"Elapsed {format_clock(view.elapsed_s)} of {format_clock(view.budget_s)} - ", ""), left])
        runs = record.get("public_results", [])
        if runs:
            last = runs[-1]
            screen.line(f"Public examples run {len(runs)} time(s); last: {last['passed']}/{last['total']} passed")
        elif is_open:
            screen.line("Public examples not run yet: judge test")
        if not is_open:
            for line in closed_lines(record):
                screen.line(line)
        for w in self.warnings:
            screen.line([("warning:", "yellow"), (f" {w}", "")])

    def test(self, ctx: Context, as_json: bool, backend: str) -> None:
        """The public examples against solution.py in the sandbox, noted in the attempt's record."""
        from judge.model.clock import clock_view
        from judge.model.report import Status
        from judge.services.attempts import record_public_run
        from judge.store.index import StoreError

        problem = self.problem(ctx)
        report = run_grade(ctx, problem, self.workspace, make_backend(backend, ctx, problem), problem.limits,
                           suite="public", quiet=as_json)
        view = clock_view(self.record, ctx.clock())
        report = report.with_clock(self.attempt_id, view.elapsed_s, view.budget_s)
        run = {"at": ctx.clock(), "passed": sum(t.status is Status.PASS for t in report.tests),
               "total": len(report.tests), "verdict": report.verdict.value}
        try:
            recorded, why = record_public_run(self.store, self.attempt_id, run), "a `judge submit` is in progress"
        except StoreError as exc:  # the run's results are still shown: only its note in the record is lost
            recorded, why = False, str(exc)
        if not recorded:
            ctx.err.print(f"note: this run was not added to the attempt's record ({why})")
        emit(ctx, report, as_json)
        sys.exit(exit_code_for(report.status))

    def submit(self, ctx: Context, as_json: bool, yes: bool, force: bool, backend: str) -> None:
        """Pre-check, confirm, then grade the hidden tests once and close the attempt."""
        from judge.grading.integrity import SubmissionError
        from judge.model.clock import local_time
        from judge.services.intake import load as load_submission

        submitted_at = ctx.clock()
        record = self.record
        if record["status"] == "submitted":
            fail(f"attempt {record['id']} was already submitted (at {local_time(float(record['submitted_at']))}). "
                 f"See it: `judge report {record['id']}`. Try again keeping your code: `judge retry`")
        if record["status"] != "open":
            fail(f"attempt {record['id']} was {record['status']}; start a new attempt here keeping your code: "
                 "`judge retry`")
        problem = self.problem(ctx)
        try:
            submission = load_submission(self.workspace)
        except SubmissionError as exc:  # --force cannot help: there is no text to grade
            fail(refused_text(str(exc), record, ctx.clock(), forceable=False))
        try:
            self._check_and_grade(ctx, problem, submission, as_json, yes, force, backend, submitted_at)
        except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C, SIGTERM, Ctrl-D at the question
            from judge.model.clock import clock_view
            from judge.services.attempts import saved_as

            if saved_as(self.store, self.attempt_id) == "submitted":  # interrupted just after the save
                fail(f"interrupted after the result was saved: see it with `judge report {self.attempt_id}`",
                     EXIT_INTERRUPTED)
            left = time_left_text(clock_view(record, ctx.clock()).remaining_s)
            fail(f"interrupted: not submitted. Your attempt is still open; its clock is running ({left}). Run "
                 "`judge submit` again when you are ready.", EXIT_INTERRUPTED)

    def _check_and_grade(self, ctx: Context, problem: Problem, submission: SolutionText, as_json: bool, yes: bool,
                         force: bool, backend: str, submitted_at: float) -> None:
        """`judge submit` once solution.py is read: pre-check, confirm, grade, save, print, exit."""
        from judge.backends import SandboxUnavailable
        from judge.execution import Executor
        from judge.model.outcomes import Verdict
        from judge.model.report import Status
        from judge.services.attempts import AttemptClosed, ResultNotSaved
        from judge.services.attempts import submit as submit_attempt
        from judge.services.precheck import precheck
        from judge.store.index import StoreError

        record = self.record
        executor = Executor(make_backend(backend, ctx, problem))
        public_line, failing = "not checked (--force)", []
        if not force:
            try:
                with spinner(ctx, "Checking solution.py and running the public examples...", enabled=not as_json):
                    checked = precheck(problem, submission, executor)
            except SandboxUnavailable as exc:
                fail(f"the judge could not check your solution: {exc}\nYour attempt is still open and its clock "
                     "was not reset: fix the problem above and run `judge submit` again.", EXIT_JUDGE)
            if checked.judge_error:
                fail(f"the judge could not run the public examples: {checked.judge_error}\nYour attempt is still "
                     "open: run `judge submit` again once the judge is fixed (`judge doctor`).", EXIT_JUDGE)
            if checked.refusal:
                fail(refused_text(checked.refusal, record, ctx.clock()))
            public_line = checked.public_line
            if checked.public is not None:
                failing = [t.name for t in checked.public.tests if t.status is not Status.PASS]
        if interactive() and not yes and not as_json:
            asked = ctx.clock()
            if not self.confirm(ctx, public_line, failing):
                ctx.out.print("Not submitted. Your attempt is still open and its clock is running.")
                sys.exit(EXIT_PASSED)
            # The judge's own checking time is not the candidate's; the time they took to decide is.
            submitted_at += ctx.clock() - asked
        try:
            with spinner(ctx, "Grading in the sandbox...", enabled=not as_json):
                report = submit_attempt(self.store, record, problem, submission, executor, submitted_at,
                                        self.warnings)
        except SandboxUnavailable as exc:
            fail(f"the judge could not grade: {exc}\nYour attempt is still open and its clock was not "
                 "reset: fix the problem above and run `judge submit` again.", EXIT_JUDGE)
        except ResultNotSaved as exc:
            if not as_json:  # --json prints one document: the error below
                emit(ctx, exc.report, as_json)
            fail(f"{exc}\nThis result is not recorded: your attempt is still open (its clock was not reset). "
                 "Free some space or make the folder writable, then run `judge submit` again.", EXIT_JUDGE)
        except (AttemptClosed, StoreError) as exc:  # StoreError: locked by another submit, or unwritable
            fail(str(exc))
        if report.verdict is Verdict.SANDBOX_ERROR:
            emit(ctx, report, as_json)
            ctx.err.print("Your attempt is still open: run `judge submit` again once the judge is fixed.")
            sys.exit(EXIT_JUDGE)
        emit(ctx, report, as_json)
        if not as_json:
            ctx.out.print(f"Saved. See it again: judge report {record['id']}")
        sys.exit(exit_code_for(report.status))

    def confirm(self, ctx: Context, public_line: str, failing: list[str]) -> bool:
        """The one-screen summary before the only submission, and the question; True to submit."""
        from judge.model.clock import clock_view

        view = clock_view(self.record, ctx.clock())
        return confirm_summary(ctx, f"[bold]Submit {self.record['problem']}[/] (attempt {self.attempt_id})",
                               view.elapsed_s, view.budget_s, public_line, failing,
                               "This grades the hidden tests once and closes the attempt.")


def refused_text(reason: str, record: dict[str, Any], now: float, forceable: bool = True) -> str:
    """Why the pre-checks refused the submission, and that the attempt is still open."""
    from judge.model.clock import clock_view

    clock = time_left_text(clock_view(record, now).remaining_s)
    return (f"not submitted: {reason}\nYour attempt is still open; its clock is running ({clock}).\n"
            "Fix it and run `judge submit` again" + (" (or submit as is: --force)." if forceable else "."))


def closed_lines(record: dict[str, Any]) -> list[str]:
    """What `judge status` says of a closed attempt: when and how it closed, its score, what to run next."""
    from judge.model.clock import format_clock, local_time

    budget = format_clock(float(record["budget_s"]))
    if record["status"] == "submitted":
        result = record.get("result") or {}
        elapsed = format_clock(float(record.get("elapsed_s") or 0.0))
        return [f"Closed: submitted at {local_time(float(record['submitted_at']))}, after {elapsed} of {budget}.",
                f"Score {result.get('score')}/{result.get('max_score')} ({result.get('percent', 0):g}%), "
                f"{result.get('verdict')}.",
                f"Report: judge report {record['id']}",
                "Try again here with your code: judge retry"]
    at = float(record.get("abandoned_at") or record["started_at"])
    return [f"Closed: abandoned at {local_time(at)}, not graded.",
            "Try again here with your code: judge retry"]
