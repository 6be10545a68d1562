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
signature explains only partly, or that holds failures it does not explain, gets silence.

Two mistakes at once are named when together they explain at least ``PAIR_COVER`` (90%) of the failures'
weight (what is left is the sign of a third mistake, maybe one the book lacks), by one of two rules:

- **whole signatures**: most of each one's signature failed (``PAIR_RECALL``; two mistakes in one file can
  hide part of each other's failures), the union matches from ``PAIR_THRESHOLD`` and clearly better than the
  best single mistake (``PAIR_GAIN``);
- **partial signatures**, when no single mistake reaches ``THRESHOLD``: a candidate's version of a known
  mistake is often narrower or wider than the catalogue's file (it fails only some of the file's tests, or
  a few more near them), so the union matches the failures at only 0.4-0.7. The pair is named when each
  mistake has its own evidence: a weighted share of at least ``PAIR_OWN`` of the failures that only it
  explains, at least ``PAIR_PART_RECALL`` of its signature failed, and one of the two whole
  (``PAIR_RECALL``); the other, if short of that, must have failed every one of its distinctive tests
  (those no other known mistake fails: ``PAIR_DISTINCT``). A sibling that only shares tests with the
  failures brings no evidence of its own, so a single mistake outside the catalogue still gets silence
  (bench.diagnosis, leave-one-out: wrong names 23 of 267 with both rules, 25 with the whole-signature
  rule alone and no ``PAIR_COVER``).

Only the best pair is weighed: of the pairs that explain enough and whose signatures fit one rule's shape,
the strongest union, and of equally strong ones the pair whose signatures overlap least (each explains its
own part: the simpler explanation). When it falls short of its rule's thresholds, no weaker pair is named
in its place (trying them raised the wrong names on every-pair unions from 26 to 33 of 2507). In a named
pair, each mistake's match compares its own signature with the failures less those only the other one
explains. When two single mistakes are equally good, both are named, because the tests cannot tell them apart.
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
# Two mistakes from partial signatures (each may have only partly failed, or the candidate's version fails a
# few tests more): chosen on leave-one-out, every-pair unions and the dev + heldout1 mock-candidate sets.
PAIR_COVER = 0.9  # the least weighted share of the failures the two explain together
PAIR_OWN = 0.2  # the least weighted share of the failures each one alone explains (its own evidence)
PAIR_PART_RECALL = 0.4  # the least weighted share of each one's signature that failed
PAIR_DISTINCT = 0.99  # a mistake short of PAIR_RECALL: the least share of its distinctive tests (no other
# known mistake fails them) that failed
MAX_NAMED = 2


@dataclass(frozen=True)
class Signature:
    """A known mistake and the hidden tests (ids) it fails."""

    mistake: str
    failing: frozenset[str]


@dataclass(frozen=True)
class Match:
    """One named mistake, how strongly the failures match it, in [0, 1], and which failed tests it explains
    (those of its signature that failed): with two mistakes named, each one's share of the failures, and its
    match leaves out the failures only the other one explains."""

    mistake: str
    match: float
    explains: frozenset[str] = frozenset()


def weights(signatures: Iterable[Signature]) -> dict[str, float]:
    """Per test: ``log((N + 1) / (n + 0.5))`` with N signatures, n of which contain the test."""
    signatures = list(signatures)
    n = len(signatures)
    return {test: math.log((n + 1) / (c + 0.5)) for test, c in _counts(signatures).items()}


def _counts(signatures: Iterable[Signature]) -> dict[str, int]:
    """Per test: how many signatures contain it."""
    counts: dict[str, int] = {}
    for sig in signatures:
        for test in sig.failing:
            counts[test] = counts.get(test, 0) + 1
    return counts


def _total(tests: Iterable[str], w: Mapping[str, float], unknown: float) -> float:
    """The summed weight of ``tests`` (``unknown``: the weight of a test no signature contains)."""
    return sum(w.get(t, unknown) for t in tests)


