"""Help around an attempt: hints during it (recorded with the attempt), the model answer after it.

A hint is taken for one requirement at a time, level by level, from a nudge to a near-answer; the
attempt record keeps one entry per hint taken (requirement, level, when), written under the attempt's
lock like every other change to the record, so a `judge submit` that is grading cannot lose it. Hints
never change the score: the report and the history say how many were taken.

Hints also work once the attempt is over (submit, read the report, ask for the hint on the failing
requirement): they are recorded on that attempt under ``hints_after`` and leave its report and score as
they were. A later `judge retry`, or a fresh `judge start` of the same problem, carries every hint seen
into the new attempt, and whether the model answer had been read (``model_answer_seen_at``, set when
`judge solution` shows it), so a solve after reading the answer is never "unaided" and does not count as
a best score.

The model answer (reference and editorial) opens for a problem once an attempt at it has ended and
while none is open, so it cannot be read in the middle of an attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judge.model.report import hints_from_record
from judge.model.states import AttemptState
from judge.problems.catalog import Problem
from judge.problems.teaching import RequirementGuide, requirement_guides
from judge.store.index import AttemptLocked, Store


class HelpRefused(RuntimeError):
    """A hint or a model answer that cannot be given now; the message says why and what to do."""


@dataclass(frozen=True)
class HintShown:
    """The hints to show for one requirement: levels 1 to ``level`` of ``guide.hints``."""

    guide: RequirementGuide
    level: int
    new: bool  # False when every level shown had been seen before (nothing was recorded)
    total_taken: int  # hints taken in the attempt so far, this one included
    after: bool = False  # taken after the attempt was over: recorded on it, its report and score unchanged

    @property
    def last(self) -> bool:
        return self.level >= len(self.guide.hints)


def resolve_requirement(guides: dict[str, RequirementGuide], name: str) -> RequirementGuide:
    """``r4``, ``R4`` or ``4`` -> R4's guide, or ``HelpRefused`` naming the known ones."""
    key = name.strip().upper()
    key = key if key.startswith("R") else f"R{key}"
    if key not in guides:
        raise HelpRefused(f"no requirement {name!r} in this problem; pick one of {', '.join(guides)} "
                          "(`judge hint` lists them)")
    return guides[key]


def levels_taken(record: dict[str, Any]) -> dict[str, int]:
    """The highest hint level seen per requirement in an attempt (during it or after it)."""
    entries = list(record.get("hints") or []) + list(record.get("hints_after") or [])
    return {h.requirement: h.level for h in hints_from_record(entries)}


def take_hint(store: Store, attempt_id: str, problem: Problem, requirement: str, level: int | None,
              now: float) -> HintShown:
    """Show the next hint for ``requirement`` (or exactly ``level``) and record it with the attempt.

    On an attempt that is over (submitted or abandoned) the hint is recorded under ``hints_after``: the
    attempt's report and score stay as they were. Raises ``HelpRefused`` for an unknown requirement or
    level, a problem without hints; ``AttemptLocked`` while the attempt is being graded.
    """
    guides = requirement_guides(problem)
    if not guides:
        raise HelpRefused(f"{problem.slug} has no hints written yet")
    guide = resolve_requirement(guides, requirement)
    if level is not None and not 1 <= level <= len(guide.hints):
        raise HelpRefused(f"{guide.id} has hints 1 to {len(guide.hints)}; --level {level} is not one of them")
    with store.lock(attempt_id):
        record = store.load_record(attempt_id)
        after = record.get("status") != AttemptState.OPEN
        seen = levels_taken(record).get(guide.id, 0)
        target = level if level is not None else min(seen + 1, len(guide.hints))
        new = target > seen
        if new:
            entries = record.setdefault("hints_after" if after else "hints", [])
            entries += [{"requirement": guide.id, "level": n, "at": now} for n in range(seen + 1, target + 1)]
            store.save_record(record)
    total = sum(levels_taken(record).values())
    return HintShown(guide, target, new, total, after)


def carried_help(record: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What the next attempt after ``record`` carries (a retry or a fresh start): every hint seen in it
    (during or after, and what it had carried itself), as the new attempt's hint entries, and the
    ``carried`` facts (from which attempt, how many hints, whether the model answer had been read)."""
    entries = [{"requirement": h.requirement, "level": n, "carried_from": record["id"]}
               for h in hints_from_record(list(record.get("hints") or []) + list(record.get("hints_after") or []))
               for n in range(1, h.level + 1)]
    before = record.get("carried") or {}
    seen = bool(record.get("model_answer_seen_at") or before.get("model_answer"))
    return entries, {"from": record["id"], "hints": len(entries), "model_answer": seen}


def mark_model_answer_seen(store: Store, slug: str, now: float) -> None:
    """Record on the newest ended attempt at ``slug`` that its model answer was read (a later retry carries
    it). Nothing happens when there is none, or when it is being graded."""
    ended = [r for r in store.rows(slug) if r["status"] != AttemptState.OPEN]
    if not ended:
        return
    try:
        with store.lock(ended[0]["id"]):
            record = store.load_record(ended[0]["id"])
            if not record.get("model_answer_seen_at"):
                record["model_answer_seen_at"] = now
                store.save_record(record)
    except AttemptLocked:
        pass


def open_attempts(store: Store, slug: str) -> list[dict[str, Any]]:
    """The problem's attempts that are still open, newest first."""
    return [r for r in store.rows(slug) if r["status"] == AttemptState.OPEN]


def model_answer_allowed(store: Store, slug: str, how_to_end: str) -> None:
    """Raise ``HelpRefused`` unless an attempt at ``slug`` has ended and none is open. ``how_to_end`` is
    the sentence that tells the candidate how to end an open attempt."""
    rows = store.rows(slug)
    still_open = [r for r in rows if r["status"] == AttemptState.OPEN]
    if still_open:
        r = still_open[0]
        raise HelpRefused(f"attempt {r['id']} at {slug} is still open (workspace {r['workspace']}): the model "
                          f"answer opens once it has ended. {how_to_end}")
    if not rows:
        raise HelpRefused(f"no attempt at {slug} yet: the model answer opens once you have tried it. "
                          f"`judge start {slug}`, then `judge submit`")
