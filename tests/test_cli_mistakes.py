"""A candidate's mistakes at the command line get one clear line and lose nothing: a deleted current folder,
a data folder that is a file or cannot be written, a workspace missing its solution.py or its pointer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import TINY


def test_a_deleted_current_folder_is_a_message_not_a_traceback(run: Any, tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    os.chdir(gone)  # the `run` fixture's monkeypatch puts the old folder back
    gone.rmdir()
    for args in (("status",), ("start", "tiny-add"), ("history",), ("hint",)):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "the current folder no longer exists" in result.stderr
        assert "`cd` to a folder that exists" in result.stderr


@pytest.mark.parametrize("command", [("list",), ("show", "tiny-add"), ("next",)])
def test_a_data_folder_that_is_a_file_is_no_traceback(run: Any, judge_home: Path, command: tuple[str, ...]
                                                      ) -> None:
    judge_home.write_text("not a folder")
    result = run(*command)  # an exception would escape the runner (catch_exceptions=False)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert f"the data folder {judge_home}" in result.stderr and "JUDGE_HOME" in result.stderr


def start_tiny(run: Any, tmp_path: Path) -> Path:
    result = run("start", "tiny-add", "--dir", str(tmp_path / "ws"))
    assert result.exit_code == 0, result.output
    return tmp_path / "ws"


def test_an_attempt_that_cannot_be_written_is_a_message_and_a_test_run_still_shows(
        run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (attempt,) = (judge_home / "attempts").iterdir()
    (attempt / "lock").mkdir()  # a lock file that cannot be opened, as in a read-only folder (chmod binds no root)
    (ws / "solution.py").write_text((TINY / "reference" / "solution.py").read_text())
    for args in (("hint", "R1"), ("abandon",), ("submit", "--backend", "local", "--yes")):
        result = run(*args, "--dir", str(ws))
        assert result.exit_code == 2, (args, result.output)
        assert f"cannot write in the data folder {judge_home}" in result.stderr
    public = run("test", "--dir", str(ws), "--backend", "local")
    assert public.exit_code == 0 and "public examples" in public.stdout  # the results are not lost
    note = " ".join(public.stderr.split())  # rich wraps it at 80 columns
    assert "this run was not added to the attempt's record (cannot write in the data folder" in note
    assert "open" in run("status", "--dir", str(ws)).stdout


def test_a_workspace_without_a_readable_solution_says_what_to_do_and_keeps_the_attempt_open(
        run: Any, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").unlink()
    for command in (("test",), ("submit", "--yes")):
        result = run(*command, "--dir", str(ws), "--backend", "local")
        assert result.exit_code == 2, result.output
        said = " ".join(result.stderr.split())
        assert f"has no solution.py: write your solution in {ws / 'solution.py'}" in said
        assert "pass a solution.py file" not in said  # `judge grade`'s advice: these commands take no file
    (ws / "solution.py").write_bytes(b"x = 1  # caf\xe9\n")
    result = run("submit", "--dir", str(ws), "--backend", "local", "--yes")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "not submitted: solution.py is not UTF-8 text (line 1" in said
    assert "Your attempt is still open" in said and "--force" not in said  # forcing cannot grade bytes
    assert "open" in run("status", "--dir", str(ws)).stdout


def test_fresh_twice_never_overwrites_the_kept_solution_with_the_starter(run: Any, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    starter = (ws / "solution.py").read_bytes()
    (ws / "solution.py").write_text("# my first try\n" + (TINY / "reference" / "solution.py").read_text())
    mine = (ws / "solution.py").read_bytes()
    first = run("retry", "--fresh", "--dir", str(ws))
    assert first.exit_code == 0 and "yours is in solution.prev.py" in first.stdout
    again = run("retry", "--fresh", "--dir", str(ws))  # typed twice: the starter has nothing to keep
    assert again.exit_code == 0 and "nothing to keep" in again.stdout
    assert (ws / "solution.prev.py").read_bytes() == mine and (ws / "solution.py").read_bytes() == starter
    (ws / "solution.py").write_text("# my second try\n")
    forced = run("start", "tiny-add", "--dir", str(ws), "--force")
    assert forced.exit_code == 0 and "kept as solution.prev2.py" in forced.stdout
    assert (ws / "solution.prev.py").read_bytes() == mine
    assert (ws / "solution.prev2.py").read_text() == "# my second try\n"


def test_start_force_keeps_the_candidates_other_files(run: Any, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (ws / "notes.md").write_text("edge cases to remember\n")
    (ws / "helpers").mkdir()
    (ws / "helpers" / "scratch.py").write_text("x = 1\n")
    forced = run("start", "tiny-add", "--dir", str(ws), "--force")
    assert forced.exit_code == 0, forced.output
    assert (ws / "notes.md").read_text() == "edge cases to remember\n"
    assert (ws / "helpers" / "scratch.py").read_text() == "x = 1\n"
    assert run("status", "--dir", str(ws)).exit_code == 0


@pytest.mark.parametrize("renew", [["retry"], ["retry", "--fresh"], ["start", "tiny-add", "--force"]])
def test_renewing_a_workspace_keeps_the_candidates_own_tests(run: Any, tmp_path: Path, renew: list[str]) -> None:
    """`judge retry` and `start --force` emptied tests/ first: a test file the candidate wrote there was lost."""
    ws = start_tiny(run, tmp_path)
    public = sorted(p.name for p in (ws / "tests").iterdir())
    (ws / "tests" / "test_mine.py").write_text("def test_mine():\n    assert True\n")
    shipped = ws / "tests" / public[0]
    shipped.write_text("# edited by the candidate\n")
    if renew[0] == "retry":
        assert run("abandon", "--dir", str(ws)).exit_code == 0
    done = run(*renew, "--dir", str(ws))
    assert done.exit_code == 0, done.output
    assert (ws / "tests" / "test_mine.py").read_text() == "def test_mine():\n    assert True\n"
    assert shipped.read_text() != "# edited by the candidate\n", "the judge's own files are written again"
    assert sorted(p.name for p in (ws / "tests").iterdir()) == sorted([*public, "test_mine.py"])


def test_a_damaged_pointer_names_the_command_that_works(run: Any, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text("# mine\n")
    (ws / ".judge-attempt").write_text('{"attempt_id": ')  # an editor crash, a bad merge
    said = " ".join(run("status", "--dir", str(ws)).stderr.split())
    assert f"`judge start PROBLEM --dir {ws} --force`" in said
    assert run("retry", "--dir", str(ws)).exit_code == 2  # the advice is not this loop
    assert run("start", "tiny-add", "--dir", str(ws), "--force").exit_code == 0
    assert (ws / "solution.prev.py").read_text() == "# mine\n"
    assert run("status", "--dir", str(ws)).exit_code == 0


def test_judge_run_with_the_engine_down_offers_no_option_it_lacks(run: Any, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.backends import SandboxUnavailable, docker

    def down(timeout: float = 60.0) -> None:
        raise SandboxUnavailable("the Docker engine is not reachable (test)", docker.ENGINE_FIX)

    monkeypatch.setattr(docker, "api_client", down)
    ws = start_tiny(run, tmp_path)
    result = run("run", "--dir", str(ws), "--", "pytest", "-q")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 3 and "the Docker engine is not reachable" in said
    assert "--backend local" not in said  # `judge run` has no such option
    assert f"`pytest -q` in {ws}" in said


def test_an_attempt_id_typed_in_capitals_is_found(run: Any, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    attempt = (ws / ".judge-attempt").read_text().split('"attempt_id": "')[1][:6]
    closed = run("abandon", attempt.upper()[:4])
    assert closed.exit_code == 0 and f"Attempt {attempt} is closed" in closed.stdout


def test_a_workspace_of_another_data_folder_says_so(run: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ws = start_tiny(run, tmp_path)
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "another-home"))  # a shell without the JUDGE_HOME it had
    for command in ("status", "retry", "submit"):
        said = " ".join(run(command, "--dir", str(ws)).stderr.split())
        assert f"is not in the data folder {tmp_path / 'another-home'}: it was started with another one" in said
        assert "`judge history` lists them" not in said  # it would list the other folder's attempts only
        assert f"`judge start tiny-add --dir {ws} --force`" in said


def test_a_mistyped_dir_says_it_does_not_exist(run: Any, tmp_path: Path) -> None:
    start_tiny(run, tmp_path)
    for command in ("status", "test", "submit", "hint", "abandon", "retry"):
        said = " ".join(run(command, "--dir", str(tmp_path / "wss")).stderr.split())
        assert f"{tmp_path / 'wss'} does not exist" in said, (command, said)
        assert "not inside a judge workspace" not in said


def test_a_result_that_cannot_be_saved_is_shown_and_the_attempt_stays_open(
        run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text((TINY / "reference" / "solution.py").read_text())
    (attempt,) = (judge_home / "attempts").iterdir()
    (attempt / "report.json").mkdir()  # the write fails after grading, as on a full disk
    result = run("submit", "--dir", str(ws), "--backend", "local", "--yes")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 3, result.output
    assert "Score" in result.stdout  # the graded result is shown, not lost in a traceback
    assert f"the result could not be saved: cannot write in the data folder {judge_home}" in said
    assert "your attempt is still open" in said
    (attempt / "report.json").rmdir()
    assert "(open)" in run("status", "--dir", str(ws)).stdout
    assert run("submit", "--dir", str(ws), "--backend", "local", "--yes").exit_code == 0


def test_a_full_disk_is_a_message_for_every_command_that_writes_a_record(
        run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.store import index

    ws = start_tiny(run, tmp_path)

    def full(path: Path, data: dict[str, Any]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index, "write_json", full)
    for args in (("hint", "R1", "--dir", str(ws)), ("abandon", "--dir", str(ws)), ("retry", "--dir", str(ws)),
                 ("start", "tiny-add", "--dir", str(tmp_path / "ws2"))):
        result = run(*args)
        said = " ".join(result.stderr.split())
        assert result.exit_code == 2, (args, result.output)
        assert "cannot write in the data folder" in said and "No space left on device" in said
    assert not (tmp_path / "ws2").exists()  # no half-made workspace
    public = run("test", "--dir", str(ws), "--backend", "local")
    assert public.exit_code == 1 and "this run was not added to the attempt's record" in public.stderr


def test_an_index_that_cannot_be_written_is_a_message(run: Any, judge_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    ws = start_tiny(run, tmp_path)
    real = sqlite3.connect

    def read_only(path: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)  # as chattr +i or a read-only mount

    monkeypatch.setattr(sqlite3, "connect", read_only)
    result = run("hint", "R1", "--dir", str(ws))
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2, result.output
    assert f"cannot use the index {judge_home / 'index.sqlite'}" in said and "readonly database" in said
    assert run("history").exit_code == 0  # reading still works


def test_a_submit_whose_index_cannot_be_written_keeps_its_saved_result(
        run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.store import index

    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text((TINY / "reference" / "solution.py").read_text())

    def broken(self: Any, record: dict[str, Any]) -> None:
        raise index.StoreError("cannot use the index (test)")

    with monkeypatch.context() as patch:
        patch.setattr(index.Store, "index", broken)
        result = run("submit", "--dir", str(ws), "--backend", "local", "--yes")
    said = " ".join(result.stdout.split())
    assert result.exit_code == 0, result.output  # the record says submitted: the result stands
    assert "still open" not in result.output and "judge history may not list this attempt" in said
    assert "(submitted)" in run("status", "--dir", str(ws)).stdout


def test_a_damaged_attempt_record_names_the_command_that_works(run: Any, judge_home: Path, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    (record,) = (judge_home / "attempts").glob("*/attempt.json")
    record.write_text(record.read_text()[:40])  # cut short, as by a full disk
    said = " ".join(run("status", "--dir", str(ws)).stderr.split())
    assert "is damaged" in said and f"`judge start tiny-add --dir {ws} --force`" in said


def test_ctrl_c_during_submit_says_the_attempt_is_still_open(run: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.execution import Executor

    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text((TINY / "reference" / "solution.py").read_text())

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # Ctrl-C (or SIGTERM, which the CLI turns into it) while grading

    with monkeypatch.context() as patch:
        patch.setattr(Executor, "grade_one", interrupted)
        for force in ((), ("--force",)):  # in the pre-check, and in the grading itself
            result = run("submit", "--dir", str(ws), "--backend", "local", "--yes", *force)
            said = " ".join(result.stderr.split())
            assert result.exit_code == 130, result.output
            assert "interrupted: not submitted. Your attempt is still open" in said
    assert "(open)" in run("status", "--dir", str(ws)).stdout
