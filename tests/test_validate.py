"""`judge problem validate`: the checks as pure functions, then the whole run on the weak-suite fixture
(local backend, a few seconds), the command line, and one Docker run on tiny-add."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from judge.backends import SandboxRun
from judge.backends.docker import DockerBackend
from judge.backends.local import LocalBackend
from judge.interfaces.cli import Context, cli
from judge.interfaces.cli.context import exit_code_for
from judge.model.batch import NullProgress, Row
from judge.model.checks import Check
from judge.model.limits import Limits
from judge.model.report import Report, Status, TestResult, Verdict
from judge.problems.catalog import Problem, load_problem
from judge.problems.mutate import Mutant
from judge.problems.testmeta import read_suite
from judge.services.validate import (
    EQUIVALENT_MISTAKES_FILE,
    EQUIVALENTS_FILE,
    ERROR,
    FAIL,
    PASS,
    SKIP,
    EquivalentsError,
    Graded,
    Mutation,
    Validation,
    check_deterministic,
    check_known_mistakes,
    check_mutation,
    check_reference,
    check_requirements,
    check_signatures,
    check_starter,
    check_suite_time,
    check_test_metadata,
    classify,
    declared_metadata,
    mutant_limits,
    overall_status,
    read_equivalent_mistakes,
    read_equivalents,
    validate_problem,
)

from .conftest import FIXTURES, TINY

WEAK = FIXTURES / "problems" / "weak-suite"
# Mutants of weak-suite's reference that its two hidden tests cannot catch (ids are stable by design).
EQUIVALENT_LOW = "33393053efc0"  # v < low -> v <= low: at v == low both give low
EQUIVALENT_HIGH = "11b2dfe32621"  # v > high -> v >= high: at v == high both give high
WEAK_SURVIVORS = {
    EQUIVALENT_LOW: "< -> <= in v < low",
    EQUIVALENT_HIGH: "> -> >= in v > high",
    "6f6bf11f7986": "statement dropped: out.append(high)",
    "2a2b283e2a9b": "statement dropped: if not values:",
    "86a7c5af4ec4": "return 0.0 -> return None",
    "8f42075876e9": "constant 0.0 -> 1.0",
}


# -- building blocks -----------------------------------------------------------------------------------

def result(tid: str, status: Status, points: int = 1, duration: float = 0.0) -> TestResult:
    message = "" if status is Status.PASS else "boom"
    return TestResult(tid, tid.split("::")[-1], "R1", "checks a thing", points, status, message, duration)


def report(*tests: TestResult, verdict: Verdict | None = None, grading_s: float = 1.0,
           detail: str = "") -> Report:
    if verdict is None:
        verdict = Verdict.PASSED if all(t.status is Status.PASS for t in tests) else Verdict.FAILED
    return Report(problem="p", verdict=verdict, tests=tests, grading_s=grading_s, sandbox={},
                  submission_sha256="", detail=detail)


def mutant(mid: str = "abc123abc123") -> Mutant:
    return Mutant(mid, "compare", "f", 3, "< -> <= in a < b", "x = 1\n", "--- a\n+++ b\n-a < b\n+a <= b\n")


KILLED = Graded(Verdict.FAILED, 50.0, ("t.py::test_a",))
SURVIVED = Graded(Verdict.PASSED, 100.0, ())
BROKE = Graded(Verdict.SANDBOX_ERROR, 0.0, ("t.py::test_a",), "the sandbox printed no result document")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- equivalent_mutants.toml ---------------------------------------------------------------------------

def test_equivalents_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / EQUIVALENTS_FILE, '[[mutant]]\nid = "abc"\nreason = "same result"\n'
                                              '[[mutant]]\nid = "def"\nreason = "unreachable"\n')
    assert read_equivalents(path) == {"abc": "same result", "def": "unreachable"}
    assert read_equivalents(tmp_path / "missing.toml") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[mutant]\n", "not valid TOML"),
        ('[[mutant]]\nid = "abc"\n', "needs a reason"),
        ('[[mutant]]\nid = "abc"\nreason = "  "\n', "needs a reason"),
        ('[[mutant]]\nreason = "x"\n', "has no id"),
        ('[[mutant]]\nid = "abc"\nreason = "x"\nwhy = "y"\n', "only have the keys id and reason"),
        ('mutants = 3\n', "only \\[\\[mutant\\]\\] tables"),
    ],
)
def test_bad_equivalents_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(EquivalentsError, match=message):
        read_equivalents(write(tmp_path / EQUIVALENTS_FILE, text))


# -- shared signatures and equivalent_mistakes.toml ------------------------------------------------------

def test_a_shared_signature_fails_validate_unless_declared_one_mistake(tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    shutil.copy(root / "known_mistakes" / "subtracts.py", root / "known_mistakes" / "negates.py")
    problem = load_problem(root)
    same = Graded(Verdict.FAILED, 0.0, ("test_add.py::test_adds",))
    graded = [("negates.py", same), ("subtracts.py", same)]
    check = check_signatures(problem, graded, write=True)
    assert check.status == FAIL and "1 pair(s) of known mistakes share a signature" in check.summary
    assert "negates and subtracts fail exactly the same tests" in check.details[-1]
    assert check.fix and EQUIVALENT_MISTAKES_FILE in check.fix
    write(root / EQUIVALENT_MISTAKES_FILE, '[[pair]]\nmistakes = ["subtracts", "negates"]\n'
                                           'reason = "the same slip written twice"\n')
    check = check_signatures(problem, graded, write=False)
    assert check.status == PASS and "declared one mistake" in check.details[-1]
    apart = [("negates.py", Graded(Verdict.FAILED, 0.0, ("test_add.py::test_other",))), graded[1]]
    (root / EQUIVALENT_MISTAKES_FILE).unlink()
    assert check_signatures(problem, apart, write=True).status == PASS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[pair]]\nmistakes = ["a"]\nreason = "x"\n', "two different"),
        ('[[pair]]\nmistakes = ["a", "a"]\nreason = "x"\n', "two different"),
        ('[[pair]]\nmistakes = ["a", "b"]\n', "needs a reason"),
        ('[[pair]]\nmistakes = ["a", "b"]\nreason = "x"\nwhy = 1\n', "only have the keys"),
        ('pairs = 1\n', "only \\[\\[pair\\]\\] tables"),
    ],
)
def test_bad_equivalent_mistakes_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(EquivalentsError, match=message):
        read_equivalent_mistakes(write(tmp_path / EQUIVALENT_MISTAKES_FILE, text))


# -- static checks -------------------------------------------------------------------------------------

SUITE = '''import pytest


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_complete():
    """Declares everything."""


@pytest.mark.requirement("R1")
def test_no_points():
    """Has no points mark."""


@pytest.mark.points(1)
def test_no_requirement_no_doc():
    pass


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
class TestGroup:
    def test_inherits(self):
        """Points and requirement come from the class."""
'''


def test_metadata_must_be_written_on_every_test(tmp_path: Path) -> None:
    write(tmp_path / "test_s.py", SUITE)
    check = check_test_metadata(read_suite(tmp_path), declared_metadata(tmp_path))
    assert check.status == FAIL
    assert "2 of 4 hidden tests lack metadata" in check.summary
    assert "test_s.py::test_no_points: no points" in check.details
    assert "test_s.py::test_no_requirement_no_doc: no requirement, no docstring" in check.details


def test_metadata_passes_when_complete() -> None:
    check = check_test_metadata(read_suite(TINY / "hidden_tests"), declared_metadata(TINY / "hidden_tests"))
    assert check.status == PASS and "4 hidden tests (5 points)" in check.summary


def test_requirements_both_ways(tmp_path: Path) -> None:
    write(tmp_path / "test_s.py", SUITE)
    specs = read_suite(tmp_path)
    assert check_requirements(["R1", "R2"], specs).status == PASS
    check = check_requirements(["R2", "R3"], specs)
    assert check.status == FAIL
    assert "test_s.py::test_complete names R1, which statement.md does not define" in check.details
    assert "R3 is in statement.md but no hidden test checks it" in check.details
    assert check_requirements([], specs).status == FAIL


# -- checks on graded reports --------------------------------------------------------------------------

def test_reference_must_score_everything() -> None:
    assert check_reference(report(result("t.py::a", Status.PASS))).status == PASS
    failing = check_reference(report(result("t.py::a", Status.PASS), result("t.py::b", Status.FAIL)))
    assert failing.status == FAIL and failing.details == ("t.py::b: fail: boom",)
    broken = check_reference(report(result("t.py::a", Status.ERROR), verdict=Verdict.SANDBOX_ERROR,
                                    detail="the sandbox printed no result document"))
    assert broken.status == ERROR and "could not grade" in broken.summary


def test_a_suite_that_cannot_load_says_why() -> None:
    """A hidden test file that fails on import showed "could not be loaded:" and nothing after the colon."""
    from dataclasses import replace

    message = ("not run: the test file could not be loaded:\ntests/t.py:3: in <module>\n    import nopkg\n"
               "E   ModuleNotFoundError: No module named 'nopkg'")
    failing = check_reference(report(replace(result("t.py::a", Status.ERROR), message=message),
                                     verdict=Verdict.CRASHED))
    assert failing.details == ("t.py::a: error: not run: the test file could not be loaded: ... "
                               "E   ModuleNotFoundError: No module named 'nopkg'",)


def test_deterministic_compares_per_test_statuses() -> None:
    first = report(result("t.py::a", Status.PASS), result("t.py::b", Status.PASS))
    assert check_deterministic(first, first).status == PASS
    flaky = check_deterministic(first, report(result("t.py::a", Status.PASS), result("t.py::b", Status.FAIL)))
    assert flaky.status == FAIL and flaky.details == ("t.py::b: pass then fail",)


def test_starter_must_score_zero() -> None:
    assert check_starter(report(result("t.py::a", Status.FAIL))).status == PASS
    check = check_starter(report(result("t.py::a", Status.FAIL), result("t.py::b", Status.PASS, points=2)))
    assert check.status == FAIL and check.details == ("t.py::b passes on the starter (2 points)",)


def test_known_mistakes_name_the_tests_that_caught_them() -> None:
    check = check_known_mistakes([("good.py", KILLED), ("sneaky.py", SURVIVED)])
    assert check.status == FAIL and "1 of 2 known mistakes score 100%" in check.summary
    assert check.details == ("good.py: 50%, caught by t.py::test_a",
                             "sneaky.py: 100%, NOT caught: add a hidden test that fails on it")
    assert check_known_mistakes([("good.py", KILLED)]).status == PASS
    assert check_known_mistakes([]).status == SKIP
    assert check_known_mistakes([("x.py", BROKE)]).status == ERROR


def test_mutation_score_leaves_equivalents_out() -> None:
    equivalents = {"eq0000000000": "same result"}
    outcomes = (
        classify(mutant("k00000000000"), KILLED, equivalents),
        classify(mutant("k11111111111"), KILLED, equivalents),
        classify(mutant("k22222222222"), KILLED, equivalents),
        classify(mutant("s00000000000"), SURVIVED, equivalents),
        classify(mutant("eq0000000000"), SURVIVED, equivalents),
    )
    assert [o.status for o in outcomes] == ["killed", "killed", "killed", "survived", "equivalent"]
    assert outcomes[-1].reason == "same result"
    mutation = Mutation(5, 40, outcomes, 80.0, 0)
    assert mutation.score == 75.0
    check = check_mutation(mutation)
    assert check.status == FAIL and "score 75%" in check.summary
    assert check.details == ("survivor s00000000000  f, line 3: < -> <= in a < b",)
    assert check_mutation(Mutation(5, 40, outcomes, 75.0, 0)).status == PASS, "at the threshold passes"


def test_killed_by_equivalent_marking_is_still_killed() -> None:
    assert classify(mutant("eq0000000000"), KILLED, {"eq0000000000": "x"}).status == "killed"


def test_every_survivor_marked_equivalent_passes() -> None:
    outcomes = (classify(mutant("s00000000000"), SURVIVED, {"s00000000000": "same"}),
                classify(mutant("k00000000000"), KILLED, {}))
    mutation = Mutation(2, 2, outcomes, 100.0, 0)
    assert mutation.score == 100.0 and check_mutation(mutation).status == PASS


def test_a_mutant_the_judge_could_not_grade_is_an_error_not_a_kill() -> None:
    outcome = classify(mutant(), BROKE, {})
    assert outcome.status == "error" and "no result document" in outcome.reason
    check = check_mutation(Mutation(1, 1, (outcome,), 80.0, 0))
    assert check.status == ERROR


def test_suite_time_reports_both_clocks() -> None:
    rep = report(result("t.py::a", Status.PASS, duration=2.5), result("t.py::b", Status.PASS, duration=0.5),
                 grading_s=6.0)
    check, timing = check_suite_time(rep, Limits(timeout_s=20.0))
    assert check.status == PASS and timing["grading_s"] == 6.0 and timing["tests_s"] == 3.0
    assert timing["slowest"][0] == {"id": "t.py::a", "duration_s": 2.5}
    slow, _ = check_suite_time(rep, Limits(timeout_s=10.0))
    assert slow.status == FAIL and "timeout_s" in slow.summary


def test_mutants_get_a_shorter_time_limit() -> None:
    limits = Limits(timeout_s=120.0, test_timeout_s=30.0)
    assert mutant_limits(limits, 2.0).timeout_s == 30.0
    assert mutant_limits(limits, 20.0).timeout_s == 80.0
    assert mutant_limits(limits, 60.0).timeout_s == 120.0


def test_exit_code_is_the_worst_outcome() -> None:
    ok = Validation("a", "/a", (Check("x", PASS, ""), Check("y", SKIP, "")))
    bad = Validation("b", "/b", (Check("x", FAIL, ""),))
    err = Validation("c", "/c", (Check("x", ERROR, ""),))
    assert tuple(exit_code_for(overall_status(v)) for v in ([ok], [ok, bad], [bad, err])) == (0, 1, 3)


# -- the whole run, local backend ----------------------------------------------------------------------

class Recorder(NullProgress):
    """A display that keeps what it was told, one line a note or a finished grading."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def finished(self, row: Row) -> None:
        self.lines.append(f"graded {row.name}")

    def note(self, text: str) -> None:
        self.lines.append(text)


