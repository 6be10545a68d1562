"""Checks on the submission before anything runs: readable, small, compiles; and a static integrity scan.

The scan flags code that reaches for the test machinery instead of solving the problem. Flags are
warnings in the report; they never change the score (a person decides what they mean).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from judge.model.parsing import compile_source, parse

MAX_SOURCE_BYTES = 256 * 1024

SUSPICIOUS_MODULES = {
    "pytest": "imports pytest (the test framework)",
    "_pytest": "imports _pytest (pytest internals)",
    "pluggy": "imports pluggy (pytest's plugin system)",
    "conftest": "imports conftest",
    "judge_plugin": "imports the judge's plugin",
    "ctypes": "imports ctypes (raw memory access)",
    "gc": "imports gc (can reach any live object)",
    "signal": "imports signal (can disable the per-test timer)",
    "inspect": "imports inspect (can read the calling test's frame)",
    "builtins": "imports builtins (can replace built-in functions)",
    "posix": "imports posix (os internals, e.g. posix._exit)",
    "importlib": "imports importlib (can load modules by computed names)",
}
SUSPICIOUS_CALLS = {
    ("os", "_exit"): "calls os._exit",
    ("os", "kill"): "calls os.kill",
    ("os", "killpg"): "calls os.killpg",
    ("os", "fork"): "calls os.fork",
    ("os", "write"): "writes to raw file descriptors (os.write)",
    ("sys", "_getframe"): "calls sys._getframe (can read the calling test's frame)",
    ("sys", "settrace"): "calls sys.settrace",
    ("sys", "setprofile"): "calls sys.setprofile",
}
SUSPICIOUS_ATTRIBUTES = {
    "modules": ("sys", "touches sys.modules (can replace modules the tests use)"),
    "__builtins__": ("", "touches __builtins__"),
    "f_back": ("", "walks stack frames (f_back)"),
    "f_locals": ("", "reads stack frames' locals"),
    "f_globals": ("", "reads stack frames' globals"),
}
SUSPICIOUS_STRINGS = {
    "hidden_tests": "names the hidden tests folder",
    "conftest": "names conftest",
    "/scratch/tests": "reads the sandbox's tests folder",
    "JUDGE_RESULTS_FD": "names the judge's results channel",
    "JUDGE_NONCE": "names the judge's nonce",
    "/proc/self": "reads its own process's memory or descriptors (/proc/self)",
}


class SubmissionError(ValueError):
    """A submission that cannot be graded as given (not UTF-8, too large, empty)."""


@dataclass(frozen=True)
class SyntaxProblem:
    """Where a submission fails to compile."""

    line: int
    column: int
    message: str
    text: str

    def describe(self) -> str:
        pointer = f"\n    {self.text.rstrip()}\n    {' ' * max(self.column - 1, 0)}^" if self.text.strip() else ""
        return f"line {self.line}: {self.message}{pointer}"


def decode_source(raw: bytes) -> str:
    """The submission as text, or ``SubmissionError`` saying why it cannot be read."""
    if len(raw) > MAX_SOURCE_BYTES:
        raise SubmissionError(
            f"solution.py is {len(raw)} bytes; the limit is {MAX_SOURCE_BYTES} bytes. Keep data in the data files."
        )
    try:
        # utf-8-sig: a byte-order mark (some Windows editors write one) is dropped, as Python itself does.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1  # where an editor shows it; a byte offset means nothing there
        raise SubmissionError(f"solution.py is not UTF-8 text (line {line}, byte {exc.start}: "
                              f"0x{raw[exc.start]:02x}); save it as UTF-8") from exc


def check_syntax(source: str) -> SyntaxProblem | None:
    """Compile the source; None when it compiles. A leading byte-order mark is accepted, as Python does."""
    source = source.removeprefix("\ufeff")
    at = source.find("\0")
    if at >= 0:  # Python refuses it with no line number ("line 0"), and an editor shows nothing there
        return SyntaxProblem(source.count("\n", 0, at) + 1, at - source.rfind("\n", 0, at),
                             "a null byte (\\x00), which Python source cannot hold: remove it, or save the file "
                             "as plain text", "")
    try:
        compile_source(source, "solution.py")
    except SyntaxError as exc:
        return SyntaxProblem(exc.lineno or 0, exc.offset or 0, exc.msg, exc.text or "")
    except ValueError as exc:  # e.g. null bytes, on Pythons that raise this for them
        return SyntaxProblem(0, 0, str(exc), "")
    return None


def _dotted(node: ast.expr) -> tuple[str, str] | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    return None


# Builtins that run code made at run time; an import or an attribute built from strings is invisible to the
# rest of the scan. Flags only: with the grader in another process they cannot forge a verdict.
DYNAMIC_CODE = {
    "exec": "runs code built at run time (exec)",
    "eval": "evaluates code built at run time (eval)",
    "compile": "compiles code built at run time (compile)",
}


def _computed_import(node: ast.Call) -> bool:
    """``importlib.import_module(x)`` or ``import_module(x)`` where x is not a plain string literal."""
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module")
    return named and bool(node.args) and not (isinstance(node.args[0], ast.Constant)
                                                 and isinstance(node.args[0].value, str))


def _module_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
    return names


def _computed_getattr_on_module(node: ast.Call, tree: ast.AST) -> bool:
    """``getattr(module, name)`` where the module is one this file imports and the name is not a literal."""
    if not (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2):
        return False
    target, name = node.args[0], node.args[1]
    if isinstance(name, ast.Constant) and isinstance(name.value, str):
        return False
    return isinstance(target, ast.Name) and target.id in _module_names(tree)


def scan(source: str) -> list[str]:
    """Integrity flags, one line each with the line number; empty for ordinary code."""
    try:
        tree = parse(source)
    except SyntaxError:
        return []
    flags: dict[str, int] = {}

    def flag(text: str, node: ast.AST) -> None:
        flags.setdefault(text, getattr(node, "lineno", 0))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root in SUSPICIOUS_MODULES:
                    flag(SUSPICIOUS_MODULES[root], node)
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in SUSPICIOUS_MODULES:
                flag(SUSPICIOUS_MODULES[root], node)
            if root in ("os", "sys"):
                for alias in node.names:
                    if (root, alias.name) in SUSPICIOUS_CALLS:
                        flag(SUSPICIOUS_CALLS[(root, alias.name)], node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            flag("imports modules dynamically (__import__)", node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC_CODE:
            flag(DYNAMIC_CODE[node.func.id], node)
        elif isinstance(node, ast.Call) and _computed_import(node):
            flag("imports a module by a computed name (importlib.import_module)", node)
        elif isinstance(node, ast.Call) and _computed_getattr_on_module(node, tree):
            flag("reads a module attribute by a computed name (getattr)", node)
        elif isinstance(node, ast.Attribute):
            pair = _dotted(node)
            if pair in SUSPICIOUS_CALLS:
                flag(SUSPICIOUS_CALLS[pair], node)
            if node.attr in SUSPICIOUS_ATTRIBUTES:
                owner, text = SUSPICIOUS_ATTRIBUTES[node.attr]
                if not owner or (pair and pair[0] == owner):
                    flag(text, node)
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            flag("touches __builtins__", node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for needle, text in SUSPICIOUS_STRINGS.items():
                if needle in node.value:
                    flag(text, node)
    return [f"integrity: line {line}: {text}" for text, line in sorted(flags.items(), key=lambda kv: kv[1])]
