"""judge/integrity.py: reading the submission, syntax errors with their line, and the static scan's flags."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from judge.grading.integrity import (
    MAX_SOURCE_BYTES,
    SubmissionError,
    SyntaxProblem,
    check_syntax,
    decode_source,
    scan,
)
from judge.services.validate import FAIL, PASS

FIXTURES = Path(__file__).parent / "fixtures"
ADVERSARIAL = FIXTURES / "adversarial"


# -- reading ---------------------------------------------------------------------------------------------

def test_utf8_source_is_decoded() -> None:
    assert decode_source("name = 'Zoë'\n".encode()) == "name = 'Zoë'\n"


def test_a_source_over_the_size_cap_is_refused_with_the_limit() -> None:
    with pytest.raises(SubmissionError, match=f"the limit is {MAX_SOURCE_BYTES} bytes"):
        decode_source(b"#" * (MAX_SOURCE_BYTES + 1))


def test_a_source_at_the_size_cap_is_accepted() -> None:
    assert len(decode_source(b"#" * MAX_SOURCE_BYTES)) == MAX_SOURCE_BYTES


def test_a_non_utf8_source_names_the_line_the_byte_and_the_fix() -> None:
    with pytest.raises(SubmissionError, match=r"not UTF-8 text \(line 1, byte 4: 0xff\); save it as UTF-8"):
        decode_source(b"x = \xff\n")
    with pytest.raises(SubmissionError, match=r"\(line 3, byte 23: 0xe9\)"):  # a Latin-1 comment
        decode_source(b"import os\n\nx = 1  # caf\xe9\n")


# -- syntax ----------------------------------------------------------------------------------------------

def test_code_that_compiles_has_no_problem() -> None:
    assert check_syntax((FIXTURES / "problems" / "tiny-add" / "reference" / "solution.py").read_text()) is None


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("x = 1\ndef add(a, b)\n    return a + b\n", 2, "expected ':'"),
        ("if True:\nreturn 1\n", 2, "expected an indented block"),
        ("x = (1,\n", 1, "never closed"),
        ("def f():\n    return 1\n  y = 2\n", 3, "unindent"),
    ],
)
def test_a_syntax_error_gives_its_line_and_message(source: str, line: int, words: str) -> None:
    problem = check_syntax(source)
    assert problem is not None
    assert problem.line == line
    assert words in problem.message


def test_the_fixture_syntax_error_is_on_line_4() -> None:
    problem = check_syntax((ADVERSARIAL / "syntax_error.py").read_text())
    assert problem is not None and problem.line == 4


def test_describe_points_at_the_column() -> None:
    text = SyntaxProblem(line=2, column=5, message="invalid syntax", text="def f(:\n").describe()
    assert text.splitlines() == ["line 2: invalid syntax", "    def f(:", "        ^"]


def test_describe_without_source_text_is_one_line() -> None:
    assert SyntaxProblem(0, 0, "source code string cannot contain null bytes", "").describe() == (
        "line 0: source code string cannot contain null bytes")


def test_null_bytes_are_a_syntax_problem_not_a_crash() -> None:
    problem = check_syntax("x = 1\x00\n")
    assert problem is not None and "a null byte" in problem.message


def test_a_null_byte_is_placed_on_its_line() -> None:
    problem = check_syntax("import os\n\nx = 1  \x00\n")
    assert problem is not None and problem.describe().startswith("line 3: a null byte (\\x00)")
    assert problem.column == 8


# -- the integrity scan ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("source", "flag"),
    [
        ("import pytest", "imports pytest"),
        ("import _pytest.python", "imports _pytest"),
        ("from _pytest import runner", "imports _pytest"),
        ("import pluggy", "imports pluggy"),
        ("import conftest", "imports conftest"),
        ("from judge_plugin import _send", "imports the judge's plugin"),
        ("import ctypes", "imports ctypes"),
        ("import gc", "imports gc"),
        ("import signal", "imports signal"),
        ("import inspect", "imports inspect"),
        ("import builtins", "imports builtins"),
        ("import os\nos._exit(0)", "calls os._exit"),
        ("from os import _exit", "calls os._exit"),
        ("import os\nos.kill(1, 9)", "calls os.kill"),
        ("import os\nos.killpg(0, 9)", "calls os.killpg"),
        ("import os\nos.fork()", "calls os.fork"),
        ("import os\nos.write(3, b'x')", "os.write"),
        ("import sys\nsys._getframe(1)", "calls sys._getframe"),
        ("from sys import settrace", "calls sys.settrace"),
        ("import sys\nsys.setprofile(None)", "calls sys.setprofile"),
        ("import sys\nm = sys.modules", "touches sys.modules"),
        ("x = __builtins__", "touches __builtins__"),
        ("def f(frame):\n    return frame.f_back", "walks stack frames"),
        ("def f(frame):\n    return frame.f_locals", "reads stack frames' locals"),
        ("def f(frame):\n    return frame.f_globals", "reads stack frames' globals"),
        ("m = __import__('os')", "imports modules dynamically"),
        ("p = '../hidden_tests/test_a.py'", "names the hidden tests folder"),
        ("p = 'conftest.py'", "names conftest"),
        ("p = '/scratch/tests/test_a.py'", "reads the sandbox's tests folder"),
        ("k = 'JUDGE_RESULTS_FD'", "names the judge's results channel"),
        ("k = 'JUDGE_NONCE'", "names the judge's nonce"),
        ("import importlib\nm = importlib.import_module('judge_' + 'plugin')", "imports importlib"),
        ("import posix\nposix._exit(0)", "imports posix"),
        ("f = open('/proc/self/mem', 'rb')", "/proc/self"),
    ],
)
def test_reaching_for_the_test_machinery_is_flagged(source: str, flag: str) -> None:
    flags = scan(source)
    assert any(flag in f for f in flags), flags
    assert all(f.startswith("integrity: line ") for f in flags)


@pytest.mark.parametrize(
    "source",
    [
        "import os\nimport sys\nimport math\nprint(os.path.join('a', 'b'), sys.argv, math.pi)",
        "import numpy as np\nfrom collections import Counter",
        "class Config:\n    modules = ['a']\nc = Config()\nc.modules.append('b')",  # not sys.modules
        "import os\nos.makedirs('out', exist_ok=True)",
        "text = 'the tests folder'",
    ],
)
def test_ordinary_code_is_not_flagged(source: str) -> None:
    assert scan(source) == []


def test_flags_carry_the_first_line_and_come_in_line_order() -> None:
    source = "import math\nimport ctypes\nimport pytest\nimport ctypes as c2\n"
    assert scan(source) == [
        "integrity: line 2: imports ctypes (raw memory access)",
        "integrity: line 3: imports pytest (the test framework)",
    ]


def test_source_that_does_not_parse_has_no_flags() -> None:
    assert scan("import pytest\ndef f(:\n") == []


def test_the_reference_solution_has_no_flags() -> None:
    assert scan((FIXTURES / "problems" / "tiny-add" / "reference" / "solution.py").read_text()) == []


@pytest.mark.parametrize(
    ("fixture", "flag"),
    [
        ("patch_pytest.py", "imports _pytest"),
        ("patch_pytest_spare_canary.py", "imports _pytest"),
        ("os_exit_at_import.py", "calls os._exit"),
        ("kill_process_group.py", "calls os.killpg"),
        ("forge_results.py", "names the judge's nonce"),
        ("forge_and_die.py", "writes to raw file descriptors"),
        ("fork_bomb.py", "calls os.fork"),
    ],
)
def test_adversarial_fixtures_that_reach_for_the_machinery_are_flagged(fixture: str, flag: str) -> None:
    assert any(flag in f for f in scan((ADVERSARIAL / fixture).read_text()))


@pytest.mark.parametrize(("source", "words"), [
    ('exec("imp" + "ort judge_" + "plugin as p", {})\n', "runs code built at run time (exec)"),
    ("x = eval(text)\n", "evaluates code built at run time (eval)"),
    ('code = compile(text, "<s>", "exec")\n', "compiles code built at run time (compile)"),
    ("import importlib\nm = importlib.import_module(name)\n", "imports a module by a computed name"),
    ("from importlib import import_module\nm = import_module('judge_' + 'plugin')\n",
     "imports a module by a computed name"),
    ("import os\nf = getattr(os, 'sys' + 'tem')\n", "reads a module attribute by a computed name"),
])
def test_code_built_at_run_time_is_flagged(source: str, words: str) -> None:
    assert any(words in flag for flag in scan(source)), scan(source)


@pytest.mark.parametrize("source", [
    "import pandas as pd\nframe = getattr(pd, 'DataFrame')\n",  # a literal name: nothing hidden
    "value = getattr(model, name)\n",  # not a module
    "from importlib import import_module\nm = import_module('json')\n",
])
def test_ordinary_dynamic_code_is_not_flagged(source: str) -> None:
    assert not [f for f in scan(source) if "a computed name" in f or "run time" in f], scan(source)


def test_a_suite_that_imports_the_submission_fails_validation(tmp_path: Path) -> None:
    from judge.problems.catalog import load_problem
    from judge.services.validate import check_isolation

    root = tmp_path / "tiny-add"
    shutil.copytree(Path(__file__).parent / "fixtures" / "problems" / "tiny-add", root)
    assert check_isolation(load_problem(root)).status == PASS
    test = root / "hidden_tests" / "test_add.py"
    test.write_text("from solution import add\n" + test.read_text())
    check = check_isolation(load_problem(root))
    assert check.status == FAIL
    assert "hidden_tests/test_add.py:1" in check.details[0]
