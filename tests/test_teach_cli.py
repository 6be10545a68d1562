"""The teaching loop through the CLI on tiny-add with the local backend: hints during the attempt, the
diagnosis and the top-down report after submit, the model answer only once the attempt is over, and
`judge problem validate` keeping signatures.json current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from judge.backends.local import LocalBackend
from judge.model.report import Diagnosis, Report, Status, TestResult, Verdict
from judge.problems.catalog import load_problem
from judge.problems.teaching import SIGNATURES_FILE, model_answer
from judge.render.html import report_html, side_by_side
from judge.render.markdown import report_markdown
from judge.render.text import plain_text
from judge.services.validate import validate_problem

from .conftest import TINY, FakeClock
from .test_cli import start_tiny

SUBTRACTS = (TINY / "known_mistakes" / "subtracts.py").read_text()
REFERENCE = (TINY / "reference" / "solution.py").read_text()


def test_hints_diagnosis_and_model_answer_through_an_attempt(run: Any, clock: FakeClock, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ws = start_tiny(run, tmp_path)
    listing = run("hint", "--dir", str(ws))
    assert listing.exit_code == 0 and "R1  Add two integers" in listing.output and "2 hints" in listing.output

    first = run("hint", "r1", "--dir", str(ws))
    assert "R1 Add two integers: hint 1 of 2" in first.output and "Which operator" in first.output
    assert "Next: judge hint R1 (hint 2 of 2" in first.output and "your score does not change" in first.output
    second = run("hint", "R1", "--dir", str(ws))
    assert "hint 2 of 2" in second.output and "Return a + b" in second.output and "last hint" in second.output
    again = run("hint", "R1", "--dir", str(ws))
    assert "2 hints taken in this attempt" in again.output, "seeing a hint again is not another hint"
    jump = run("hint", "R2", "--level", "2", "--dir", str(ws))
    assert "hint 2 of 3" in jump.output and "4 hints taken" in jump.output
    for args, message in ((["R9"], "no requirement 'R9'"), (["R2", "--level", "4"], "hints 1 to 3"),
                          (["--level", "1"], "--level needs a requirement")):
        refused = run("hint", *args, "--dir", str(ws))
        assert refused.exit_code == 2 and message in refused.output, refused.output

    early = run("solution", "tiny-add")
    assert early.exit_code == 2 and "still open" in early.output and "judge submit --dir" in early.output
    assert "def add" not in early.output

    (ws / "solution.py").write_text(SUBTRACTS)
    clock.now += 90
    submitted = run("submit", "--dir", str(ws), "--backend", "local", "--json")
    assert submitted.exit_code == 1
    report = json.loads(submitted.stdout)
    assert report["diagnosis"] == [{"mistake": "subtracts", "title": "Subtracted instead of added",
                                    "explanation": "Your add returns a - b. Check the operator in add.", "match": 1.0,
                                    "explains": ["test_add.py::test_add_negative", "test_add.py::test_add_small"]}]
    assert report["hints"] == [{"requirement": "R1", "level": 2}, {"requirement": "R2", "level": 2}]
    assert report["requirement_titles"] == {"R1": "Add two integers", "R2": "Scale a list into a new list"}
    assert report["score"] == 3, "hints never change the score"

    after = run("hint", "R1", "--dir", str(ws))
    assert after.exit_code == 0 and "This attempt is over" in after.output, after.output

    text = run("report", "--last").output
    order = [text.index(s) for s in ("Help  4 hints taken", "By requirement", "Add two integers",
                                     "Likely mistake", "Subtracted instead of added", "Failing tests",
                                     "add works on small positive integers", "+ 3 passing tests (3 points) not shown")]
    assert order == sorted(order), text
    assert "scale handles zero" not in text, "passing tests fold into one line"
    assert "scale handles zero" in run("report", "--last", "--all").output

    assert [r["hints"] for r in json.loads(run("history", "--json").output)] == [4]
    monkeypatch.setenv("COLUMNS", "160")
    assert "4 hints taken" in run("history").output

    answer = run("solution", "tiny-add")
    assert answer.exit_code == 0, answer.output
    for part in ("Your last attempt: 50%, 4 hints taken. Likely mistake: Subtracted instead of added", "Approach",
                 "Follow-up questions", "Subtracted instead of added: Your add returns a - b", "def add"):
        assert part in answer.output, part
    md = run("solution", "tiny-add", "--format", "md").output
    assert md.startswith("# Model answer: Add two numbers") and "```python\n\"\"\"Add two numbers.\"\"\"" in md

    page = tmp_path / "report.html"
    assert run("report", "--last", "--format", "html", "-o", str(page)).exit_code == 0
    html = page.read_text()
    assert '<details class="teach">' in html and "Your code beside the reference" in html
    assert "(<code>subtracts</code>)" not in html and 'id="mistake-subtracts"' in html, "pitfalls read as prose"
    assert "Likely mistake" in html and "<script" not in html

    # a second attempt at the problem is open: the model answer is not shown, not even in an old report
    run("start", "tiny-add", "--dir", str(tmp_path / "ws2"))
    assert run("solution", "tiny-add").exit_code == 2
    run("report", "--last", "--format", "html", "-o", str(page))
    assert "<details" not in page.read_text()


def test_the_loop_after_a_submission_hints_model_answer_and_a_retry(run: Any, clock: FakeClock, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Submit, read the report, take the hint on the failing requirement (recorded, no score change), read the
    model answer, retry: the retry's report and the history say it came after the answer, never unaided."""
    monkeypatch.setenv("COLUMNS", "160")
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text(SUBTRACTS)
    clock.now += 60
    first = json.loads(run("submit", "--dir", str(ws), "--backend", "local", "--json").stdout)
    assert first["score"] == 3 and first["hints"] == []
    text = run("report", "--last").output
    assert "(match 100%: the failing tests are exactly" in text, "match 100% says what it means"

    hint = run("hint", "R1", "--dir", str(ws))
    assert hint.exit_code == 0 and "hint 1 of 2" in hint.output and "This attempt is over" in hint.output
    again = json.loads(run("report", first["attempt_id"], "--format", "json").stdout)
    assert again["score"] == 3 and again["hints"] == [], "a hint after the attempt changes neither report nor score"
    record = json.loads((tmp_path / "judge-home" / "attempts" / first["attempt_id"] / "attempt.json").read_text())
    assert [(h["requirement"], h["level"]) for h in record["hints_after"]] == [("R1", 1)] and not record.get("hints")

    answer = run("solution", "tiny-add")
    assert answer.exit_code == 0 and "def add" in answer.output
    assert "(`subtracts`)" not in answer.output and "`subtracts`" not in answer.output, "no internal slugs"

    retried = run("retry", "--dir", str(ws))
    assert retried.exit_code == 0 and "1 hint(s) seen and the model answer read" in retried.output, retried.output
    (ws / "solution.py").write_text(REFERENCE)
    clock.now += 60
    second = run("submit", "--dir", str(ws), "--backend", "local")
    assert second.exit_code == 0
    assert "Help  solved after reading the model answer, 1 hint taken" in second.output, second.output
    assert "solved unaided" not in second.output
    rows = json.loads(run("history", "--json").output)
    assert [r["after_answer"] for r in rows] == [1, 0] and [r["percent"] for r in rows] == [100.0, 50.0]
    history = run("history").output
    assert "tiny-add: best 50%" in history and "after reading the model answer" in history
    listing = json.loads(run("list", "--json").output)
    assert next(p for p in listing if p["slug"] == "tiny-add")["best_percent"] == 50.0


