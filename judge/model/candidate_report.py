"""What a candidate may see of a graded interview submission: plain data, serialised in one place.

Built on the server from the full report (``judge.services.interviews.candidate_report``: no test's name or
id, no captured output, free text redacted); the invitation's feedback level decides which parts exist.
Drawn by ``judge.render.candidate`` only (the terminal of `judge submit` and `judge status`, the candidate
page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judge.model.outcomes import VERDICT_TEXT, Status, Verdict


@dataclass(frozen=True)
class RequirementResult:
    """One requirement's tests and points (every feedback level shows these)."""

    requirement: str
    title: str
    tests_passed: int
    tests: int
    earned: int
    points: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON)."""
        return {"requirement": self.requirement, "title": self.title, "tests_passed": self.tests_passed,
                "tests": self.tests, "earned": self.earned, "points": self.points}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequirementResult:
        """The inverse of ``to_dict``."""
        return cls(str(data["requirement"]), str(data.get("title") or ""), int(data["tests_passed"]),
                   int(data["tests"]), int(data["earned"]), int(data["points"]))

    @property
    def label(self) -> str:
        """"R4 Parse numbers and dates", or the bare id when the problem gives no title."""
        return f"{self.requirement} {self.title}" if self.title else self.requirement


@dataclass(frozen=True)
class CandidateTest:
    """One hidden test as a candidate sees it with "full" feedback: what it checks, never its name."""

    requirement: str
    description: str
    points: int
    earned: int
    status: Status
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON)."""
        return {"requirement": self.requirement, "description": self.description, "points": self.points,
                "earned": self.earned, "status": self.status.value, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CandidateTest:
        """The inverse of ``to_dict``."""
        return cls(str(data["requirement"]), str(data.get("description") or ""), int(data["points"]),
                   int(data["earned"]), Status(data["status"]), str(data.get("message") or ""))


@dataclass(frozen=True)
class CandidateReport:
    """A graded interview submission as its candidate sees it. ``detail`` is None unless shown ("full"
    feedback, or a syntax error: the compiler's word on the candidate's own code); ``warnings`` and ``tests``
    are None unless the feedback is "full"."""

    problem: str
    title: str
    verdict: Verdict
    score: int
    max_score: int
    percent: float
    elapsed_s: float | None
    budget_s: float | None
    late: bool
    feedback: str
    requirements: tuple[RequirementResult, ...]
    detail: str | None = None
    warnings: tuple[str, ...] | None = None
    tests: tuple[CandidateTest, ...] | None = None

    @property
    def verdict_text(self) -> str:
        """The verdict in words."""
        return VERDICT_TEXT[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the API's JSON); the parts the feedback level hides are absent, not empty."""
        data: dict[str, Any] = {
            "problem": self.problem, "title": self.title, "verdict": self.verdict.value,
            "verdict_text": self.verdict_text, "score": self.score, "max_score": self.max_score,
            "percent": self.percent, "elapsed_s": self.elapsed_s, "budget_s": self.budget_s, "late": self.late,
            "feedback": self.feedback, "requirements": [r.to_dict() for r in self.requirements],
        }
        if self.detail is not None:
            data["detail"] = self.detail
        if self.warnings is not None:
            data["warnings"] = list(self.warnings)
        if self.tests is not None:
            data["tests"] = [t.to_dict() for t in self.tests]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CandidateReport:
        """The inverse of ``to_dict`` (what `judge submit` and `judge status` read from the server)."""
        warnings, tests = data.get("warnings"), data.get("tests")
        return cls(
            problem=str(data["problem"]), title=str(data.get("title") or ""), verdict=Verdict(data["verdict"]),
            score=int(data["score"]), max_score=int(data["max_score"]), percent=float(data["percent"]),
            elapsed_s=data.get("elapsed_s"), budget_s=data.get("budget_s"), late=bool(data.get("late")),
            feedback=str(data.get("feedback") or ""),
            requirements=tuple(RequirementResult.from_dict(r) for r in data.get("requirements") or ()),
            detail=None if data.get("detail") is None else str(data["detail"]),
            warnings=None if warnings is None else tuple(str(w) for w in warnings),
            tests=None if tests is None else tuple(CandidateTest.from_dict(t) for t in tests),
        )
