"""Issue 26, the server's edge cases: the sign-in throttle that does not tell right from wrong once it is
reached, forwarded headers trusted only from named proxies, ids and races that answer 404/409 instead of
500, empty uploads, problem names that are slugs and never paths, the candidate-reported test runs, and the
warning when an invitation's problem is public (built-in)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import TINY
from .server_helpers import Server, live_server, running_server

REFERENCE = (TINY / "reference" / "solution.py").read_text()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite'}", auth_failures_per_window=3) as found:
        yield found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the throttle --------------------------------------------------------------------------------------------

def test_once_throttled_a_right_token_is_refused_like_a_wrong_one(server: Server) -> None:
    for _ in range(3):
        assert server.client.get("/api/v1/problems", headers=bearer("jit_" + "x" * 43)).status_code == 401
    wrong = server.client.get("/api/v1/problems", headers=bearer("jit_" + "y" * 43))
    right = server.client.get("/api/v1/problems", headers=server.as_interviewer())
    assert (wrong.status_code, right.status_code) == (429, 429)
    assert right.headers["Retry-After"] == wrong.headers["Retry-After"]
    assert right.json() == wrong.json()


@pytest.mark.parametrize("kind", ["candidate-token", "code", "join-page", "dashboard"])
def test_every_failed_credential_kind_counts(server: Server, kind: str) -> None:
    code = server.invite()["code"]

    def miss() -> int:
        if kind == "candidate-token":
            return int(server.client.get("/api/v1/attempt", headers=bearer("jcs_" + "x" * 43)).status_code)
        if kind == "code":
            return int(server.client.post("/api/v1/start", json={"code": "jic_" + "x" * 43}).status_code)
        if kind == "join-page":
            return int(server.client.get("/join/jic_" + "x" * 43, follow_redirects=False).status_code)
        server.client.cookies.set("judge_session", "jds_" + "x" * 43)
        return int(server.client.get("/dashboard", follow_redirects=False).status_code)

    assert [miss() for _ in range(3)] != [429] * 3
    assert miss() == 429
    server.client.cookies.clear()
    assert server.client.post("/api/v1/start", json={"code": code}).status_code == 429  # even a good code


def test_join_misses_count_with_a_valid_candidate_cookie(server: Server) -> None:
    token = server.start(server.invite()["code"])["token"]
    server.client.cookies.set("judge_candidate", token)
    answers = [server.client.get(f"/join/jic_{i:043d}", follow_redirects=False).status_code for i in range(4)]
    assert answers[:3] == [303, 303, 303] and answers[3] == 429


def test_forwarded_headers_are_not_trusted_by_default(tmp_path: Path) -> None:
    """A real `judge serve`: rotating X-Forwarded-For does not escape the per-address limit, nor forge the log."""
    with live_server(tmp_path) as (url, _token, _home):
        answers = []
        for i in range(31):
            request = urllib.request.Request(url + "/api/v1/problems", headers={
                "Authorization": "Bearer jit_" + "x" * 43, "X-Forwarded-For": f"203.0.113.{i}",
                "X-Forwarded-Proto": "https"})
            try:
                urllib.request.urlopen(request, timeout=10)
            except urllib.error.HTTPError as exc:
                answers.append(exc.code)
        assert answers[:30] == [401] * 30 and answers[30] == 429
        log = (tmp_path / "serve.log").read_text()
        assert "203.0.113." not in log and "127.0.0.1" in log


def test_serve_passes_forwarded_allow_ips_to_uvicorn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from judge.interfaces.cli import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "home"))
    for args, expected in (((), (False, None)), (("--forwarded-allow-ips", "10.0.0.7"), (True, "10.0.0.7"))):
        done = CliRunner().invoke(cli, ["serve", "--backend", "local", *args])
        assert done.exit_code == 0, done.output
        assert (seen["proxy_headers"], seen["forwarded_allow_ips"]) == expected


# -- 500s that are 404s and 409s -----------------------------------------------------------------------------

@pytest.mark.parametrize("submission_id", ["9223372036854775808", "99999999999999999999999", "0", "-1"])
def test_an_id_out_of_range_is_404(server: Server, submission_id: str) -> None:
    token = server.start(server.invite()["code"])["token"]
    answer = server.client.get(f"/api/v1/attempt/submissions/{submission_id}", headers=bearer(token))
    assert answer.status_code == 404 and "error" in answer.json()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_concurrent_redeems_give_one_200_and_409s(tmp_path: Path, request: pytest.FixtureRequest,
                                                  monkeypatch: pytest.MonkeyPatch, database: str) -> None:
    """Six real HTTP redeems of one code at once, against a real `judge serve`."""
    if database == "postgres":  # `judge serve init` and `judge serve` both read it
        monkeypatch.setenv("JUDGE_DATABASE_URL", str(request.getfixturevalue("fresh_postgres")))
    with live_server(tmp_path) as (url, token, _home):
        invite = urllib.request.Request(url + "/api/v1/invitations", method="POST", headers={
            **bearer(token), "Content-Type": "application/json"},
            data=json.dumps({"problem": "tiny-add", "candidate_name": "Ada"}).encode())
        with urllib.request.urlopen(invite, timeout=30) as answer:
            code = json.loads(answer.read())["code"]
        barrier = threading.Barrier(6)
        statuses: list[int] = []
        bodies: list[dict[str, Any]] = []

        def redeem() -> None:
            call = urllib.request.Request(url + "/api/v1/start", method="POST", data=json.dumps(
                {"code": code}).encode(), headers={"Content-Type": "application/json"})
            barrier.wait()
            try:
                with urllib.request.urlopen(call, timeout=60) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
                bodies.append(json.loads(exc.read()))

        threads = [threading.Thread(target=redeem) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(statuses) == [200, 409, 409, 409, 409, 409], statuses
        assert all("already used" in body["error"] for body in bodies), bodies


# -- smaller ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"", b"   \n\t\n", b"\xef\xbb\xbf\n"])
def test_an_empty_upload_is_refused_and_the_attempt_stays_open(server: Server, body: bytes) -> None:
    token = server.start(server.invite()["code"])["token"]
    answer = server.submit(token, body)
    assert answer.status_code == 422 and "empty" in answer.json()["error"]
    assert server.client.get("/api/v1/attempt", headers=bearer(token)).json()["status"] == "open"


@pytest.mark.parametrize("problem", [str(TINY), str(TINY.parent), "/nonexistent/problem", "../tiny-add",
                                     "no-such-problem"])
def test_an_invitation_names_a_slug_never_a_path(server: Server, problem: str) -> None:
    answer = server.client.post("/api/v1/invitations", headers=server.as_interviewer(),
                                json={"problem": problem, "candidate_name": "Ada"})
    assert answer.status_code == 422, answer.text
    message = answer.json()["error"]
    assert message == f"unknown problem {problem!r}; this server offers: " + message.split("offers: ", 1)[1]
    assert "problem.toml" not in message and "tiny-add" in message.split("offers: ", 1)[1]


def test_test_runs_on_the_timeline_are_marked_as_reported_by_the_candidate(server: Server) -> None:
    started = server.start(server.invite()["code"])
    token = started["token"]
    assert server.client.post("/api/v1/attempt/test-runs", headers=bearer(token),
                              json={"passed": 3, "total": 3, "verdict": "passed"}).status_code == 204
    record = server.client.get(f"/api/v1/attempts/{started['attempt_id']}",
                               headers=server.as_interviewer()).json()
    assert record["test_runs"][0]["reported_by"] == "candidate"
    from judge.services.dashboard import timeline
    from judge.store.db import Attempt

    with server.app.state.judge.db.session() as session:
        events = timeline(session.get(Attempt, record["attempt_id"]))
    (run,) = [e for e in events if e["kind"] == "test-run"]
    assert "reported by the candidate" in run["text"]


def test_inviting_to_a_public_built_in_problem_warns(server: Server) -> None:
    public = server.invite("feature-engineering")
    assert "public" in public["warning"] and "hidden tests" in public["warning"]
    assert server.invite("tiny-add").get("warning") is None


def test_candidate_names_refuse_every_control_character(server: Server) -> None:
    for name in ("Ada\x7f", "Ada\x9b31m", "Ada\x1b]52;c;x\x07"):
        answer = server.client.post("/api/v1/invitations", headers=server.as_interviewer(),
                                    json={"problem": "tiny-add", "candidate_name": name})
        assert answer.status_code == 422, name


def test_results_show_stored_names_escaped_and_json_exact(server: Server) -> None:
    from judge.interfaces.cli.server import results_table
    from judge.services.interviews import results_csv

    rows = [{"candidate": "Eve\x1b[2J\x9b", "problem": "tiny-add", "score": None, "max_score": None,
             "percent": None, "elapsed_s": 1.0, "budget_s": 60.0, "late": None, "verdict": None,
             "state": "not-submitted", "attempt_id": "att_1", "invitation_id": "inv_1", "started_at": 0.0,
             "submitted_at": None, "test_runs": 0}]
    assert "\x1b" not in results_csv(rows) and "\\x1b[2J\\x9b" in results_csv(rows)
    import io

    from rich.console import Console

    buffer = io.StringIO()
    results_table(Console(file=buffer, width=200), rows)
    assert "\x1b" not in buffer.getvalue() and "\\x1b[2J" in buffer.getvalue()


def test_the_dashboard_and_the_cli_warn_about_a_public_problem(server: Server) -> None:
    from .test_server_pages import csrf_of, sign_in

    assert sign_in(server.client, server.token).status_code == 303
    page = server.client.get("/dashboard")
    made = server.client.post("/dashboard/invitations", data={
        "csrf": csrf_of(page.text), "problem": "feature-engineering", "candidate_name": "Ada"})
    assert made.status_code == 201 and "Public problem:" in made.text and "hidden tests" in made.text
    page = server.client.get("/dashboard")
    custom = server.client.post("/dashboard/invitations", data={
        "csrf": csrf_of(page.text), "problem": "tiny-add", "candidate_name": "Bob"})
    assert custom.status_code == 201 and "Public problem:" not in custom.text


def test_judge_invite_prints_the_public_problem_warning(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    judge = str(Path(sys.executable).parent / "judge")
    with live_server(tmp_path) as (url, token, _home):
        env = {**os.environ, "JUDGE_SERVER_TOKEN": token}
        done = subprocess.run([judge, "invite", "--server", url, "--problem", "feature-engineering", "--name",
                               "Ada"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "warning:" in done.stderr and "hidden tests and reference are public" in " ".join(done.stderr.split())
        assert done.stdout.strip().splitlines()[-1].startswith("jic_")  # the code stays alone on the last line
