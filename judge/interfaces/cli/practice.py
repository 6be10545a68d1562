"""Practice over weeks: `judge next` (what to do today and why), `judge progress` (by skill and topic), and
`judge drill` (concept questions, scheduled by FSRS like the problems)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import EXIT_USAGE, Context, fail, json_option, pass_ctx, write_out

if TYPE_CHECKING:
    from rich.console import Console

    from judge.problems.catalog import Problem
    from judge.problems.keypoints import Coverage
    from judge.problems.questions import Question, QuestionBank
    from judge.services.practice import Snapshot


def _problems(ctx: Context) -> list[Problem]:
    from judge.problems.catalog import discover

    return discover(ctx.problems)[0]


def _titles(problems: list[Problem]) -> dict[tuple[str, str], str]:
    from judge.problems.teaching import mistake_notes

    return {(p.slug, mid): note.title for p in problems for mid, note in mistake_notes(p).items()}


def _bank(ctx: Context, problems: list[Problem], rows: list[dict[str, object]]) -> QuestionBank:
    from judge.paths import questions_dir
    from judge.problems.questions import load_bank
    from judge.services.practice import full_bank

    bank, _ = load_bank(questions_dir())  # broken files are left out here; `judge drill validate` names them
    return full_bank(bank, problems, rows)


@cli.command("next")
@json_option("Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Every candidate, not just the best three.")
@pass_ctx
def next_cmd(ctx: Context, as_json: bool, show_all: bool) -> None:
    """What to practise now, and why: one recommendation and two alternatives.

    Problems you tried come back when FSRS (spaced repetition) says they are due, sooner after a failed
    attempt, later after an easy pass; so do the known mistakes you made. Untried problems follow
    difficulty and topic; the drill comes up when concept questions wait.
    """
    from rich.markup import escape
    from rich.padding import Padding
    from rich.text import Text

    from judge.services.practice import drill_queue, recommend, snapshot

    now = ctx.clock()
    problems = _problems(ctx)
    snap = snapshot(ctx.store(), now)
    bank = _bank(ctx, problems, snap.rows)
    _, waiting = drill_queue(bank, snap.states, now)
    titles = _titles(problems)
    found = recommend(problems, snap.rows, snap.states, waiting, now,
                      lambda slug, mid: titles.get((slug, mid), mid))
    shown = found if show_all else found[:3]
    if as_json:
        click.echo(json.dumps([{"kind": r.kind, "command": r.command, "reason": r.reason, "problem": r.problem}
                               for r in shown], indent=2))
        return
    out = ctx.out
    if not shown:
        out.print("Nothing to recommend: no problems are installed (`judge list`).")
        return
    first, rest = shown[0], shown[1:]
    out.print(f"[bold]Next:[/] {escape(first.command)}")
    out.print(Padding(Text(first.reason), (0, 0, 0, 2)))
    if rest:
        out.print("[bold]Or:[/]")
        for r in rest:
            out.print(f"  {escape(r.command)}")
            out.print(Padding(Text(r.reason, style="dim"), (0, 0, 0, 4)))
    if not show_all and len(found) > 3:
        out.print(f"[dim]{len(found) - 3} more: judge next --all. Your progress: judge progress[/]")


# -- progress ---------------------------------------------------------------------------------------

@cli.command()
@json_option("Print JSON.")
@click.option("--format", "fmt", type=click.Choice(["text", "html"]), default=None,
              help="text (default) or html: a page with charts (the default when -o names a .html file).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of the terminal.")
@pass_ctx
def progress(ctx: Context, as_json: bool, fmt: str | None, output: Path | None) -> None:
    """Progress by topic and skill: problems solved, best scores, known mistakes made and since avoided,
    time against budget over your attempts, and the drill."""
    from judge.services.practice import progress as build_progress
    from judge.services.practice import snapshot

    now = ctx.clock()
    problems = _problems(ctx)
    snap = snapshot(ctx.store(), now)
    result = build_progress(problems, snap.rows, snap.reviews)
    bank = _bank(ctx, problems, snap.rows)
    if fmt is None:
        fmt = "html" if output is not None and output.suffix.lower() in (".html", ".htm") else "text"
    if as_json:
        click.echo(json.dumps({"topics": [s.to_dict() for s in result.topics],
                               "skills": [s.to_dict() for s in result.skills],
                               "attempts": result.attempts, "drill": _drill_counts(bank, snap)}, indent=2))
        return
    if fmt == "html":
        from judge.render.progress_html import progress_html

        write_out(ctx, progress_html(result, _drill_counts(bank, snap), now), output)
        return
    if output is not None:
        import io

        from rich.console import Console

        buffer = io.StringIO()
        print_progress(Console(file=buffer, width=100, no_color=True, highlight=False), result,
                       _drill_counts(bank, snap))
        write_out(ctx, buffer.getvalue(), output)
        return
    print_progress(ctx.out, result, _drill_counts(bank, snap))


def _drill_counts(bank: QuestionBank, snap: Snapshot) -> list[dict[str, object]]:
    """Per topic: questions, how many were answered at least once, how many are due, the mean recall."""
    from judge.services.practice import question_card

    rows = []
    for topic, questions in bank.by_topic().items():
        states = [snap.states.get(question_card(q.id)) for q in questions]
        seen = [s for s in states if s is not None]
        recall = [s.retrievability for s in seen if s.retrievability is not None]
        rows.append({"topic": topic, "title": bank.topics.get(topic, topic), "questions": len(questions),
                     "answered": len(seen), "due": sum(1 for s in seen if s.is_due(snap.now)),
                     "recall": round(sum(recall) / len(recall), 3) if recall else None})
    return rows


def print_progress(out: Console, result: object, drill: list[dict[str, object]]) -> None:
    """The compact terminal view: a table by topic, one by skill, and the drill in one line."""
    from rich import box
    from rich.table import Table

    from judge.model.progress import Progress

    assert isinstance(result, Progress)
    if not result.attempts:
        out.print("No graded attempts yet: `judge next` says where to start.")
    narrow = out.width < 80
    for label, standings in (("Topic", result.topics), ("Skill", result.skills)):
        table = Table(header_style="bold", pad_edge=False, box=box.SIMPLE_HEAD, collapse_padding=narrow)
        table.add_column(label, no_wrap=True)
        table.add_column("Solved", justify="right", no_wrap=True)
        table.add_column("Best", justify="right", no_wrap=True)
        table.add_column("Mistakes" if not narrow else "Mist.", justify="right", no_wrap=True)
        table.add_column("Time/budget" if not narrow else "Time", no_wrap=True)
        for s in standings:
            best = f"{sum(s.best.values()) / len(s.best):.0f}%" if s.best else "-"
            mistakes = f"{len(s.mistakes_avoided)}/{len(s.mistakes_made)}" if s.mistakes_made else "-"
            recent = s.time_ratios[-(3 if narrow else 4):]
            timing = " ".join(f"{r:.0%}" for r in recent) if recent else "-"
            table.add_row(s.name, f"{len(s.solved)}/{len(s.problems)}", best, mistakes, timing)
        out.print(table)
    out.print("[dim]Best: mean of each problem's best score. Mistakes: avoided since / made. Time/budget: "
              "your last attempts, oldest first.[/]")
    answered = sum(int(str(d["answered"])) for d in drill)
    total = sum(int(str(d["questions"])) for d in drill)
    due = sum(int(str(d["due"])) for d in drill)
    out.print(f"Drill: {answered} of {total} questions answered, {due} due again (`judge drill`). "
              "Charts: judge progress -o progress.html")


# -- drill -------------------------------------------------------------------------------------------

RATE_PROMPT = "Rate: 1 again, 2 hard, 3 good, 4 easy (q stops)"


@cli.group(invoke_without_command=True)
@click.option("--topic", help="Only this topic (its folder name: `judge drill topics` lists them).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="At most this many questions in this session.")
@click.option("--new", "new_per_day", type=click.IntRange(min=0), default=None,
              help="New questions a day (default 10).")
@pass_ctx
@click.pass_context
def drill(click_ctx: click.Context, ctx: Context, topic: str | None, limit: int, new_per_day: int | None) -> None:
    """Concept questions an interviewer asks around the problems, scheduled by spaced repetition.

    \b
    For each question: type your answer (an empty line ends it; Enter alone skips, to think first),
    then read the model answer and which of its key points you covered, and rate yourself:
    1 again, 2 hard, 3 good, 4 easy. Your rating, not the match, decides when it comes back.
    \b
      judge drill                 today's questions (due ones first, then new ones)
      judge drill --topic drift   one topic
      judge drill topics          the topics, with what is due
      judge drill validate        check the question files
    """
    if click_ctx.invoked_subcommand is not None:
        return
    from judge.services.practice import NEW_QUESTIONS_PER_DAY, drill_queue, snapshot

    now = ctx.clock()
    store = ctx.store()
    problems = _problems(ctx)
    snap = snapshot(store, now)
    bank = _bank(ctx, problems, snap.rows)
    if topic is not None and topic not in bank.topics:
        fail(f"no topic {topic!r}; `judge drill topics` lists them ({', '.join(sorted(bank.topics)[:5])}, ...)")
    queue, waiting = drill_queue(bank, snap.states, now, topic,
                                 NEW_QUESTIONS_PER_DAY if new_per_day is None else new_per_day)
    queue = queue[:limit]
    out = ctx.out
    if not queue:
        out.print("Nothing due in the drill today. Come back tomorrow, or: judge drill --new 5")
        return
    out.print(f"[bold]Drill[/]: {len(queue)} question(s) ({waiting.due} due again, {waiting.new} new). "
              "Ctrl-D or q stops; every rated answer is saved.")
    done = 0
    for n, question in enumerate(queue, 1):
        try:
            rated = ask(ctx, store, bank, question, n, len(queue))
        except (click.exceptions.Abort, EOFError):
            rated = None
        if rated is None:
            break
        done += 1
    out.print(f"Session over: {done} answer(s) rated and saved. Next: judge next")


def ask(ctx: Context, store: object, bank: QuestionBank, question: Question, n: int, total: int) -> bool | None:
    """One question: read the answer, show the model answer and the coverage, read the rating, save it.
    True when rated; None when the candidate stopped."""
    from rich.markup import escape
    from rich.rule import Rule

    from judge.problems.keypoints import coverage
    from judge.services.practice import record_answer
    from judge.store.index import Store

    assert isinstance(store, Store)
    out = ctx.out
    out.print(Rule(f"{n}/{total} · {escape(bank.topics.get(question.topic, question.topic))}", align="left"))
    out.print(f"[bold]{escape(question.question)}[/]")
    out.print("[dim]Your answer; an empty line ends it (Enter alone: skip and think first).[/]")
    lines: list[str] = []
    while True:
        line = click.prompt(">", default="", show_default=False, prompt_suffix=" ")
        if not line.strip():
            break
        lines.append(line.strip())
    answer = " ".join(lines)
    out.print(Rule("Model answer", align="left", style="dim"))
    out.print(escape(question.answer))
    result: Coverage | None = None
    if question.points:
        result = coverage(answer, question.points, bank.synonyms) if answer else None
        print_points(out, question, result)
    else:
        out.print("[dim](A follow-up from the problem's editorial: no key points, compare by eye.)[/]")
    choice = click.prompt(RATE_PROMPT, type=click.Choice(["1", "2", "3", "4", "q"]), show_choices=False)
    if choice == "q":
        return None
    at = ctx.clock()
    record_answer(store, question, int(choice), at, answer, result.covered if result else None,
                  result.total if result else None)
    out.print(f"[dim]{next_review_line(store, question, at)}[/]")
    return True


def print_points(out: Console, question: Question, result: Coverage | None) -> None:
    """The key points: each covered one with the words that matched; all of them plainly when skipped.
    A point that wraps keeps its indent, so the marks stay in one column at any width."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1), pad_edge=True)
    grid.add_column(no_wrap=True)
    grid.add_column()
    if result is None:
        out.print(f"[bold]Key points[/] ({len(question.points)}):")
        for point in question.points:
            grid.add_row(" •", Text(point.text))
    else:
        out.print(f"[bold]Key points[/]: {result.covered} of {result.total} covered (matched words, not a grade)")
        for r in result.points:
            if r.covered:
                grid.add_row(Text(" ✓", style="green"),
                             Text(r.point.text) + Text(f' ("{r.evidence}")', style="dim"))
            else:
                grid.add_row(Text(" ✗", style="red"), Text(r.point.text))
    out.print(grid)


