"""`judge problem validate`: prove a problem's hidden tests sound, through the real grading path.

Every run goes through the grading core (``judge.execution.Executor``) with the chosen backend (Docker by
default). The checks,
each a clear pass or fail:

- ``layout``: problem.toml loads; reference, starter, public and hidden tests are present;
  ``equivalent_mutants.toml`` (optional) is readable.
- ``test-metadata``: every hidden test declares its points and its requirement and has a docstring
  (read statically, as the host does when grading).
- ``requirements``: every requirement a test names is in the statement, and every requirement of the
  statement is checked by at least one hidden test.
- ``reference``: the reference solution scores 100%; ``deterministic``: a second run gives the same
  per-test statuses.
- ``starter``: the starter scores 0 points; ``public``: the public tests pass on the reference.
- ``teaching``: every requirement has a title and 2-3 hints (``requirements.toml``), every known mistake a
  title and an explanation (``mistakes.toml``), and ``editorial.md`` its sections and three follow-ups.
- ``known-mistakes``: every file in ``known_mistakes/`` scores below 100% (the report names the tests
  that caught it).
- ``signatures``: ``signatures.json`` records, for each known mistake, the hidden tests it fails (what
  grading diagnoses with); it must equal what this run found. ``--write-signatures`` writes it.
- ``mutation``: mutants of the reference (``judge.problems.mutate``) are graded; a mutant is killed when it scores
  below 100%. Policy: mutants listed in ``equivalent_mutants.toml`` (by id, with a reason) are left out
  of the score; the check passes when killed / (killed + survived) reaches ``--min-mutation-score``
  (80% by default), so a problem below it passes only once every survivor is killed by a new test or
  marked equivalent. Survivors are always listed, as unified diffs, even when the check passes.
- ``suite-time``: the reference's grading time (and the sum of its test durations) fits in half of
  the problem's time limit, leaving room for a loaded grader.

After the first reference run, everything else is graded in parallel through ``judge.execution.Executor``
(its retry rule: a run the judge could not grade is tried once more before it counts as an error). Mutants
get a shorter time limit (four times the reference's grading time, at least 30 s, at most the
problem's): a mutant that loops is killed by timeout either way, and the run stays short.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judge.backends import Backend, SandboxUnavailable
from judge.execution import Executor, Task
from judge.model.batch import NullProgress, Progress, Row
from judge.model.checks import Check
from judge.model.limits import Limits
from judge.model.outcomes import MutantStatus, RowState, Status, Verdict
from judge.model.parsing import parse
from judge.model.report import Report
from judge.model.submission import SolutionText
from judge.problems.catalog import Problem
from judge.problems.diagnosis import Signature, indistinguishable
from judge.problems.mutate import Mutant, all_mutants, select
from judge.problems.teaching import (
    SIGNATURES_FILE,
    check_content,
    file_digest,
    read_signatures,
    signatures_document,
    suite_digest,
)
from judge.problems.testmeta import TestMetaError, TestSpec, read_suite
from judge.store.files import write_json

SCHEMA_VERSION = 1
DEFAULT_MIN_MUTATION_SCORE = 80.0
DEFAULT_SEED = 0
WORKERS = 2
EQUIVALENTS_FILE = "equivalent_mutants.toml"
EQUIVALENT_MISTAKES_FILE = "equivalent_mistakes.toml"
MUTANT_TIMEOUT_FLOOR_S = 30.0
MUTANT_TIMEOUT_FACTOR = 4.0
SUITE_TIME_SHARE = 0.5  # the reference may use at most this share of the problem's time limit

PASS, FAIL, SKIP, ERROR = Status.PASS, Status.FAIL, Status.SKIP, Status.ERROR


class EquivalentsError(ValueError):
    """An ``equivalent_mutants.toml`` that cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class Graded:
    """A solution that is not the reference (a known mistake, a mutant), as the hidden suite scored it."""

    verdict: Verdict
    percent: float
    caught_by: tuple[str, ...]
    detail: str = ""

    @classmethod
    def from_report(cls, report: Report) -> Graded:
        failing = tuple(t.id for t in report.tests if t.status is not Status.PASS)
        return cls(report.verdict, report.percent, failing, report.detail)

    @property
    def judge_error(self) -> bool:
        return self.verdict is Verdict.SANDBOX_ERROR

    @property
    def caught(self) -> bool:
        return not self.judge_error and self.percent < 100.0

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "percent": self.percent, "caught_by": list(self.caught_by)}


