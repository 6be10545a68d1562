"""`judge grade`: one submission or a batch, with no clock."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    BACKEND_OPTION,
    EXIT_JUDGE,
    Context,
    batch_exit_code,
    emit,
    exit_code_for,
    fail,
    json_option,
    leave_one_spare,
    limits_for,
    make_backend,
    pass_ctx,
    run_grade,
    working_dir,
)
from judge.interfaces.cli.workers import broker_option, check_workers, connect_or_fail

if TYPE_CHECKING:
    from judge.backends import Backend
    from judge.execution.queue import QueueRunner
    from judge.model.batch import BatchResult
    from judge.model.limits import Limits
    from judge.problems.catalog import Problem


@cli.command()
@click.option("--problem", "problem_name", required=True, help="Problem slug or folder.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option("Print JSON only.")
@BACKEND_OPTION
@click.option("--timeout", type=float, help="Overall time limit in seconds (default: the problem's).")
@click.option("--memory", help="Memory limit, e.g. 2g or 512m (default: the problem's).")
@click.option("--suite", type=click.Choice(["hidden", "public"]), default="hidden", show_default=True)
@click.option("--jobs", "-j", type=int, default=None,
              help="Batch: sandboxes at once (default: CPU cores; with --broker, jobs in flight: twice the "
              "workers' total, at least 8).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Batch: write summaries and reports here.")
@click.option("--force", is_flag=True, help="Batch: grade again what was already graded.")
@broker_option(required=False)
@pass_ctx
def grade(ctx: Context, problem_name: str, paths: tuple[Path, ...], as_json: bool, backend: str,
          timeout: float | None, memory: str | None, suite: str, jobs: int | None, out_dir: Path | None,
          force: bool, broker: str | None) -> None:
    """Grade submissions (solution.py files, folders, folders of folders, zips) with no clock."""
    problem = ctx.problem(problem_name)
    limits = limits_for(problem, timeout, memory)
    if broker and backend != "docker":
        fail(f"--broker grades in the workers' Docker sandboxes; drop --backend {backend}")
    single = len(paths) == 1 and out_dir is None and jobs is None and (
        paths[0].suffix == ".py" or (paths[0] / "solution.py").is_file())
    if not single:
        sys.exit(run_batch_cli(ctx, problem, list(paths), limits, backend, jobs, out_dir, force, as_json,
                               suite=suite, broker=broker))
    if not paths[0].exists():
        fail(f"{paths[0]} does not exist; pass a solution.py file or a folder that holds one")
    if broker:
        runner = connect_or_fail(broker)
        check_workers(ctx, runner)
        try:
            report = run_grade(ctx, problem, paths[0], runner, limits, suite=suite, quiet=as_json)
        finally:
            runner.close()
    else:
        report = run_grade(ctx, problem, paths[0], make_backend(backend, ctx, problem), limits, suite=suite,
                           quiet=as_json)
    emit(ctx, report, as_json)
    sys.exit(exit_code_for(report.status))


BROKER_MIN_JOBS = 8


def default_out(problem: Problem) -> Path:
    """Where a batch writes when --out is not given."""
    return working_dir() / f"{problem.slug}-grades"


def run_batch_cli(ctx: Context, problem: Problem, paths: list[Path], limits: Limits, backend_name: str,
                  jobs: int | None, out_dir: Path | None, force: bool, as_json: bool,
                  suite: str = "hidden", broker: str | None = None) -> int:
    """`judge grade` with several submissions: discover, grade in parallel, summarise; the exit code."""
    from judge.render.progress import BatchProgress, print_outcome
    from judge.services.batch import OutputError, docker_stopper, run_batch
    from judge.services.intake import InputError, discover

    if jobs is not None and jobs < 1:
        fail(f"--jobs must be at least 1, got {jobs}")
    out = out_dir or default_out(problem)
    try:
        entries = discover(paths, output=out)
    except InputError as exc:
        fail(str(exc))
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; pass a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the output folder {out}: {exc.strerror}; pass another with --out DIR")
    workers = jobs or os.cpu_count() or 1
    stop_running = None
    runner: QueueRunner | None = None
    if broker:
        runner = connect_or_fail(broker)
        backend: Backend = runner
        stop_running = runner.cancel
        # Jobs in flight (queued or running): enough to keep every worker busy; more shows an autoscaler
        # the backlog.
        capacity = check_workers(ctx, runner)
        workers = jobs or max(BROKER_MIN_JOBS, 2 * capacity)
        settle_journal(ctx, runner, out)
    elif backend_name == "docker":
        from judge.backends.docker import LABEL, api_client

        run_id = os.urandom(6).hex()  # not `secrets`: its hashlib costs every command's start-up
        backend = make_backend(backend_name, ctx, problem, keep=workers, early=True,
                               labels={f"{LABEL}.batch": run_id})
        stop_running = docker_stopper(api_client, f"{LABEL}.batch", run_id)
    else:
        backend = make_backend(backend_name, ctx)
    progress = BatchProgress(ctx.err, problem.slug)
    try:
        result = run_batch(problem, entries, backend, out, limits=limits, suite=suite, jobs=workers,
                           force=force, progress=progress, stop_running=stop_running, runner=runner)
    except OutputError as exc:
        fail(str(exc), EXIT_JUDGE)
    finally:
        if runner is not None:
            runner.close()
        else:
            leave_one_spare(backend, limits)
    if as_json:
        click.echo(json.dumps(result.summary, indent=2))
    else:
        print_outcome(ctx.out, result)
    if result.interrupted or result.infrastructure_error:
        ctx.err.print(stop_message(result, paths, out))
    return batch_exit_code(result.outcome)


def settle_journal(ctx: Context, runner: QueueRunner, out: Path) -> None:
    """Record this sender's in-flight jobs in ``out``, after cancelling those a killed earlier run left."""
    from judge.execution.queue import JOURNAL, JobJournal

    try:
        settled = runner.settle(JobJournal(out / JOURNAL))
    except OSError as exc:
        fail(f"cannot write the job journal in {out}: {exc.strerror or exc}; pass another folder with --out",
             EXIT_JUDGE)
    except Exception as exc:  # the broker failing here is reported like any broker failure
        ctx.err.print(f"[yellow]note:[/] could not settle the jobs an earlier run left in flight ({exc})")
        return
    left = settled.cancelled + settled.finished + settled.running
    if left:
        ctx.err.print(f"note: an earlier run on {out} was stopped with {left} job(s) in flight: {settled.cancelled} "
                      f"cancelled (a worker skips them), {settled.running} still running and {settled.finished} "
                      "finished (their results are read for the same submissions, not graded again); every "
                      "submission is graded once")


def stop_message(result: BatchResult, paths: Sequence[Path], out: Path) -> str:
    """The line a stopped batch ends with: how many were done, what is kept, how to resume."""
    done = len(result.rows) - result.pending
    head = "interrupted" if result.interrupted and not result.infrastructure_error else "stopped"
    text = (f"{head}: {done} of {len(result.rows)} submissions done ({result.graded_now} graded in this "
            f"run), their reports kept in {out}")
    if result.infrastructure_error:
        text += f"\nthe judge could not grade: {result.infrastructure_error}"
    if result.pending:
        text += (f"\nresume with the same command: the {done} done are skipped and the other "
                 f"{result.pending} graded")
    return text
