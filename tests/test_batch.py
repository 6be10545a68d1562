"""Batch grading without Docker: input discovery (files, folders, nesting, zips and their refusals), the
summary's CSV/JSON/HTML shapes, resuming, stopping on an infrastructure failure or Ctrl-C, the similarity
check and the progress display. Grading runs on the local backend or a fake one; no test sleeps.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import stat
import struct
import tarfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from judge.backends import SandboxRun, SandboxUnavailable
from judge.backends.local import LocalBackend
from judge.grading.integrity import MAX_SOURCE_BYTES
from judge.interfaces.cli import cli
from judge.interfaces.cli.context import EXIT_INTERRUPTED, batch_exit_code
from judge.model.batch import BatchResult, Row
from judge.model.limits import Limits
from judge.model.outcomes import RowState
from judge.model.report import Diagnosis
from judge.problems.catalog import Problem
from judge.render.progress import BatchProgress, counts_text, eta_seconds
from judge.render.summary import SORT_SCRIPT, heat_class, script_hash, summary_html
from judge.services.batch import assign_slugs, run_batch, summary_csv
from judge.services.intake import Entry, InputError, discover, from_path
from judge.services.similarity import normalised_tokens, similar_pairs

from .conftest import TINY, run_chromium

GRADED, MISSING, NOT_GRADED, REUSED, UNREADABLE = (
    RowState.GRADED, RowState.MISSING, RowState.NOT_GRADED, RowState.REUSED, RowState.UNREADABLE)
REFERENCE = (TINY / "reference" / "solution.py").read_text()
STARTER = (TINY / "starter" / "solution.py").read_text()
SUBTRACTS = (TINY / "known_mistakes" / "subtracts.py").read_text()
SYNTAX_ERROR = "def add(a, b):\n    return a +\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def names(entries: list[Entry]) -> list[str]:
    return [e.name for e in entries]


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


# -- discovery -------------------------------------------------------------------------------------

def test_a_file_is_named_after_itself_or_its_folder(tmp_path: Path) -> None:
    loose = write(tmp_path / "alice.py", REFERENCE)
    inside = write(tmp_path / "bob" / "solution.py", REFERENCE)
    entries = discover([loose, inside])
    assert names(entries) == ["alice", "bob"]
    assert entries[0].submission is not None and entries[0].submission.source == REFERENCE
    assert entries[1].origin == str(inside)


def test_a_folder_holding_solution_is_one_candidate(tmp_path: Path) -> None:
    write(tmp_path / "carol" / "solution.py", REFERENCE)
    write(tmp_path / "carol" / "helpers" / "solution.py", "ignored: below a submission")
    (entry,) = from_path(tmp_path / "carol")
    assert entry.name == "carol" and entry.submission is not None
    assert entry.submission.source == REFERENCE


def test_a_folder_of_folders_nested_with_missing_and_junk(tmp_path: Path) -> None:
    root = tmp_path / "batch"
    write(root / "alice" / "solution.py", REFERENCE)
    write(root / "round-2" / "bob" / "solution.py", SUBTRACTS)
    write(root / "round-2" / "dan" / "notes.txt", "no code")
    write(root / "carol" / "data" / "numbers.csv", "value\n1\n")
    write(root / ".git" / "solution.py", "hidden folders are skipped")
    write(root / "__MACOSX" / "alice" / "solution.py", "zip debris is skipped")
    write(root / "stray.py", "loose files below a folder are not submissions")
    entries = from_path(root)
    assert names(entries) == ["alice", "carol", "round-2/bob", "round-2/dan"]
    by_name = {e.name: e for e in entries}
    assert by_name["carol"].missing and "no solution.py in carol/" in by_name["carol"].error
    assert by_name["round-2/dan"].missing and not by_name["round-2/dan"].gradable
    assert by_name["round-2/bob"].submission is not None


def test_a_lone_wrapping_folder_is_looked_through(tmp_path: Path) -> None:
    write(tmp_path / "download" / "submissions" / "alice" / "solution.py", REFERENCE)
    write(tmp_path / "download" / "submissions" / "bob" / "solution.py", REFERENCE)
    assert names(from_path(tmp_path / "download")) == ["alice", "bob"]


def test_unreadable_files_are_that_entrys_error_not_the_batchs(tmp_path: Path) -> None:
    write(tmp_path / "b" / "latin" / "solution.py", b"# caf\xe9\n")
    write(tmp_path / "b" / "huge" / "solution.py", "x = 1\n" * (MAX_SOURCE_BYTES // 6 + 10))
    (tmp_path / "b" / "dir" / "solution.py").mkdir(parents=True)  # a folder where the file should be
    write(tmp_path / "b" / "ok" / "solution.py", REFERENCE)
    by_name = {e.name: e for e in from_path(tmp_path / "b")}
    assert "not UTF-8" in by_name["latin"].error and not by_name["latin"].missing
    assert "larger than" in by_name["huge"].error
    assert by_name["dir"].missing
    assert by_name["ok"].gradable


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "nope", "does not exist"),
    (lambda p: write(p / "notes.txt", "x"), "is not a .py file, a folder or a .zip"),
    (lambda p: write(p / "empty" / "readme.md", "x").parent, "no solution.py in"),
    (lambda p: write(p / "broken.zip", b"PK\x03\x04 not really"), "not a readable zip"),
])
def test_input_naming_nothing_gradable_is_refused(tmp_path: Path, make: Any, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        discover([make(tmp_path)])


def test_repeated_names_are_made_distinct(tmp_path: Path) -> None:
    a = write(tmp_path / "one" / "alice" / "solution.py", REFERENCE)
    b = write(tmp_path / "two" / "alice" / "solution.py", SUBTRACTS)
    entries = discover([a, b.parent])
    assert names(entries) == ["alice", "alice (2)"]
    assert assign_slugs(entries) == ["alice", "alice-2"]


def test_slugs_are_safe_folder_names() -> None:
    entries = [Entry(n, n) for n in ("../../etc", "round 2/bob", "Bob", "bob", "", "é")]
    slugs = assign_slugs(entries)
    assert slugs == ["etc", "round-2-bob", "Bob", "bob-2", "submission", "submission-2"]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", s) and not s.startswith(".") for s in slugs)


def make_zip(path: Path, members: dict[str, str], symlink: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def test_a_zip_is_read_in_memory(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "round1.zip", {
        "submissions/alice/solution.py": REFERENCE,
        "submissions/bob/solution.py": SUBTRACTS,
        "submissions/carol/README": "forgot the code",
    })
    before = files_under(tmp_path)
    entries = from_path(archive)
    assert names(entries) == ["alice", "bob", "carol"]
    assert entries[0].submission is not None and entries[0].submission.source == REFERENCE
    assert entries[0].origin == "round1.zip:submissions/alice/solution.py"
    assert entries[2].missing
    assert files_under(tmp_path) == before  # nothing extracted anywhere


def test_a_zip_with_one_solution_is_named_after_the_zip(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "erin.zip", {"solution.py": REFERENCE})
    assert names(from_path(archive)) == ["erin"]


@pytest.mark.parametrize("bad, what", [
    ("../../escaped/solution.py", "climbs out of the archive with '..'"),
    ("alice/../../solution.py", "climbs out of the archive with '..'"),
    ("/tmp/abs/solution.py", "has an absolute path"),
    ("C:\\evil\\solution.py", "has an absolute path"),
])
def test_a_zip_with_an_escaping_member_is_refused_whole(tmp_path: Path, bad: str, what: str) -> None:
    archive = make_zip(tmp_path / "inbox" / "batch.zip", {"alice/solution.py": REFERENCE, bad: "pwned = 1\n"})
    before = files_under(tmp_path)
    with pytest.raises(InputError) as caught:
        discover([archive])
    message = str(caught.value)
    assert f"refusing {archive}" in message and repr(bad) in message and what in message
    assert "Nothing was extracted" in message and "zip -r" in message
    assert files_under(tmp_path) == before
    assert not Path("/tmp/abs").exists() and not (tmp_path / "escaped").exists()


def test_a_zip_with_a_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "batch.zip", {"alice/solution.py": REFERENCE}, symlink="bob/solution.py")
    with pytest.raises(InputError, match="is a symbolic link"):
        discover([archive])


@pytest.mark.parametrize("twin", ["dup/solution.py", "./dup//solution.py"])
def test_a_zip_holding_one_path_twice_is_refused(tmp_path: Path, twin: str) -> None:
    """The first of two `dup/solution.py` members was graded, silently; `unzip` shows the reader the last."""
    import warnings

    path = tmp_path / "batch.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile's own "Duplicate name" warning
        archive.writestr("dup/solution.py", REFERENCE)
        archive.writestr(twin, SUBTRACTS)
    with pytest.raises(InputError, match=r"it holds 'dup/solution\.py' twice.*Nothing was read"):
        discover([path])


def test_a_candidate_folder_beside_zips_is_no_wrapper(tmp_path: Path) -> None:
    """`alice/` beside `erin.zip` graded alice alone: the lone folder was taken for a wrapper, the zip dropped."""
    write(tmp_path / "inbox" / "alice" / "solution.py", REFERENCE)
    make_zip(tmp_path / "inbox" / "erin.zip", {"solution.py": SUBTRACTS})
    entries = discover([tmp_path / "inbox"])
    assert names(entries) == ["alice", "erin"]
    assert [e.submission.source for e in entries if e.submission] == [REFERENCE, SUBTRACTS]


def test_a_file_named_twice_is_one_submission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Overlapping PATH arguments graded one file two or three times ("ok", "ok (2)", "ok (3)"), each then
    flagged 100% like the others as if copied."""
    write(tmp_path / "subs" / "ok" / "solution.py", REFERENCE)
    write(tmp_path / "subs" / "twin" / "solution.py", REFERENCE)  # another file, the same text: two candidates
    archive = make_zip(tmp_path / "batch.zip", {"erin/solution.py": SUBTRACTS, "finn/solution.py": SUBTRACTS})
    monkeypatch.chdir(tmp_path)
    entries = discover([Path("subs/ok"), Path("subs/ok/"), Path("subs/ok/solution.py"), tmp_path / "subs",
                        Path("batch.zip"), archive])
    assert names(entries) == ["ok", "twin", "erin", "finn"]
    assert [e.origin for e in entries][:2] == ["subs/ok/solution.py", str(tmp_path / "subs" / "twin" / "solution.py")]


