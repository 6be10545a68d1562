"""What the interviewer reads of an attempt: `judge report --server URL ATTEMPT` (every submission's full
report and code, the timeline, the editorial's notes), the dashboard attempt page's notes, and a
near-identical pair opened side by side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TINY
from .server_helpers import Server, cli, route_cli_to, running_server
from .test_server_pages import new_client, sign_in

REFERENCE = (TINY / "reference" / "solution.py").read_text()
LONGER = REFERENCE + '''

def summary(values: list[int], factor: int) -> dict[str, int]:
    """Small statistics of the scaled values."""
    scaled = scale(values, factor)
    total = 0
    for value in scaled:
        total = add(total, value)
    return {"count": len(scaled), "total": total, "largest": max(scaled) if scaled else 0}
'''


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}") as server:
        yield server


def graded_attempt(srv: Server, name: str, source: str) -> str:
    started = srv.start(srv.invite(name=name)["code"])
    srv.clock.now += 60
    view = srv.wait(started["token"], srv.submit(started["token"], source).json()["id"])
    assert view["state"] == "graded"
    return str(started["attempt_id"])


def test_judge_report_server_prints_the_whole_attempt(srv: Server, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    url = route_cli_to(srv, monkeypatch)
    monkeypatch.setenv("JUDGE_SERVER_TOKEN", srv.token)
    attempt_id = graded_attempt(srv, "Ada", (TINY / "known_mistakes" / "subtracts.py").read_text())
    text = cli("report", "--server", url, attempt_id, clock=srv.clock, cwd=tmp_path)
    assert text.exit_code == 0, text.output
    flat = " ".join(text.output.split())
    assert "Ada · tiny-add (Add two numbers)" in flat and f"Attempt {attempt_id} (submitted" in flat
    assert "+1:00 submitted solution.py (submission 1)" in flat
    assert "Submission 1: graded" in flat and "add works on small positive integers" in flat  # every test
    assert "return a - b" in flat  # the code
    assert "What an interviewer looks for" in flat and "Plain, correct code" in flat
    assert "1. What if the inputs are floats?" in flat and "Compare with a tolerance" in flat
    as_json = cli("report", "--server", url, attempt_id, "--format", "json", clock=srv.clock, cwd=tmp_path)
    record = json.loads(as_json.output)
    assert record["submissions"][0]["solution.py"].count("return a - b") == 1
    assert len(record["interviewer_notes"]["follow_ups"]) == 3
    written = cli("report", "--server", url, attempt_id, "-o", str(tmp_path / "ada.txt"), clock=srv.clock,
                  cwd=tmp_path)
    assert written.exit_code == 0 and "Follow-up questions" in (tmp_path / "ada.txt").read_text()


@pytest.mark.parametrize("args, said", [(("att_nope",), "no attempt 'att_nope'"),
                                        ((), "--server needs the attempt's id"),
                                        (("att_x", "--format", "html"), "text or JSON")])
def test_judge_report_server_mistakes(srv: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      args: tuple[str, ...], said: str) -> None:
    url = route_cli_to(srv, monkeypatch)
    monkeypatch.setenv("JUDGE_SERVER_TOKEN", srv.token)
    result = cli("report", "--server", url, *args, clock=srv.clock, cwd=tmp_path)
    assert result.exit_code == 2 and said in " ".join(result.output.split())


def test_the_attempt_page_shows_what_to_look_for_and_the_follow_ups(srv: Server) -> None:
    attempt_id = graded_attempt(srv, "Ada", REFERENCE)
    browser = new_client(srv)
    sign_in(browser, srv.token)
    page = browser.get(f"/dashboard/attempts/{attempt_id}").text
    notes = page[page.index('id="interviewer-notes"'):]
    assert "Plain, correct code and a test for negative numbers." in notes
    assert "<summary>What if the inputs are floats?</summary>" in notes and "Compare with a tolerance" in notes


def test_a_near_identical_pair_opens_side_by_side(srv: Server) -> None:
    ada = graded_attempt(srv, "Ada", LONGER)
    bob = graded_attempt(srv, "Bob", LONGER.replace("scaled", "doubled").replace("total", "acc"))
    browser = new_client(srv)
    sign_in(browser, srv.token)
    board = browser.get("/dashboard/results/tiny-add").text
    assert f'href="/dashboard/compare/{bob}/{ada}"' in board or f'href="/dashboard/compare/{ada}/{bob}"' in board
    page = browser.get(f"/dashboard/compare/{ada}/{bob}")
    assert page.status_code == 200 and "Ada and Bob" in page.text and 'class="sbs"' in page.text
    assert "Ada (submission" in page.text and '<tr class="chg">' in page.text
    other = srv.new_interviewer("Eve")
    stranger = new_client(srv)
    sign_in(stranger, other)
    assert stranger.get(f"/dashboard/compare/{ada}/{bob}").status_code == 404


def test_a_problem_filter_that_matches_nothing_does_not_read_as_an_empty_server(
        srv: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`judge invites --problem tiny-ad` (a typo) said "No invitations yet" beside an invitation."""
    url = route_cli_to(srv, monkeypatch)
    monkeypatch.setenv("JUDGE_SERVER_TOKEN", srv.token)
    graded_attempt(srv, "Ada", REFERENCE)
    for command, said in (("invites", "No invitations to 'tiny-ad': `judge invites` without --problem"),
                          ("results", "No attempts started at 'tiny-ad': `judge results` without --problem")):
        result = cli(command, "--server", url, "--problem", "tiny-ad", clock=srv.clock, cwd=tmp_path)
        assert result.exit_code == 0 and said in " ".join(result.output.split()), result.output
