"""Near-identical submissions: normalised token similarity between solution files. Pure: text in, pairs out.

Each file becomes a stream of tokens with comments, whitespace and layout dropped, every identifier
renamed to one placeholder and every string literal to another, so renaming variables, rewording
docstrings or reformatting does not hide a copy. The stream is cut into overlapping k-token shingles;
shingles that also occur in the problem's starter file are removed (every candidate starts from it, so
shared starter code says nothing), and two files are compared by the Jaccard index of what is left.

A flag is a prompt for a person to read both files, never a verdict: short solutions to a short problem
can look alike honestly, which is why files with too little code of their own are never flagged.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections.abc import Sequence
from itertools import combinations

from judge.model.batch import Pair

SHINGLE = 5
THRESHOLD = 0.85
MIN_SHINGLES = 25

_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
_FSTRING_PARTS = {getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                  if hasattr(tokenize, name)}

Shingle = tuple[str, ...]


def normalised_tokens(source: str) -> list[str]:
    """The token stream with layout and comments dropped and names and strings replaced by placeholders.

    A file that does not tokenize to the end (a syntax error) keeps the tokens read before the error.
    """
    tokens: list[str] = []
    in_fstring = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in _DROPPED:
                continue
            if tok.type in _FSTRING_PARTS:
                # An f-string is one string literal, whatever it interpolates.
                name = tokenize.tok_name[tok.type]
                if name == "FSTRING_START":
                    if in_fstring == 0:
                        tokens.append("STR")
                    in_fstring += 1
                elif name == "FSTRING_END":
                    in_fstring -= 1
                continue
            if in_fstring:
                continue
            if tok.type == tokenize.NAME:
                tokens.append(tok.string if keyword.iskeyword(tok.string) else "ID")
            elif tok.type == tokenize.STRING:
                tokens.append("STR")
            else:
                tokens.append(tok.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return tokens


def shingles(source: str, k: int = SHINGLE) -> frozenset[Shingle]:
    """The set of k-token windows of the normalised stream (the whole stream when it is shorter)."""
    tokens = normalised_tokens(source)
    if len(tokens) <= k:
        return frozenset([tuple(tokens)]) if tokens else frozenset()
    return frozenset(tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1))


def jaccard(a: frozenset[Shingle], b: frozenset[Shingle]) -> float:
    """|a ∩ b| / |a ∪ b|; 0 for two empty sets."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def similar_pairs(
    sources: Sequence[tuple[str, str]],
    starter: str = "",
    threshold: float = THRESHOLD,
    min_shingles: int = MIN_SHINGLES,
    k: int = SHINGLE,
) -> list[Pair]:
    """Pairs of (name, source) whose own code, starter removed, is at least ``threshold`` similar.

    Sorted most similar first. Files with fewer than ``min_shingles`` shingles of their own are skipped.
    """
    base = shingles(starter, k) if starter else frozenset()
    own = [(name, shingles(text, k) - base) for name, text in sources]
    own = [(name, s) for name, s in own if len(s) >= min_shingles]
    pairs = []
    for (name_a, a), (name_b, b) in combinations(own, 2):
        small, large = sorted((len(a), len(b)))
        if small / large < threshold:  # Jaccard can be at most small/large: skip the set arithmetic
            continue
        score = jaccard(a, b)
        if score >= threshold:
            pairs.append(Pair(name_a, name_b, score))
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))
