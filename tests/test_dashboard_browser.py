"""The dashboard and the candidate page in a real browser: Playwright drives Debian's Chromium against a real
`judge serve` subprocess (local backend, the tiny-add fixture problem) on a loopback port.

One interview, start to end: the interviewer signs in (with the keyboard), invites, and a candidate in a
second browser context opens the link, starts, watches the clock and uploads solution.py; the grade shows
on the dashboard (results heat map, near-identical flag, the attempt's report, code and timeline); CSV
export; revoke; a candidate context cannot open dashboard pages; a form without its CSRF token is refused;
sign-out ends the session. No page requests anything but the judge. Screenshots at 1280 and 390 px go to
the test's tmp folder (``screenshots/``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import TINY, _unavailable
from .server_helpers import live_server

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
REFERENCE = (TINY / "reference" / "solution.py").read_text()
# Enough code of its own (beyond the starter) for the near-identical check; Cy's copy renames everything.
HELPERS = '''

def describe(values: list[int]) -> dict[str, float]:
    """Summary numbers of a list, used while checking scale by hand."""
    total = 0
    largest = None
    for value in values:
        total = total + value
        if largest is None or value > largest:
            largest = value
    mean = total / len(values) if values else 0.0
    return {"total": float(total), "largest": float(largest or 0), "mean": mean, "count": float(len(values))}


def clamp(value: int, low: int, high: int) -> int:
    """Keep value between low and high."""
    if value < low:
        return low
    if value > high:
        return high
    return value
'''
MISTAKE = (TINY / "known_mistakes" / "subtracts.py").read_text() + HELPERS
COPY = MISTAKE.replace("values", "numbers").replace("value", "item").replace("total", "acc").replace(
    "largest", "biggest")


def api(url: str, method: str, path: str, token: str, body: Any = None, raw: bytes | None = None) -> Any:
    """One JSON API call (the candidates who use the CLI, without spawning it)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "text/x-python" if raw is not None else "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def cli_candidate(url: str, token: str, name: str, source: str) -> None:
    """A candidate through the API: invited, started, submitted (graded in the background)."""
    made = api(url, "POST", "/api/v1/invitations", token, {"problem": "tiny-add", "candidate_name": name})
    started = api(url, "POST", "/api/v1/start", "", {"code": made["code"]})
    api(url, "POST", "/api/v1/attempt/submissions", started["token"], raw=source.encode())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    folder = tmp_path_factory.mktemp("serve")
    with live_server(folder, "--backend", "local", "--workers", "2") as (url, token, _):
        yield url, token, folder / "serve.log"


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]'; no `playwright install` is needed)")
        raise
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Shots:
    """Screenshots under the test's tmp folder, each checked to be a real, non-blank PNG."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, name: str) -> Path:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        head = path.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(head[16:20], "big") == page.viewport_size["width"]
        assert path.stat().st_size > 15_000, f"{name}.png looks blank"
        return path


def own_requests_only(context: Any, base: str) -> list[str]:
    """Record every request a context makes that is not to the judge itself."""
    foreign: list[str] = []
    context.on("request", lambda r: None if r.url.startswith((base + "/", "data:")) else foreign.append(r.url))
    return foreign


WIDER = """() => Array.from(document.querySelectorAll("body *")).filter(function (e) {
  var inside = e.parentElement && e.parentElement.closest(".scroll, pre");
  return e.getBoundingClientRect().right > window.innerWidth + 1 && !inside;
}).slice(0, 5).map(function (e) { return e.tagName + "." + e.className; })"""


def fits(page: Any) -> list[str]:
    """What makes the whole page scroll sideways (nothing should: wide tables and code scroll in their box)."""
    if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
        return []
    return list(page.evaluate(WIDER)) or ["the page is wider than the window"]


def wait_for(predicate: Any, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_an_interview_in_the_browser(server: tuple[str, str, Path], browser: Any, tmp_path: Path) -> None:
    base, token, log = server
    shots = Shots(tmp_path / "screenshots")
    desk = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    foreign = own_requests_only(desk, base)
    page = desk.new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    # Signed out, the dashboard is the sign-in page; sign in with the keyboard only.
    page.goto(base + "/dashboard")
    assert page.url == base + "/dashboard/sign-in"
    shots.take(page, "sign-in-1280")
    page.keyboard.type(token)  # the token field has the focus
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/dashboard")
    cookie = next(c for c in desk.cookies() if c["name"] == "judge_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # plain http on loopback

    # Invite Ada; the link and the command are shown once.
    page.select_option("#problem", "tiny-add")
    page.fill("#candidate_name", "Ada Lovelace")
    page.fill("#minutes", "10")
    page.click("text=Create invitation")
    link = page.input_value("#link")
    assert re.fullmatch(re.escape(base) + r"/join/jic_[\w-]{43}", link)
    assert page.input_value("#command") == f"judge start --server {base} --invite {link.rsplit('/', 1)[1]}"

    # The candidate, in a browser context of their own, on a phone-sized screen.
    phone = browser.new_context(viewport=PHONE, accept_downloads=True)
    foreign_phone = own_requests_only(phone, base)
    cand = phone.new_page()
    cand.goto(link)
    assert "Add two numbers" in cand.inner_text("h1") and "Start now" in cand.inner_text("main")
    shots.take(cand, "candidate-join-390")
    cand.click("text=Start now")
    cand.wait_for_url(base + "/candidate")
    assert "Add two numbers" in cand.inner_text(".statement") and not fits(cand)
    first = cand.inner_text("#time-left")
    assert re.fullmatch(r"(9|10):\d\d", first), first
    wait_for(lambda: cand.inner_text("#time-left") != first, 5, "the clock to tick")
    shots.take(cand, "candidate-390")

    # A candidate's browser holds no dashboard session: every dashboard page is the sign-in page.
    for path in ("/dashboard", "/dashboard/results", "/dashboard/results/tiny-add",
                 "/dashboard/results/tiny-add/export.csv"):
        cand.goto(base + path)
        assert cand.url == base + "/dashboard/sign-in", path
        assert "Ada Lovelace" not in cand.content()
    assert cand.request.get(base + "/dashboard/changes.json").status == 401

    # Upload solution.py from the page; the page shows the grade when it lands.
    cand.goto(base + "/candidate")
    cand.set_input_files("#solution", str(TINY / "reference" / "solution.py"))
    cand.click("text=Submit for grading")
    cand.wait_for_selector("#score", timeout=60_000)
    assert cand.inner_text("#score") == "6/6"
    with cand.expect_download() as download:
        cand.click("text=download the workspace (.tar.gz)")
    assert download.value.suggested_filename == "tiny-add-workspace.tar.gz"
    shots.take(cand, "candidate-graded-390")

    # Two CLI candidates: Bob's mistake and Cy's renamed copy of it (flagged as near-identical); Dan is revoked.
    cli_candidate(base, token, "Bob Babbage", MISTAKE)
    cli_candidate(base, token, "Cy Copier", COPY)
    api(base, "POST", "/api/v1/invitations", token, {"problem": "tiny-add", "candidate_name": "Dan Later"})

    page.goto(base + "/dashboard")
    assert page.locator("tr", has_text="Ada Lovelace").locator(".state").inner_text() == "submitted"
    page.locator("tr", has_text="Dan Later").locator("text=Revoke").click()
    page.wait_for_load_state()
    assert page.locator("tr", has_text="Dan Later").locator(".state").inner_text() == "revoked"
    shots.take(page, "invitations-1280")

    page.goto(base + "/dashboard/results")
    assert page.url == base + "/dashboard/results/tiny-add"

    def graded() -> bool:
        from playwright.sync_api import Error as PlaywrightError

        try:  # the page reloads itself when a grade lands; a reload of ours racing it is aborted, not a failure
            page.reload()
        except PlaywrightError:
            return False
        return page.locator("td.heat.na").count() == 0 and page.locator("tbody tr").count() == 3

    wait_for(graded, 60, "every attempt graded")
    ada = page.locator("tr", has_text="Ada Lovelace")
    assert ada.locator("td").nth(1).inner_text() == "6/6"
    assert page.locator("tr", has_text="Bob Babbage").locator("td.heat.none").count() >= 1
    # The teaching issue's diagnosis shows per attempt: Bob's failures are the known mistake's.
    assert "Subtracted instead of added" in page.locator("tr", has_text="Bob Babbage").inner_text()
    assert "Subtracted instead of added" not in ada.inner_text()
    assert "Near-identical submissions" in page.inner_text(".banner.pairs")
    assert "Bob Babbage" in page.inner_text(".banner.pairs") and "Cy Copier" in page.inner_text(".banner.pairs")
    page.locator("th button", has_text="Score").click()  # the sort works: highest first
    assert page.locator("tbody tr").first.inner_text().startswith("Ada Lovelace")
    shots.take(page, "results-1280")

    # CSV export.
    with page.expect_download() as download:
        page.click("text=Export CSV")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert {(r["candidate"], r["score"]) for r in rows} == {("Ada Lovelace", "6"), ("Bob Babbage", "3"),
                                                              ("Cy Copier", "3")}

    # One attempt: the report as `judge report` draws it, the highlighted code, the timeline.
    ada.locator("a").first.click()
    page.wait_for_selector(".embedded-report")
    assert "ml-judge report" in (page.text_content(".embedded-report .brand") or "")
    assert page.locator(".embedded-report pre.code .tk-kw").count() > 0
    timeline = page.inner_text(".timeline-list")
    assert "started" in timeline and "submitted solution.py" in timeline and "graded: 6/6" in timeline
    shots.take(page, "attempt-1280")

    # A form without its CSRF token is refused, and nothing is made.
    page.goto(base + "/dashboard")
    page.eval_on_selector("form[action='/dashboard/invitations'] input[name=csrf]", "e => e.remove()")
    page.fill("#candidate_name", "Mallory")
    with page.expect_response(base + "/dashboard/invitations") as refused:
        page.click("text=Create invitation")
    assert refused.value.status == 403 and "Refused" in page.inner_text("h1")
    forged = page.request.post(base + "/dashboard/invitations", form={"problem": "tiny-add",
                                                                      "candidate_name": "Mallory"})
    assert forged.status == 403
    page.goto(base + "/dashboard")
    assert "Mallory" not in page.content()

    # The same pages at 390 px: nothing scrolls sideways but the tables' own boxes.
    small = browser.new_context(viewport=PHONE, storage_state=desk.storage_state())
    narrow = small.new_page()
    for path, name in (("/dashboard", "invitations-390"), ("/dashboard/results/tiny-add", "results-390")):
        narrow.goto(base + path)
        assert not fits(narrow), (path, fits(narrow))
        shots.take(narrow, name)
    small.close()

    # Sign out: the session ends on the server too (its cookie replayed opens nothing).
    stolen = desk.storage_state()
    page.click("text=Sign out")
    page.wait_for_url(base + "/dashboard/sign-in?signed_out=1")
    assert "You are signed out." in page.inner_text("main")
    replay = browser.new_context(viewport=DESKTOP, storage_state=stolen)
    again = replay.new_page()
    again.goto(base + "/dashboard")
    assert again.url == base + "/dashboard/sign-in"
    replay.close()

    assert foreign == [] and foreign_phone == [], "pages must request nothing but the judge"
    served = log.read_text()
    assert "GET /join/j*_[redacted]" in served and not re.search(r"j(ic|cs|ds|it)_\w{8}", served)
    phone.close()
    desk.close()
