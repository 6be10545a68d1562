"""What the interviewer's dashboard shows, as plain data: invitations with their live state, the results
board of one problem (scores, the per-requirement heat map, near-identical submissions) and one
attempt's timeline. Pure rules over a database session; the clock is passed in. The pages
(``judge.interfaces.server.dashboard``) only lay this out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from judge.model.report import Report, requirement_key
from judge.model.states import SubmissionState
from judge.services.interviews import clock, latest, results
from judge.services.invitations import invitation_state, list_invitations
from judge.services.similarity import similar_pairs
from judge.store.db import Attempt, Interviewer, InterviewSubmission, Invitation, TestRun


def invitation_rows(session: Session, interviewer: Interviewer, now: float) -> list[dict[str, Any]]:
    """The interviewer's invitations, newest first, with their state, time left and latest submission."""
    rows = []
    for invitation in list_invitations(session, interviewer):
        attempt = invitation.attempt
        state = invitation_state(invitation, now)
        row: dict[str, Any] = {
            "id": invitation.id, "candidate": invitation.candidate_name, "problem": invitation.problem,
            "budget_s": invitation.budget_s, "feedback": invitation.feedback, "late_policy": invitation.late_policy,
            "created_at": invitation.created_at, "expires_at": invitation.expires_at, "state": state,
            "attempt_id": None, "remaining_s": None, "test_runs": 0, "submission": None,
        }
        if attempt is not None:
            view = clock(attempt, now)
            last = latest(attempt, SubmissionState.GRADED) or latest(attempt)
            row.update(attempt_id=attempt.id, remaining_s=round(view.remaining_s, 1),
                       test_runs=len(attempt.test_runs), started_at=attempt.started_at)
            if last is not None:
                row["submission"] = {"state": last.state, "score": last.score, "max_score": last.max_score,
                                     "percent": last.percent, "late": last.late}
        rows.append(row)
    return rows


def problems_with_attempts(session: Session, interviewer: Interviewer) -> list[str]:
    """The problems of the interviewer's started attempts, alphabetically."""
    query = (select(Invitation.problem).join(Attempt).where(Invitation.interviewer_id == interviewer.id)
             .distinct())
    return sorted(session.scalars(query))


def activity_version(session: Session, interviewer: Interviewer) -> str:
    """A fingerprint of everything the dashboard shows for the interviewer: it changes when an invitation is
    made or revoked, an attempt starts, a public run is recorded or a submission arrives or is graded."""
    mine = Invitation.interviewer_id == interviewer.id
    invitations = session.execute(select(func.count(), func.count(Invitation.revoked_at)).where(mine)).one()
    attempts = session.scalar(select(func.count()).select_from(Attempt).join(Invitation).where(mine))
    runs = session.scalar(select(func.count()).select_from(TestRun).join(Attempt).join(Invitation).where(mine))
    subs = session.execute(select(func.count(), func.count(InterviewSubmission.graded_at))
                           .select_from(InterviewSubmission)
                           .join(Attempt).join(Invitation).where(mine)).one()
    return f"{invitations[0]}.{invitations[1]}.{attempts}.{runs}.{subs[0]}.{subs[1]}"


@dataclass
class Board:
    """The results of one problem: a row per started attempt, the requirement columns, similar pairs."""

    problem: str
    rows: list[dict[str, Any]]
    requirements: list[dict[str, Any]] = field(default_factory=list)  # {"id", "points"} in R order
    similar: list[dict[str, Any]] = field(default_factory=list)  # {"a", "b", "similarity", "href"}: labels

    @property
    def graded(self) -> int:
        """How many rows have a graded score."""
        return sum(1 for r in self.rows if r["score"] is not None)


def _report(submission: InterviewSubmission | None) -> Report | None:
    if submission is None or submission.state != SubmissionState.GRADED or not submission.report_json:
        return None
    return Report.from_dict(json.loads(submission.report_json))


