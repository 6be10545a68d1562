"""Progress over weeks, as plain data: per topic and per skill, what was solved, the best scores, the
known mistakes made and since avoided, and time against budget attempt by attempt. Built by
judge/services/practice.py; read by `judge progress` and its HTML page."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Standing:
    """Progress on one skill or topic: its problems, their best scores, mistakes, time against budget."""

    name: str
    problems: list[str] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)
    solved: set[str] = field(default_factory=set)
    best: dict[str, float] = field(default_factory=dict)
    mistakes_made: set[str] = field(default_factory=set)
    mistakes_avoided: set[str] = field(default_factory=set)
    time_ratios: list[float] = field(default_factory=list)  # elapsed / budget per graded attempt, in order

    @property
    def median_time(self) -> float | None:
        return statistics.median(self.time_ratios) if self.time_ratios else None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "problems": self.problems, "tried": sorted(self.tried),
                "solved": sorted(self.solved), "best": self.best, "mistakes_made": sorted(self.mistakes_made),
                "mistakes_avoided": sorted(self.mistakes_avoided),
                "time_ratios": [round(r, 3) for r in self.time_ratios]}


@dataclass(frozen=True)
class Progress:
    """Progress per topic and per skill, and each graded attempt's point for the charts."""

    topics: list[Standing]
    skills: list[Standing]
    attempts: list[dict[str, Any]]  # oldest first: problem, at, percent, time ratio, rating