@dataclass(frozen=True)
class MutantOutcome:
    """One graded mutant: killed, survived, equivalent (marked by the author) or error."""

    mutant: Mutant
    status: MutantStatus
    graded: Graded
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        m = self.mutant
        return {"id": m.id, "operator": m.operator, "function": m.function, "line": m.line,
                "description": m.description, "status": self.status.value, **self.graded.to_dict(),
                "reason": self.reason, "diff": m.diff}


@dataclass(frozen=True)
class Mutation:
    """The mutation analysis of one problem."""

    requested: int
    candidates: int
    outcomes: tuple[MutantOutcome, ...]
    min_score: float
    seed: int

    def count(self, status: MutantStatus) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def score(self) -> float | None:
        """killed / (killed + survived) in percent; equivalents and errors are left out."""
        scored = self.count(MutantStatus.KILLED) + self.count(MutantStatus.SURVIVED)
        if scored == 0:
            return 100.0 if self.count(MutantStatus.EQUIVALENT) else None
        return round(100.0 * self.count(MutantStatus.KILLED) / scored, 1)

    def to_dict(self) -> dict[str, Any]:
        return {"requested": self.requested, "candidates": self.candidates, "graded": len(self.outcomes),
                "killed": self.count(MutantStatus.KILLED), "survived": self.count(MutantStatus.SURVIVED),
                "equivalent": self.count(MutantStatus.EQUIVALENT), "errors": self.count(MutantStatus.ERROR),
                "score": self.score,
                "min_score": self.min_score, "seed": self.seed,
                "mutants": [o.to_dict() for o in self.outcomes]}


@dataclass(frozen=True)
class Validation:
    """Everything `judge problem validate` found about one problem."""

    slug: str
    root: str
    checks: tuple[Check, ...]
    title: str = ""
    backend: str = ""
    known_mistakes: tuple[tuple[str, Graded], ...] = ()
    mutation: Mutation | None = None
    timing: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def status(self) -> Status:
        if any(c.status == ERROR for c in self.checks):
            return ERROR
        return PASS if self.ok else FAIL

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "root": self.root,
            "status": self.status.value,
            "ok": self.ok,
            "backend": self.backend,
            "checks": [c.to_dict() for c in self.checks],
            "timing": self.timing,
            "known_mistakes": [{"file": name, **g.to_dict()} for name, g in self.known_mistakes],
            "mutation": None if self.mutation is None else self.mutation.to_dict(),
        }


def overall_status(results: Sequence[Validation]) -> Status:
    """error if the judge could not grade something, else fail if any check failed, else pass."""
    statuses = {v.status for v in results}
    return ERROR if ERROR in statuses else FAIL if FAIL in statuses else PASS


# -- static checks (no grading) ------------------------------------------------------------------------

def read_equivalents(path: Path) -> dict[str, str]:
    """``{mutant id: reason}`` from an ``equivalent_mutants.toml`` (empty if the file does not exist)::

        [[mutant]]
        id = "3f9a0c1b2d4e"
        reason = "at v == low both branches return low"
    """
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EquivalentsError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"mutant"})
    entries = data.get("mutant", [])
    if unknown or not isinstance(entries, list):
        raise EquivalentsError(f"{path}: expected only [[mutant]] tables with id and reason")
    found: dict[str, str] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or set(entry) - {"id", "reason"}:
            raise EquivalentsError(f"{path}: mutant #{number} may only have the keys id and reason")
        mid, reason = entry.get("id"), entry.get("reason")
        if not isinstance(mid, str) or not mid.strip():
            raise EquivalentsError(f"{path}: mutant #{number} has no id (copy it from the validate report)")
        if not isinstance(reason, str) or not reason.strip():
            raise EquivalentsError(f"{path}: mutant {mid} needs a reason saying why it is equivalent")
        found[mid.strip()] = reason.strip()
    return found


