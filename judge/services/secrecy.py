"""What of a problem must never reach a candidate of the server, and the scrubbing of candidate-bound text.

The hidden tests and the reference stay on the server. In the sandbox the suite belongs to the grader's
user and the candidate's code runs as another that cannot read it (sandbox/harness.py), so the only text a
report carries from the candidate's side (its own exception messages and output) can hold nothing of the
suite. The grader's own messages do quote values the tests compare. As defence in depth, every free-text
field bound for a candidate is still redacted line by line: a line quoting a non-trivial line of any hidden
file (the tests, their conftest, expected outputs in CSV or JSON) or of the reference is replaced, and hidden
test and file names are masked. Lines the candidate already has (statement, starter, public tests) and the
hidden tests' own
descriptions (their docstrings, which a report shows by design) are not secret. Trivial lines (blank,
imports, comments, short ones like ``pass`` or ``)``) prove nothing and are ignored.

Before the two were split, a submission could read the suite and encode it (base64, one bit per test
outcome), which no line filter stops; now it has nothing to encode. Feedback "score" still leaves only
numbers.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from judge.model.parsing import PARSE_LOCK, parse
from judge.problems.catalog import Problem

MIN_LINE = 10
HIDDEN_LINE = "[line hidden: it quotes the hidden tests]"
HIDDEN_NAME = "<hidden test>"


def trivial(line: str) -> bool:
    """A line too common to identify anything: blank, import, comment, decorator-free short code."""
    text = line.strip()
    return (len(text) < MIN_LINE or text.startswith(("#", "import ", "from ")) or text in {"pass", "return"}
            or not any(ch.isalnum() for ch in text))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if not trivial(line)}


def _public_text(problem: Problem) -> list[str]:
    texts = [problem.statement()]
    for folder in (problem.starter_dir, problem.public_tests_dir):
        if folder.is_dir():
            texts += [_read(p) for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    if problem.doubles_path.is_file():  # the test doubles: in the workspace and the candidate's process by design
        texts.append(_read(problem.doubles_path))
    return texts


def _test_docstrings(source: str) -> set[str]:
    """Lines of the docstrings of test functions: the descriptions a report shows."""
    try:
        tree = parse(source)
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            found |= _lines(ast.get_docstring(node) or "")
    return found


def _test_names(source: str) -> set[str]:
    try:
        tree = parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name.startswith(
                ("test", "Test"))}


@dataclass(frozen=True)
class Secrets:
    """A problem's secret lines and names, and the patterns that find them."""

    lines: frozenset[str]
    names: frozenset[str]

    @functools.cached_property
    def _line_pattern(self) -> re.Pattern[str] | None:
        if not self.lines:
            return None
        return re.compile("|".join(re.escape(line) for line in sorted(self.lines, key=len, reverse=True)))

    @functools.cached_property
    def _name_pattern(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))
                          + r")\b")

    def redact(self, text: str) -> str:
        """``text`` with every line quoting a secret line replaced and every secret name masked."""
        if not text:
            return text
        out = []
        for line in text.splitlines():
            if self._line_pattern is not None and self._line_pattern.search(line):
                out.append(HIDDEN_LINE)
                continue
            out.append(self._name_pattern.sub(HIDDEN_NAME, line) if self._name_pattern is not None else line)
        return "\n".join(out)


def secrets_of(problem: Problem) -> Secrets:
    """The secret lines of every hidden file (the suite, its conftest, its expected outputs in CSV, JSON or any
    other text) and of the reference, and the hidden test and file names."""
    public = set().union(*(_lines(t) for t in _public_text(problem)))
    public_names: set[str] = set()
    for text in _public_text(problem):
        with PARSE_LOCK:
            public_names |= _test_names(text)
    secret_files = []
    if problem.hidden_tests_dir.is_dir():
        secret_files += [p for p in sorted(problem.hidden_tests_dir.rglob("*"))
                         if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    lines: set[str] = set()
    names: set[str] = set()
    descriptions: set[str] = set()
    public_files = {p.name for p in problem.public_tests_dir.rglob("*.py")} if problem.public_tests_dir.is_dir() \
        else set()
    for path in secret_files:
        source = _read(path)
        lines |= _lines(source)
        if path.suffix == ".py":
            with PARSE_LOCK:  # the server computes this in a request, beside its grader's parses
                descriptions |= _test_docstrings(source)
                names |= _test_names(source)
        if path.name not in public_files:
            names.add(path.name)
    if problem.reference_path.is_file():
        lines |= _lines(_read(problem.reference_path))
    return Secrets(frozenset(lines - public - descriptions), frozenset(names - public_names))
