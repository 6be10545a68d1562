"""The progress page in headless Chromium: it renders to a screenshot, and its DOM holds the four charts, the
tables by topic and skill, and a problem name with markup left as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judge.model.progress import Progress, Standing
from judge.render.progress_html import progress_html
from tests.conftest import run_chromium
from tests.test_render_browser import png_size

pytestmark = pytest.mark.browser


def sample() -> tuple[Progress, list[dict[str, Any]]]:
    wrangling = Standing("data wrangling", ["feature-engineering", "data-cleaning"], {"feature-engineering",
                         "data-cleaning"}, {"feature-engineering"}, {"feature-engineering": 100.0,
                                                                      "data-cleaning": 88.0},
                         {"data-cleaning/mean_imputation"}, set(), [0.33, 0.9, 1.25])
    hostile = Standing("<img src=x>", ["<img src=x>"])
    attempts = [{"id": f"a{n}", "problem": "data-cleaning", "at": float(n), "percent": 88.0, "time_ratio": r,
                 "rating": "hard"} for n, r in enumerate([0.33, 0.9, 1.25])]
    progress = Progress([wrangling, hostile], [Standing("pandas", ["data-cleaning"], {"data-cleaning"}, set(),
                                                        {"data-cleaning": 88.0}, {"data-cleaning/mean_imputation"},
                                                        {"data-cleaning/mean_imputation"}, [0.9])], attempts)
    drill = [{"topic": "drift", "title": "Drift", "questions": 3, "answered": 2, "due": 1, "recall": 0.8}]
    return progress, drill


@pytest.fixture
def page_file(tmp_path: Path) -> Path:
    progress, drill = sample()
    path = tmp_path / "progress.html"
    path.write_text(progress_html(progress, drill, 1_800_000_000.0), encoding="utf-8")
    return path


def test_progress_page_renders(chromium: str, page_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "progress.png"
    run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600",
                 page_file.as_uri())
    assert png_size(shot) == (1280, 1600)
    assert 30_000 < shot.stat().st_size < 5_000_000, "a blank page compresses to a few kilobytes"


def test_progress_dom_has_charts_tables_and_no_injected_markup(chromium: str, page_file: Path,
                                                               tmp_path: Path) -> None:
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", page_file.as_uri()).stdout
    assert dom.count("<svg") == 4
    assert "1 of 3 problem(s) solved" in dom and "3 graded attempt(s)" in dom and "2 of 3 drill question(s)" in dom
    assert "100% (solved)" in dom and "88% (tried)" in dom
    assert "125% of the budget" in dom, "the over-budget attempt's tooltip"
    assert "1 of 1 avoided since" in dom and "2/3 answered, 1 due" in dom
    assert "33% → 90% → 125%" in dom
    assert "<img" not in dom and "&lt;img src=x&gt;" in dom
