"""Practice over weeks: what to do next, progress by skill and topic, and the concept drill's schedule.

Everything is scheduled by FSRS (the ``fsrs`` package), never by a table of intervals written here. A card
is something to remember: each problem tried, each known mistake made (per problem), each drill question.
Its reviews are replayed from what the judge already records, so nothing is stored twice and a new FSRS
version reschedules the whole history:

- a problem's reviews are its graded attempts, rated from the outcome (``attempt_rating``): failed, again;
  passed with hints or over budget, hard; passed, good; passed unaided in under half the budget, easy;
- a known mistake's reviews are the graded attempts at its problem from the one where it was diagnosed
  on: again where it was made, good where a graded attempt was free of it;
- a drill question's reviews are the candidate's own ratings (the key-point match is shown, never used).

The functions that take rows, reviews and problems are pure; ``snapshot`` reads the store once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from judge.model.progress import Progress, Standing
from judge.model.report import format_clock
from judge.model.states import AttemptState
from judge.problems.questions import follow_up_questions

if TYPE_CHECKING:
    from judge.problems.catalog import Problem
    from judge.problems.questions import Question, QuestionBank
    from judge.store.index import Store

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4  # FSRS's ratings (fsrs.Rating values)
RATING_NAMES = {AGAIN: "again", HARD: "hard", GOOD: "good", EASY: "easy"}
DIFFICULTY_RANK = {"easy": 0, "medium": 1, "hard": 2}
NEW_QUESTIONS_PER_DAY = 10  # new drill questions a day, on top of the due ones
GRADED = ("passed", "failed")  # verdicts whose tests ran: what a known mistake can be judged on


# -- ratings ----------------------------------------------------------------------------------------

def attempt_rating(row: dict[str, Any]) -> tuple[int, str] | None:
    """The FSRS rating of a closed attempt and the words for it; None for one that was not graded (open,
    abandoned, or the judge could not grade it)."""
    if row.get("status") != AttemptState.SUBMITTED or not row.get("verdict") or row.get("verdict") == "sandbox-error":
        return None
    if row["verdict"] != "passed":
        score = f" ({row['percent']:g}%)" if row.get("percent") is not None else ""
        return AGAIN, f"failed{score}"
    hints = int(row.get("hints") or 0)
    elapsed = float(row["elapsed_s"]) if row.get("elapsed_s") is not None else None
    budget = float(row.get("budget_s") or 0.0)
    over = elapsed is not None and budget > 0 and elapsed > budget
    if hints or over:
        why = [f"with {hints} hint{'s' if hints != 1 else ''}"] if hints else []
        if over:
            why.append(f"over budget ({format_clock(elapsed or 0.0)} of {format_clock(budget)})")
        return HARD, "passed " + " and ".join(why)
    if elapsed is not None and budget > 0 and elapsed < budget / 2:
        return EASY, f"passed unaided in {format_clock(float(elapsed))}, under half the budget"
    return GOOD, "passed unaided"


@dataclass(frozen=True)
class Review:
    """One review of a card: when, the rating, and what it was (an attempt's outcome, a drill answer)."""

    card: str
    at: float
    rating: int
    why: str
    source: str = ""  # the attempt id, or "drill"


def problem_card(slug: str) -> str:
    return f"problem:{slug}"


def mistake_card(slug: str, mistake: str) -> str:
    return f"mistake:{slug}/{mistake}"


def question_card(qid: str) -> str:
    return f"question:{qid}"


def attempt_reviews(rows: Iterable[dict[str, Any]]) -> list[Review]:
    """The reviews of problem and known-mistake cards that the attempts (``Store.rows()``) amount to."""
    graded = sorted((r for r in rows if attempt_rating(r) is not None),
                    key=lambda r: float(r.get("submitted_at") or r["started_at"]))
    reviews: list[Review] = []
    made: dict[str, set[str]] = {}  # problem -> mistakes made so far
    for row in graded:
        rated = attempt_rating(row)
        assert rated is not None
        at, slug = float(row.get("submitted_at") or row["started_at"]), str(row["problem"])
        reviews.append(Review(problem_card(slug), at, rated[0], rated[1], str(row["id"])))
        if row["verdict"] not in GRADED:
            continue  # a crash or a timeout says nothing about a known mistake
        now_made = set(row.get("mistakes") or [])
        for mistake in sorted(made.setdefault(slug, set()) | now_made):
            if mistake in now_made:
                reviews.append(Review(mistake_card(slug, mistake), at, AGAIN, "made", str(row["id"])))
            else:
                reviews.append(Review(mistake_card(slug, mistake), at, GOOD, "avoided", str(row["id"])))
        made[slug] |= now_made
    return reviews


def drill_reviews(entries: Iterable[dict[str, Any]]) -> list[Review]:
    """The drill's stored reviews (``Store.reviews()``) as card reviews."""
    return [Review(question_card(str(e["question"])), float(e["at"]), int(e["rating"]),
                   RATING_NAMES.get(int(e["rating"]), "?"), "drill") for e in entries]


# -- FSRS ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CardState:
    """Where a card stands after its reviews: FSRS's due time, stability and recall probability now."""

    card: str
    due: float | None  # None: never reviewed (new)
    reviews: tuple[Review, ...] = ()
    stability: float | None = None
    retrievability: float | None = None

    @property
    def last(self) -> Review | None:
        return self.reviews[-1] if self.reviews else None

    def is_due(self, now: float) -> bool:
        """Due on or before today's date (a card due at 18:00 is due all day)."""
        return self.due is None or local_day(self.due) <= local_day(now)


def local_day(ts: float) -> date:
    return datetime.fromtimestamp(ts).date()


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def schedule(reviews: Iterable[Review], now: float) -> dict[str, CardState]:
    """Replay every card's reviews, in time order, through FSRS; each card's state at ``now``.

    No learning steps (an interval is at least a day: this is a daily practice, not a session of flash
    cards) and no fuzzing (the same history always gives the same schedule).
    """
    from fsrs import Card, Rating, Scheduler

    scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    by_card: dict[str, list[Review]] = {}
    for review in sorted(reviews, key=lambda r: r.at):
        by_card.setdefault(review.card, []).append(review)
    states: dict[str, CardState] = {}
    for key, items in by_card.items():
        card = Card(card_id=1, due=_utc(items[0].at))
        for review in items:
            card, _ = scheduler.review_card(card, Rating(review.rating), _utc(review.at))
        assert card.due is not None
        recall = scheduler.get_card_retrievability(card, _utc(max(now, items[-1].at)))
        states[key] = CardState(key, card.due.timestamp(), tuple(items), card.stability, recall)
    return states


# -- what to do next -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recommendation:
    """One thing to do, the command that does it, and why."""

    kind: str  # finish | review | mistake | new | drill | ahead
    command: str
    reason: str
    problem: str | None = None


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%b %d").replace(" 0", " ")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def new_problem_order(problems: Sequence[Problem], solved_topics: set[str]) -> list[Problem]:
    """Untried problems in the order to take them: easier first; at one difficulty, a topic already
    practised before a new one (build on what you know), then the shorter budget."""
    return sorted(problems, key=lambda p: (DIFFICULTY_RANK.get(p.difficulty, 1), p.topic not in solved_topics,
                                           p.budget_minutes, p.slug))


@dataclass(frozen=True)
class DrillDue:
    """How much of the drill is waiting: questions due again, and new ones on offer today."""

    due: int
    new: int

    @property
    def total(self) -> int:
        return self.due + self.new


def recommend(problems: Sequence[Problem], rows: Sequence[dict[str, Any]], states: dict[str, CardState],
              drill: DrillDue, now: float, mistake_titles: Callable[[str, str], str]) -> list[Recommendation]:
    """Everything worth doing now, best first: an open attempt to finish; problems and known mistakes
    FSRS says are due (most overdue first); the next untried problem; the drill when questions wait; the
    other untried problems; and, when nothing is due, the reviews coming soonest."""
    by_slug = {p.slug: p for p in problems}
    out: list[Recommendation] = []
    for row in rows:
        if row["status"] == AttemptState.OPEN and row["problem"] in by_slug:
            out.append(Recommendation("finish", f"judge status --dir {row['workspace']}",
                                      f"attempt {row['id']} at {row['problem']} is still open (started "
                                      f"{_day(float(row['started_at']))}): submit or abandon it first",
                                      row["problem"]))
    open_slugs = {r.problem for r in out if r.problem is not None}
    today = local_day(now)

    def overdue(state: CardState) -> int:
        return (today - local_day(state.due or now)).days

    due_problems = sorted((s for k, s in states.items() if k.startswith("problem:") and s.is_due(now)),
                          key=lambda s: (-overdue(s), s.retrievability or 0.0))
    due_mistakes = sorted((s for k, s in states.items() if k.startswith("mistake:") and s.is_due(now)),
                          key=lambda s: (-overdue(s), s.retrievability or 0.0))
    mistakes_of: dict[str, list[str]] = {}
    for s in due_mistakes:
        slug, mistake = s.card.removeprefix("mistake:").split("/", 1)
        mistakes_of.setdefault(slug, []).append(mistake)
    seen: set[str] = set(open_slugs)
    for s in due_problems:
        slug = s.card.removeprefix("problem:")
        last = s.last
        if slug not in by_slug or slug in seen or last is None:
            continue
        seen.add(slug)
        late = overdue(s)
        when = "due today" if late <= 0 else f"due {_days(late)} ago"
        reason = f"{when}: your last attempt ({_day(last.at)}) {last.why}"
        names = [mistake_titles(slug, m) for m in mistakes_of.get(slug, [])]
        if names:
            reason += "; known mistake due: " + ", ".join(f"'{n}'" for n in names)
        if last.rating >= GOOD:
            reason += f"; FSRS spaced it {_days(_interval_days(s))} after that"
        out.append(Recommendation("review", f"judge start {slug}", reason, slug))
    for slug, mistakes in mistakes_of.items():
        if slug in seen or slug not in by_slug:
            continue
        seen.add(slug)
        state = states[mistake_card(slug, mistakes[0])]
        made = next((r for r in reversed(state.reviews) if r.rating == AGAIN), state.reviews[0])
        titles = ", ".join(f"'{mistake_titles(slug, m)}'" for m in mistakes)
        out.append(Recommendation("mistake", f"judge start {slug}",
                                  f"known mistake due: {titles} (made {_day(made.at)}): re-attempt {slug} and "
                                  "avoid it", slug))
    tried = {str(r["problem"]) for r in rows}
    solved_topics = {by_slug[str(r["problem"])].topic for r in rows
                     if r.get("verdict") == "passed" and r["problem"] in by_slug}
    fresh = [p for p in new_problem_order([p for p in problems if p.slug not in tried], solved_topics)]
    news = [Recommendation("new", f"judge start {p.slug}", _new_reason(p, solved_topics), p.slug) for p in fresh]
    out += news[:1]
    if drill.total:
        parts = ([f"{drill.due} concept question{'s' if drill.due != 1 else ''} due again"] if drill.due else []) + \
                ([f"{drill.new} new today"] if drill.new else [])
        out.append(Recommendation("drill", "judge drill", ", ".join(parts) + " (about "
                                  f"{max(1, round(drill.total * 1.5))} min)"))
    out += news[1:]
    later = sorted((s for k, s in states.items() if k.startswith("problem:") and not s.is_due(now)
                    and k.removeprefix("problem:") not in seen and k.removeprefix("problem:") in by_slug),
                   key=lambda s: s.due or 0.0)
    for s in later:
        slug = s.card.removeprefix("problem:")
        last = s.last
        why = f"; last attempt {last.why}" if last else ""
        out.append(Recommendation("ahead", f"judge start {slug}",
                                  f"ahead of schedule: due {_day(s.due or now)}{why}", slug))
    return out


def _interval_days(state: CardState) -> int:
    last = state.last
    if last is None or state.due is None:
        return 0
    return max(1, round((state.due - last.at) / 86400))


def _new_reason(problem: Problem, solved_topics: set[str]) -> str:
    topic = (f"more {problem.topic}, which you have solved before" if problem.topic in solved_topics
             else f"a new topic for you: {problem.topic}")
    return (f"not tried yet: {problem.difficulty}, {problem.budget_minutes:g} min; {topic}; skills "
            f"{', '.join(problem.skills)}")


# -- progress --------------------------------------------------------------------------------------

def progress(problems: Sequence[Problem], rows: Sequence[dict[str, Any]], reviews: Sequence[Review]) -> Progress:
    """Aggregate the attempts (``Store.rows()``) by topic and by skill. A known mistake counts as avoided
    once a later graded attempt at its problem was free of it (and it was not made again since)."""
    by_slug = {p.slug: p for p in problems}
    last_verdict: dict[str, str] = {}
    for r in reviews:
        if r.card.startswith("mistake:"):
            last_verdict[r.card.removeprefix("mistake:")] = r.why
    topics: dict[str, Standing] = {}
    skills: dict[str, Standing] = {}
    for p in problems:
        for standing in [topics.setdefault(p.topic, Standing(p.topic)),
                         *(skills.setdefault(s, Standing(s)) for s in p.skills)]:
            standing.problems.append(p.slug)
    attempts = []
    for row in sorted(rows, key=lambda r: float(r.get("submitted_at") or r["started_at"])):
        found = by_slug.get(str(row["problem"]))
        rated = attempt_rating(row)
        if found is None or rated is None:
            continue
        p = found
        ratio = (float(row["elapsed_s"]) / float(row["budget_s"])) if row.get("elapsed_s") is not None and \
            row.get("budget_s") else None
        attempts.append({"id": row["id"], "problem": p.slug, "at": float(row.get("submitted_at") or 0),
                         "percent": row.get("percent"), "time_ratio": ratio, "rating": RATING_NAMES[rated[0]]})
        for standing in [topics[p.topic], *(skills[s] for s in p.skills)]:
            standing.tried.add(p.slug)
            if row["verdict"] == "passed":
                standing.solved.add(p.slug)
            if row.get("percent") is not None:
                standing.best[p.slug] = max(standing.best.get(p.slug, 0.0), float(row["percent"]))
            if ratio is not None:
                standing.time_ratios.append(ratio)
            for m in row.get("mistakes") or []:
                key = f"{p.slug}/{m}"
                standing.mistakes_made.add(key)
                if last_verdict.get(key) == "avoided":
                    standing.mistakes_avoided.add(key)
    order = sorted(topics.values(), key=lambda s: s.name)
    return Progress(order, sorted(skills.values(), key=lambda s: s.name), attempts)


# -- the drill -------------------------------------------------------------------------------------

def opened_follow_ups(problems: Sequence[Problem], rows: Sequence[dict[str, Any]]) -> list[Question]:
    """The editorial follow-up questions of every problem with an ended attempt and none open (the rule of
    the model answer: an editorial is not read in the middle of an attempt)."""
    ended = {str(r["problem"]) for r in rows if r["status"] in (AttemptState.SUBMITTED, AttemptState.ABANDONED)}
    still_open = {str(r["problem"]) for r in rows if r["status"] == AttemptState.OPEN}
    return [q for p in problems if p.slug in ended - still_open for q in follow_up_questions(p)]


def drill_queue(bank: QuestionBank, states: dict[str, CardState], now: float, topic: str | None = None,
                new_per_day: int = NEW_QUESTIONS_PER_DAY) -> tuple[list[Question], DrillDue]:
    """Today's questions: the due ones (most overdue first), then new ones (follow-ups first, then topic
    by topic, spread round-robin) up to ``new_per_day`` minus the new ones already answered today."""
    today = local_day(now)
    pool = [q for q in bank.questions.values() if topic is None or q.topic == topic]
    due, new = [], []
    for q in pool:
        state = states.get(question_card(q.id))
        if state is None:
            new.append(q)
        elif state.is_due(now):
            due.append((state.due or now, q))
    started_today = sum(1 for s in states.values() if s.card.startswith("question:") and s.reviews
                        and local_day(s.reviews[0].at) == today)
    room = max(0, new_per_day - started_today)
    # Round-robin over topics, so ten new questions are not ten on one topic.
    rank = {name: n for n, name in enumerate(bank.topics)}
    by_topic: dict[str, list[Question]] = {}
    for q in sorted(new, key=lambda q: (not q.follow_up, rank.get(q.topic, len(rank)))):
        by_topic.setdefault(q.topic, []).append(q)
    spread: list[Question] = []
    while any(by_topic.values()):
        for items in by_topic.values():
            if items:
                spread.append(items.pop(0))
    chosen_new = spread[:room]
    ordered_due = [q for _, q in sorted(due, key=lambda d: d[0])]
    return ordered_due + chosen_new, DrillDue(len(ordered_due), len(chosen_new))


# -- reading the store once ------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """What the practice commands read: attempts, drill reviews, and every card's state at ``now``."""

    now: float
    rows: list[dict[str, Any]]
    drill: list[dict[str, Any]]
    reviews: list[Review]
    states: dict[str, CardState]


def snapshot(store: Store, now: float) -> Snapshot:
    """Read the attempts and the drill's reviews, and schedule every card."""
    rows = store.rows()
    drill = store.reviews()
    reviews = attempt_reviews(rows) + drill_reviews(drill)
    return Snapshot(now, rows, drill, reviews, schedule(reviews, now))


def full_bank(bank: QuestionBank, problems: Sequence[Problem], rows: Sequence[dict[str, Any]]) -> QuestionBank:
    """The question bank with the follow-ups that have opened."""
    return bank.with_questions(opened_follow_ups(problems, rows))


def record_answer(store: Store, question: Question, rating: int, at: float, answer: str = "",
                  covered: int | None = None, points: int | None = None) -> None:
    """Save one rated drill answer (the schedule is replayed from these)."""
    if rating not in RATING_NAMES:
        raise ValueError(f"a rating is 1 (again) to 4 (easy), not {rating}")
    store.add_review(question.id, at, rating, answer, covered, points)


def schedule_export(states: dict[str, CardState]) -> list[dict[str, Any]]:
    """Every card's schedule as JSON-ready data (for `judge history --format json`)."""
    out = []
    for key in sorted(states):
        s = states[key]
        out.append({"card": key, "due": None if s.due is None else datetime.fromtimestamp(s.due, UTC).isoformat(),
                    "reviews": len(s.reviews), "last_rating": RATING_NAMES.get(s.last.rating) if s.last else None,
                    "stability_days": None if s.stability is None else round(s.stability, 2),
                    "recall": None if s.retrievability is None else round(s.retrievability, 3)})
    return out


EXPORT_SCHEMA = 1


def export(store: Store, now: float, problem: str | None = None) -> dict[str, Any]:
    """Everything the judge remembers of a candidate's practice, as one JSON-ready document: the attempts,
    every drill answer, and each card's schedule (``problem``: only that problem's attempts and cards)."""
    snap = snapshot(store, now)
    rows, states = snap.rows, snap.states
    if problem is not None:
        rows = [r for r in rows if r["problem"] == problem]
        states = {k: s for k, s in states.items() if k in (problem_card(problem),)
                  or k.startswith(f"mistake:{problem}/")}
    return {"schema_version": EXPORT_SCHEMA, "exported_at": datetime.fromtimestamp(now, UTC).isoformat(),
            "attempts": rows, "drill_reviews": snap.drill if problem is None else [],
            "schedule": schedule_export(states)}
