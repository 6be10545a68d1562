"""The benchmark's pure core: one measurement, interleaved runs, summaries (median and spread), targets.

No I/O: the measuring lives in bench/measures.py, the printing in bench/table.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Measurement:
    """One timed run of one side of a comparison."""

    seconds: float
    ok: bool = True
    detail: str = ""
    peak_rss_kib: int | None = None
    cpu_s: float | None = None  # user + system CPU of a spawned process (wait4), not of its containers
    parts: Mapping[str, float] | None = None  # where the seconds went, when the side can tell


def rotated(names: Sequence[str], turn: int) -> list[str]:
    """``names`` rotated by ``turn``, so that no side of a comparison always runs first."""
    if not names:
        return []
    k = turn % len(names)
    return [*names[k:], *names[:k]]


def interleave(sides: Mapping[str, Callable[[], Measurement]], runs: int, warmup: int = 0,
               ) -> dict[str, list[Measurement]]:
    """Run every side once a round, in a rotating order: ``warmup`` rounds discarded, then ``runs`` kept."""
    kept: dict[str, list[Measurement]] = {name: [] for name in sides}
    names = list(sides)
    for turn in range(warmup + runs):
        for name in rotated(names, turn):
            measurement = sides[name]()
            if turn >= warmup:
                kept[name].append(measurement)
    return kept


def summarize(values: Sequence[float]) -> dict[str, Any] | None:
    """Median and spread of ``values`` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    return {
        "runs": len(values),
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "spread": ordered[-1] - ordered[0],
        "stdev": statistics.stdev(ordered) if len(ordered) > 1 else 0.0,
        "samples": [round(v, 4) for v in values],
    }


def seconds_of(measurements: Sequence[Measurement]) -> dict[str, Any]:
    """The summary of the successful runs' seconds, with how many runs failed and why (first reason)."""
    good = [m.seconds for m in measurements if m.ok]
    summary = summarize(good)
    failed = [m for m in measurements if not m.ok]
    if summary is None:
        summary = {"runs": 0, "median": None}
    if failed:
        summary["failed"] = len(failed)
        summary["failure"] = failed[0].detail
    return summary


def paired(left: Sequence[Measurement], right: Sequence[Measurement],
           combine: Callable[[float, float], float]) -> list[float]:
    """``combine(left_i, right_i)`` for every round where both sides succeeded (same round, same machine)."""
    return [combine(a.seconds, b.seconds) for a, b in zip(left, right, strict=False) if a.ok and b.ok]


def median_of(summary: Mapping[str, Any] | None) -> float | None:
    """The median of a summary, or None when it has no successful runs."""
    if not summary:
        return None
    value = summary.get("median")
    return float(value) if value is not None else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def target(name: str, value: float | None, limit: float, kind: str, unit: str,
           note: str = "") -> dict[str, Any]:
    """A target beside its figure: ``kind`` is "at most" or "at least"; ``met`` is None without a figure."""
    if kind not in ("at most", "at least"):
        raise ValueError(f"unknown target kind {kind!r}")
    met: bool | None
    if value is None:
        met = None
    elif kind == "at most":
        met = value <= limit
    else:
        met = value >= limit
    return {"name": name, "value": value, "limit": limit, "kind": kind, "unit": unit, "met": met,
            "note": note}


def verdict_word(met: bool | None) -> str:
    """How a target reads in the table."""
    return {True: "met", False: "missed", None: "n/a"}[met]
