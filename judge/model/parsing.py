"""Every parse and compile of Python source on the judge's side goes through here, under one lock.

CPython 3.11's AST constructor is not thread-safe: two threads parsing at once can fail with "SystemError: AST
constructor recursion depth mismatch" (seen under the executor's pool, in `judge problem validate`, and in the
server's requests beside its grader). The parses are milliseconds, so they simply take turns. The lock is
re-entrant: a caller holding it (to keep several parses together) may parse again.
"""

from __future__ import annotations

import ast
import threading
from types import CodeType

PARSE_LOCK = threading.RLock()


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source)``, taking turns with every other parse of the process."""
    with PARSE_LOCK:
        return ast.parse(source, filename=filename)


def compile_source(source: str | ast.Module, filename: str) -> CodeType:
    """``compile(source, filename, "exec", dont_inherit=True)``, taking turns like ``parse``."""
    with PARSE_LOCK:
        return compile(source, filename, "exec", dont_inherit=True)
