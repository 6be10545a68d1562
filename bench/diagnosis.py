"""`python -m bench.diagnosis`: how often the diagnosis names the right known mistake, a wrong one, or nothing.

Per problem (its committed ``signatures.json`` must be current):

1. **Known mistakes, leave-one-out** (no grading): each known mistake's failing tests, diagnosed against
   the full book (is it named as itself?) and against the book *without* it (it is then an unknown
   bug: the right answer is nothing, any name is wrong).
2. **Two known mistakes combined**: pairs of known mistakes merged into one file (``git merge-file`` of
   both onto the reference; pairs that do not merge cleanly are left out), a seeded sample of them graded
   through the real sandbox. Right: both named; one: one of the two named. And, without grading, every
   pair as the union of its two signatures (what the combined file fails when the mistakes do not
   interact): the same outcomes over all pairs.
3. **Mock-candidate solutions**, committed in ``bench/diagnosis_cases/<slug>/<set>/*.py`` (a set is one
   batch of mock candidates: ``dev`` was used while the catalogue and the diagnosis were changed;
   ``heldout1`` was measured once, then used as ``dev`` for the next round of changes; ``heldout2`` was
   written by other mock candidates without sight of those changes, labelled, and only measured). Each buggy
   file opens with its ``# BUG:`` line; ``correct*.py`` files are correct solutions (right: passed, nothing
   named). Graded through the real sandbox, scored against ``bench/diagnosis_labels.toml``: per file, the
   known mistake it holds (a ``known_mistakes/`` stem), ``""`` for a mistake outside the catalogue, or a
   list of two for a file holding two mistakes (``["a", "b"]``, or ``["a", ""]`` for a known one and one
   outside). The labels are written from the ``# BUG:`` line and the code before the diagnosis is run on the set.

   Headline figures, per set and overall: **right-first** (of the single-mistake files: a known mistake
   named first, or nothing named for a mistake outside the catalogue), **wrong** (of every file: anything
   named that is not in its label), **both of a pair** (of the files holding two known mistakes: both
   named); then a row per problem.

It prints tables and, with ``--json FILE``, writes every case (``--replay FILE`` diagnoses a written file's
failing tests again instead of grading: for trying a change to the matching, valid while the suites and
signatures are the ones it was graded on). Figures, never a pass/fail: the exit code is 0 when everything
could be graded, 1 when the judge failed on something, 2 for bad arguments.
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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any, NamedTuple

from judge.backends import SandboxUnavailable, get_backend
from judge.execution import Executor, Task
from judge.model.report import Report, Status, Verdict
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem, find_problem
from judge.problems.diagnosis import PAIR_THRESHOLD, THRESHOLD, Signature, diagnose
from judge.problems.teaching import known_mistake_files, mistake_book, suite_digest

LABELS = Path(__file__).with_name("diagnosis_labels.toml")
CASES = Path(__file__).with_name("diagnosis_cases")
PROBLEMS = ("data-cleaning", "iris-classifier", "feature-engineering", "rag-pipeline", "classification-metrics",
            "logistic-regression-gd", "attention-numpy", "pca-svd", "imbalanced-classification", "drift-monitor",
            "model-serving", "hybrid-search")


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


def label_truth(label: object) -> tuple[str, ...] | None:
    """A label as the mistakes a file holds: ``"a"`` -> ("a",), ``""`` -> ("",) (one mistake outside the
    catalogue), ``["a", "b"]`` -> ("a", "b"), ``["a", ""]`` -> ("a", ""), ``["", ""]`` (two outside it);
    None when it is none of those."""
    if isinstance(label, str):
        return (label,)
    if isinstance(label, list) and len(label) == 2 and all(isinstance(x, str) for x in label):
        return (label[0], label[1])
    return None


class Judged(NamedTuple):
    """How one mock-candidate file was diagnosed, against what it holds (``truth``: known-mistake stems, ""
    for a mistake outside the catalogue; empty for a correct solution)."""

    kind: str  # "correct" | "single" | "pair"
    result: str  # single: right-first, right-later, wrong, nothing (a known one missed), silent (an unknown one,
    # right); pair: both, one, nothing; correct: passed, failed
    wrong: bool  # something named that the file does not hold


def judge_case(named: list[str], truth: tuple[str, ...], passed: bool) -> Judged:
    """Score one file. A single known mistake is right when named first; a single mistake outside the
    catalogue when nothing is named. A pair of known mistakes: both, one or nothing of them named; a known
    mistake paired with one outside: "one" when the known one is named. A correct solution: passed with
    nothing named. ``wrong`` is independent of the result: any name outside ``truth``."""
    known = [t for t in truth if t]
    wrong = any(n not in known for n in named)
    if not truth:
        return Judged("correct", "passed" if passed and not named else "failed", wrong)
    if len(truth) == 1:
        if not known:
            return Judged("single", "silent" if not named else "wrong", wrong)
        if named[:1] == known:
            return Judged("single", "right-first", wrong)
        return Judged("single", "right-later" if known[0] in named else ("wrong" if named else "nothing"), wrong)
    hits = len(set(known) & set(named))
    if len(known) == 2 and known[0] != known[1]:
        return Judged("pair", "both" if hits == 2 else "one" if hits else "nothing", wrong)
    return Judged("pair-unknown", "one" if hits else "nothing", wrong)


@dataclass
class Tally:
    """The headline counts over a group of judged files."""

    singles: int = 0
    right_first: int = 0
    cases: int = 0
    wrong: int = 0
    pairs: int = 0
    both: int = 0
    correct: int = 0
    correct_passed: int = 0
    not_caught: int = 0
    not_plain: int = 0  # crashed, timed out, did not compile...: graded, never diagnosed
    results: Counter[str] = field(default_factory=Counter)

    def add(self, judged: Judged, verdict: str) -> None:
        """Count one file whose report had ``verdict``."""
        caught = verdict != Verdict.PASSED.value
        self.not_plain += verdict not in (Verdict.PASSED.value, Verdict.FAILED.value)
        self.cases += 1
        self.wrong += judged.wrong
        self.results[f"{judged.kind}:{judged.result}"] += 1
        if judged.kind == "single":
            self.singles += 1
            self.right_first += judged.result in ("right-first", "silent")
        elif judged.kind == "pair":
            self.pairs += 1
            self.both += judged.result == "both"
        elif judged.kind == "correct":
            self.correct += 1
            self.correct_passed += judged.result == "passed"
        if judged.kind != "correct" and not caught:
            self.not_caught += 1

    def cells(self) -> tuple[str, ...]:
        def frac(a: int, b: int) -> str:
            return f"{a}/{b} ({a / b:.0%})" if b else "-"
        return (frac(self.right_first, self.singles), frac(self.wrong, self.cases), frac(self.both, self.pairs),
                frac(self.correct_passed, self.correct), str(self.not_caught), str(self.not_plain))


# -- one problem ---------------------------------------------------------------------------------------

@dataclass
class Case:
    """One graded file: what it holds (``truth``) and what the report named."""

    kind: str  # "pair" (two known mistakes merged) | "mock" (a mock candidate's file)
    name: str
    truth: tuple[str, ...]
    note: str = ""
    set: str = ""
    named: tuple[str, ...] = ()
    matches: tuple[float, ...] = ()
    verdict: str = ""
    percent: float = 0.0
    result: str = ""
    failing: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "set": self.set, "name": self.name, "truth": list(self.truth), "note": self.note,
                "named": list(self.named), "match": list(self.matches), "verdict": self.verdict,
                "percent": self.percent, "result": self.result, "failing": sorted(self.failing)}

    def judged(self) -> Judged:
        return judge_case(list(self.named), self.truth, self.verdict == Verdict.PASSED.value)


def score_case(case: Case, report: Report) -> None:
    """Fill in what the report said and the case's outcome."""
    case.named = tuple(d.mistake for d in report.diagnosis)
    case.matches = tuple(round(d.match, 2) for d in report.diagnosis)
    case.verdict, case.percent = report.verdict.value, report.percent
    case.failing = frozenset(t.id for t in report.tests if t.status is not Status.PASS)
    if report.verdict is Verdict.SANDBOX_ERROR:
        case.result = "judge error"
    elif case.kind == "pair":
        case.result = ("not caught" if report.verdict is Verdict.PASSED else
                       outcome(list(case.named), set(case.truth)) if report.verdict is Verdict.FAILED else
                       f"{report.verdict.value} (not diagnosed)")
    else:
        case.result = case.judged().result


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
            chosen.append((Case("pair", f"{a} + {b}", (a, b)), merged))
    return chosen