def next_review_line(store: object, question: Question, now: float) -> str:
    """"Next review: Mar 5 (in 3 days)" for the question just rated."""
    from datetime import datetime

    from judge.services.practice import drill_reviews, question_card, schedule
    from judge.store.index import Store

    assert isinstance(store, Store)
    key = question_card(question.id)
    mine = [r for r in drill_reviews(store.reviews()) if r.card == key]
    state = schedule(mine, now).get(key)
    if state is None or state.due is None:
        return ""
    days = max(1, round((state.due - now) / 86400))
    return (f"Next review: {datetime.fromtimestamp(state.due).strftime('%b %d').replace(' 0', ' ')} "
            f"(in {days} day{'s' if days != 1 else ''})")


@drill.command("topics")
@pass_ctx
def drill_topics(ctx: Context) -> None:
    """The drill's topics: questions, how many you answered, how many are due."""
    from rich.table import Table

    from judge.services.practice import snapshot

    now = ctx.clock()
    problems = _problems(ctx)
    snap = snapshot(ctx.store(), now)
    bank = _bank(ctx, problems, snap.rows)
    table = Table(header_style="bold", pad_edge=False)
    table.add_column("Topic", no_wrap=True)
    if ctx.out.width >= 80:
        table.add_column("Title")
    for column in ("Qs", "Seen", "Due"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in _drill_counts(bank, snap):
        title = [str(row["title"])] if ctx.out.width >= 80 else []
        table.add_row(str(row["topic"]), *title, str(row["questions"]), str(row["answered"]), str(row["due"]))
    ctx.out.print(table)
    ctx.out.print("One topic: judge drill --topic TOPIC")


@drill.command("validate")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@pass_ctx
def drill_validate(ctx: Context, folder: Path | None) -> None:
    """Check the question files: each has a question, a model answer that covers its own key points,
    3 to 6 key points with match patterns, and a topic folder with a title."""
    from rich.markup import escape

    from judge.paths import questions_dir
    from judge.problems.questions import load_bank

    root = folder or questions_dir()
    bank, problems = load_bank(root, check=True)
    out = ctx.out
    for topic, questions in bank.by_topic().items():
        out.print(f"  {topic:<26} {len(questions):>3} question(s)  {escape(bank.topics[topic])}")
    out.print(f"{len(bank.questions)} question(s) in {len(bank.topics)} topic(s) under {root}")
    if problems:
        for p in problems:
            ctx.err.print(f"[red]problem:[/] {escape(p)}", soft_wrap=True)
        fail(f"{len(problems)} problem(s) in the question files", EXIT_USAGE)
    out.print("[green]All question files are valid.[/]")
