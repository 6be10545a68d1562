"""Help around an attempt: hints during it (recorded with the attempt), the model answer after it.

A hint is taken for one requirement at a time, level by level, from a nudge to a near-answer; the
attempt record keeps one entry per hint taken (requirement, level, when), written under the attempt's
lock like every other change to the record, so a `judge submit` that is grading cannot lose it. Hints
never change the score: the report and the history say how many were taken.

The model answer (reference and editorial) opens for a problem once an attempt at it has ended and
while none is open, so it cannot be read in the middle of an attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judge.model.report import hints_from_record
from judge.problems.catalog import Problem
from judge.problems.teaching import RequirementGuide, requirement_guides
from judge.store.index import Store


class HelpRefused(RuntimeError):
    """A hint or a model answer that cannot be given now; the message says why and what to do."""


@dataclass(frozen=True)
class HintShown:
    """The hints to show for one requirement: levels 1 to ``level`` of ``guide.hints``."""

    guide: RequirementGuide
    level: int
    new: bool  # False when every level shown had been seen before (nothing was recorded)
    total_taken: int  # hints taken in the attempt so far, this one included

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
    """The highest hint level seen per requirement in an attempt."""
    return {h.requirement: h.level for h in hints_from_record(record.get("hints", []))}


def take_hint(store: Store, attempt_id: str, problem: Problem, requirement: str, level: int | None,
              now: float) -> HintShown:
    """Show the next hint for ``requirement`` (or exactly ``level``) and record it with the attempt.

    Raises ``HelpRefused`` for a closed attempt, an unknown requirement or level, a problem without hints;
    ``AttemptLocked`` while the attempt is being graded.
    """
    guides = requirement_guides(problem)
    if not guides:
        raise HelpRefused(f"{problem.slug} has no hints written yet")
    guide = resolve_requirement(guides, requirement)
    if level is not None and not 1 <= level <= len(guide.hints):
        raise HelpRefused(f"{guide.id} has hints 1 to {len(guide.hints)}; --level {level} is not one of them")
    with store.lock(attempt_id):
        record = store.load_record(attempt_id)
        if record.get("status") != "open":
            raise HelpRefused(f"attempt {attempt_id} is {record.get('status')}: hints are for an open attempt. "
                              f"Read the model answer with `judge solution {record['problem']}`")
        seen = levels_taken(record).get(guide.id, 0)
        target = level if level is not None else min(seen + 1, len(guide.hints))
        new = target > seen
        if new:
            entries = record.setdefault("hints", [])
            entries += [{"requirement": guide.id, "level": n, "at": now} for n in range(seen + 1, target + 1)]
            store.save_record(record)
    total = sum(h.level for h in hints_from_record(record.get("hints", [])))
    return HintShown(guide, target, new, total)


def open_attempts(store: Store, slug: str) -> list[dict[str, Any]]:
    """The problem's attempts that are still open, newest first."""
    return [r for r in store.rows(slug) if r["status"] == "open"]


def model_answer_allowed(store: Store, slug: str, how_to_end: str) -> None:
    """Raise ``HelpRefused`` unless an attempt at ``slug`` has ended and none is open. ``how_to_end`` is
    the sentence that tells the candidate how to end an open attempt."""
    rows = store.rows(slug)
    still_open = [r for r in rows if r["status"] == "open"]
    if still_open:
        r = still_open[0]
        raise HelpRefused(f"attempt {r['id']} at {slug} is still open (workspace {r['workspace']}): the model "
                          f"answer opens once it has ended. {how_to_end}")
    if not rows:
        raise HelpRefused(f"no attempt at {slug} yet: the model answer opens once you have tried it. "
                          f"`judge start {slug}`, then `judge submit`")
