"""`python -m bench.diagnosis`: how often the diagnosis names the right known mistake, a wrong one, or nothing.

Three measurements per problem (its committed ``signatures.json`` must be current):

1. **Known mistakes, leave-one-out** (no grading): each known mistake's failing tests, diagnosed against
   the full book (is it named as itself?) and against the book *without* it (it is then an unknown
   bug: the right answer is nothing, any name is wrong).
2. **Two known mistakes combined**: pairs of known mistakes merged into one file (``git merge-file`` of
   both onto the reference; pairs that do not merge cleanly are left out), a seeded sample of them graded
   through the real sandbox. Right: both named; one: one of the two named. And, without grading, every
   pair as the union of its two signatures (what the combined file fails when the mistakes do not
   interact): the same outcomes over all pairs.
3. **Independently written buggy solutions** (``--buggy DIR``, default ``/work/wt/buggy``:
   ``DIR/<slug>/*.py``, each opening with a ``# BUG:`` line), graded through the real sandbox, scored
   against the labels in ``bench/diagnosis_labels.toml`` (which known mistake each holds, or none).

It prints a table and, with ``--json FILE``, writes every graded case. Figures, never a pass/fail: the exit
code is 0 when everything could be graded, 1 when the judge failed on something, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from judge.backends import SandboxUnavailable, get_backend
from judge.execution import Executor, Task
from judge.model.report import Report, Status, Verdict
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem, find_problem
from judge.problems.diagnosis import THRESHOLD, Signature, diagnose
from judge.problems.teaching import known_mistake_files, mistake_book

LABELS = Path(__file__).with_name("diagnosis_labels.toml")
DEFAULT_BUGGY = Path("/work/wt/buggy")
PROBLEMS = ("data-cleaning", "iris-classifier", "feature-engineering", "rag-pipeline")


# -- scoring (pure) -----------------------------------------------------------------------------------

def outcome(named: list[str], truth: set[str]) -> str:
    """One case's outcome. A known bug: ``right`` (named among at most two), ``wrong`` (named, not it) or
    ``nothing``. Two known bugs: ``both``, ``one``, ``wrong``, ``nothing``. An unknown bug (``truth``
    empty): ``nothing`` (right) or ``wrong``."""
    hits = set(named) & truth
    if not named:
        return "nothing"
    if not truth or not hits:
        return "wrong"
    if len(truth) == 1:
        return "right"
    return "both" if hits == truth else "one"


def up_to_twins(names: list[str] | set[str], signatures: list[Signature]) -> set[str]:
    """Each mistake replaced by a representative of its identical-signature group (the tests cannot tell
    the members apart, so naming one of them for another is the same evidence)."""
    by_set: dict[frozenset[str], str] = {}
    for sig in sorted(signatures, key=lambda s: s.mistake):
        by_set.setdefault(sig.failing, sig.mistake)
    own = {s.mistake: by_set[s.failing] for s in signatures}
    return {own.get(n, n) for n in names}


def leave_one_out(signatures: list[Signature]) -> list[dict[str, Any]]:
    """Per known mistake: its diagnosis with the full book, and with itself left out of the book."""
    rows = []
    for sig in signatures:
        full = [m.mistake for m in diagnose(sig.failing, signatures)]
        others = [s for s in signatures if s.mistake != sig.mistake]
        held_out = [m.mistake for m in diagnose(sig.failing, others)]
        twins = sorted(s.mistake for s in others if s.failing == sig.failing)
        rows.append({"mistake": sig.mistake, "full_book": full, "full": outcome(full, {sig.mistake}),
                     "left_out": held_out, "loo": outcome(held_out, set()), "identical_to": twins})
    return rows


def every_pair(signatures: list[Signature]) -> Counter[str]:
    """Every pair of known mistakes, diagnosed from the union of their signatures: both, one, wrong or
    nothing named (a pair where one signature holds the other is left out: its union is one mistake)."""
    found: Counter[str] = Counter()
    for a, b in combinations(signatures, 2):
        if a.failing <= b.failing or b.failing <= a.failing:
            continue
        named = [m.mistake for m in diagnose(a.failing | b.failing, signatures)]
        found[outcome(named, {a.mistake, b.mistake})] += 1
    return found


def _docstring_lines(source: str) -> int:
    """How many lines the module docstring takes (0 when there is none or the source does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.end_lineno or 0
    return 0


def _same_docstring(reference: str, variant: str) -> str:
    """``variant`` with the reference's module docstring: a known mistake describes itself there, which
    would make every pair of them conflict at the top of the file."""
    ref_n, var_n = _docstring_lines(reference), _docstring_lines(variant)
    if not ref_n or not var_n:
        return variant
    return "".join(reference.splitlines(keepends=True)[:ref_n] + variant.splitlines(keepends=True)[var_n:])


def merge_pair(reference: str, first: str, second: str) -> str | None:
    """Both mistakes' changes applied to the reference, or None when they touch the same lines."""
    first, second = _same_docstring(reference, first), _same_docstring(reference, second)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / name for name in ("a.py", "base.py", "b.py")]
        for path, text in zip(paths, (first, reference, second), strict=True):
            path.write_text(text, encoding="utf-8")
        done = subprocess.run(["git", "merge-file", "-p", "--quiet", *map(str, paths)], capture_output=True,
                              text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def read_note(source: str) -> str:
    """The ``# BUG:`` line a buggy solution opens with."""
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    return first.removeprefix("#").strip().removeprefix("BUG:").strip()


# -- one problem ---------------------------------------------------------------------------------------

@dataclass
class Case:
    """One graded file: what it holds (``truth``) and what the report named."""

    kind: str  # "pair" | "buggy"
    name: str
    truth: set[str]
    note: str = ""
    named: tuple[str, ...] = ()
    matches: tuple[float, ...] = ()
    verdict: str = ""
    percent: float = 0.0
    result: str = ""
    failing: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "truth": sorted(self.truth), "note": self.note,
                "named": list(self.named), "match": list(self.matches), "verdict": self.verdict,
                "percent": self.percent, "result": self.result, "failing": sorted(self.failing)}


