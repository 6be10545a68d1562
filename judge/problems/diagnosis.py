"""Diagnosis: which known mistakes a failing submission's failed tests look like. Pure: sets in, ranked matches out.

Each known mistake has a signature, the set of hidden tests it fails (recorded by ``judge problem
validate``). A submission's failed tests are compared with every signature, and with every union of two
(a submission can hold two mistakes at once). Tests are weighted by how rare they are among the
signatures: a test that only one mistake fails is strong evidence for it, one that half the mistakes
fail (say, "the row count on the data file") is weak evidence for any of them, and a failed test that
no known mistake fails weighs most, since it is a sign of something the book does not know.

The strength of an explanation E (one or two mistakes) is the weighted Jaccard similarity of the
failed set F and the union U of E's signatures, ``w(F & U) / w(F | U)``: 1 when they are equal, lower
for every failed test E does not explain and every test E predicts that passed.

A wrong diagnosis is worse than none, and the nearest known mistake to a bug the catalogue does not hold
is usually a sibling whose signature differs from the failures by one or two telling tests (leave-one-out:
most of the wrong names came at strengths of 0.7 to 0.9), while a real submission holding a known mistake
fails exactly its signature far more often than not (the dev set of bench.diagnosis: every known mistake
named there matched at 1.0). So one mistake is named only from ``THRESHOLD`` (0.9): a failing set that the
signature explains only partly, or that holds failures it does not explain, gets silence. Two mistakes at
once are named from ``PAIR_THRESHOLD``, and only when the pair explains clearly more than the best single
mistake (``PAIR_GAIN``) and most of each one's own signature failed (``PAIR_RECALL``): two mistakes in one
file can hide part of each other's failures. When two single mistakes are equally good, both are named,
because the tests cannot tell them apart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

THRESHOLD = 0.9  # the least strength one named mistake has (bench.diagnosis: leave-one-out and the dev set)
PAIR_THRESHOLD = 0.8  # the least strength two mistakes named together have
PAIR_GAIN = 0.15  # how much more a pair must explain than the best single mistake
TIE = 0.05  # two single mistakes within this of each other are equally likely
PAIR_RECALL = 0.75  # each mistake of a named pair must have (weighted) this much of its own signature failing
MAX_NAMED = 2


@dataclass(frozen=True)
class Signature:
    """A known mistake and the hidden tests (ids) it fails."""

    mistake: str
    failing: frozenset[str]


@dataclass(frozen=True)
class Match:
    """One named mistake, how strongly the failures match it, in [0, 1], and which failed tests it explains
    (those of its signature that failed): with two mistakes named, each one's share of the failures."""

    mistake: str
    match: float
    explains: frozenset[str] = frozenset()


def weights(signatures: Iterable[Signature]) -> dict[str, float]:
    """Per test: ``log((N + 1) / (n + 0.5))`` with N signatures, n of which contain the test."""
    signatures = list(signatures)
    counts: dict[str, int] = {}
    for sig in signatures:
        for test in sig.failing:
            counts[test] = counts.get(test, 0) + 1
    n = len(signatures)
    return {test: math.log((n + 1) / (c + 0.5)) for test, c in counts.items()}


def strength(failed: frozenset[str], predicted: frozenset[str], w: Mapping[str, float], unknown: float) -> float:
    """Weighted Jaccard similarity of the failed and the predicted tests (``unknown``: weight of a test no
    signature contains)."""
    def total(tests: Iterable[str]) -> float:
        return sum(w.get(t, unknown) for t in tests)

    union = total(failed | predicted)
    return total(failed & predicted) / union if union else 0.0


def diagnose(failed: Iterable[str], signatures: Iterable[Signature], *, threshold: float = THRESHOLD,
             pair_threshold: float = PAIR_THRESHOLD) -> list[Match]:
    """The one or two known mistakes that best explain ``failed`` (test ids), strongest first; [] when
    nothing explains it well enough (one mistake below ``threshold``, two below ``pair_threshold``)."""
    failed_set = frozenset(failed)
    sigs = [s for s in signatures if s.failing]
    if not failed_set or not sigs:
        return []
    w = weights(sigs)
    unknown = math.log((len(sigs) + 1) / 0.5)
    singles = sorted(((strength(failed_set, s.failing, w, unknown), s.mistake) for s in sigs), key=lambda p: -p[0])
    best_single, best_name = singles[0]
    by_name = {s.mistake: s for s in sigs}

    best_pair: tuple[float, str, str] | None = None
    present = [s for s in sigs if _recall(failed_set, s.failing, w) >= PAIR_RECALL]
    for a, b in combinations(present, 2):
        if a.failing <= b.failing or b.failing <= a.failing:
            continue  # one adds nothing the other does not already predict
        score = strength(failed_set, a.failing | b.failing, w, unknown)
        if best_pair is None or score > best_pair[0]:
            best_pair = (score, a.mistake, b.mistake)

    if best_pair is not None and best_pair[0] >= best_single + PAIR_GAIN and best_pair[0] >= pair_threshold:
        score, a_name, b_name = best_pair
        named = [Match(m, round(score * _recall(failed_set, by_name[m].failing, w), 3),
                       failed_set & by_name[m].failing) for m in (a_name, b_name)]
        return sorted(named, key=lambda m: -m.match)
    if best_single < threshold:
        return []
    named = [Match(best_name, round(best_single, 3), failed_set & by_name[best_name].failing)]
    for score, name in singles[1:MAX_NAMED]:
        if score >= threshold and best_single - score <= TIE:
            named.append(Match(name, round(score, 3), failed_set & by_name[name].failing))
    return named


def _recall(failed: frozenset[str], predicted: frozenset[str], w: Mapping[str, float]) -> float:
    """The weighted share of a mistake's own signature that did fail."""
    whole = sum(w.get(t, 0.0) for t in predicted)
    return sum(w.get(t, 0.0) for t in predicted & failed) / whole if whole else 0.0


def indistinguishable(signatures: Iterable[Signature]) -> list[tuple[str, str]]:
    """Pairs of mistakes with identical signatures: no diagnosis can tell them apart."""
    by_set: dict[frozenset[str], list[str]] = {}
    for sig in signatures:
        by_set.setdefault(sig.failing, []).append(sig.mistake)
    return [(a, b) for names in by_set.values() for a, b in combinations(sorted(names), 2)]


@dataclass(frozen=True)
class MistakeBook:
    """A problem's trusted signatures and, per mistake, its (title, explanation)."""

    signatures: tuple[Signature, ...]
    notes: Mapping[str, tuple[str, str]]

    def diagnose(self, failed: Iterable[str],
                 unknown: Iterable[str] = ()) -> list[tuple[str, str, str, float, tuple[str, ...]]]:
        """(mistake, title, explanation, match, the failed tests it explains) for the mistakes ``failed``
        matches, strongest first.
        ``unknown``: tests whose outcome says nothing (they stopped on a step not written yet); they are left
        out of the failures and of every signature."""
        skip = frozenset(unknown)
        sigs = [Signature(s.mistake, s.failing - skip) for s in self.signatures] if skip else self.signatures
        return [(m.mistake, *self.notes[m.mistake], m.match, tuple(sorted(m.explains)))
                for m in diagnose(frozenset(failed) - skip, sigs) if m.mistake in self.notes]