def test_a_fresh_start_after_the_model_answer_carries_it_too(run: Any, clock: FakeClock, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Submit, take a hint after it, read the model answer, then `judge start` the problem again in a new
    folder (not `judge retry`): the new attempt's report and the history still say it came after the answer."""
    monkeypatch.setenv("COLUMNS", "160")
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text(SUBTRACTS)
    clock.now += 60
    first = json.loads(run("submit", "--dir", str(ws), "--backend", "local", "--json").stdout)
    assert run("hint", "R1", "--dir", str(ws)).exit_code == 0
    assert run("solution", "tiny-add").exit_code == 0

    fresh = run("start", "tiny-add", "--dir", str(tmp_path / "again"))
    assert fresh.exit_code == 0, fresh.output
    assert f"Carried from attempt {first['attempt_id']}: 1 hint(s) seen and the model answer read" in fresh.output
    (tmp_path / "again" / "solution.py").write_text(REFERENCE)
    clock.now += 60
    second = run("submit", "--dir", str(tmp_path / "again"), "--backend", "local")
    assert second.exit_code == 0
    assert "Help  solved after reading the model answer, 1 hint taken" in second.output, second.output
    rows = json.loads(run("history", "--json").output)
    assert [r["after_answer"] for r in rows] == [1, 0] and [r["percent"] for r in rows] == [100.0, 50.0]
    assert "tiny-add: best 50%" in run("history").output

    # a third start carries the same facts through the second attempt (which carried them itself)
    third = run("start", "tiny-add", "--dir", str(tmp_path / "third"))
    assert "1 hint(s) seen and the model answer read" in third.output, third.output


def test_a_fresh_start_with_no_help_seen_before_carries_nothing(run: Any, clock: FakeClock, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text(SUBTRACTS)
    clock.now += 60
    run("submit", "--dir", str(ws), "--backend", "local")
    fresh = run("start", "tiny-add", "--dir", str(tmp_path / "again"))
    assert fresh.exit_code == 0 and "Carried from" not in fresh.output, fresh.output
    (tmp_path / "again" / "solution.py").write_text(REFERENCE)
    clock.now += 60
    assert "Help  solved unaided" in run("submit", "--dir", str(tmp_path / "again"), "--backend", "local").output


def test_solved_unaided_and_no_model_answer_before_any_attempt(run: Any, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    refused = run("solution", "tiny-add")
    assert refused.exit_code == 2 and "no attempt at tiny-add yet" in refused.output
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    out = run("submit", "--dir", str(ws), "--backend", "local")
    assert out.exit_code == 0 and "Help  solved unaided" in out.output and "Likely mistake" not in out.output
    assert "solved unaided" in run("history").output


# -- renderers ----------------------------------------------------------------------------------------

def failing_report() -> Report:
    tests = (TestResult("test_add.py::test_add_small", "test_add_small", "R1", "add works", 2, Status.FAIL,
                        "assert -1 == 5"),
             TestResult("test_add.py::test_scale", "test_scale", "R2", "scale works", 1, Status.PASS))
    return Report(problem="tiny-add", verdict=Verdict.FAILED, tests=tests, grading_s=1.0, sandbox={},
                  submission_sha256="x", requirement_titles={"R1": "Add <two>"},
                  diagnosis=(Diagnosis("subtracts", "Subtracted", "Check <the> operator.", 0.84),))


def test_text_report_reads_top_down_and_folds_passing_tests() -> None:
    text = plain_text(failing_report())
    assert text.index("R1") < text.index("Add <two>") < text.index("Likely mistake") < text.index("Failing tests")
    assert "Subtracted  (match 84%: the failing tests are 84% alike" in text
    assert "+ 1 passing test (1 points) not shown" in text
    assert "scale works" not in text and "scale works" in plain_text(failing_report(), show_all=True)


def test_html_and_markdown_show_titles_and_the_diagnosis_escaped() -> None:
    model = model_answer(load_problem(TINY))
    assert model is not None
    page = report_html(failing_report(), SUBTRACTS, model)
    assert "Add &lt;two&gt;" in page and "Check &lt;the&gt; operator." in page and "(match 84%)" in page
    assert page.index("Likely mistake") < page.index("Tests (2")
    assert "<details" not in report_html(failing_report(), SUBTRACTS), "no model answer unless the caller gives it"
    md = report_markdown(failing_report(), SUBTRACTS)
    assert "## Likely mistake" in md and "Check &lt;the&gt; operator." in md and "Add &lt;two&gt;" in md


def test_side_by_side_aligns_equal_lines_and_shades_changes() -> None:
    table = side_by_side("a\nb = 1\nc\n", "a\nb = 2\nc\nd\n")
    rows = table.split("<tr class=")[1:]
    assert [r.split('"')[1] for r in rows] == ["same", "chg", "same", "ins"]
    assert "b = 1</td>" in rows[1] and "b = 2</td>" in rows[1]
    assert "<script>" not in side_by_side("<script>", "x") and "&lt;script&gt;" in side_by_side("<script>", "x")


# -- validate ------------------------------------------------------------------------------------------

def test_validate_records_signatures_and_fails_when_they_are_stale(tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    test_file = root / "hidden_tests" / "test_add.py"
    test_file.write_text(test_file.read_text() + "\n# a changed suite\n")

    def check(name: str, **options: Any) -> Any:
        v = validate_problem(load_problem(root), LocalBackend(), mutants=0, **options)
        return next(c for c in v.checks if c.name == name)

    stale = check("signatures")
    assert stale.status is Status.FAIL and "out of date" in stale.summary
    assert stale.fix == f"judge problem validate tiny-add --write-signatures, then commit {SIGNATURES_FILE}"
    written = check("signatures", write_signatures=True)
    assert written.status is Status.PASS and "written" in written.summary
    recorded = json.loads((root / SIGNATURES_FILE).read_text())
    assert recorded["mistakes"]["subtracts"]["failing"] == ["test_add.py::test_add_negative",
                                                            "test_add.py::test_add_small"]
    assert check("signatures").summary == f"{SIGNATURES_FILE} is current (1 known mistake(s))"

    (root / "mistakes.toml").write_text('[subtracts]\ntitle = "Subtracted"\n')
    teaching = check("teaching")
    assert teaching.status is Status.FAIL and any("[subtracts] has no explanation" in d for d in teaching.details)


def test_signatures_are_not_recorded_from_a_run_whose_reference_fails(tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    (root / "reference" / "solution.py").write_text(SUBTRACTS)
    before = (root / SIGNATURES_FILE).read_text()
    v = validate_problem(load_problem(root), LocalBackend(), mutants=0, write_signatures=True)
    check = next(c for c in v.checks if c.name == "signatures")
    assert check.status is Status.SKIP and "reference does not score 100%" in check.summary
    assert (root / SIGNATURES_FILE).read_text() == before
