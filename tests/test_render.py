"""The file renderers (HTML report and history, Markdown, JUnit XML) on hand-built reports, and the
`judge report` / `judge history` commands that write them. No Docker, no browser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from judge.backends import SandboxRun
from judge.grading import machine as machine_of
from judge.model.report import VERDICT_TEXT, Report, Status, TestResult, Verdict
from judge.render import render
from judge.render.facts import NO_CLOCK, PUBLIC_NOTE, clean_text, date_text, epoch_text, machine_facts
from judge.render.html import history_html, report_html, trend_text
from judge.render.junit import classname, report_junit
from judge.render.markdown import code, fenced, inline, report_markdown
from judge.render.text import plain_text

HOSTILE = '</script><img src=x onerror="alert(1)">'
SOLUTION = 'def add(a, b):\n    return a - b\n\nEVIL = "</script><img src=x onerror=alert(1)>"\n'
LIMITS = {"memory_bytes": 512 * 1024**2, "timeout_s": 20.0, "test_timeout_s": 5.0, "cpus": 2.0, "pids": 256}


def result(test_id: str, status: Status = Status.PASS, points: int = 1, requirement: str = "R1",
           message: str = "", output: str = "", description: str = "") -> TestResult:
    """One test result; the name and description follow from the id unless given."""
    name = test_id.split("::")[-1].split("[")[0]
    return TestResult(test_id, name, requirement, description or f"checks {name}", points, status, message,
                      0.01, output)


FAILED_TESTS = (
    result("test_add.py::test_add_small", Status.FAIL, 2, "R1", "assert -1 == 5\n +  where -1 = add(2, 3)"),
    result("test_add.py::test_add_negative", Status.PASS, 2, "R1"),
    result("test_add.py::test_scale[0]", Status.PASS, 1, "R10"),
    result("test_add.py::test_scale[1]", Status.ERROR, 1, "R2", "the test ran past its time limit"),
)


def make_report(**changes: Any) -> Report:
    """A graded, failed, timed report (3/6, 12:40 of 20:00); ``changes`` replace fields."""
    base = Report(
        problem="tiny-add", title="Add two numbers", verdict=Verdict.FAILED, tests=FAILED_TESTS,
        grading_s=1.25,
        sandbox={"backend": "docker", "image": "ml-judge-sandbox:abc123", "isolation": "container",
                 "limits": LIMITS},
        submission_sha256="ab" * 32, attempt_id="20261122-205010-tiny-add-f866", elapsed_s=760.0,
        budget_s=1200.0, created_at="2026-11-22T20:50:14+00:00",
    )
    return replace(base, **changes)


def hostile_report() -> Report:
    """Every free-text field of a report carries markup, control characters or XML breakers."""
    test = TestResult(f"test_x.py::test_y[{HOSTILE}|]", "test_y", f"R1{HOSTILE}", f"desc {HOSTILE} | a*b*",
                      1, Status.FAIL, f"{HOSTILE}\n\x1b[31mred\x1b[0m \x00 ]]> ``` \ud800", 0.0,
                      f"printed {HOSTILE}")
    return make_report(title=f"T {HOSTILE}", tests=(test,), detail=f"Traceback {HOSTILE}",
                       warnings=(f"integrity: {HOSTILE}",),
                       sandbox={"backend": "docker", "image": HOSTILE,
                                "limits": {**LIMITS, HOSTILE: HOSTILE}})


def history_row(n: int, problem: str, percent: float | None, elapsed: float | None,
                budget: float = 1200.0) -> dict[str, Any]:
    """A Store.rows() row; ``percent`` None makes it an open (unsubmitted) attempt."""
    started = 1_763_800_000.0 + n * 86_400
    row: dict[str, Any] = {
        "id": f"att-{n}-{problem}", "problem": problem, "started_at": started, "status": "open",
        "submitted_at": None, "elapsed_s": None, "budget_s": budget, "score": None, "max_score": None,
        "percent": None, "verdict": None, "workspace": "/w"}
    if percent is not None and elapsed is not None:
        row.update(status="submitted", submitted_at=started + elapsed, elapsed_s=elapsed,
                   score=int(percent // 10), max_score=10, percent=percent,
                   verdict="passed" if percent == 100 else "failed")
    return row


def history_rows() -> list[dict[str, Any]]:
    """Newest first: three data-cleaning attempts (one over budget, one open) and one rag-pipeline."""
    oldest_first = [history_row(1, "data-cleaning", 40.0, 1500.0),
                    history_row(2, "data-cleaning", 70.0, 900.0),
                    history_row(3, "rag-pipeline", 100.0, 1700.0, 1800.0),
                    history_row(4, "data-cleaning", None, None)]
    return list(reversed(oldest_first))


# -- shared wording -------------------------------------------------------------------------------------

def test_clean_text_drops_colour_codes_and_replaces_what_no_format_can_hold() -> None:
    assert clean_text("\x1b[31mred\x1b[0m") == "red"
    assert clean_text("a\x00b\ud800c\tnl\n") == "a\ufffdb\ufffdc\tnl\n"


def test_dates_are_local_and_bad_input_is_shown_as_it_came() -> None:
    assert date_text("2026-11-22T20:50:14+00:00").startswith("2026-11-2")
    assert date_text("not a date") == "not a date"
    assert date_text("") == "-"
    assert epoch_text(None) == "-"


# -- HTML report ----------------------------------------------------------------------------------------

def test_html_report_is_one_self_contained_page() -> None:
    page = report_html(make_report(), SOLUTION)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"<[^>]*\s(?:src|href)\s*=", page), "nothing may be loaded from elsewhere"
    assert not re.search(r"url\((?!#)", page), "CSS and SVG may only reference the page itself"
    assert "@import" not in page and "https://" not in page and "http://" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_html_summary_card_has_score_verdict_attempt_and_date() -> None:
    report = make_report()
    page = report_html(report, SOLUTION)
    assert "Add two numbers" in page and "tiny-add" in page
    assert "3/6" in page and "50%" in page
    assert "failed" in page and VERDICT_TEXT[Verdict.FAILED] in page
    assert "20261122-205010-tiny-add-f866" in page
    assert date_text(report.created_at) in page


def test_html_lists_every_test_with_failure_messages_and_requirements_in_order() -> None:
    page = report_html(make_report(), SOLUTION)
    for test in FAILED_TESTS:
        assert test.id in page and test.description in page
    assert "assert -1 == 5" in page and "the test ran past its time limit" in page
    assert "✗ FAIL" in page and "! ERROR" in page and "✓ PASS" in page, "a text label, not only colour"
    requirements = page[page.index("By requirement"):page.index("Tests (")]
    assert requirements.index(">R1<") < requirements.index(">R2<") < requirements.index(">R10<")


def test_html_within_budget_draws_the_bar_without_an_over_part() -> None:
    page = report_html(make_report(), SOLUTION)
    assert "12:40 of 20:00, within budget" in page
    assert "time bar:" in page
    assert 'fill="url(#time-over)"' not in page


def test_html_over_budget_is_said_and_hatched() -> None:
    page = report_html(make_report(elapsed_s=23 * 60 + 5), SOLUTION)
    assert "23:05 of 20:00, over by 3:05" in page
    assert 'fill="url(#time-over)"' in page
    assert 'class="timeline over"' in page


def test_html_without_a_clock_says_so_and_draws_no_bar() -> None:
    page = report_html(make_report(attempt_id=None, elapsed_s=None, budget_s=None), SOLUTION)
    assert NO_CLOCK in page
    assert "time bar:" not in page
    assert "none (graded with judge grade)" in page


def test_html_public_suite_is_marked_as_public_examples() -> None:
    assert PUBLIC_NOTE in report_html(make_report(suite="public"), SOLUTION)
    assert PUBLIC_NOTE not in report_html(make_report(), SOLUTION)


def test_html_shows_run_detail_warnings_and_sandbox() -> None:
    report = make_report(verdict=Verdict.IMPORT_ERROR,
                         detail="Traceback (most recent call last):\nNameError: x",
                         warnings=("clock record altered: the attempt's start time or budget was edited",))
    page = report_html(report, SOLUTION)
    assert "Run detail" in page and "NameError: x" in page
    assert "clock record altered" in page and "Warnings (1)" in page
    assert VERDICT_TEXT[Verdict.IMPORT_ERROR] in page
    for text in ("docker", "ml-judge-sandbox:abc123", "512 MiB", "20 s", "1.2 s"):
        assert text in page


def test_html_sandbox_error_is_an_error_not_a_failure() -> None:
    page = report_html(make_report(verdict=Verdict.SANDBOX_ERROR, tests=()), "")
    assert '<span class="pill error big">' in page
    assert "No test results." in page and "The submitted code is not available." in page


def test_html_numbers_every_line_of_the_submitted_code() -> None:
    page = report_html(make_report(), SOLUTION)
    assert "(solution.py, 4 lines)" in page
    assert '<span class="ln">4</span>EVIL = &quot;&lt;/script&gt;' in page


def test_html_escapes_everything_a_candidate_controls() -> None:
    page = report_html(hostile_report(), SOLUTION)
    assert "<img" not in page and "</script>" not in page
    assert page.count("&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") >= 8
    assert "\x1b" not in page and "\x00" not in page
    page.encode("utf-8")  # a lone surrogate would make the file unwritable


# -- HTML history ---------------------------------------------------------------------------------------

def test_history_without_attempts_says_how_to_start() -> None:
    page = history_html([])
    assert "No attempts yet" in page and "judge start PROBLEM" in page


def test_history_draws_one_chart_per_problem_with_best_score_and_trend() -> None:
    page = history_html(history_rows())
    assert page.count("<svg") == 2
    assert 'aria-label="data-cleaning: score and time over 3 attempt(s), oldest first"' in page
    assert "improving (+30 points)" in page and "first attempt" in page
    assert "40 → 70" in page
    assert 'fill="url(#chart0-over)"' in page, "the over-budget attempt is hatched"
    assert "25:00 of 20:00, over by 5:00" in page and "open" in page
    assert "<script" not in page.lower()


def test_history_chart_runs_oldest_to_newest_and_table_newest_first() -> None:
    page = history_html(history_rows())
    chart = page[page.index('aria-label="data-cleaning'):page.index("</svg>")]
    points = re.search(r'<polyline points="([^"]+)"', chart)
    assert points is not None
    (x1, y1), (x2, y2) = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    assert x1 < x2 and y1 > y2, "40% then 70%: left to right, rising"
    table = page[page.index("All attempts, newest first"):]
    assert table.index("att-4-data-cleaning") < table.index("att-1-data-cleaning")


def test_history_escapes_and_tolerates_missing_values() -> None:
    rows = [{"id": HOSTILE, "problem": HOSTILE, "started_at": None, "status": HOSTILE, "elapsed_s": None,
             "budget_s": None, "score": None, "max_score": None, "percent": None, "verdict": HOSTILE}]
    page = history_html(rows)
    assert "<img" not in page and "</script>" not in page


def test_trend_compares_the_last_two_scores() -> None:
    assert trend_text([]) == "no submitted attempt yet"
    assert trend_text([50.0]) == "first attempt"
    assert trend_text([50.0, 50.0]) == "steady"
    assert trend_text([80.0, 50.0]) == "declining (-30 points)"


# -- Markdown -------------------------------------------------------------------------------------------

def _cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line.strip().strip("|"))


def test_markdown_has_the_same_content_as_the_page() -> None:
    md = report_markdown(make_report(elapsed_s=23 * 60 + 5), SOLUTION)
    assert md.startswith("# Add two numbers (`tiny-add`)")
    assert "**3/6 (50%)**" in md and VERDICT_TEXT[Verdict.FAILED] in md
    assert "23:05 of 20:00, over by 3:05 **(over budget)**" in md
    assert "| # | Result | Req | What it checks | Test | Points | Time |" in md
    assert "```text\nassert -1 == 5\n +  where -1 = add(2, 3)\n```" in md
    assert "```python\ndef add(a, b):" in md
    assert "- **memory**: 512 MiB" in md and "20261122-205010-tiny-add-f866" in md


def test_markdown_public_and_no_clock() -> None:
    md = report_markdown(make_report(suite="public", elapsed_s=None, budget_s=None, attempt_id=None), "")
    assert PUBLIC_NOTE in md and NO_CLOCK in md and "not available" in md


def test_markdown_escapes_hostile_text_and_keeps_tables_intact() -> None:
    md = report_markdown(hostile_report(), SOLUTION)
    # Fenced blocks and code spans show their text literally; everything else must be escaped.
    outside_code = re.sub(r"(`+).*?\1", "", re.sub(r"(`{3,})[a-z]*\n.*?\n\1\n", "", md, flags=re.S))
    assert "<img" not in outside_code and "</script>" not in outside_code
    row = next(line for line in md.splitlines() if line.startswith("| 1 |"))
    assert len(_cells(row)) == 7, "a | in a description must not add a column"
    assert "````text" in md, "a message holding ``` gets a longer fence"


def test_markdown_helpers() -> None:
    assert fenced("a ``` b").startswith("````text\n")
    assert code("a`b") == "``a`b``"
    assert code("x|y") == "`x|y`"
    assert code("x|y", in_table=True) == "`x\\|y`"
    assert inline("*b* [l](u) <i>") == "\\*b\\* \\[l\\](u) &lt;i&gt;"
    assert inline("one\ntwo") == "one<br>two"


# -- JUnit XML ------------------------------------------------------------------------------------------

def parse(xml: str) -> ET.Element:
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return suites[0]


def test_junit_counts_and_cases() -> None:
    suite = parse(report_junit(make_report()))
    assert suite.get("name") == "tiny-add"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    assert suite.get("time") == "1.250"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [t.id for t in FAILED_TESTS]
    assert {c.get("classname") for c in cases} == {"test_add"}
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("message") == "assert -1 == 5"
    assert "where -1 = add(2, 3)" in (failure.text or "")
    error = cases[3].find("error")
    assert error is not None and error.get("message") == "the test ran past its time limit"
    assert cases[1].find("failure") is None and cases[1].find("error") is None
    props = {p.get("name"): p.get("value") for p in suite.find("properties") or []}
    assert props["score"] == "3" and props["max_score"] == "6" and props["verdict"] == "failed"
    case_props = {p.get("name"): p.get("value") for p in cases[1].find("properties") or []}
    assert case_props["requirement"] == "R1" and case_props["points"] == "2" and case_props["earned"] == "2"


def test_junit_passed_report_has_no_failures() -> None:
    tests = tuple(replace(t, status=Status.PASS, message="") for t in FAILED_TESTS)
    suite = parse(report_junit(make_report(verdict=Verdict.PASSED, tests=tests)))
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0")
    assert not suite.findall(".//failure") and not suite.findall(".//error")


def test_junit_a_failed_run_without_failing_cases_is_never_green() -> None:
    suite = parse(report_junit(make_report(verdict=Verdict.SANDBOX_ERROR, tests=(), detail="engine gone")))
    assert (suite.get("tests"), suite.get("errors")) == ("1", "1")
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "run"
    error = case.find("error")
    assert error is not None and "sandbox-error" in (error.get("message") or "")


def test_junit_stays_valid_xml_with_hostile_text() -> None:
    xml = report_junit(hostile_report())
    suite = parse(xml)
    failure = suite.find("testcase/failure")
    assert failure is not None and HOSTILE in (failure.text or "") and "red" in (failure.text or "")
    assert "<img" not in xml


@pytest.mark.parametrize(("test_id", "expected"), [
    ("test_add.py::test_add_small", "test_add"),
    ("sub/test_x.py::TestA::test_b[1]", "sub.test_x.TestA"),
])
def test_junit_classname_comes_from_the_test_file(test_id: str, expected: str) -> None:
    assert classname(test_id) == expected


def test_render_dispatches_every_file_format() -> None:
    report = make_report()
    assert render(report, "html", SOLUTION).startswith("<!DOCTYPE html>")
    assert render(report, "md", SOLUTION).startswith("# ")
    assert render(report, "junit").startswith("<?xml")


# -- the commands that write them -----------------------------------------------------------------------

@pytest.fixture
def saved_attempt(judge_home: Path) -> str:
    """A submitted attempt in a fresh JUDGE_HOME, as `judge submit` leaves it."""
    from judge.store.index import Store

    report = make_report()
    attempt_id = "20261122-205010-tiny-add-f866"
    record = {"id": attempt_id, "problem": report.problem, "started_at": 1_763_800_000.0,
              "status": "submitted", "submitted_at": 1_763_800_760.0, "elapsed_s": 760.0, "budget_s": 1200.0,
              "workspace": "/w", "result": {k: report.to_dict()[k] for k in ("score", "max_score", "percent",
                                                                             "verdict")}}
    store = Store(judge_home)
    store.save_report(attempt_id, report.to_dict(), SOLUTION)
    store.save_record(record)
    return attempt_id


def invoke(*args: str) -> Any:
    from judge.interfaces.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_writes_each_report_format_to_a_file(saved_attempt: str, tmp_path: Path) -> None:
    for fmt, head in (("html", "<!DOCTYPE html>"), ("md", "# Add two numbers"), ("junit", "<?xml")):
        out = tmp_path / f"report.{fmt}"
        result = invoke("report", saved_attempt, "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").startswith(head)
    assert "EVIL = &quot;&lt;/script&gt;" in (tmp_path / "report.html").read_text(), "the snapshot is shown"


def test_cli_open_writes_html_beside_the_attempt_and_opens_it(saved_attempt: str, judge_home: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def fake_open(uri: str) -> bool:
        opened.append(uri)
        return True

    monkeypatch.setattr("webbrowser.open", fake_open)
    result = invoke("report", saved_attempt, "--open")
    assert result.exit_code == 0, result.output
    written = judge_home / "attempts" / saved_attempt / "report.html"
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert opened == [written.resolve().as_uri()]


def test_cli_history_html(saved_attempt: str, tmp_path: Path) -> None:
    out = tmp_path / "history.html"
    result = invoke("history", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "tiny-add" in page and "<svg" in page and saved_attempt in page


@pytest.mark.parametrize(("run", "machine", "shown"), [
    (SandboxRun(stdout=b""), {"machine": "in-process"}, "fresh container"),
    (SandboxRun(stdout=b"", warm=True), {"machine": "warm-spare"}, "warm spare"),
    (SandboxRun(stdout=b"", worker="judge-7@gpu-1"), {"machine": "remote-worker", "worker": "judge-7@gpu-1"},
     "on remote worker judge-7@gpu-1"),
])
def test_the_report_says_which_machine_graded(run: SandboxRun, machine: dict[str, str], shown: str) -> None:
    assert machine_of(run) == machine
    box = {"backend": "docker", "image": "ml-judge-sandbox:abc123", "warm": run.warm, **machine}
    report = make_report(sandbox=box)
    assert f"docker sandbox, {shown})" in plain_text(report)
    assert report.to_dict()["sandbox"]["machine"] == machine["machine"]
    ((_, said),) = machine_facts(box)
    assert said in report_html(report, "") and said in report_markdown(report, "")
