"""An attempt's clock as plain data: where it stands against its budget at one instant, and its times in words
("12:40", "12:40 of 20:00, within budget"). Its own module so that `judge status` reads a clock without
loading the report model (start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ClockView:
    """Where an attempt stands against its budget at one instant. Pure arithmetic."""

    elapsed_s: float
    budget_s: float

    @property
    def remaining_s(self) -> float:
        return self.budget_s - self.elapsed_s

    @property
    def over(self) -> bool:
        return self.elapsed_s > self.budget_s


def clock_view(record: dict[str, Any], now: float) -> ClockView:
    """The attempt's clock at ``now`` (or at its submit or abandon time once closed)."""
    end = record.get("submitted_at") or record.get("abandoned_at") or now
    return ClockView(max(0.0, float(end) - float(record["started_at"])), float(record["budget_s"]))


def format_clock(seconds: float) -> str:
    """12:40 style minutes and seconds (hours when needed)."""
    total = round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def budget_line(elapsed_s: float, budget_s: float) -> str:
    """"12:40 of 20:00, within budget" or "23:05 of 20:00, over by 3:05"."""
    head = f"{format_clock(elapsed_s)} of {format_clock(budget_s)}"
    if elapsed_s <= budget_s:
        return f"{head}, within budget"
    return f"{head}, over by {format_clock(elapsed_s - budget_s)}"


def local_time(ts: float) -> str:
    """The epoch time ``ts`` as this machine's local ``14:05``."""
    return datetime.fromtimestamp(ts).strftime("%H:%M")