def mock_cases(problem: Problem, folder: Path, labels: dict[str, dict[str, Any]],
               sets: list[str] | None) -> tuple[list[tuple[Case, str]], list[str]]:
    """The mock-candidate files committed for ``problem`` (``folder/<slug>/<set>/*.py``), labelled, and the
    complaints: a file without a label, a label without a file, a label of the wrong shape."""
    cases: list[tuple[Case, str]] = []
    problems: list[str] = []
    root = folder / problem.slug
    for set_dir in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        if sets and set_dir.name not in sets:
            continue
        given = labels.get(set_dir.name, {}).get(problem.slug, {})
        stems = set()
        for path in sorted(set_dir.glob("*.py")):
            stems.add(path.stem)
            source = path.read_text(encoding="utf-8", errors="replace")
            if path.stem.startswith("correct"):
                cases.append((Case("mock", path.stem, (), "a correct solution", set_dir.name), source))
                continue
            truth = label_truth(given.get(path.stem)) if path.stem in given else None
            if truth is None:
                problems.append(f"{set_dir.name}/{problem.slug}/{path.name}: no label (or not a stem, \"\" or a "
                                "list of two) in bench/diagnosis_labels.toml")
                continue
            unknown = [t for t in truth if t and t not in {p.stem for p in known_mistake_files(problem)}]
            problems += [f"{set_dir.name}/{problem.slug}/{path.name}: {t!r} is not a known mistake" for t in unknown]
            cases.append((Case("mock", path.stem, truth, read_note(source), set_dir.name), source))
        problems += [f"{set_dir.name}/{problem.slug}: label {stem!r} has no file" for stem in given
                     if stem not in stems]
    return cases, problems


