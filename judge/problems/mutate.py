"""A small AST mutator: plausible one-change variants ("mutants") of a reference solution. Pure, no I/O.

A mutant that the hidden suite still scores at 100% points at a behaviour no test pins down.
``mutants(source, n, seed)`` returns ``n`` of them, deterministic given the seed and spread over the
functions of the file (round robin over functions, and over operators within a function, with
``return-none``, the least informative, last).

Each change is spliced into the original text (only the changed expression or statement is rewritten,
so comments and layout elsewhere survive and the diff is the one line the author recognises). A
candidate is dropped when it does not compile or when ``ast.unparse`` shows it equal to the original.

The operators:

- ``arith``: a binary or augmented operator flipped (``+``/``-``, ``*``/``/``, ``&``/``|`` ...), a
  unary minus dropped.
- ``boolean``: ``and``/``or`` swapped.
- ``compare``: a comparison swapped (``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``in``/``not in``,
  ``is``/``is not``).
- ``constant``: a number nudged (ints by one, floats doubled and halved), a boolean flipped, or a
  string swapped for its usual confusion (``"first"``/``"last"``, ``"mean"``/``"median"`` ...).
- ``keyword``: the same nudges on a constant passed as a keyword argument (``ddof=1`` -> ``ddof=0``).
- ``negate``: a condition negated (``if``, ``while``, conditional expressions, comprehension
  filters), or a ``not``/``~`` removed.
- ``drop``: a statement inside a function replaced by ``pass``.
- ``return-none``: ``return X`` changed to ``return None``.

A mutant's id is a hash of the enclosing function's name and the diff's removed and added lines
(whitespace-trimmed, without line numbers), so it stays the same when unrelated lines of the file move.
"""

from __future__ import annotations

import ast
import copy
import difflib
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

from judge.model.parsing import compile_source, parse

OPERATORS = ("arith", "boolean", "compare", "constant", "keyword", "negate", "drop", "return-none")
MODULE = "<module>"

_BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitOr,
}
_CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
# Strings that name one of two easily confused choices in pandas / numpy / scikit-learn code.
_STRING_SWAP = {
    "first": "last", "last": "first",
    "mean": "median", "median": "mean",
    "min": "max", "max": "min",
    "sum": "mean",
    "std": "var", "var": "std",
    "size": "count", "count": "size",
    "left": "right", "right": "left",
    "inner": "outer", "outer": "inner",
    "any": "all", "all": "any",
    "macro": "micro", "micro": "macro",
    "pearson": "spearman", "spearman": "pearson",
    "index": "columns", "columns": "index",
}


@dataclass(frozen=True)
class Mutant:
    """One changed copy of the source, with the diff a person reads and a stable id."""

    id: str
    operator: str
    function: str
    line: int
    description: str
    source: str
    diff: str


@dataclass(frozen=True)
class _Edit:
    """A candidate change: replace the source text of ``node`` with ``text``."""

    node: ast.AST
    text: str
    operator: str
    function: str
    description: str
    statement: bool = False  # ``text`` replaces a whole statement (never parenthesised)