def test_the_cli_refuses_a_bad_zip_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "batch.zip", {"../evil.py": "x = 1\n", "a/solution.py": REFERENCE})
    result = CliRunner().invoke(cli, ["--problems", str(TINY.parent), "grade", "--problem", "tiny-add",
                                      str(archive), "--backend", "local", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("error: refusing") and not (tmp_path / "evil.py").exists()
    assert not (tmp_path / "out").exists()


# -- a fake backend --------------------------------------------------------------------------------

# What the local harness printed for each distinct source, with that run's nonce: replayed (under the new
# run's nonce) when the same file is graded again, so each test pays for a real run once per file.
_RECORDED: dict[str, tuple[SandboxRun, str]] = {}


def bundle_parts(bundle: bytes) -> tuple[str, str]:
    """(nonce, submission source) of a grading bundle."""
    with tarfile.open(fileobj=io.BytesIO(bundle)) as tar:
        settings = json.load(tar.extractfile("settings.json"))  # type: ignore[arg-type]
        source = tar.extractfile("submission/solution.py").read().decode()  # type: ignore[union-attr]
    return settings["nonce"], source


class ScriptedBackend:
    """The local backend, replaying recorded runs; its nth run can raise instead (a lost engine, Ctrl-C)."""

    name = "local"

    def __init__(self, raise_on: dict[int, BaseException] | None = None) -> None:
        self.inner = LocalBackend()
        self.raise_on = raise_on or {}
        self.runs = 0
        self.lock = threading.Lock()

    def runtime(self, limits: Limits) -> dict[str, Any]:
        return self.inner.runtime(limits)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        with self.lock:
            self.runs += 1
            n = self.runs
        if n in self.raise_on:
            raise self.raise_on[n]
        return self.replay(bundle, limits)

    def replay(self, bundle: bytes, limits: Limits) -> SandboxRun:
        nonce, source = bundle_parts(bundle)
        key = f"{limits.timeout_s}:{source}"
        if key not in _RECORDED:
            _RECORDED[key] = (self.inner.run(bundle, limits), nonce)
            return _RECORDED[key][0]
        run, old = _RECORDED[key]
        return dataclasses.replace(run, stdout=run.stdout.replace(old.encode(), nonce.encode()))


def batch_folder(root: Path, sources: dict[str, str | bytes | None]) -> Path:
    for name, text in sources.items():
        if text is None:
            (root / name).mkdir(parents=True, exist_ok=True)
        else:
            write(root / name / "solution.py", text)
    return root


MIXED: dict[str, str | bytes | None] = {
    "alice": REFERENCE,
    "bob": SUBTRACTS,
    "carol": SYNTAX_ERROR,
    "dora": b"\xff\xfe",
    "evan": None,
}


def run_mixed(tmp_path: Path, problem: Problem, backend: Any, **kwargs: Any) -> BatchResult:
    entries = discover([batch_folder(tmp_path / "in", MIXED)])
    return run_batch(problem, entries, backend, tmp_path / "out", **{"jobs": 2, **kwargs})


# -- summary shapes --------------------------------------------------------------------------------

def test_a_mixed_batch_writes_every_row_and_file(tmp_path: Path, tiny_problem: Problem) -> None:
    backend = ScriptedBackend()
    result = run_mixed(tmp_path, tiny_problem, backend)
    out = tmp_path / "out"
    assert backend.runs == 2  # the syntax error, the unreadable file and the empty folder need no sandbox
    rows = {r.name: r for r in result.rows}
    assert [r.name for r in result.rows] == ["alice", "bob", "carol", "dora", "evan"]
    assert {n: (r.state, r.verdict) for n, r in rows.items()} == {
        "alice": (GRADED, "passed"), "bob": (GRADED, "failed"), "carol": (GRADED, "syntax-error"),
        "dora": (UNREADABLE, "unreadable"), "evan": (MISSING, "missing")}
    assert batch_exit_code(result.outcome) == 1

    for name in ("alice", "bob", "carol"):
        folder = out / "submissions" / name
        report = json.loads((folder / "report.json").read_text())
        assert report["submission_sha256"] == rows[name].sha256
        assert report["extra"]["batch"]["name"] == name
        assert (folder / "solution.py").read_bytes() == (tmp_path / "in" / name / "solution.py").read_bytes()
        assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert not (out / "submissions" / "dora").exists() and not (out / "submissions" / "evan").exists()

    summary = json.loads((out / "summary.json").read_text())
    assert summary["problem"] == "tiny-add" and summary["complete"] and summary["outcome"] == "failed"
    assert summary["counts"] == {"submissions": 5, "passed": 1, "failed": 4, "errors": 0, "pending": 0,
                                 "reused": 0}
    assert summary["requirements"] == [{"id": "R1", "points": 3, "title": "Add two integers"},
                                       {"id": "R2", "points": 3, "title": "Scale a list into a new list"}]
    assert summary["mistakes"] == [{"mistake": "subtracts", "title": "Subtracted instead of added", "count": 1,
                                    "submissions": ["bob"]}], "the cohort table: who made which known mistake"
    alice, bob, carol, dora, evan = summary["submissions"]
    assert (alice["score"], alice["max_score"], alice["percent"], alice["requirements"]) == (
        6, 6, 100.0, {"R1": 3, "R2": 3})
    assert (bob["score"], bob["verdict"], bob["requirements"]) == (3, "failed", {"R1": 0, "R2": 3})
    assert bob["diagnosis"] == [{"mistake": "subtracts", "title": "Subtracted instead of added", "match": 1.0}]
    assert alice["diagnosis"] == [] and carol["diagnosis"] == [], "a pass and a syntax error are not diagnosed"
    assert carol["verdict"] == "syntax-error" and "line 2" in carol["detail"]
    assert alice["report_html"] == "submissions/alice/report.html"
    assert alice["report"] == "submissions/alice/report.json"
    assert (dora["status"], dora["score"], dora["report"], dora["grading_s"]) == ("fail", 0, None, None)
    assert "not UTF-8" in dora["detail"]
    assert evan["verdict"] == "missing" and evan["requirements"] == {"R1": 0, "R2": 0}

    table = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    assert list(table[0]) == ["name", "score", "max_score", "percent", "verdict", "grading_s", "warnings",
                              "R1", "R2", "diagnosis", "detail", "report"]
    assert [(r["name"], r["score"], r["percent"], r["verdict"], r["R1"], r["R2"]) for r in table] == [
        ("alice", "6", "100.0", "passed", "3", "3"), ("bob", "3", "50.0", "failed", "0", "3"),
        ("carol", "0", "0.0", "syntax-error", "0", "0"), ("dora", "0", "0.0", "unreadable", "0", "0"),
        ("evan", "0", "0.0", "missing", "0", "0")]
    assert float(table[0]["grading_s"]) > 0 and table[3]["grading_s"] == ""
    assert table[0]["report"] == "submissions/alice/report.html"
    assert "summary" in (out / "summary.html").read_text()


def test_a_second_run_reuses_everything_and_force_grades_again(tmp_path: Path, tiny_problem: Problem) -> None:
    run_mixed(tmp_path, tiny_problem, ScriptedBackend())
    again = ScriptedBackend()
    second = run_mixed(tmp_path, tiny_problem, again)
    assert again.runs == 0
    assert [r.state for r in second.rows] == [REUSED, REUSED, REUSED, UNREADABLE, MISSING]
    assert second.summary["counts"]["reused"] == 3
    assert second.rows[0].report_file == "report.html"
    forced = ScriptedBackend()
    run_mixed(tmp_path, tiny_problem, forced, force=True)
    assert forced.runs == 2


def test_changed_limits_or_file_mean_grading_again(tmp_path: Path, tiny_problem: Problem) -> None:
    run_mixed(tmp_path, tiny_problem, ScriptedBackend())
    other_limits = ScriptedBackend()
    run_mixed(tmp_path, tiny_problem, other_limits, limits=tiny_problem.limits.with_overrides(timeout_s=7.0))
    assert other_limits.runs == 2
    write(tmp_path / "in" / "bob" / "solution.py", REFERENCE)  # bob fixed his file
    edited = ScriptedBackend()
    result = run_batch(tiny_problem, discover([tmp_path / "in"]), edited, tmp_path / "out", jobs=2,
                       limits=tiny_problem.limits.with_overrides(timeout_s=7.0))
    assert edited.runs == 1
    assert [r.state for r in result.rows][:2] == [REUSED, GRADED] and result.rows[1].verdict == "passed"


def test_csv_cells_a_spreadsheet_would_run_are_quoted() -> None:
    summary = {"requirements": [{"id": "R1", "points": 1}], "submissions": [{
        "name": "=HYPERLINK(\"http://x\")", "score": 0, "max_score": 1, "percent": 0.0, "verdict": "failed",
        "grading_s": 1.0, "warnings": ["@SUM(A1)"], "requirements": {"R1": 0}, "detail": "-2+3\nmore",
        "report_html": None, "report": None}]}
    (row,) = list(csv.DictReader(io.StringIO(summary_csv(summary))))
    assert row["name"] == "'=HYPERLINK(\"http://x\")" and row["warnings"] == "'@SUM(A1)"
    assert row["detail"] == "'-2+3" and row["score"] == "0"


# -- stopping --------------------------------------------------------------------------------------

def test_infrastructure_failure_stops_new_work_keeps_the_rest_and_resumes(
        tmp_path: Path, tiny_problem: Problem) -> None:
    sources: dict[str, str | bytes | None] = {f"c{i}": REFERENCE for i in range(5)}
    entries = discover([batch_folder(tmp_path / "in", sources)])
    gone = SandboxUnavailable("the Docker engine is not reachable", "start it")
    backend = ScriptedBackend({3: gone})
    result = run_batch(tiny_problem, entries, backend, tmp_path / "out", jobs=1)
    assert "not reachable" in result.infrastructure_error and batch_exit_code(result.outcome) == 3
    assert [r.state for r in result.rows] == [GRADED, GRADED, NOT_GRADED, NOT_GRADED, NOT_GRADED]
    assert backend.runs == 3  # nothing was started after the failure
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert not summary["complete"] and summary["counts"]["pending"] == 3 and summary["outcome"] == "judge-error"
    pending = summary["submissions"][3]
    assert pending["score"] is None and pending["requirements"]["R1"] is None
    assert "Incomplete" in (tmp_path / "out" / "summary.html").read_text()

    resumed_backend = ScriptedBackend()
    resumed = run_batch(tiny_problem, entries, resumed_backend, tmp_path / "out", jobs=1)
    assert resumed_backend.runs == 3 and batch_exit_code(resumed.outcome) == 0
    assert [r.state for r in resumed.rows] == [REUSED, REUSED, GRADED, GRADED, GRADED]


class BlockingBackend(ScriptedBackend):
    """Run 1 blocks until the batch stops running sandboxes; run 2 is Ctrl-C; others grade normally."""

    def __init__(self) -> None:
        super().__init__()
        self.stopped = threading.Event()
        self.first_started = threading.Event()

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        with self.lock:
            self.runs += 1
            n = self.runs
        if n == 1:
            self.first_started.set()
            assert self.stopped.wait(30), "the batch never stopped the running sandbox"
            return SandboxRun(stdout=b"", exit_code=137)  # what a killed container looks like
        if n == 2:
            assert self.first_started.wait(30)
            raise KeyboardInterrupt
        return self.replay(bundle, limits)


def test_ctrl_c_stops_running_sandboxes_and_keeps_finished_reports(
        tmp_path: Path, tiny_problem: Problem) -> None:
    entries = discover([batch_folder(tmp_path / "in", {"a": REFERENCE, "b": REFERENCE, "c": REFERENCE})])
    backend = BlockingBackend()
    result = run_batch(tiny_problem, entries, backend, tmp_path / "out", jobs=2,
                       stop_running=backend.stopped.set)
    assert result.interrupted and batch_exit_code(result.outcome) == EXIT_INTERRUPTED
    assert backend.runs == 2  # nothing new after Ctrl-C
    # The killed run's result is discarded, never saved as that candidate's verdict.
    assert [r.state for r in result.rows] == [NOT_GRADED, NOT_GRADED, NOT_GRADED]
    assert not (tmp_path / "out" / "submissions" / "a" / "report.json").exists()
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["interrupted"] is True


def test_ctrl_c_after_some_finished_keeps_them(tmp_path: Path, tiny_problem: Problem) -> None:
    entries = discover([batch_folder(tmp_path / "in", {f"c{i}": REFERENCE for i in range(4)})])
    backend = ScriptedBackend({3: KeyboardInterrupt()})
    stops: list[int] = []
    result = run_batch(tiny_problem, entries, backend, tmp_path / "out", jobs=1,
                       stop_running=lambda: stops.append(1))
    assert result.interrupted and [r.state for r in result.rows] == [GRADED, GRADED, NOT_GRADED, NOT_GRADED]
    assert stops == []  # nothing was running any more
    for name in ("c0", "c1"):
        assert (tmp_path / "out" / "submissions" / name / "report.json").is_file()
    resumed = ScriptedBackend()
    run_batch(tiny_problem, entries, resumed, tmp_path / "out", jobs=1)
    assert resumed.runs == 2


def test_a_judge_bug_on_one_submission_is_its_row_not_the_batchs_end(
        tmp_path: Path, tiny_problem: Problem) -> None:
    entries = discover([batch_folder(tmp_path / "in", {"a": REFERENCE, "b": REFERENCE})])
    backend = ScriptedBackend({1: ValueError("boom")})
    result = run_batch(tiny_problem, entries, backend, tmp_path / "out", jobs=1)
    assert [r.verdict for r in result.rows] == ["sandbox-error", "passed"]
    assert "internal error of the judge: ValueError: boom" in result.rows[0].detail
    assert batch_exit_code(result.outcome) == 3


# -- the command line ------------------------------------------------------------------------------

def test_cli_batch_json_prints_only_the_summary(tmp_path: Path, judge_home: Path) -> None:
    folder = batch_folder(tmp_path / "in", {"alice": REFERENCE, "bob": REFERENCE})
    runner = CliRunner()
    args = ["--problems", str(TINY.parent), "grade", "--problem", "tiny-add", str(folder),
            "--backend", "local", "--out", str(tmp_path / "out"), "--jobs", "2", "--json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [s["verdict"] for s in summary["submissions"]] == ["passed", "passed"]
    assert "Grading 2 of 2" in result.stderr


def test_cli_batch_prints_the_common_mistakes(tmp_path: Path, judge_home: Path) -> None:
    folder = batch_folder(tmp_path / "in", {"alice": REFERENCE, "bob": SUBTRACTS, "carl": SUBTRACTS})
    args = ["--problems", str(TINY.parent), "grade", "--problem", "tiny-add", str(folder),
            "--backend", "local", "--out", str(tmp_path / "out"), "--jobs", "2"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "Common mistakes" in result.stdout and "2/3  Subtracted instead of added  (bob, carl)" in result.stdout


def test_cli_jobs_must_be_positive(tmp_path: Path) -> None:
    folder = batch_folder(tmp_path / "in", {"alice": REFERENCE})
    result = CliRunner().invoke(cli, ["--problems", str(TINY.parent), "grade", "--problem", "tiny-add",
                                      str(folder), "--jobs", "0", "--backend", "local"])
    assert result.exit_code == 2 and "error: --jobs must be at least 1, got 0" in result.stderr


# -- similarity ------------------------------------------------------------------------------------

ORIGINAL = '''
import csv


def load_rows(path):
    """Read the rows."""
    with open(path) as handle:
        return [row for row in csv.DictReader(handle)]


def clean(rows, required):
    kept = []
    for row in rows:
        if any(not row.get(col) for col in required):
            continue
        total = 0.0
        for key, value in row.items():
            if key.startswith("amount_"):
                total += float(value) * 1.5
        row["total"] = round(total, 2)
        kept.append(row)
    kept.sort(key=lambda r: (r["total"], r["id"]))
    return kept


def summarise(rows):
    counts = {}
    for row in rows:
        counts[row["region"]] = counts.get(row["region"], 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
'''

# The same code with every name changed, comments and docstrings reworded, and the layout redone.
DISGUISED = '''
import csv

def read_everything(p):
    # my own reader
    with open(p) as f:
        return [r for r in csv.DictReader(f)]

def tidy(records, needed):
    """Tidy up the records (written by me)."""
    out = []
    for rec in records:
        if any(not rec.get(c) for c in needed): continue
        acc = 0.0
        for k, v in rec.items():
            if k.startswith("sum_"): acc += float(v) * 1.5
        rec["t"] = round(acc, 2)
        out.append(rec)
    out.sort(key=lambda x: (x["t"], x["key"]))
    return out

def report(records):
    tally = {}
    for rec in records:
        tally[rec["area"]] = tally.get(rec["area"], 0) + 1
    return sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))
'''

INDEPENDENT = '''
import pandas as pd


def load_rows(path):
    return pd.read_csv(path).to_dict("records")


def clean(rows, required):
    frame = pd.DataFrame(rows).dropna(subset=list(required))
    amounts = frame.filter(like="amount_").astype(float)
    frame = frame.assign(total=(amounts.sum(axis=1) * 1.5).round(2))
    return frame.sort_values(["total", "id"]).to_dict("records")


def summarise(rows):
    series = pd.Series([r["region"] for r in rows]).value_counts()
    ordered = sorted(series.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(name, int(n)) for name, n in ordered]
'''


def test_renamed_and_reformatted_copies_normalise_to_the_same_tokens() -> None:
    assert normalised_tokens("x = 1  # note\nif x:\n    y = 'a'\n") == normalised_tokens(
        "renamed=1\nif renamed:\n        other = \"b\"  # different\n")
    assert normalised_tokens("for i in x: pass") == ["for", "ID", "in", "ID", ":", "pass"]


def test_a_disguised_copy_is_flagged_and_an_independent_solution_is_not() -> None:
    pairs = similar_pairs([("alice", ORIGINAL), ("bob", DISGUISED), ("carol", INDEPENDENT)])
    assert [(p.a, p.b) for p in pairs] == [("alice", "bob")]
    assert pairs[0].similarity > 0.9


def test_shared_starter_code_and_tiny_files_are_not_flagged() -> None:
    starter = ORIGINAL
    # Both handed in the starter plus one short, identical line: nothing of their own worth comparing.
    a = ORIGINAL + "\nLIMIT = 3\n"
    b = ORIGINAL + "\nLIMIT = 3\n"
    assert similar_pairs([("a", a), ("b", b)], starter=starter) == []
    assert similar_pairs([("a", a), ("b", b)]) != []  # without the starter they look copied
    assert similar_pairs([("x", REFERENCE), ("y", REFERENCE)], starter=STARTER) == []


def test_similarity_survives_files_that_do_not_parse() -> None:
    broken = ORIGINAL + "\ndef oops(:\n    '''unterminated"
    pairs = similar_pairs([("a", ORIGINAL), ("b", broken), ("c", "\x00\x01")])
    assert [(p.a, p.b) for p in pairs] == [("a", "b")]


def test_similar_pairs_appear_as_warnings_in_the_summary(tmp_path: Path, tiny_problem: Problem) -> None:
    folder = batch_folder(tmp_path / "in", {"alice": ORIGINAL, "bob": DISGUISED, "carol": INDEPENDENT})
    result = run_batch(tiny_problem, discover([folder]), ScriptedBackend(), tmp_path / "out", jobs=3)
    summary = result.summary
    assert [(p["a"], p["b"]) for p in summary["similar_pairs"]] == [("alice", "bob")]
    warnings = {s["name"]: s["warnings"] for s in summary["submissions"]}
    assert any(w.startswith("similar: ") and "like bob" in w for w in warnings["alice"])
    assert any("like alice" in w for w in warnings["bob"])
    assert not any("similar" in w for w in warnings["carol"])
    table = list(csv.DictReader(io.StringIO((tmp_path / "out" / "summary.csv").read_text())))
    assert "like bob" in table[0]["warnings"]
    assert "Near-identical submissions" in (tmp_path / "out" / "summary.html").read_text()


# -- the HTML summary ------------------------------------------------------------------------------

def fake_summary(rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    limits = {"timeout_s": 20, "memory_bytes": 2**29}
    return {"problem": "tiny-add", "title": "Add two numbers", "suite": "hidden",
            "created_at": "2026-01-01T10:00:00",
            "sandbox": {"backend": "docker", "image": "ml-judge-sandbox:abc", "limits": limits},
            "requirements": [{"id": "R1", "points": 3}, {"id": "R2", "points": 2}],
            "counts": {"submissions": len(rows), "passed": 0, "failed": len(rows), "errors": 0, "pending": 0,
                       "reused": 0},
            "complete": True, "similar_pairs": [], "submissions": rows, **extra}


def fake_row(name: str, **kw: Any) -> dict[str, Any]:
    row = {"name": name, "slug": "x", "origin": name, "state": "graded", "status": "fail",
           "verdict": "failed", "score": 1, "max_score": 5, "percent": 20.0, "grading_s": 1.25,
           "warnings": [], "detail": "",
           "requirements": {"R1": 1, "R2": 0}, "report": "submissions/x/report.json",
           "report_html": "submissions/x/report.html"}
    return {**row, **kw}


def test_summary_html_escapes_names_and_allows_only_its_own_script() -> None:
    evil = '<script>alert(1)</script>"onmouseover="x'
    page = summary_html(fake_summary([fake_row(evil, warnings=["<img src=x onerror=alert(2)>"])]))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None and f"script-src {script_hash(SORT_SCRIPT)}" in csp.group(1)
    assert "default-src 'none'" in csp.group(1) and "unsafe-eval" not in csp.group(1)
    assert page.count("<script>") == 1 and f"<script>{SORT_SCRIPT}</script>" in page


def test_summary_html_heat_map_and_links() -> None:
    page = summary_html(fake_summary([
        fake_row("alice", requirements={"R1": 3, "R2": 2}, score=5, percent=100.0, status="pass",
                 verdict="passed"),
        fake_row("bob", requirements={"R1": 1, "R2": 1}),
        fake_row("cara", state="not-graded", status="pending", verdict="not-graded", score=None, percent=None,
                 grading_s=None, requirements={"R1": None, "R2": None}, report=None, report_html=None),
    ], complete=False, interrupted=True))
    assert page.count('class="heat full"') == 2
    assert 'class="heat some"' in page and 'class="heat most"' in page
    assert page.count('class="heat na"') == 2
    assert '<a href="submissions/x/report.html">alice</a>' in page
    assert '<td class="name" data-v="cara">cara<span class="origin">' in page  # no report, no link
    assert "Incomplete" in page and "the run was interrupted" in page
    assert "1/2" in page  # footer: alice and bob graded, one with all R1 points


def test_summary_html_shows_diagnoses_the_cohort_table_and_requirement_titles() -> None:
    slip = {"mistake": "subtracts", "title": "Subtracted <b>instead</b>", "match": 0.9}
    summary = fake_summary([fake_row("alice", diagnosis=[slip]), fake_row("bob", diagnosis=[])],
                           requirements=[{"id": "R1", "points": 3, "title": "Add two integers"},
                                         {"id": "R2", "points": 2, "title": ""}],
                           mistakes=[{**slip, "count": 1, "submissions": ["alice"]}])
    page = summary_html(summary)
    assert "<button type=\"button\">Likely mistake</button>" in page
    assert "Subtracted &lt;b&gt;instead&lt;/b&gt; <span class=\"muted\">90%</span>" in page
    assert "<h2>Common mistakes</h2>" in page and '<td class="num">1/2</td>' in page
    assert "<strong>R1</strong> Add two integers" in page and 'title="Add two integers: 3 point(s)"' in page
    assert "matched a known mistake" in summary_html(fake_summary([fake_row("bob")]))


def test_a_not_attempted_submission_is_no_mistake_in_the_summary() -> None:
    from judge.model.report import Report, Status, TestResult, Verdict
    from judge.services.batch import row_dict

    slip = {"mistake": "subtracts", "title": "Subtracted", "match": 0.84}
    summary = fake_summary([fake_row("alice", diagnosis=[slip]), fake_row("dora", diagnosis=[], attempted=False)],
                           mistakes=[{**slip, "count": 1, "submissions": ["alice"]}], not_attempted=["dora"])
    page = summary_html(summary)
    assert '<td class="diag" data-v="not attempted"><span class="muted">not attempted</span></td>' in page
    assert "Not attempted (the starter" in page and "1/2: dora" in page
    assert "not attempted" in summary_csv(summary).splitlines()[2]
    # a report that still carries a diagnosis (graded before) is not counted as a mistake once untouched
    report = Report(problem="p", verdict=Verdict.FAILED, grading_s=1.0, sandbox={}, submission_sha256="x",
                    tests=(TestResult("t.py::a", "a", "R1", "a", 1, Status.FAIL, "assert 0"),),
                    diagnosis=(Diagnosis("subtracts", "Subtracted", "E", 0.84),))
    row = row_dict(Row("dora", "dora", "dora", RowState.GRADED, report), [("R1", 1)], [], untouched=True)
    assert row["attempted"] is False and row["diagnosis"] == []


@pytest.mark.parametrize("earned, points, bucket", [
    (None, 3, "na"), (0, 3, "none"), (1, 3, "some"), (2, 3, "most"), (3, 3, "full"), (0, 0, "full")])
def test_heat_buckets(earned: int | None, points: int, bucket: str) -> None:
    assert heat_class(earned, points) == bucket


# -- progress --------------------------------------------------------------------------------------

def test_eta_spreads_the_mean_over_the_sandboxes() -> None:
    assert eta_seconds([], 5, [], 2) is None
    assert eta_seconds([2.0, 4.0], 4, [], 2) == pytest.approx(6.0)  # 4 left * 3 s / 2 lanes
    assert eta_seconds([3.0], 1, [1.0, 5.0], 2) == pytest.approx((3.0 + 2.0 + 0.0) / 2)
    assert eta_seconds([3.0], 0, [2.0], 4) == pytest.approx(1.0)


def test_counts_text() -> None:
    assert counts_text(3, 8, 2, 1, 12.4) == "3/8 done · 2 running · 1 failed · about 0:12 left"
    assert counts_text(8, 8, 0, 1, 0.0) == "8/8 done · 0 running · 1 failed"
    assert counts_text(0, 8, 2, 0, None).endswith("estimating time left")


class StepClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_on_a_pipe_is_plain_lines_with_counts(tiny_problem: Problem) -> None:
    buffer = io.StringIO()
    clock = StepClock()
    show = BatchProgress(Console(file=buffer, width=60, force_terminal=False), "tiny-add", clock=clock)
    show.begin(total=3, queued=2, jobs=2)
    show.finished(Row("dora", "dora", "dora", UNREADABLE, detail="solution.py is not UTF-8 text"))
    show.started("alice")
    show.started("bob")
    clock.now += 4.0
    show.finished(Row("alice", "alice", "alice", NOT_GRADED))
    show.end()
    lines = buffer.getvalue().splitlines()
    assert lines[0] == ("Grading 2 of 3 submission(s) of tiny-add, 2 at once; 1 need no grading "
                        "(already graded, or unreadable)")
    assert lines[1] == ("[1/3] dora  unreadable: solution.py is not UTF-8 text   "
                        "(1/3 done · 0 running · 1 failed · estimating time left)")
    assert lines[2].startswith("[2/3] alice")
    assert lines[2].endswith("(2/3 done · 1 running · 2 failed · about 0:00 left)")
    assert "\x1b[" not in buffer.getvalue()  # no colour codes or cursor movement in a log


def test_docker_gone_stops_the_batch_with_exit_3_and_how_to_resume(
        tmp_path: Path, judge_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    folder = batch_folder(tmp_path / "in", {"alice": REFERENCE, "bob": REFERENCE, "carol": REFERENCE})
    result = CliRunner().invoke(cli, ["--problems", str(TINY.parent), "grade", "--problem", "tiny-add",
                                      str(folder), "--jobs", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "the Docker engine is not reachable" in result.stderr and "fix:" in result.stderr
    assert "stopped: 0 of 3 submissions done" in result.stderr
    assert "resume with the same command" in result.stderr and "Traceback" not in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["counts"]["pending"] == 3 and summary["outcome"] == "judge-error"


# -- the summary in a real browser -----------------------------------------------------------------

@pytest.mark.browser
def test_summary_page_in_chromium(chromium: str, tmp_path: Path, tiny_problem: Problem) -> None:
    sources: dict[str, str | bytes | None] = {**MIXED, "<i>eve</i>": REFERENCE, "x1": ORIGINAL,
                                              "x2": DISGUISED}
    entries = discover([batch_folder(tmp_path / "in", sources)])
    run_batch(tiny_problem, entries, ScriptedBackend(), tmp_path / "out", jobs=3)
    page = tmp_path / "out" / "summary.html"

    shot = tmp_path / "summary.png"
    run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1100",
                 page.as_uri())
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (1280, 1100)
    assert shot.stat().st_size > 40_000  # a blank page is about 9 kB; a rendered table far more

    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert 'data-sort-ready="yes"' in dom, "the sort script did not run: is its CSP hash right?"
    body = dom.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 8 and body.count('class="heat ') == 16
    assert '<a href="submissions/alice/report.html">alice</a>' in body
    assert "&lt;i&gt;eve&lt;/i&gt;" in dom and "<i>eve" not in dom
    assert "Near-identical submissions" in dom and "x1" in dom


def test_the_output_folder_inside_the_input_is_not_taken_for_candidates(
        tmp_path: Path, judge_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = batch_folder(tmp_path / "in", {"alice": REFERENCE, "bob": SUBTRACTS})
    monkeypatch.chdir(folder)  # the default output folder, ./tiny-add-grades, lands inside the input
    args = ["--problems", str(TINY.parent), "grade", "--problem", "tiny-add", ".", "--backend", "local",
            "--json"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 1, first.output
    assert (folder / "tiny-add-grades" / "submissions" / "alice" / "solution.py").is_file()
    second = CliRunner().invoke(cli, args)
    assert [s["name"] for s in json.loads(second.stdout)["submissions"]] == ["alice", "bob"]