@pytest.fixture(scope="module")
def weak_validation(tmp_path_factory: pytest.TempPathFactory) -> Validation:
    """weak-suite validated with every mutant; the two equivalent ones are marked in a copy."""
    root = tmp_path_factory.mktemp("problems") / "weak-suite"
    shutil.copytree(WEAK, root, ignore=shutil.ignore_patterns("__pycache__"))
    write(root / EQUIVALENTS_FILE,
          f'[[mutant]]\nid = "{EQUIVALENT_LOW}"\nreason = "at v == low both give low"\n'
          f'[[mutant]]\nid = "{EQUIVALENT_HIGH}"\nreason = "at v == high both give high"\n')
    messages: list[str] = []
    validation = validate_problem(load_problem(root), LocalBackend(), mutants=100, progress=Recorder(messages))
    assert messages[0] == "grading the reference" and len(messages) > 20
    return validation


def statuses(v: Validation) -> dict[str, str]:
    return {c.name: c.status for c in v.checks}


def test_weak_suite_passes_the_checks_it_should(weak_validation: Validation) -> None:
    assert statuses(weak_validation) == {
        "layout": PASS, "test-metadata": PASS, "isolation": PASS, "requirements": PASS, "reference": PASS,
        "deterministic": PASS, "starter": PASS, "public": PASS, "known-mistakes": FAIL, "mutation": FAIL,
        "suite-time": PASS, "teaching": FAIL, "signatures": FAIL,
    }
    assert exit_code_for(weak_validation.status) == 1


