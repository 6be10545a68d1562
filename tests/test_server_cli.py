"""The server commands' expected failures: one clear line and the right exit code, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import free_port

JUDGE = str(Path(sys.executable).parent / "judge")


def judge(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if k != "JUDGE_SERVER_TOKEN"}
    full.update(env or {})
    return subprocess.run([JUDGE, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=full)


def test_candidate_and_interviewer_mistakes(judge_home: Path, tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    down = judge("start", "--server", nobody, "--invite", "jic_x", cwd=tmp_path)
    assert down.returncode == 3 and "cannot reach the server" in down.stderr and "Traceback" not in down.stderr
    half = judge("start", "--server", nobody, cwd=tmp_path)
    assert half.returncode == 2 and "--invite" in half.stderr
    bad_url = judge("start", "--server", "ftp://x", "--invite", "jic_x", cwd=tmp_path)
    assert bad_url.returncode == 2 and "http(s) URL" in bad_url.stderr
    no_token = judge("invite", "--server", nobody, "--problem", "tiny-add", "--name", "A", cwd=tmp_path)
    assert no_token.returncode == 2 and "JUDGE_SERVER_TOKEN" in no_token.stderr
    results = judge("results", "--server", nobody, cwd=tmp_path, env={"JUDGE_SERVER_TOKEN": "jit_x"})
    assert results.returncode == 3 and "cannot reach the server" in results.stderr


def test_serve_init_prints_the_token_alone_on_the_last_line(judge_home: Path, tmp_path: Path) -> None:
    made = judge("serve", "init", "--name", "Grace", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    last = made.stdout.strip().splitlines()[-1]
    assert last.startswith("jit_") and len(last) == 47 and " " not in last
    assert (judge_home / "server.sqlite").is_file()
    assert last not in (judge_home / "server.sqlite").read_bytes().decode("latin-1"), "only the hash is stored"
    no_scheme = judge("serve", "--port", str(free_port()), "--public-url", "judge.example.com", cwd=tmp_path)
    assert no_scheme.returncode == 2 and "--public-url must be an http(s) URL" in no_scheme.stderr  # not served
    broken = judge("serve", "init", "--database", "postgresql+psycopg://u@127.0.0.1:1/x", cwd=tmp_path)
    assert broken.returncode == 3 and "cannot reach the database" in broken.stderr and "Traceback" not in broken.stderr


def test_serve_init_refuses_a_token_lifetime_that_is_no_number_of_days(judge_home: Path, tmp_path: Path) -> None:
    """`--token-days nan` ended in an IntegrityError traceback; `inf` printed "token valid inf days"."""
    for days in ("nan", "inf", "1e9"):
        made = judge("serve", "init", "--token-days", days, cwd=tmp_path)
        assert made.returncode == 2, (days, made.stdout, made.stderr)
        assert "--token-days must be a number of days" in made.stderr and "Traceback" not in made.stderr
        assert "jit_" not in made.stdout


def test_a_server_url_that_answers_a_web_page_is_a_clear_error(judge_home: Path, tmp_path: Path) -> None:
    """--server at another web server (a proxy's page answering 200) ended in a JSONDecodeError traceback."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html>sign in</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    page = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=page.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{page.server_port}"
        listed = judge("invites", "--server", url, cwd=tmp_path, env={"JUDGE_SERVER_TOKEN": "jit_x"})
    finally:
        page.shutdown()
        page.server_close()
    assert listed.returncode == 2 and "Traceback" not in listed.stderr, listed.stderr
    assert "answered 200 with text/html, not the judge's JSON; check that --server" in listed.stderr
