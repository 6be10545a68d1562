"""The report as JUnit XML, for CI dashboards (GitLab, Jenkins, GitHub test reporters).

One ``<testsuite>`` per report inside a ``<testsuites>`` root, one ``<testcase>`` per test. The XML is built
with ElementTree, which escapes markup; ``clean_text`` removes what XML 1.0 cannot hold at all (control
characters, lone surrogates), so a hostile message cannot make the file unreadable. A run that did not pass
yet left no failing test case (no results at all, say) gets one synthetic ``run`` case with an ``<error>``,
so a dashboard can never show it green.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from judge.model.report import VERDICT_TEXT, Report, Status, TestResult, Verdict
from judge.render.facts import clean_text, first_line


def classname(test_id: str) -> str:
    """``dir/test_file.py::TestClass::test_x[p]`` -> ``dir.test_file.TestClass``, as pytest names it."""
    path, _, rest = test_id.partition("::")
    module = path.removesuffix(".py").replace("/", ".").replace("\\", ".")
    classes = rest.split("::")[:-1]
    return ".".join([module, *classes]) if module else ".".join(classes)


def _properties(parent: ET.Element, values: dict[str, object]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        if value is None or value == "":
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        ET.SubElement(props, "property", name=name, value=clean_text(text))


def _testcase(suite: ET.Element, test: TestResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=clean_text(classname(test.id)),
                         name=clean_text(test.id), time=f"{test.duration_s:.3f}")
    _properties(case, {"requirement": test.requirement, "description": test.description,
                       "points": test.points, "earned": test.earned})
    if test.status is not Status.PASS:
        tag = "failure" if test.status is Status.FAIL else "error"
        outcome = ET.SubElement(case, tag, message=first_line(test.message) or f"test {tag}")
        outcome.text = clean_text(test.message)
    if test.output:
        ET.SubElement(case, "system-out").text = clean_text(test.output)


def report_junit(report: Report) -> str:
    """The report as a JUnit XML document (UTF-8 text, with its declaration)."""
    failures = sum(t.status is Status.FAIL for t in report.tests)
    errors = sum(t.status is Status.ERROR for t in report.tests)
    synthetic = report.verdict is not Verdict.PASSED and failures + errors == 0
    count = len(report.tests) + synthetic
    errors += synthetic
    counts = {"tests": str(count), "failures": str(failures), "errors": str(errors), "skipped": "0",
              "time": f"{report.grading_s:.3f}"}
    root = ET.Element("testsuites", {"name": "ml-judge", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": clean_text(report.problem), **counts})
    if report.created_at:
        suite.set("timestamp", clean_text(report.created_at))
    _properties(suite, {
        "title": report.title, "suite": report.suite, "attempt_id": report.attempt_id,
        "score": report.score, "max_score": report.max_score, "percent": report.percent,
        "verdict": report.verdict.value, "verdict_text": VERDICT_TEXT[report.verdict],
        "elapsed_s": report.elapsed_s, "budget_s": report.budget_s, "within_budget": report.within_budget,
        "backend": report.sandbox.get("backend"), "image": report.sandbox.get("image"),
        "submission_sha256": report.submission_sha256,
        **{f"warning.{i}": w for i, w in enumerate(report.warnings, 1)},
    })
    for test in report.tests:
        _testcase(suite, test)
    if synthetic:
        case = ET.SubElement(suite, "testcase", classname=clean_text(report.problem), name="run",
                             time="0.000")
        why = f"{report.verdict.value}: {VERDICT_TEXT[report.verdict]}"
        error = ET.SubElement(case, "error", message=why)
        error.text = clean_text(report.detail)
    if report.detail:
        ET.SubElement(suite, "system-err").text = clean_text(report.detail)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