def strength(failed: frozenset[str], predicted: frozenset[str], w: Mapping[str, float], unknown: float) -> float:
    """Weighted Jaccard similarity of the failed and the predicted tests (``unknown``: weight of a test no
    signature contains)."""
    union = _total(failed | predicted, w, unknown)
    return _total(failed & predicted, w, unknown) / union if union else 0.0


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

    pair = _best_pair(failed_set, sigs, w, unknown)
    if pair is not None and (pair.exact >= max(pair_threshold, best_single + PAIR_GAIN)
                             or (pair.partial and best_single < threshold)):
        return sorted(pair.matches(failed_set, w, unknown), key=lambda m: -m.match)
    if best_single < threshold:
        return []
    named = [Match(best_name, round(best_single, 3), failed_set & by_name[best_name].failing)]
    for score, name in singles[1:MAX_NAMED]:
        if score >= threshold and best_single - score <= TIE:
            named.append(Match(name, round(score, 3), failed_set & by_name[name].failing))
    return named


@dataclass(frozen=True)
class _Pair:
    """The evidence for two mistakes at once (weights as in ``strength``)."""

    first: Signature
    second: Signature
    exact: float  # the whole-signature rule's strength (0 when that rule does not allow the pair)
    partial: bool  # the partial-signature rule allows it
    rank: tuple[float, float]

    def matches(self, failed: frozenset[str], w: Mapping[str, float], unknown: float) -> list[Match]:
        """Each mistake with the failed tests it explains, and its match: the failures, less those only the
        other one explains, compared with its own signature."""
        a, b = self.first.failing, self.second.failing
        return [Match(sig.mistake, round(strength(failed - (other - sig.failing), sig.failing, w, unknown), 3),
                      failed & sig.failing) for sig, other in ((self.first, b), (self.second, a))]


def _best_pair(failed: frozenset[str], sigs: list[Signature], w: Mapping[str, float],
               unknown: float) -> _Pair | None:
    """The strongest pair that explains enough of ``failed`` and fits either rule's shape (``exact``: its
    strength when whole-signature, for the caller's thresholds; ``partial``: the partial rule names it),
    or None."""
    def total(tests: Iterable[str]) -> float:
        return _total(tests, w, unknown)

    whole = total(failed)
    recall = {s.mistake: _recall(failed, s.failing, w) for s in sigs}
    counts = _counts(sigs)

    def own_recall(sig: Signature) -> float:  # of its distinctive tests, those no other mistake fails
        distinctive = [t for t in sig.failing if counts[t] == 1]
        return _recall(failed, frozenset(distinctive), w) if distinctive else 0.0
    telling = {s.mistake: own_recall(s) >= PAIR_DISTINCT for s in sigs}
    best: _Pair | None = None
    for a, b in combinations([s for s in sigs if s.failing & failed], 2):
        if a.failing <= b.failing or b.failing <= a.failing:
            continue  # one adds nothing the other does not already predict
        union = a.failing | b.failing
        score = strength(failed, union, w, unknown)
        if total(failed & union) < PAIR_COVER * whole:
            continue  # together they leave too much of the failures unexplained
        exact = score if min(recall[a.mistake], recall[b.mistake]) >= PAIR_RECALL else 0.0
        own = min(total(failed & (a.failing - b.failing)), total(failed & (b.failing - a.failing))) / whole
        partial = (own >= PAIR_OWN
                   and min(recall[a.mistake], recall[b.mistake]) >= PAIR_PART_RECALL
                   and max(recall[a.mistake], recall[b.mistake]) >= PAIR_RECALL
                   and all(telling[m.mistake] or recall[m.mistake] >= PAIR_RECALL for m in (a, b)))
        if not exact and not partial:
            continue
        pair = _Pair(a, b, exact, partial, (score, -total(a.failing & b.failing)))
        if best is None or pair.rank > best.rank:
            best = pair
    return best


def _recall(failed: frozenset[str], predicted: frozenset[str], w: Mapping[str, float]) -> float:
    """The weighted share of a mistake's own signature that did fail."""
    whole = _total(predicted, w, 0.0)
    return _total(predicted & failed, w, 0.0) / whole if whole else 0.0


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
