"""Attempts and the store: workspace creation, the signed clock, tampering, locking, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.model.clock import clock_view
from judge.problems.catalog import Problem
from judge.services.attempt_record import CLOCK_ALTERED, WorkspaceError, find_workspace, load_for_workspace
from judge.services.attempts import POINTER, start
from judge.store.files import atomic_write
from judge.store.index import AttemptLocked, Store

from .conftest import FakeClock


def test_start_creates_workspace_and_signed_record(tmp_path: Path, tiny_problem: Problem) -> None:
    store = Store(tmp_path / "home")
    record = start(store, tiny_problem, tmp_path / "ws", FakeClock())
    ws = tmp_path / "ws"
    assert {p.name for p in ws.iterdir()} >= {"README.md", "solution.py", "numbers.csv", "tests", POINTER,
                                              "pytest.ini"}
    assert "reference" not in {p.name for p in ws.iterdir()}
    assert not (ws / "tests" / "test_add.py").exists(), "hidden tests must never reach the workspace"
    loaded, warnings = load_for_workspace(store, ws)
    assert loaded["id"] == record["id"] and warnings == []
    assert store.rows()[0]["status"] == "open"


def test_existing_workspace_needs_force(tmp_path: Path, tiny_problem: Problem) -> None:
    store = Store(tmp_path / "home")
    start(store, tiny_problem, tmp_path / "ws", FakeClock())
    with pytest.raises(WorkspaceError, match="--force"):
        start(store, tiny_problem, tmp_path / "ws", FakeClock())
    start(store, tiny_problem, tmp_path / "ws", FakeClock(), force=True)


def test_force_never_deletes_a_folder_that_is_not_a_workspace(tmp_path: Path, tiny_problem: Problem) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("...")
    with pytest.raises(WorkspaceError, match="not a judge workspace"):
        start(Store(tmp_path / "home"), tiny_problem, precious, FakeClock(), force=True)
    assert (precious / "chapter1.tex").exists()


def test_edited_start_time_is_reported(tmp_path: Path, tiny_problem: Problem) -> None:
    store = Store(tmp_path / "home")
    record = start(store, tiny_problem, tmp_path / "ws", FakeClock())
    path = store.attempt_dir(record["id"]) / "attempt.json"
    data = json.loads(path.read_text())
    data["started_at"] += 600  # pretend the attempt began ten minutes later
    path.write_text(json.dumps(data))
    _, warnings = load_for_workspace(store, tmp_path / "ws")
    assert CLOCK_ALTERED in warnings


def test_copied_workspace_keeps_the_original_clock(tmp_path: Path, tiny_problem: Problem) -> None:
    import shutil

    store = Store(tmp_path / "home")
    start(store, tiny_problem, tmp_path / "ws", FakeClock(1_700_000_000.0))
    shutil.copytree(tmp_path / "ws", tmp_path / "copy")
    record, warnings = load_for_workspace(store, tmp_path / "copy")
    assert record["started_at"] == 1_700_000_000.0
    assert any("moved or copied" in w for w in warnings)


def test_clock_view_arithmetic() -> None:
    record = {"started_at": 100.0, "budget_s": 60.0}
    view = clock_view(record, 130.0)
    assert (view.elapsed_s, view.remaining_s, view.over) == (30.0, 30.0, False)
    assert clock_view({**record, "submitted_at": 200.0}, 10_000.0).elapsed_s == 100.0
    assert clock_view(record, 190.0).over


def test_find_workspace_walks_up_and_explains(tmp_path: Path, tiny_problem: Problem) -> None:
    start(Store(tmp_path / "home"), tiny_problem, tmp_path / "ws", FakeClock())
    assert find_workspace(tmp_path / "ws" / "tests") == (tmp_path / "ws").resolve()
    with pytest.raises(WorkspaceError, match="judge start"):
        find_workspace(tmp_path)


def test_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    with store.lock("a1"), pytest.raises(AttemptLocked, match="being graded right now"), store.lock("a1"):
        pass
    with store.lock("a1"):
        pass


def test_atomic_write_leaves_no_partial_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    atomic_write(target, b"old")

    def boom(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
