"""Every parse on the judge's side takes turns (CPython 3.11's AST constructor is not thread-safe)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from judge.model.parsing import PARSE_LOCK, compile_source, parse

JUDGE = Path(__file__).resolve().parents[1] / "judge"


def test_parse_and_compile_wait_while_another_thread_holds_the_lock() -> None:
    done: list[str] = []

    def work() -> None:
        parse("x = 1")
        compile_source("y = 2", "<test>")
        done.append("parsed")

    with PARSE_LOCK:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join(0.3)
        assert done == []  # still waiting for the lock
    worker.join(5)
    assert done == ["parsed"]


def test_a_holder_of_the_lock_may_parse_again() -> None:
    with PARSE_LOCK:
        assert parse("z = 3").body


def test_no_module_parses_or_compiles_python_around_the_lock() -> None:
    direct = re.compile(r"\bast\.parse\(|(?<![\w.])compile\(")
    offenders = [f"{path.relative_to(JUDGE)}:{n}" for path in sorted(JUDGE.rglob("*.py"))
                 if path.name != "parsing.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if direct.search(line) and not line.lstrip().startswith("#") and '"""' not in line
                 and "``" not in line]
    assert offenders == []
