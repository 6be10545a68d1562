"""The web pages without a browser (FastAPI's TestClient, the local backend, a fake clock): sign-in sessions
and their cookies, CSRF refusals, what a candidate's cookie can and cannot open, the secrecy of the
candidate page, and the pure renderers the pages use (highlighter, statement, results board)."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import TINY
from .server_helpers import BUILTIN, Server, leaks, running_server, secret_material

REFERENCE = (TINY / "reference" / "solution.py").read_text()


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}") as server:
        yield server


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: Any, token: str) -> Any:
    form = client.get("/dashboard/sign-in")
    return client.post("/dashboard/sign-in", data={"csrf": csrf_of(form.text), "token": token},
                       follow_redirects=False)


def new_client(srv: Server, base_url: str = "http://testserver") -> Any:
    from fastapi.testclient import TestClient

    return TestClient(srv.app, base_url=base_url, raise_server_exceptions=False)


def start_in_browser(srv: Server, name: str = "Ada") -> Any:
    code = srv.invite(name=name)["code"]
    browser = new_client(srv)
    landing = browser.get(f"/join/{code}")
    assert landing.status_code == 200 and "Start now" in landing.text
    started = browser.post(f"/join/{code}", data={"csrf": csrf_of(landing.text)}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == "/candidate"
    return browser


def test_sign_in_sets_a_hardened_session_cookie_stored_hashed(srv: Server) -> None:
    from judge.store.db import DashboardSession

    answer = sign_in(srv.client, srv.token)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("judge_session=jds_") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    secret = cookie.split(";")[0].split("=", 1)[1]
    with srv.app.state.judge.db.session() as session:
        stored = [row.token_sha256 for row in session.query(DashboardSession)]
    assert secret not in stored and len(stored) == 1 and len(stored[0]) == 64
    page = srv.client.get("/dashboard")
    assert page.status_code == 200 and "New invitation" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"


def test_cookies_are_secure_over_https(srv: Server) -> None:
    browser = new_client(srv, "https://testserver")
    answer = sign_in(browser, srv.token)
    assert "Secure" in answer.headers["set-cookie"]


def test_wrong_token_and_expired_session(srv: Server) -> None:
    wrong = sign_in(new_client(srv), "jit_" + "x" * 43)
    assert wrong.status_code == 401 and "invalid or expired interviewer token" in html.unescape(wrong.text)
    assert sign_in(srv.client, srv.token).status_code == 303
    srv.clock.now += 12 * 3600 + 1
    again = srv.client.get("/dashboard", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/dashboard/sign-in"


def test_sign_out_ends_the_session_on_the_server(srv: Server) -> None:
    sign_in(srv.client, srv.token)
    secret = srv.client.cookies["judge_session"]
    page = srv.client.get("/dashboard")
    out = srv.client.post("/dashboard/sign-out", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and 'judge_session=""' in out.headers["set-cookie"]
    replay = new_client(srv)
    replay.cookies.set("judge_session", secret)
    assert replay.get("/dashboard", follow_redirects=False).headers["location"] == "/dashboard/sign-in"


@pytest.mark.parametrize("csrf", [None, "", "0" * 40, "from-another-session"])
def test_every_form_refuses_a_missing_or_wrong_csrf_token(srv: Server, csrf: str | None) -> None:
    other = new_client(srv)
    sign_in(other, srv.token)
    foreign = csrf_of(other.get("/dashboard").text)  # a real token, of another browser's session
    sent = foreign if csrf == "from-another-session" else csrf
    extra = {} if sent is None else {"csrf": sent}
    sign_in(srv.client, srv.token)
    invitation = srv.invite(name="Bob")
    code = srv.invite(name="Cy")["code"]
    browser = start_in_browser(srv, "Dee")
    posts = [
        (new_client(srv), "/dashboard/sign-in", {"token": srv.token}),
        (srv.client, "/dashboard/invitations", {"problem": "tiny-add", "candidate_name": "Mallory"}),
        (srv.client, f"/dashboard/invitations/{invitation['id']}/revoke", {}),
        (srv.client, "/dashboard/sign-out", {}),
        (new_client(srv), f"/join/{code}", {}),
        (browser, "/candidate/submissions", {}),
    ]
    for client, path, data in posts:
        answer = client.post(path, data={**data, **extra}, follow_redirects=False)
        assert answer.status_code == 403, (path, answer.status_code)
        assert "security token" in answer.text
    rows = srv.client.get("/api/v1/invitations", headers=srv.as_interviewer()).json()
    assert {r["candidate_name"]: r["state"] for r in rows} == {"Bob": "not-started", "Cy": "not-started",
                                                               "Dee": "in-progress"}
    assert srv.client.get("/dashboard").status_code == 200  # still signed in


def test_a_candidate_cookie_opens_no_dashboard_page(srv: Server) -> None:
    browser = start_in_browser(srv)
    attempt = browser.get("/candidate/state.json").json()["attempt_id"]
    for path in ("/dashboard", "/dashboard/results", "/dashboard/results/tiny-add", f"/dashboard/attempts/{attempt}",
                 "/dashboard/results/tiny-add/export.csv"):
        answer = browser.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/sign-in", path
    assert browser.get("/dashboard/changes.json").status_code == 401
    # ...nor the API: the cookie is not a bearer token, and an interviewer's session is not a candidate's.
    assert browser.get("/api/v1/results").status_code == 401
    sign_in(srv.client, srv.token)
    assert srv.client.get("/candidate").status_code == 401


def test_the_upload_form_grades_like_judge_submit_and_the_page_keeps_secrets(srv: Server) -> None:
    browser = start_in_browser(srv)
    page = browser.get("/candidate")
    assert page.status_code == 200 and "Time left" in page.text and "add(a, b)" in html.unescape(page.text)
    srv.clock.now += 42
    sent = browser.post("/candidate/submissions", data={"csrf": csrf_of(page.text)},
                        files={"solution": ("solution.py", (TINY / "known_mistakes" / "subtracts.py").read_bytes())},
                        follow_redirects=False)
    assert sent.status_code == 303
    deadline = time.monotonic() + 60
    while browser.get("/candidate/state.json").json()["submission"]["state"] == "pending":  # bounded poll
        assert time.monotonic() < deadline, "the upload was not graded in 60 s"
        time.sleep(0.05)
    graded = browser.get("/candidate")
    assert 'id="score">3/6<' in graded.text and "Submit for grading" not in graded.text
    rows = srv.client.get("/api/v1/results", headers=srv.as_interviewer()).json()
    assert (rows[0]["score"], rows[0]["elapsed_s"]) == (3, 42.0)  # the server's clock, as for `judge submit`
    lines, names = secret_material(TINY)
    assert not leaks(graded.text, lines, names)
    with_pointer = browser.get("/candidate/workspace.tar.gz")
    assert with_pointer.status_code == 200 and with_pointer.headers["content-type"] == "application/gzip"


def test_a_real_problem_statement_renders_and_nothing_secret_shows(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}", problems=(BUILTIN,)) as srv:
        code = srv.invite(problem="feature-engineering")["code"]
        browser = new_client(srv)
        landing = browser.get(f"/join/{code}")
        browser.post(f"/join/{code}", data={"csrf": csrf_of(landing.text)})
        page = browser.get("/candidate").text
        assert "<table>" in page and "<h3>Requirements</h3>" in page
        lines, names = secret_material(BUILTIN / "feature-engineering")
        assert not leaks(page, lines, names)


def test_an_unknown_or_used_link_says_so(srv: Server) -> None:
    assert "unknown invitation code" in new_client(srv).get("/join/jic_" + "z" * 43).text
    code = srv.invite()["code"]
    srv.start(code)
    used = new_client(srv).get(f"/join/{code}")
    assert used.status_code == 409 and "already used" in used.text  # a spent code is a conflict, not a miss


def test_highlighter_keeps_the_text_and_escapes_it() -> None:
    from judge.render.highlight import highlight_lines

    source = 'def f(x):\n    """Doc\n    string."""\n    return x + 1  # </script><img>\n\nbroken = "open\n'
    lines = highlight_lines(source)
    assert len(lines) == len(source.splitlines())
    assert [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in lines] == source.splitlines()
    assert '<span class="tk-kw">def</span> <span class="tk-def">f</span>' in lines[0]
    assert lines[1].startswith('    <span class="tk-str">') and lines[2].endswith("</span>")  # split per line
    assert "&lt;/script&gt;&lt;img&gt;" in lines[3] and "<img" not in "".join(lines)


def test_statement_renderer_escapes_and_draws_the_subset() -> None:
    from judge.render.statement import statement_html

    out = statement_html("# T\n\nSome `code` and **bold** <b>x</b> [site](http://e.x).\n\n- a\n  more\n- b\n\n"
                         "```python\nx = 1\n```\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n")
    assert "<h2>T</h2>" in out and "<code>code</code>" in out and "<strong>bold</strong>" in out
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<a " not in out and "(http://e.x)" in out
    assert "<ul><li>a more</li><li>b</li></ul>" in out
    assert '<span class="tk-num">1</span>' in out and '<td class="num">2</td>' in out


def test_results_csv_neutralises_formulas() -> None:
    from judge.services.interviews import results_csv

    text = results_csv([{"candidate": "=HYPERLINK(\"http://x\")", "problem": "tiny-add", "score": -1}])
    assert "'=HYPERLINK" in text and ",-1" in text


def editor_headers(page: str, accept_json: bool = True) -> dict[str, str]:
    """What the candidate page's script sends with its requests: the CSRF token of the page, as a header."""
    return {"X-CSRF-Token": csrf_of(page), "Content-Type": "text/x-python",
            **({"Accept": "application/json"} if accept_json else {})}


