"""Helpers shared by the server's tests: an app on a fake clock, credentials, polling, the secret scanner."""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import FIXTURES, FakeClock

PROBLEMS = FIXTURES / "problems"
BUILTIN = Path(__file__).resolve().parents[1] / "problems"


@dataclass
class Server:
    """A running app (TestClient), its clock and an interviewer token."""

    client: Any
    clock: FakeClock
    token: str
    app: Any

    def as_interviewer(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def new_interviewer(self, name: str) -> str:
        from judge.services.credentials import create_interviewer

        with self.app.state.judge.db.session() as session:
            return create_interviewer(session, name, self.clock())

    def invite(self, problem: str = "tiny-add", name: str = "Ada", token: str | None = None, **extra: Any
               ) -> dict[str, Any]:
        answer = self.client.post("/api/v1/invitations", headers=self.as_interviewer(token),
                                  json={"problem": problem, "candidate_name": name, **extra})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def start(self, code: str) -> dict[str, Any]:
        answer = self.client.post("/api/v1/start", json={"code": code})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def submit(self, session_token: str, source: str | bytes) -> Any:
        body = source.encode() if isinstance(source, str) else source
        return self.client.post("/api/v1/attempt/submissions", content=body,
                                headers={"Authorization": f"Bearer {session_token}",
                                         "Content-Type": "text/x-python"})

    def wait(self, session_token: str, submission_id: int, timeout: float = 120.0) -> dict[str, Any]:
        """Poll a submission until it is no longer pending (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.client.get(f"/api/v1/attempt/submissions/{submission_id}",
                                     headers={"Authorization": f"Bearer {session_token}"})
            assert answer.status_code == 200, answer.text
            view = dict(answer.json())
            if view["state"] != "pending" or time.monotonic() > deadline:
                return view
            time.sleep(0.05)


@contextmanager
def running_server(database_url: str, backend: str = "local", problems: tuple[Path, ...] = (PROBLEMS,),
                   clock: FakeClock | None = None, **settings: Any) -> Iterator[Server]:
    """The app on ``database_url`` with its lifespan running (migrated, grader started)."""
    from fastapi.testclient import TestClient

    from judge.interfaces.server import Settings, create_app
    from judge.services.credentials import create_interviewer

    clock = clock or FakeClock()
    app = create_app(Settings(database_url=database_url, problems=problems, backend=backend, **settings),
                     clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.judge.db.session() as session:
            token = create_interviewer(session, "Grace", clock())
        yield Server(client, clock, token, app)


@contextmanager
def live_server(tmp_path: Path, *serve_args: str) -> Iterator[tuple[str, str, Path]]:
    """A real `judge serve` subprocess on a free loopback port (the fixture problems, ``serve_args`` added),
    after `judge serve init`: yields (its URL, an interviewer token, its JUDGE_HOME)."""
    import os
    import subprocess
    import sys
    import urllib.request

    from .conftest import free_port

    judge = str(Path(sys.executable).parent / "judge")
    home = tmp_path / "server-home"
    env = {**os.environ, "JUDGE_HOME": str(home)}
    init = subprocess.run([judge, "serve", "init", "--name", "Grace"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert init.returncode == 0, init.stderr
    token = init.stdout.strip().splitlines()[-1]
    assert token.startswith("jit_")
    port = free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen([judge, "--problems", str(PROBLEMS), "serve", "--port", str(port), *serve_args],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # bounded readiness loop on /health
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "judge serve did not become ready in 60 s"
            time.sleep(0.1)
        yield url, token, home
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# -- the secret scanner (independent of judge.services.secrecy on purpose) -----------------------------


def _meaningful(line: str) -> bool:
    text = line.strip()
    return (len(text) >= 10 and not text.startswith(("import ", "from ", "#", "@pytest.mark"))
            and any(ch.isalnum() for ch in text))


def _docstrings(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            found |= {line.strip() for line in (ast.get_docstring(node) or "").splitlines()}
    return found


def public_text(problem_root: Path) -> str:
    """Everything a candidate already has: statement, starter, public tests, the test doubles."""
    texts = [(problem_root / "statement.md").read_text()]
    if (problem_root / "doubles.py").is_file():
        texts.append((problem_root / "doubles.py").read_text())
    for folder in ("starter", "public_tests"):
        for path in (problem_root / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".md", ".txt", ".csv", ".json", ".toml"):
                texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def secret_material(problem_root: Path) -> tuple[set[str], set[str]]:
    """(lines of the hidden tests and the reference a candidate must never see, hidden test names)."""
    public = public_text(problem_root)
    lines: set[str] = set()
    names: set[str] = set()
    for path in sorted((problem_root / "hidden_tests").rglob("*.py")):
        source = path.read_text()
        described = _docstrings(source)
        lines |= {line.strip() for line in source.splitlines() if _meaningful(line)} - described
        names |= {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)
                  and n.name.startswith("test_")}
    reference = (problem_root / "reference" / "solution.py").read_text()
    lines |= {line.strip() for line in reference.splitlines() if _meaningful(line)}
    public_names = set()
    for path in (problem_root / "public_tests").rglob("*.py"):
        public_names |= {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}
    return {line for line in lines if line not in public}, names - public_names


def leaks(body: str, lines: set[str], names: set[str]) -> list[str]:
    """The secret lines and names found in ``body``."""
    import re

    found = [line for line in lines if line in body]
    found += [name for name in names if re.search(rf"\b{re.escape(name)}\b", body)]
    return found


# -- the candidate's CLI against the in-process app ----------------------------------------------------


def route_cli_to(server: Server, monkeypatch: Any) -> str:
    """Send every call of the CLI's HTTP client to ``server``'s app (no socket); returns the URL to pass
    as --server. A refusal is the same ``ServerError`` a real answer gives."""
    from judge.interfaces.client import Client, ServerError

    def call(self: Client, method: str, path: str, payload: Any = None, *, data: bytes | None = None,
             content_type: str = "application/json", raw: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if data is not None:
            headers["Content-Type"] = content_type
        answer = server.client.request(method, path, headers=headers, json=payload, content=data)
        if answer.status_code >= 400:
            raise ServerError(f"the server answered {answer.status_code}: {answer.json().get('error')}",
                              answer.status_code)
        return answer.content if raw else (answer.json() if answer.content else None)

    monkeypatch.setattr(Client, "call", call)
    return "http://testserver"


def cli(*args: str, clock: FakeClock, cwd: Path | None = None, input: str | None = None) -> Any:
    """Run `judge ARGS` in-process (the click runner) on ``clock``; returns click's Result."""
    import os

    from click.testing import CliRunner

    from judge.interfaces.cli import Context
    from judge.interfaces.cli import cli as judge_cli

    here = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(judge_cli, list(args), obj=Context((), clock=clock), catch_exceptions=False,
                                  input=input)
    finally:
        os.chdir(here)
