"""`judge problem new`: a problem folder that already loads and validates, for an author to fill in."""

from __future__ import annotations

import shutil
from pathlib import Path

from judge.paths import builtin_problems_dir
from judge.problems.catalog import SLUG

FILES: dict[str, str] = {
    "problem.toml": '''slug = "{slug}"
title = "{title}"
budget_minutes = 20
difficulty = "medium"
summary = "One sentence shown by `judge list`."
skills = ["python"]

[limits]
memory = "2g"
timeout_s = 120
test_timeout_s = 30
''',
    "statement.md": '''# {title}

Describe the task as an interviewer would, then list every requirement. If a hidden test checks it,
a requirement says it.

- **R1** `solve(values)` returns the sum of `values` (a list of integers); an empty list gives `0`.

## Example

```python
>>> solve([1, 2, 3])
6
```
''',
    "starter/solution.py": '''"""{title}."""


def solve(values: list[int]) -> int:
    """Return the sum of values (0 for an empty list)."""
    raise NotImplementedError
''',
    "reference/solution.py": '''"""{title}: reference solution."""


def solve(values: list[int]) -> int:
    """Return the sum of values (0 for an empty list)."""
    return sum(values)
''',
    "public_tests/test_public.py": '''def test_example(candidate):
    """The statement's example."""
    assert candidate.solve([1, 2, 3]) == 6
''',
    "public_tests/conftest.py": '''import sys

if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)
''',
    "hidden_tests/test_solve.py": '''"""The graded suite. Tests reach the submission through `candidate`,
never `import solution`: the submission runs in another process (docs/authoring.md)."""

import pytest


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_sums_values(candidate):
    """solve adds up the values."""
    assert candidate.solve([4, 5, -1]) == 8


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_empty_list_is_zero(candidate):
    """An empty list gives 0."""
    assert candidate.solve([]) == 0
''',
    "requirements.toml": '''# A short title and 2-3 hints per requirement, nudge to near-answer (docs/authoring.md).

[R1]
title = "Sum of a list"
hints = [
  "Which built-in adds up the items of a list?",
  "sum(values) does it, and gives 0 for an empty list.",
]
''',
    "mistakes.toml": '''# One table per file in known_mistakes/ (table name = file stem): a title and an explanation for
# the candidate (what the mistake is, why it is wrong, what to check).
''',
    "editorial.md": '''# Editorial: {title}

## Approach

How a strong candidate solves it, step by step.

## Pitfalls

- A common mistake, naming its known mistake file in backticks.

## What an interviewer looks for

- What separates a strong answer from a passing one.

## Follow-up questions

### A first question an interviewer would ask next?

A short model answer.

### A second question?

A short model answer.

### A third question?

A short model answer.
''',
    "hidden_tests/conftest.py": '''import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The problem's data files (the judge sets JUDGE_DATA_DIR; by hand, the starter folder)."""
    env = os.environ.get("JUDGE_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "starter"
''',
}


class ScaffoldError(ValueError):
    """The folder cannot be created; the message says why."""


def scaffold(slug: str, parent: Path) -> Path:
    """Create ``parent/slug`` with a small, valid example problem."""
    if not SLUG.match(slug):
        raise ScaffoldError(f"slug {slug!r} must be lowercase letters, digits and dashes (e.g. my-problem)")
    if (builtin_problems_dir() / slug / "problem.toml").is_file():
        raise ScaffoldError(f"{slug!r} is a built-in problem; choose another slug (a custom problem may not "
                            "replace a built-in one)")
    root = parent / slug
    if root.exists():
        raise ScaffoldError(f"{root} already exists; choose another slug or --dir")
    title = slug.replace("-", " ").capitalize()
    try:
        for name, text in FILES.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.format(slug=slug, title=title))
    except OSError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise ScaffoldError(f"cannot create {root}: {exc.strerror}") from exc
    return root
