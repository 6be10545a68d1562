"""Issue 15: a candidate never loses an attempt to the tool, and every message is true.

One test (or more) per numbered finding, through the CLI with click's runner, an injected clock and the
local backend on the tiny-add fixture (no Docker); the Docker side (the plugin's messages, `judge env`,
`pytest` inside `judge run`) is in test_candidate_docker.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from .conftest import TINY, FakeClock

REFERENCE = (TINY / "reference" / "solution.py").read_text()
WRONG = REFERENCE.replace("return a + b", "return a - b")


def start(run: Any, tmp_path: Path, name: str = "ws") -> Path:
    result = run("start", "tiny-add", "--dir", str(tmp_path / name))
    assert result.exit_code == 0, result.output
    return tmp_path / name


def attempt_id(ws: Path) -> str:
    return str(json.loads((ws / ".judge-attempt").read_text())["attempt_id"])


def record(judge_home: Path, ws: Path) -> dict[str, Any]:
    return dict(json.loads((judge_home / "attempts" / attempt_id(ws) / "attempt.json").read_text()))


def submit(run: Any, ws: Path, *args: str, input: str | None = None) -> Result:
    return run("submit", "--dir", str(ws), "--backend", "local", *args, input=input)


# -- 1. a typo never burns the only submission --------------------------------------------------------

@pytest.mark.parametrize("source, reason", [
    ("def add(a, b)\n    return a + b\n", "does not compile: line 1"),
    ("raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
    ("def scale(values, factor):\n    return values\n", "does not define add"),
    ("", "empty"),
    ("# nothing yet\n", "empty"),
])
def test_a_submission_that_cannot_be_graded_is_refused_and_the_attempt_stays_open(
        run: Any, judge_home: Path, tmp_path: Path, source: str, reason: str) -> None:
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(source)
    result = submit(run, ws)
    assert result.exit_code == 2, result.output
    assert "not submitted" in result.stderr and reason in result.stderr, result.stderr
    assert "still open" in result.stderr and "--force" in result.stderr
    assert record(judge_home, ws)["status"] == "open"
    assert not (judge_home / "attempts" / attempt_id(ws) / "report.json").exists()


def test_the_untouched_starter_is_refused(run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    result = submit(run, ws)
    assert result.exit_code == 2 and "untouched starter" in result.stderr
    assert record(judge_home, ws)["status"] == "open"


def test_force_submits_what_the_pre_checks_refuse(run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text("def add(a, b)\n")
    result = submit(run, ws, "--force", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verdict"] == "syntax-error"
    assert record(judge_home, ws)["status"] == "submitted"


def test_a_terminal_gets_a_summary_and_a_question(run: Any, judge_home: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("judge.interfaces.cli.practice_attempt.interactive", lambda: True)
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(WRONG)
    declined = submit(run, ws, input="n\n")
    assert declined.exit_code == 0
    assert "Public examples  1/2 pass" in declined.stdout and "Submit now?" in declined.stdout
    assert "test_add_example" in declined.stdout  # the failing public example, by name
    assert "Not submitted" in declined.stdout and record(judge_home, ws)["status"] == "open"
    accepted = submit(run, ws, input="y\n")
    assert accepted.exit_code == 1 and record(judge_home, ws)["status"] == "submitted"


def test_yes_json_and_non_terminals_never_ask(run: Any, judge_home: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("judge.interfaces.cli.practice_attempt.interactive", lambda: True)
    ws = start(run, tmp_path, "a")
    (ws / "solution.py").write_text(REFERENCE)
    assert "Submit now?" not in submit(run, ws, "--yes").stdout
    assert record(judge_home, ws)["status"] == "submitted"
    ws = start(run, tmp_path, "b")
    (ws / "solution.py").write_text(REFERENCE)
    result = submit(run, ws, "--json")
    assert json.loads(result.stdout)["verdict"] == "passed"
    monkeypatch.setattr("judge.interfaces.cli.practice_attempt.interactive", lambda: False)
    ws = start(run, tmp_path, "c")
    (ws / "solution.py").write_text(REFERENCE)
    assert "Submit now?" not in submit(run, ws).stdout
    assert record(judge_home, ws)["status"] == "submitted"


def test_time_spent_checking_is_not_the_candidates(run: Any, clock: FakeClock, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import judge.services.precheck as precheck_module

    real = precheck_module.precheck

    def slow_precheck(*args: Any, **kwargs: Any) -> Any:
        clock.now += 30  # the sandbox took 30 s
        return real(*args, **kwargs)

    monkeypatch.setattr(precheck_module, "precheck", slow_precheck)
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    clock.now += 60
    result = submit(run, ws, "--json")
    assert json.loads(result.stdout)["elapsed_s"] == 60


# -- 2. a byte-order mark is not a syntax error ------------------------------------------------------

def test_a_utf8_bom_is_accepted(run: Any, tmp_path: Path) -> None:
    from judge.grading.integrity import check_syntax, decode_source

    assert check_syntax(decode_source(b"\xef\xbb\xbfx = 1\n")) is None
    assert check_syntax("\ufeffx = 1\n") is None
    ws = start(run, tmp_path)
    (ws / "solution.py").write_bytes(b"\xef\xbb\xbf" + REFERENCE.encode())
    result = submit(run, ws, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "passed"


# -- 3. the workspace's own instructions are true ----------------------------------------------------

def test_the_workspace_readme_names_files_that_exist_and_states_the_budget(run: Any, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    readme = (ws / "README.md").read_text()
    assert "starter/" not in readme and "`numbers.csv`" in readme and (ws / "numbers.csv").is_file()
    assert "budget 5 min" in readme and re.search(r"deadline \d\d:\d\d", readme)
    assert "judge env" in readme
    solution = (ws / "solution.py").read_text()
    assert "statement.md" not in solution and "See README.md" in solution


def test_the_readme_carries_the_graders_versions_once_known(run: Any, tmp_path: Path) -> None:
    from judge.backends.image import expected_tag
    from judge.services.environment import cache_path
    from judge.store.files import write_json

    tag = expected_tag()
    write_json(cache_path(tag), {"image": tag, "python": "3.11.2", "libraries": {"pandas": "3.1.1"}})
    readme = (start(run, tmp_path) / "README.md").read_text()
    assert "The grader runs Python 3.11.2, pandas 3.1.1" in readme


def test_plain_pytest_works_in_the_workspace(run: Any, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    for folder in (ws, ws / "tests"):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=folder, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 passed" in done.stdout


# -- 4. attempts a person can name -------------------------------------------------------------------

def test_ids_are_short_and_any_unique_prefix_names_one(run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    attempt = attempt_id(ws)
    assert re.fullmatch(r"[a-z2-9]{6}", attempt)
    (ws / "solution.py").write_text(REFERENCE)
    assert submit(run, ws).exit_code == 0
    by_prefix = run("report", attempt[:3], "--format", "json")
    assert by_prefix.exit_code == 0 and json.loads(by_prefix.stdout)["attempt_id"] == attempt
    by_problem = run("report", "tiny-add", "--format", "json")
    assert json.loads(by_problem.stdout)["attempt_id"] == attempt


def test_history_shows_whole_ids_at_80_and_60_columns(run: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ids = []
    for name in ("a", "b"):
        ws = start(run, tmp_path, name)
        ids.append(attempt_id(ws))
    for columns in ("80", "60"):
        monkeypatch.setenv("COLUMNS", columns)
        out = run("history").stdout
        for attempt in ids:
            assert attempt in out, out
        assert all(len(line) <= int(columns) for line in out.splitlines()), out


def test_report_of_an_unknown_attempt_says_no_such_attempt(run: Any, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    missing = run("report", "nonexistent")
    assert missing.exit_code == 2 and "no such attempt 'nonexistent'" in missing.stderr
    still_open = run("report", attempt_id(ws))
    assert still_open.exit_code == 2 and "still open" in still_open.stderr


def test_an_ambiguous_prefix_lists_the_candidates(judge_home: Path) -> None:
    from judge.store.index import NoSuchAttempt, Store

    store = Store(judge_home)
    for attempt in ("abc234", "abd567"):
        (store.attempt_dir(attempt)).mkdir(parents=True)
        (store.attempt_dir(attempt) / "attempt.json").write_text("{}")
    assert store.resolve("abc") == "abc234"
    with pytest.raises(NoSuchAttempt, match="names 2 attempts"):
        store.resolve("ab")


# -- 5. retry keeps code, abandon closes, status says closed -----------------------------------------

def test_retry_starts_a_fresh_clock_and_keeps_the_code(run: Any, clock: FakeClock, judge_home: Path,
                                                       tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    first = attempt_id(ws)
    (ws / "solution.py").write_text(WRONG)
    assert submit(run, ws).exit_code == 1
    again = run("submit", "--dir", str(ws))
    assert "judge retry" in again.stderr and "--force" not in again.stderr
    clock.now += 600
    result = run("retry", "--dir", str(ws))
    assert result.exit_code == 0, result.output
    second = attempt_id(ws)
    assert second != first and (ws / "solution.py").read_text() == WRONG
    assert record(judge_home, ws)["started_at"] == clock.now and record(judge_home, ws)["retry_of"] == first
    fresh = run("retry", "--dir", str(ws), "--fresh")
    assert fresh.exit_code == 0 and "abandoned" in fresh.stdout  # the open second attempt was closed
    assert (ws / "solution.prev.py").read_text() == WRONG and "NotImplementedError" in (ws / "solution.py").read_text()


def test_start_force_keeps_the_old_solution(run: Any, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(WRONG)
    refused = run("start", "tiny-add", "--dir", str(ws))
    assert refused.exit_code == 2 and "judge retry" in refused.stderr
    forced = run("start", "tiny-add", "--dir", str(ws), "--force")
    assert forced.exit_code == 0 and "solution.prev.py" in forced.stdout
    assert (ws / "solution.prev.py").read_text() == WRONG


def test_abandon_closes_an_attempt_and_status_says_so(run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    result = run("abandon", "--dir", str(ws))
    assert result.exit_code == 0 and "abandoned" in result.stdout
    assert record(judge_home, ws)["status"] == "abandoned"
    status = run("status", "--dir", str(ws)).stdout
    assert "Closed: abandoned" in status and "left" not in status
    assert run("submit", "--dir", str(ws), "--backend", "local").exit_code == 2
    history = run("history").stdout
    assert "abandoned" in history


def test_status_of_a_submitted_attempt_says_closed_and_its_score(run: Any, clock: FakeClock,
                                                                 tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    assert submit(run, ws).exit_code == 0
    clock.now += 3600
    status = run("status", "--dir", str(ws))
    assert "left" not in status.stdout and "Closed: submitted" in status.stdout
    assert "(100%)" in status.stdout and "judge report" in status.stdout
    data = json.loads(run("status", "--dir", str(ws), "--json").stdout)
    assert data["closed"] is True and data["remaining_s"] is None and data["result"]["percent"] == 100.0


# -- 6. history that does not mislead ----------------------------------------------------------------

def test_a_fall_to_zero_is_declining_not_steady() -> None:
    from judge.render.facts import trend_text

    assert trend_text([69.4, 0.0, 0.0]).startswith("declining")
    assert trend_text([0.0, 0.0, 50.0]).startswith("improving")
    assert trend_text([50.0, 50.0, 50.0]) == "steady"


def test_history_rows_link_to_their_reports(run: Any, tmp_path: Path) -> None:
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    assert submit(run, ws).exit_code == 0
    page = run("history", "--format", "html").stdout
    link = re.search(r'<a href="(file://[^"]+/report\.html)">' + attempt_id(ws) + "</a>", page)
    assert link, page[-2000:]
    target = Path(link.group(1).removeprefix("file://"))
    assert target.is_file() and "Add two numbers" in target.read_text()


# -- 7. messages that lead to the fix ----------------------------------------------------------------

def test_pytest_advice_and_noise_are_dropped() -> None:
    from judge.grading.messages import clean

    raw = ("AssertionError: assert [1, 2, 3] == [1, 2, 4]\n\nAt index 2 diff: 3 != 4\nUse -v to get more diff\n"
           "Omitting 1 identical items, use -vv to show\n"
           "...Full output truncated (3 lines hidden), use '-vv' to show")
    out = clean(raw)
    assert "-v" not in out and "At index 2 diff: 3 != 4" in out and "Omitting 1 identical items" in out
    assert "(3 more lines)" in out
    hinted = clean("ImportError while importing test module '/scratch/tests/test_x.py'.\n"
                   "Hint: make sure your test modules/packages have valid Python names.\nTraceback:\n"
                   "../submission/solution.py:2: in <module>\n    x = 1/0\n        ^^^\n"
                   "E   ZeroDivisionError: division by zero")
    assert "Hint" not in hinted and "^^^" not in hinted and "solution.py:2" in hinted
    assert "../submission" not in hinted


def test_no_escaped_newlines_when_a_diff_follows() -> None:
    from judge.grading.messages import clean

    raw = ("AssertionError: assert 'You are a he...re?\\nAnswer: ' == 'You are a he...ere?\\nAnswer:'\n  \n"
           "  Skipping 80 identical leading characters in diff, use -v to show\n    re?\n  - Answer:\n"
           "  + Answer: \n  ?        +")
    out = clean(raw)
    assert "\\n" not in out and "use -v" not in out and "- Answer:" in out


def test_an_import_error_message_puts_the_candidates_line_first() -> None:
    from judge.grading.messages import traceback_summary

    text = ('Traceback (most recent call last):\n  File "/scratch/submission/solution.py", line 7, in <module>\n'
            "    from sklearn.modle_selection import train_test_split\n"
            "ModuleNotFoundError: No module named 'sklearn.modle_selection'")
    lines = traceback_summary(text).splitlines()
    assert lines[0] == ("solution.py, line 7, in <module>: from sklearn.modle_selection import "
                        "train_test_split")
    assert lines[1].startswith("ModuleNotFoundError")


def test_a_missing_function_is_an_import_error_naming_it() -> None:
    from .test_results import document, judge

    doc = document({}, canary="failed")
    doc["collect_errors"] = [{"id": "test_add.py", "message":
                              "/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n"
                              "    return _bootstrap._gcd_import(name[level:], package, level)\n"
                              "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
                              "../tests/test_add.py:1: in <module>\n    from solution import add\n"
                              "E   ImportError: cannot import name 'add' from 'solution' "
                              "(/scratch/submission/solution.py)"}]
    doc["finished"] = False
    out = judge(doc)
    assert out.verdict.value == "import-error"
    assert "does not define add" in out.detail and "Hint" not in out.detail
    assert all(t.message.startswith("not run: solution.py does not define add") for t in out.tests)
    # The headline says so too: nothing raised while importing an empty or misnamed solution.py.
    from judge.model.outcomes import VERDICT_TEXT

    assert "raised an exception" not in VERDICT_TEXT[out.verdict]
    assert "lacks a function the tests call" in VERDICT_TEXT[out.verdict]


# -- 8. a custom problem never replaces a built-in one -----------------------------------------------

def test_a_custom_problem_cannot_shadow_a_builtin(run: Any, tmp_path: Path) -> None:
    from judge.problems.catalog import discover, find_problem

    refused = run("problem", "new", "feature-engineering", "--dir", str(tmp_path))
    assert refused.exit_code == 2 and "built-in" in refused.stderr
    # A folder made by hand with a built-in's slug: the built-in wins, and the folder is named as skipped.
    custom = tmp_path / "custom"
    shutil_copy_problem(TINY, custom / "feature-engineering", slug="feature-engineering")
    problems, errors = discover([custom])
    chosen = next(p for p in problems if p.slug == "feature-engineering")
    assert chosen.builtin and any("already a built-in problem" in e for e in errors)
    with pytest.raises(Exception, match="built-in"):
        find_problem(str(custom / "feature-engineering"), [custom])
    listed = run("list", extra=("--problems", str(custom)))
    assert "already a built-in problem" in listed.stderr


def shutil_copy_problem(source: Path, target: Path, slug: str) -> None:
    import shutil

    shutil.copytree(source, target)
    toml = target / "problem.toml"
    toml.write_text(re.sub(r'slug = "[^"]+"', f'slug = "{slug}"', toml.read_text()))


# -- 9. batch: a zip inside a folder, an untouched starter ------------------------------------------

def test_a_zip_inside_a_folder_of_submissions_is_graded(tmp_path: Path) -> None:
    from judge.services.intake import discover

    root = tmp_path / "subs"
    (root / "alice").mkdir(parents=True)
    (root / "alice" / "solution.py").write_text(REFERENCE)
    (root / "bob").mkdir()
    (root / "bob" / "solution.py").write_text(WRONG)
    with zipfile.ZipFile(root / "carol.zip", "w") as archive:
        archive.writestr("carol/solution.py", REFERENCE)
    with zipfile.ZipFile(root / "dave.zip", "w") as archive:
        archive.writestr("solution.py", WRONG)
    (root / "erin").mkdir()
    (root / "erin" / "main.py").write_text(REFERENCE)
    entries = discover([root])
    assert [e.name for e in entries] == ["alice", "bob", "carol", "dave", "erin"]
    assert [e.gradable for e in entries] == [True, True, True, True, False]
    assert "main.py" in entries[-1].error


def test_an_untouched_starter_is_flagged_in_a_batch(tiny_problem: Any) -> None:
    from judge.model.batch import Row
    from judge.model.outcomes import RowState
    from judge.problems.workspace_text import is_untouched_starter
    from judge.services.batch import UNTOUCHED, row_dict

    starter = (TINY / "starter" / "solution.py").read_text()
    assert is_untouched_starter(starter.replace("\n", "\r\n"), tiny_problem)
    assert is_untouched_starter("\ufeff" + starter, tiny_problem)
    assert not is_untouched_starter(REFERENCE, tiny_problem)
    row = Row("alice", "alice", "alice/solution.py", RowState.NOT_GRADED)
    assert UNTOUCHED in row_dict(row, [], [], untouched=True)["warnings"]


def test_batch_summary_flags_the_starter(run: Any, tmp_path: Path) -> None:
    root = tmp_path / "subs"
    (root / "alice").mkdir(parents=True)
    (root / "alice" / "solution.py").write_text((TINY / "starter" / "solution.py").read_text())
    (root / "bob").mkdir()
    (root / "bob" / "solution.py").write_text(REFERENCE)
    out = tmp_path / "out"
    result = run("grade", "--problem", "tiny-add", str(root), "--backend", "local", "--out", str(out), "--jobs", "1")
    assert result.exit_code in (0, 1), result.output
    summary = json.loads((out / "summary.json").read_text())
    flags = {s["name"]: s["warnings"] for s in summary["submissions"]}
    assert any("untouched starter" in w for w in flags["alice"]) and not flags["bob"]


# -- 10. narrow terminals never cut what you must type -----------------------------------------------

def test_list_at_60_columns_shows_whole_slugs(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = run("list").stdout
    for slug in ("feature-engineering", "data-cleaning", "iris-classifier", "rag-pipeline", "tiny-add"):
        assert slug in out, out
    assert all(len(line) <= 60 for line in out.splitlines())


def test_start_and_status_fit_60_columns(run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    ws = start(run, tmp_path)
    out = run("start", "tiny-add", "--dir", str(tmp_path / "w2")).stdout + run("status", "--dir", str(ws)).stdout
    assert all(len(line) <= 60 for line in out.splitlines()), out


# -- 11. the smaller ones ----------------------------------------------------------------------------

def test_history_output_without_format_writes_the_file(run: Any, tmp_path: Path) -> None:
    start(run, tmp_path)
    text = run("history", "-o", str(tmp_path / "h.txt"))
    assert text.exit_code == 0 and "tiny-add" in (tmp_path / "h.txt").read_text()
    html = run("history", "-o", str(tmp_path / "h.html"))
    assert html.exit_code == 0 and (tmp_path / "h.html").read_text().startswith("<!DOCTYPE html>")


def test_history_of_an_unknown_problem_is_an_error(run: Any) -> None:
    result = run("history", "--problem", "nope")
    assert result.exit_code == 2 and "unknown problem 'nope'" in result.stderr


def test_start_in_a_foreign_folder_does_not_suggest_force(run: Any, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    result = run("start", "tiny-add", "--dir", str(folder))
    assert result.exit_code == 2 and "--force" not in result.stderr and "--dir" in result.stderr
    assert run("start", "tiny-add", "--dir", str(folder), "--force").exit_code == 2
    assert (folder / "notes.txt").read_text() == "x"


def test_validate_of_a_missing_path_says_so(run: Any, tmp_path: Path) -> None:
    result = run("problem", "validate", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "no such folder" in result.stderr and "unknown problem" not in result.stderr


def test_json_errors_are_json_on_stdout(run: Any, tmp_path: Path) -> None:
    for args in (("status", "--dir", str(tmp_path), "--json"), ("history", "--problem", "nope", "--json"),
                 ("grade", "--problem", "nope", str(tmp_path), "--json")):
        result = run(*args)
        assert result.exit_code == 2
        document = json.loads(result.stdout)
        assert document["exit_code"] == 2 and document["error"]
    ws = start(run, tmp_path)
    refused = submit(run, ws, "--json")
    assert "untouched starter" in json.loads(refused.stdout)["error"]


def test_an_html_report_on_a_terminal_goes_to_a_file(run: Any, judge_home: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ws = start(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    assert submit(run, ws, "--yes").exit_code == 0
    monkeypatch.setattr("judge.interfaces.cli.reports.stdout_is_terminal", lambda: True)
    shown = run("report", "--format", "html")
    page = judge_home / "attempts" / attempt_id(ws) / "report.html"
    assert shown.exit_code == 0 and "<html" not in shown.stdout and page.read_text().startswith("<!DOCTYPE html>")
    assert "written to a file" in shown.output and "--open" in shown.output
    monkeypatch.setattr("judge.interfaces.cli.reports.stdout_is_terminal", lambda: False)
    assert run("report", "--format", "html").stdout.startswith("<!DOCTYPE html>")  # a pipe still gets the page
