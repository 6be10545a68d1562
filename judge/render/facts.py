"""What the file renderers say about a report, worded once: labels, the clock, the sandbox and its limits.

Pure functions from a Report (or a part of one) to short strings. ``html.py`` and ``markdown.py`` lay these
out; neither words a fact on its own, so the two formats cannot drift apart. ``clean_text`` is the one place
that makes untrusted text (candidate output, messages) safe to carry into any format.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from judge.model.clock import budget_line, format_clock
from judge.model.outcomes import Status

if TYPE_CHECKING:  # `judge history` words a trend with this module, and loads no report model (start-up)
    from judge.model.report import Report

PUBLIC_NOTE = ("Public examples only: these are the visible tests of the workspace, not the graded suite; "
               "judge submit grades the hidden tests.")
NO_CLOCK = "no clock: graded outside a timed attempt, so there is no time budget"
STATUS_LABEL = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERROR"}

# Terminal colour codes first (so their tails do not survive as "[31m"), then whatever XML 1.0 forbids
# or UTF-8 cannot encode: C0 controls but tab/newline/CR, DEL, lone surrogates, the two non-characters.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# Limits, in the order a reader cares about them: (key, label, kind).
_LIMITS = (
    ("timeout_s", "whole run", "seconds"),
    ("test_timeout_s", "one test", "seconds"),
    ("memory_bytes", "memory", "bytes"),
    ("cpus", "CPUs", "number"),
    ("pids", "processes", "number"),
    ("open_files", "open files", "number"),
    ("file_size_bytes", "file size", "bytes"),
    ("scratch_bytes", "scratch space", "bytes"),
    ("output_bytes", "output", "bytes"),
    ("test_output_bytes", "output kept per test", "bytes"),
)


def clean_text(text: object) -> str:
    """``text`` as a string any renderer can carry: colour codes dropped, unsafe characters replaced."""
    return _UNSAFE.sub("\ufffd", _ANSI.sub("", str(text)))


def title_of(report: Report) -> str:
    """The problem's title, or its slug when the report has none."""
    return report.title or report.problem


def suite_label(report: Report) -> str:
    """Which suite was run, as a reader says it."""
    return "public examples" if report.suite == "public" else "hidden tests"


def score_text(report: Report) -> str:
    """``3/6 (50%)``."""
    return f"{report.score}/{report.max_score} ({report.percent:g}%)"


def date_text(iso: str) -> str:
    """An ISO timestamp as local date and time (``2026-11-22 20:50 CET``), or the input as it came."""
    if not iso:
        return "-"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def epoch_text(epoch: float | None) -> str:
    """Seconds since the epoch as local date and time, or ``-``."""
    if epoch is None:
        return "-"
    return date_text(datetime.fromtimestamp(float(epoch), UTC).isoformat())


# How precise a moment in UTC is drawn: to the second (the default), to the minute (a page's dates, which its
# script redraws in the reader's time), or the time of day alone (a draft saved moments ago).
UTC_FORMATS = {"second": "%Y-%m-%d %H:%M:%S UTC", "minute": "%Y-%m-%d %H:%M UTC", "time": "%H:%M:%S UTC"}


def utc_text(ts: float, precision: str = "second") -> str:
    """A moment as a reader anywhere in the world reads it: "2026-12-03 06:10:00 UTC" (``precision``: a key
    of ``UTC_FORMATS``)."""
    return datetime.fromtimestamp(ts, UTC).strftime(UTC_FORMATS[precision])


def iso_text(ts: float) -> str:
    """A moment as ISO 8601 UTC to the second: what a page's script parses."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def time_text(elapsed_s: float | None, budget_s: float | None) -> str:
    """The attempt's time against its budget, or why there is none."""
    if elapsed_s is None:
        return NO_CLOCK
    if budget_s is None:
        return f"{format_clock(elapsed_s)} elapsed (no budget)"
    return budget_line(elapsed_s, budget_s)


def first_line(message: str, limit: int = 200) -> str:
    """The first non-blank line of a message, cut to ``limit`` characters."""
    for line in clean_text(message).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def _limit_value(value: Any, kind: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return clean_text(value)
    if kind == "bytes":
        from judge.model.limits import format_size  # here: `judge history` never words a limit (start-up)

        return format_size(int(value))
    if kind == "seconds":
        return f"{value:g} s"
    return f"{value:g}"


def limit_facts(limits: dict[str, Any]) -> list[tuple[str, str]]:
    """The run's limits as (label, value) pairs; keys this version does not know are shown as they are."""
    known = {key for key, _, _ in _LIMITS}
    facts = [(label, _limit_value(limits[key], kind)) for key, label, kind in _LIMITS if key in limits]
    facts += [(clean_text(k), clean_text(v)) for k, v in sorted(limits.items()) if k not in known]
    return facts


def container_text(box: dict[str, Any]) -> str:
    """How the container was started: a warm spare (its libraries imported before the submission came) or
    a fresh one for this run."""
    if box.get("warm"):
        return "warm spare (started ahead, libraries imported before the submission arrived; used once)"
    return "fresh (started for this run)"


def machine_text(box: dict[str, Any]) -> str:
    """Where it ran, as the report's one line says it: ``, fresh container``, ``, warm spare`` or ``, on
    remote worker NAME``; "" when the report does not say (an older report, or nothing ran)."""
    if box.get("machine") == "remote-worker":
        return f", on remote worker {clean_text(box.get('worker') or '?')}"
    warm = box.get("warm")
    return "" if warm is None else ", warm spare" if warm else ", fresh container"


def machine_facts(box: dict[str, Any]) -> list[tuple[str, str]]:
    """The machine that ran it, as (label, value) pairs (none for an older report that does not say)."""
    kind = box.get("machine")
    if kind == "remote-worker":
        return [("machine", f"remote worker {clean_text(box.get('worker') or '?')} (through the job queue)")]
    if kind == "warm-spare":
        return [("machine", "this machine, a warm spare")]
    if kind == "in-process":
        return [("machine", "this machine, a sandbox started for this run")]
    return []


def sandbox_facts(report: Report) -> list[tuple[str, str]]:
    """Where and how the submission ran, as (label, value) pairs."""
    box = report.sandbox
    facts = [("backend", clean_text(box.get("backend") or "unknown"))]
    if box.get("image"):
        facts.append(("image", clean_text(box["image"])))
    if box.get("isolation"):
        facts.append(("isolation", clean_text(box["isolation"])))
    if "warm" in box:
        facts.append(("container", container_text(box)))
    facts += machine_facts(box)
    facts.append(("grading time", f"{report.grading_s:.1f} s"))
    if report.submission_sha256:
        facts.append(("submission sha256", clean_text(report.submission_sha256)))
    return facts


def trend_text(scores: list[float]) -> str:
    """Where the latest submitted score stands against the earlier ones (up to five before it, on average):
    ``improving (+12 points)``, ``declining (-35 points)`` or ``steady``. Comparing with the one before alone
    would call 69.4 -> 0 -> 0 "steady"."""
    if not scores:
        return "no submitted attempt yet"
    if len(scores) == 1:
        return "first attempt"
    earlier = scores[-6:-1]
    change = scores[-1] - sum(earlier) / len(earlier)
    if abs(change) < 0.5:
        return "steady"
    return f"{'improving' if change > 0 else 'declining'} ({change:+.0f} points)"
