"""The problem catalog: ``Problem`` (read from a problem folder) and where problem folders are found.

Built-in problems ship inside the package; ``JUDGE_PROBLEMS_PATH`` (os.pathsep-separated) and the
``--problems DIR`` option add folders of custom problems. A folder of problems and a single problem
folder are both accepted on that path.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from judge.model.limits import DEFAULT_LIMITS, LimitError, Limits, limits_from_toml
from judge.model.submission import SOLUTION
from judge.paths import builtin_problems_dir, data_home

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
REQUIREMENT = re.compile(r"\*\*(R\d+)\b")
DIFFICULTIES = ("easy", "medium", "hard")
KNOWN_KEYS = {"slug", "title", "budget_minutes", "difficulty", "summary", "skills", "limits", "preload", "topic"}
MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
REQUIRED_KEYS = ("slug", "title", "budget_minutes")


class ProblemError(ValueError):
    """A problem folder that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Problem:
    """One problem, as declared by its folder."""

    slug: str
    title: str
    budget_minutes: float
    difficulty: str
    summary: str
    skills: tuple[str, ...]
    limits: Limits
    root: Path
    builtin: bool = False
    # Modules a warm sandbox imports before the submission arrives (judge/backends/pool.py).
    preload: tuple[str, ...] = ()
    # The subject `judge list` groups problems under ("data wrangling", "ML fundamentals", ...).
    topic: str = "general"

    @property
    def budget_s(self) -> float:
        return self.budget_minutes * 60.0

    @property
    def statement_path(self) -> Path:
        return self.root / "statement.md"

    @property
    def starter_dir(self) -> Path:
        return self.root / "starter"

    @property
    def hidden_tests_dir(self) -> Path:
        return self.root / "hidden_tests"

    @property
    def doubles_path(self) -> Path:
        """The problem's trusted test doubles, loaded into the candidate's process before solution.py (the
        candidate may read them: they hold no answer)."""
        return self.root / "doubles.py"

    @property
    def public_tests_dir(self) -> Path:
        return self.root / "public_tests"

    @property
    def reference_path(self) -> Path:
        return self.root / "reference" / SOLUTION

    @property
    def known_mistakes_dir(self) -> Path:
        return self.root / "known_mistakes"

    def statement(self) -> str:
        return self.statement_path.read_text(encoding="utf-8")

    def requirements(self) -> list[str]:
        """Requirement ids in the statement, in order of first appearance."""
        seen: dict[str, None] = {}
        for rid in REQUIREMENT.findall(self.statement()):
            seen.setdefault(rid, None)
        return list(seen)

    def data_files(self) -> list[Path]:
        """The starter's files other than the solution (CSV, JSON ...), which the tests may read."""
        return sorted(p for p in self.starter_dir.rglob("*") if p.is_file() and p.name != SOLUTION
                      and "__pycache__" not in p.parts)


class ParsedTomls:
    """``problem.toml`` files as parsed before, kept in a file of the data folder (``INDEX``), so listing
    the catalogue parses none that has not changed. An entry holds only while the file is the same: same
    inode, size, modification and change times (a rewrite, an edit, a copy over it or a rename onto it
    changes one of them); anything else is parsed again. A damaged or unwritable index is only slower."""

    INDEX = "problem-index.json"
    VERSION = 1

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_home() / self.INDEX
        self.entries: dict[str, Any] = {}
        self.changed = False
        try:
            data = json.loads(self.path.read_bytes())
            if isinstance(data, dict) and data.get("version") == self.VERSION and isinstance(data.get("tomls"), dict):
                self.entries = data["tomls"]
        except (OSError, ValueError):
            pass

    @staticmethod
    def signature(stat: os.stat_result) -> list[int]:
        return [stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]

    def parse(self, toml_path: Path) -> dict[str, Any]:
        """The parsed file: from the index when it has not changed since, else read now (and noted)."""
        key = str(toml_path)
        try:
            seen = self.signature(toml_path.stat())
        except OSError:
            return parse_toml(toml_path)
        entry = self.entries.get(key)
        if isinstance(entry, dict) and entry.get("stat") == seen and isinstance(entry.get("meta"), dict):
            meta: dict[str, Any] = entry["meta"]
            return meta
        meta = parse_toml(toml_path)
        try:
            if self.signature(toml_path.stat()) == seen:  # not changed while it was read
                json.dumps(meta)  # only what JSON keeps exactly (TOML dates are parsed every time)
                self.entries[key] = {"stat": seen, "meta": meta}
                self.changed = True
        except (OSError, TypeError, ValueError):
            pass
        return meta

    def save(self) -> None:
        """Write the index when something was added (atomically; never an error)."""
        if not self.changed:
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"version": self.VERSION, "tomls": self.entries}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):  # the folder may not be one (JUDGE_HOME naming a file)
                tmp.unlink(missing_ok=True)
        self.changed = False