def score_case(case: Case, report: Report) -> None:
    """Fill in what the report said and the case's outcome."""
    case.named = tuple(d.mistake for d in report.diagnosis)
    case.matches = tuple(round(d.match, 2) for d in report.diagnosis)
    case.verdict, case.percent = report.verdict.value, report.percent
    case.failing = frozenset(t.id for t in report.tests if t.status is not Status.PASS)
    if report.verdict is Verdict.PASSED:
        case.result = "passed" if case.kind == "correct" else "not caught"
    elif report.verdict is Verdict.SANDBOX_ERROR:
        case.result = "judge error"
    elif report.verdict is not Verdict.FAILED:
        case.result = f"{report.verdict.value} (not diagnosed)"
    else:
        case.result = outcome(list(case.named), case.truth)


def pair_cases(problem: Problem, count: int, seed: int) -> list[tuple[Case, str]]:
    """A seeded sample of cleanly merging pairs of known mistakes, with their merged sources."""
    reference = problem.reference_path.read_text(encoding="utf-8")
    files = {p.stem: p.read_text(encoding="utf-8") for p in known_mistake_files(problem)}
    pairs = list(combinations(sorted(files), 2))
    random.Random(seed).shuffle(pairs)
    chosen: list[tuple[Case, str]] = []
    for a, b in pairs:
        if len(chosen) >= count:
            break
        merged = merge_pair(reference, files[a], files[b])
        if merged is not None and merged not in (files[a], files[b], reference):
            chosen.append((Case("pair", f"{a} + {b}", {a, b}), merged))
    return chosen


def buggy_cases(problem: Problem, folder: Path, labels: dict[str, str]) -> list[tuple[Case, str]]:
    """The buggy solutions written for ``problem``, labelled."""
    cases = []
    for path in sorted((folder / problem.slug).glob("*.py")) if (folder / problem.slug).is_dir() else []:
        source = path.read_text(encoding="utf-8", errors="replace")
        if path.stem.startswith("correct"):
            cases.append((Case("correct", path.stem, set(), "a correct solution"), source))
            continue
        if path.stem not in labels:
            cases.append((Case("unlabelled", path.stem, set(), read_note(source)), source))
            continue
        label = labels[path.stem]
        cases.append((Case("buggy", path.stem, {label} if label else set(), read_note(source)), source))
    return cases


