"""One check's outcome, for `judge doctor` and `judge problem validate` alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judge.model.outcomes import Status


@dataclass(frozen=True)
class Check:
    """A named check: its status, a one-line summary, details, and (when it failed) the fix.

    ``required`` is False for checks whose failure is a warning (doctor's disk space, say).
    """

    name: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    fix: str = ""
    required: bool = True

    @property
    def ok(self) -> bool:
        return self.status in (Status.PASS, Status.SKIP)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status.value, "ok": self.ok, "summary": self.summary,
                "details": list(self.details), **({"fix": self.fix} if self.fix else {})}
