"""`judge list`, `judge show` and `judge env`: the problems and the grader they are graded by."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    EXIT_JUDGE,
    Context,
    fail,
    json_option,
    pass_ctx,
)

if TYPE_CHECKING:
    from pathlib import Path

    from judge.problems.catalog import Problem
    from judge.render.plain import Terminal


@cli.command("list")
@click.option("--skill", metavar="SKILL", help="Only problems with this skill (case-insensitive), e.g. pandas.")
@click.option("--topic", metavar="TOPIC", help="Only problems of this topic (case-insensitive).")
@json_option("Print JSON.")
@pass_ctx
def list_cmd(ctx: Context, skill: str | None, topic: str | None, as_json: bool) -> None:
    """List the problems by topic, with their level, budget and your best score."""
    from judge.problems.catalog import by_topic, discover, select
    from judge.render.plain import Column, Table

    problems, errors = discover(ctx.problems)
    shown = select(problems, skill=skill, topic=topic)
    best = ctx.store().best_scores()
    if as_json:
        click.echo(json.dumps([{"slug": p.slug, "title": p.title, "topic": p.topic, "skills": list(p.skills),
                                "budget_minutes": p.budget_minutes, "difficulty": p.difficulty,
                                "best_percent": best.get(p.slug), "builtin": p.builtin} for p in shown],
                              indent=2))
        return
    for error in errors:
        ctx.err.print(f"[yellow]warning:[/] skipped a broken problem folder: {error}")
    screen = ctx.screen
    if not shown:
        screen.stream.write(no_match(problems, skill, topic) + "\n")
        return
    # The slug is what you type: never cut. Below 80 columns the titles go (`judge show` has them).
    with_title = screen.width >= 80
    table = Table([Column("Problem", no_wrap=True), *([Column("Title")] if with_title else []),
                   Column("Level", no_wrap=True), Column("Budget", no_wrap=True), Column("Best", no_wrap=True)])
    # One section per topic: the topic's name in bold, then its problems indented under it.
    for name, group in by_topic(shown).items():
        table.add_row([(name, "bold cyan")])
        for p in group:
            score = best.get(p.slug)
            title = [p.title if p.builtin else f"{p.title} (custom: {p.root})"] if with_title else []
            slug = p.slug if p.builtin or with_title else f"{p.slug} (custom)"
            table.add_row(f"  {slug}", *title, p.difficulty, f"{p.budget_minutes:g} min",
                          f"{score:g}%" if score is not None else "-")
        table.add_section()
    screen.table(table)
    screen.line("Start one with: judge start PROBLEM")


def no_match(problems: list[Problem], skill: str | None, topic: str | None) -> str:
    """What `judge list` says when its filters leave nothing: the values that would match something."""
    asked = " and ".join(f"{k} {v!r}" for k, v in (("skill", skill), ("topic", topic)) if v is not None)
    def distinct(values: list[str]) -> list[str]:  # case variants once, as first spelt
        return sorted({v.casefold(): v for v in reversed(values)}.values(), key=str.casefold)

    topics = distinct([p.topic for p in problems])
    skills = distinct([s for p in problems for s in p.skills])
    return (f"No problem has {asked}.\nTopics: {', '.join(topics) or 'none'}\n"
            f"Skills: {', '.join(skills) or 'none'}")


@cli.command()
@click.argument("problem")
@pass_ctx
def show(ctx: Context, problem: str) -> None:
    """Show a problem's statement, budget, skills and the grader's library versions."""
    p = ctx.problem(problem)
    head = f"[bold]{p.title}[/]  ({p.slug})\nBudget {p.budget_minutes:g} min · {p.difficulty}"
    if p.skills:
        head += " · " + ", ".join(p.skills)
    if not p.builtin:
        head += f"\nCustom problem from {p.root}"
    screen = ctx.screen
    screen.stream.write(drawn_statement(screen, head, p.statement()))
    screen.line()
    screen.line(f"Grader: {grader_line()}")
    screen.line(f"Start it with: judge start {p.slug}")


def drawn_statement(screen: Terminal, head: str, statement: str) -> str:
    """The head in a panel and the statement as rich draws them for this terminal (width, styles, colours),
    from the data folder's cache when drawn before: drawing imports rich and markdown-it, most of `judge
    show`'s start-up. The key holds everything the drawing depends on, rich's own version included."""
    import hashlib
    import importlib.util
    import os

    from judge.paths import data_home

    spec = importlib.util.find_spec("rich")
    rich_stamp = os.stat(spec.origin).st_mtime_ns if spec is not None and spec.origin else 0
    key = hashlib.sha256(json.dumps([head, statement, screen.width, screen.ink.styles, screen.ink.colours,
                                     screen.box_safe, os.environ.get("TERM", ""), os.environ.get("COLORTERM", ""),
                                     rich_stamp]).encode("utf-8")).hexdigest()
    path = data_home() / "drawn" / f"{key[:40]}.txt"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        pass
    import io

    from rich.console import Console
    from rich.markdown import Markdown
    from rich.panel import Panel

    from judge.store.files import atomic_write

    buffer = io.StringIO()
    console = Console(file=buffer, width=screen.width, force_terminal=screen.ink.styles, highlight=False,
                      soft_wrap=False, no_color=not screen.ink.colours, safe_box=True)
    console.print(Panel(head, expand=False))
    console.print(Markdown(statement))
    text = buffer.getvalue()
    with contextlib.suppress(OSError):  # an unwritable data folder only costs the next call the drawing
        atomic_write(path, text.encode("utf-8"))
        keep_newest(path.parent, DRAWINGS_KEPT)
    return text


# Drawings kept in the data folder: every problem at a few terminal shapes. Beyond that the oldest drawn go
# (a hit never writes, so "oldest" is "drawn longest ago"; one still in use is drawn again once).
DRAWINGS_KEPT = 100


def keep_newest(folder: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently written drawings in ``folder``."""
    def written(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:  # removed meanwhile by another `judge show`
            return 0

    for old in sorted(folder.glob("*.txt"), key=written, reverse=True)[keep:]:
        old.unlink(missing_ok=True)


def grader_line() -> str:
    """The grader's versions for `judge show` (read from the image once, then cached), or why not."""
    from judge.backends import SandboxUnavailable
    from judge.services.environment import read_versions, versions_line

    try:
        return versions_line(read_versions())
    except SandboxUnavailable as exc:
        return f"versions unknown ({str(exc).splitlines()[0]}); `judge env` reads them from the sandbox image"


@cli.command("env")
@json_option("Print JSON.")
@click.option("--refresh", is_flag=True, help="Ask the image again instead of using the cached answer.")
@pass_ctx
def env_cmd(ctx: Context, as_json: bool, refresh: bool) -> None:
    """The grader's Python and library versions, read from the sandbox image (what grades your code)."""
    from judge.backends import SandboxUnavailable
    from judge.services.environment import LIBRARIES, read_versions

    try:
        data = read_versions(refresh=refresh)
    except SandboxUnavailable as exc:
        fail(f"cannot read the grader's versions: {exc}", EXIT_JUDGE)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    libraries = dict(data["libraries"])
    names = [n for n in LIBRARIES if n in libraries] + sorted(n for n in libraries if n not in LIBRARIES)
    width = max(len(n) for n in ["Python", *names]) + 2
    out = ctx.out
    out.print(f"The grader ({data['image']}):")
    out.print(f"  {'Python'.ljust(width)}{data['python']}")
    for name in names:
        out.print(f"  {name.ljust(width)}{libraries[name] or 'not installed'}")
    out.print("Your code runs in exactly this environment with: judge run -- python solution.py")