def test_drafts_are_kept_per_attempt_on_the_server_and_bounded_like_an_upload(srv: Server) -> None:
    from judge.grading.integrity import MAX_SOURCE_BYTES

    ada, bob = start_in_browser(srv, "Ada"), start_in_browser(srv, "Bob")
    page = ada.get("/candidate").text
    starter = (TINY / "starter" / "solution.py").read_text()
    assert 'id="editor-card"' in page and starter in html.unescape(page)  # the starter is loaded
    assert '<script src="/static/editor.js" defer>' in page and '<script src="/static/candidate.js" defer>' in page
    draft = starter.replace("raise NotImplementedError", "return 0  # </textarea><script>alert(1)</script>", 1)
    headers = editor_headers(page)
    assert ada.put("/candidate/draft", content=draft, headers={**headers, "X-CSRF-Token": ""}).status_code == 403
    other = csrf_of(bob.get("/candidate").text)  # a real token, of another candidate's browser
    assert ada.put("/candidate/draft", content=draft, headers={**headers, "X-CSRF-Token": other}).status_code == 403
    saved = ada.put("/candidate/draft", content=draft, headers=headers)
    assert saved.status_code == 200 and saved.json()["chars"] == len(draft)
    reopened = ada.get("/candidate").text  # a closed tab loses nothing: the page opens with the draft
    assert draft in html.unescape(reopened) and "<script>alert(1)" not in reopened
    assert draft not in html.unescape(bob.get("/candidate").text)  # drafts are per attempt
    too_big = ada.put("/candidate/draft", content=b"#" * (MAX_SOURCE_BYTES + 1), headers=headers)
    assert too_big.status_code == 413 and "error" in too_big.json()
    assert ada.put("/candidate/draft", content=b"\xff\xfe", headers=headers).status_code == 422
    assert draft in html.unescape(ada.get("/candidate").text)  # the refused saves changed nothing
    assert new_client(srv).put("/candidate/draft", content=draft, headers=headers).status_code in (401, 403)

    # While a submission waits for its grade, the editor is read-only (its buttons off); the grade comes first.
    from judge.services.interviews import store_submission
    from judge.store.db import Attempt

    attempt_id = ada.get("/candidate/state.json").json()["attempt_id"]
    with srv.app.state.judge.db.session() as session:  # stored, not yet queued: pending for as long as we look
        pending = store_submission(session, session.get(Attempt, attempt_id), REFERENCE.encode(), srv.clock()).id
    waiting = ada.get("/candidate").text
    assert 'data-pending="true"' in waiting and waiting.index('id="result"') < waiting.index('id="editor-card"')
    srv.app.state.judge.grader.enqueue(pending)

    # Once graded, the attempt takes no more drafts and the page has no editor.
    deadline = time.monotonic() + 60
    while ada.get("/candidate/state.json").json()["status"] != "submitted":  # bounded poll
        assert time.monotonic() < deadline, "not graded in 60 s"
        time.sleep(0.05)
    assert ada.put("/candidate/draft", content=draft, headers=headers).status_code == 409
    assert 'id="editor-card"' not in ada.get("/candidate").text