def test_weak_suite_reports_the_uncaught_mistake(weak_validation: Validation) -> None:
    check = next(c for c in weak_validation.checks if c.name == "known-mistakes")
    assert "clip_ignores_high.py: 100%, NOT caught: add a hidden test that fails on it" in check.details
    assert "mean_over_n_plus_one.py: 50%, caught by test_weak.py::test_mean_of_two" in check.details


def test_weak_suite_reports_its_surviving_mutants(weak_validation: Validation) -> None:
    mutation = weak_validation.mutation
    assert mutation is not None
    survivors = {o.mutant.id: o.mutant.description for o in mutation.outcomes if o.status == "survived"}
    equivalent = {o.mutant.id: o.reason for o in mutation.outcomes if o.status == "equivalent"}
    assert equivalent == {EQUIVALENT_LOW: "at v == low both give low",
                          EQUIVALENT_HIGH: "at v == high both give high"}
    assert survivors == {k: v for k, v in WEAK_SURVIVORS.items() if k not in equivalent}
    killed = mutation.count("killed")
    assert killed == len(mutation.outcomes) - 6 and killed > 6
    assert mutation.score == round(100 * killed / (killed + 4), 1)
    dropped = next(o for o in mutation.outcomes if o.mutant.id == "6f6bf11f7986").mutant
    assert "-            out.append(high)\n+            pass\n" in dropped.diff


