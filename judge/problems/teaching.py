"""A problem's teaching content, read from its folder: requirement titles and hints, known-mistake notes, the
editorial, and the recorded failure signatures of the known mistakes.

Files (all in ``problems/<slug>/``; format in docs/authoring.md):

- ``requirements.toml``: ``[R3] title = "..."``, ``hints = ["nudge", "...", "near-answer"]`` (2 or 3 hints).
- ``mistakes.toml``: ``[<known_mistakes file stem>] title = "..."``, ``explanation = "..."``.
- ``editorial.md``: ``## Approach``, ``## Pitfalls``, ``## What an interviewer looks for``, ``## Follow-up
  questions`` with three ``### question`` subsections, each answered.
- ``signatures.json``: written by ``judge problem validate --write-signatures``: for each known mistake,
  the hidden tests it fails, with the digest of the suite they were recorded against, so grading can
  diagnose without running anything again and never diagnoses against a changed suite.

Parsing is pure (text in, data and a list of problems out); ``load_*`` read the files. At grading time
a malformed file means "no teaching", never a failed grading; ``judge problem validate`` reports it.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judge.problems.catalog import Problem
from judge.problems.diagnosis import MistakeBook, Signature

REQUIREMENTS_FILE = "requirements.toml"
MISTAKES_FILE = "mistakes.toml"
EDITORIAL_FILE = "editorial.md"
SIGNATURES_FILE = "signatures.json"
SIGNATURES_SCHEMA = 1
EDITORIAL_SECTIONS = ("Approach", "Pitfalls", "What an interviewer looks for", "Follow-up questions")
FOLLOW_UPS = 3
MIN_HINTS, MAX_HINTS = 2, 3
_REQ_ID = re.compile(r"^R\d+$")


@dataclass(frozen=True)
class RequirementGuide:
    """A requirement's short title and its hints, from a nudge (level 1) to a near-answer (the last)."""

    id: str
    title: str
    hints: tuple[str, ...]


@dataclass(frozen=True)
class MistakeNote:
    """What a known mistake is, written for the candidate."""

    id: str
    title: str
    explanation: str


@dataclass(frozen=True)
class FollowUp:
    """An interviewer's follow-up question and a short model answer (Markdown)."""

    question: str
    answer: str


@dataclass(frozen=True)
class Editorial:
    """The editorial: its sections as Markdown, by heading, and the follow-up questions."""

    title: str
    sections: dict[str, str]
    follow_ups: tuple[FollowUp, ...]
    text: str

    def section(self, name: str) -> str:
        return self.sections.get(name, "")


# -- parsing (pure) ----------------------------------------------------------------------------------

def _toml(text: str, where: str) -> tuple[dict[str, Any], list[str]]:
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{where}: not valid TOML: {exc}"]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_requirements(text: str, where: str = REQUIREMENTS_FILE) -> tuple[dict[str, RequirementGuide], list[str]]:
    """``{requirement id: guide}`` and what is wrong with the file (an entry lacking a title or 2-3 hints)."""
    data, problems = _toml(text, where)
    guides: dict[str, RequirementGuide] = {}
    for rid, entry in data.items():
        if not _REQ_ID.match(rid) or not isinstance(entry, dict):
            problems.append(f"{where}: [{rid}] is not a requirement table like [R1] with title and hints")
            continue
        unknown = sorted(set(entry) - {"title", "hints"})
        if unknown:
            problems.append(f"{where}: [{rid}] has unknown key(s) {', '.join(unknown)}; known: title, hints")
        title = _text(entry.get("title"))
        raw_hints = entry.get("hints")
        hints = tuple(_text(h) for h in raw_hints) if isinstance(raw_hints, list) else ()
        if not title:
            problems.append(f"{where}: [{rid}] has no title (a few words the report shows beside {rid})")
        if not MIN_HINTS <= len(hints) <= MAX_HINTS or not all(hints):
            problems.append(f"{where}: [{rid}] needs {MIN_HINTS} to {MAX_HINTS} non-empty hints, from a nudge to a "
                            f"near-answer (has {len([h for h in hints if h])})")
        guides[rid] = RequirementGuide(rid, title or rid, tuple(h for h in hints if h))
    return guides, problems