def grade_cases(problem: Problem, cases: list[tuple[Case, str]], backend_name: str, jobs: int) -> int:
    """Grade every case's source through the executor; returns how many the judge failed on."""
    executor = Executor(get_backend(backend_name), jobs)
    tasks = [Task(str(i), problem, SolutionText.from_source(src, case.name)) for i, (case, src) in enumerate(cases)]
    execution = executor.run(tasks)
    if execution.infrastructure_error:
        raise SandboxUnavailable(execution.infrastructure_error)
    failures = 0
    for i, (case, _) in enumerate(cases):
        report = execution.reports.get(str(i))
        if report is None:
            case.result, failures = "judge error", failures + 1
        else:
            score_case(case, report)
            failures += case.result == "judge error"
    return failures


def sweep(signatures_by_problem: dict[str, list[Signature]], cases_by_problem: dict[str, list[Case]],
          thresholds: tuple[float, ...]) -> list[tuple[float, Counter[str], Counter[str], Counter[str]]]:
    """What a different threshold would have said: per threshold, the known-mistake leave-one-out
    outcomes and the buggy solutions' outcomes (known bugs, unknown bugs), re-diagnosed from the same
    failing tests. For choosing the threshold; the committed one is ``THRESHOLD``."""
    rows = []
    for t in thresholds:
        loo, known, unknown = Counter[str](), Counter[str](), Counter[str]()
        for slug, sigs in signatures_by_problem.items():
            for sig in sigs:
                others = [s for s in sigs if s.mistake != sig.mistake]
                loo[outcome([m.mistake for m in diagnose(sig.failing, others, threshold=t)], set())] += 1
            for case in cases_by_problem.get(slug, []):
                if case.kind != "buggy" or case.verdict != Verdict.FAILED.value:
                    continue
                named = [m.mistake for m in diagnose(case.failing, sigs, threshold=t)]
                (known if case.truth else unknown)[outcome(named, case.truth)] += 1
        rows.append((t, loo, known, unknown))
    return rows


# -- the run -------------------------------------------------------------------------------------------