def read_equivalent_mistakes(path: Path) -> dict[frozenset[str], str]:
    """``{frozenset({a, b}): reason}`` from an ``equivalent_mistakes.toml`` (empty if it does not exist): pairs of
    known mistakes the author declares one mistake in two forms, so that sharing a signature is expected::

        [[pair]]
        mistakes = ["micro_f1", "weighted_f1"]
        reason = "both are 'not the macro average'; no test can want one and not the other"
    """
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EquivalentsError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("pair", [])
    if set(data) - {"pair"} or not isinstance(entries, list):
        raise EquivalentsError(f"{path}: expected only [[pair]] tables with mistakes and reason")
    found: dict[frozenset[str], str] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or set(entry) - {"mistakes", "reason"}:
            raise EquivalentsError(f"{path}: pair #{number} may only have the keys mistakes and reason")
        names, reason = entry.get("mistakes"), entry.get("reason")
        if not isinstance(names, list) or len(names) != 2 or not all(isinstance(n, str) and n for n in names) \
                or names[0] == names[1]:
            raise EquivalentsError(f"{path}: pair #{number} needs mistakes = two different known-mistake names")
        if not isinstance(reason, str) or not reason.strip():
            raise EquivalentsError(f"{path}: pair {names[0]} / {names[1]} needs a reason saying why they are one "
                                   "mistake")
        found[frozenset(names)] = reason.strip()
    return found


def declared_metadata(folder: Path) -> dict[str, set[str]]:
    """Which of points, requirement and docstring each hidden test declares itself (not by default).

    ``read_suite`` fills in defaults (1 point, the name as description); the validator wants them written.
    """
    declared: dict[str, set[str]] = {}

    def marks(decorators: list[ast.expr]) -> set[str]:
        found = set()
        for decorator in decorators:
            text = ast.unparse(decorator)
            found |= {name for name in ("points", "requirement") if text.startswith(f"pytest.mark.{name}(")}
        return found

    for path in sorted({*folder.rglob("test_*.py"), *folder.rglob("*_test.py")}):
        relative = path.relative_to(folder).as_posix()
        tree = parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            groups: list[tuple[str, set[str], list[ast.stmt]]] = []
            if isinstance(node, ast.FunctionDef):
                groups.append(("", set(), [node]))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                groups.append((f"{node.name}::", marks(node.decorator_list), node.body))
            for prefix, inherited, body in groups:
                for func in body:
                    if isinstance(func, ast.FunctionDef) and func.name.startswith("test"):
                        have = inherited | marks(func.decorator_list)
                        if (ast.get_docstring(func) or "").strip():
                            have.add("docstring")
                        declared[f"{relative}::{prefix}{func.name}"] = have
    return declared


def check_layout(problem: Problem) -> tuple[Check, dict[str, str]]:
    """Files the validator needs, and the equivalents file; returns the equivalents too."""
    problems: list[str] = []
    if not problem.reference_path.is_file():
        problems.append("missing reference/solution.py (the model answer the suite is checked against)")
    try:
        public = read_suite(problem.public_tests_dir) if problem.public_tests_dir.is_dir() else []
        if not public:
            problems.append("public_tests/ has no tests (add 2 to 4 visible examples)")
    except TestMetaError as exc:
        problems.append(f"public_tests/{exc}")
    equivalents: dict[str, str] = {}
    try:
        equivalents = read_equivalents(problem.root / EQUIVALENTS_FILE)
    except EquivalentsError as exc:
        problems.append(str(exc))
    try:
        read_equivalent_mistakes(problem.root / EQUIVALENT_MISTAKES_FILE)
    except EquivalentsError as exc:
        problems.append(str(exc))
    if problems:
        return Check("layout", FAIL, "the problem folder is incomplete", tuple(problems)), equivalents
    extra = f"; {len(equivalents)} mutant(s) marked equivalent" if equivalents else ""
    summary = f"problem.toml loads; reference, starter and both suites present{extra}"
    return Check("layout", PASS, summary), equivalents


