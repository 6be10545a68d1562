"""A real `judge serve` subprocess on a loopback port, grading in the Docker sandbox, driven by the CLI as an
interviewer and as candidates (each in their own folder and data folder, without the problem installed)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import FIXTURES, TINY
from .server_helpers import BUILTIN, leaks, live_server, secret_material

pytestmark = pytest.mark.docker
JUDGE = str(Path(sys.executable).parent / "judge")
ADVERSARIAL = FIXTURES / "adversarial"


@dataclass
class Live:
    url: str
    token: str
    home: Path

    def interviewer(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "JUDGE_HOME": str(self.home), "JUDGE_SERVER_TOKEN": self.token, "COLUMNS": "160"}
        return subprocess.run([JUDGE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def candidate(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JUDGE_SERVER_TOKEN", "JUDGE_PROBLEMS_PATH")}
    env["JUDGE_HOME"] = str(home)
    return subprocess.run([JUDGE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def live(docker_image: str, tmp_path: Path) -> Iterator[Live]:
    with live_server(tmp_path, "--workers", "2") as (url, token, home):
        yield Live(url, token, home)


def invite(live: Live, tmp_path: Path, problem: str = "tiny-add", *extra: str) -> str:
    made = live.interviewer("invite", "--server", live.url, "--problem", problem, "--name", f"Cand {problem}",
                            *extra, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert f"judge start --server {live.url} --invite" in made.stdout
    return made.stdout.strip().splitlines()[-1]


def test_interview_through_the_cli(live: Live, tmp_path: Path) -> None:
    code = invite(live, tmp_path)
    desk, home = tmp_path / "candidate", tmp_path / "candidate-home"
    desk.mkdir()
    started = candidate("start", "--server", live.url, "--invite", code, cwd=desk, home=home)
    assert started.returncode == 0, started.stderr
    assert "Your window: 5 minutes on the server's clock, deadline" in " ".join(started.stdout.split())
    ws = desk / "tiny-add"
    assert (ws / ".judge-attempt").stat().st_mode & 0o077 == 0, "the session token is private to its owner"

    lines, names = secret_material(TINY)
    received = "\n".join(p.read_text() for p in ws.rglob("*") if p.is_file())
    assert "def add" in received and not leaks(received, lines, names)

    again = candidate("start", "--server", live.url, "--invite", code, "--dir", str(tmp_path / "again"),
                      cwd=desk, home=home)
    assert again.returncode == 2 and "already used" in again.stderr

    public = candidate("test", cwd=ws, home=home)
    assert public.returncode == 1 and "public examples" in public.stdout, public.stderr
    status = candidate("status", "--json", cwd=ws, home=home)
    data = json.loads(status.stdout)
    assert data["status"] == "open" and data["test_runs"] == 1 and data["last_test_run"]["total"] >= 1

    # The same safety net as practice: the untouched starter and a file that does not compile are refused
    # before anything is uploaded, and the attempt stays open.
    untouched = candidate("submit", cwd=ws, home=home)
    assert untouched.returncode == 2 and "untouched starter" in untouched.stderr, untouched.stderr
    assert "still open" in untouched.stderr
    (ws / "solution.py").write_text("def add(a, b):\n    return a +\n")
    broken = candidate("submit", cwd=ws, home=home)
    assert broken.returncode == 2 and "does not compile" in broken.stderr and "line 2" in broken.stderr
    assert json.loads(candidate("status", "--json", cwd=ws, home=home).stdout)["status"] == "open"

    shutil.copy(TINY / "reference" / "solution.py", ws / "solution.py")
    submitted = candidate("submit", cwd=ws, home=home)
    assert submitted.returncode == 0, submitted.stderr
    assert "Score 6/6 (100%)" in submitted.stdout and "server clock" in submitted.stdout
    closed = candidate("submit", cwd=ws, home=home)
    assert closed.returncode == 2 and "already submitted" in closed.stderr

    results = live.interviewer("results", "--server", live.url, "--format", "json", cwd=tmp_path)
    rows = json.loads(results.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert (row["candidate"], row["problem"], row["score"], row["max_score"], row["percent"], row["late"]) == (
        "Cand tiny-add", "tiny-add", 6, 6, 100.0, False)
    assert 0 < row["elapsed_s"] < row["budget_s"] == 300
    table = live.interviewer("results", "--server", live.url, cwd=tmp_path)
    assert "Cand tiny-add" in table.stdout and "6/6 (100%)" in table.stdout
    csv_out = live.interviewer("results", "--server", live.url, "--format", "csv", cwd=tmp_path)
    assert csv_out.stdout.splitlines()[0].startswith("candidate,problem,score,max_score,percent,elapsed_s")
    invites = live.interviewer("invites", "--server", live.url, "--json", cwd=tmp_path)
    assert json.loads(invites.stdout)[0]["state"] == "submitted"


@pytest.mark.parametrize("fixture", ["forge_results.py", "os_exit_at_import.py", "patch_pytest.py"])
def test_hostile_submission_ends_remotely_as_it_does_locally(live: Live, tmp_path: Path, fixture: str) -> None:
    local = subprocess.run([JUDGE, "--problems", str(FIXTURES / "problems"), "grade", "--problem", "tiny-add",
                            str(ADVERSARIAL / fixture), "--json"], capture_output=True, text=True, timeout=300,
                           env={**os.environ, "JUDGE_HOME": str(tmp_path / "local-home")})
    expected = json.loads(local.stdout)
    desk, home = tmp_path / "desk", tmp_path / "home"
    desk.mkdir()
    assert candidate("start", "--server", live.url, "--invite", invite(live, tmp_path), cwd=desk,
                     home=home).returncode == 0
    shutil.copy(ADVERSARIAL / fixture, desk / "tiny-add" / "solution.py")
    remote = candidate("submit", "--json", "--force", cwd=desk / "tiny-add", home=home)  # graded as is
    view = json.loads(remote.stdout)
    assert remote.returncode == local.returncode, (remote.stderr, local.stderr)
    report = view["report"]
    assert (report["verdict"], report["score"]) == (expected["verdict"], expected["score"])


def test_a_real_problem_end_to_end(live: Live, tmp_path: Path) -> None:
    desk, home = tmp_path / "desk", tmp_path / "home"
    desk.mkdir()
    code = invite(live, tmp_path, "feature-engineering", "--feedback", "score")
    assert candidate("start", "--server", live.url, "--invite", code, cwd=desk, home=home).returncode == 0
    ws = desk / "feature-engineering"
    lines, names = secret_material(BUILTIN / "feature-engineering")
    received = "\n".join(p.read_text(errors="replace") for p in ws.rglob("*") if p.is_file())
    assert not leaks(received, lines, names)
    shutil.copy(BUILTIN / "feature-engineering" / "reference" / "solution.py", ws / "solution.py")
    done = candidate("submit", "--json", cwd=ws, home=home)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["report"]
    assert report["percent"] == 100.0 and "tests" not in report and report["requirements"]


def test_a_submission_waits_while_no_sandbox_starts_and_is_graded_when_one_does(
        docker_image: str, docker_api: object, tmp_path: Path) -> None:
    """The sandbox is taken away mid-interview (its image is missing) and given back (tagged again): the
    submission waits, /health says degraded, the candidate reads "waiting for a grader", and the grader's
    own timer grades it once the image is back, without a restart."""
    import secrets as random_names

    from fastapi.testclient import TestClient

    from judge.backends.docker import DockerBackend
    from judge.execution.executor import Executor
    from judge.interfaces.server import Settings, create_app
    from judge.services.credentials import create_interviewer
    from judge.services.server_grading import RETRY_FIRST_S

    from .conftest import FakeClock
    from .server_helpers import PROBLEMS, Server

    repository, tag = "ml-judge-sandbox", f"gone-{random_names.token_hex(6)}"  # a tag no image has yet
    clock = FakeClock()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", problems=(PROBLEMS,)),
                     executor=Executor(DockerBackend(image=f"{repository}:{tag}")), clock=clock)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            with app.state.judge.db.session() as session:
                token = create_interviewer(session, "Grace", clock())
            srv = Server(client, clock, token, app)
            session_token = srv.start(srv.invite()["code"])["token"]
            stored = srv.submit(session_token, (TINY / "reference" / "solution.py").read_text())
            assert stored.status_code == 202, stored.text
            waiting = srv.wait(session_token, stored.json()["id"], timeout=5)
            assert waiting["state"] == "pending" and "waiting for a grader" in waiting["note"]
            health = client.get("/health").json()
            assert health["status"] == "degraded" and health["waiting"] == 1 and "sandbox" in health["reason"]

            docker_api.tag(docker_image, repository, tag)  # type: ignore[attr-defined]  # the sandbox is back
            clock.now += RETRY_FIRST_S + 1  # the retry is due (the grader's timer checks every second)
            graded = srv.wait(session_token, stored.json()["id"], timeout=120)
            assert graded["state"] == "graded" and graded["report"]["percent"] == 100.0, graded
            assert client.get("/health").json() == {"status": "ok"}
    finally:
        with contextlib.suppress(Exception):  # never tagged (the test failed before): nothing to remove
            docker_api.remove_image(f"{repository}:{tag}", noprune=True)  # type: ignore[attr-defined]
