"""The invitation's window everywhere the candidate reads time (workspace README, statement page, `judge
start`, `judge status`) with what happens after it; and the workspace archive built once per problem
version."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .server_helpers import BUILTIN, Server, cli, route_cli_to, running_server


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}", problems=(BUILTIN,)) as server:
        yield server


def files_of(archive: bytes) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar:
            handle = tar.extractfile(member)
            if handle is not None:
                found[member.name] = handle.read()
    return found


@pytest.mark.parametrize("late, after", [("grade", "still graded, and marked late"),
                                         ("refuse", "submissions are refused")])
def test_the_readme_says_the_invitations_window_and_what_follows_it(srv: Server, late: str, after: str) -> None:
    started = srv.start(srv.invite(problem="data-cleaning", minutes=10, late=late)["code"])
    readme = files_of(base64.b64decode(started["workspace"]))["README.md"].decode()
    head = " ".join(line.removeprefix("> ") for line in readme.split("\n\n", 1)[0].splitlines())
    assert "Your window: 10 minutes" in head and "the problem's usual budget is 20 minutes" in head
    assert re.search(r"deadline \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", head) and after in head
    body = readme.split("\n\n", 1)[1]
    assert "In **10 minutes**" in body and "20 minutes" not in body  # the statement never contradicts the clock
    assert all(len(line) <= 80 for line in readme.split("\n\n", 1)[0].splitlines())


def test_the_statement_page_shows_the_window_not_the_problems_budget(srv: Server) -> None:
    from .test_server_pages import csrf_of, new_client

    code = srv.invite(problem="feature-engineering", minutes=1)["code"]
    browser = new_client(srv)
    landing = browser.get(f"/join/{code}")
    browser.post(f"/join/{code}", data={"csrf": csrf_of(landing.text)}, follow_redirects=False)
    page = browser.get("/candidate").text
    window = re.search(r'<p id="window">(.*?)</p>', page, re.S)
    assert window and "Your window: 1 minute</strong>" in window.group(1) and "marked late" in window.group(1)
    assert "Budget: 1 minute." in page and "15 minutes" not in page


def test_start_and_status_say_the_window_deadline_and_late_rule(srv: Server, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    url = route_cli_to(srv, monkeypatch)
    code = srv.invite(problem="data-cleaning", minutes=10, late="refuse")["code"]
    made = cli("start", "--server", url, "--invite", code, "--dir", str(tmp_path / "ws"), clock=srv.clock)
    assert made.exit_code == 0, made.output
    flat = " ".join(made.output.split())
    assert "Your window: 10 minutes on the server's clock, deadline" in flat and "refused" in flat
    srv.clock.now += 11 * 60
    status = cli("status", clock=srv.clock, cwd=tmp_path / "ws")
    flat = " ".join(status.output.split())
    assert status.exit_code == 0, status.output
    assert "over by 1:00" in flat and "deadline" in flat and "submissions are refused" in flat


def test_the_workspace_archive_is_built_once_per_problem_version(srv: Server, tmp_path: Path) -> None:
    st: Any = srv.app.state.judge
    first = srv.start(srv.invite(problem="data-cleaning", name="Ada")["code"])
    second = srv.start(srv.invite(problem="data-cleaning", name="Bob")["code"])
    again = srv.client.get("/api/v1/attempt/workspace", headers={"Authorization": f"Bearer {first['token']}"})
    assert again.status_code == 200
    assert st.workspaces.builds == 1
    ada, bob = files_of(base64.b64decode(first["workspace"])), files_of(again.content)
    assert ada == bob == {**files_of(base64.b64decode(second["workspace"])), "README.md": ada["README.md"]}
    assert "for Ada" in ada["README.md"].decode() and {"solution.py", "tests/test_public.py"} <= set(ada)
    # The same bytes through the system's tar (two gzip members read as one archive).
    (tmp_path / "ws.tar.gz").write_bytes(again.content)
    (tmp_path / "out").mkdir()
    subprocess.run(["tar", "xzf", str(tmp_path / "ws.tar.gz"), "-C", str(tmp_path / "out")], check=True)
    assert (tmp_path / "out" / "README.md").read_bytes() == ada["README.md"]
    assert (tmp_path / "out" / "solution.py").read_bytes() == ada["solution.py"]


def test_an_edited_problem_gets_a_new_archive(tmp_path: Path) -> None:
    import shutil

    from .server_helpers import PROBLEMS

    shutil.copytree(PROBLEMS, tmp_path / "problems")
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}", problems=(tmp_path / "problems",)) as server:
        st: Any = server.app.state.judge
        server.start(server.invite()["code"])
        starter = tmp_path / "problems" / "tiny-add" / "starter" / "solution.py"
        starter.write_text(starter.read_text() + "\n# edited\n")
        started = server.start(server.invite()["code"])
        assert st.workspaces.builds == 2
        assert files_of(base64.b64decode(started["workspace"]))["solution.py"].endswith(b"# edited\n")


def test_a_window_equal_to_the_budget_leaves_the_statement_alone(srv: Server) -> None:
    started = srv.start(srv.invite(problem="iris-classifier")["code"])
    readme = files_of(base64.b64decode(started["workspace"]))["README.md"].decode()
    assert "You have **20 minutes**" in readme and "usual budget" not in readme


def test_the_workspace_download_is_at_the_top_not_below_the_statement(srv: Server) -> None:
    from .test_server_pages import csrf_of, new_client

    code = srv.invite(problem="data-cleaning")["code"]
    browser = new_client(srv)
    landing = browser.get(f"/join/{code}")
    browser.post(f"/join/{code}", data={"csrf": csrf_of(landing.text)}, follow_redirects=False)
    page = browser.get("/candidate").text
    assert page.index('id="workspace-link"') < page.index('id="statement-heading"')
    assert browser.get("/candidate/workspace.tar.gz").status_code == 200