def solution_imports(folder: Path) -> list[str]:
    """``file:line`` of every import of the submission in a suite's Python files: the grader never imports it
    (it runs in the candidate's own process; tests call it through the ``candidate`` fixture)."""
    found: list[str] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.py")):
        try:
            tree = parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "solution" for name in names):
                found.append(f"{folder.name}/{path.relative_to(folder).as_posix()}:{node.lineno}")
    return found


def check_isolation(problem: Problem) -> Check:
    """No suite imports solution.py: the grader and the candidate's code are two processes."""
    found = solution_imports(problem.hidden_tests_dir) + solution_imports(problem.public_tests_dir)
    if found:
        return Check("isolation", FAIL, f"{len(found)} import(s) of solution in the tests",
                     (*found, "call the submission through the `candidate` fixture (candidate.f(x)), never "
                              "`from solution import f`: the tests run in another process than the submission "
                              "(docs/authoring.md, \"The candidate fixture\")"))
    return Check("isolation", PASS, "the tests reach the submission only through the candidate fixture")


def check_test_metadata(specs: list[TestSpec], declared: dict[str, set[str]]) -> Check:
    """Every hidden test declares its points, its requirement and a docstring."""
    if not specs:
        return Check("test-metadata", FAIL, "hidden_tests/ has no tests")
    missing: list[str] = []
    for spec in specs:
        have = declared.get(spec.key, set())
        lacks = [what for what in ("points", "requirement", "docstring") if what not in have]
        if lacks:
            missing.append(f"{spec.key}: no {', no '.join(lacks)}")
    if missing:
        return Check("test-metadata", FAIL, f"{len(missing)} of {len(specs)} hidden tests lack metadata",
                     (*missing, "declare @pytest.mark.points(N), @pytest.mark.requirement('Rn') and a "
                                "one-line docstring on each test"))
    points = sum(s.points for s in specs)
    return Check("test-metadata", PASS, f"{len(specs)} hidden tests ({points} points), each with points, "
                 "requirement and docstring")


def check_requirements(stated: list[str], specs: list[TestSpec]) -> Check:
    """Tests name only stated requirements, and every stated requirement has a test."""
    used = {s.requirement for s in specs if s.requirement}
    unknown = sorted({s.requirement for s in specs if s.requirement and s.requirement not in stated})
    uncovered = [r for r in stated if r not in used]
    details = [f"{s.key} names {s.requirement}, which statement.md does not define"
               for s in specs if s.requirement in unknown]
    details += [f"{r} is in statement.md but no hidden test checks it" for r in uncovered]
    if not stated:
        return Check("requirements", FAIL, "statement.md defines no requirements (**R1** ...)",
                     tuple(details))
    if details:
        return Check("requirements", FAIL,
                     f"{len(unknown)} unknown, {len(uncovered)} untested requirement(s)", tuple(details))
    return Check("requirements", PASS, f"{', '.join(stated)}: each checked by a hidden test")


# -- checks on graded reports (pure) -------------------------------------------------------------------

