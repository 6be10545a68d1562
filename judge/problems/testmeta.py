"""Read a suite's test metadata (points, requirement, description) from the test files themselves.

The host reads this statically, with ``ast``, before anything runs. Points and descriptions in a report
therefore come from the judge's own copy of the tests, never from the sandbox, and the host knows which
tests must come back with a result.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from judge.model.parsing import parse


class TestMetaError(ValueError):
    """A test file whose metadata cannot be read; the message names the file and test."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class TestSpec:
    """One test function as declared: ``file::Class::name`` without parameters."""

    __test__ = False  # not a pytest test class

    key: str
    file: str
    name: str
    points: int
    requirement: str
    description: str
    parametrized: bool
    cases: int = 1  # how many cases pytest will make of it (from literal parametrize lists; 1 if unknown)


def _mark_name(node: ast.expr) -> tuple[str, list[ast.expr]] | None:
    """``pytest.mark.points(2)`` -> ("points", [2]); anything else -> None."""
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call else node
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute):
        inner = target.value
        if inner.attr == "mark" and isinstance(inner.value, ast.Name) and inner.value.id == "pytest":
            return target.attr, list(call.args) if call else []
    return None


def _literal(node: ast.expr, what: str, where: str) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError as exc:
        raise TestMetaError(f"{where}: {what} must be a literal") from exc


def _case_count(args: list[ast.expr], keywords: list[ast.keyword], names: dict[str, ast.expr]) -> int | None:
    """How many cases one ``parametrize`` makes, when its values are a literal (or a module-level literal)."""
    values = args[1] if len(args) > 1 else next((k.value for k in keywords if k.arg == "argvalues"), None)
    if isinstance(values, ast.Name):
        values = names.get(values.id)
    if isinstance(values, ast.List | ast.Tuple | ast.Set):
        return len(values.elts)
    return None


def _spec(func: ast.FunctionDef, file: str, prefix: str, defaults: dict[str, object],
          names: dict[str, ast.expr] | None = None) -> TestSpec:
    where = f"{file}::{prefix}{func.name}"
    found: dict[str, object] = dict(defaults)
    parametrized = False
    cases: int | None = 1
    for decorator in func.decorator_list:
        mark = _mark_name(decorator)
        if mark is None:
            continue
        name, args = mark
        if name == "parametrize":
            parametrized = True
            call = decorator if isinstance(decorator, ast.Call) else None
            count = _case_count(args, call.keywords if call else [], names or {})
            cases = cases * count if cases is not None and count is not None else None
        elif name in ("points", "requirement"):
            if len(args) != 1:
                raise TestMetaError(f"{where}: pytest.mark.{name} takes one argument")
            found[name] = _literal(args[0], name, where)
    points = found.get("points", 1)
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        raise TestMetaError(f"{where}: points must be a positive integer, got {points!r}")
    requirement = found.get("requirement", "")
    if not isinstance(requirement, str):
        raise TestMetaError(f"{where}: requirement must be a string like 'R3'")
    doc = ast.get_docstring(func) or ""
    description = doc.strip().splitlines()[0].strip() if doc.strip() else func.name.replace("_", " ")
    return TestSpec(
        key=f"{file}::{prefix}{func.name}",
        file=file,
        name=func.name,
        points=points,
        requirement=requirement,
        description=description,
        parametrized=parametrized,
        cases=max(1, cases or 1),
    )


def _class_defaults(cls: ast.ClassDef, where: str) -> dict[str, object]:
    defaults: dict[str, object] = {}
    for decorator in cls.decorator_list:
        mark = _mark_name(decorator)
        if mark and mark[0] in ("points", "requirement") and len(mark[1]) == 1:
            defaults[mark[0]] = _literal(mark[1][0], mark[0], where)
    return defaults


def read_file_specs(path: Path, relative: str) -> list[TestSpec]:
    """The test functions of one file, module level and in ``Test*`` classes."""
    try:
        tree = parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise TestMetaError(f"{relative}: syntax error on line {exc.lineno}: {exc.msg}") from exc
    specs: list[TestSpec] = []
    names: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = node.value
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            specs.append(_spec(node, relative, "", {}, names))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            defaults = _class_defaults(node, f"{relative}::{node.name}")
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    specs.append(_spec(item, relative, f"{node.name}::", defaults, names))
    return specs


def read_suite(folder: Path) -> list[TestSpec]:
    """Every test of a suite folder (``test_*.py`` and ``*_test.py``, recursively), in file order."""
    specs: list[TestSpec] = []
    files = sorted({*folder.rglob("test_*.py"), *folder.rglob("*_test.py")})
    for path in files:
        specs.extend(read_file_specs(path, path.relative_to(folder).as_posix()))
    return specs


def base_key(test_id: str) -> str:
    """``test_a.py::test_x[3-4]`` -> ``test_a.py::test_x``."""
    bracket = test_id.find("[")
    return test_id if bracket < 0 else test_id[:bracket]
