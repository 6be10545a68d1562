"""The concept questions of `judge drill`, read from files: one folder a topic, one TOML file a question.

Layout (``questions/`` at the top of the source tree, shipped in the wheel like ``problems/``)::

    questions/
      synonyms.toml                 groups = [["l1", "lasso"], ...]: phrases that match each other
      bias-variance/
        topic.toml                  title = "Bias and variance"     order = 2: where the topic comes among new questions
        tradeoff.toml               one question (its id is "bias-variance/tradeoff")

A question file::

    question = "Why ...?"
    answer = \"\"\"The model answer, in a few sentences.\"\"\"

    [[points]]                      3 to 6 key points
    text = "What the point says, as the candidate will read it"
    match = ["phrase | other phrase", "word + other word"]   (see judge/problems/keypoints.py)

After an attempt at a problem has ended, the follow-up questions of its editorial join the drill too
(``follow_up_questions``); they have a model answer but no key points, so the candidate compares by eye.

Parsing is pure (text in, data and a list of problems out); ``load_*`` read the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from judge.problems.catalog import Problem
from judge.problems.keypoints import KeyPoint, Synonyms, coverage, pattern_problems
from judge.problems.teaching import _text, _toml, editorial  # one TOML reader for teaching files

TOPIC_FILE = "topic.toml"
SYNONYMS_FILE = "synonyms.toml"
MIN_POINTS, MAX_POINTS = 3, 6
FOLLOW_UP_PREFIX = "follow-up"


@dataclass(frozen=True)
class Question:
    """One concept question: what is asked, the model answer, its key points, and its topic."""

    id: str  # "<topic folder>/<file stem>", or "follow-up/<problem>/<n>"
    topic: str  # the topic folder's name (or "follow-up/<problem>")
    topic_title: str
    question: str
    answer: str
    points: tuple[KeyPoint, ...]

    @property
    def follow_up(self) -> bool:
        return self.id.startswith(FOLLOW_UP_PREFIX + "/")


@dataclass(frozen=True)
class QuestionBank:
    """Every question, by id in file order, with the topic titles and the synonym groups."""

    questions: dict[str, Question]
    topics: dict[str, str]  # folder -> title, in the order new questions are offered
    synonyms: Synonyms

    def by_topic(self) -> dict[str, list[Question]]:
        grouped: dict[str, list[Question]] = {}
        for q in self.questions.values():
            grouped.setdefault(q.topic, []).append(q)
        return grouped

    def with_questions(self, extra: list[Question]) -> QuestionBank:
        """The bank with ``extra`` questions added (the follow-ups that have opened)."""
        merged = dict(self.questions)
        topics = dict(self.topics)
        for q in extra:
            merged.setdefault(q.id, q)
            topics.setdefault(q.topic, q.topic_title)
        return QuestionBank(merged, topics, self.synonyms)


# -- parsing (pure) ----------------------------------------------------------------------------------

def parse_synonyms(text: str, where: str = SYNONYMS_FILE) -> tuple[Synonyms, list[str]]:
    """The synonym groups, and what is wrong with the file."""
    data, problems = _toml(text, where)
    groups = data.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, list) and len(g) >= 2 and
                                                all(isinstance(m, str) and m.strip() for m in g) for g in groups):
        return Synonyms(), [*problems, f"{where}: groups must be a list of lists of two or more phrases"]
    seen: dict[str, int] = {}
    for n, group in enumerate(groups):
        for member in group:
            key = member.strip().lower()
            if key in seen and seen[key] != n:
                problems.append(f"{where}: {member!r} is in two groups; a phrase belongs to one group")
            seen[key] = n
    return Synonyms(tuple(tuple(m.strip() for m in g) for g in groups)), problems


def parse_question(text: str, qid: str, topic: str, topic_title: str,
                   where: str) -> tuple[Question | None, list[str]]:
    """One question file; None when it cannot be used, with the reasons."""
    data, problems = _toml(text, where)
    if problems:
        return None, problems
    unknown = sorted(set(data) - {"question", "answer", "points"})
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; known: question, answer, points")
    question, answer = _text(data.get("question")), _text(data.get("answer"))
    if not question:
        problems.append(f"{where}: no question")
    if not answer:
        problems.append(f"{where}: no answer (the model answer the candidate compares with)")
    raw = data.get("points")
    entries = raw if isinstance(raw, list) else []
    if not MIN_POINTS <= len(entries) <= MAX_POINTS:
        problems.append(f"{where}: needs {MIN_POINTS} to {MAX_POINTS} [[points]], has {len(entries)}")
    points: list[KeyPoint] = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"{where}: point {n} is not a table with text and match")
            continue
        extra = sorted(set(entry) - {"text", "match"})
        if extra:
            problems.append(f"{where}: point {n} has unknown key(s) {', '.join(extra)}; known: text, match")
        point_text = _text(entry.get("text"))
        match = entry.get("match")
        patterns = tuple(m for m in match if isinstance(m, str)) if isinstance(match, list) else ()
        if not point_text:
            problems.append(f"{where}: point {n} has no text")
        if not patterns or (isinstance(match, list) and len(patterns) != len(match)):
            problems.append(f"{where}: point {n} needs match = [\"phrase\", ...] (strings)")
        for pattern in patterns:
            problems += [f"{where}: point {n}: {p}" for p in pattern_problems(pattern)]
        points.append(KeyPoint(point_text, patterns))
    if problems:
        return None, problems
    return Question(qid, topic, topic_title, question, unwrap(answer), tuple(points)), []


def unwrap(text: str) -> str:
    """Paragraphs joined into lines (a file wraps them at 110 columns; the terminal wraps them again)."""
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


def self_check(question: Question, synonyms: Synonyms) -> list[str]:
    """The model answer must cover every key point of its own question: a point it misses has patterns
    that would miss a good answer too."""
    result = coverage(question.answer, question.points, synonyms)
    return [f"{question.id}: the model answer does not cover its point {r.point.text!r}; widen its match "
            "patterns or say it in the answer" for r in result.points if not r.covered]


# -- reading the folder -------------------------------------------------------------------------------

def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def load_bank(root: Path, check: bool = False) -> tuple[QuestionBank, list[str]]:
    """Every question under ``root`` and every problem found (a bank is usable without the broken files).
    ``check``: also match each model answer against its own key points (`judge drill validate`)."""
    problems: list[str] = []
    synonyms = Synonyms()
    text = _read(root / SYNONYMS_FILE)
    if text is not None:
        synonyms, found = parse_synonyms(text)
        problems += found
    questions: dict[str, Question] = {}
    topics: dict[str, str] = {}
    ranks: dict[str, int] = {}
    if not root.is_dir():
        return QuestionBank({}, {}, synonyms), [f"{root}: no questions folder"]
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        meta_text = _read(folder / TOPIC_FILE)
        if meta_text is None:
            problems.append(f"{folder.name}/: no {TOPIC_FILE} (title = \"...\"): every topic folder needs one")
            continue
        meta, found = _toml(meta_text, f"{folder.name}/{TOPIC_FILE}")
        problems += found
        title = _text(meta.get("title"))
        if not title:
            problems.append(f"{folder.name}/{TOPIC_FILE}: no title")
            continue
        order = meta.get("order", 1000)
        if isinstance(order, bool) or not isinstance(order, int):
            problems.append(f"{folder.name}/{TOPIC_FILE}: order must be a whole number")
            order = 1000
        ranks[folder.name] = order
        topics[folder.name] = title
        files = sorted(p for p in folder.glob("*.toml") if p.name != TOPIC_FILE)
        if not files:
            problems.append(f"{folder.name}/: no question files")
        for path in files:
            qid = f"{folder.name}/{path.stem}"
            raw = _read(path)
            if raw is None:
                problems.append(f"{qid}.toml: cannot be read as UTF-8")
                continue
            question, found = parse_question(raw, qid, folder.name, title, f"{qid}.toml")
            problems += found
            if question is not None:
                problems += self_check(question, synonyms) if check else []
                questions[qid] = question
    ordered = sorted(topics, key=lambda name: (ranks[name], name))
    return QuestionBank(questions, {name: topics[name] for name in ordered}, synonyms), problems


def follow_up_questions(problem: Problem) -> list[Question]:
    """The follow-up questions of the problem's editorial, as drill questions without key points."""
    found = editorial(problem)
    if found is None:
        return []
    topic = f"{FOLLOW_UP_PREFIX}/{problem.slug}"
    return [Question(f"{topic}/{n}", topic, f"Follow-up: {problem.title}", f.question, unwrap(f.answer), ())
            for n, f in enumerate(found.follow_ups, 1)]
