"""The interview's smaller points, each seen once by a new interviewer or candidate: a wrong token says
invalid or expired, `judge results` never cuts an attempt id, the CSV has readable times, an unknown
results page is a 404, `judge status` counts the latest public run."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from .conftest import TINY
from .server_helpers import Server, cli, route_cli_to, running_server
from .test_server_pages import new_client, sign_in

REFERENCE = (TINY / "reference" / "solution.py").read_text()


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}") as server:
        yield server


def test_a_wrong_token_is_invalid_or_expired_whatever_its_kind(srv: Server) -> None:
    session = srv.start(srv.invite()["code"])["token"]
    for token in ("nope", "jit_" + "x" * 43, session):
        answer = srv.client.get("/api/v1/results", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and "invalid or expired interviewer token" in answer.json()["error"]
    for token in ("nope", "jcs_" + "x" * 43, srv.token):
        answer = srv.client.get("/api/v1/attempt", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and "invalid or expired session token" in answer.json()["error"]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_results_never_cut_an_attempt_id(srv: Server, width: int) -> None:
    from judge.interfaces.cli.server import results_table

    srv.start(srv.invite(name="Ada Lovelace-Byron")["code"])
    rows = srv.client.get("/api/v1/results", headers=srv.as_interviewer()).json()
    buffer = io.StringIO()
    results_table(Console(file=buffer, width=width, no_color=True), rows)
    assert rows[0]["attempt_id"] in buffer.getvalue()


def test_the_csv_export_has_iso_times(srv: Server) -> None:
    token = srv.start(srv.invite()["code"])["token"]
    srv.clock.now += 90
    srv.wait(token, srv.submit(token, REFERENCE).json()["id"])
    browser = new_client(srv)
    sign_in(browser, srv.token)
    row = next(csv.DictReader(io.StringIO(browser.get("/dashboard/results/tiny-add/export.csv").text)))
    start = srv.clock.now - 90
    assert row["started_at"] == __import__("time").strftime("%Y-%m-%dT%H:%M:%SZ", __import__("time").gmtime(start))
    assert row["submitted_at"].endswith("Z") and row["submitted_at"] > row["started_at"]


def test_an_unknown_results_page_is_404_and_a_known_empty_one_is_not(srv: Server) -> None:
    browser = new_client(srv)
    sign_in(browser, srv.token)
    assert browser.get("/dashboard/results/nope").status_code == 404
    assert browser.get("/dashboard/results/tiny-add").status_code == 200
    # The CSV export of a mistyped slug was an empty 200 (a header row): it is the same 404 as the page.
    unknown = browser.get("/dashboard/results/nope/export.csv")
    assert unknown.status_code == 404 and "no problem 'nope'" in html.unescape(unknown.text)
    assert browser.get("/dashboard/results/tiny-add/export.csv").status_code == 200


def test_status_counts_the_public_run_just_made(srv: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    url = route_cli_to(srv, monkeypatch)
    made = cli("start", "--server", url, "--invite", srv.invite()["code"], "--dir", str(tmp_path / "ws"),
               clock=srv.clock)
    assert made.exit_code == 0
    (tmp_path / "ws" / "solution.py").write_text(REFERENCE)
    for n in (1, 2):
        assert cli("test", "--backend", "local", clock=srv.clock, cwd=tmp_path / "ws").exit_code == 0
        status = cli("status", clock=srv.clock, cwd=tmp_path / "ws")
        assert f"Public examples run {n} time(s); last: 2/2 passed" in " ".join(status.output.split())
