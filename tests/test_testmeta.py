"""Static reading of test metadata: points, requirement, description, parametrisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.problems.testmeta import TestMetaError, base_key, read_suite

SUITE = '''
import pytest

@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_one():
    """Checks the first thing.

    More words that are not the description.
    """

def test_defaults():
    pass

@pytest.mark.requirement("R1")
class TestGroup:
    @pytest.mark.points(2)
    @pytest.mark.parametrize("x", [1, 2])
    def test_member(self, x):
        """Member test."""

def helper():
    pass
'''


def test_reads_points_requirements_and_docstrings(tmp_path: Path) -> None:
    (tmp_path / "test_a.py").write_text(SUITE)
    specs = {s.key: s for s in read_suite(tmp_path)}
    assert set(specs) == {"test_a.py::test_one", "test_a.py::test_defaults", "test_a.py::TestGroup::test_member"}
    one = specs["test_a.py::test_one"]
    assert (one.points, one.requirement, one.description) == (3, "R2", "Checks the first thing.")
    assert specs["test_a.py::test_defaults"].points == 1
    member = specs["test_a.py::TestGroup::test_member"]
    assert (member.points, member.requirement, member.parametrized) == (2, "R1", True)


@pytest.mark.parametrize("mark", ["@pytest.mark.points(0)", "@pytest.mark.points('2')", "@pytest.mark.points(N)"])
def test_bad_points_are_errors(tmp_path: Path, mark: str) -> None:
    (tmp_path / "test_b.py").write_text(f"import pytest\n\n{mark}\ndef test_x():\n    pass\n")
    with pytest.raises(TestMetaError, match=r"test_b\.py::test_x"):
        read_suite(tmp_path)


def test_base_key_strips_parameters() -> None:
    assert base_key("t.py::test_x[1-2]") == "t.py::test_x"
    assert base_key("t.py::C::test_y") == "t.py::C::test_y"


def test_literal_parametrize_cases_are_counted(tmp_path: Path) -> None:
    (tmp_path / "test_c.py").write_text(
        "import pytest\n\nCASES = [(1, 2), (3, 4), (5, 6)]\n\n"
        "@pytest.mark.parametrize('a,b', CASES)\n@pytest.mark.parametrize('c', [0, 1])\ndef test_grid(a, b, c):\n"
        "    pass\n\n@pytest.mark.parametrize('x', range(3))\ndef test_opaque(x):\n    pass\n"
    )
    specs = {s.name: s for s in read_suite(tmp_path)}
    assert specs["test_grid"].cases == 6
    assert specs["test_opaque"].cases == 1  # not a literal: unknown, counted once


def test_a_run_that_never_reached_a_parametrized_test_keeps_the_maximum(tmp_path: Path) -> None:
    from judge.grading.interpret import not_run

    (tmp_path / "test_d.py").write_text(
        "import pytest\n\n@pytest.mark.points(2)\n@pytest.mark.parametrize('x', [1, 2, 3])\ndef test_x(x):\n    pass\n"
    )
    (row,) = not_run(read_suite(tmp_path), "not run")
    assert row.points == 6
