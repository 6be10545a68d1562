"""The practice commands in an interview workspace: each says what applies here (never "no such attempt"),
and `judge test`'s closing line points at something that exists."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TINY
from .server_helpers import Server, cli, route_cli_to, running_server

SUBTRACTS = (TINY / "known_mistakes" / "subtracts.py").read_text()


@pytest.fixture
def interview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judge_home: Path) -> Iterator[tuple[Server, Path]]:
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}") as server:
        url = route_cli_to(server, monkeypatch)
        made = cli("start", "--server", url, "--invite", server.invite()["code"], "--dir", str(tmp_path / "ws"),
                   clock=server.clock)
        assert made.exit_code == 0, made.output
        yield server, tmp_path / "ws"


def said(result: object) -> str:
    return " ".join(str(getattr(result, "output", "")).split())


@pytest.mark.parametrize("args", [("hint",), ("hint", "R1"), ("hint", "R1", "--level", "2")])
def test_hints_are_not_available_in_an_interview(interview: tuple[Server, Path], args: tuple[str, ...]) -> None:
    server, ws = interview
    result = cli(*args, clock=server.clock, cwd=ws)
    assert result.exit_code == 2 and "Hints are not available in an interview" in said(result)
    assert "no such attempt" not in said(result) and "ask your interviewer" in said(result)


def test_abandon_says_only_the_interviewer_closes_an_interview(interview: tuple[Server, Path]) -> None:
    server, ws = interview
    attempt_id = server.client.get("/api/v1/results", headers=server.as_interviewer()).json()[0]["attempt_id"]
    for args in (("abandon",), ("abandon", attempt_id)):
        result = cli(*args, clock=server.clock, cwd=ws)
        assert result.exit_code == 2 and "only your interviewer can close it" in said(result), result.output
        assert "judge submit" in said(result) and "no such attempt" not in said(result)
    assert server.client.get("/api/v1/results", headers=server.as_interviewer()).json()[0]["status"] == "open"


def test_history_and_retry_name_the_interview(interview: tuple[Server, Path]) -> None:
    server, ws = interview
    history = cli("history", clock=server.clock, cwd=ws)
    assert history.exit_code == 0 and "This folder is an interview" in said(history)
    assert "judge status" in said(history)
    retry = cli("retry", clock=server.clock, cwd=ws)
    assert retry.exit_code == 2 and "`judge retry` is for practice attempts" in said(retry)


def test_judge_tests_closing_line_points_at_the_examples(interview: tuple[Server, Path]) -> None:
    server, ws = interview
    (ws / "solution.py").write_text(SUBTRACTS)
    result = cli("test", "--backend", "local", clock=server.clock, cwd=ws)
    assert result.exit_code == 1, result.output
    assert "they are the examples in tests/" in said(result) and "judge report" not in said(result)


@pytest.mark.parametrize("feedback", ["full", "score"])
def test_a_syntax_error_shows_its_line_to_the_candidate(tmp_path: Path, feedback: str) -> None:
    from .test_server_pages import csrf_of, new_client

    broken = "def add(a, b):\n    return a +\n"
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}") as server:
        token = server.start(server.invite(feedback=feedback)["code"])["token"]
        report = server.wait(token, server.submit(token, broken).json()["id"])["report"]
        assert report["verdict"] == "syntax-error" and "line 2" in report["detail"]
        if feedback == "full":
            assert all("does not compile (line 2: invalid syntax)" in t["message"] for t in report["tests"])
        code = server.invite(feedback=feedback, name="Bob")["code"]
        browser = new_client(server)
        landing = browser.get(f"/join/{code}")
        browser.post(f"/join/{code}", data={"csrf": csrf_of(landing.text)}, follow_redirects=False)
        page = browser.get("/candidate")
        # The browser's upload is pre-checked as `judge submit` is: refused with the line, nothing submitted.
        refused = browser.post("/candidate/submissions", data={"csrf": csrf_of(page.text)},
                               files={"solution": ("solution.py", broken.encode())}, follow_redirects=False)
        assert refused.status_code == 422 and "line 2" in refused.text, refused.text
        assert browser.get("/candidate/state.json").json()["submission"] is None


# -- judge submit through a lost connection, and Ctrl-C -------------------------------------------------


REFERENCE = (TINY / "reference" / "solution.py").read_text()


def flaky_polls(monkeypatch: pytest.MonkeyPatch, failures: int, status: int = 0) -> list[str]:
    """Make the next ``failures`` polls of a submission fail as a restarting server would."""
    from judge.interfaces.client import Client, ServerError

    routed = Client.call
    seen: list[str] = []

    def call(self: Client, method: str, path: str, payload: object = None, **kwargs: object) -> object:
        if method == "GET" and "/attempt/submissions/" in path and len(seen) < failures:
            seen.append(path)
            raise ServerError("cannot reach the server at http://testserver: [Errno 111] Connection refused"
                              if status == 0 else f"the server answered {status}: bad gateway", status)
        return routed(self, method, path, payload, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Client, "call", call)
    monkeypatch.setattr("judge.interfaces.cli.remote.time.sleep", lambda s: None)
    return seen


@pytest.mark.parametrize("status", [0, 502, 503])
def test_submit_keeps_polling_through_a_lost_connection(interview: tuple[Server, Path],
                                                        monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    server, ws = interview
    (ws / "solution.py").write_text(REFERENCE)
    seen = flaky_polls(monkeypatch, 5, status)
    result = cli("submit", "--yes", "--force", clock=server.clock, cwd=ws)
    assert result.exit_code == 0, result.output
    assert len(seen) == 5 and "lost the server" in said(result) and "answers again" in said(result)
    assert "Score 6/6" in said(result)


def test_submit_stops_waiting_at_its_window_and_says_where_the_grade_is(interview: tuple[Server, Path],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    server, ws = interview
    (ws / "solution.py").write_text(REFERENCE)
    flaky_polls(monkeypatch, 10**6)
    monkeypatch.setattr("judge.interfaces.cli.remote.POLL_LIMIT_S", 0.2)
    result = cli("submit", "--yes", "--force", clock=server.clock, cwd=ws)
    assert result.exit_code == 3, result.output
    assert "is stored on the server" in said(result) and "judge status" in said(result)


def test_a_refusal_while_polling_is_not_retried(interview: tuple[Server, Path], monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    server, ws = interview
    (ws / "solution.py").write_text(REFERENCE)
    seen = flaky_polls(monkeypatch, 10**6, status=401)
    result = cli("submit", "--yes", "--force", clock=server.clock, cwd=ws)
    assert result.exit_code == 2 and len(seen) == 1


def test_ctrl_c_says_whether_anything_was_sent(interview: tuple[Server, Path], monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    server, ws = interview
    (ws / "solution.py").write_text(REFERENCE)

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("judge.interfaces.cli.remote.server_examples", interrupt)
        before = cli("submit", "--yes", clock=server.clock, cwd=ws)
    assert before.exit_code == 130 and "nothing was sent; your attempt is still open" in said(before)
    assert server.client.get("/api/v1/results", headers=server.as_interviewer()).json()[0]["submission_id"] is None
    real_sleep = time.sleep

    def interrupt_polling(seconds: float) -> None:  # time.sleep is the process's: the server's grader sleeps too
        if threading.current_thread() is not threading.main_thread():
            return real_sleep(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr("judge.interfaces.cli.remote.time.sleep", interrupt_polling)
    after = cli("submit", "--yes", "--force", clock=server.clock, cwd=ws)
    assert after.exit_code == 130 and "is stored on the server and is graded there all the same" in said(after)
