"""The progress page of `judge progress --format html`: one self-contained file with inline SVG charts.

Four charts, each beside a table that says the same in words: the best score of each problem (grouped by
topic), time against budget attempt by attempt, the known mistakes made and since avoided per skill, and
the drill per topic. Same page frame, palette and escaping as the report (judge/render/html.py): no
script, nothing loaded from the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from judge.render.html import (
    AXIS,
    GRID,
    INK,
    MUTED,
    OVER_COLOUR,
    PASS_COLOUR,
    TRACK_COLOUR,
    card,
    esc,
    page,
    svg,
    table,
    tag,
)

if TYPE_CHECKING:
    from judge.model.progress import Progress, Standing

WIDTH = 960.0
LEFT = 220.0  # room for a label at the left of each bar
BAR_H, GAP = 18.0, 8.0


def _bar_rows(rows: Sequence[tuple[str, float, float, str]], label: str, scale_label: str) -> str:
    """Horizontal bars: (label, value, maximum, text at the bar's end). ``value``/``maximum`` is its length."""
    top = 28.0
    height = top + len(rows) * (BAR_H + GAP) + 8
    span = WIDTH - LEFT - 90
    parts = [tag("text", esc(scale_label), x=LEFT, y=16, font_size=12, fill=MUTED)]
    for i, (name, value, maximum, text) in enumerate(rows):
        y = top + i * (BAR_H + GAP)
        share = max(0.0, min(1.0, value / maximum)) if maximum else 0.0
        parts += [tag("text", esc(name), x=LEFT - 10, y=y + BAR_H - 5, font_size=13, text_anchor="end"),
                  tag("rect", x=LEFT, y=y, width=span, height=BAR_H, fill=TRACK_COLOUR, rx=3),
                  tag("rect", tag("title", esc(f"{name}: {text}")), x=LEFT, y=y, width=max(0.0, span * share),
                      height=BAR_H, fill=PASS_COLOUR, rx=3),
                  tag("text", esc(text), x=LEFT + span + 8, y=y + BAR_H - 5, font_size=12, fill=INK)]
    return svg(WIDTH, height, label, "", "".join(parts))


def best_scores_chart(progress: Progress) -> str:
    """Each problem's best score, grouped under its topic; untried problems show an empty track."""
    rows: list[tuple[str, float, float, str]] = []
    for topic in progress.topics:
        for slug in topic.problems:
            best = topic.best.get(slug)
            mark = "solved" if slug in topic.solved else ("tried" if slug in topic.tried else "not tried")
            rows.append((f"{slug}", best or 0.0, 100.0,
                         f"{best:g}% ({mark})" if best is not None else mark))
    return _bar_rows(rows, "Best score of each problem", "best score, 0 to 100%")


def time_chart(attempts: Sequence[dict[str, Any]]) -> str:
    """Time against budget, attempt by attempt (oldest first): a point per attempt, the budget a line."""
    points = [(a, float(a["time_ratio"])) for a in attempts if a.get("time_ratio") is not None]
    height, top, bottom, left, right = 260.0, 24.0, 210.0, 64.0, 20.0
    peak = max([1.5, *(r for _, r in points)])

    def y(ratio: float) -> float:
        return bottom - (bottom - top) * min(ratio, peak) / peak

    n = max(1, len(points))
    slot = (WIDTH - left - right) / n
    parts = []
    for ratio in (0.0, 0.5, 1.0):
        parts += [tag("line", x1=left, y1=y(ratio), x2=WIDTH - right, y2=y(ratio),
                      stroke=INK if ratio == 1.0 else GRID, stroke_width=2 if ratio == 1.0 else 1,
                      stroke_dasharray="6 3" if ratio == 1.0 else "none"),
                  tag("text", f"{ratio:.0%}", x=left - 8, y=y(ratio) + 4, font_size=12, text_anchor="end")]
    parts.append(tag("text", "budget", x=WIDTH - right, y=y(1.0) - 6, font_size=12, text_anchor="end"))
    coords = [(left + slot * (i + 0.5), y(r)) for i, (_, r) in enumerate(points)]
    if len(coords) > 1:
        parts.append(tag("polyline", points=" ".join(f"{a:.1f},{b:.1f}" for a, b in coords), fill="none",
                         stroke=AXIS, stroke_width=1.5))
    for i, ((attempt, ratio), (cx, cy)) in enumerate(zip(points, coords, strict=True)):
        over = ratio > 1.0
        tip = f"{attempt['problem']} ({attempt['id']}): {ratio:.0%} of the budget, {attempt['rating']}"
        if over:  # a square as well as a colour: over budget reads without colour vision too
            parts.append(tag("rect", tag("title", esc(tip)), x=cx - 5, y=cy - 5, width=10, height=10,
                             fill=OVER_COLOUR))
        else:
            parts.append(tag("circle", tag("title", esc(tip)), cx=cx, cy=cy, r=5, fill=PASS_COLOUR))
        if i % max(1, -(-n // 12)) == 0 or i == n - 1:
            parts.append(tag("text", f"#{i + 1}", x=cx, y=bottom + 18, font_size=12, text_anchor="middle"))
    if not points:
        parts.append(tag("text", "no graded attempts yet", x=WIDTH / 2, y=(top + bottom) / 2, font_size=13,
                         text_anchor="middle", fill=MUTED))
    parts += [tag("circle", cx=left + 6, cy=height - 14, r=5, fill=PASS_COLOUR),
              tag("text", "within budget", x=left + 16, y=height - 10, font_size=12),
              tag("rect", x=left + 120, y=height - 19, width=10, height=10, fill=OVER_COLOUR),
              tag("text", "over budget", x=left + 136, y=height - 10, font_size=12)]
    return svg(WIDTH, height, f"time against budget over {len(points)} graded attempt(s), oldest first", "",
               "".join(parts))


def mistakes_chart(skills: Sequence[Standing]) -> str:
    """Per skill with known mistakes: how many were made, and the share since avoided."""
    rows = [(s.name, float(len(s.mistakes_avoided)), float(len(s.mistakes_made)),
             f"{len(s.mistakes_avoided)} of {len(s.mistakes_made)} avoided since")
            for s in skills if s.mistakes_made]
    if not rows:
        return '<p class="muted">No known mistake diagnosed in your attempts yet.</p>'
    return _bar_rows(rows, "known mistakes avoided since, per skill", "share of the known mistakes made that a "
                     "later attempt avoided")


def drill_chart(drill: Sequence[dict[str, Any]]) -> str:
    """Per topic: the share of its questions answered at least once, with the number due."""
    rows = [(str(d["title"])[:30], float(d["answered"]), float(d["questions"]),
             f"{d['answered']}/{d['questions']} answered, {d['due']} due") for d in drill]
    return _bar_rows(rows, "drill questions answered per topic", "questions answered at least once")


def _standing_rows(standings: Sequence[Standing]) -> list[str]:
    out = []
    for s in standings:
        best = f"{sum(s.best.values()) / len(s.best):.0f}%" if s.best else "-"
        times = " → ".join(f"{r:.0%}" for r in s.time_ratios[-6:]) or "-"
        out.append(f"<tr><td><strong>{esc(s.name)}</strong></td>"
                   f'<td class="num">{len(s.solved)}/{len(s.problems)}</td><td class="num">{esc(best)}</td>'
                   f'<td class="num">{len(s.mistakes_made)}</td><td class="num">{len(s.mistakes_avoided)}</td>'
                   f"<td>{esc(times)}</td></tr>")
    return out


HEAD = [("", False), ("Solved", True), ("Best (mean)", True), ("Mistakes made", True), ("Avoided since", True),
        ("Time / budget, last attempts", False)]


def progress_html(progress: Progress, drill: Sequence[dict[str, Any]], now: float) -> str:
    """The whole page: a summary, the four charts, the tables by topic and by skill."""
    solved = {slug for t in progress.topics for slug in t.solved}
    total = sum(len(t.problems) for t in progress.topics)
    answered = sum(int(d["answered"]) for d in drill)
    questions = sum(int(d["questions"]) for d in drill)
    when = datetime.fromtimestamp(now).strftime("%Y-%m-%d %H:%M")
    head = ('<section class="card"><p class="brand">ml-judge progress</p><h1>Your progress</h1>'
            f'<p class="stats">{len(solved)} of {total} problem(s) solved · {len(progress.attempts)} graded '
            f"attempt(s) · {answered} of {questions} drill question(s) answered · as of {esc(when)}</p>"
            "<p class=\"muted\">What to do next: <code>judge next</code></p></section>\n")
    topic_head = [("Topic", False), *HEAD[1:]]
    skill_head = [("Skill", False), *HEAD[1:]]
    body = (head
            + card("Best score of each problem", best_scores_chart(progress))
            + card("Time against budget", time_chart(progress.attempts))
            + card("Known mistakes", mistakes_chart(progress.skills))
            + card("Concept drill", drill_chart(drill))
            + card("By topic", table(topic_head, _standing_rows(progress.topics)))
            + card("By skill", table(skill_head, _standing_rows(progress.skills)), cls="card long"))
    return page("ml-judge progress", body)
