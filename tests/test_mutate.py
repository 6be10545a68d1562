"""The mutator: each operator yields code that compiles and differs; the choice is seeded; ids are stable."""

from __future__ import annotations

import ast

import pytest

from judge.problems.mutate import OPERATORS, Mutant, all_mutants, mutant_id, mutants, select

SOURCE = '''"""Module docstring."""
import math

SCALE = 2


def stats(values: list[float], ddof: int = 1) -> float:
    """Docstring."""
    if not values:
        return 0.0
    total = float()
    for v in values:
        total += v * SCALE
    ok = len(values) > ddof and total >= 0
    return total / (len(values) - ddof) if ok else math.nan


def pick(frame, how="first"):
    return frame.drop_duplicates(keep=how, ignore_index=True), ~frame.mask, frame.std(ddof=1)


class Box:
    def has(self, item, items):
        return item in items or item is None


if __name__ == "__main__":
    print(stats([1.0, 2.0]))
'''


@pytest.fixture(scope="module")
def found() -> list[Mutant]:
    return all_mutants(SOURCE)


def by_description(found: list[Mutant], text: str) -> Mutant:
    matches = [m for m in found if m.description == text]
    assert len(matches) == 1, f"{text!r}: {[m.description for m in found]}"
    return matches[0]


def test_every_operator_produces_compiling_code_that_differs(found: list[Mutant]) -> None:
    assert {m.operator for m in found} == set(OPERATORS)
    original = ast.unparse(ast.parse(SOURCE))
    programs = set()
    for m in found:
        compile(m.source, "<mutant>", "exec")
        program = ast.unparse(ast.parse(m.source))
        assert program != original, m.description
        programs.add(program)
    assert len(programs) == len(found), "two mutants are the same program"


@pytest.mark.parametrize(
    ("description", "before", "after"),
    [
        ("* -> / in v * SCALE", "total += v * SCALE", "total += v / SCALE"),
        ("+= -> -=", "total += v * SCALE", "total -= v * SCALE"),
        ("- -> + in len(values) - ddof", "(len(values) - ddof)", "(len(values) + ddof)"),
        ("> -> >= in len(values) > ddof", "ok = len(values) > ddof and", "ok = len(values) >= ddof and"),
        ("and -> or in len(values) > ddof and total >= 0", "ok = len(values) > ddof and total >= 0",
         "ok = len(values) > ddof or total >= 0"),
        ("in -> not in in item in items", "return item in items or", "return item not in items or"),
        ("is -> is not in item is None", "or item is None", "or item is not None"),
        ("constant 0.0 -> 1.0", "return 0.0", "return 1.0"),
        ("constant 2 -> 3", "SCALE = 2", "SCALE = 3"),
        ("constant 'first' -> 'last'", 'how="first"', 'how="last"'),
        ("ddof=1 -> ddof=0", "frame.std(ddof=1)", "frame.std(ddof=0)"),
        ("ddof=1 -> ddof=2", "frame.std(ddof=1)", "frame.std(ddof=2)"),
        ("ignore_index=True -> ignore_index=False", "ignore_index=True", "ignore_index=False"),
        ("condition negated: not (ok)", "if ok else", "if not ok else"),
        ("not removed from not values", "if not values:", "if values:"),
        ("~ removed from ~frame.mask", "~frame.mask", "frame.mask"),
        ("statement dropped: total = float()", "total = float()", "pass"),
        ("return 0.0 -> return None", "return 0.0", "return None"),
    ],
)
def test_operator_rewrites_only_its_expression(found: list[Mutant], description: str, before: str,
                                               after: str) -> None:
    m = by_description(found, description)
    body = [line for line in m.diff.splitlines() if not line.startswith(("---", "+++"))]
    removed = [line[1:] for line in body if line.startswith("-")]
    added = [line[1:] for line in body if line.startswith("+")]
    assert len(removed) == len(added) == 1, m.diff
    assert before in removed[0] and after in added[0]
    assert removed[0].replace(before, after) == added[0], "the rest of the line must be untouched"
    assert f"+++ mutant {m.id}" in m.diff


def test_dropping_a_loop_replaces_the_whole_block(found: list[Mutant]) -> None:
    m = by_description(found, "statement dropped: for v in values:")
    assert "for v in values" not in m.source
    compile(m.source, "<mutant>", "exec")


def test_docstrings_imports_annotations_and_main_guard_are_left_alone(found: list[Mutant]) -> None:
    lines = SOURCE.splitlines()
    touched = {lines[m.line - 1].strip() for m in found}
    assert not any(t.startswith(('"""', "import", "if __name__", "print(")) for t in touched)
    on_def_line = {m.description for m in found if lines[m.line - 1].startswith("def stats")}
    assert on_def_line == {"constant 1 -> 2", "constant 1 -> 0"}, "annotations are never mutated"


def test_functions_are_named_with_their_class(found: list[Mutant]) -> None:
    assert {m.function for m in found} == {"<module>", "stats", "pick", "Box.has"}
    assert by_description(found, "constant 1 -> 2").function == "stats"  # a default belongs to its function


def test_mutants_of_nothing_to_change_are_skipped() -> None:
    assert all_mutants("BIG = 1e999\n") == []  # inf * 2 and inf / 2 are inf again: same program
    assert all_mutants('"""Only a docstring."""\n') == []


def test_choice_is_deterministic_and_seeded(found: list[Mutant]) -> None:
    first = [m.id for m in mutants(SOURCE, 6, seed=4)]
    assert first == [m.id for m in mutants(SOURCE, 6, seed=4)]
    choices = {tuple(m.id for m in mutants(SOURCE, 6, seed=s)) for s in range(6)}
    assert len(choices) > 1, "the seed should change which mutants are chosen"


def test_choice_is_spread_across_functions(found: list[Mutant]) -> None:
    chosen = select(found, 4, seed=0)
    assert {m.function for m in chosen} == {"<module>", "stats", "pick", "Box.has"}
    assert all(m.operator != "return-none" for m in chosen), "`return None` only once the rest is used"
    eight = select(found, 8, seed=0)
    assert all(sum(m.function == f for m in eight) == 2 for f in {m.function for m in found})


def test_choice_bounds(found: list[Mutant]) -> None:
    assert select(found, 0) == []
    assert len(select(found, 10_000)) == len(found)


def test_ids_are_unique_and_survive_unrelated_edits(found: list[Mutant]) -> None:
    assert len({m.id for m in found}) == len(found)
    helper = "import math\n\n# a new comment\n\n\ndef helper(x):\n    return x + 1\n"
    edited = SOURCE.replace("import math\n", helper)
    moved = {m.id: m.description for m in all_mutants(edited)}
    for m in found:
        assert moved.get(m.id) == m.description, f"id of {m.description!r} changed when other lines moved"


def test_id_ignores_line_numbers_and_indentation() -> None:
    a = "--- a\n+++ b\n@@ -3,1 +3,1 @@\n-    x = 1\n+    x = 2\n"
    b = "--- a\n+++ b\n@@ -9,1 +9,1 @@\n-        x = 1\n+        x = 2\n"
    assert mutant_id("f", a) == mutant_id("f", b)
    assert mutant_id("f", a) != mutant_id("g", a)


def test_a_file_that_does_not_parse_raises() -> None:
    with pytest.raises(SyntaxError):
        all_mutants("def f(:\n")