def test_the_editor_runs_the_examples_on_the_server_and_submit_refuses_what_cannot_be_graded(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}", test_runs_per_window=3) as srv:
        browser = start_in_browser(srv)
        page = browser.get("/candidate").text
        headers = editor_headers(page)
        starter = (TINY / "starter" / "solution.py").read_text()
        refused = browser.post("/candidate/public-runs", content=starter, headers=headers).json()
        assert "untouched starter" in refused["refusal"] and refused["ran"] is False
        wrong = (TINY / "known_mistakes" / "subtracts.py").read_text()
        run = browser.post("/candidate/public-runs", content=wrong, headers=headers)
        assert run.status_code == 200 and run.json()["ran"] and run.json()["passed"] < run.json()["total"]
        assert all(t["name"].startswith("test_") for t in run.json()["tests"])
        assert browser.post("/candidate/public-runs", content=wrong,
                            headers={**headers, "X-CSRF-Token": "0" * 40}).status_code == 403
        browser.post("/candidate/public-runs", content=wrong, headers=headers)
        limited = browser.post("/candidate/public-runs", content=wrong, headers=headers)  # 3 per window
        assert limited.status_code == 429 and "Retry-After" in limited.headers and "error" in limited.json()

        # The upload form (and the editor's Submit, the same route) refuses what the pre-checks refuse.
        for source, reason in ((starter, "untouched starter"), ("def add(a, b):\n    return a +\n", "line 2")):
            answer = browser.post("/candidate/submissions", data={"csrf": csrf_of(page)},
                                  files={"solution": ("solution.py", source.encode())})
            assert answer.status_code == 422 and reason in html.unescape(answer.text) and "still open" in answer.text
        as_json = browser.post("/candidate/submissions", data={"csrf": csrf_of(page)},
                               headers={"Accept": "application/json"},
                               files={"solution": ("solution.py", starter.encode())})
        assert as_json.status_code == 422 and "untouched starter" in as_json.json()["error"]

        # The interviewer's timeline says which runs the server saw; nothing was submitted.
        attempt = browser.get("/candidate/state.json").json()["attempt_id"]
        record = srv.client.get(f"/api/v1/attempts/{attempt}", headers=srv.as_interviewer()).json()
        assert [r["reported_by"] for r in record["test_runs"]] == ["server", "server"] and record["submissions"] == []
        sign_in(srv.client, srv.token)
        timeline = srv.client.get(f"/dashboard/attempts/{attempt}").text
        assert timeline.count("ran the public examples on the server") == 2 and "observed by the server" in timeline

        # What passes the pre-checks is stored and graded; the editor's Submit reads the answer as JSON.
        sent = browser.post("/candidate/submissions", data={"csrf": csrf_of(page)},
                            headers={"Accept": "application/json"}, files={"solution": ("solution.py", wrong.encode())})
        assert sent.status_code == 202 and sent.json()["state"] == "pending" and sent.json()["id"] > 0