class _Finder(ast.NodeVisitor):
    """Walks a module and proposes edits, knowing the enclosing function of each node."""

    def __init__(self) -> None:
        self.edits: list[_Edit] = []
        self.scope: list[tuple[str, bool]] = []  # (name, is a function)

    @property
    def function(self) -> str:
        return ".".join(name for name, _ in self.scope) or MODULE

    def _in_function(self) -> bool:
        return bool(self.scope) and self.scope[-1][1]

    def add(self, node: ast.AST, replacement: ast.AST | str, operator: str, description: str,
            statement: bool = False) -> None:
        text = replacement if isinstance(replacement, str) else ast.unparse(replacement)
        self.edits.append(_Edit(node, text, operator, self.function, description, statement))

    # -- scopes and what is never mutated ------------------------------------------------------------

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.scope.append((node.name, not isinstance(node, ast.ClassDef)))
        if not isinstance(node, ast.ClassDef):
            self.visit(node.args)  # default values belong to the function; annotations are skipped
        self._visit_body(node.body)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_Module(self, node: ast.Module) -> None:
        self._visit_body(node.body)

    def visit_arg(self, node: ast.arg) -> None:
        return  # annotations only

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self._maybe_drop(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # f-string parts have unreliable positions before Python 3.12

    def visit_Import(self, node: ast.Import) -> None:
        return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def _visit_body(self, body: list[ast.stmt]) -> None:
        for index, stmt in enumerate(body):
            if index == 0 and _is_docstring(stmt):
                continue
            self.visit(stmt)

    def visit_If(self, node: ast.If) -> None:
        if _is_main_guard(node.test) or (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            return  # never runs under the tests
        self._negate(node.test)
        self.visit(node.test)
        self._visit_body(node.body)
        self._visit_body(node.orelse)
        self._maybe_drop(node)

    def visit_While(self, node: ast.While) -> None:
        self._negate(node.test)
        self.generic_visit(node)
        self._maybe_drop(node)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._negate(node.test)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        for condition in node.ifs:
            self._negate(condition)
        self.generic_visit(node)

    def _negate(self, test: ast.expr) -> None:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return  # removing the `not` is proposed by visit_UnaryOp
        self.add(test, ast.UnaryOp(ast.Not(), copy.deepcopy(test)), "negate",
                 f"condition negated: not ({_short(test)})")

    # -- statements ----------------------------------------------------------------------------------

    def generic_visit(self, node: ast.AST) -> None:
        super().generic_visit(node)
        if isinstance(node, ast.stmt):
            self._maybe_drop(node)

    def _maybe_drop(self, node: ast.stmt) -> None:
        skip = (ast.Return, ast.Pass, ast.Global, ast.Nonlocal, ast.FunctionDef, ast.AsyncFunctionDef,
                ast.ClassDef, ast.Import, ast.ImportFrom)
        if not self._in_function() or isinstance(node, skip):
            return
        first = ast.unparse(node).splitlines()[0]
        self.add(node, "pass", "drop", f"statement dropped: {_clip(first)}", statement=True)

    def visit_Return(self, node: ast.Return) -> None:
        self.generic_visit(node)
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self.add(node.value, "None", "return-none", f"return {_short(node.value)} -> return None")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.generic_visit(node)
        swap = _BINOP_SWAP.get(type(node.op))
        if swap is not None:
            new = copy.deepcopy(node)
            new.op = swap()
            self.add(node, new, "arith", f"{_op(node.op)}= -> {_op(new.op)}=", statement=True)

    # -- expressions ---------------------------------------------------------------------------------

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.generic_visit(node)
        swap = _BINOP_SWAP.get(type(node.op))
        if swap is not None:
            new = copy.deepcopy(node)
            new.op = swap()
            self.add(node, new, "arith", f"{_op(node.op)} -> {_op(new.op)} in {_short(node)}")

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.generic_visit(node)
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        before, after = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        self.add(node, new, "boolean", f"{before} -> {after} in {_short(node)}")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not | ast.Invert):
            self.add(node, copy.deepcopy(node.operand), "negate",
                     f"{_op(node.op)} removed from {_short(node)}")
        elif isinstance(node.op, ast.USub) and not isinstance(node.operand, ast.Constant):
            self.add(node, copy.deepcopy(node.operand), "arith", f"unary - removed from {_short(node)}")

    def visit_Compare(self, node: ast.Compare) -> None:
        self.generic_visit(node)
        for index, op in enumerate(node.ops):
            swap = _CMP_SWAP.get(type(op))
            if swap is None:
                continue
            new = copy.deepcopy(node)
            new.ops[index] = swap()
            self.add(node, new, "compare", f"{_op(op)} -> {_op(new.ops[index])} in {_short(node)}")

    def visit_keyword(self, node: ast.keyword) -> None:
        if isinstance(node.value, ast.Constant) and node.arg is not None:
            for value in _nudges(node.value.value):
                self.add(node.value, ast.Constant(value), "keyword",
                         f"{node.arg}={node.value.value!r} -> {node.arg}={value!r}")
            return
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        for value in _nudges(node.value):
            self.add(node, ast.Constant(value), "constant", f"constant {node.value!r} -> {value!r}")


Value = str | bool | int | float


def _nudges(value: object) -> list[Value]:
    """The nearby values a constant is mutated to."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1] if value == 0 else [value + 1, value - 1]
    if isinstance(value, float):
        return [1.0] if value == 0 else [value * 2, value / 2]
    if isinstance(value, str) and value in _STRING_SWAP:
        return [_STRING_SWAP[value]]
    return []


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


_OP_TEXT: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
    ast.Not: "not", ast.Invert: "~",
}


def _op(op: ast.AST) -> str:
    return _OP_TEXT.get(type(op), type(op).__name__)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _short(node: ast.AST) -> str:
    return _clip(ast.unparse(node).replace("\n", " "))


# -- turning edits into checked mutants ----------------------------------------------------------------

def _splice(lines: list[bytes], node: ast.AST, text: str) -> str:
    """The source with ``node``'s text (positions are UTF-8 byte offsets) replaced by ``text``."""
    start, end = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
    head = lines[start][: node.col_offset]  # type: ignore[attr-defined]
    tail = lines[end][node.end_col_offset:]  # type: ignore[attr-defined]
    new = [*lines[:start], head + text.encode("utf-8") + tail, *lines[end + 1:]]
    return b"".join(new).decode("utf-8")


def _position(edit: _Edit) -> tuple[int, int, int]:
    node = edit.node
    return node.lineno, node.col_offset, OPERATORS.index(edit.operator)  # type: ignore[attr-defined]


def _parses_to(source: str) -> str | None:
    """The normalised form of ``source`` (``ast.unparse`` of its tree), or None when it does not compile."""
    try:
        tree = parse(source)
        compile_source(tree, "<mutant>")
    except (SyntaxError, ValueError):
        return None
    return ast.unparse(tree)


def _same_quotes(lines: list[bytes], edit: _Edit) -> str:
    """A swapped string keeps the original's double quotes (``ast.unparse`` writes single ones)."""
    node = edit.node
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return edit.text
    first = lines[node.lineno - 1][node.col_offset:node.col_offset + 1]  # type: ignore[attr-defined]
    inner = edit.text[1:-1]
    if first == b'"' and edit.text.startswith("'") and not any(c in inner for c in "\"'\\"):
        return f'"{inner}"'
    return edit.text


def _apply(lines: list[bytes], edit: _Edit) -> str | None:
    """The mutated source: the replacement bare if that parses the same as parenthesised, else in parens."""
    edit = replace(edit, text=_same_quotes(lines, edit))
    if edit.statement:
        return _splice(lines, edit.node, edit.text)
    bare = _splice(lines, edit.node, edit.text)
    wrapped = _splice(lines, edit.node, f"({edit.text})")
    meaning = _parses_to(wrapped)
    if meaning is None:
        return None
    return bare if _parses_to(bare) == meaning else wrapped


def _diff(original: str, mutated: str, label: str, mutant_label: str) -> str:
    return "".join(difflib.unified_diff(original.splitlines(keepends=True), mutated.splitlines(keepends=True),
                                        fromfile=label, tofile=mutant_label, n=1))


def mutant_id(function: str, diff: str) -> str:
    """A stable id: the function and the changed lines, without line numbers or indentation."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    removed = [line[1:].strip() for line in lines if line.startswith("-")]
    added = [line[1:].strip() for line in lines if line.startswith("+")]
    key = "\0".join([function, "\n".join(removed), "\n".join(added)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def all_mutants(source: str, label: str = "reference/solution.py") -> list[Mutant]:
    """Every valid mutant of ``source``, in source order. ``SyntaxError`` if ``source`` does not parse."""
    tree = parse(source)
    original = ast.unparse(tree)
    finder = _Finder()
    finder.visit(tree)
    lines = source.encode("utf-8").splitlines(keepends=True)
    seen: set[str] = {original}
    ids: dict[str, int] = {}
    found: list[Mutant] = []
    edits = sorted(finder.edits, key=_position)
    for edit in edits:
        mutated = _apply(lines, edit)
        normalised = None if mutated is None else _parses_to(mutated)
        if mutated is None or normalised is None or normalised in seen:
            continue  # does not compile, or the same program as the original or an earlier mutant
        seen.add(normalised)
        diff = _diff(source, mutated, label, "mutant")
        base = mutant_id(edit.function, diff)
        ids[base] = ids.get(base, 0) + 1
        mid = base if ids[base] == 1 else f"{base}-{ids[base]}"
        found.append(Mutant(mid, edit.operator, edit.function, edit.node.lineno,  # type: ignore[attr-defined]
                            edit.description, mutated, diff.replace("+++ mutant", f"+++ mutant {mid}", 1)))
    return found


def _round_robin(groups: list[list[Mutant]]) -> Iterator[Mutant]:
    queues = [list(g) for g in groups if g]
    while queues:
        for queue in queues:
            yield queue.pop(0)
        queues = [q for q in queues if q]


def select(candidates: list[Mutant], n: int, seed: int = 0) -> list[Mutant]:
    """``n`` mutants spread over functions and, within one, over operators; deterministic in ``seed``."""
    if n <= 0:
        return []
    rng = random.Random(seed)
    functions: dict[str, dict[str, list[Mutant]]] = {}
    for m in candidates:
        functions.setdefault(m.function, {}).setdefault(m.operator, []).append(m)
    per_function: list[list[Mutant]] = []
    for by_operator in functions.values():
        operators = sorted(by_operator)
        rng.shuffle(operators)
        # `return None` is killed by any test that calls the function: the least informative, so last.
        operators.sort(key=lambda op: op == "return-none")
        groups = []
        for op in operators:
            group = list(by_operator[op])
            rng.shuffle(group)
            groups.append(group)
        per_function.append(list(_round_robin(groups)))
    chosen: list[Mutant] = []
    for m in _round_robin(per_function):
        if len(chosen) == n:
            break
        chosen.append(m)
    return sorted(chosen, key=lambda m: (m.line, m.id))


def mutants(source: str, n: int, seed: int = 0, label: str = "reference/solution.py") -> list[Mutant]:
    """``n`` valid mutants of ``source`` (fewer if the file has fewer), spread across its functions."""
    return select(all_mutants(source, label), n, seed)