def _gist(message: str) -> str:
    """One line of a test's message: its first, and when that only announces what follows ("the test file could
    not be loaded:"), the last too, where the error itself is."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()] or [""]
    if len(lines) > 1 and lines[0].endswith(":"):
        return f"{lines[0]} ... {lines[-1][:160]}"
    return lines[0][:160]


def _failures(report: Report, limit: int = 8) -> tuple[str, ...]:
    lines = [f"{t.id}: {t.status.value}: {_gist(t.message)}" for t in report.tests if t.status is not Status.PASS]
    if report.detail:
        lines.insert(0, report.detail.strip().splitlines()[0][:200])
    return tuple(lines[:limit])


def _judge_error(name: str, report: Report) -> Check:
    reason = report.detail.splitlines()[0] if report.detail else "no detail"
    return Check(name, ERROR, f"the judge could not grade it ({reason})")


def check_reference(report: Report) -> Check:
    if report.verdict is Verdict.SANDBOX_ERROR:
        return _judge_error("reference", report)
    summary = f"{report.percent:g}% ({report.score}/{report.max_score} points), {report.verdict.value}"
    if report.verdict is Verdict.PASSED and report.percent == 100.0:
        return Check("reference", PASS, summary)
    return Check("reference", FAIL, summary + "; the reference must score 100%", _failures(report))


def check_deterministic(first: Report, second: Report) -> Check:
    if second.verdict is Verdict.SANDBOX_ERROR:
        return _judge_error("deterministic", second)
    a = {t.id: t.status for t in first.tests}
    b = {t.id: t.status for t in second.tests}
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    if differ:
        return Check("deterministic", FAIL, f"two reference runs disagree on {len(differ)} test(s)",
                     tuple(f"{k}: {_status(a.get(k))} then {_status(b.get(k))}" for k in differ))
    return Check("deterministic", PASS, f"a second reference run gave the same status for all {len(a)} tests")


def _status(status: Status | None) -> str:
    return "absent" if status is None else status.value


def check_starter(report: Report) -> Check:
    if report.verdict is Verdict.SANDBOX_ERROR:
        return _judge_error("starter", report)
    if report.score == 0:
        return Check("starter", PASS, f"0 of {report.max_score} points")
    passing = tuple(f"{t.id} passes on the starter ({t.points} points)" for t in report.tests
                    if t.status is Status.PASS)
    return Check("starter", FAIL, f"{report.score} of {report.max_score} points; the starter must score 0",
                 passing)


def check_public(report: Report) -> Check:
    if report.verdict is Verdict.SANDBOX_ERROR:
        return _judge_error("public", report)
    passed = sum(t.status is Status.PASS for t in report.tests)
    if report.verdict is Verdict.PASSED:
        return Check("public", PASS, f"{passed}/{len(report.tests)} public tests pass on the reference")
    return Check("public", FAIL, f"{passed}/{len(report.tests)} public tests pass on the reference "
                 f"(verdict {report.verdict.value})", _failures(report))


def check_known_mistakes(graded: Sequence[tuple[str, Graded]]) -> Check:
    if not graded:
        return Check("known-mistakes", SKIP, "no known_mistakes/ files")
    details = []
    for name, g in graded:
        if g.judge_error:
            details.append(f"{name}: the judge could not grade it: {(g.detail.splitlines() or [''])[0]}")
        elif g.caught:
            more = len(g.caught_by) - 4
            caught = ", ".join(g.caught_by[:4]) + (f" and {more} more" if more > 0 else "")
            details.append(f"{name}: {g.percent:g}%, caught by {caught}")
        else:
            details.append(f"{name}: 100%, NOT caught: add a hidden test that fails on it")
    missed = [n for n, g in graded if not g.caught and not g.judge_error]
    if any(g.judge_error for _, g in graded):
        return Check("known-mistakes", ERROR, "the judge could not grade every known mistake", tuple(details))
    if missed:
        return Check("known-mistakes", FAIL, f"{len(missed)} of {len(graded)} known mistakes score 100%",
                     tuple(details))
    return Check("known-mistakes", PASS, f"all {len(graded)} known mistakes score below 100%", tuple(details))


def check_teaching(problem: Problem) -> Check:
    """Titles and hints per requirement, an explanation per known mistake, a complete editorial."""
    problems = check_content(problem)
    if problems:
        return Check("teaching", FAIL, f"{len(problems)} problem(s) in the teaching content", tuple(problems),
                     fix="complete requirements.toml, mistakes.toml and editorial.md (docs/authoring.md, 'Teaching')")
    return Check("teaching", PASS, "every requirement has a title and hints, every known mistake an explanation; "
                 "the editorial is complete")


def check_signatures(problem: Problem, graded: Sequence[tuple[str, Graded]], write: bool,
                     reference_ok: bool = True) -> Check:
    """signatures.json must hold exactly the failing tests this run found for each known mistake. Nothing is
    compared or written when the reference did not score 100%: the mistakes' failures then mean nothing."""
    if not graded:
        return Check("signatures", SKIP, "no known mistakes to record")
    if not reference_ok:
        return Check("signatures", SKIP, "not recorded: the reference does not score 100% (twice) in this run")
    if any(g.judge_error for _, g in graded):
        return Check("signatures", SKIP, "not recorded: the judge could not grade every known mistake")
    files = {p.name: p for p in problem.known_mistakes_dir.glob("*.py")}
    found = {name.removesuffix(".py"): (file_digest(files[name]), g.verdict.value, list(g.caught_by))
             for name, g in graded}
    document = signatures_document(suite_digest(problem), found)
    details = [f"{mid}: {verdict}, so it is not used for diagnosis (only a plain failure is)"
               for mid, (_, verdict, _) in found.items() if verdict != Verdict.FAILED.value]
    twins = indistinguishable(Signature(mid, frozenset(f)) for mid, (_, v, f) in found.items()
                              if v == Verdict.FAILED.value)
    try:
        declared = read_equivalent_mistakes(problem.root / EQUIVALENT_MISTAKES_FILE)
    except EquivalentsError:
        declared = {}  # the layout check reports it
    shared = [(a, b) for a, b in twins if frozenset((a, b)) not in declared]
    details += [f"{a} and {b} are declared one mistake ({EQUIVALENT_MISTAKES_FILE}): "
                f"{declared[frozenset((a, b))]}" for a, b in twins if frozenset((a, b)) in declared]
    details += [f"{a} and {b} fail exactly the same tests: no diagnosis can tell them apart" for a, b in shared]
    current = read_signatures(problem)
    written = ""
    if current != document and write:
        try:
            write_json(problem.root / SIGNATURES_FILE, document)
        except OSError as exc:
            return Check("signatures", FAIL, f"cannot write {SIGNATURES_FILE}: {exc.strerror or exc}")
        written = f"{SIGNATURES_FILE} written ({len(found)} known mistake(s)): commit it"
    if shared:
        head = (f"{len(shared)} pair(s) of known mistakes share a signature"
                + (f" ({written})" if written else "" if current == document
                   else f"; {SIGNATURES_FILE} is also out of date (--write-signatures)"))
        return Check("signatures", FAIL, head, tuple(details),
                     fix="add a hidden test that fails on one of each pair and not the other (traced to a sentence "
                     "of the statement), merge true duplicates into one known mistake, or declare the pair one "
                     f"mistake with a reason in {EQUIVALENT_MISTAKES_FILE} (docs/authoring.md)")
    if current == document:
        return Check("signatures", PASS, f"{SIGNATURES_FILE} is current ({len(found)} known mistake(s))",
                     tuple(details))
    if written:
        return Check("signatures", PASS, written, tuple(details))
    why = "missing" if current is None else "out of date (the suite, the data or a known mistake changed)"
    return Check("signatures", FAIL, f"{SIGNATURES_FILE} is {why}; grading does not diagnose until it is current",
                 tuple(details), fix=f"judge problem validate {problem.slug} --write-signatures, then commit "
                 f"{SIGNATURES_FILE}")


