"""The HTML report and history in a real browser: headless Chromium renders them to a screenshot, and its
DOM shows the content a reader needs, with a candidate's markup left as text (never as an element)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from judge.render.html import history_html, report_html
from tests.conftest import run_chromium
from tests.test_render import SOLUTION, history_rows, hostile_report, make_report

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 1600


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking it is a PNG at all)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


REPORT = make_report(elapsed_s=23 * 60 + 5, tests=make_report().tests + hostile_report().tests)


@pytest.fixture
def pages(tmp_path: Path) -> dict[str, Path]:
    """A failing, over-budget report with hostile text, and a history, written as files."""
    report = REPORT
    files = {"report": tmp_path / "report.html", "history": tmp_path / "history.html"}
    files["report"].write_text(report_html(report, SOLUTION), encoding="utf-8")
    files["history"].write_text(history_html(history_rows()), encoding="utf-8")
    return files


@pytest.mark.parametrize("name", ["report", "history"])
def test_pages_render_to_a_screenshot(chromium: str, pages: dict[str, Path], tmp_path: Path,
                                      name: str) -> None:
    shot = tmp_path / f"{name}.png"
    run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}",
                 pages[name].as_uri())
    assert png_size(shot) == (WIDTH, HEIGHT)
    # A blank page compresses to a few kilobytes; a rendered report with text and charts does not.
    assert 30_000 < shot.stat().st_size < 5_000_000


def test_report_dom_shows_score_verdict_and_failure(chromium: str, pages: dict[str, Path],
                                                    tmp_path: Path) -> None:
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", pages["report"].as_uri()).stdout
    assert f">{REPORT.score}/{REPORT.max_score}<" in dom and f">{REPORT.percent:g}%<" in dom
    assert ">failed<" in dom and "some tests failed" in dom
    assert "assert -1 == 5" in dom
    assert "23:05 of 20:00, over by 3:05" in dom
    assert "<img" not in dom, "candidate markup must stay text in the browser too"
    assert "&lt;/script&gt;&lt;img" in dom


def test_history_dom_shows_charts_and_best_scores(chromium: str, pages: dict[str, Path],
                                                  tmp_path: Path) -> None:
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", pages["history"].as_uri()).stdout
    assert dom.count("<svg") == 2
    assert "data-cleaning" in dom and "rag-pipeline" in dom
    assert "improving (+30 points)" in dom
