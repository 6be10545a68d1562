"""Failure messages as a candidate should read them: pytest's and Python's noise out, their own line first.

Pure text in, text out, applied once where a run's results are interpreted, so every format (terminal,
JSON, HTML, Markdown, JUnit) carries the same clean message. What goes: advice the candidate cannot
follow (``Use -v to get more diff``: they do not run pytest, the judge does), pytest's hint about test
module names, the caret lines under a traceback's code, sandbox paths (``/scratch/submission/solution.py``
is ``solution.py`` to them), repeated and blank lines, and a comparison line full of escaped newlines when a
line-by-line diff of the same strings follows it.
"""

from __future__ import annotations

import re

_NOISE = (
    re.compile(r"^\s*Use -v+ to get (more|the full) diff\.?\s*$"),
    re.compile(r"^\s*Hint: make sure your test modules/packages have valid Python names\.?\s*$"),
    re.compile(r"^\s*ImportError while importing test module .*$"),
    re.compile(r"^\s*Traceback:\s*$"),
    re.compile(r"^\s*[~^]+\s*$"),  # Python's carets under the failing expression
)
_ADVICE = re.compile(r",? use -v+ to show\b")
_TRUNCATED = re.compile(r"^\s*\.\.\.Full output truncated(?: \((\d+) lines? hidden\))?, use '-v+' to show\s*$")
_PATHS = ((re.compile(r"(?:/scratch|\.\.)/submission/solution\.py"), "solution.py"),
          (re.compile(r"(?:/scratch/|\.\./)tests/"), "tests/"),
          (re.compile(r"/work/solution\.py"), "solution.py"))
_ESCAPED_STRING_ASSERT = re.compile(r"^(AssertionError: )?assert '.*\\n.*' == '.*'$")
_DIFF_LINE = re.compile(r"^\s*[-+?] ")
_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from 'solution'")
_INTERNAL_FRAME = re.compile(r"^\s*(/usr/lib/python3[\d.]*/importlib/|/opt/venv/lib/)\S*: in ")


def clean(message: str) -> str:
    """``message`` without pytest's advice and noise, with sandbox paths as the candidate knows them."""
    for pattern, name in _PATHS:
        message = pattern.sub(name, message)
    lines = message.replace("\r\n", "\n").split("\n")
    has_diff = any(_DIFF_LINE.match(line) for line in lines)
    out: list[str] = []
    skip_next = False
    for line in lines:
        if skip_next:  # the code line under an importlib frame
            skip_next = False
            continue
        if _INTERNAL_FRAME.match(line):
            skip_next = True
            continue
        if any(p.match(line) for p in _NOISE):
            continue
        truncated = _TRUNCATED.match(line)
        if truncated:
            hidden = truncated.group(1)
            line = f"... ({hidden} more lines)" if hidden else "..."
        line = _ADVICE.sub("", line)
        if has_diff and _ESCAPED_STRING_ASSERT.match(line.strip()):
            line = "AssertionError: the strings differ, line by line (-: missing on the left, +: extra on the left):"
        if out and line.strip() and line == out[-1]:
            continue  # the same exception line twice (a chained exception's two tracebacks)
        if not line.strip():
            continue  # pytest's spacer lines cost a row each in a report and say nothing
        out.append(line.rstrip())
    return "\n".join(out).strip("\n")


def missing_name(message: str) -> str:
    """The name the tests import from solution that it does not define, or ""."""
    found = _CANNOT_IMPORT.search(message)
    return found.group(1) if found else ""


def traceback_summary(text: str) -> str:
    """A Python traceback as two lines: the candidate's own (innermost solution.py) line, then the error."""
    cleaned = clean(text)
    lines = [line for line in cleaned.splitlines() if line.strip()]
    error = next((line.strip() for line in reversed(lines) if re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt"
                                                                        r"|Warning)\b|^\w+:", line.strip())), "")
    own = ""
    for i, line in enumerate(lines):
        found = re.match(r'^\s*File "solution\.py", line (\d+), in (.+)$', line)
        if found:
            code = lines[i + 1].strip() if i + 1 < len(lines) and not lines[i + 1].lstrip().startswith("File ") \
                else ""
            own = f"solution.py, line {found.group(1)}, in {found.group(2)}" + (f": {code}" if code else "")
    return "\n".join(part for part in (own, error) if part) or cleaned
