"""Key-point coverage of a typed answer: a transparent match of phrases and synonyms, no model.

A key point lists patterns; it is covered when any one of them matches. A pattern is a ``+``-separated
list of terms that must all appear in the same sentence of the answer, and a term is a ``|``-separated
list of alternative phrases::

    "too simple | underfit"                 either phrase anywhere
    "variance + training set | sample"      "variance" and ("training set" or "sample") in one sentence

A phrase matches consecutive words of the answer. Each of its words matches a word of the answer that is
equal to it or, for words of four letters or more, starts with it ("overfit" matches "overfitting"). A
phrase that is a member of a synonym group (``questions/synonyms.toml``) also matches every other member
("l1" and "lasso"). Matching is case-insensitive and ignores punctuation.

Everything here is pure: text in, a ``Coverage`` out that says which phrase covered each point, so a
candidate can see why a point counted. The coverage is shown beside the model answer; the schedule
follows the candidate's own rating, never this match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

MIN_PREFIX = 4  # shorter words ("l1", "auc", "roc") match only whole words
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"[.!?;]+(?=\s|$)|\n\s*\n")  # a line break inside a paragraph is not an end

# A label from the share of key points covered, for the agreement bench (bench/drill.py) and the hint shown
# beside the coverage. Fixed before the hand labels were written; not fitted to them.
GOOD_AT, WRONG_BELOW = 0.7, 0.3


def words(text: str) -> list[str]:
    """Lower-case words of ``text``: letters and digits ("L1-regularised" -> ["l1", "regularised"])."""
    return _WORD.findall(text.lower().replace("'", ""))


def sentences(text: str) -> list[list[str]]:
    """The words of each sentence of ``text`` (a typed answer may have no punctuation: then one sentence)."""
    return [w for w in (words(part) for part in _SENTENCE.split(text)) if w]


@dataclass(frozen=True)
class Synonyms:
    """Groups of phrases that mean the same here; a phrase matches every member of its group."""

    groups: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def _lookup(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for group in self.groups:
            normal = tuple(" ".join(words(member)) for member in group)
            for key in normal:
                table[key] = (key, *(m for m in normal if m != key))
        return table

    def expand(self, phrase: str) -> tuple[str, ...]:
        """``phrase`` and the other members of its group (as normalised word strings)."""
        key = " ".join(words(phrase))
        return self._lookup.get(key, (key,))


def _word_matches(want: str, got: str) -> bool:
    return got == want or (len(want) >= MIN_PREFIX and got.startswith(want))


def _find(phrase: Sequence[str], sentence: Sequence[str]) -> bool:
    n = len(phrase)
    return any(all(_word_matches(phrase[k], sentence[i + k]) for k in range(n))
               for i in range(len(sentence) - n + 1))


def parse_pattern(pattern: str) -> list[list[str]]:
    """``"a | b + c"`` -> ``[["a", "b"], ["c"]]``: terms, each a list of alternative phrases."""
    terms = [[alt.strip() for alt in term.split("|")] for term in pattern.split("+")]
    return [[a for a in term if words(a)] for term in terms]


def pattern_problems(pattern: str) -> list[str]:
    """What is wrong with a pattern (an empty term, a phrase with no word); empty when it is fine."""
    if not pattern.strip():
        return ["an empty pattern"]
    problems = []
    for term in pattern.split("+"):
        alternatives = term.split("|")
        if not any(words(a) for a in alternatives):
            problems.append(f"pattern {pattern!r} has an empty term")
        elif any(not words(a) for a in alternatives):
            problems.append(f"pattern {pattern!r} has an empty alternative (two '|' in a row?)")
    return problems


def match_pattern(pattern: str, answer: Sequence[Sequence[str]], synonyms: Synonyms) -> str | None:
    """The phrases of ``pattern`` found together in one sentence of ``answer``, joined by " + "; None when
    it does not match."""
    terms = parse_pattern(pattern)
    if not terms or any(not term for term in terms):
        return None
    for sentence in answer:
        found: list[str] = []
        for term in terms:
            hit = next((variant for alt in term for variant in synonyms.expand(alt)
                        if _find(variant.split(), sentence)), None)
            if hit is None:
                break
            found.append(hit)
        else:
            return " + ".join(found)
    return None


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good answer says, and the patterns that recognise it."""

    text: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class PointResult:
    """Whether one key point was covered, and by which words (``evidence``)."""

    point: KeyPoint
    evidence: str | None

    @property
    def covered(self) -> bool:
        return self.evidence is not None


@dataclass(frozen=True)
class Coverage:
    """The key points a typed answer covered."""

    points: tuple[PointResult, ...]

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.points)

    @property
    def total(self) -> int:
        return len(self.points)

    @property
    def fraction(self) -> float:
        return self.covered / self.total if self.total else 0.0

    @property
    def label(self) -> str:
        """"good", "partial" or "wrong", from the share covered (``GOOD_AT``, ``WRONG_BELOW``)."""
        return label_for(self.fraction)


def label_for(fraction: float) -> str:
    """The label a share of covered key points suggests."""
    if fraction >= GOOD_AT:
        return "good"
    return "wrong" if fraction < WRONG_BELOW else "partial"


def coverage(answer: str, points: Iterable[KeyPoint], synonyms: Synonyms = Synonyms()) -> Coverage:
    """Which of ``points`` the typed ``answer`` covers, each with the words that matched."""
    split = sentences(answer)
    results = []
    for point in points:
        evidence = next((hit for p in point.patterns if (hit := match_pattern(p, split, synonyms)) is not None),
                        None)
        results.append(PointResult(point, evidence))
    return Coverage(tuple(results))
