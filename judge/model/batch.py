"""A batch of gradings as plain data: a row per submission, the batch's result, and what a display hears.

Used by batch grading and by `judge problem validate` (whose gradings are rows too), and drawn by
``judge.render.progress``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from judge.model.outcomes import BatchOutcome, RowState, Status, Verdict
from judge.model.report import Report


@dataclass(frozen=True)
class Pair:
    """Two submissions whose own code is near-identical."""

    a: str
    b: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "similarity": round(self.similarity, 3)}


@dataclass(frozen=True)
class Row:
    """One submission's line of the summary: its report, or why there is none."""

    name: str
    slug: str
    origin: str
    state: RowState
    report: Report | None = None
    detail: str = ""
    sha256: str = ""
    report_file: str = ""  # the human-readable report, relative to the batch folder ("" when none)

    @property
    def status(self) -> Status:
        """pass / fail / error, or pending for a submission the batch did not reach."""
        if self.report is not None:
            return self.report.status
        if self.state is RowState.NOT_GRADED:
            return Status.PENDING
        if self.state is RowState.JUDGE_ERROR:
            return Status.ERROR
        return Status.FAIL

    @property
    def verdict(self) -> str:
        if self.report is not None:
            return self.report.verdict.value
        return Verdict.SANDBOX_ERROR.value if self.state is RowState.JUDGE_ERROR else self.state.value


class Progress(Protocol):
    """What a batch (or a validation) tells its display. Every call comes from the thread that runs it."""

    def begin(self, total: int, queued: int, jobs: int) -> None: ...

    def started(self, name: str) -> None: ...

    def finished(self, row: Row) -> None: ...

    def note(self, text: str) -> None: ...

    def end(self) -> None: ...


class NullProgress:
    """A display that shows nothing."""

    def begin(self, total: int, queued: int, jobs: int) -> None:
        pass

    def started(self, name: str) -> None:
        pass

    def finished(self, row: Row) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def end(self) -> None:
        pass


def batch_outcome(rows: Sequence[Row], interrupted: bool, infrastructure_failed: bool) -> BatchOutcome:
    """judge-error when the judge failed (stopped, or any sandbox error), then interrupted, passed, failed."""
    if infrastructure_failed or any(r.status is Status.ERROR for r in rows):
        return BatchOutcome.JUDGE_ERROR
    if interrupted:
        return BatchOutcome.INTERRUPTED
    return BatchOutcome.PASSED if rows and all(r.status is Status.PASS for r in rows) else BatchOutcome.FAILED


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did: a row per submission (input order), how it ended, and its summary document."""

    rows: tuple[Row, ...]
    pairs: tuple[Pair, ...]
    summary: dict[str, Any]
    out: Path
    interrupted: bool = False
    infrastructure_error: str = ""
    wall_s: float = 0.0

    @property
    def graded_now(self) -> int:
        return sum(r.state is RowState.GRADED for r in self.rows)

    @property
    def pending(self) -> int:
        return sum(r.state is RowState.NOT_GRADED for r in self.rows)

    @property
    def outcome(self) -> BatchOutcome:
        return batch_outcome(self.rows, self.interrupted, bool(self.infrastructure_error))