def test_weak_suite_times_the_reference(weak_validation: Validation) -> None:
    timing = weak_validation.timing
    assert 0 < timing["grading_s"] < 20 and timing["tests_s"] >= 0 and timing["timeout_s"] == 20


def test_weak_suite_json_is_one_document(weak_validation: Validation) -> None:
    data = json.loads(json.dumps(weak_validation.to_dict()))
    assert data["status"] == "fail" and data["slug"] == "weak-suite"
    assert data["mutation"]["equivalent"] == 2 and data["mutation"]["survived"] == 4
    survivor = next(m for m in data["mutation"]["mutants"] if m["status"] == "survived")
    assert survivor["diff"].startswith("--- reference/solution.py\n+++ mutant ")


# -- the command line ----------------------------------------------------------------------------------

def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["problem", "validate", *args], obj=Context(()), catch_exceptions=False)


@pytest.fixture
def replay(weak_validation: Validation, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """The command renders the weak-suite run above instead of grading again; records how it was called."""
    calls: list[dict[str, object]] = []

    def fake(problem: Problem, backend: object, **options: object) -> Validation:
        calls.append({"slug": problem.slug, "backend": getattr(backend, "name", None), **options})
        return weak_validation

    monkeypatch.setattr("judge.services.validate.validate_problem", fake)
    return calls


def test_cli_text_lists_survivors_with_diffs(judge_home: Path, replay: list[dict[str, object]]) -> None:
    out = invoke(str(WEAK), "--backend", "local", "--mutants", "7", "--seed", "3",
                 "--min-mutation-score", "90")
    assert out.exit_code == 1, out.output
    assert replay == [{"slug": "weak-suite", "backend": "local", "mutants": 7, "seed": 3, "min_score": 90.0,
                       "write_signatures": False, "progress": replay[0]["progress"]}]
    text = out.stdout
    assert "PASS  reference" in text and "FAIL  known-mistakes" in text and "FAIL  mutation" in text
    assert "clip_ignores_high.py: 100%, NOT caught" in text
    assert "survivor 6f6bf11f7986  clip, line 11: statement dropped: out.append(high)" in text
    assert "-            out.append(high)\n    +            pass" in text
    assert f"{EQUIVALENT_LOW}  < -> <= in v < low: at v == low both give low" in text
    assert 'id = "' in text and EQUIVALENTS_FILE in text
    assert "weak-suite: not valid (4 of 13 checks did not pass)" in text


def test_cli_json_is_the_only_stdout(judge_home: Path, replay: list[dict[str, object]],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_PROBLEMS_PATH", str(FIXTURES / "problems"))
    out = invoke("weak-suite", "--json")
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert data["ok"] is False and data["schema_version"] == 1
    assert [p["slug"] for p in data["problems"]] == ["weak-suite"]
    assert replay[0]["backend"] == "docker" and replay[0]["progress"] is None


def test_cli_all_validates_every_problem_and_reports_broken_folders(
        judge_home: Path, replay: list[dict[str, object]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "broken" / "problem.toml", "slug = [")
    monkeypatch.setenv("JUDGE_PROBLEMS_PATH", str(tmp_path))
    out = invoke("--all", "--json", "--backend", "local")
    data = json.loads(out.stdout)
    slugs = [p["slug"] for p in data["problems"]]
    assert "broken" in slugs and out.exit_code == 1
    broken = data["problems"][slugs.index("broken")]
    assert broken["checks"][0]["status"] == "fail" and "not valid TOML" in broken["checks"][0]["details"][0]
    assert len(replay) == len(slugs) - 1, "every loadable problem is validated"


def test_cli_broken_folder_is_a_failed_check_not_a_traceback(judge_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    (root / "problem.toml").write_text("colour = 'red'\n" + (root / "problem.toml").read_text())
    out = invoke(str(root), "--backend", "local")
    assert out.exit_code == 1
    assert "FAIL  layout" in out.stdout and "unknown key(s) colour" in out.stdout


def test_limits_that_are_not_a_table_are_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    text = (root / "problem.toml").read_text()
    (root / "problem.toml").write_text(text[: text.index("[limits]")] + "limits = 5\n")
    from judge.problems.catalog import ProblemError

    with pytest.raises(ProblemError, match="limits must be a \\[limits\\] table"):
        load_problem(root)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "unknown problem 'nope'"),
        ([], "name a problem (slug or folder) or pass --all"),
        (["tiny-add", "--all"], "not both"),
        (["tiny-add", "--mutants", "-1"], "--mutants must be 0 or more"),
    ],
)
def test_cli_usage_errors(judge_home: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    from judge.interfaces.cli import main

    monkeypatch.setattr("sys.argv", ["judge", "--problems", str(TINY.parent), "problem", "validate", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


class NoGrading(LocalBackend):
    """A backend that fails the test if anything is graded."""

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        raise AssertionError("nothing may be graded when the folder is incomplete")


def test_unreadable_hidden_tests_stop_before_grading(tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    write(root / "hidden_tests" / "test_broken.py", "def test_x(:\n")
    v = validate_problem(load_problem(root), NoGrading(), mutants=0)
    assert statuses(v)["test-metadata"] == FAIL and "syntax error" in v.checks[-1].details[0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: (r / "reference" / "solution.py").unlink(), "missing reference/solution.py"),
        (lambda r: shutil.rmtree(r / "public_tests"), "public_tests/ has no tests"),
        (lambda r: write(r / "public_tests" / "test_public.py", "def test_x(:\n"), "public_tests/test_public.py"),
        (lambda r: write(r / EQUIVALENTS_FILE, "[[mutant]]\nid = 'x'\n"), "needs a reason"),
    ],
)
def test_incomplete_folder_fails_layout_before_grading(tmp_path: Path, edit: Any, message: str) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    edit(root)
    v = validate_problem(load_problem(root), NoGrading(), mutants=5)
    assert statuses(v)["layout"] == FAIL and exit_code_for(v.status) == 1
    assert any(message in line for line in v.checks[0].details), v.checks[0].details


# -- Docker --------------------------------------------------------------------------------------------

@pytest.mark.docker
def test_tiny_add_validates_in_docker(docker_image: str, judge_home: Path, tiny_problem: Problem) -> None:
    v = validate_problem(tiny_problem, DockerBackend(image=docker_image), mutants=3, min_score=0.0)
    assert all(c.status == PASS for c in v.checks), [(c.name, c.status, c.summary) for c in v.checks]
    assert v.mutation is not None and len(v.mutation.outcomes) == 3
    assert v.mutation.count("error") == 0
    mistakes = dict(v.known_mistakes)
    subtracts = mistakes["subtracts.py"]
    assert subtracts.caught and "test_add.py::test_add_small" in subtracts.caught_by
    assert v.timing["grading_s"] > 0


def test_a_scaffolded_problem_validates_as_it_comes(tmp_path: Path) -> None:
    """`judge problem new` promises a valid folder: its suites call the submission through `candidate`."""
    from judge.problems.scaffold import scaffold

    v = validate_problem(load_problem(scaffold("my-problem", tmp_path)), LocalBackend(), mutants=3, min_score=0.0)
    assert {c.name: (c.status, c.details) for c in v.checks if c.status not in (PASS, SKIP)} == {}
