"""`judge worker` and `judge workers`: grading on other machines, through Celery workers on a Redis broker."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import EXIT_JUDGE, Context, fail, pass_ctx

if TYPE_CHECKING:
    from judge.execution.queue import QueueRunner

F = TypeVar("F", bound=Callable[..., Any])
BROKER_HELP = "Redis URL of the job queue, e.g. redis://HOST:6379/0 (or $JUDGE_BROKER)."


def broker_option(required: bool) -> Callable[[F], F]:
    """``--broker URL`` (also ``$JUDGE_BROKER``)."""
    help_text = BROKER_HELP if required else BROKER_HELP + " Grade on `judge worker`s instead of this machine."
    return click.option("--broker", envvar="JUDGE_BROKER", required=required, metavar="URL", help=help_text)


def connect_or_fail(url: str) -> QueueRunner:
    """A runner on the broker ``url``, or one clear line and exit 2 (bad URL) or 3 (broker does not answer)."""
    from judge.backends import SandboxUnavailable
    from judge.execution.queue import BrokerError, connect

    try:
        return connect(url)
    except BrokerError as exc:
        fail(str(exc))
    except SandboxUnavailable as exc:
        fail(f"the judge could not grade: {exc}", EXIT_JUDGE)


def check_workers(ctx: Context, runner: QueueRunner, timeout_s: float = 0.5) -> int:
    """Warn about what will keep jobs from being graded (no worker, another image); the workers' total
    concurrency (0 when none answered)."""
    try:
        workers = runner.workers(timeout_s)
    except Exception as exc:  # a listing is advice: the grading itself reports a broker that fails
        ctx.err.print(f"[yellow]note:[/] could not list the workers ({type(exc).__name__}: {exc})")
        return 0
    if not workers:
        ctx.err.print(f"[yellow]note:[/] no worker answered on {_shown(runner.url)}: the jobs wait in the queue "
                      f"until one starts (`judge worker --broker URL` on a host with Docker)")
        return 0
    for worker in workers:
        if worker.image != runner.image:
            ctx.err.print(f"[yellow]warning:[/] worker {worker.name} grades with {worker.image}, this judge expects "
                          f"{runner.image}: jobs it takes end as sandbox errors (`judge workers` shows all)")
        elif not worker.image_present:
            ctx.err.print(f"[yellow]warning:[/] worker {worker.name} has no image {worker.image}: run "
                          "`judge sandbox build` on its host")
    return sum(w.concurrency for w in workers)


def _shown(url: str) -> str:
    from judge.execution.queue import redact

    return redact(url)


@cli.command()
@broker_option(required=True)
@click.option("--concurrency", "-c", type=int, default=None,
              help="Gradings at once on this host (default: its CPU cores).")
@click.option("--name", default=None, help="This worker's name (default: judge-PID@HOST).")
@click.option("--visibility-timeout", type=float, default=None, envvar="JUDGE_VISIBILITY_TIMEOUT",
              help="Seconds before a job whose worker vanished goes to another worker; keep it above the longest "
                   "grading and the same on every worker (default: 1800).")
@click.option("--loglevel", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]), default="INFO",
              show_default=True)
@pass_ctx
def worker(ctx: Context, broker: str, concurrency: int | None, name: str | None, visibility_timeout: float | None,
           loglevel: str) -> None:
    """Grade jobs from the queue in Docker sandboxes on this host, until stopped (Ctrl-C or SIGTERM: running
    jobs finish first). Each job is one fresh sandbox; nothing is kept after it."""
    from judge.backends import SandboxUnavailable
    from judge.execution.queue import DEFAULT_VISIBILITY_S, BrokerError, prepare_worker, redact, run_worker

    if concurrency is not None and concurrency < 1:
        fail(f"--concurrency must be at least 1, got {concurrency}")
    if visibility_timeout is not None and visibility_timeout < 5:
        fail(f"--visibility-timeout must be at least 5 seconds (and above the longest grading), got "
             f"{visibility_timeout:g}")
    try:
        app, setup = prepare_worker(broker, concurrency or os.cpu_count() or 1, name,
                                    visibility_timeout or DEFAULT_VISIBILITY_S)
    except BrokerError as exc:
        fail(str(exc))
    except SandboxUnavailable as exc:
        fail(f"the worker cannot start: {exc}", EXIT_JUDGE)
    image = setup.image + ("" if setup.image_present else " (MISSING: its jobs end as sandbox errors until "
                                                          "`judge sandbox build` is run on this host)")
    click.echo(f"judge worker {setup.name}: broker {redact(setup.url)}, image {image}, "
               f"{setup.concurrency} at once, visibility timeout {setup.visibility_timeout_s:g} s", err=True)
    raise SystemExit(run_worker(app, setup, loglevel))


@cli.command()
@broker_option(required=True)
@click.option("--timeout", "timeout_s", type=float, default=1.0, show_default=True,
              help="Seconds to wait for workers to answer.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_ctx
def workers(ctx: Context, broker: str, timeout_s: float, as_json: bool) -> None:
    """The workers on a broker, the image each grades with, and the queue's depth."""
    runner = connect_or_fail(broker)
    try:
        found = runner.workers(timeout_s)
        queued, running = runner.depth()
    finally:
        runner.close()
    expected = runner.image
    if as_json:
        click.echo(json.dumps({
            "broker": _shown(runner.url), "expected_image": expected, "queued": queued, "running": running,
            "workers": [{"name": w.name, "image": w.image, "image_present": w.image_present,
                         "matches": w.image == expected, "concurrency": w.concurrency, "running": w.running,
                         "visibility_timeout_s": w.visibility_timeout_s} for w in found]}, indent=2))
        return
    from rich.table import Table

    out = ctx.out
    out.print(f"broker {_shown(runner.url)}: {queued} job(s) queued, {running} running; this judge's image "
              f"{expected}")
    if not found:
        out.print("no worker answered (start one: judge worker --broker URL)")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("worker", "image", "at once", "running", "visibility s"):
        table.add_column(column, justify="right" if column in ("at once", "running", "visibility s") else "left")
    for w in found:
        note = "" if w.image == expected else "  [red]differs: its jobs end as sandbox errors[/]"
        if w.image == expected and not w.image_present:
            note = "  [red]missing: run `judge sandbox build` on its host[/]"
        table.add_row(w.name, w.image + note, str(w.concurrency), str(w.running), f"{w.visibility_timeout_s:g}")
    out.print(table)
    out.print(f"{len(found)} worker(s), {sum(w.concurrency for w in found)} gradings at once")
