"""`python -m bench.drill`: how often the drill's key-point match agrees with hand labels.

Each answer in ``bench/drill_labels.toml`` was typed the way candidates answer and labelled good, partial
or wrong by judging its content, before the matcher ran on it. The matcher's label comes from the share of
the question's key points it found covered (judge/problems/keypoints.py: ``label_for``). Printed: exact
agreement, Cohen's kappa, agreement within one step, and the confusion matrix; ``--show`` lists the
disagreements. Figures, never a pass/fail: exit 0 unless the labels or questions cannot be read (2).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from pathlib import Path

from judge.paths import questions_dir
from judge.problems.keypoints import coverage
from judge.problems.questions import load_bank

LABELS = ("good", "partial", "wrong")
LABELS_FILE = Path(__file__).with_name("drill_labels.toml")


def kappa(pairs: list[tuple[str, str]]) -> float:
    """Cohen's kappa of (hand, matcher) label pairs: agreement beyond what chance would give."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    hand, match = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(hand[label] * match[label] for label in LABELS) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill", description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS_FILE)
    parser.add_argument("--show", action="store_true", help="List the answers where the two labels differ.")
    args = parser.parse_args(argv)
    bank, problems = load_bank(questions_dir())
    try:
        answers = tomllib.loads(args.labels.read_text(encoding="utf-8"))["answer"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        print(f"cannot read {args.labels}: {exc}", file=sys.stderr)
        return 2
    pairs: list[tuple[str, str]] = []
    misses = []
    for entry in answers:
        question = bank.questions.get(entry["question"])
        if question is None or entry["label"] not in LABELS:
            print(f"unknown question or label: {entry['question']} {entry['label']}", file=sys.stderr)
            return 2
        result = coverage(entry["text"], question.points, bank.synonyms)
        pairs.append((entry["label"], result.label))
        if result.label != entry["label"]:
            misses.append((entry, result))
    n = len(pairs)
    exact = sum(a == b for a, b in pairs)
    near = sum(abs(LABELS.index(a) - LABELS.index(b)) <= 1 for a, b in pairs)
    print(f"{n} hand-labelled answers on {len({e['question'] for e in answers})} questions"
          f" ({', '.join(f'{c} {label}' for label, c in sorted(Counter(a for a, _ in pairs).items()))})")
    print(f"exact agreement {exact}/{n} = {exact / n:.0%}; Cohen's kappa {kappa(pairs):.2f}; "
          f"within one step {near / n:.0%}")
    print("\nhand \\ matcher   " + "  ".join(f"{label:>7}" for label in LABELS))
    counts = Counter(pairs)
    for hand in LABELS:
        print(f"{hand:<16} " + "  ".join(f"{counts[(hand, m)]:>7}" for m in LABELS))
    if args.show:
        for entry, result in misses:
            print(f"\n[{entry['label']} -> {result.label}, {result.covered}/{result.total}] {entry['question']}: "
                  f"{entry['text']}")
    if problems:
        print(f"\nnote: {len(problems)} problem(s) in the question files (`judge drill validate`)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
