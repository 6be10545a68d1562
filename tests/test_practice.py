"""Practice over weeks: a simulated month on a fake clock drives `judge next`, `judge progress`, `judge drill`
and the JSON export; plus the pieces beneath (ratings, key-point matching, the question files, the index
migration). Attempts are written the way `judge submit` writes them (a record and a report in the store)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from judge.interfaces.cli import Context, cli
from judge.model.report import Diagnosis, Report, TestResult, Verdict
from judge.model.report import Status as Outcome
from judge.paths import questions_dir
from judge.problems.catalog import find_problem
from judge.problems.keypoints import KeyPoint, Synonyms, coverage, label_for, match_pattern, sentences
from judge.problems.questions import MAX_POINTS, load_bank, parse_question
from judge.render.facts import iso_text as iso
from judge.services import practice
from judge.store.index import MIGRATIONS, Store

from .conftest import FakeClock

DAY = 86400.0


@pytest.fixture
def run(judge_home: Path, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TZ", "UTC")  # "due today" is a local calendar day: pin the zone
    import time

    time.tzset()

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), obj=Context((), clock=clock), catch_exceptions=False,
                                  input=input)

    return invoke


def attempt(store: Store, clock: FakeClock, slug: str, minutes: float, verdict: str = "passed", percent: float = 100.0,
            hints: int = 0, mistakes: tuple[str, ...] = (), status: str = "submitted") -> str:
    """An attempt that started now and ended ``minutes`` later, saved as `judge submit` saves one; the clock
    moves to its end."""
    problem = find_problem(slug)
    attempt_id = store.new_id()
    started = clock.now
    clock.now += minutes * 60
    record: dict[str, Any] = {"id": attempt_id, "problem": slug, "problem_root": str(problem.root),
                              "started_at": started, "started_iso": iso(started), "budget_s": problem.budget_s,
                              "workspace": f"/tmp/ws-{attempt_id}", "status": status,
                              "hints": [{"requirement": "R1", "level": n, "at": started} for n in range(1, hints + 1)]}
    if status == "submitted":
        tests = (TestResult("t", "t", "R1", "", 100, Outcome.PASS if verdict == "passed" else Outcome.FAIL),)
        report = Report(slug, Verdict(verdict), tests, 1.0, {}, "", attempt_id=attempt_id,
                        elapsed_s=minutes * 60, budget_s=problem.budget_s,
                        diagnosis=tuple(Diagnosis(m, m, "", 1.0) for m in mistakes))
        store.save_report(attempt_id, report.to_dict(), "x = 1\n")
        record.update({"submitted_at": clock.now, "elapsed_s": minutes * 60,
                       "result": {"score": 0, "max_score": 100, "percent": percent, "verdict": verdict,
                                  "mistakes": list(mistakes)}})
    elif status == "abandoned":
        record["abandoned_at"] = clock.now
    store.save_record(record)
    return attempt_id


def next_json(run: Any) -> list[dict[str, Any]]:
    result = run("next", "--json", "--all")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_a_simulated_month(run: Any, clock: FakeClock, judge_home: Path) -> None:
    store = Store(judge_home)
    day0 = clock.now = 1_800_000_000.0 - 1_800_000_000.0 % DAY + 9 * 3600  # 09:00 UTC

    # Day 0, nothing tried: an easiest problem first, the drill and the next problem as alternatives
    # (several built-in problems are easy and 15 minutes; this month's own come in their order).
    first = next_json(run)
    assert [r["kind"] for r in first[:3]] == ["new", "drill", "new"]
    assert "easy, 15 min" in first[0]["reason"] and "10 new today" in first[1]["reason"]
    month0 = ("feature-engineering", "data-cleaning")
    assert [r["problem"] for r in first if r["kind"] == "new" and r["problem"] in month0] == list(month0)
    shown = run("next").output
    assert shown.startswith(f"Next: judge start {first[0]['problem']}") and "Or:" in shown

    # Solved unaided in 5 of 15 minutes: easy. FSRS's first interval for "easy" is 8 days.
    attempt(store, clock, "feature-engineering", 5)
    clock.now = day0 + 1 * DAY
    day1 = next_json(run)
    # data-cleaning (medium) before iris (medium): the same topic as the problem just solved comes first.
    # (only the problems this month is about: later built-in problems slot in without changing their order)
    month = ("data-cleaning", "iris-classifier", "rag-pipeline")
    new1 = [r for r in day1 if r["kind"] == "new" and r["problem"] in month]
    assert [r["problem"] for r in new1] == list(month)
    assert "more data wrangling, which you have solved before" in new1[0]["reason"]
    ahead = next(r for r in day1 if r["kind"] == "ahead")
    assert ahead["problem"] == "feature-engineering" and f"due {practice._day(day0 + 5 * 60 + 8 * DAY)}" \
        in ahead["reason"] and "under half the budget" in ahead["reason"]

    # Day 1: data-cleaning fails with the mean instead of the median: again, due the next day, and so is the
    # known mistake.
    attempt(store, clock, "data-cleaning", 18, verdict="failed", percent=88.0, mistakes=("mean_imputation",))
    clock.now = day0 + 2 * DAY
    day2 = next_json(run)
    assert (day2[0]["kind"], day2[0]["problem"]) == ("review", "data-cleaning")
    assert "due today: your last attempt" in day2[0]["reason"] and "failed (88%)" in day2[0]["reason"]
    assert "known mistake due: 'Filled with the mean instead of the median'" in day2[0]["reason"]
    assert sum(r["problem"] == "data-cleaning" for r in day2) == 1, "one recommendation a problem"

    # Day 2: passed, with two hints (hard); the mistake is avoided (good).
    attempt(store, clock, "data-cleaning", 12, hints=2)
    # Day 2, later: iris passed 5 minutes over budget (hard); rag-pipeline started and left open.
    attempt(store, clock, "iris-classifier", 25)
    attempt(store, clock, "rag-pipeline", 1, status="open")
    clock.now = day0 + 3 * DAY
    day3 = next_json(run)
    assert day3[0]["kind"] == "finish" and day3[0]["problem"] == "rag-pipeline"
    assert "still open" in day3[0]["reason"]
    states = practice.snapshot(store, clock.now).states
    dc = states["problem:data-cleaning"]
    assert [r.rating for r in dc.reviews] == [practice.AGAIN, practice.HARD]
    assert dc.reviews[-1].why == "passed with 2 hints"
    assert states["mistake:data-cleaning/mean_imputation"].reviews[-1].why == "avoided"
    iris = states["problem:iris-classifier"].reviews[-1]
    assert (iris.rating, iris.why) == (practice.HARD, "passed over budget (25:00 of 20:00)")

    # Give up on rag-pipeline: abandoned attempts are not reviews; it stays "not tried" for the schedule.
    rows = store.rows("rag-pipeline")
    record = store.load_record(rows[0]["id"])
    record.update({"status": "abandoned", "abandoned_at": clock.now})
    store.save_record(record)
    assert "problem:rag-pipeline" not in practice.snapshot(store, clock.now).states

    # Every day of the month, `judge next` recommends exactly what the schedule says is due, most overdue first.
    for day in range(3, 31):
        clock.now = day0 + day * DAY
        found = next_json(run)
        snap = practice.snapshot(store, clock.now)
        due = sorted((s for k, s in snap.states.items() if k.startswith("problem:") and s.is_due(clock.now)),
                     key=lambda s: s.due or 0)
        reviews = [r["problem"] for r in found if r["kind"] == "review"]
        assert reviews == [s.card.removeprefix("problem:") for s in due], (day, found)
        if due:
            assert found[0]["kind"] == "review"
            # Review it now, as the schedule asks: a pass, so the next interval grows.
            attempt(store, clock, reviews[0], 10)
    intervals = [round((b.at - a.at) / DAY) for a, b in
                 zip(snap.states["problem:feature-engineering"].reviews,
                     snap.states["problem:feature-engineering"].reviews[1:], strict=False)]
    assert intervals == sorted(intervals) and intervals[0] >= 8, f"intervals must grow: {intervals}"

    # The month in progress and the export.
    progress = json.loads(run("progress", "--json").output)
    wrangling = next(t for t in progress["topics"] if t["name"] == "data wrangling")
    assert wrangling["solved"] == ["data-cleaning", "feature-engineering"]
    assert wrangling["mistakes_made"] == ["data-cleaning/mean_imputation"]
    assert wrangling["mistakes_avoided"] == ["data-cleaning/mean_imputation"]
    assert wrangling["time_ratios"][:2] == [pytest.approx(5 / 15, abs=1e-3), pytest.approx(18 / 20, abs=1e-3)]
    text = run("progress").output
    recent = " ".join(f"{r:.0%}" for r in wrangling["time_ratios"][-4:])
    assert "data wrangling" in text and "2/2" in text and recent in text
    exported = json.loads(run("history", "--format", "json").output)
    assert exported["schema_version"] == 1
    assert {a["problem"] for a in exported["attempts"]} == {"feature-engineering", "data-cleaning",
                                                            "iris-classifier", "rag-pipeline"}
    cards = {c["card"]: c for c in exported["schedule"]}
    assert cards["mistake:data-cleaning/mean_imputation"]["last_rating"] == "good"
    assert cards["problem:iris-classifier"]["reviews"] >= 1


def test_attempt_ratings() -> None:
    base = {"status": "submitted", "verdict": "passed", "percent": 100.0, "budget_s": 1200.0, "hints": 0}
    assert practice.attempt_rating({**base, "elapsed_s": 500.0}) == (practice.EASY, "passed unaided in 8:20, under "
                                                                                     "half the budget")
    assert practice.attempt_rating({**base, "elapsed_s": 700.0})[0] == practice.GOOD  # type: ignore[index]
    assert practice.attempt_rating({**base, "elapsed_s": 500.0, "hints": 1})[0] == practice.HARD  # type: ignore[index]
    assert practice.attempt_rating({**base, "elapsed_s": 1300.0})[0] == practice.HARD  # type: ignore[index]
    assert practice.attempt_rating({**base, "verdict": "timeout", "percent": 20.0, "elapsed_s": 1.0}) == \
        (practice.AGAIN, "failed (20%)")
    assert practice.attempt_rating({**base, "status": "abandoned", "elapsed_s": 1.0}) is None
    assert practice.attempt_rating({**base, "verdict": "sandbox-error", "elapsed_s": 1.0}) is None


def test_a_crash_says_nothing_about_a_known_mistake() -> None:
    rows = [{"id": "a", "problem": "p", "status": "submitted", "verdict": "failed", "percent": 50.0,
             "started_at": 0.0, "submitted_at": 1.0, "mistakes": ["m"]},
            {"id": "b", "problem": "p", "status": "submitted", "verdict": "crashed", "percent": 0.0,
             "started_at": 2.0, "submitted_at": 3.0, "mistakes": []},
            {"id": "c", "problem": "p", "status": "submitted", "verdict": "failed", "percent": 60.0,
             "started_at": 4.0, "submitted_at": 5.0, "mistakes": []}]
    mistake = [(r.source, r.why) for r in practice.attempt_reviews(rows) if r.card == "mistake:p/m"]
    assert mistake == [("a", "made"), ("c", "avoided")]


# -- the drill ---------------------------------------------------------------------------------------

def test_drill_with_typed_answers(run: Any, clock: FakeClock, judge_home: Path) -> None:
    typed = ("It overfits the training set: high variance.\nGet more data, and add regularisation such as "
             "dropout.\n\n3\n"  # first question: answered, rated good
             "\n1\n"  # second: skipped to think, rated again
             "\n9\nq\n")  # third: skipped, an invalid rating, then stop
    result = run("drill", "--topic", "bias-variance", input=typed)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "1/3 · Bias and variance" in out and "training error is low but its validation error" in out
    assert "Key points: 3 of 5 covered" in out and '("overfit")' in out and '("more data")' in out
    assert '("regulari")' in out and "✗ Learning curves show it" in out
    assert "Key points (4):" in out, "a skipped answer lists the points without marks"
    assert "Error: '9' is not one of" in out
    assert "Session over: 2 answer(s) rated and saved" in out
    saved = Store(judge_home).reviews()
    assert [(r["question"], r["rating"], r["covered"], r["points"]) for r in saved] == [
        ("bias-variance/diagnose", 3, 3, 5), ("bias-variance/high-bias", 1, None, None)]
    assert saved[0]["answer"] == ("It overfits the training set: high variance. Get more data, and add "
                                  "regularisation such as dropout.")

    # The next day the "again" question is due; the "good" one is not (FSRS: 2 days).
    clock.now += 86400
    again = run("drill", "--topic", "bias-variance", "--new", "0", input="\n4\n")
    assert "1/1 · Bias and variance" in again.output and "Both training and validation error" in again.output
    assert "Next review:" in again.output
    assert "Nothing due" in run("drill", "--topic", "bias-variance", "--new", "0").output
    assert run("drill", "--topic", "nope").exit_code == 2


def test_follow_ups_join_the_drill_after_an_attempt(run: Any, clock: FakeClock, judge_home: Path) -> None:
    store = Store(judge_home)
    problems = [find_problem("data-cleaning")]
    assert practice.opened_follow_ups(problems, store.rows()) == []
    attempt(store, clock, "data-cleaning", 5, status="open")
    assert practice.opened_follow_ups(problems, store.rows()) == [], "not while an attempt is open"
    row = store.rows()[0]
    record = store.load_record(row["id"])
    record.update({"status": "abandoned", "abandoned_at": clock.now})
    store.save_record(record)
    opened = practice.opened_follow_ups(problems, store.rows())
    assert len(opened) == 3 and opened[0].id == "follow-up/data-cleaning/1"
    assert "churn model" in opened[0].question and not opened[0].points
    assert "\n" not in opened[0].answer.split("\n\n")[0], "paragraphs unwrapped for the terminal"
    result = run("drill", "--limit", "1", input="\n3\n")
    assert "Follow-up: Clean a messy customer export" in result.output, "follow-ups come first among new ones"
    assert "no key points, compare by eye" in result.output


# -- key points ---------------------------------------------------------------------------------------

def test_key_point_matching_is_phrases_and_synonyms() -> None:
    synonyms = Synonyms((("l1", "lasso"),))
    answer = sentences("Lasso zeroes weights. Overfitting happens when the model is too flexible")
    assert match_pattern("l1 + zero", answer, synonyms) == "lasso + zero"
    assert match_pattern("overfit", answer, synonyms) == "overfit"
    assert match_pattern("too flexible | too complex", answer, synonyms) == "too flexible"
    assert match_pattern("lasso + flexible", answer, synonyms) is None, "terms must share a sentence"
    assert match_pattern("auc", sentences("the aucs"), synonyms) is None, "short words match whole"
    assert match_pattern("model is too", answer, synonyms) == "model is too", "a phrase is consecutive words"
    assert match_pattern("too model", answer, synonyms) is None
    result = coverage("Lasso gives zeros.", [KeyPoint("sparse", ("l1 + zero",)), KeyPoint("x", ("ridge",))],
                      synonyms)
    assert (result.covered, result.total, result.label) == (1, 2, "partial")
    assert [label_for(f) for f in (0.0, 0.29, 0.3, 0.69, 0.7, 1.0)] == ["wrong", "wrong", "partial", "partial",
                                                                        "good", "good"]


def test_the_built_in_questions_are_valid_and_cover_every_topic(run: Any) -> None:
    bank, problems = load_bank(questions_dir(), check=True)
    assert problems == []
    assert len(bank.questions) >= 60
    wanted = {"bias-variance", "regularization", "gradient-descent", "class-imbalance", "classification-metrics",
              "roc-pr-curves", "cross-validation", "overfitting", "ensembles", "random-forests", "pca",
              "backpropagation", "loss-functions", "transformers", "deployment-monitoring", "drift",
              "recommender-systems", "rag-vs-fine-tuning", "lora", "rag-evaluation", "agents"}
    assert wanted <= set(bank.topics)
    assert all(3 <= len(q.points) <= MAX_POINTS for q in bank.questions.values())
    result = run("drill", "validate")
    assert result.exit_code == 0 and "All question files are valid" in result.output


def test_validate_names_what_is_wrong(run: Any, tmp_path: Path) -> None:
    root = tmp_path / "qs"
    (root / "t").mkdir(parents=True)
    (root / "t" / "topic.toml").write_text('title = "T"\n')
    (root / "t" / "a.toml").write_text('question = "Q?"\nanswer = "Bias is all."\n'
                                       '[[points]]\ntext = "p"\nmatch = ["variance"]\n')
    (root / "u").mkdir()
    (root / "u" / "b.toml").write_text("question = ")
    result = run("drill", "validate", str(root))
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "t/a.toml: needs 3 to 6 [[points]], has 1" in said and "u/: no topic.toml" in said
    _, found = parse_question('question = "Q"\nanswer = "A"\n' + '[[points]]\ntext = "p"\nmatch = ["a | "]\n' * 3,
                              "t/q", "t", "T", "t/q.toml")
    assert any("empty alternative" in p for p in found)


# -- the store ------------------------------------------------------------------------------------------

def test_an_old_index_is_migrated_and_keeps_its_attempts(judge_home: Path, clock: FakeClock) -> None:
    """An index.sqlite from before this change (no user_version, no mistakes column, no drill table) gains them;
    the mistakes of submitted attempts are read back from their reports."""
    store = Store(judge_home)
    attempt_id = attempt(store, clock, "data-cleaning", 10, verdict="failed", percent=50.0,
                         mistakes=("mean_imputation",))
    db = judge_home / "index.sqlite"
    db.unlink()
    old = sqlite3.connect(db)
    old.execute("CREATE TABLE attempts (id TEXT PRIMARY KEY, problem TEXT NOT NULL, started_at REAL NOT NULL, "
                "status TEXT NOT NULL, submitted_at REAL, elapsed_s REAL, budget_s REAL, score INTEGER, "
                "max_score INTEGER, percent REAL, verdict TEXT, workspace TEXT)")
    old.execute("INSERT INTO attempts VALUES (?, 'data-cleaning', 1.0, 'submitted', 2.0, 600.0, 1200.0, 0, 100, "
                "50.0, 'failed', '/w')", (attempt_id,))
    old.commit()
    old.close()
    rows = Store(judge_home).rows()
    assert [(r["id"], r["mistakes"], r["hints"]) for r in rows] == [(attempt_id, ["mean_imputation"], None)]
    Store(judge_home).add_review("pca/what", 3.0, 3)
    assert Store(judge_home).reviews()[0]["question"] == "pca/what"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_the_agreement_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import drill

    assert drill.main([]) == 0
    out = capsys.readouterr().out
    assert "78 hand-labelled answers" in out and "exact agreement" in out
    assert drill.kappa([("good", "good"), ("wrong", "wrong")]) == 1.0
    assert drill.kappa([("good", "wrong"), ("wrong", "good")]) < 0
