"""`judge serve`'s API through FastAPI's test client: the interview loop, credentials, isolation, the clock,
limits, errors, a restart with a pending submission. SQLite here; the PostgreSQL run is test_server_db.py.

Grading uses the local backend on the tiny fixture problem (the real harness, no Docker, fast); the Docker
sandbox is exercised by test_server_docker.py.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from .conftest import TINY
from .server_helpers import FakeClock, running_server

REFERENCE = (TINY / "reference" / "solution.py").read_text()
WRONG = "def add(a, b):\n    return a - b\n\n\ndef scale(values, factor):\n    return [v * factor for v in values]\n"


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite'}") as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health_and_openapi(server) -> None:  # type: ignore[no-untyped-def]
    assert server.client.get("/health").json() == {"status": "ok"}
    paths = server.client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/start", "/api/v1/attempt/submissions", "/api/v1/invitations", "/api/v1/results"} <= set(paths)
    # FastAPI's doc pages load Swagger/ReDoc from a CDN: the judge serves none of them (the schema is the doc).
    assert server.client.get("/docs").status_code == 404 and server.client.get("/redoc").status_code == 404


def test_interview_loop(server) -> None:  # type: ignore[no-untyped-def]
    invitation = server.invite(name="Ada Lovelace")
    assert invitation["command"] == f"judge start --server http://testserver --invite {invitation['code']}"
    assert invitation["state"] == "not-started" and invitation["budget_s"] == 300
    started = server.start(invitation["code"])
    token = started["token"]
    assert started["problem"] == "tiny-add" and started["elapsed_s"] == 0
    with tarfile.open(fileobj=io.BytesIO(__import__("base64").b64decode(started["workspace"])), mode="r:gz") as tar:
        names = set(tar.getnames())
    assert {"README.md", "solution.py", "numbers.csv", "tests/test_public.py", "pytest.ini",
            ".judge/tiny-add/problem.toml", ".judge/tiny-add/public_tests/test_public.py"} <= names
    assert not any("hidden_tests/" in n or "reference" in n for n in names)

    server.clock.now += 90
    status = server.client.get("/api/v1/attempt", headers=bearer(token)).json()
    assert (status["elapsed_s"], status["remaining_s"], status["status"]) == (90, 210, "open")
    assert server.client.post("/api/v1/attempt/test-runs", headers=bearer(token),
                              json={"passed": 1, "total": 2, "verdict": "failed"}).status_code == 204

    server.clock.now += 30
    made = server.submit(token, REFERENCE)
    assert made.status_code == 202, made.text
    view = server.wait(token, made.json()["id"])
    assert view["state"] == "graded", view
    report = view["report"]
    assert (report["score"], report["max_score"], report["verdict"], report["late"]) == (6, 6, "passed", False)
    assert report["elapsed_s"] == 120
    assert all("id" not in t and "name" not in t for t in report["tests"])

    again = server.submit(token, REFERENCE)
    assert again.status_code == 409 and "already submitted" in again.json()["error"]

    rows = server.client.get("/api/v1/results", headers=server.as_interviewer()).json()
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("candidate", "problem", "score", "max_score", "percent", "elapsed_s", "budget_s",
                                "late", "test_runs")} == {
        "candidate": "Ada Lovelace", "problem": "tiny-add", "score": 6, "max_score": 6, "percent": 100.0,
        "elapsed_s": 120.0, "budget_s": 300.0, "late": False, "test_runs": 1}
    full = server.client.get(f"/api/v1/attempts/{row['attempt_id']}", headers=server.as_interviewer()).json()
    assert full["submissions"][0]["solution.py"] == REFERENCE
    assert full["submissions"][0]["report"]["tests"][0]["id"].startswith("test_add.py::")
    states = server.client.get("/api/v1/invitations", headers=server.as_interviewer()).json()
    assert states[0]["state"] == "submitted"


def test_score_feedback_shows_numbers_and_requirements_only(server) -> None:  # type: ignore[no-untyped-def]
    token = server.start(server.invite(feedback="score")["code"])["token"]
    view = server.wait(token, server.submit(token, WRONG).json()["id"])
    report = view["report"]
    assert report["verdict"] == "failed" and report["score"] == 3
    assert "tests" not in report and "detail" not in report
    assert [r["requirement"] for r in report["requirements"]] == ["R1", "R2"]
    assert report["requirements"][0] == {"requirement": "R1", "title": "Add two integers", "tests_passed": 0,
                                         "tests": 2, "earned": 0, "points": 3}


def test_codes_expired_reused_forged_and_crossed(server) -> None:  # type: ignore[no-untyped-def]
    from judge.services.credentials import new_secret

    expired = server.invite(expires_days=1)
    server.clock.now += 86401
    answer = server.client.post("/api/v1/start", json={"code": expired["code"]})
    assert answer.status_code == 401 and "expired" in answer.json()["error"]

    fresh = server.invite()
    token = server.start(fresh["code"])["token"]
    reused = server.client.post("/api/v1/start", json={"code": fresh["code"]})
    assert reused.status_code == 409 and "already used" in reused.json()["error"]  # a conflict, not a miss

    for forged in (new_secret("jic_"), "jic_" + "A" * 43, "", "x" * 150):
        answer = server.client.post("/api/v1/start", json={"code": forged})
        assert answer.status_code in (401, 422), forged
        assert "Traceback" not in answer.text

    # one kind of credential never works as another
    assert server.client.post("/api/v1/start", json={"code": server.token}).status_code == 401
    assert server.client.post("/api/v1/start", json={"code": token}).status_code == 401
    assert server.client.get("/api/v1/attempt", headers=server.as_interviewer()).status_code == 401
    assert server.client.get("/api/v1/results", headers=bearer(token)).status_code == 401
    assert server.client.get("/api/v1/attempt", headers=bearer(fresh["code"])).status_code == 401
    assert server.client.get("/api/v1/results", headers=bearer(new_secret("jit_"))).status_code == 401
    assert server.client.get("/api/v1/results").status_code == 401

    revoked = server.invite()
    assert server.client.post(f"/api/v1/invitations/{revoked['id']}/revoke",
                              headers=server.as_interviewer()).json()["state"] == "revoked"
    answer = server.client.post("/api/v1/start", json={"code": revoked["code"]})
    assert answer.status_code == 401 and "withdrawn" in answer.json()["error"]

    server.clock.now += 91 * 86400  # the interviewer token's 90 days are over; the session's day too
    assert server.client.get("/api/v1/results", headers=server.as_interviewer()).status_code == 401
    assert server.client.get("/api/v1/attempt", headers=bearer(token)).status_code == 401


def test_two_candidates_and_two_interviewers_are_isolated(server) -> None:  # type: ignore[no-untyped-def]
    other = server.new_interviewer("Someone Else")
    a = server.start(server.invite(name="A")["code"])
    b_invitation = server.invite(name="B")
    b = server.start(b_invitation["code"])
    sub_a = server.submit(a["token"], WRONG).json()["id"]
    server.wait(a["token"], sub_a)
    # candidate B cannot read A's submission, and sees only their own attempt
    assert server.client.get(f"/api/v1/attempt/submissions/{sub_a}", headers=bearer(b["token"])).status_code == 404
    assert server.client.get("/api/v1/attempt", headers=bearer(b["token"])).json()["candidate"] == "B"
    # the other interviewer sees none of the first one's invitations, attempts or results
    assert server.client.get("/api/v1/invitations", headers=server.as_interviewer(other)).json() == []
    assert server.client.get("/api/v1/results", headers=server.as_interviewer(other)).json() == []
    assert server.client.get(f"/api/v1/attempts/{a['attempt_id']}",
                             headers=server.as_interviewer(other)).status_code == 404
    assert server.client.get(f"/api/v1/invitations/{b_invitation['id']}",
                             headers=server.as_interviewer(other)).status_code == 404
    assert server.client.post(f"/api/v1/invitations/{b_invitation['id']}/revoke",
                              headers=server.as_interviewer(other)).status_code == 404
    mine = server.client.get("/api/v1/results", headers=server.as_interviewer()).json()
    assert sorted(r["candidate"] for r in mine) == ["A", "B"]


def test_late_submission_is_graded_and_marked_or_refused(server) -> None:  # type: ignore[no-untyped-def]
    graded = server.start(server.invite(minutes=2)["code"])
    refused = server.start(server.invite(minutes=2, late="refuse")["code"])
    server.clock.now += 121
    view = server.wait(graded["token"], server.submit(graded["token"], REFERENCE).json()["id"])
    assert view["late"] is True and view["report"]["late"] is True and view["report"]["score"] == 6
    answer = server.submit(refused["token"], REFERENCE)
    assert answer.status_code == 409 and "takes no late submissions" in answer.json()["error"]
    rows = {r["attempt_id"]: r for r in server.client.get("/api/v1/results", headers=server.as_interviewer()).json()}
    assert rows[graded["attempt_id"]]["late"] is True and rows[graded["attempt_id"]]["elapsed_s"] == 121
    assert rows[refused["attempt_id"]]["state"] == "not-submitted"
    assert server.client.get("/api/v1/attempt", headers=bearer(refused["token"])).json()["over"] is True


def test_upload_limits_rate_limits_and_bad_input(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 's.sqlite'}", submissions_per_window=2) as server:
        token = server.start(server.invite()["code"])["token"]
        huge = server.submit(token, b"#" * (256 * 1024 + 1))
        assert huge.status_code == 413 and "larger than" in huge.json()["error"]
        bad = server.submit(token, b"\xff\xfe not utf-8")
        assert bad.status_code == 422 and "UTF-8" in bad.json()["error"]  # bad input, as for a draft (was 409)
        assert server.client.post("/api/v1/start", content=b"x" * 70_000,
                                  headers={"Content-Type": "application/json"}).status_code == 413
        third = server.submit(token, WRONG)
        assert third.status_code == 202
        limited = server.submit(token, WRONG)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        server.clock.now += 601
        server.wait(token, third.json()["id"])
        assert server.submit(token, WRONG).status_code == 409  # window open again; the attempt is closed


def test_errors_are_json_without_tracebacks(server, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert server.client.get("/nowhere").json() == {"error": "Not Found"}
    bad = server.client.post("/api/v1/invitations", headers=server.as_interviewer(), json={"problem": 3})
    assert bad.status_code == 422 and bad.json()["error"].startswith("bad request:")
    unknown = server.client.post("/api/v1/invitations", headers=server.as_interviewer(),
                                 json={"problem": "nope", "candidate_name": "X"})
    assert unknown.status_code == 422 and "unknown problem" in unknown.json()["error"]

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/judge")

    monkeypatch.setattr("judge.services.interviews.results", boom)
    answer = server.client.get("/api/v1/results", headers=server.as_interviewer())
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error of the judge; the server's log has the details"}


def test_restart_grades_a_stored_pending_submission(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    clock = FakeClock()
    with running_server(url, clock=clock) as first:
        first.app.state.judge.grader.stop()  # the server goes down before it grades anything
        token = first.start(first.invite()["code"])["token"]
        clock.now += 60
        made = first.submit(token, REFERENCE).json()
        assert made["state"] == "pending"
    clock.now += 3600  # the restart is an hour later; the submission keeps its own time
    with running_server(url, clock=clock) as second:
        view = second.wait(token, made["id"])
        assert view["state"] == "graded" and view["report"]["score"] == 6
        assert view["report"]["elapsed_s"] == 60 and view["late"] is False


def test_candidate_route_for_every_role(server) -> None:  # type: ignore[no-untyped-def]
    """Every API route refuses a caller without the role it serves."""
    token = server.start(server.invite()["code"])["token"]
    schema = server.client.get("/openapi.json").json()["paths"]
    for path, methods in schema.items():
        if path in ("/health",) or path == "/api/v1/start":
            continue
        concrete = path.replace("{submission_id}", "1").replace("{invitation_id}", "inv_x").replace(
            "{attempt_id}", "att_x")
        candidate_route = path.startswith("/api/v1/attempt/") or path == "/api/v1/attempt"
        for method in methods:
            nobody = server.client.request(method.upper(), concrete)
            assert nobody.status_code == 401, (method, path)
            wrong = server.as_interviewer() if candidate_route else bearer(token)
            assert server.client.request(method.upper(), concrete, headers=wrong).status_code == 401, (method, path)


def test_json_results_have_the_documented_keys(server) -> None:  # type: ignore[no-untyped-def]
    token = server.start(server.invite()["code"])["token"]
    server.wait(token, server.submit(token, REFERENCE).json()["id"])
    row = server.client.get("/api/v1/results", headers=server.as_interviewer()).json()[0]
    assert {"candidate", "problem", "score", "max_score", "percent", "elapsed_s", "budget_s", "late"} <= set(row)
    json.dumps(row)


def test_public_examples_run_on_the_server_with_the_submit_prechecks(server) -> None:  # type: ignore[no-untyped-def]
    """A candidate with nothing but a browser (or no Docker) runs the pre-checks and public examples on the
    server: the untouched starter and a syntax error are refused with the reason (the line, for a syntax
    error); a working file runs the examples and the run is on the timeline; nothing is submitted."""
    token = server.start(server.invite()["code"])["token"]
    starter = (TINY / "starter" / "solution.py").read_text()

    def run(source: str) -> dict:  # type: ignore[type-arg]
        answer = server.client.post("/api/v1/attempt/public-runs", content=source.encode(),
                                    headers={**bearer(token), "Content-Type": "text/x-python"})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    untouched = run(starter)
    assert "untouched starter" in untouched["refusal"] and untouched["ran"] is False
    broken = run("def add(a, b):\n    return a +\n")
    assert "does not compile" in broken["refusal"] and "line 2" in broken["refusal"]
    wrong = run(WRONG)
    assert wrong["refusal"] == "" and wrong["ran"] and wrong["passed"] < wrong["total"]
    assert any(t["status"] == "fail" and t["name"] for t in wrong["tests"])
    good = run(REFERENCE)
    assert (good["passed"], good["total"], good["verdict"]) == (good["total"], good["total"], "passed")

    rows = server.client.get("/api/v1/results", headers=server.as_interviewer()).json()
    assert rows[0]["test_runs"] == 2 and rows[0]["state"] == "not-submitted"  # runs recorded; nothing submitted
    assert server.client.get("/api/v1/attempt", headers=bearer(token)).json()["status"] == "open"