def parse_mistakes(text: str, where: str = MISTAKES_FILE) -> tuple[dict[str, MistakeNote], list[str]]:
    """``{mistake id: note}`` and what is wrong with the file (an entry lacking a title or an explanation)."""
    data, problems = _toml(text, where)
    notes: dict[str, MistakeNote] = {}
    for mid, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(f"{where}: {mid} must be a table [{mid}] with title and explanation")
            continue
        unknown = sorted(set(entry) - {"title", "explanation"})
        if unknown:
            problems.append(f"{where}: [{mid}] has unknown key(s) {', '.join(unknown)}; known: title, explanation")
        title, explanation = _text(entry.get("title")), _text(entry.get("explanation"))
        if not title:
            problems.append(f"{where}: [{mid}] has no title")
        if not explanation:
            problems.append(f"{where}: [{mid}] has no explanation (what the mistake is, why it is wrong, what "
                            "to check)")
        if title and explanation:
            notes[mid] = MistakeNote(mid, title, explanation)
    return notes, problems


_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*#*\s*$")


def parse_editorial(text: str, where: str = EDITORIAL_FILE) -> tuple[Editorial, list[str]]:
    """The editorial's sections (by ``##`` heading) and follow-ups (``###`` under "Follow-up questions")."""
    title = ""
    sections: dict[str, list[str]] = {}
    follow: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading:
            level, name = len(heading.group(1)), heading.group(2)
            if level == 1:
                title, current = name, None
                continue
            if level == 2:
                current = sections.setdefault(name, [])
                continue
            if level == 3 and current is not None and current is sections.get("Follow-up questions"):
                follow.append((name, []))
                current.append(line)
                continue
        if follow and current is sections.get("Follow-up questions"):
            follow[-1][1].append(line)
        if current is not None:
            current.append(line)
    bodies = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    follow_ups = tuple(FollowUp(q, "\n".join(lines).strip()) for q, lines in follow)
    problems = [f"{where}: no '## {name}' section" for name in EDITORIAL_SECTIONS if not bodies.get(name)]
    if "Follow-up questions" in bodies:
        if len(follow_ups) != FOLLOW_UPS:
            problems.append(f"{where}: '## Follow-up questions' needs {FOLLOW_UPS} '### question' subsections, "
                            f"has {len(follow_ups)}")
        problems += [f"{where}: follow-up '{f.question}' has no answer" for f in follow_ups if not f.answer]
    return Editorial(title, bodies, follow_ups, text), problems


# -- reading a problem's files ------------------------------------------------------------------------

def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def requirement_guides(problem: Problem) -> dict[str, RequirementGuide]:
    """The problem's requirement titles and hints (empty when it has none, or the file is unreadable)."""
    text = _read(problem.root / REQUIREMENTS_FILE)
    return parse_requirements(text)[0] if text is not None else {}


def requirement_titles(problem: Problem) -> dict[str, str]:
    """``{"R1": "short title", ...}`` for the reports."""
    return {rid: g.title for rid, g in requirement_guides(problem).items()}


def mistake_notes(problem: Problem) -> dict[str, MistakeNote]:
    """The problem's known-mistake titles and explanations (only the complete ones)."""
    text = _read(problem.root / MISTAKES_FILE)
    return parse_mistakes(text)[0] if text is not None else {}


def editorial(problem: Problem) -> Editorial | None:
    """The problem's editorial, or None when it has none."""
    text = _read(problem.root / EDITORIAL_FILE)
    return parse_editorial(text)[0] if text is not None else None


def known_mistake_files(problem: Problem) -> list[Path]:
    """The known mistakes' files, in name order."""
    folder = problem.known_mistakes_dir
    return sorted(folder.glob("*.py")) if folder.is_dir() else []


def check_content(problem: Problem) -> list[str]:
    """Everything missing or malformed in the problem's teaching content, as lines a validator prints.

    Every requirement of the statement has a title and 2-3 hints (and no hints exist for requirements the
    statement does not define); every known mistake has a title and an explanation (and no note names a
    mistake that does not exist); the editorial has its sections and three answered follow-ups.
    """
    problems: list[str] = []
    stated = problem.requirements()
    for name in (REQUIREMENTS_FILE, MISTAKES_FILE, EDITORIAL_FILE):
        if not (problem.root / name).is_file():
            problems.append(f"missing {name} (see docs/authoring.md, 'Teaching')")
    text = _read(problem.root / REQUIREMENTS_FILE)
    if text is not None:
        guides, found = parse_requirements(text)
        problems += found
        problems += [f"{REQUIREMENTS_FILE}: {rid} has no entry (title and hints)" for rid in stated
                     if rid not in guides]
        problems += [f"{REQUIREMENTS_FILE}: [{rid}] is not a requirement of statement.md" for rid in guides
                     if rid not in stated]
    text = _read(problem.root / MISTAKES_FILE)
    stems = [p.stem for p in known_mistake_files(problem)]
    if text is not None:
        found = parse_mistakes(text)[1]
        problems += found
        data, _ = _toml(text, MISTAKES_FILE)
        problems += [f"{MISTAKES_FILE}: known mistake {stem} has no entry (title and explanation)"
                     for stem in stems if stem not in data]
        problems += [f"{MISTAKES_FILE}: [{mid}] names no file in known_mistakes/" for mid in data if mid not in stems]
    text = _read(problem.root / EDITORIAL_FILE)
    if text is not None:
        problems += parse_editorial(text)[1]
    return problems