def parse_toml(toml_path: Path) -> dict[str, Any]:
    """A ``problem.toml`` parsed, or ``ProblemError`` saying why it cannot be."""
    import tomllib  # here: `judge list` parses none when the index has them all (start-up)

    try:
        return tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProblemError(f"{toml_path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ProblemError(f"{toml_path}: cannot read it: {exc.strerror}") from exc


def load_problem(root: Path, builtin: bool = False, parsed: ParsedTomls | None = None) -> Problem:
    """Read and check a problem folder (its ``problem.toml`` from ``parsed`` when given). Raises
    ``ProblemError`` with an actionable message."""
    root = root.resolve()
    toml_path = root / "problem.toml"
    if not toml_path.is_file():
        raise ProblemError(f"{root}: no problem.toml (is this a problem folder? `judge problem new` makes one)")
    meta = parsed.parse(toml_path) if parsed is not None else parse_toml(toml_path)
    unknown = sorted(set(meta) - KNOWN_KEYS)
    if unknown:
        raise ProblemError(f"{toml_path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}")
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise ProblemError(f"{toml_path}: missing required key(s) {', '.join(missing)}")
    slug = meta["slug"]
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise ProblemError(f"{toml_path}: slug {slug!r} must be lowercase letters, digits and dashes")
    if slug != root.name:
        raise ProblemError(f"{toml_path}: slug {slug!r} does not match the folder name {root.name!r}")
    budget = meta["budget_minutes"]
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not math.isfinite(budget) or budget <= 0:
        raise ProblemError(f"{toml_path}: budget_minutes must be a positive number, got {budget!r}")
    difficulty = meta.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        raise ProblemError(f"{toml_path}: difficulty must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")
    skills = meta.get("skills", [])
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        raise ProblemError(f"{toml_path}: skills must be a list of strings")
    if not isinstance(meta.get("limits", {}), dict):
        raise ProblemError(f"{toml_path}: limits must be a [limits] table, like [limits] timeout_s = 60")
    topic = meta.get("topic", "general")
    if not isinstance(topic, str) or not topic.strip():
        raise ProblemError(f"{toml_path}: topic must be a non-empty string, like topic = \"ML fundamentals\"")
    preload = meta.get("preload", [])
    if not isinstance(preload, list) or not all(isinstance(m, str) and MODULE.match(m) for m in preload):
        raise ProblemError(f"{toml_path}: preload must be a list of module names, like preload = [\"pandas\"]")
    try:
        limits = limits_from_toml(meta.get("limits", {}), DEFAULT_LIMITS)
    except LimitError as exc:
        raise ProblemError(f"{toml_path}: [limits] {exc}") from exc
    for required in ("statement.md", "starter/solution.py", "hidden_tests"):
        if not (root / required).exists():
            raise ProblemError(f"{root}: missing {required}")
    return Problem(
        slug=slug,
        title=str(meta["title"]),
        budget_minutes=float(budget),
        difficulty=difficulty,
        summary=str(meta.get("summary", "")),
        skills=tuple(skills),
        limits=limits,
        root=root,
        builtin=builtin,
        preload=tuple(dict.fromkeys(preload)),
        topic=topic.strip(),
    )


def search_path(extra: list[Path] | None = None) -> list[tuple[Path, bool]]:
    """(folder, built-in?) pairs to look for problems in: the built-in problems first, then custom folders
    (``extra``, then ``JUDGE_PROBLEMS_PATH``). A custom problem never replaces a built-in one."""
    folders: list[tuple[Path, bool]] = [(builtin_problems_dir(), True)]
    folders += [(Path(p), False) for p in (extra or [])]
    env = os.environ.get("JUDGE_PROBLEMS_PATH", "")
    folders += [(Path(p).expanduser(), False) for p in env.split(os.pathsep) if p.strip()]
    return folders


def _candidates(folder: Path) -> list[Path]:
    if (folder / "problem.toml").is_file():
        return [folder]
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / "problem.toml").is_file())