def classify(mutant: Mutant, graded: Graded, equivalents: dict[str, str]) -> MutantOutcome:
    """Killed when it scores below 100%; a survivor is equivalent when the author marked it so."""
    if graded.judge_error:
        return MutantOutcome(mutant, MutantStatus.ERROR, graded, graded.detail.splitlines()[0] if graded.detail else "")
    if graded.caught:
        return MutantOutcome(mutant, MutantStatus.KILLED, graded)
    if mutant.id in equivalents:
        return MutantOutcome(mutant, MutantStatus.EQUIVALENT, graded, equivalents[mutant.id])
    return MutantOutcome(mutant, MutantStatus.SURVIVED, graded)


def check_mutation(mutation: Mutation) -> Check:
    score = mutation.score
    counts = (f"{mutation.count(MutantStatus.KILLED)} killed, {mutation.count(MutantStatus.SURVIVED)} survived, "
              f"{mutation.count(MutantStatus.EQUIVALENT)} equivalent of {len(mutation.outcomes)} mutants")
    if mutation.count(MutantStatus.ERROR):
        return Check("mutation", ERROR,
                     f"the judge could not grade {mutation.count(MutantStatus.ERROR)} mutant(s); {counts}")
    if score is None:
        return Check("mutation", SKIP, "no mutants could be made from the reference")
    survivors = tuple(f"survivor {m.id}  {m.function}, line {m.line}: {m.description}"
                      for m in (o.mutant for o in mutation.outcomes if o.status is MutantStatus.SURVIVED))
    head = f"score {score:g}% ({counts}); minimum {mutation.min_score:g}%"
    return Check("mutation", PASS if score >= mutation.min_score else FAIL, head, survivors)


