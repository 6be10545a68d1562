"""`judge list` and `judge show`: the problems."""

from __future__ import annotations

import json

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    Context,
    pass_ctx,
)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_cmd(ctx: Context, as_json: bool) -> None:
    """List the problems with their budgets and your best score."""
    from rich.table import Table

    from judge.problems.catalog import discover

    problems, errors = discover(ctx.problems)
    best = ctx.store().best_scores()
    if as_json:
        click.echo(json.dumps([{"slug": p.slug, "title": p.title, "budget_minutes": p.budget_minutes,
                                "difficulty": p.difficulty, "best_percent": best.get(p.slug),
                                "builtin": p.builtin} for p in problems], indent=2))
        return
    table = Table(header_style="bold")
    for column in ("Problem", "Title", "Budget", "Difficulty", "Best"):
        table.add_column(column)
    for p in problems:
        score = best.get(p.slug)
        table.add_row(p.slug if p.builtin else f"{p.slug} (custom)", p.title, f"{p.budget_minutes:g} min",
                      p.difficulty, f"{score:g}%" if score is not None else "-")
    ctx.out.print(table)
    for error in errors:
        ctx.err.print(f"[yellow]warning:[/] skipped a broken problem folder: {error}")
    ctx.out.print("Start one with: judge start PROBLEM")


@cli.command()
@click.argument("problem")
@pass_ctx
def show(ctx: Context, problem: str) -> None:
    """Show a problem's statement, budget and skills."""
    from rich.markdown import Markdown
    from rich.panel import Panel

    p = ctx.problem(problem)
    head = f"[bold]{p.title}[/]  ({p.slug})\nBudget {p.budget_minutes:g} min · {p.difficulty}"
    if p.skills:
        head += " · " + ", ".join(p.skills)
    ctx.out.print(Panel(head, expand=False))
    ctx.out.print(Markdown(p.statement()))
    ctx.out.print(f"\nStart it with: judge start {p.slug}")