def discover(extra: list[Path] | None = None) -> tuple[list[Problem], list[str]]:
    """Every problem on the search path, and the errors of folders that were skipped: broken ones, and
    custom ones whose slug a built-in or an earlier custom problem already has (the first one wins; a
    custom problem never silently replaces another, so scores and history never mix two problems)."""
    problems: dict[str, Problem] = {}
    errors: list[str] = []
    parsed = ParsedTomls()
    for folder, builtin in search_path(extra):
        for candidate in _candidates(folder):
            try:
                problem = load_problem(candidate, builtin=builtin, parsed=parsed)
            except ProblemError as exc:
                errors.append(str(exc))
                continue
            first = problems.get(problem.slug)
            if first is None:
                problems[problem.slug] = problem
            elif first.root != problem.root:
                kind = "a built-in problem" if first.builtin else f"the custom problem in {first.root}"
                errors.append(f"{problem.root}: its slug {problem.slug!r} is already {kind}'s; rename it "
                              "(the folder and `slug` in problem.toml)")
    parsed.save()
    return sorted(problems.values(), key=lambda p: (p.budget_minutes, p.slug)), errors


def find_problem(name: str, extra: list[Path] | None = None) -> Problem:
    """A problem by slug, or by the path of its folder."""
    as_path = Path(name)
    problems, errors = discover(extra)
    if (as_path / "problem.toml").is_file():
        problem = load_problem(as_path)
        same = next((p for p in problems if p.slug == problem.slug), None)
        if same is None:
            return problem
        if same.root != problem.root:
            return _refuse_shadow(problem, same)
        return same
    for problem in problems:
        if problem.slug == name.strip().lower():  # slugs are lower-case: `judge start PCA-SVD` means pca-svd
            return problem
    if "/" in name or name.startswith("."):
        raise ProblemError(f"no problem folder at {name} (no problem.toml there); pass a problem's slug (see "
                           "`judge list`) or its folder")
    known = ", ".join(p.slug for p in problems) or "none"
    hint = f" ({len(errors)} problem folder(s) were skipped: see `judge list`)" if errors else ""
    meant = _close_slugs(name, [p.slug for p in problems])
    guess = f" Did you mean {' or '.join(meant)}?" if meant else ""
    raise ProblemError(f"unknown problem {name!r}.{guess} Known problems: {known}.{hint} See `judge list`.")


def _close_slugs(name: str, slugs: list[str]) -> list[str]:
    """The slugs a mistyped or shortened ``name`` probably means (``feature``, ``pca``, ``atention-numpy``)."""
    import difflib  # here: only a miss pays for it

    wanted = name.strip().lower()
    if not wanted:
        return []
    started = [s for s in slugs if s.startswith(wanted) or wanted in s.split("-")]
    return started[:2] if started else difflib.get_close_matches(wanted, slugs, n=2, cutoff=0.75)


def select(problems: list[Problem], skill: str | None = None, topic: str | None = None) -> list[Problem]:
    """The problems with that skill among their skills and that topic, both compared case-insensitively
    (``None`` matches every problem); the order is kept."""
    def has(values: tuple[str, ...], wanted: str | None) -> bool:
        return wanted is None or wanted.strip().casefold() in {v.casefold() for v in values}

    return [p for p in problems if has(p.skills, skill) and has((p.topic,), topic)]


def by_topic(problems: list[Problem]) -> dict[str, list[Problem]]:
    """Problems grouped by topic, topics in alphabetical order (case-insensitive), each group in the
    order given. Topics that differ only in case are one group, named as the first problem spells it."""
    groups: dict[str, list[Problem]] = {}
    names: dict[str, str] = {}
    for p in problems:
        groups.setdefault(names.setdefault(p.topic.casefold(), p.topic), []).append(p)
    return dict(sorted(groups.items(), key=lambda item: item[0].casefold()))


def _refuse_shadow(problem: Problem, existing: Problem) -> NoReturn:
    kind = "a built-in problem" if existing.builtin else f"the problem in {existing.root}"
    raise ProblemError(f"{problem.root}: its slug {problem.slug!r} is already {kind}'s; rename it (the folder "
                       "and `slug` in problem.toml) so their scores and history stay apart")
