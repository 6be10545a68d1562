"""`judge hint` during an attempt or after it, `judge solution` after it: help that never changes the score."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import WORKSPACE_OPTION, Context, fail, pass_ctx
from judge.interfaces.cli.workspace import practice
from judge.model.states import AttemptState

if TYPE_CHECKING:
    from rich.console import Console

    from judge.model.report import Report
    from judge.problems.teaching import ModelAnswer
    from judge.store.index import Store

HINT_NOTE = "Hints are recorded with your attempt and shown in its report; your score does not change."
AFTER_NOTE = ("This attempt is over: the hint is recorded on it (as taken after it) and its report and score do "
              "not change. The next attempt at this problem (`judge retry` or `judge start`) carries the hints you "
              "have seen.")


@cli.command()
@click.argument("requirement", required=False)
@click.option("--level", type=int, help="Show hints up to this level (1 is a nudge, the last a near-answer).")
@WORKSPACE_OPTION
@pass_ctx
def hint(ctx: Context, requirement: str | None, level: int | None, directory: Path | None) -> None:
    """A hint for one requirement of this workspace's attempt, one level at a time (no REQUIREMENT: list them).

    Works during the attempt and after it (read the report, then ask for the hint on the failing
    requirement): either way it is recorded and never changes a score.

    \b
      judge hint              the requirements, their hints and how many you have seen
      judge hint R4           the next hint for R4 (a nudge first, a near-answer last)
      judge hint R4 --level 2 hints 1 and 2 for R4
    """
    from rich.markup import escape

    from judge.problems.teaching import requirement_guides
    from judge.services.teaching import HelpRefused, levels_taken, take_hint
    from judge.store.index import StoreError

    store = ctx.store()
    found = practice(ctx, store, directory, "hint")
    record, problem = found.record, found.problem(ctx)
    out = ctx.out
    if requirement is None:
        if level is not None:
            fail("--level needs a requirement: judge hint R3 --level 2")
        guides = requirement_guides(problem)
        if not guides:
            fail(f"{problem.slug} has no hints written yet")
        seen = levels_taken(record)
        out.print(f"[bold]{escape(problem.title)}[/]: hints per requirement")
        width = max(len(g.title) for g in guides.values())
        for g in guides.values():
            taken = seen.get(g.id, 0)
            mark = f"{taken} of {len(g.hints)} seen" if taken else f"{len(g.hints)} hints"
            out.print(f"  {g.id:<4}{escape(g.title).ljust(width)}  [dim]{mark}[/]")
        out.print(f"\nTake one: judge hint R1 (the next level each time; --level N for a given one). {HINT_NOTE}")
        return
    try:
        shown = take_hint(store, record["id"], problem, requirement, level, ctx.clock())
    except (HelpRefused, StoreError) as exc:
        fail(str(exc))
    g = shown.guide
    out.print(f"[bold]{g.id} {escape(g.title)}[/]: hint {shown.level} of {len(g.hints)}")
    for n, text in enumerate(g.hints[: shown.level], 1):
        style = "" if n == shown.level else "dim"
        out.print(f"  {n}. {escape(text)}", style=style, soft_wrap=True)
    if shown.last:
        out.print(f"That is the last hint for {g.id}.")
    else:
        out.print(f"Next: judge hint {g.id} (hint {shown.level + 1} of {len(g.hints)}, closer to the answer).")
    noun = "hint" if shown.total_taken == 1 else "hints"
    note = AFTER_NOTE if shown.after else HINT_NOTE
    out.print(f"[dim]{shown.total_taken} {noun} taken in this attempt. {note}[/]")


def how_to_end(attempt_id: str, workspace: str) -> str:
    """How a candidate ends an open attempt: submit it, or give it up."""
    return f"Submit it with `judge submit --dir {workspace}` or give it up with `judge abandon {attempt_id}`."


@cli.command()
@click.argument("problem")
@click.option("--format", "fmt", type=click.Choice(["text", "md"]), default="text", show_default=True,
              help="text: for the terminal; md: Markdown to save or print.")
@pass_ctx
def solution(ctx: Context, problem: str, fmt: str) -> None:
    """The model answer and the editorial of PROBLEM, once your attempt at it is over.

    The approach, the pitfalls (with the known mistakes they name), what an interviewer looks for, three
    follow-up questions with short answers, and the reference solution.
    """
    from judge.problems.teaching import model_answer
    from judge.services.teaching import HelpRefused, mark_model_answer_seen, model_answer_allowed, open_attempts
    from judge.store.index import StoreError

    p = ctx.problem(problem)
    store = ctx.store()
    still_open = open_attempts(store, p.slug)
    ending = how_to_end(still_open[0]["id"], still_open[0]["workspace"]) if still_open else ""
    try:
        model_answer_allowed(store, p.slug, ending)
    except HelpRefused as exc:
        fail(str(exc))
    model = model_answer(p)
    if model is None:
        fail(f"{p.slug} has no reference solution to show")
    last = latest_report(store, p.slug)
    try:
        mark_model_answer_seen(store, p.slug, ctx.clock())  # a later `judge retry` says it began after this
    except StoreError as exc:  # not shown unless noted: a later solve must not read as unaided
        fail(str(exc))
    if fmt == "md":
        click.echo(solution_markdown(p.title, model), nl=False)
        return
    print_solution(ctx.out, p.title, model, last)


def report_model_answer(ctx: Context, store: Store, rep: Report, fmt: str) -> ModelAnswer | None:
    """The model answer for an HTML report, unless an attempt at its problem is open (or it has none)."""
    from judge.problems.catalog import ProblemError, find_problem
    from judge.problems.teaching import model_answer
    from judge.services.teaching import open_attempts

    if fmt != "html" or open_attempts(store, rep.problem):
        return None
    try:
        return model_answer(find_problem(rep.problem, ctx.problems))
    except ProblemError:
        return None


def latest_report(store: Store, slug: str) -> Report | None:
    """The newest submitted report at ``slug``, if any."""
    from judge.model.report import Report
    from judge.store.index import StoreError

    for row in store.rows(slug):
        if row["status"] == AttemptState.SUBMITTED:
            try:
                return Report.from_dict(store.load_report(row["id"]))
            except (StoreError, ValueError, KeyError):
                return None
    return None


def solution_markdown(title: str, model: ModelAnswer) -> str:
    """The editorial, then the reference in a fenced block."""
    from judge.problems.teaching import for_reader
    from judge.render.markdown import fenced

    parts = [f"# Model answer: {title}\n"]
    if model.editorial is not None:
        parts.append(for_reader(model.editorial.text, model.mistakes).strip() + "\n")
    parts.append("## Reference solution\n\n" + fenced(model.reference, "python"))
    return "\n".join(parts)


def print_solution(out: Console, title: str, model: ModelAnswer, last: Report | None) -> None:
    """Your last result, the editorial, the known mistakes it names, the reference."""
    from rich.markdown import Markdown
    from rich.markup import escape
    from rich.rule import Rule
    from rich.syntax import Syntax

    from judge.model.report import Verdict, help_text

    out.print(Rule(f"Model answer: {escape(title)}"))
    if last is not None:
        line = f"Your last attempt: {last.percent:g}%"
        helped = help_text(None if last.hints is None else last.hints_taken, last.verdict is Verdict.PASSED,
                           last.model_answer_seen)
        if helped:
            line += f", {helped}"
        if last.diagnosis:
            line += ". Likely mistake: " + " or ".join(d.title for d in last.diagnosis)
        out.print(escape(line), soft_wrap=True)
    from judge.problems.teaching import for_reader

    if model.editorial is not None:
        out.print(Markdown(for_reader(model.editorial.text, model.mistakes)))
    named = [m for m in model.mistakes.values() if model.editorial is not None and f"`{m.id}`" in model.editorial.text]
    if named:
        out.print(Rule("The pitfalls above, as the report names them"))
        for m in named:
            out.print(f"  [bold]{escape(m.title)}[/]: {escape(m.explanation)}", soft_wrap=True)
    out.print(Rule("Reference solution"))
    out.print(Syntax(model.reference, "python", line_numbers=True, word_wrap=True))