def check_suite_time(report: Report, limits: Limits) -> tuple[Check, dict[str, Any]]:
    tests_s = sum(t.duration_s for t in report.tests)
    slowest = sorted(report.tests, key=lambda t: -t.duration_s)[:3]
    timing = {"grading_s": round(report.grading_s, 3), "tests_s": round(tests_s, 3),
              "timeout_s": limits.timeout_s,
              "slowest": [{"id": t.id, "duration_s": round(t.duration_s, 3)} for t in slowest]}
    details = tuple(f"{t.id}: {t.duration_s:.2f} s" for t in slowest if t.duration_s >= 0.01)
    head = (f"reference graded in {report.grading_s:.1f} s (tests {tests_s:.2f} s) "
            f"of a {limits.timeout_s:g} s limit")
    if report.grading_s > SUITE_TIME_SHARE * limits.timeout_s:
        return Check("suite-time", FAIL, head + f"; keep it under {SUITE_TIME_SHARE:.0%} of the limit "
                     "(session-scoped fixtures, smaller data) or raise [limits] timeout_s", details), timing
    return Check("suite-time", PASS, head, details), timing


# -- the run -------------------------------------------------------------------------------------------

def mutant_limits(limits: Limits, reference_s: float) -> Limits:
    """A shorter overall time limit for mutants: a looping mutant is killed either way."""
    timeout = min(limits.timeout_s, max(MUTANT_TIMEOUT_FLOOR_S, MUTANT_TIMEOUT_FACTOR * reference_s))
    return limits.with_overrides(timeout_s=timeout)


def broken(root: str, message: str) -> Validation:
    """The validation of a folder that does not load as a problem."""
    folder = Path(root).parent if Path(root).name == "problem.toml" else Path(root)
    return Validation(slug=folder.name or root, root=str(folder),
                      checks=(Check("layout", FAIL, "problem.toml does not load", (message,)),))


