"""`judge problem new|validate`: authoring problems."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    BACKEND_OPTION,
    EXIT_JUDGE,
    Context,
    exit_code_for,
    fail,
    json_option,
    leave_one_spare,
    make_backend,
    pass_ctx,
    working_dir,
)
from judge.model.outcomes import MutantStatus, Status

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from judge.problems.catalog import Problem
    from judge.services.validate import Validation

PASS, FAIL, SKIP, ERROR = Status.PASS, Status.FAIL, Status.SKIP, Status.ERROR


@cli.group()
def problem() -> None:
    """Create and validate problems."""


@problem.command("new")
@click.argument("slug")
@click.option("--dir", "directory", type=click.Path(path_type=Path), help="Parent folder (default: here).")
@pass_ctx
def problem_new(ctx: Context, slug: str, directory: Path | None) -> None:
    """Scaffold a valid problem folder to fill in."""
    from judge.problems.scaffold import ScaffoldError, scaffold

    try:
        root = scaffold(slug, directory or working_dir())
    except ScaffoldError as exc:
        fail(str(exc))
    ctx.out.print(f"Created {root}. Fill in statement.md, starter/, reference/, hidden_tests/, then run:\n"
                  f"  judge problem validate {root}")


@problem.command("validate")
@click.argument("target", required=False)
@click.option("--all", "all_problems", is_flag=True, help="Every problem on the search path.")
@click.option("--mutants", type=int, default=20, show_default=True, help="Mutants to grade (0: skip).")
@click.option("--min-mutation-score", type=float, default=80.0, show_default=True,
              help="Fail below this mutation score (percent; mutants marked equivalent do not count).")
@click.option("--seed", type=int, default=0, show_default=True, help="Which mutants are chosen.")
@click.option("--write-signatures", is_flag=True,
              help="Write signatures.json (the hidden tests each known mistake fails) when it is not current.")
@json_option("Print JSON only.")
@BACKEND_OPTION
@pass_ctx
def problem_validate(ctx: Context, target: str | None, all_problems: bool, mutants: int,
                     min_mutation_score: float, seed: int, write_signatures: bool, as_json: bool,
                     backend: str) -> None:
    """Prove a problem's hidden tests are sound (reference 100%, starter 0, mutants caught, ...).

    Exit 0 when every check passes, 1 when one fails, 3 when the judge could not grade.
    """
    if not target and not all_problems:
        fail("name a problem (slug or folder) or pass --all")
    if target and all_problems:
        fail("name a problem or pass --all, not both")
    sys.exit(validate_cli(ctx, target, all_problems, mutants, as_json, backend,
                          min_mutation_score=min_mutation_score, seed=seed, write_signatures=write_signatures))




def validate_cli(ctx: Context, target: str | None, all_problems: bool, mutants: int, as_json: bool,
                 backend: str, *, min_mutation_score: float, seed: int, write_signatures: bool) -> int:
    """`judge problem validate`: one problem (slug or folder) or all of them; returns the exit code."""
    from judge.backends import SandboxUnavailable
    from judge.problems.catalog import ProblemError, discover, load_problem
    from judge.render.progress import LineProgress
    from judge.services.validate import (
        SCHEMA_VERSION,
        WORKERS,
        Validation,
        broken,
        overall_status,
        validate_problem,
    )

    if mutants < 0:
        fail("--mutants must be 0 or more")
    if not 0 <= min_mutation_score <= 100:
        fail("--min-mutation-score must be between 0 and 100")
    targets: list[Problem | Validation] = []
    if all_problems:
        found, errors = discover(ctx.problems)
        targets += found
        targets += [broken(e.split(":", 1)[0], e) for e in errors]
        if not targets:
            fail("no problems on the search path (see `judge list`)")
    else:
        assert target is not None
        path = Path(target)
        if path.is_dir():
            try:
                targets.append(load_problem(path))
            except ProblemError as exc:
                targets.append(broken(str(path.resolve()), str(exc)))
        elif path.exists():
            fail(f"{target} is a file; pass a problem's folder (the one holding problem.toml) or its slug")
        elif "/" in target or target.startswith(".") or target.endswith(".toml"):
            fail(f"no such folder: {target}; pass a problem's folder or its slug (see `judge list`)")
        else:
            targets.append(ctx.problem(target))
    err = ctx.err
    # Docker: a backend per problem, since its warm spares import that problem's libraries.
    shared = None if backend == "docker" else make_backend(backend, ctx)
    results: list[Validation] = []
    for item in targets:
        if isinstance(item, Validation):
            results.append(item)
            continue
        engine = shared or make_backend(backend, ctx, item, keep=WORKERS, early=True)
        try:
            results.append(validate_problem(item, engine, mutants=mutants, seed=seed,
                                            min_score=min_mutation_score, write_signatures=write_signatures,
                                            progress=None if as_json else LineProgress(err, item.slug)))
        except SandboxUnavailable as exc:
            fail(f"the judge could not grade: {exc}", EXIT_JUDGE)
        finally:
            leave_one_spare(engine, item.limits)
    if as_json:
        document = {"schema_version": SCHEMA_VERSION, "ok": all(v.ok for v in results),
                    "problems": [v.to_dict() for v in results]}
        click.echo(json.dumps(document, indent=2))
    else:
        for v in results:
            print_validation(ctx.out, v)
        if len(results) > 1:
            print_summary(ctx.out, results)
    return exit_code_for(overall_status(results))


_MARK = {PASS: "[green]PASS[/]", FAIL: "[red]FAIL[/]", SKIP: "[dim]SKIP[/]", ERROR: "[yellow]ERR [/]"}


def print_validation(out: Console, v: Validation) -> None:
    """One problem's checks, survivors as diffs, and what to do next."""
    from rich.markup import escape

    from judge.services.validate import EQUIVALENTS_FILE

    def say(text: str = "", markup: bool = True) -> None:
        out.print(text, markup=markup, soft_wrap=True)

    backend = f"  ({v.backend} backend)" if v.backend else ""
    say(f"[bold]{escape(v.slug)}[/]  {escape(v.root)}{backend}")
    width = max(len(c.name) for c in v.checks)
    for c in v.checks:
        say(f"  {_MARK[c.status]}  {c.name.ljust(width)}  {escape(c.summary)}")
        if c.name != "mutation":  # survivors are shown below, with their diffs
            for line in c.details:
                say(f"        {escape(line)}")
    outcomes = v.mutation.outcomes if v.mutation else ()
    survivors = [o for o in outcomes if o.status is MutantStatus.SURVIVED]
    for o in survivors:
        m = o.mutant
        say(f"\n  [yellow]survivor {m.id}[/]  {escape(m.function)}, line {m.line}: {escape(m.description)}")
        for line in m.diff.rstrip("\n").splitlines():
            style = "red" if line.startswith("-") else "green" if line.startswith("+") else ""
            say(f"    [{style}]{escape(line)}[/]" if style else f"    {escape(line)}")
    equivalents = [o for o in outcomes if o.status is MutantStatus.EQUIVALENT]
    if equivalents:
        say(f"\n  marked equivalent in {EQUIVALENTS_FILE} (not in the score):")
        for o in equivalents:
            say(f"    {o.mutant.id}  {escape(o.mutant.description)}: {escape(o.reason)}")
    verdict = {PASS: "[bold green]valid[/]", FAIL: "[bold red]not valid[/]",
               ERROR: "[bold yellow]not fully checked (the judge could not grade)[/]"}[v.status]
    failed = sum(not c.ok for c in v.checks)
    tally = f" ({failed} of {len(v.checks)} checks did not pass)" if failed else ""
    say(f"\n  {escape(v.slug)}: {verdict}{tally}")
    if survivors:
        say("  Each survivor is a behaviour no hidden test pins down: add a test that fails on it, or, "
            f"if it cannot change any result, mark it in {EQUIVALENTS_FILE}:")
        example = survivors[0].mutant.id
        say(f'    [[mutant]]\n    id = "{example}"\n    reason = "why no input can tell it apart"',
            markup=False)
    say()


def print_summary(out: Console, results: Sequence[Validation]) -> None:
    """One row a problem, for --all."""
    from rich.table import Table

    table = Table(header_style="bold")
    for column in ("Problem", "Result", "Failed checks", "Mutation score", "Survivors", "Suite time"):
        table.add_column(column)
    for v in results:
        m = v.mutation
        score = f"{m.score:g}%" if m is not None and m.score is not None else "-"
        survivors = str(m.count(MutantStatus.SURVIVED)) if m is not None else "-"
        timing = f"{v.timing['grading_s']:.1f} s" if v.timing else "-"
        failed = ", ".join(c.name for c in v.checks if not c.ok) or "-"
        table.add_row(v.slug, _MARK[v.status], failed, score, survivors, timing)
    out.print(table)