def grade_cases(problem: Problem, cases: list[tuple[Case, str]], backend_name: str, jobs: int,
                time_factor: float = 1.0) -> int:
    """Grade every case's source through the executor; returns how many the judge failed on.
    ``time_factor`` stretches the problem's time limits (a loaded shared machine makes suites time out:
    a timeout says nothing about the diagnosis this measures)."""
    if not cases:
        return 0
    executor = Executor(get_backend(backend_name), jobs)
    limits = replace(problem.limits, timeout_s=problem.limits.timeout_s * time_factor,
                     test_timeout_s=problem.limits.test_timeout_s * time_factor)
    tasks = [Task(str(i), problem, SolutionText.from_source(src, case.name), limits=limits)
             for i, (case, src) in enumerate(cases)]
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


def replay_cases(problem: Problem, cases: list[tuple[Case, str]], recorded: dict[str, Any],
                 signatures: list[Signature]) -> int:
    """Fill ``cases`` from a written ``--json`` document's grading of the same files (matched by set and
    name), diagnosed again with today's matching; returns how many had no recorded grading."""
    graded = {(c.get("set", ""), c["name"]): c for c in recorded.get("cases", [])}
    missing = 0
    for case, _ in cases:
        old = graded.get((case.set, case.name))
        if old is None or not old.get("verdict") or old["verdict"] == Verdict.SANDBOX_ERROR.value:
            case.result, missing = "judge error", missing + 1
            continue
        case.verdict, case.percent = old["verdict"], old["percent"]
        case.failing = frozenset(old["failing"])
        found = diagnose(case.failing, signatures) if case.verdict == Verdict.FAILED.value else []
        case.named = tuple(m.mistake for m in found)
        case.matches = tuple(round(m.match, 2) for m in found)
        if case.kind == "pair":
            case.result = ("not caught" if case.verdict == Verdict.PASSED.value else
                           outcome(list(case.named), set(case.truth)) if case.verdict == Verdict.FAILED.value
                           else f"{case.verdict} (not diagnosed)")
        else:
            case.result = case.judged().result
    return missing


