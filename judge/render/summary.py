"""summary.html of a batch: one self-contained page an interviewer scans, sorts and clicks through.

Made from the summary document (what summary.json holds), so it can be re-rendered from that file alone.
A sortable table has a row per submission and, as a heat map, a cell per requirement with the points
earned; each name links to that submission's own report. The page shares the look of the single report
(``judge.render.html``); its one script, the column sort, is allowed by its hash in the
Content-Security-Policy, and nothing else may load or run. Every string from a submission (names come
from folder and zip member names) passes ``esc``.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from judge import __version__
from judge.model.limits import format_size
from judge.model.names import printable
from judge.render.html import CSS, esc

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.setAttribute("data-sort-ready", "yes");
  var heads = table.querySelectorAll("thead th");
  heads.forEach(function (th, col) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var down = th.getAttribute("aria-sort") !== "descending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", down ? "descending" : "ascending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var nx = parseFloat(x), ny = parseFloat(y), r;
        if (!isNaN(nx) && !isNaN(ny)) { r = nx - ny; }
        else if (!isNaN(nx)) { r = 1; } else if (!isNaN(ny)) { r = -1; }
        else { r = String(x).localeCompare(String(y)); }
        return down ? -r : r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
""".strip()

SUMMARY_CSS = """
main { max-width: 1280px; }
.counts { display: flex; gap: 18px; flex-wrap: wrap; margin: 12px 0 0; font-size: 15px; }
.counts b { font-size: 22px; display: block; }
.scroll { overflow-x: auto; }
table.sortable th { padding: 0; white-space: nowrap; }
table.sortable th button { all: unset; cursor: pointer; display: block; padding: 6px 8px; width: 100%;
  box-sizing: border-box; }
table.sortable th button:focus-visible { outline: 2px solid var(--pass); }
table.sortable th button::after { content: " ↕"; color: #A8B0BC; }
table.sortable th[aria-sort="ascending"] button::after { content: " ▲"; color: var(--ink); }
table.sortable th[aria-sort="descending"] button::after { content: " ▼"; color: var(--ink); }
td.heat { text-align: center; font-variant-numeric: tabular-nums; white-space: nowrap; min-width: 54px;
  border-left: 2px solid var(--paper); }
.heat.full { background: #0072B2; color: #fff; font-weight: 650; }
.heat.most { background: #9CC5E3; }
.heat.some { background: #F6D7C3; }
.heat.none { background: #E9A27A; color: #3A1600; }
.heat.na { background: repeating-linear-gradient(45deg, #EEF1F4 0 6px, #E1E6EB 6px 12px);
  color: var(--muted); }
tfoot td { font-weight: 650; border-top: 2px solid var(--line); border-bottom: 0; }
td.verdict-cell { white-space: nowrap; }
td.name a { color: var(--ink); font-weight: 650; }
td.name .origin { display: block; color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
td.diag { font-size: 13px; min-width: 180px; }
td.warn { color: #7A5200; font-size: 13px; max-width: 320px; }
td.warn ul { margin: 0; padding-left: 16px; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; color: var(--muted);
  margin: 10px 0 0; }
.legend span.key { display: inline-block; width: 28px; height: 14px; vertical-align: middle;
  margin-right: 4px; border-radius: 3px; }
.pairs li { margin: 2px 0; }
"""

STATUS_PILL = {"pass": ("pass", "✓ PASS"), "fail": ("fail", "✗ FAIL"), "error": ("error", "! ERROR"),
               "pending": ("neutral", "… NOT GRADED")}
HEAT_LEGEND = (("full", "all points"), ("most", "half or more"), ("some", "some"), ("none", "none"),
               ("na", "not graded"))


def heat_class(earned: int | None, points: int) -> str:
    """The heat-map bucket of a requirement cell."""
    if earned is None:
        return "na"
    if points <= 0 or earned >= points:
        return "full"
    if earned == 0:
        return "none"
    return "most" if 2 * earned >= points else "some"


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def _pill(status: str, verdict: str) -> str:
    cls, label = STATUS_PILL.get(status, ("neutral", status.upper()))
    return f'<span class="pill {cls}">{esc(label)}</span> <span class="mono">{esc(verdict)}</span>'


def _num(value: Any, fallback: float = -1.0) -> str:
    return esc(value if isinstance(value, int | float) else fallback)


