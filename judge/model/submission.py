"""The one graded file, as text, with its hash. Plain data: reading it from disk is the grading core's job."""

from __future__ import annotations

from dataclasses import dataclass

SOLUTION = "solution.py"


@dataclass(frozen=True)
class SolutionText:
    """``solution.py``'s text, its sha256, and where it came from (for messages only)."""

    source: str
    sha256: str
    origin: str = ""

    @classmethod
    def from_source(cls, source: str, origin: str = "") -> SolutionText:
        import hashlib  # here: `judge list` reads SOLUTION from this module and never hashes (start-up)

        return cls(source, hashlib.sha256(source.encode("utf-8")).hexdigest(), origin)
