"""What a problem's files say once they sit in a candidate's workspace, and whether a solution is the starter.

A problem folder keeps its statement in ``statement.md`` and its data beside the starter in ``starter/``;
the workspace has the statement as ``README.md`` and every starter file at its root. These pure functions
rewrite the references so that what the candidate reads names files that exist, and recognise an
untouched starter (the same text, whatever the line endings, trailing spaces or byte-order mark).
"""

from __future__ import annotations

import ast
import re

from judge.model.parsing import parse
from judge.model.submission import SOLUTION
from judge.problems.catalog import Problem

STATEMENT_NAME = "README.md"


def _starter_names(problem: Problem) -> list[str]:
    if not problem.starter_dir.is_dir():
        return []
    return sorted(p.relative_to(problem.starter_dir).as_posix() for p in problem.starter_dir.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def for_workspace(text: str, problem: Problem) -> str:
    """``text`` with ``starter/NAME`` as ``NAME`` and ``statement.md`` as ``README.md``, as in the workspace."""
    for name in _starter_names(problem):
        text = re.sub(r"(?<![\w./-])(?:\./)?starter/" + re.escape(name) + r"(?![\w.-])", name, text)
    return re.sub(r"(?<![\w./-])statement\.md\b", STATEMENT_NAME, text)


def workspace_statement(problem: Problem) -> str:
    """The statement as the workspace's README.md holds it (before the attempt's header)."""
    return for_workspace(problem.statement(), problem)


def minutes_text(seconds: float) -> str:
    """A window as a statement says it: "1 minute", "10 minutes", "2.5 minutes"."""
    minutes = round(seconds / 60, 2)
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def with_window(text: str, budget_minutes: float, window_s: float) -> str:
    """A statement whose own budget ("In **20 minutes**", "**Budget: 15 minutes.**") is replaced by an
    interview's window, so the text the candidate reads never contradicts the clock. Only the bold budget
    the problem declares is rewritten; other durations in the text are left alone."""
    if round(window_s) == round(budget_minutes * 60):
        return text
    pattern = r"\*\*(Budget: )?" + re.escape(f"{budget_minutes:g}") + r" minutes(\.?)\*\*"
    return re.sub(pattern, lambda m: f"**{m.group(1) or ''}{minutes_text(window_s)}{m.group(2)}**", text)


def workspace_starter(problem: Problem) -> str:
    """The starter ``solution.py`` as the workspace holds it."""
    return for_workspace((problem.starter_dir / SOLUTION).read_text(encoding="utf-8"), problem)


def _normalised(source: str) -> str:
    lines = source.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def is_untouched_starter(source: str, problem: Problem) -> bool:
    """True when ``source`` is the problem's starter (as shipped or as the workspace has it), unchanged."""
    path = problem.starter_dir / SOLUTION
    if not path.is_file():
        return False
    shipped = path.read_text(encoding="utf-8", errors="replace")
    mine = _normalised(source)
    return mine in (_normalised(shipped), _normalised(for_workspace(shipped, problem)))


def _stub_functions(tree: object) -> dict[str, bool]:
    """Per top-level function (and method) name: whether its body, after the docstring, is only a stub
    (``raise NotImplementedError``, ``pass``, ``...``, a bare ``return`` or ``return None``)."""
    def stub(statement: ast.stmt) -> bool:
        if isinstance(statement, ast.Pass):
            return True
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            return statement.value.value is Ellipsis or isinstance(statement.value.value, str)
        if isinstance(statement, ast.Return):
            return statement.value is None or (isinstance(statement.value, ast.Constant)
                                               and statement.value.value is None)
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
        return False

    found: dict[str, bool] = {}
    for node in ast.walk(tree):  # type: ignore[arg-type]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = all(stub(s) for s in node.body)
    return found


def is_unfinished_starter(source: str, problem: Problem) -> bool:
    """True when every function the starter leaves to write (its body a stub) is still a stub in ``source``
    (or missing): the candidate has not written any of them, whatever else changed (a ``pass`` for a
    ``raise``, an import, a comment)."""
    path = problem.starter_dir / SOLUTION
    if not path.is_file():
        return False
    try:
        starter = _stub_functions(parse(path.read_text(encoding="utf-8", errors="replace")))
        mine = _stub_functions(parse(source.removeprefix("\ufeff")))
    except SyntaxError:
        return False
    todo = [name for name, is_stub in starter.items() if is_stub]
    return bool(todo) and all(mine.get(name, True) for name in todo)


def is_empty(source: str) -> bool:
    """True when ``source`` holds no code: nothing, blank lines, comments or a lone docstring."""
    try:
        tree = parse(source.removeprefix("\ufeff"))
    except SyntaxError:
        return False
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return not body