def _row(row: dict[str, Any], requirements: list[dict[str, Any]]) -> str:
    link = row.get("report_html")
    name = esc(printable(row["name"]))
    title = f'<a href="{esc(quote(link))}">{name}</a>' if link else name
    origin = f'<span class="origin">{esc(printable(row.get("origin", "")))}</span>'
    score = "-" if row["score"] is None else f"{row['score']}/{row['max_score']}"
    percent = "-" if row["percent"] is None else f"{row['percent']:g}%"
    timing = "-" if row["grading_s"] is None else f"{row['grading_s']:.1f} s"
    if row.get("state") == "reused":
        timing += ' <span class="muted">(reused)</span>'
    notes = list(row["warnings"])
    if row.get("detail") and row["status"] != "pass":
        notes.insert(0, row["detail"].strip().splitlines()[0])
    warn = "<ul>" + "".join(f"<li>{esc(printable(w))}</li>" for w in notes) + "</ul>" if notes else ""
    pill = _pill(row["status"], row["verdict"])
    found = row.get("diagnosis") or []
    diagnosis = "<br>".join(f'{esc(d["title"])} <span class="muted">{d["match"]:.0%}</span>' for d in found)
    if row.get("attempted") is False:
        diagnosis = '<span class="muted">not attempted</span>'
    sort_key = "not attempted" if row.get("attempted") is False else found[0]["title"] if found else ""
    cells = [
        f'<td class="name" data-v="{esc(printable(row["name"]).lower())}">{title}{origin}</td>',
        f'<td class="num" data-v="{_num(row["score"])}">{esc(score)}</td>',
        f'<td class="num" data-v="{_num(row["percent"])}">{esc(percent)}</td>',
        f'<td class="verdict-cell" data-v="{esc(row["status"])} {esc(row["verdict"])}">{pill}</td>',
        f'<td class="num" data-v="{_num(row["grading_s"])}">{timing}</td>',
        f'<td class="diag" data-v="{esc(sort_key)}">{diagnosis}</td>',
        f'<td class="warn" data-v="{len(row["warnings"])}">{warn}</td>',
    ]
    for req in requirements:
        earned = row["requirements"].get(req["id"])
        shown = "–" if earned is None else f"{earned}/{req['points']}"
        cells.append(f'<td class="heat {heat_class(earned, req["points"])}" data-v="{_num(earned)}" '
                     f'title="{esc(req["id"])}: {esc(shown)}">{esc(shown)}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def _footer(rows: list[dict[str, Any]], requirements: list[dict[str, Any]]) -> str:
    """Per requirement: how many graded submissions earned all of its points."""
    graded = [r for r in rows if r["score"] is not None]
    cells = ['<td colspan="7">All points on the requirement</td>']
    for req in requirements:
        full = sum(1 for r in graded if (r["requirements"].get(req["id"]) or 0) >= req["points"])
        cells.append(f'<td class="num">{full}/{len(graded)}</td>')
    return "<tfoot><tr>" + "".join(cells) + "</tr></tfoot>"


def _head(summary: dict[str, Any]) -> str:
    counts = summary["counts"]
    sandbox = summary.get("sandbox") or {}
    limits = sandbox.get("limits") or {}
    when = str(summary.get("created_at", ""))[:19].replace("T", " ")
    image = f" {sandbox.get('image')}" if sandbox.get("image") else ""
    facts = [f"suite: {summary.get('suite')}", f"graded {when}", f"{sandbox.get('backend')} sandbox{image}"]
    if limits.get("timeout_s") and limits.get("memory_bytes"):
        memory = format_size(int(limits["memory_bytes"]))
        facts.append(f"limits: {float(limits['timeout_s']):g} s, {memory}")
    boxes = [("submissions", counts["submissions"]), ("passed", counts["passed"]),
             ("failed", counts["failed"])]
    if counts["errors"]:
        boxes.append(("judge errors", counts["errors"]))
    if counts["pending"]:
        boxes.append(("not graded", counts["pending"]))
    count_html = "".join(f"<div><b>{n}</b>{esc(label)}</div>" for label, n in boxes)
    title = esc(summary.get("title") or summary["problem"])
    return (f'<section class="card"><p class="brand">ml-judge batch summary</p>'
            f'<h1>{title} <span class="slug">({esc(summary["problem"])})</span></h1>'
            f'<p class="muted">{esc(" · ".join(facts))}</p>'
            f'<div class="counts">{count_html}</div></section>\n')


def _banners(summary: dict[str, Any]) -> str:
    parts = []
    if not summary.get("complete", True):
        if summary.get("infrastructure_error"):
            why = "the judge could not grade: " + summary["infrastructure_error"]
        else:
            why = "the run was interrupted" if summary.get("interrupted") else "the run stopped early"
        parts.append(f'<div class="banner warn"><strong>Incomplete:</strong> {summary["counts"]["pending"]} '
                     f"submission(s) not graded ({esc(why)}). Run the same command again: what is done is "
                     "skipped.</div>")
    pairs = summary.get("similar_pairs") or []
    if pairs:
        parts.append(pairs_banner(pairs))
    return "\n".join(parts)


def _mistakes_card(summary: dict[str, Any]) -> str:
    """How many candidates made each known mistake: the table an interviewer reads for a cohort."""
    mistakes = summary.get("mistakes") or []
    graded = sum(1 for r in summary.get("submissions") or [] if r.get("score") is not None)
    idle = summary.get("not_attempted") or []
    idle_note = (f'<p class="muted">Not attempted (the starter, or every step still a stub; no mistake named): '
                 f'{len(idle)}/{graded}: {esc(printable(", ".join(idle)))}</p>') if idle else ""
    if not mistakes:
        return ('<section class="card"><h2>Common mistakes</h2><p class="muted">No submission\'s failures '
                f"matched a known mistake.</p>{idle_note}</section>\n")
    rows = "".join(f'<tr><td>{esc(m["title"])}<div class="tid mono">{esc(m["mistake"])}</div></td>'
                   f'<td class="num">{m["count"]}/{graded}</td>'
                   f'<td class="muted">{esc(printable(", ".join(m["submissions"])))}</td></tr>' for m in mistakes)
    return ('<section class="card"><h2>Common mistakes</h2><p class="muted">Known mistakes the graded '
            "submissions' failures match (a submission can match two).</p><table><thead><tr><th>Mistake</th>"
            f'<th class="num">Submissions</th><th>Who</th></tr></thead><tbody>{rows}</tbody></table>{idle_note}'
            "</section>\n")


def _requirements_legend(requirements: list[dict[str, Any]]) -> str:
    titled = [r for r in requirements if r.get("title")]
    if not titled:
        return ""
    items = " · ".join(f'<strong>{esc(r["id"])}</strong> {esc(r["title"])}' for r in titled)
    return f'<p class="legend">{items}</p>'


def pairs_banner(pairs: list[dict[str, Any]]) -> str:
    """The near-identical submissions warning; each pair is ``{"a", "b", "similarity"}`` (``Pair.to_dict``),
    with ``"href"`` when a page shows the two files side by side."""
    items = "".join(f"<li><strong>{esc(p['a'])}</strong> and <strong>{esc(p['b'])}</strong>: "
                    f"{p['similarity']:.0%} of their own code alike"
                    + (f' (<a href="{esc(p["href"])}">compare side by side</a>)' if p.get("href") else "")
                    + "</li>" for p in pairs)
    return ('<div class="banner warn pairs" role="note"><strong>Near-identical submissions</strong> (same '
            "code after renaming and reformatting, starter code left out). Read both files before "
            f"deciding anything.<ul>{items}</ul></div>")


def summary_html(summary: dict[str, Any]) -> str:
    """The whole page for one batch summary document."""
    requirements = list(summary.get("requirements") or [])
    rows = list(summary.get("submissions") or [])
    heads = ["Name", "Score", "%", "Verdict", "Time", "Likely mistake", "Notes"]
    numeric = ' class="num"'
    head_cells = "".join(f'<th scope="col"{numeric if h in ("Score", "%", "Time") else ""}>'
                         f'<button type="button">{esc(h)}</button></th>' for h in heads)
    head_cells += "".join(f'<th scope="col" class="num" title="{esc(req.get("title") or req["id"])}: '
                          f'{req["points"]} point(s)">'
                          f'<button type="button">{esc(req["id"])}</button></th>' for req in requirements)
    legend = "".join(f'<span><span class="key heat {cls}"></span>{esc(text)}</span>'
                     for cls, text in HEAT_LEGEND)
    body = "".join(_row(r, requirements) for r in rows)
    table = ('<section class="card long"><h2>Submissions</h2><p class="muted">Click a column to sort. '
             "Each name opens that submission's own report. The last columns are the requirements: points "
             'earned of points available.</p><div class="scroll"><table class="sortable"><thead>'
             f"<tr>{head_cells}</tr></thead><tbody>{body}</tbody>{_footer(rows, requirements)}</table></div>"
             f'{_requirements_legend(requirements)}<p class="legend">{legend}</p></section>\n')
    csp = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
           f"script-src {script_hash(SORT_SCRIPT)}")
    title = f"{summary['problem']}: batch summary"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}{SUMMARY_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{_head(summary)}{_banners(summary)}\n{table}{_mistakes_card(summary)}"
        f"<footer>ml-judge {esc(__version__)} · a self-contained page: its only script sorts the table; "
        "nothing is loaded from the network</footer>\n</main>\n"
        f"<script>{SORT_SCRIPT}</script>\n</body>\n</html>\n"
    )
