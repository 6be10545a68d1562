"""A whole interview with nothing installed on the candidate's side: Playwright drives Debian's Chromium
against a real `judge serve` grading in the real Docker sandbox (the tiny-add fixture problem).

The candidate opens the link, starts, and works in the page's editor (CodeMirror, served by the judge):
Submit with the untouched starter is refused, a syntax error is refused with its line, the public examples
run on the server and show per example, the draft survives a closed tab, then Submit runs the pre-checks,
shows the one-screen summary, asks, and the page shows the titled per-requirement result. The interviewer
then sees the attempt: its timeline (the runs the server observed, the submission, the grade) and its
report. Layouts are checked at 1280 and 390 px (nothing scrolls sideways but the boxes meant to); the
screenshots go to the test's tmp folder (``screenshots/``). No page requests anything but the judge.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import TINY
from .server_helpers import live_server
from .test_dashboard_browser import DESKTOP, PHONE, Shots, api, browser, fits, own_requests_only

__all__ = ["browser"]  # the Chromium fixture, shared with the dashboard's browser test

pytestmark = [pytest.mark.browser, pytest.mark.docker]
REFERENCE = (TINY / "reference" / "solution.py").read_text()
WRONG = (TINY / "known_mistakes" / "subtracts.py").read_text()
BROKEN = "def add(a, b):\n    return a +\n"


@pytest.fixture(scope="module")
def docker_server(tmp_path_factory: pytest.TempPathFactory, docker_image: str) -> Iterator[tuple[str, str]]:
    """`judge serve` on the real Docker sandbox (its default backend)."""
    folder = tmp_path_factory.mktemp("serve-docker")
    with live_server(folder, "--backend", "docker") as (url, token, _):
        yield url, token


def editor_text(page: Any) -> str:
    """What the editor holds: the text a save, a run or Submit sends."""
    return str(page.evaluate("() => document.getElementById('editor-card').judgeText()"))


def replace_code(page: Any, source: str) -> None:
    """Select everything in the editor and put ``source`` in its place, as a paste would."""
    page.click(".cm-content")
    page.keyboard.press("Control+A")
    # A real paste event (a clipboard the test owns): the editor takes the text as it is, indentation included.
    page.evaluate("""(text) => {
      var data = new DataTransfer();
      data.setData("text/plain", text);
      document.querySelector(".editor-host").shadowRoot.querySelector(".cm-content").dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }""", source)
    assert editor_text(page) == source


def wait_saved(page: Any) -> None:
    page.wait_for_function("() => /^Saved on the server at/.test(document.getElementById('save-state').textContent)",
                           timeout=15_000)


def test_a_whole_interview_in_the_browser_with_the_editor(docker_server: tuple[str, str], browser: Any,
                                                          tmp_path: Path) -> None:
    base, token = docker_server
    shots = Shots(tmp_path / "screenshots")
    link = base + "/join/" + api(base, "POST", "/api/v1/invitations", token,
                                 {"problem": "tiny-add", "candidate_name": "Ada Lovelace", "minutes": 10})["code"]

    # The candidate: a browser and the link, nothing else.
    desk = browser.new_context(viewport=DESKTOP)
    foreign = own_requests_only(desk, base)
    cand = desk.new_page()
    cand.goto(link)
    cand.click("text=Start now")
    cand.wait_for_url(base + "/candidate")
    cand.wait_for_selector(".cm-editor")  # the editor replaced the plain textarea
    starter = (TINY / "starter" / "solution.py").read_text()
    assert editor_text(cand) == starter
    assert cand.locator("#source").is_hidden() and not fits(cand)
    shots.take(cand, "editor-starter-1280")

    # Submit with the untouched starter: refused, nothing is submitted, the attempt stays open.
    cand.click("#submit-editor")
    cand.wait_for_selector("#editor-alert .banner")
    refusal = cand.inner_text("#editor-alert")
    assert "Not submitted" in refusal and "untouched starter" in refusal and "still open" in refusal
    state = cand.request.get(base + "/candidate/state.json").json()
    assert state["submission"] is None and state["status"] == "open"

    # Typed in the editor (the keyboard, then a paste): a syntax error is refused with its line.
    cand.click(".cm-content")
    cand.keyboard.press("Control+End")
    cand.keyboard.type("\n# my notes")
    assert editor_text(cand).endswith("# my notes")
    replace_code(cand, BROKEN)
    cand.click("#run-examples")
    cand.wait_for_selector("#editor-alert .banner")
    assert "does not compile" in cand.inner_text("#editor-alert") and "line 2" in cand.inner_text("#editor-alert")

    # A wrong solution: the public examples run on the server and show per example.
    replace_code(cand, WRONG)
    cand.click("#run-examples")
    cand.wait_for_selector("#run-summary", timeout=120_000)
    assert "1/2 passed" in cand.inner_text("#run-summary")
    failing = cand.locator("#run-result tr[data-status=fail]")
    assert failing.count() == 1 and "test_add_example" in failing.inner_text()
    assert cand.locator("#run-result tr[data-status=pass]").count() == 1
    assert not fits(cand), fits(cand)
    shots.take(cand, "editor-run-1280")
    # The same page on a phone, the results still shown: nothing scrolls sideways (the editor and the
    # tables scroll in their own boxes).
    cand.set_viewport_size(PHONE)
    assert not fits(cand), fits(cand)
    shots.take(cand, "editor-run-390")
    cand.set_viewport_size(DESKTOP)

    # The draft is on the server: a closed tab loses nothing, not even what was typed just before closing
    # (the page sends it as it goes away).
    wait_saved(cand)
    cand.click(".cm-content")
    cand.keyboard.press("Control+End")
    cand.keyboard.type("# kept")
    cand.close(run_before_unload=True)
    cand = desk.new_page()
    deadline = time.monotonic() + 20
    while True:  # bounded: the last save travels while the tab closes
        cand.goto(base + "/candidate")
        if cand.input_value("#source") == WRONG + "# kept" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    cand.wait_for_selector(".cm-editor")
    assert editor_text(cand) == WRONG + "# kept"

    # Submit: the pre-checks again, then the one-screen summary and the question; "Keep working" sends nothing.
    replace_code(cand, REFERENCE)
    cand.click("#submit-editor")
    cand.wait_for_selector("#confirm-submit[open]", timeout=120_000)
    assert re.fullmatch(r"\d+:\d\d of 10:00, \d+:\d\d left", cand.inner_text("#confirm-time"))
    # "2/2 pass", with the verdict after it when it is not a plain pass or fail (a slow, busy machine: timeout)
    assert cand.inner_text("#confirm-public").startswith("2/2 pass") and cand.inner_text("#confirm-failing") == "none"
    shots.take(cand, "editor-confirm-1280")
    cand.click("#confirm-submit button[value=cancel]")
    assert cand.request.get(base + "/candidate/state.json").json()["submission"] is None
    cand.click("#submit-editor")
    cand.wait_for_selector("#confirm-submit[open]", timeout=120_000)
    cand.click("#confirm-yes")

    # The page shows the titled per-requirement result once graded (it reloads on its own).
    cand.wait_for_selector("#score", timeout=120_000)
    assert cand.inner_text("#score") == "6/6", cand.inner_text("#result")  # (a timeout: the machine is overloaded)
    by_requirement = cand.inner_text("#result table")
    assert "R1 Add two integers" in by_requirement and "R2 Scale a list into a new list" in by_requirement
    assert cand.locator(".cm-editor").count() == 0  # submitted: nothing left to edit
    shots.take(cand, "candidate-graded-1280")
    phone = browser.new_context(viewport=PHONE, storage_state=desk.storage_state())
    foreign_phone = own_requests_only(phone, base)
    phone_graded = phone.new_page()
    phone_graded.goto(base + "/candidate")
    assert "6/6" in phone_graded.inner_text("#score") and not fits(phone_graded), fits(phone_graded)
    shots.take(phone_graded, "candidate-graded-390")

    # The interviewer sees the attempt: its timeline (what the server observed) and its report.
    dash = browser.new_context(viewport=DESKTOP)
    foreign_dash = own_requests_only(dash, base)
    page = dash.new_page()
    page.goto(base + "/dashboard/sign-in")
    page.fill("#token", token)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/dashboard")
    page.goto(base + "/dashboard/results/tiny-add")
    page.locator("tr", has_text="Ada Lovelace").locator("a").first.click()
    page.wait_for_selector(".embedded-report")
    timeline = page.inner_text(".timeline-list")
    assert "started" in timeline and "submitted solution.py" in timeline and "graded: 6/6" in timeline
    server_runs = re.findall(r"ran the public examples on the server: (\d)/2 passed", timeline)
    assert server_runs == ["1", "2", "2"], timeline  # the run, then Submit's pre-checks (kept working, then sent)
    assert "reported by the candidate" not in timeline
    assert "R1" in page.inner_text(".embedded-report") and not fits(page), fits(page)
    shots.take(page, "attempt-editor-1280")
    narrow = dash.new_page()
    narrow.set_viewport_size(PHONE)
    narrow.goto(page.url)
    assert not fits(narrow), fits(narrow)
    shots.take(narrow, "attempt-editor-390")

    assert foreign == [] and foreign_phone == [] and foreign_dash == [], "pages must request nothing but the judge"
    for context in (dash, phone, desk):
        context.close()


def test_the_page_works_without_the_editor_bundle(docker_server: tuple[str, str], browser: Any) -> None:
    """If static/editor.js does not load, the textarea is the editor: drafts, runs and Submit still work."""
    base, token = docker_server
    link = base + "/join/" + api(base, "POST", "/api/v1/invitations", token,
                                 {"problem": "tiny-add", "candidate_name": "Bo Textarea"})["code"]
    context = browser.new_context(viewport=PHONE)
    context.route(base + "/static/editor.js", lambda route: route.abort())
    cand = context.new_page()
    cand.goto(link)
    cand.click("text=Start now")
    cand.wait_for_url(base + "/candidate")
    cand.wait_for_selector("#editor-card:not([hidden])")
    assert cand.locator(".cm-editor").count() == 0 and cand.locator("#source").is_visible()
    cand.fill("#source", WRONG)
    wait_saved(cand)
    cand.click("#run-examples")
    cand.wait_for_selector("#run-summary", timeout=120_000)
    assert re.search(r"on the server: \d/2 passed", cand.inner_text("#run-summary")) and not fits(cand)
    cand.reload()
    assert cand.input_value("#source") == WRONG

    # No sandbox on the server right now: Submit still asks (the server would store the submission and grade it
    # when it can), and says the examples did not run.
    context.route(base + "/candidate/public-runs", lambda route: route.fulfill(
        status=503, content_type="application/json", body=json.dumps({"error": "no sandbox can start"})))
    cand.click("#submit-editor")
    cand.wait_for_selector("#confirm-submit[open]")
    assert cand.inner_text("#confirm-public") == "not run: no sandbox can start"
    cand.click("#confirm-submit button[value=cancel]")
    assert "Not submitted" in cand.inner_text("#run-result .note")  # (waits for it)
    context.close()


def test_without_scripts_the_upload_form_remains(docker_server: tuple[str, str], browser: Any) -> None:
    """No JavaScript at all: no editor is shown, and the upload form is there (with its own pre-checks)."""
    base, token = docker_server
    link = base + "/join/" + api(base, "POST", "/api/v1/invitations", token,
                                 {"problem": "tiny-add", "candidate_name": "Cy Noscript"})["code"]
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    cand = context.new_page()
    cand.goto(link)
    cand.click("text=Start now")
    cand.wait_for_url(base + "/candidate")
    assert cand.locator("#editor-card").is_hidden() and cand.locator("#solution").is_visible()
    cand.set_input_files("#solution", str(TINY / "starter" / "solution.py"))
    cand.click("text=Submit for grading")
    cand.wait_for_load_state()  # the answer's page, styled
    assert "untouched starter" in cand.inner_text("#upload-error") and not fits(cand)
    context.close()
