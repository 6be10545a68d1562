"""The report model: what a grading run found, as plain data, serialised in exactly one place.

No I/O here. Renderers (text, JSON, HTML, Markdown, JUnit) read these objects; the store saves
``Report.to_dict()`` and reads it back with ``Report.from_dict()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from judge.model.clock import budget_line, format_clock
from judge.model.outcomes import VERDICT_TEXT, Status, Verdict, help_text

__all__ = ["SCHEMA_VERSION", "VERDICT_TEXT", "Diagnosis", "HintTaken", "Report", "Status", "TestResult", "Verdict",
           "budget_line", "diagnosis_heading", "explains_text", "format_clock", "help_text", "hints_from_record",
           "is_stub_failure", "match_phrase", "not_attempted_text", "requirement_key", "unattempted_requirements"]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TestResult:
    """One test of a suite, as graded."""

    __test__ = False  # not a pytest test class

    id: str
    name: str
    requirement: str
    description: str
    points: int
    status: Status
    message: str = ""
    duration_s: float = 0.0
    output: str = ""

    @property
    def earned(self) -> int:
        """Points earned: all of them for a pass, none otherwise."""
        return self.points if self.status is Status.PASS else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "requirement": self.requirement,
            "description": self.description,
            "points": self.points,
            "earned": self.earned,
            "status": self.status.value,
            "message": self.message,
            "duration_s": round(self.duration_s, 4),
            "output": self.output,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        return cls(
            id=data["id"],
            name=data["name"],
            requirement=data.get("requirement", ""),
            description=data.get("description", ""),
            points=int(data["points"]),
            status=Status(data["status"]),
            message=data.get("message", ""),
            duration_s=float(data.get("duration_s", 0.0)),
            output=data.get("output", ""),
        )


STUB_ERROR = "NotImplementedError"


def is_stub_failure(test: TestResult) -> bool:
    """True when ``test`` failed because the code it called still raises the starter's
    ``NotImplementedError``: the test says nothing about a mistake, only that the step is not written yet."""
    if test.status is Status.PASS:
        return False
    lines = [line.strip() for line in test.message.strip().splitlines() if line.strip()]
    return bool(lines) and lines[-1].split(":", 1)[0] == STUB_ERROR


def unattempted_requirements(tests: Sequence[TestResult], starter: bool = False) -> tuple[str, ...]:
    """The requirements not attempted: every one when the submission is the untouched starter (``starter``),
    else those whose every test failed on a step that still raises ``NotImplementedError``."""
    by_req: dict[str, list[TestResult]] = {}
    for t in tests:
        by_req.setdefault(t.requirement or "-", []).append(t)
    return tuple(sorted((req for req, ts in by_req.items() if starter or all(is_stub_failure(t) for t in ts)),
                        key=requirement_key))


def match_phrase(match: float, beside: bool = False) -> str:
    """What a diagnosis's match strength means, in words: how alike the failing tests are to the tests the
    known mistake is recorded to fail (weighted by how telling each test is). ``beside``: it is named with a
    second mistake that explains other failures (``both_at_once``); its match then leaves out the failures
    only the other one explains."""
    failing = "the failing tests, less those only the other mistake explains," if beside else "the failing tests"
    if match >= 0.995:
        return f"{failing} are exactly the ones this mistake fails"
    return f"{failing} are {match:.0%} alike to the ones this mistake fails"


def both_at_once(diagnosis: Sequence[Diagnosis]) -> bool:
    """Two mistakes named as both present, each explaining some of the failures (not two the tests cannot
    tell apart)."""
    return len(diagnosis) > 1 and len({d.explains for d in diagnosis}) > 1


def diagnosis_heading(diagnosis: Sequence[Diagnosis]) -> str:
    """"Likely mistake", or for two: both at once (each explains its own failures) or one of two (they
    explain the same failures, so the tests cannot tell which)."""
    if len(diagnosis) <= 1:
        return "Likely mistake"
    if both_at_once(diagnosis):
        return "Likely mistakes (both: each explains some of the failures)"
    return "Likely mistakes (one or the other: they explain the same failures)"


def explains_text(d: Diagnosis) -> str:
    """"explains: test_a, test_b" (the short test names), or "" when not known."""
    return "explains: " + ", ".join(t.split("::")[-1] for t in d.explains) if d.explains else ""


def not_attempted_text(report: Report) -> str:
    """The line a report shows for what was not attempted ("" when everything was)."""
    if not report.not_attempted:
        return ""
    if not report.attempted:
        return ("Not attempted: solution.py is still the starter (or every step still raises "
                "NotImplementedError). That is no mistake to diagnose: write the functions, then submit again.")
    return (f"Not attempted yet: {', '.join(report.not_attempted)} (the steps these need still raise "
            "NotImplementedError); any likely mistake is read from the other tests only.")


@dataclass(frozen=True)
class Diagnosis:
    """A known mistake the failures look like: what to tell the candidate, and how strong the match is (0-1)."""

    mistake: str
    title: str
    explanation: str
    match: float
    explains: tuple[str, ...] = ()  # the failed tests (ids) this mistake accounts for

    def to_dict(self) -> dict[str, Any]:
        return {"mistake": self.mistake, "title": self.title, "explanation": self.explanation,
                "match": round(self.match, 3), "explains": list(self.explains)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        return cls(str(data["mistake"]), str(data.get("title", "")), str(data.get("explanation", "")),
                   float(data.get("match", 0.0)), tuple(str(t) for t in data.get("explains") or ()))


@dataclass(frozen=True)
class HintTaken:
    """The hints seen for one requirement during the attempt: levels 1 to ``level``."""

    requirement: str
    level: int

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "level": self.level}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HintTaken:
        return cls(str(data["requirement"]), int(data["level"]))


@dataclass(frozen=True)
class Report:
    """One graded run of one submission against one suite."""

    problem: str
    verdict: Verdict
    tests: tuple[TestResult, ...]
    grading_s: float
    sandbox: dict[str, Any]
    submission_sha256: str
    suite: str = "hidden"
    detail: str = ""
    warnings: tuple[str, ...] = ()
    attempt_id: str | None = None
    elapsed_s: float | None = None
    budget_s: float | None = None
    created_at: str = ""
    title: str = ""
    schema_version: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    diagnosis: tuple[Diagnosis, ...] = ()
    requirement_titles: dict[str, str] = field(default_factory=dict)
    hints: tuple[HintTaken, ...] | None = None  # None: not an attempt (no record of hints)
    not_attempted: tuple[str, ...] = ()  # requirements left as the starter has them (unattempted_requirements)
    model_answer_seen: bool = False  # the candidate had read the model answer before this attempt began
    late: bool | None = None  # an interview submission that arrived after its window; None: not an interview

    @property
    def attempted(self) -> bool:
        """False when no requirement was attempted (the untouched starter, or every step still a stub): such
        a submission is "not attempted", never a mistake."""
        reqs = {t.requirement or "-" for t in self.tests}
        return not reqs or not reqs <= set(self.not_attempted)

    @property
    def hints_taken(self) -> int:
        """How many hints were seen (each level of each requirement is one)."""
        return sum(h.level for h in self.hints or ())

    @property
    def status(self) -> Status:
        return self.verdict.status

    @property
    def score(self) -> int:
        return sum(t.earned for t in self.tests)

    @property
    def max_score(self) -> int:
        return sum(t.points for t in self.tests)

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else 0.0

    @property
    def within_budget(self) -> bool | None:
        if self.elapsed_s is None or self.budget_s is None:
            return None
        return self.elapsed_s <= self.budget_s

    def by_requirement(self) -> list[tuple[str, int, int, int, int]]:
        """(requirement, tests passed, tests, points earned, points) per requirement, in R-number order."""
        rows: dict[str, list[int]] = {}
        for t in self.tests:
            row = rows.setdefault(t.requirement or "-", [0, 0, 0, 0])
            row[0] += t.status is Status.PASS
            row[1] += 1
            row[2] += t.earned
            row[3] += t.points
        ordered = sorted(rows.items(), key=lambda kv: requirement_key(kv[0]))
        return [(req, vals[0], vals[1], vals[2], vals[3]) for req, vals in ordered]

    def with_clock(self, attempt_id: str, elapsed_s: float, budget_s: float, *, late: bool | None = None) -> Report:
        """The same report, placed on an attempt's clock (``late``: an interview's, after its window or not)."""
        return replace(self, attempt_id=attempt_id, elapsed_s=elapsed_s, budget_s=budget_s, late=late)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "problem": self.problem,
            "title": self.title,
            "suite": self.suite,
            "attempt_id": self.attempt_id,
            "status": self.status.value,
            "verdict": self.verdict.value,
            "verdict_text": VERDICT_TEXT[self.verdict],
            "detail": self.detail,
            "score": self.score,
            "max_score": self.max_score,
            "percent": self.percent,
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 3),
            "budget_s": self.budget_s,
            "within_budget": self.within_budget,
            "grading_s": round(self.grading_s, 3),
            "created_at": self.created_at,
            "tests": [t.to_dict() for t in self.tests],
            "warnings": list(self.warnings),
            "sandbox": self.sandbox,
            "submission_sha256": self.submission_sha256,
            "diagnosis": [d.to_dict() for d in self.diagnosis],
            "requirement_titles": dict(self.requirement_titles),
            "hints": None if self.hints is None else [h.to_dict() for h in self.hints],
            "attempted": self.attempted,
            "model_answer_seen": self.model_answer_seen,
            "not_attempted": list(self.not_attempted),
            **({"extra": self.extra} if self.extra else {}),
            **({"late": self.late} if self.late is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(
            schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
            problem=data["problem"],
            title=data.get("title", ""),
            suite=data.get("suite", "hidden"),
            attempt_id=data.get("attempt_id"),
            verdict=Verdict(data["verdict"]),
            detail=data.get("detail", ""),
            elapsed_s=data.get("elapsed_s"),
            budget_s=data.get("budget_s"),
            grading_s=float(data.get("grading_s", 0.0)),
            created_at=data.get("created_at", ""),
            tests=tuple(TestResult.from_dict(t) for t in data.get("tests", [])),
            warnings=tuple(data.get("warnings", [])),
            sandbox=dict(data.get("sandbox", {})),
            submission_sha256=data.get("submission_sha256", ""),
            extra=dict(data.get("extra", {})),
            diagnosis=tuple(Diagnosis.from_dict(d) for d in data.get("diagnosis") or []),
            requirement_titles={str(k): str(v) for k, v in (data.get("requirement_titles") or {}).items()},
            hints=None if data.get("hints") is None else tuple(HintTaken.from_dict(h) for h in data["hints"]),
            not_attempted=tuple(str(r) for r in data.get("not_attempted") or ()),
            model_answer_seen=bool(data.get("model_answer_seen", False)),
            late=None if data.get("late") is None else bool(data["late"]),
        )


def requirement_key(rid: str) -> tuple[int, str]:
    """Sort R2 before R10."""
    digits = "".join(ch for ch in rid if ch.isdigit())
    return (int(digits) if digits else 10**6, rid)


def hints_from_record(entries: object) -> tuple[HintTaken, ...]:
    """The hints an attempt record lists (one entry per hint taken), as the highest level per requirement."""
    levels: dict[str, int] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("level"), int):
            rid = str(entry.get("requirement"))
            levels[rid] = max(levels.get(rid, 0), entry["level"])
    return tuple(HintTaken(rid, level) for rid, level in sorted(levels.items(), key=lambda kv: requirement_key(kv[0])))