# -- signatures ---------------------------------------------------------------------------------------

def suite_digest(problem: Problem) -> str:
    """sha256 over the hidden tests, the data files and the test doubles: what a mistake's failing tests
    depend on."""
    digest = hashlib.sha256()
    folder = problem.hidden_tests_dir
    tests = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.suffix != ".pyc")
    for name, path in ([(f"tests/{p.relative_to(folder).as_posix()}", p) for p in tests]
                       + [(f"data/{p.relative_to(problem.starter_dir).as_posix()}", p) for p in problem.data_files()]):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    if problem.doubles_path.is_file():
        digest.update(b"support/doubles.py\0" + problem.doubles_path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def signatures_document(digest: str, graded: dict[str, tuple[str, str, list[str]]]) -> dict[str, Any]:
    """The content of signatures.json from ``{mistake: (file sha256, verdict, failing test ids)}``."""
    return {
        "schema_version": SIGNATURES_SCHEMA,
        "note": "written by `judge problem validate --write-signatures`; do not edit by hand",
        "suite_sha256": digest,
        "mistakes": {mid: {"file_sha256": sha, "verdict": verdict, "failing": sorted(failing)}
                     for mid, (sha, verdict, failing) in sorted(graded.items())},
    }


def read_signatures(problem: Problem) -> dict[str, Any] | None:
    """signatures.json as data, or None when it is missing or unreadable."""
    text = _read(problem.root / SIGNATURES_FILE)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("mistakes"), dict) else None


def mistake_book(problem: Problem) -> MistakeBook | None:
    """The signatures grading can trust right now, with their notes; None when there are none.

    A signature counts only when signatures.json was recorded against this exact suite and data, the
    mistake's file is unchanged, it was a plain failure (tests ran), and the mistake has a note to show.
    """
    data = read_signatures(problem)
    if data is None or data.get("suite_sha256") != suite_digest(problem):
        return None
    notes = mistake_notes(problem)
    files = {p.stem: p for p in known_mistake_files(problem)}
    signatures = []
    for mid, entry in data["mistakes"].items():
        if not isinstance(entry, dict) or mid not in notes or mid not in files:
            continue
        if entry.get("verdict") != "failed" or entry.get("file_sha256") != file_digest(files[mid]):
            continue
        failing = entry.get("failing")
        if isinstance(failing, list) and failing:
            signatures.append(Signature(mid, frozenset(str(t) for t in failing)))
    if not signatures:
        return None
    return MistakeBook(tuple(signatures), {mid: (n.title, n.explanation) for mid, n in notes.items()})


@dataclass(frozen=True)
class ModelAnswer:
    """What a candidate may read once the attempt is over: the reference, the editorial, the known mistakes."""

    reference: str
    editorial: Editorial | None
    mistakes: dict[str, MistakeNote]


_SLUG_GROUP = re.compile(r"[ \t]*\(((?:`[a-z0-9_]+`(?:,\s*|\s+or\s+|\s+and\s+)?)+)\)")


def for_reader(text: str, mistakes: Iterable[str]) -> str:
    """The editorial as a candidate reads it: prose, without the parenthesised known-mistake names
    (`` (`dedup_keep_last`)``) the author writes after a pitfall so that validate and the HTML can find
    them. A parenthesis naming anything else is kept."""
    known = set(mistakes)

    def drop(match: re.Match[str]) -> str:
        names = re.findall(r"`([a-z0-9_]+)`", match.group(1))
        return "" if names and all(n in known for n in names) else match.group(0)

    return _SLUG_GROUP.sub(drop, text)


def model_answer(problem: Problem) -> ModelAnswer | None:
    """The problem's model answer, or None when it has no reference solution."""
    reference = _read(problem.reference_path)
    if reference is None:
        return None
    return ModelAnswer(reference, editorial(problem), mistake_notes(problem))
