"""A verdict no submission can forge: the attacks of issue 25, and siblings, through the real Docker sandbox.

Each submission in tests/fixtures/adversarial/forge/ attacks feature-engineering's grading and computes
nothing, so the honest score to compare with is that of ``baseline_empty.py`` (an empty frame with the right
columns). A forged run must score exactly that; the answer key must stay unreadable; and no line of a hidden
file may come back in any report. Each runs cold and on a warm spare, whose two processes were forked and
confined before the submission came.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from judge.backends.docker import DockerBackend
from judge.backends.pool import WarmDockerBackend
from judge.grading import SolutionText, grade
from judge.model.report import Report, Status, Verdict
from judge.problems.catalog import Problem, find_problem
from judge.services.secrecy import secrets_of

FORGE = Path(__file__).parent / "fixtures" / "adversarial" / "forge"


@pytest.fixture(scope="module")
def problem() -> Problem:
    return find_problem("feature-engineering")


def _grade(problem: Problem, image: str, name: str, warm: bool) -> Report:
    limits = problem.limits.with_overrides(timeout_s=90.0, test_timeout_s=10.0)
    text = (FORGE / name).read_text()
    if warm:
        backend: Any = WarmDockerBackend(image=image, preload=problem.preload, keep=0)
        backend.start(limits)
        report = grade(replace(problem, preload=backend.preload), SolutionText.from_source(text), backend,
                       limits=limits)
        assert (backend.warm_runs, backend.cold_runs) == (1, 0), "the run did not use its warm spare"
        return report
    return grade(problem, SolutionText.from_source(text), DockerBackend(image=image), limits=limits)


@pytest.fixture(params=["cold", "warm"])
def attack(request: pytest.FixtureRequest, problem: Problem, docker_image: str) -> Any:
    def run(name: str) -> Report:
        return _grade(problem, docker_image, name, warm=request.param == "warm")

    return run


@pytest.fixture(scope="module")
def honest(problem: Problem, docker_image: str) -> Report:
    """What the attacks' own behaviour earns: an empty frame with the right columns."""
    report = _grade(problem, docker_image, "baseline_empty.py", warm=False)
    assert report.verdict is Verdict.FAILED, report.detail
    assert 0 < report.score < report.max_score  # some format tests pass: a forgery has room to show
    return report


def _passed(report: Report) -> set[str]:
    return {t.id for t in report.tests if t.status is Status.PASS}


@pytest.mark.docker
def test_patching_the_judges_plugin_from_the_submission_gains_nothing(attack: Any, honest: Report) -> None:
    # The attack: `exec("imp" + "ort judge_" + "plugin as p")`, then p._send wrapped to turn every
    # result but the canary into "passed". The plugin it finds lives in its own process, with no results pipe.
    report = attack("patch_plugin.py")
    assert report.verdict is Verdict.FAILED, report.detail
    assert (report.score, _passed(report)) == (honest.score, _passed(honest))
    assert any("exec" in w for w in report.warnings), report.warnings  # the scan flags it too


@pytest.mark.docker
def test_reaching_the_plugin_through_the_garbage_collector_gains_nothing(attack: Any, honest: Report) -> None:
    report = attack("gc_plugin.py")
    assert report.verdict is Verdict.FAILED, report.detail
    assert (report.score, _passed(report)) == (honest.score, _passed(honest))


@pytest.mark.docker
def test_the_answer_key_cannot_be_read(attack: Any, honest: Report) -> None:
    # The second attack: glob the scratch area for expected_*.csv and return it. The suite's folder
    # belongs to the grader's user, mode 0700: the glob finds nothing and the open fails.
    report = attack("answer_key.py")
    assert (report.score, _passed(report)) == (honest.score, _passed(honest))


@pytest.mark.docker
def test_no_line_of_a_hidden_file_comes_back_in_a_report(attack: Any, problem: Problem) -> None:
    # The third attack: every readable file under /scratch, zlib+base64-encoded into the failure
    # messages. What it can read is the public data and its own submission, nothing of the suite's.
    report = attack("exfiltrate.py")
    messages = "\n".join(t.message for t in report.tests)
    listing = re.search(r"FILES (.*)", messages)
    assert listing is not None, messages[:2000]
    readable = listing.group(1).split()
    assert "/scratch/data/transactions.csv" in readable  # the channel works: public files do come back
    assert not [p for p in readable if p.startswith("/scratch/tests")], readable
    hidden_names = {p.name for p in problem.hidden_tests_dir.iterdir() if p.is_file()}
    assert not [p for p in readable if Path(p).name in hidden_names], readable
    document = json.dumps(report.to_dict())
    secret = secrets_of(problem)
    leaked = [line for line in secret.lines if line in document]
    assert not leaked, leaked[:5]


@pytest.mark.docker
def test_the_candidates_process_reaches_nothing_of_the_grader(attack: Any) -> None:
    # Siblings: forged result lines written to every pipe descriptor number; /proc/<pid>/environ, mem and fd
    # of every other process read; every other process sent SIGSTOP. The grader is another user: all refused,
    # and the process has no descriptor of the grader's to write to.
    report = attack("reach_grader.py")
    assert report.verdict is Verdict.FAILED, report.detail
    assert report.score == 0
    messages = {t.message for t in report.tests if t.status is not Status.PASS}
    assert messages and all("REACHED nothing" in m for m in messages), sorted(messages)[:3]
    assert not any("forged" in w for w in report.warnings)


@pytest.mark.docker
def test_judge_grade_on_the_plugin_patch_reports_what_it_earns(docker_image: str, honest: Report,
                                                                tmp_path: Path) -> None:
    """The same attack through the real CLI, as the issue saw it (36/36 before)."""
    result = subprocess.run(
        [sys.executable, "-m", "judge", "grade", "--problem", "feature-engineering", "--json",
         str(FORGE / "patch_plugin.py")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "JUDGE_POOL": "off", "JUDGE_HOME": str(tmp_path), "JUDGE_IMAGE": docker_image})
    assert result.returncode == 1, result.stderr[-2000:]
    document = json.loads(result.stdout)
    reports = document.get("reports", [document]) if isinstance(document, dict) else document
    report = reports[0]
    assert report["verdict"] == "failed"
    assert report["score"] == honest.score