def results_board(session: Session, interviewer: Interviewer, problem: str, starter: str, now: float) -> Board:
    """Every started attempt of ``problem`` among the interviewer's invitations, with its graded result per
    requirement, and the pairs whose latest graded code is near-identical (``starter`` left out)."""
    rows: list[dict[str, Any]] = []
    points: dict[str, int] = {}
    sources: list[tuple[str, str]] = []
    labels: dict[str, str] = {}
    for base in results(session, interviewer, problem, now):
        attempt = session.get(Attempt, base.attempt_id)
        assert attempt is not None
        submission = latest(attempt, SubmissionState.GRADED) or latest(attempt)
        report = _report(submission)
        row = base.to_dict()
        row["requirements"] = {}
        row["notes"] = []
        row["diagnosis"] = []
        row["attempted"] = None
        if report is not None:
            row["attempted"] = report.attempted
            row["diagnosis"] = [{"title": d.title, "match": d.match} for d in report.diagnosis] \
                if report.attempted else []
            for req, _passed, _total, earned, req_points in report.by_requirement():
                row["requirements"][req] = earned
                points[req] = max(points.get(req, 0), req_points)
            row["notes"] = list(report.warnings)
            if report.detail and report.verdict.value != "passed":
                row["notes"].insert(0, report.detail.strip().splitlines()[0])
        elif submission is not None and submission.state == SubmissionState.JUDGE_ERROR:
            row["notes"] = ["the judge could not grade this submission (not the candidate's fault)"]
        elif submission is not None and submission.state == SubmissionState.PENDING:
            row["notes"] = ["being graded"]
        if submission is not None and submission.state == SubmissionState.GRADED:
            label = base.candidate if base.candidate not in labels.values() else f"{base.candidate} ({attempt.id})"
            labels[attempt.id] = label
            sources.append((attempt.id, submission.source))
        rows.append(row)
    pairs = [{"a": labels[p.a], "b": labels[p.b], "similarity": p.similarity,
              "href": f"/dashboard/compare/{p.a}/{p.b}"}  # the two attempts' code, side by side
             for p in similar_pairs(sources, starter=starter)]
    requirements = [{"id": req, "points": points[req]} for req in sorted(points, key=requirement_key)]
    return Board(problem=problem, rows=rows, requirements=requirements, similar=pairs)


def timeline(attempt: Attempt) -> list[dict[str, Any]]:
    """The attempt's events in time order: started, each public test run, each submission and its grade.
    ``at`` is POSIX seconds, ``elapsed_s`` the attempt's clock at that moment."""
    start = attempt.started_at
    events: list[dict[str, Any]] = [{"at": start, "kind": "started", "text": "started (the server's clock began)"}]
    for run in attempt.test_runs:
        if run.observed_by == "server":
            text = (f"ran the public examples on the server: {run.passed}/{run.total} passed ({run.verdict}), "
                    "observed by the server")
        else:
            text = (f"ran the public examples on their machine: {run.passed}/{run.total} passed ({run.verdict}), "
                    "as reported by the candidate's CLI (not checked by the server)")
        events.append({"at": run.at, "kind": "test-run", "reported_by": run.observed_by, "text": text})
    for sub in attempt.submissions:
        late = ", late" if sub.late else ""
        events.append({"at": sub.received_at, "kind": "submitted", "submission_id": sub.id,
                       "text": f"submitted solution.py (submission {sub.id}{late})"})
        if sub.state == SubmissionState.GRADED and sub.graded_at is not None:
            events.append({"at": sub.graded_at, "kind": "graded", "submission_id": sub.id,
                           "text": f"graded: {sub.score}/{sub.max_score} ({sub.percent:g}%), {sub.verdict}"})
        elif sub.state == SubmissionState.JUDGE_ERROR and sub.graded_at is not None:
            events.append({"at": sub.graded_at, "kind": "judge-error", "submission_id": sub.id,
                           "text": "the judge could not grade it (not the candidate's fault)"})
    events.sort(key=lambda e: (e["at"], e["kind"] != "started"))
    for event in events:
        event["elapsed_s"] = max(0.0, event["at"] - start)
    return events
