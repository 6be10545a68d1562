"""`judge list`: problems grouped by topic with level and budget; `--skill` and `--topic` filter them.

Custom copies of the tiny-add fixture with their own topics and skills, through click's runner (no Docker).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from judge.interfaces.cli import Context, cli
from judge.problems.catalog import by_topic, discover, load_problem, select

from .conftest import TINY, FakeClock

# slug -> (topic, skills, budget)
CUSTOM = {
    "zz-metrics": ("Toy Fundamentals", ["ToyNumPy", "metrics"], 7),
    "zz-descent": ("toy fundamentals", ["toynumpy", "optimisation"], 9),
    "zz-frames": ("Toy wrangling", ["pandas"], 6),
}


def make_custom(root: Path) -> Path:
    """Three copies of tiny-add in `root`, each with its topic, skills and budget from CUSTOM."""
    for slug, (topic, skills, budget) in CUSTOM.items():
        target = root / slug
        shutil.copytree(TINY, target)
        toml = target / "problem.toml"
        text = re.sub(r'slug = "[^"]+"', f'slug = "{slug}"', toml.read_text())
        text = re.sub(r"skills = \[[^\]]*\]", f"skills = {json.dumps(skills)}\ntopic = {json.dumps(topic)}", text)
        text = re.sub(r"budget_minutes = \d+", f"budget_minutes = {budget}", text)
        toml.write_text(text)
    return root


@pytest.fixture
def custom(tmp_path: Path) -> Path:
    return make_custom(tmp_path / "custom")


@pytest.fixture
def run(judge_home: Path, clock: FakeClock, tmp_path: Path, custom: Path,
        monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--problems", str(custom), "list", *args], obj=Context((), clock=clock),
                                  catch_exceptions=False)

    return invoke


def slugs(result: Result) -> list[str]:
    """The problem slugs in `judge list`'s table (the indented first cells), in the order shown."""
    cells = [line.split("│")[1] for line in result.stdout.splitlines() if line.count("│") > 2]
    return [cell.split()[0] for cell in cells if cell.startswith("  ") and cell.strip()]


def test_problem_without_topic_is_general() -> None:
    assert load_problem(TINY).topic == "general"


def test_select_is_case_insensitive_and_combines_filters(custom: Path) -> None:
    problems = [load_problem(custom / slug) for slug in CUSTOM]
    assert [p.slug for p in select(problems, topic="TOY FUNDAMENTALS")] == ["zz-metrics", "zz-descent"]
    assert [p.slug for p in select(problems, skill="toyNumPy")] == ["zz-metrics", "zz-descent"]
    assert [p.slug for p in select(problems, skill="Metrics", topic="toy Fundamentals")] == ["zz-metrics"]
    assert select(problems, skill="pandas", topic="toy fundamentals") == []
    assert select(problems) == problems


def test_by_topic_merges_case_variants_and_sorts_topics(custom: Path) -> None:
    problems = [load_problem(custom / slug) for slug in CUSTOM]
    groups = by_topic(problems)
    assert list(groups) == ["Toy Fundamentals", "Toy wrangling"]
    assert [p.slug for p in groups["Toy Fundamentals"]] == ["zz-metrics", "zz-descent"]


def test_list_groups_problems_under_their_topic(run: Any) -> None:
    result = run()
    assert result.exit_code == 0, result.output
    out = result.stdout
    # Each topic heading once, alphabetically; its problems below it and before the next heading.
    fundamentals, wrangling = out.index("Toy Fundamentals"), out.index("Toy wrangling")
    assert out.count("Toy Fundamentals") == 1 and out.lower().count("toy fundamentals") == 1
    assert fundamentals < out.index("zz-descent") < wrangling and fundamentals < out.index("zz-metrics") < wrangling
    assert wrangling < out.index("zz-frames")
    for slug in ("feature-engineering", "iris-classifier", "zz-frames"):
        assert slug in out


def test_list_shows_level_and_budget(run: Any) -> None:
    out = run("--topic", "toy wrangling").stdout
    row = next(line for line in out.splitlines() if "zz-frames" in line)
    assert "easy" in row and "6 min" in row, row


@pytest.mark.parametrize(("args", "want"), [
    (("--topic", "TOY fundamentals"), ["zz-metrics", "zz-descent"]),
    (("--skill", "TOYNUMPY"), ["zz-metrics", "zz-descent"]),
    (("--skill", "pandas", "--topic", "toy wrangling"), ["zz-frames"]),
    (("--skill", "metrics", "--topic", "Toy Fundamentals"), ["zz-metrics"]),
])
def test_list_filters_by_skill_and_topic(run: Any, args: tuple[str, ...], want: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert sorted(slugs(result)) == sorted(want), result.stdout


def test_list_json_has_topic_and_skills_and_is_filtered(run: Any) -> None:
    result = run("--topic", "toy fundamentals", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["slug"] for r in rows] == ["zz-metrics", "zz-descent"]
    assert rows[0]["topic"] == "Toy Fundamentals" and rows[0]["skills"] == ["ToyNumPy", "metrics"]
    assert rows[0]["difficulty"] == "easy" and rows[0]["budget_minutes"] == 7


def test_a_filter_matching_nothing_names_the_topics_and_skills(run: Any) -> None:
    result = run("--topic", "astrology")
    assert result.exit_code == 0, result.output
    assert "No problem has topic 'astrology'" in result.stdout
    assert "Toy wrangling" in result.stdout and "optimisation" in result.stdout
    assert result.stdout.casefold().count("toynumpy") == 1, "a skill spelt two ways is listed once"
    assert json.loads(run("--topic", "astrology", "--json").stdout) == []


def test_builtin_problems_all_have_a_topic() -> None:
    problems, _ = discover()
    assert all(p.topic != "general" for p in problems if p.builtin)
