"""The catalog: built-in problems load; custom folders are found; a bad folder is a clear error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from judge.paths import builtin_problems_dir
from judge.problems.catalog import ProblemError, discover, find_problem, load_problem

from .conftest import TINY

BUILTIN = {
    "data-cleaning": 20,
    "iris-classifier": 20,
    "rag-pipeline": 30,
    "feature-engineering": 15,
    "imbalanced-classification": 20,
    "drift-monitor": 20,
    "classification-metrics": 15,
    "logistic-regression-gd": 20,
    "attention-numpy": 20,
    "pca-svd": 15,
    "model-serving": 25,
    "hybrid-search": 30,
}


def test_builtin_problems_load_with_their_budgets() -> None:
    problems, errors = discover()
    assert errors == []
    found = {p.slug: p.budget_minutes for p in problems if p.builtin}
    assert found == BUILTIN


@pytest.mark.parametrize("slug", sorted(BUILTIN))
def test_builtin_problem_has_every_part(slug: str) -> None:
    problem = load_problem(builtin_problems_dir() / slug)
    assert problem.statement_path.is_file()
    assert problem.reference_path.is_file()
    assert list(problem.public_tests_dir.glob("test_*.py")), "public examples missing"
    assert problem.requirements(), "statement lists no **Rn** requirements"
    data_bytes = sum(p.stat().st_size for p in problem.data_files())
    assert data_bytes < 1024**2, f"data files are {data_bytes} bytes; keep them under 1 MB"


def test_custom_folder_on_the_search_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_PROBLEMS_PATH", str(TINY.parent))
    problems, _ = discover()
    tiny = [p for p in problems if p.slug == "tiny-add"]
    assert tiny and not tiny[0].builtin
    assert find_problem("tiny-add").root == TINY.resolve()


def test_unknown_problem_names_the_known_ones() -> None:
    with pytest.raises(ProblemError, match=r"unknown problem 'nope'.*feature-engineering"):
        find_problem("nope")


@pytest.mark.parametrize(("typed", "meant"), [
    ("feature", "Did you mean feature-engineering?"), ("pca", "Did you mean pca-svd?"),
    ("atention-numpy", "Did you mean attention-numpy?"),
    ("classification", "Did you mean classification-metrics or imbalanced-classification?"),
])
def test_a_mistyped_or_shortened_problem_is_named(typed: str, meant: str) -> None:
    with pytest.raises(ProblemError, match=re.escape(f"unknown problem '{typed}'. {meant} Known problems")):
        find_problem(typed)


def test_a_problem_in_capitals_is_found() -> None:
    assert find_problem("PCA-SVD").slug == "pca-svd"
    with pytest.raises(ProblemError) as nothing_close:
        find_problem("zzz")
    assert "Did you mean" not in str(nothing_close.value)


def test_problem_by_path() -> None:
    assert find_problem(str(TINY)).slug == "tiny-add"


def copy_tiny(tmp_path: Path) -> Path:
    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    return root


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: (r / "problem.toml").write_text("slug = ["), "not valid TOML"),
        (lambda r: (r / "problem.toml").write_text("colour = 'red'\n" + (r / "problem.toml").read_text()),
         "unknown key"),
        (lambda r: (r / "problem.toml").write_text((r / "problem.toml").read_text().replace(
            "budget_minutes = 5", "budget_minutes = -5")), "budget_minutes must be a positive number"),
        (lambda r: (r / "problem.toml").write_text((r / "problem.toml").read_text().replace(
            "budget_minutes = 5", "budget_minutes = nan")), "budget_minutes must be a positive number"),
        (lambda r: (r / "problem.toml").write_text((r / "problem.toml").read_text().replace(
            "timeout_s = 20", "timeout_s = inf")), "timeout_s must be a positive number"),
        (lambda r: (r / "statement.md").unlink(), "missing statement.md"),
        (lambda r: (r / "problem.toml").unlink(), "no problem.toml"),
        (lambda r: (r / "problem.toml").write_text((r / "problem.toml").read_text().replace(
            'slug = "tiny-add"', 'slug = "other"')), "does not match the folder name"),
    ],
)
def test_bad_folder_is_a_clear_error(tmp_path: Path, edit: object, message: str) -> None:
    root = copy_tiny(tmp_path)
    edit(root)  # type: ignore[operator]
    with pytest.raises(ProblemError, match=message):
        load_problem(root)


def test_broken_folder_does_not_hide_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_tiny(tmp_path)
    (root / "problem.toml").write_text("slug = [")
    monkeypatch.setenv("JUDGE_PROBLEMS_PATH", str(tmp_path))
    problems, errors = discover()
    assert len(errors) == 1 and "not valid TOML" in errors[0]
    assert {p.slug for p in problems} >= set(BUILTIN)


def test_the_catalogue_index_parses_an_unchanged_file_once_and_sees_a_changed_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from judge.problems import catalog

    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "home"))
    folder = tmp_path / "custom"
    shutil.copytree(TINY, folder / "tiny-add")
    toml = folder / "tiny-add" / "problem.toml"
    assert next(p for p in discover([folder])[0] if p.slug == "tiny-add").title == "Add two numbers"
    assert (tmp_path / "home" / catalog.ParsedTomls.INDEX).is_file()

    parses: list[Path] = []
    real = catalog.parse_toml
    monkeypatch.setattr(catalog, "parse_toml", lambda path: parses.append(path) or real(path))
    discover([folder])
    assert parses == [], "nothing changed: nothing parsed"

    # Same size, same modification time: the change time (and the inode, for a copy over it) still tell.
    before = toml.stat()
    toml.write_text(toml.read_text().replace("Add two numbers", "Add two NUMBERS"))
    os.utime(toml, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert toml.stat().st_size == before.st_size and toml.stat().st_mtime_ns == before.st_mtime_ns
    assert next(p for p in discover([folder])[0] if p.slug == "tiny-add").title == "Add two NUMBERS"
    assert parses == [toml.resolve()]

    (tmp_path / "home" / catalog.ParsedTomls.INDEX).write_text("{damaged")
    assert next(p for p in discover([folder])[0] if p.slug == "tiny-add").title == "Add two NUMBERS"
