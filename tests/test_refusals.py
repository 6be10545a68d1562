"""The server's vocabulary: typed refusals and their one HTTP status each, the state enums, the candidate's
typed report (its serialiser and its two drawings), and ``late`` serialised by the report itself."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from judge.interfaces.server.cookies import SignInRequired
from judge.interfaces.server.errors import STATUS, status_of
from judge.model.candidate_report import CandidateReport
from judge.model.report import Report, Status, TestResult, Verdict
from judge.model.states import AttemptState, InvitationState, SubmissionState
from judge.render.candidate import print_report, report_html, score_line
from judge.services.credentials import InvitationUsed
from judge.services.errors import AccessDenied, Conflict, Invalid, NotFound, ServiceError, Unavailable
from judge.services.interviews import EmptySubmission, SubmissionRefused, candidate_report
from judge.services.invitations import InvitationError
from judge.services.secrecy import Secrets

from .server_helpers import running_server
from .test_server_api import REFERENCE, bearer


@pytest.mark.parametrize(("error", "status"), [
    (AccessDenied("x"), 401), (SignInRequired("x"), 401), (NotFound("x"), 404), (Conflict("x"), 409),
    (InvitationUsed("x"), 409), (SubmissionRefused("x"), 409), (Invalid("x"), 422), (EmptySubmission("x"), 422),
    (InvitationError("x"), 422), (Unavailable("x"), 503),
])
def test_each_refusal_has_one_status(error: ServiceError, status: int) -> None:
    assert status_of(error) == status
    assert sum(isinstance(error, kind) for kind in STATUS) == 1  # a refusal is of exactly one kind


def test_revoking_a_submitted_invitation_is_a_conflict_and_an_unknown_one_not_found(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite'}") as server:
        invitation = server.invite()
        started = server.start(invitation["code"])
        server.wait(started["token"], server.submit(started["token"], REFERENCE).json()["id"])
        answer = server.client.post(f"/api/v1/invitations/{invitation['id']}/revoke", headers=server.as_interviewer())
        assert answer.status_code == 409 and "already submitted" in answer.json()["error"]
        missing = server.client.post("/api/v1/invitations/inv_000000000000/revoke", headers=server.as_interviewer())
        assert missing.status_code == 404 and "no invitation" in missing.json()["error"]
        nobody = server.client.get("/api/v1/attempts/att_000000000000", headers=server.as_interviewer())
        assert nobody.status_code == 404 and "no attempt" in nobody.json()["error"]
        # the candidate's JSON says the same words the database holds
        status = server.client.get("/api/v1/attempt", headers=bearer(started["token"])).json()
        assert status["status"] == AttemptState.SUBMITTED == "submitted"


def test_states_are_the_stored_words() -> None:
    assert [s.value for s in AttemptState] == ["open", "submitted", "abandoned"]
    assert [s.value for s in SubmissionState] == ["pending", "graded", "judge-error"]
    assert json.dumps({"s": SubmissionState.JUDGE_ERROR, "i": InvitationState.OVER_TIME}) == \
        '{"s": "judge-error", "i": "over-time"}'


def _report(**changes: object) -> Report:
    tests = (TestResult("t.py::test_a", "test_a", "R1", "adds <two> numbers", 2, Status.PASS, ""),
             TestResult("t.py::test_b", "test_b", "R2", "scales a list", 3, Status.FAIL, "got SECRET_LINE here"))
    base = Report(problem="tiny-add", verdict=Verdict.FAILED, tests=tests, grading_s=1.0, sandbox={},
                  submission_sha256="abc", title="Tiny add", detail="1 failed", warnings=("careful",),
                  requirement_titles={"R1": "Add"}, elapsed_s=125.04, budget_s=300.0)
    return replace(base, **changes)  # type: ignore[arg-type]


SECRETS = Secrets(frozenset({"SECRET_LINE"}), frozenset({"test_b"}))


def test_candidate_report_round_trips_and_hides_what_the_feedback_level_hides() -> None:
    full = candidate_report(_report(), "full", True, SECRETS)
    assert CandidateReport.from_dict(json.loads(json.dumps(full.to_dict()))) == full
    data = full.to_dict()
    assert (data["score"], data["max_score"], data["elapsed_s"], data["late"]) == (2, 5, 125.0, True)
    assert all("name" not in t and "id" not in t for t in data["tests"])
    assert "SECRET_LINE" not in json.dumps(data)
    score_only = candidate_report(_report(), "score", False, SECRETS).to_dict()
    assert not {"tests", "warnings", "detail"} & set(score_only)
    assert [r["requirement"] for r in score_only["requirements"]] == ["R1", "R2"]
    syntax = candidate_report(_report(verdict=Verdict.SYNTAX_ERROR), "score", False, SECRETS).to_dict()
    assert syntax["detail"] == "1 failed" and "tests" not in syntax


def test_candidate_report_drawings() -> None:
    report = candidate_report(_report(), "full", True, SECRETS)
    page = report_html(report)
    assert '<div class="big" id="score">2/5</div>' in page and "adds &lt;two&gt; numbers" in page
    assert "<two>" not in page and "timeover" in page
    buffer = io.StringIO()
    print_report(Console(file=buffer, width=120, no_color=True), report)
    text = buffer.getvalue()
    assert "Score 2/5 (40%)" in text and "LATE" in text and "scales a list" in text and "warning: careful" in text
    assert score_line(report) == "Submitted: score 2/5 (40%), late"
    score_only = candidate_report(_report(), "score", False, SECRETS)
    buffer = io.StringIO()
    print_report(Console(file=buffer, width=120, no_color=True), score_only)
    assert "R1 Add" in buffer.getvalue() and "scales a list" not in buffer.getvalue()


def test_late_is_serialised_by_the_report_itself() -> None:
    practice = _report()
    assert "late" not in practice.to_dict()
    interview = practice.with_clock("att_1", 400.0, 300.0, late=True)
    assert interview.to_dict()["late"] is True
    assert Report.from_dict(interview.to_dict()) == interview
