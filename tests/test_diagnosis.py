"""Diagnosis matching (pure), the teaching files' parsing and checks, and the signatures grading trusts."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from bench.diagnosis import every_pair, leave_one_out, merge_pair, outcome
from judge.grading import diagnose as grading_diagnose
from judge.model.report import (
    Diagnosis,
    HintTaken,
    Report,
    Status,
    TestResult,
    Verdict,
    diagnosis_heading,
    explains_text,
    help_text,
    match_phrase,
    not_attempted_text,
    unattempted_requirements,
)
from judge.problems.catalog import load_problem
from judge.problems.diagnosis import MistakeBook, Signature, diagnose, indistinguishable
from judge.problems.teaching import (
    check_content,
    mistake_book,
    parse_editorial,
    parse_mistakes,
    parse_requirements,
)
from judge.render.text import plain_text

from .conftest import TINY

# A small book shaped like the real ones: a shared "data file" test many mistakes fail, rare tests few fail.
BOOK = [
    Signature("dedup_raw", frozenset({"t::dup", "t::rows"})),
    Signature("dedup_id", frozenset({"t::same_id", "t::rows"})),
    Signature("case_kept", frozenset({"t::case", "t::dup", "t::rows"})),
    Signature("std_ddof0", frozenset({"t::std"})),
    Signature("count_rows", frozenset({"t::summary"})),
    Signature("mean_median_swapped", frozenset({"t::summary"})),
    Signature("impute_first", frozenset({"t::impute_dedup"})),
    Signature("mean_impute", frozenset({"t::median", "t::impute_dedup"})),
]


def names(failed: set[str]) -> list[str]:
    return [m.mistake for m in diagnose(failed, BOOK)]


def test_an_exact_signature_is_named_alone_at_full_strength() -> None:
    found = diagnose({"t::std"}, BOOK)
    assert [(m.mistake, m.match) for m in found] == [("std_ddof0", 1.0)]
    assert names({"t::same_id", "t::rows"}) == ["dedup_id"]


def test_a_subset_signature_is_not_mistaken_for_its_superset() -> None:
    assert names({"t::impute_dedup"}) == ["impute_first"]
    assert names({"t::median", "t::impute_dedup"}) == ["mean_impute"]
    assert names({"t::dup", "t::rows"}) == ["dedup_raw"]


def test_a_partial_match_is_named_with_less_than_full_strength() -> None:
    # the shared row-count test did not fail this time, but the six telling tests did: still clearly wide
    book = [*BOOK, Signature("wide", frozenset({f"t::w{i}" for i in range(6)} | {"t::rows"}))]
    found = diagnose({f"t::w{i}" for i in range(6)}, book)
    assert [m.mistake for m in found] == ["wide"] and 0.9 <= found[0].match < 1.0
    assert names({"t::same_id"}) == [], "too little of dedup_id's signature to name it"


def test_a_sibling_that_explains_only_part_of_the_failures_is_not_named() -> None:
    # one of case_kept's three tests passed (a 77% match): the failures may be a mistake the book lacks
    # whose nearest known sibling is case_kept, and a wrong name is worse than none
    assert names({"t::case", "t::dup"}) == []
    # a telling failure case_kept does not explain: silence too, not the nearest name
    assert names({"t::case", "t::dup", "t::rows", "t::unknown"}) == []


def test_identical_signatures_name_both_mistakes() -> None:
    assert sorted(names({"t::summary"})) == ["count_rows", "mean_median_swapped"]
    assert indistinguishable(BOOK) == [("count_rows", "mean_median_swapped")]


def test_two_mistakes_at_once_are_both_named() -> None:
    assert sorted(names({"t::std", "t::same_id", "t::rows"})) == ["dedup_id", "std_ddof0"]


def test_each_of_two_mistakes_names_the_failures_it_explains() -> None:
    found = {m.mistake: m.explains for m in diagnose({"t::std", "t::same_id", "t::rows"}, BOOK)}
    assert found == {"dedup_id": {"t::same_id", "t::rows"}, "std_ddof0": {"t::std"}}
    both = tuple(Diagnosis(m, m, "", 0.9, tuple(sorted(e))) for m, e in found.items())
    assert diagnosis_heading(both).startswith("Likely mistakes (both")
    assert explains_text(both[0]) in ("explains: t::rows, t::same_id".replace("t::", ""), "explains: std")
    twins = tuple(Diagnosis(m, m, "", 1.0, ("t::summary",)) for m in ("count_rows", "mean_median_swapped"))
    assert diagnosis_heading(twins).startswith("Likely mistakes (one or the other")
    report = Report(problem="p", verdict=Verdict.FAILED, tests=(), grading_s=1.0, sandbox={}, submission_sha256="x",
                    diagnosis=both)
    assert Report.from_dict(report.to_dict()).diagnosis == both


def test_two_mistakes_are_named_from_partial_signatures() -> None:
    # the candidate's version of "narrow" is narrower than the catalogue's: its distinctive test failed, the
    # test it shares with mean_impute passed; std_ddof0 failed whole. Together they explain every failure.
    book = [*BOOK, Signature("narrow", frozenset({"t::narrow_only", "t::median"}))]
    found = diagnose({"t::std", "t::narrow_only"}, book)
    assert sorted(m.mistake for m in found) == ["narrow", "std_ddof0"]
    by_name = {m.mistake: m for m in found}
    assert by_name["std_ddof0"].explains == {"t::std"} and by_name["narrow"].explains == {"t::narrow_only"}
    # each match leaves out the failures only the other explains: std_ddof0 is exact, narrow only partly failed
    assert by_name["std_ddof0"].match == 1.0 and 0.4 <= by_name["narrow"].match < 1.0
    shown = tuple(Diagnosis(m.mistake, m.mistake, "", m.match, tuple(sorted(m.explains))) for m in found)
    report = Report(problem="p", verdict=Verdict.FAILED, tests=(), grading_s=1.0, sandbox={}, submission_sha256="x",
                    diagnosis=shown)
    from judge.render.html import diagnosis_card

    assert "the failing tests, less those only the other mistake explains, are exactly" in diagnosis_card(report)
    assert "explains, are" not in diagnosis_card(replace(report, diagnosis=shown[:1])), "one alone: as before"
    # without its distinctive test, a partly failed signature is no evidence: silence, not a pair
    assert diagnose({"t::std", "t::median"}, book) == []
    # a failure neither explains (the sign of a mistake outside the catalogue): silence
    assert diagnose({"t::std", "t::narrow_only", "t::unknown_a"}, book) == []
    # a single known mistake is still named alone
    assert [m.mistake for m in diagnose({"t::std"}, book)] == ["std_ddof0"]


def test_two_mistakes_that_leave_a_tenth_of_the_failures_unexplained_are_not_named() -> None:
    # t::shape is a common test (four other mistakes fail it) that neither dedup_id nor std_ddof0 fails: it
    # is 16% of the failures' weight, a sign of a third mistake, maybe one the book lacks; the pair's
    # Jaccard strength (0.84) alone used to let it through
    book = [*BOOK, *(Signature(f"shape_{i}", frozenset({"t::shape", f"t::own_{i}"})) for i in range(4))]
    assert diagnose({"t::std", "t::same_id", "t::rows", "t::shape"}, book) == []
    assert sorted(m.mistake for m in diagnose({"t::std", "t::same_id", "t::rows"}, book)) == ["dedup_id", "std_ddof0"]


def test_of_two_pairs_that_explain_the_same_failures_the_one_that_overlaps_least_is_named() -> None:
    # "wide" holds every test of "ties" and one of "cut": (cut, wide) explains the failures as exactly as
    # (cut, ties), but each of cut and ties explains its own share, so that pair is the simpler explanation
    book = [Signature("cut", frozenset({"t::cut", "t::fuse", "t::k"})),
            Signature("wide", frozenset({"t::tie", "t::tune", "t::fuse"})),
            Signature("ties", frozenset({"t::tie", "t::tune"})),
            Signature("other", frozenset({"t::k", "t::other"}))]
    found = diagnose({"t::cut", "t::fuse", "t::k", "t::tie", "t::tune"}, book)
    assert sorted(m.mistake for m in found) == ["cut", "ties"]


def test_nothing_is_said_when_nothing_matches_well() -> None:
    assert names({"t::unknown_a", "t::unknown_b"}) == []
    assert names({"t::std", "t::unknown_a", "t::unknown_b", "t::unknown_c"}) == [], "mostly unexplained"
    assert names(set()) == []
    assert diagnose({"t::std"}, []) == []


def test_the_book_adds_titles_and_explanations() -> None:
    book = MistakeBook((Signature("std_ddof0", frozenset({"t::std"})),),
                       {"std_ddof0": ("Population std", "Use ddof=1.")})
    assert book.diagnose({"t::std"}) == [("std_ddof0", "Population std", "Use ddof=1.", 1.0, ("t::std",))]


def test_only_a_plain_failure_is_diagnosed() -> None:
    book = MistakeBook((Signature("m", frozenset({"t.py::a"})),), {"m": ("T", "E")})
    tests = (TestResult("t.py::a", "a", "R1", "a", 1, Status.FAIL),
             TestResult("t.py::b", "b", "R1", "b", 1, Status.PASS))
    assert grading_diagnose(book, Verdict.FAILED, tests) == (Diagnosis("m", "T", "E", 1.0, ("t.py::a",)),)
    for verdict in (Verdict.CRASHED, Verdict.TIMEOUT, Verdict.SYNTAX_ERROR, Verdict.PASSED):
        assert grading_diagnose(book, verdict, tests) == ()
    assert grading_diagnose(None, Verdict.FAILED, tests) == ()


def test_report_round_trips_diagnosis_titles_and_hints() -> None:
    report = Report(problem="p", verdict=Verdict.FAILED, tests=(), grading_s=1.0, sandbox={}, submission_sha256="x",
                    diagnosis=(Diagnosis("m", "Title", "Explain", 0.8123),), requirement_titles={"R1": "Add"},
                    hints=(HintTaken("R1", 2),))
    data = report.to_dict()
    assert data["diagnosis"] == [{"mistake": "m", "title": "Title", "explanation": "Explain", "match": 0.812,
                                  "explains": []}]
    back = Report.from_dict(data)
    assert back.requirement_titles == {"R1": "Add"} and back.hints_taken == 2 and back.diagnosis[0].mistake == "m"
    plain = Report.from_dict({**data, "diagnosis": [], "hints": None})
    assert plain.to_dict()["diagnosis"] == [] and plain.hints is None


def test_help_text_says_solved_unaided_or_with_hints() -> None:
    assert help_text(0, True) == "solved unaided" and help_text(2, True) == "solved with 2 hints"
    assert help_text(1, False) == "1 hint taken" and help_text(None, True) == ""


# -- the teaching files -------------------------------------------------------------------------------

def test_requirements_need_a_title_and_two_or_three_hints() -> None:
    guides, problems = parse_requirements('[R1]\ntitle = "A"\nhints = ["x", "y"]\n[R2]\nhints = ["only one"]\n'
                                          '[R3]\ntitle = "C"\nhints = ["a", "b", "c", "d"]\n')
    assert guides["R1"].hints == ("x", "y")
    assert any("[R2] has no title" in p for p in problems) and any("[R2] needs 2 to 3" in p for p in problems)
    assert any("[R3] needs 2 to 3" in p for p in problems)
    assert parse_requirements("not toml [")[1][0].startswith("requirements.toml: not valid TOML")


def test_a_mistake_without_an_explanation_is_reported() -> None:
    notes, problems = parse_mistakes('[a]\ntitle = "A"\nexplanation = "why"\n[b]\ntitle = "B"\n')
    assert list(notes) == ["a"] and problems == ["mistakes.toml: [b] has no explanation (what the mistake is, why "
                                                 "it is wrong, what to check)"]


def test_editorial_sections_and_three_answered_follow_ups() -> None:
    text = (TINY / "editorial.md").read_text()
    editorial, problems = parse_editorial(text)
    assert problems == [] and editorial.title == "Editorial: Add two numbers"
    assert editorial.follow_ups[0].question == "What if the inputs are floats?" and len(editorial.follow_ups) == 3
    assert "list comprehension" in editorial.section("Approach")
    cut = text[: text.index("### How would you test it?")]
    assert parse_editorial(cut)[1] == ["editorial.md: '## Follow-up questions' needs 3 '### question' subsections, "
                                       "has 2"]
    assert "editorial.md: no '## Pitfalls' section" in parse_editorial(text.replace("## Pitfalls", "## Traps"))[1]


def test_check_content_names_every_gap(tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    assert check_content(load_problem(root)) == []
    (root / "mistakes.toml").write_text('[gone]\ntitle = "G"\nexplanation = "E"\n')
    (root / "editorial.md").unlink()
    problems = check_content(load_problem(root))
    assert "missing editorial.md (see docs/authoring.md, 'Teaching')" in problems
    assert "mistakes.toml: known mistake subtracts has no entry (title and explanation)" in problems
    assert "mistakes.toml: [gone] names no file in known_mistakes/" in problems


def test_grading_trusts_signatures_only_for_the_suite_they_were_recorded_on(tmp_path: Path) -> None:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    book = mistake_book(load_problem(root))
    assert book is not None and [s.mistake for s in book.signatures] == ["subtracts"]
    (root / "known_mistakes" / "subtracts.py").write_text("def add(a, b):\n    return a * b\n")
    assert mistake_book(load_problem(root)) is None, "a changed mistake's recorded failures no longer hold"
    shutil.copy(TINY / "known_mistakes" / "subtracts.py", root / "known_mistakes" / "subtracts.py")
    test_file = root / "hidden_tests" / "test_add.py"
    test_file.write_text(test_file.read_text() + "\n# changed\n")
    assert mistake_book(load_problem(root)) is None, "a changed suite: no diagnosis until validate records it"


# -- the measurement's own logic ----------------------------------------------------------------------

def test_outcomes_of_the_measurement() -> None:
    assert outcome(["a"], {"a"}) == "right" and outcome(["a", "b"], {"b"}) == "right"
    assert outcome(["c"], {"a"}) == "wrong" and outcome([], {"a"}) == "nothing"
    assert outcome([], set()) == "nothing" and outcome(["a"], set()) == "wrong"
    assert outcome(["a", "b"], {"a", "b"}) == "both" and outcome(["a"], {"a", "b"}) == "one"


def test_mock_candidate_files_are_scored_right_first_wrong_and_both() -> None:
    from bench.diagnosis import Tally, judge_case, label_truth

    assert label_truth("a") == ("a",) and label_truth("") == ("",) and label_truth(["a", "b"]) == ("a", "b")
    assert label_truth(["a", ""]) == ("a", "") and label_truth(["", ""]) == ("", "")
    assert label_truth(3) is None and label_truth(["a"]) is None
    # one known mistake: right only when named first; a second name beside it is also counted wrong
    assert judge_case(["a"], ("a",), False) == ("single", "right-first", False)
    assert judge_case(["a", "b"], ("a",), False) == ("single", "right-first", True)
    assert judge_case(["b", "a"], ("a",), False) == ("single", "right-later", True)
    assert judge_case(["b"], ("a",), False) == ("single", "wrong", True)
    assert judge_case([], ("a",), True) == ("single", "nothing", False)
    # a mistake outside the catalogue: right when nothing is named
    assert judge_case([], ("",), False) == ("single", "silent", False)
    assert judge_case(["a"], ("",), False) == ("single", "wrong", True)
    # pairs, and a correct solution
    assert judge_case(["b", "a"], ("a", "b"), False) == ("pair", "both", False)
    assert judge_case(["a", "c"], ("a", "b"), False) == ("pair", "one", True)
    assert judge_case(["a"], ("a", ""), False) == ("pair-unknown", "one", False)
    assert judge_case([], ("", ""), False) == ("pair-unknown", "nothing", False)
    assert judge_case([], (), True) == ("correct", "passed", False)
    assert judge_case(["a"], (), False) == ("correct", "failed", True)
    tally = Tally()
    for named, truth, passed in ((["a"], ("a",), False), ([], ("",), True), (["b"], ("a",), False),
                                 (["a", "b"], ("a", "b"), False), ([], (), True)):
        tally.add(judge_case(named, truth, passed), "passed" if passed else "failed")
    assert (tally.right_first, tally.singles, tally.wrong, tally.cases, tally.both, tally.pairs) == (2, 3, 1, 5, 1, 1)
    assert tally.not_caught == 1 and tally.cells()[0] == "2/3 (67%)"
    missed = Tally()
    missed.add(judge_case([], ("a",), False), "timeout")
    assert (missed.right_first, missed.singles, missed.not_plain) == (0, 1, 1), "a known mistake missed is not right"


def test_mock_candidate_files_are_read_with_their_labels(tmp_path: Path) -> None:
    from bench.diagnosis import mock_cases

    problem = load_problem(TINY)
    folder = tmp_path / "tiny-add" / "dev"
    folder.mkdir(parents=True)
    (folder / "s_1.py").write_text("# BUG: subtracts\ndef add(a, b):\n    return a - b\n")
    (folder / "p_1.py").write_text("# BUG: two at once\n")
    (folder / "s_2.py").write_text("# BUG: unlabelled\n")
    (folder / "correct.py").write_text("def add(a, b):\n    return a + b\n")
    labels = {"dev": {"tiny-add": {"s_1": "subtracts", "p_1": ["subtracts", ""], "gone": ""}}}
    cases, complaints = mock_cases(problem, tmp_path, labels, None)
    found = {c.name: (c.truth, c.note, c.set) for c, _ in cases}
    assert found == {"correct": ((), "a correct solution", "dev"), "p_1": (("subtracts", ""), "two at once", "dev"),
                     "s_1": (("subtracts",), "subtracts", "dev")}
    assert any("s_2.py: no label" in c for c in complaints) and any("'gone' has no file" in c for c in complaints)
    assert mock_cases(problem, tmp_path, labels, ["heldout1"]) == ([], [])


def test_leave_one_out_treats_the_held_out_mistake_as_unknown() -> None:
    rows = {r["mistake"]: r for r in leave_one_out(BOOK)}
    assert rows["std_ddof0"]["full"] == "right" and rows["std_ddof0"]["loo"] == "nothing"
    assert rows["count_rows"]["loo"] == "wrong" and rows["count_rows"]["identical_to"] == ["mean_median_swapped"]


def test_two_mistakes_merge_onto_the_reference() -> None:
    base = "def a():\n    return 1\n\n\n\ndef b():\n    return 2\n"
    merged = merge_pair(base, base.replace("return 1", "return 0"), base.replace("return 2", "return 3"))
    assert merged == "def a():\n    return 0\n\n\n\ndef b():\n    return 3\n"
    assert merge_pair(base, base.replace("return 1", "return 0"), base.replace("return 1", "return 5")) is None


def test_a_scaffolded_problem_has_complete_teaching_content(tmp_path: Path) -> None:
    from judge.problems.scaffold import scaffold

    assert check_content(load_problem(scaffold("my-problem", tmp_path))) == []


def test_identical_twins_count_as_one_mistake_when_asked() -> None:
    from bench.diagnosis import up_to_twins

    assert up_to_twins(["mean_median_swapped", "std_ddof0"], BOOK) == {"count_rows", "std_ddof0"}


# -- not attempted is never a mistake -----------------------------------------------------------------

STUB = "solution.py, line 48, in user_features: raise NotImplementedError\nNotImplementedError"


def stub_tests(*stubbed: str, failing: tuple[str, ...] = ()) -> tuple[TestResult, ...]:
    """Tests t.py::a (R1), b (R1), c (R2): ``stubbed`` ones stopped on NotImplementedError, ``failing``
    ones failed on an assertion, the rest passed."""
    def one(name: str, req: str) -> TestResult:
        tid = f"t.py::{name}"
        if name in stubbed:
            return TestResult(tid, name, req, name, 1, Status.FAIL, STUB)
        if name in failing:
            return TestResult(tid, name, req, name, 1, Status.FAIL, "assert 1 == 2")
        return TestResult(tid, name, req, name, 1, Status.PASS)
    return (one("a", "R1"), one("b", "R1"), one("c", "R2"))


def test_an_unfinished_starter_is_not_attempted_and_never_diagnosed() -> None:
    # the feature-engineering starter used to be told "user_id as a column, not the index 84%"
    book = MistakeBook((Signature("big", frozenset({"t.py::a", "t.py::b"})),), {"big": ("Big", "E")})
    tests = stub_tests("a", "b", "c")
    assert grading_diagnose(book, Verdict.FAILED, tests) == ()
    assert unattempted_requirements(tests) == ("R1", "R2")
    report = Report(problem="p", verdict=Verdict.FAILED, tests=tests, grading_s=1.0, sandbox={},
                    submission_sha256="x", not_attempted=("R1", "R2"))
    assert not report.attempted and report.to_dict()["attempted"] is False
    assert Report.from_dict(report.to_dict()).not_attempted == ("R1", "R2")
    assert "Not attempted" in not_attempted_text(report)
    text = plain_text(report)
    assert "Not attempted" in text and "Likely mistake" not in text


def test_the_untouched_starter_is_not_attempted_whatever_its_failures_say() -> None:
    book = MistakeBook((Signature("big", frozenset({"t.py::a"})),), {"big": ("Big", "E")})
    tests = stub_tests(failing=("a", "b", "c"))
    assert grading_diagnose(book, Verdict.FAILED, tests, starter=True) == ()
    assert unattempted_requirements(tests, starter=True) == ("R1", "R2")


def test_stubbed_steps_are_left_out_of_the_matching_and_the_rest_is_diagnosed() -> None:
    # R1 written (with a mistake on test a), R2's step still a stub: the stub's failure on c must not bring
    # in the mistake whose signature is c
    book = MistakeBook((Signature("on_a", frozenset({"t.py::a"})), Signature("on_c", frozenset({"t.py::c"}))),
                       {"on_a": ("A", "E"), "on_c": ("C", "E")})
    tests = stub_tests("c", failing=("a",))
    assert unattempted_requirements(tests) == ("R2",)
    assert grading_diagnose(book, Verdict.FAILED, tests) == (Diagnosis("on_a", "A", "E", 1.0, ("t.py::a",)),)
    written = stub_tests(failing=("a", "c"))
    assert sorted(d.mistake for d in grading_diagnose(book, Verdict.FAILED, written)) == ["on_a", "on_c"]
    report = Report(problem="p", verdict=Verdict.FAILED, tests=tests, grading_s=1.0, sandbox={},
                    submission_sha256="x", not_attempted=("R2",))
    assert report.attempted and "Not attempted yet: R2" in not_attempted_text(report)


def test_match_says_what_it_means() -> None:
    assert match_phrase(1.0) == "the failing tests are exactly the ones this mistake fails"
    assert "84% alike" in match_phrase(0.84)
    assert match_phrase(0.49, beside=True) == ("the failing tests, less those only the other mistake explains, "
                                               "are 49% alike to the ones this mistake fails")


def test_every_pair_is_diagnosed_from_the_union_of_its_signatures() -> None:
    book = [Signature("a", frozenset({"t::a"})), Signature("b", frozenset({"t::b"})),
            Signature("ab", frozenset({"t::a", "t::b", "t::c"}))]
    # a+b: both named; a+ab and b+ab are left out (ab holds each of them)
    assert every_pair(book) == {"both": 1}


def test_a_starter_with_pass_for_raise_is_still_unfinished() -> None:
    from judge.problems.workspace_text import is_unfinished_starter

    problem = load_problem(TINY)
    starter = (TINY / "starter" / "solution.py").read_text()
    assert is_unfinished_starter(starter, problem)
    assert is_unfinished_starter(starter.replace("raise NotImplementedError", "pass"), problem)
    assert is_unfinished_starter("import math\n\n\ndef add(a, b):\n    return None\n", problem)
    half = starter.replace("raise NotImplementedError", "return a + b", 1)
    assert not is_unfinished_starter(half, problem), "one function written: attempted"
    assert not is_unfinished_starter((TINY / "reference" / "solution.py").read_text(), problem)
    assert not is_unfinished_starter("def add(:\n", problem)