def sweep(signatures_by_problem: dict[str, list[Signature]], cases_by_problem: dict[str, list[Case]],
          thresholds: tuple[float, ...]) -> list[tuple[float, Counter[str], dict[str, Tally]]]:
    """What a different threshold would have said: per threshold, the known-mistake leave-one-out
    outcomes and, per set, the mock-candidate files' figures, re-diagnosed from the same failing tests. For
    choosing the threshold on leave-one-out and the dev set; the committed one is ``THRESHOLD``."""
    rows = []
    for t in thresholds:
        loo: Counter[str] = Counter()
        tallies: dict[str, Tally] = {}
        for slug, sigs in signatures_by_problem.items():
            for sig in sigs:
                others = [s for s in sigs if s.mistake != sig.mistake]
                loo[outcome([m.mistake for m in diagnose(sig.failing, others, threshold=t)], set())] += 1
            for case in cases_by_problem.get(slug, []):
                if case.kind != "mock" or not case.verdict or case.result == "judge error":
                    continue
                named = ([m.mistake for m in diagnose(case.failing, sigs, threshold=t)]
                         if case.verdict == Verdict.FAILED.value else [])
                judged = judge_case(named, case.truth, case.verdict == Verdict.PASSED.value)
                tallies.setdefault(case.set, Tally()).add(judged, case.verdict)
        rows.append((t, loo, tallies))
    return rows


# -- the run -------------------------------------------------------------------------------------------

def share(counter: Counter[str], keys: tuple[str, ...], total: int) -> str:
    return "  ".join(f"{k} {counter[k]}/{total}" for k in keys if counter[k] or k in keys[:1])


def table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    return [" | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()
            for cells in (head, *rows)]


