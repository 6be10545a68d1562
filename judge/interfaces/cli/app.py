"""The `judge` command group and its entry point: expected failures become one line and an exit code.

Commands load lazily: the group knows each command's module (``COMMANDS``) and imports it only when the
command runs or `--help` lists it, so `judge list` never imports the grading, the server or the queue. A
command module keeps its own module-level imports light (click, the context) for the same reason.
"""

from __future__ import annotations

import importlib
import json
import re
import signal
import sys
from pathlib import Path
from typing import Any

import click

from judge.interfaces.cli.context import EXIT_PASSED, EXIT_USAGE, Context, Fail

# Each top-level command and the module of judge.interfaces.cli that defines it (its module registers it on
# ``cli`` when imported). A new command is added here, or `judge` does not know it.
COMMANDS: dict[str, str] = {
    "start": "attempts", "status": "attempts", "test": "attempts", "submit": "attempts", "retry": "attempts",
    "abandon": "attempts", "run": "attempts",
    "report": "reports", "history": "history",
    "list": "catalog", "show": "catalog", "env": "catalog",
    "grade": "grade",
    "next": "practice", "progress": "practice", "drill": "practice",
    "problem": "problems",
    "sandbox": "sandbox", "doctor": "sandbox",
    "serve": "server", "invite": "server", "invites": "server", "results": "server",
    "hint": "teach", "solution": "teach",
    "worker": "workers", "workers": "workers",
}


class JudgeGroup(click.Group):
    """Loads each command's module on first use, and turns an expected failure anywhere below it into one
    line on stderr and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"judge.interfaces.cli.{COMMANDS[cmd_name]}")
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Fail as exc:
            click.echo(wrap_for_terminal(f"error: {exc}"), err=True)
            if isinstance(ctx.obj, Context) and ctx.obj.json:
                # A script that asked for JSON gets JSON, failures included.
                click.echo(json.dumps({"error": str(exc), "exit_code": exc.code}, indent=2))
            ctx.exit(exc.code)


def wrap_for_terminal(message: str) -> str:
    """``message`` wrapped at word boundaries to the terminal's width when stderr is one (a narrow terminal
    would otherwise cut words, commands included, in the middle); unchanged for pipes and files."""
    if not sys.stderr.isatty():
        return message
    import shutil  # here, not at the top: it pulls in the compression modules (start-up)
    import textwrap  # likewise: only an error too wide for the terminal is wrapped

    width = shutil.get_terminal_size().columns
    out = []
    for line in message.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        # A command in backticks stays on one line, so it can be read (and copied) whole.
        kept = re.sub(r"`[^`]+`", lambda m: m.group(0).replace(" ", "\0"), line)
        out.append(textwrap.fill(kept, width, break_long_words=False, break_on_hyphens=False,
                                 subsequent_indent=" " * (len(line) - len(line.lstrip()))).replace("\0", " "))
    return "\n".join(out)


@click.group(cls=JudgeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--problems", "problems", multiple=True, type=click.Path(path_type=Path),
              help="Also look for problems in DIR (repeatable; adds to JUDGE_PROBLEMS_PATH).")
@click.version_option(package_name="ml-judge", prog_name="judge")
@click.pass_context
def cli(ctx: click.Context, problems: tuple[Path, ...]) -> None:
    """Practise timed ML-engineer interview problems, graded in a sandbox.

    \b
    Start here:
      judge list                    the problems and your best scores
      judge start rag-pipeline      begin a timed attempt in ./rag-pipeline
      judge test                    run the public examples (in the sandbox)
      judge submit                  grade against the hidden tests, see your report
    """
    if ctx.obj is None:
        ctx.obj = Context(problems)
    else:
        ctx.obj.problems = list(problems) + ctx.obj.problems


def main() -> None:
    """Entry point: run the CLI, turning expected failures into one clear line and an exit code."""
    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        code = cli.main(standalone_mode=False, prog_name="judge")
        # Without standalone mode click returns ctx.exit()'s code instead of exiting with it.
        sys.exit(code if isinstance(code, int) else EXIT_PASSED)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: nothing was saved for the run in progress; its sandbox was removed", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
