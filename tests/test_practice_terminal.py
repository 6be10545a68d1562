"""`judge drill` in a real terminal: tmux at 80 and 60 columns, an answer typed at the prompt, a rating, and
the transcript read back. Every line the judge printed fits the width (rich wraps it; tmux never has to)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.store.index import Store

from .conftest import _unavailable

pytestmark = pytest.mark.tmux
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tmux() -> str:
    binary = shutil.which("tmux")
    if binary is None:
        _unavailable("tmux is not installed (apt-get install tmux, or bash scripts/setup.sh)")
        raise AssertionError
    return binary


class Pane:
    """A detached tmux session of a fixed size running one command, on its own server socket."""

    def __init__(self, tmux: str, width: int, command: str, env: dict[str, str]) -> None:
        self.tmux, self.socket = tmux, f"judge-test-{uuid.uuid4().hex[:8]}"
        self._run("new-session", "-d", "-x", str(width), "-y", "60", "-s", "t", command, env=env)

    def _run(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run([self.tmux, "-L", self.socket, *args], capture_output=True, text=True, timeout=30,
                              env=env, check=True)
        return done.stdout

    def text(self) -> str:
        """The whole transcript, lines the terminal wrapped joined again (-J)."""
        return self._run("capture-pane", "-p", "-J", "-S", "-", "-t", "t")

    def wait_for(self, needle: str, times: int = 1, timeout: float = 30.0) -> str:
        """Poll the pane until ``needle`` shows ``times`` times (the judge runs in another process: its output
        is awaited, not timed; keys typed before a prompt shows would be echoed out of place)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if text.count(needle) >= times:
                return text
            assert time.monotonic() < deadline, f"{needle!r} never appeared:\n{text}"
            time.sleep(0.05)

    def type(self, *keys: str) -> None:
        self._run("send-keys", "-t", "t", *keys)

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True, timeout=30, check=False)


@pytest.fixture
def pane(tmux: str, tmp_path: Path) -> Iterator[object]:
    panes: list[Pane] = []

    def start(width: int, *args: str) -> Pane:
        env = {**os.environ, "JUDGE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        command = " ".join([sys.executable, "-m", "judge", *args]) + "; echo '[exited]'; cat"
        panes.append(Pane(tmux, width, command, env))
        return panes[-1]

    yield start
    for p in panes:
        p.close()


@pytest.mark.parametrize("width", [80, 60])
def test_drill_in_a_terminal(pane: object, width: int, tmp_path: Path) -> None:
    p = pane(width, "drill", "--topic", "regularization", "--limit", "2")  # type: ignore[operator]
    p.wait_for("Your answer")
    p.type("L1 (lasso) drives weights exactly to zero, a sparse model; L2 shrinks them smoothly.", "Enter")
    p.type("Enter")
    p.wait_for("Rate: 1 again")
    p.type("3", "Enter")
    p.wait_for("2/2 ·")
    p.type("Enter")  # skip the second question to think
    p.wait_for("Rate: 1 again", times=2)
    p.type("q", "Enter")
    text = p.wait_for("[exited]")
    lines = text.rstrip("\n").splitlines()
    # The candidate's own typing ("> ...") is the terminal's to wrap; everything the judge printed is its own.
    too_wide = [line for line in lines if len(line.rstrip()) > width and not line.startswith("> ")]
    assert not too_wide, f"lines wider than {width} columns (the terminal had to wrap them): {too_wide}"
    assert "1/2 · L1 and L2 regularisation" in text
    assert "What is the difference between L1 and L2 regularisation" in " ".join(text.split())
    assert "Key points: 3 of 5 covered" in text and "Key points (4):" in text
    marks = [line for line in lines if line.lstrip().startswith(("✓", "✗"))]
    assert len(marks) == 5 and len({line.index(line.lstrip()[0]) for line in marks}) == 1, "marks in one column"
    assert "Next review:" in text and "Session over: 1 answer(s) rated and saved" in text
    saved = Store(tmp_path / "home").reviews()
    assert [(r["question"], r["rating"], r["covered"]) for r in saved] == [("regularization/l1-vs-l2", 3, 3)]