TALLY_HEAD = ("right-first (single mistakes)", "wrong (any file)", "both of a pair", "correct: passed, none named",
              "mistakes not caught", "not a plain failure")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.diagnosis", description=__doc__.splitlines()[0])
    parser.add_argument("--problem", action="append", help="Only this problem (repeatable).")
    parser.add_argument("--set", action="append", dest="sets", help="Only this set of mock-candidate files "
                        "(repeatable; default every set in bench/diagnosis_cases).")
    parser.add_argument("--cases", type=Path, default=CASES, help="Folder of <slug>/<set>/*.py mock-candidate files.")
    parser.add_argument("--pairs", type=int, default=12, help="Combined pairs graded per problem (0: none).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--backend", choices=("docker", "local"), default="docker")
    parser.add_argument("--time-factor", type=float, default=1.0,
                        help="Stretch each problem's time limits (for a loaded machine; default 1).")
    parser.add_argument("--json", type=Path, help="Write every case here.")
    parser.add_argument("--replay", type=Path, help="Diagnose the failing tests a --json file recorded again "
                        "instead of grading.")
    parser.add_argument("-v", "--verbose", action="store_true", help="Print every graded case.")
    args = parser.parse_args(argv)
    labels_all = tomllib.loads(LABELS.read_text(encoding="utf-8"))
    recorded = json.loads(args.replay.read_text(encoding="utf-8"))["problems"] if args.replay else {}
    document: dict[str, Any] = {"problems": {}}
    failures = 0
    totals: dict[str, Counter[str]] = {k: Counter() for k in ("loo-full", "loo", "pair", "union")}
    lines = []
    tallies: dict[tuple[str, str], Tally] = {}
    signatures_by_problem: dict[str, list[Signature]] = {}
    cases_by_problem: dict[str, list[Case]] = {}
    complaints: list[str] = []
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
        mocks, found = mock_cases(problem, args.cases, labels_all, args.sets)
        complaints += found
        cases = pair_cases(problem, args.pairs, args.seed) + mocks
        digest = suite_digest(problem)
        if args.replay:
            old = recorded.get(slug, {})
            if old.get("suite_sha256") != digest:
                print(f"{slug}: {args.replay} was graded on another suite; grade again", file=sys.stderr)
                failures += len(cases)
                continue
            failures += replay_cases(problem, cases, old, signatures)
        else:
            print(f"{slug}: grading {len(cases)} files ...", file=sys.stderr, flush=True)
            failures += grade_cases(problem, cases, args.backend, args.jobs, args.time_factor)
        cases_by_problem[slug] = [c for c, _ in cases]
        full = Counter(r["full"] for r in loo)
        held = Counter(r["loo"] for r in loo)
        pairs = Counter(c.result for c, _ in cases if c.kind == "pair")
        unions = every_pair(signatures)
        for key, counter in (("loo-full", full), ("loo", held), ("pair", pairs), ("union", unions)):
            totals[key].update(counter)
        lines.append((slug, len(loo), full, held, pairs, unions))
        for case, _ in cases:
            if case.kind == "mock" and case.verdict and case.result != "judge error":
                for group in ((case.set, slug), (case.set, ""), ("", slug), ("", "")):
                    tallies.setdefault(group, Tally()).add(case.judged(), case.verdict)
        document["problems"][slug] = {"suite_sha256": digest, "leave_one_out": loo,
                                      "cases": [c.to_dict() for c, _ in cases]}
        if args.json:  # after every problem: a long run stopped halfway keeps what it graded
            args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        if args.verbose:
            for r in loo:
                print(f"  LOO {r['mistake']:<34} full book: {r['full']:<7} left out: {r['loo']:<7} "
                      f"named {r['left_out']}")
            for c, _ in cases:
                print(f"  {c.set or c.kind:<7} {c.name:<40} truth {list(c.truth)} -> {c.result:<11} named "
                      f"{list(zip(c.named, c.matches, strict=True))} ({c.verdict} {c.percent:g}%)  {c.note[:70]}")
    print()
    head = ("problem", "mistakes", "self-diagnosis (full book)", "left out: unknown bug",
            "two combined (graded)", "every pair (signature union)")
    rows = [(slug, str(n), share(f, ("right", "wrong", "nothing"), n), share(h, ("nothing", "wrong"), n),
             share(p, ("both", "one", "wrong", "nothing", "not caught"), sum(p.values())),
             share(un, ("both", "one", "wrong", "nothing"), sum(un.values())))
            for slug, n, f, h, p, un in lines]
    rows.append(("all", str(sum(n for _, n, *_ in lines)),
                 share(totals["loo-full"], ("right", "wrong", "nothing"), sum(totals["loo-full"].values())),
                 share(totals["loo"], ("nothing", "wrong"), sum(totals["loo"].values())),
                 share(totals["pair"], ("both", "one", "wrong", "nothing", "not caught"),
                       sum(totals["pair"].values())),
                 share(totals["union"], ("both", "one", "wrong", "nothing"), sum(totals["union"].values()))))
    print("\n".join(table(head, rows)))
    sets = sorted({s for s, _ in tallies if s})
    if sets:
        print("\nMock-candidate files (bench/diagnosis_cases, labels in bench/diagnosis_labels.toml)")
        mock_rows = []
        for name in [*sets, ""]:
            if name == "" and len(sets) == 1:
                continue
            mock_rows.append((name or "all sets", "all", str(tallies[(name, "")].cases), *tallies[(name, "")].cells()))
            mock_rows += [(name or "all sets", slug, str(tallies[(name, slug)].cases), *tallies[(name, slug)].cells())
                          for slug in signatures_by_problem if (name, slug) in tallies]
        print("\n".join(table(("set", "problem", "files", *TALLY_HEAD), mock_rows)))
    print(f"\nThreshold for one mistake (committed: {THRESHOLD}; two: {PAIR_THRESHOLD}): the same failing tests "
          "diagnosed again at other thresholds")
    for t, loo_at, sets_at in sweep(signatures_by_problem, cases_by_problem, (0.7, 0.8, 0.85, 0.9, 0.95)):
        per_set = "   ".join(f"{name}: right-first {tally.right_first}/{tally.singles} wrong {tally.wrong}/"
                             f"{tally.cases} both {tally.both}/{tally.pairs}"
                             for name, tally in sorted(sets_at.items()))
        print(f"  {t:.2f}  left-out mistakes: {share(loo_at, ('nothing', 'wrong'), sum(loo_at.values()))}   "
              + per_set)
    for line in complaints:
        print(f"warning: {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
