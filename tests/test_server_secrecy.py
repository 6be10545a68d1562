"""No hidden test source, hidden test name or reference text in any answer a candidate gets.

Every problem (the built-in ones and the fixtures) is invited, started and submitted; every route is
called as nobody, as the candidate and (for contrast) as the interviewer; every candidate-bound body -
JSON strings decoded, the workspace archive unpacked - is scanned for the non-trivial lines of the
problem's hidden_tests/*.py and reference/solution.py that the candidate does not already have, and for
hidden test names. The scanner is this file's own (tests/server_helpers.py), not the server's redaction.
Submissions that read the hidden suite inside the sandbox and put it in their failure messages prove the
redaction: the interviewer's copy holds the text, the candidate's does not.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from .server_helpers import BUILTIN, PROBLEMS, leaks, running_server, secret_material

EXFILTRATE = '''
import pathlib


def _everything():
    found = []
    for root in {pathlib.Path.cwd(), pathlib.Path(__file__).resolve().parent.parent}:
        for path in sorted(root.rglob("*.py")):
            try:
                found.append(f"== {path.name}\\n" + path.read_text())
            except Exception:
                pass
    return "\\n".join(found)


def add(a, b):
    raise AssertionError(_everything())


def scale(values, factor):
    print(_everything())
    raise ValueError(_everything())
'''
EXFILTRATE_AT_IMPORT = EXFILTRATE + "\nraise RuntimeError(_everything())\n"
DOES_NOT_COMPILE = "def broken(:\n"


def strings(value: Any) -> list[str]:
    """Every string in a JSON document, decoded (escapes undone)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(k) + strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def body_text(response: Any) -> str:
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json"):
        data = response.json()
        texts = strings(data)
        if isinstance(data, dict) and "workspace" in data:
            texts += archive_texts(base64.b64decode(data["workspace"]))
        return "\n".join(texts)
    if kind.startswith("application/gzip"):
        return "\n".join(archive_texts(response.content))
    return response.text


def archive_texts(archive: bytes) -> list[str]:
    texts = []
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            texts.append(member.name)
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                texts.append(handle.read().decode("utf-8", "replace"))
    return texts


def problem_roots() -> list[Path]:
    roots = sorted(p for p in BUILTIN.iterdir() if (p / "problem.toml").is_file())
    return [*roots, PROBLEMS / "tiny-add", PROBLEMS / "weak-suite"]


def test_the_scanner_finds_leaks() -> None:
    """The scanner is not vacuous: every problem has secret lines and names, and raw files trip it."""
    for root in problem_roots():
        lines, names = secret_material(root)
        assert lines and names, root.name
        hidden = "\n".join(p.read_text() for p in (root / "hidden_tests").rglob("*.py"))
        assert leaks(hidden, lines, names), root.name
        assert leaks((root / "reference" / "solution.py").read_text(), lines, names), root.name


def test_no_candidate_answer_carries_hidden_material(tmp_path: Path) -> None:
    # Every problem's routes as nobody and as the wrong role: more refused credentials than the per-address
    # limit allows in one window (the limit itself is tested in test_server_edges.py).
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite'}", problems=(PROBLEMS,),
                        submissions_per_window=50, auth_failures_per_window=10_000) as server:
        client, interviewer = server.client, server.as_interviewer()
        bodies: list[tuple[str, str, str]] = []  # (problem, route, text) as seen by a candidate or by nobody
        contrast: dict[str, str] = {}

        def seen(problem: str, route: str, response: Any) -> Any:
            if response.status_code >= 400:  # an error never carries a traceback (a report may: the candidate's own)
                assert "Traceback" not in response.text and response.json()["error"], route
            bodies.append((problem, route, body_text(response)))
            return response

        for root in problem_roots():
            slug = root.name
            sources = [EXFILTRATE, EXFILTRATE_AT_IMPORT] if slug == "tiny-add" else [DOES_NOT_COMPILE]
            for source in sources:
                invitation = server.invite(problem=slug, name=f"C {slug}", feedback="full")
                started = seen(slug, "POST /start", client.post("/api/v1/start", json={"code": invitation["code"]}))
                token = started.json()["token"]
                auth = {"Authorization": f"Bearer {token}"}
                seen(slug, "GET /attempt", client.get("/api/v1/attempt", headers=auth))
                seen(slug, "GET /attempt/workspace", client.get("/api/v1/attempt/workspace", headers=auth))
                seen(slug, "POST /attempt/test-runs", client.post(
                    "/api/v1/attempt/test-runs", headers=auth, json={"passed": 0, "total": 1, "verdict": "failed"}))
                made = seen(slug, "POST /attempt/submissions", server.submit(token, source))
                view = server.wait(token, made.json()["id"])
                assert view["state"] == "graded", view
                seen(slug, "GET /attempt/submissions/{id}", client.get(
                    f"/api/v1/attempt/submissions/{made.json()['id']}", headers=auth))
                seen(slug, "POST /attempt/submissions again", server.submit(token, source))
                # the candidate's token on every interviewer route, and nobody anywhere
                attempt_id = started.json()["attempt_id"]
                for path in ("/api/v1/results", "/api/v1/invitations", f"/api/v1/attempts/{attempt_id}",
                             "/api/v1/problems"):
                    seen(slug, f"GET {path} as candidate", client.get(path, headers=auth))
                    seen(slug, f"GET {path} as nobody", client.get(path))
                full = client.get(f"/api/v1/attempts/{started.json()['attempt_id']}", headers=interviewer)
                contrast[f"{slug}:{len(contrast)}"] = body_text(full)
        for path in ("/health", "/openapi.json", "/docs", "/nowhere"):
            seen("-", f"GET {path}", client.get(path))
        seen("-", "POST /start forged", client.post("/api/v1/start", json={"code": "jic_" + "x" * 43}))

    everything = {root.name: secret_material(root) for root in problem_roots()}
    found = []
    for problem, route, text in bodies:  # a candidate's answers against their problem; nobody's against all
        for slug, (lines, names) in everything.items():
            if problem not in ("-", slug):
                continue
            hits = leaks(text, lines, names)
            if hits:
                found.append(f"{route} ({problem}) carries {slug}'s {hits[:3]}")
    assert not found, "\n".join(found)

    # Contrast: the exfiltrating submissions did get the hidden suite into the report; only the interviewer sees it.
    lines, names = everything["tiny-add"]
    exfiltrated = [text for key, text in contrast.items() if key.startswith("tiny-add")]
    assert all(leaks(text, lines, names) for text in exfiltrated)
    candidate_views = [t for p, r, t in bodies if p == "tiny-add" and r == "GET /attempt/submissions/{id}"]
    assert any("[line hidden" in t for t in candidate_views)


@pytest.mark.parametrize("feedback", ["full", "score"])
def test_redaction_keeps_the_candidates_own_text(tmp_path: Path, feedback: str) -> None:
    source = ("def add(a, b):\n    raise AssertionError('my own note: a=%s b=%s' % (a, b))\n\n\n"
              "def scale(values, factor):\n    return [v * factor for v in values]\n")
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite'}") as server:
        token = server.start(server.invite(feedback=feedback)["code"])["token"]
        view = server.wait(token, server.submit(token, source).json()["id"])
    text = json.dumps(view)
    if feedback == "full":
        assert "my own note: a=2 b=3" in text
    else:
        assert "my own note" not in text and view["report"]["score"] == 3