def test_assets_are_revalidated_by_etag(srv: Server) -> None:
    first = srv.client.get("/static/editor.js")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/javascript")
    assert first.content == (Path(__file__).parents[1] / "judge/interfaces/server/static/editor.js").read_bytes()
    again = srv.client.get("/static/editor.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert srv.client.get("/static/candidate.js", headers={"If-None-Match": first.headers["etag"]}).status_code == 200
    assert srv.client.get("/static/../pages.py").status_code == 404


def test_the_dashboard_says_not_attempted_for_the_starter_never_a_mistake(srv: Server) -> None:
    started = srv.start(srv.invite(name="Stan")["code"])
    token = started.get("session_token") or started.get("token")
    sent = srv.submit(token, (TINY / "starter" / "solution.py").read_bytes())
    assert sent.status_code in (200, 201, 202), sent.text
    view = srv.wait(token, sent.json()["id"])
    assert view["state"] == "graded", view
    sign_in(srv.client, srv.token)
    page = srv.client.get("/dashboard/results/tiny-add").text
    assert "not attempted" in page and "Subtracted" not in page


def test_a_too_large_upload_from_the_form_is_a_page_that_says_the_limit(srv: Server) -> None:
    """The upload form with a file over 256 KiB answered a bare JSON body with the multipart's own limit
    ("the request is larger than this server accepts (278528 bytes)"); sent without a Content-Length it
    answered 400 "the form could not be read; reload the page". Both are now the 413 page naming the limit."""
    browser = start_in_browser(srv)
    csrf = csrf_of(browser.get("/candidate").text)
    declared = browser.post("/candidate/submissions", data={"csrf": csrf},
                            files={"solution": ("solution.py", b"#" * 300_000)})
    assert declared.status_code == 413 and declared.headers["content-type"].startswith("text/html")
    assert "solution.py is larger than this server accepts (256 KiB at most)" in html.unescape(declared.text)
    head = (f'--BB\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n--BB\r\nContent-Disposition: '
            'form-data; name="solution"; filename="solution.py"\r\n\r\n').encode()
    streamed = browser.post("/candidate/submissions", content=iter([head, b"#" * 300_000, b"\r\n--BB--\r\n"]),
                            headers={"Content-Type": "multipart/form-data; boundary=BB"})
    assert streamed.status_code == 413 and "256 KiB at most" in html.unescape(streamed.text)
    assert browser.get("/candidate/state.json").json()["submission"] is None  # nothing was stored