def share(counter: Counter[str], keys: tuple[str, ...], total: int) -> str:
    return "  ".join(f"{k} {counter[k]}/{total}" for k in keys if counter[k] or k in keys[:1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.diagnosis", description=__doc__.splitlines()[0])
    parser.add_argument("--problem", action="append", help="Only this problem (repeatable).")
    parser.add_argument("--buggy", type=Path, default=DEFAULT_BUGGY, help="Folder of <slug>/*.py buggy solutions.")
    parser.add_argument("--pairs", type=int, default=12, help="Combined pairs graded per problem (0: none).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--backend", choices=("docker", "local"), default="docker")
    parser.add_argument("--json", type=Path, help="Write every case here.")
    parser.add_argument("-v", "--verbose", action="store_true", help="Print every graded case.")
    args = parser.parse_args(argv)
    labels_all = tomllib.loads(LABELS.read_text(encoding="utf-8"))
    document: dict[str, Any] = {"problems": {}}
    failures = 0
    totals: dict[str, Counter[str]] = {k: Counter() for k in ("loo-full", "loo", "pair", "union", "known",
                                                               "unknown")}
    lines = []
    twin_lines: list[str] = []
    signatures_by_problem: dict[str, list[Signature]] = {}
    cases_by_problem: dict[str, list[Case]] = {}
    for slug in args.problem or PROBLEMS:
        problem = find_problem(slug)
        book = mistake_book(problem)
        if book is None:
            print(f"{slug}: no current signatures.json (or no mistakes.toml): run `judge problem validate "
                  f"{slug} --write-signatures`", file=sys.stderr)
            continue
        signatures = list(book.signatures)
        signatures_by_problem[slug] = signatures
        loo = leave_one_out(signatures)
        cases = pair_cases(problem, args.pairs, args.seed) + buggy_cases(problem, args.buggy, labels_all.get(slug, {}))
        print(f"{slug}: grading {len(cases)} files ...", file=sys.stderr, flush=True)
        failures += grade_cases(problem, cases, args.backend, args.jobs)
        cases_by_problem[slug] = [c for c, _ in cases]
        full = Counter(r["full"] for r in loo)
        held = Counter(r["loo"] for r in loo)
        pairs = Counter(c.result for c, _ in cases if c.kind == "pair")
        unions = every_pair(signatures)
        pairs_twins = Counter(outcome(sorted(up_to_twins(list(c.named), signatures)), up_to_twins(c.truth, signatures))
                              for c, _ in cases if c.kind == "pair" and c.verdict == Verdict.FAILED.value)
        known = Counter(c.result for c, _ in cases if c.kind == "buggy" and c.truth)
        unknown = Counter(c.result for c, _ in cases if c.kind == "buggy" and not c.truth)
        for key, counter in (("loo-full", full), ("loo", held), ("pair", pairs), ("union", unions), ("known", known),
                             ("unknown", unknown)):
            totals[key].update(counter)
        lines.append((slug, len(loo), full, held, pairs, unions, known, unknown))
        twin_lines.append(f"  {slug}: two combined, identical-signature twins counted as the same mistake: "
                          + share(pairs_twins, ("both", "one", "wrong", "nothing"), sum(pairs_twins.values())))
        document["problems"][slug] = {"leave_one_out": loo, "cases": [c.to_dict() for c, _ in cases]}
        if args.verbose:
            for r in loo:
                print(f"  LOO {r['mistake']:<34} full book: {r['full']:<7} left out: {r['loo']:<7} "
                      f"named {r['left_out']}" + (f"  identical to {r['identical_to']}" if r["identical_to"]
                                                  else ""))
            for c, _ in cases:
                print(f"  {c.kind:<7} {c.name:<48} truth {sorted(c.truth)} -> {c.result:<8} named "
                      f"{list(zip(c.named, c.matches, strict=True))} ({c.verdict} {c.percent:g}%)  {c.note[:70]}")
    print()
    head = ("problem", "mistakes", "self-diagnosis (full book)", "left out: unknown bug",
            "two combined (graded)", "every pair (signature union)", "buggy, known bug", "buggy, unknown bug")
    rows = [(slug, str(n), share(f, ("right", "wrong", "nothing"), n), share(h, ("nothing", "wrong"), n),
             share(p, ("both", "one", "wrong", "nothing", "not caught"), sum(p.values())),
             share(un, ("both", "one", "wrong", "nothing"), sum(un.values())),
             share(k, ("right", "wrong", "nothing", "not caught"), sum(k.values())),
             share(u, ("nothing", "wrong", "not caught"), sum(u.values())))
            for slug, n, f, h, p, un, k, u in lines]
    rows.append(("all", str(sum(n for _, n, *_ in lines)),
                 share(totals["loo-full"], ("right", "wrong", "nothing"), sum(totals["loo-full"].values())),
                 share(totals["loo"], ("nothing", "wrong"), sum(totals["loo"].values())),
                 share(totals["pair"], ("both", "one", "wrong", "nothing", "not caught"),
                       sum(totals["pair"].values())),
                 share(totals["union"], ("both", "one", "wrong", "nothing"), sum(totals["union"].values())),
                 share(totals["known"], ("right", "wrong", "nothing", "not caught"), sum(totals["known"].values())),
                 share(totals["unknown"], ("nothing", "wrong", "not caught"), sum(totals["unknown"].values()))))
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    for cells in (head, *rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)))
    print("\n".join(["", *twin_lines]))
    print(f"\nThreshold (committed: {THRESHOLD}): the same failing tests diagnosed again at other thresholds")
    for t, loo_at, known_at, unknown_at in sweep(signatures_by_problem, cases_by_problem, (0.5, 0.6, 0.7, 0.8, 0.9)):
        print(f"  {t:.1f}  left-out mistakes: {share(loo_at, ('nothing', 'wrong'), sum(loo_at.values()))}   "
              "buggy, known bug: "
              f"{share(known_at, ('right', 'wrong', 'nothing'), sum(known_at.values()))}   buggy, unknown bug: "
              f"{share(unknown_at, ('nothing', 'wrong'), sum(unknown_at.values()))}")
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