def validate_problem(problem: Problem, backend: Backend, *, mutants: int = 20, seed: int = DEFAULT_SEED,
                     min_score: float = DEFAULT_MIN_MUTATION_SCORE, workers: int = WORKERS,
                     progress: Progress | None = None, write_signatures: bool = False) -> Validation:
    """Run every check on ``problem``. Raises ``SandboxUnavailable`` when no sandbox can start at all, and
    ``KeyboardInterrupt`` (after its sandboxes are stopped) when interrupted."""
    show = progress or NullProgress()
    executor = Executor(backend, workers)
    base: dict[str, Any] = {"slug": problem.slug, "title": problem.title, "root": str(problem.root),
                            "backend": backend.name}
    layout, equivalents = check_layout(problem)
    checks = [layout]
    try:
        specs = read_suite(problem.hidden_tests_dir)
        declared = declared_metadata(problem.hidden_tests_dir)
    except (TestMetaError, SyntaxError) as exc:
        checks.append(Check("test-metadata", FAIL, "the hidden tests cannot be read", (str(exc),)))
        return Validation(checks=tuple(checks), **base)
    checks.append(check_test_metadata(specs, declared))
    checks.append(check_isolation(problem))
    checks.append(check_requirements(problem.requirements(), specs))
    checks.append(check_teaching(problem))
    if layout.status != PASS or not specs:
        return Validation(checks=tuple(checks), **base)

    reference = SolutionText.from_source(problem.reference_path.read_text(encoding="utf-8"), "reference")
    show.note("grading the reference")
    first = executor.grade(Task("reference", problem, reference))
    checks.append(check_reference(first))
    if first.verdict is Verdict.SANDBOX_ERROR:
        return Validation(checks=tuple(checks), **base)

    mistakes = sorted(problem.known_mistakes_dir.glob("*.py")) if problem.known_mistakes_dir.is_dir() else []
    chosen: list[Mutant] = []
    candidates = 0
    reference_ok = checks[-1].status == PASS
    if reference_ok and mutants > 0:
        pool_of_mutants = all_mutants(reference.source)
        candidates = len(pool_of_mutants)
        chosen = select(pool_of_mutants, mutants, seed)
    short = mutant_limits(problem.limits, first.grading_s)

    tasks = [Task("reference again", problem, reference),
             Task("public tests", problem, reference, "public"),
             Task("starter", problem, _read(problem.starter_dir / "solution.py", "starter"))]
    tasks += [Task(f"mistake {path.name}", problem, _read(path, path.name)) for path in mistakes]
    tasks += [Task(f"mutant {m.id}", problem, SolutionText.from_source(m.source, f"mutant {m.id}"), limits=short)
              for m in chosen]
    reports = _grade_all(executor, tasks, show)

    deterministic = check_deterministic(first, reports["reference again"])
    checks.append(deterministic)
    checks.append(check_starter(reports["starter"]))
    checks.append(check_public(reports["public tests"]))
    graded_mistakes = tuple((p.name, Graded.from_report(reports[f"mistake {p.name}"])) for p in mistakes)
    checks.append(check_known_mistakes(graded_mistakes))
    checks.append(check_signatures(problem, graded_mistakes, write_signatures,
                                   reference_ok and deterministic.status == PASS))
    mutation: Mutation | None = None
    if not reference_ok:
        checks.append(Check("mutation", SKIP, "not run: the reference does not score 100%"))
    elif mutants <= 0:
        checks.append(Check("mutation", SKIP, "not run (--mutants 0)"))
    else:
        outcomes = tuple(classify(m, Graded.from_report(reports[f"mutant {m.id}"]), equivalents)
                         for m in chosen)
        mutation = Mutation(mutants, candidates, outcomes, min_score, seed)
        checks.append(check_mutation(mutation))
    time_check, timing = check_suite_time(first, problem.limits)
    checks.append(time_check)
    return Validation(checks=tuple(checks), known_mistakes=graded_mistakes, mutation=mutation, timing=timing,
                      **base)


def _read(path: Path, origin: str) -> SolutionText:
    return SolutionText.from_source(path.read_text(encoding="utf-8", errors="replace"), origin)


def _grade_all(executor: Executor, tasks: list[Task], show: Progress) -> dict[str, Report]:
    """Every task's report; a task the judge failed on (a bug) becomes a sandbox-error report."""

    class Events:
        def __init__(self) -> None:
            self.done = 0

        def started(self, task: Task) -> None:
            show.started(task.key)

        def finished(self, task: Task, report: Report) -> None:
            self.done += 1
            show.finished(Row(task.key, task.key, task.submission.origin, RowState.GRADED, report))

        def failed(self, task: Task, error: BaseException) -> None:
            show.note(f"{task.key}: internal error of the judge: {type(error).__name__}: {error}")

        def note(self, text: str) -> None:
            show.note(text)

    show.begin(len(tasks), len(tasks), executor.workers)
    try:
        execution = executor.run(tasks, Events())
    finally:
        show.end()
    if execution.interrupted:
        raise KeyboardInterrupt
    if execution.infrastructure_error:
        raise SandboxUnavailable(execution.infrastructure_error)
    reports = dict(execution.reports)
    for task in tasks:
        if task.key not in reports:
            reports[task.key] = _judge_failure(task, execution.errors.get(task.key, "not graded"))
    return reports


def _judge_failure(task: Task, detail: str) -> Report:
    """A report standing for a grading the judge itself failed at."""
    return Report(problem=task.problem.slug, verdict=Verdict.SANDBOX_ERROR, tests=(), grading_s=0.0, sandbox={},
                  submission_sha256=task.submission.sha256, suite=task.suite, detail=detail)
