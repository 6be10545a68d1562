"""What the non-grading commands import: never the grading core, the executor, the queue, the server or the
heavy libraries. How long they take is `python -m bench --only cli`'s business, never a test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TINY

REPO = Path(__file__).resolve().parent.parent
# What a command that grades nothing must not import (each costs start-up; most are a grading's or a server's).
NEVER = ("judge.grading", "judge.execution", "judge.interfaces.server", "judge.services.validate",
         "judge.services.batch", "judge.backends.pool", "pandas", "numpy", "docker", "fastapi", "sqlalchemy",
         "celery", "redis")
PROBE = """
import json, sys
from judge.interfaces.cli import main
sys.argv = ["judge", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)))
"""


def imported(args: list[str], cwd: Path, home: Path, *, env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded by the time `judge ARGS` has finished (its output's last line)."""
    env = env or {**os.environ, "JUDGE_HOME": str(home)}
    env = {**env, "PYTHONPATH": str(REPO), "JUDGE_PROBLEMS_PATH": str(TINY.parent)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in NEVER))


@pytest.mark.parametrize("args", [["--help"], ["list"], ["status"], ["status", "--json"], ["history"],
                                  ["show", "tiny-add"]])
def test_a_command_that_grades_nothing_imports_nothing_of_grading(args: list[str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    imported(["start", "tiny-add", "--dir", str(tmp_path / "ws")], tmp_path, home)
    assert (tmp_path / "ws" / ".judge-attempt").is_file(), "an attempt to show: status and history have one"
    assert heavy(imported(args, tmp_path / "ws", home)) == []


# What the listing commands must not import either: rich (their lines and tables are judge.render.plain's),
# the TOML parser (the catalogue comes from the parsed-TOML index once it is warm), the engine client.
LISTING_NEVER = ("rich", "tomllib", "judge.backends.docker", "judge.render.text")


@pytest.mark.parametrize("args", [["list"], ["status"], ["history"]])
def test_the_listing_commands_draw_without_rich(args: list[str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    imported(["start", "tiny-add", "--dir", str(tmp_path / "ws")], tmp_path, home)  # warms the index too
    modules = imported(args, tmp_path / "ws", home)
    assert sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in LISTING_NEVER)) == []
    assert "judge.render.plain" in modules, "the check above can fail: the command did draw"


# What each of these must not import either: `status` reads the workspace's record and its clock, never the
# attempts service (starting, submitting), the report model, the catalogue or the index's SQLite; `history` words
# its rows without the report model or the limits; neither removes a tree (shutil, with its compressors); `show`
# reads the grader's versions without the image build's subprocess.
READING_NEVER = {
    "status": ("judge.services.attempts", "judge.model.report", "judge.problems", "judge.render.facts", "sqlite3",
               "shutil"),
    "history": ("judge.model.report", "judge.model.limits", "shutil"),
    "show": ("subprocess",),
}
# A module each one does import, so that the check can fail: the command did its work.
READING_DID = {"status": "judge.services.attempt_record", "history": "judge.render.history",
               "show": "judge.services.environment"}


@pytest.mark.parametrize("args", [["status"], ["status", "--json"], ["history"], ["show", "tiny-add"]])
def test_the_reading_commands_import_only_what_they_read(args: list[str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    imported(["start", "tiny-add", "--dir", str(tmp_path / "ws")], tmp_path, home)
    modules = imported(args, tmp_path / "ws", home)
    never = READING_NEVER[args[0]]
    assert sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in never)) == []
    assert READING_DID[args[0]] in modules, "the check above can fail: the command did its work"


@pytest.mark.parametrize("args", [["list"], ["status"], ["history"], ["show", "tiny-add"]])
def test_the_user_folders_are_found_without_platformdirs(args: list[str], tmp_path: Path) -> None:
    """Without JUDGE_HOME and JUDGE_CACHE (a user's usual case) the folders come from HOME / XDG_*_HOME."""
    env = {k: v for k, v in os.environ.items() if k not in ("JUDGE_HOME", "JUDGE_CACHE", "XDG_DATA_HOME")}
    env = {**env, "HOME": str(tmp_path / "user"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    imported(["start", "tiny-add", "--dir", str(tmp_path / "ws")], tmp_path, tmp_path, env=env)
    assert (tmp_path / "user" / ".local" / "share" / "ml-judge" / "attempts").is_dir(), "the check can fail"
    modules = imported(args, tmp_path / "ws", tmp_path, env=env)
    assert "judge.paths" in modules and "platformdirs" not in modules


def test_show_draws_a_statement_once_then_reads_the_drawing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = imported(["show", "tiny-add"], tmp_path, home)
    assert "rich.markdown" in first, "the check below can fail: the first call draws with rich"
    again = imported(["show", "tiny-add"], tmp_path, home)
    assert sorted(m for m in again if m.split(".")[0] in ("rich", "markdown_it", "tomllib")) == []


def test_a_changed_statement_is_drawn_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from judge.interfaces.cli.catalog import drawn_statement
    from judge.render.plain import Terminal

    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "home"))
    screen = Terminal(io.StringIO(), environ={}, width=60)
    before = drawn_statement(screen, "[bold]Add[/]", "# Add\n\nAdd **two** numbers.")
    assert "Add two numbers." in before and before == drawn_statement(screen, "[bold]Add[/]",
                                                                        "# Add\n\nAdd **two** numbers.")
    assert "three" in drawn_statement(screen, "[bold]Add[/]", "# Add\n\nAdd **three** numbers.")
    assert len(list((tmp_path / "home" / "drawn").iterdir())) == 2


def test_the_drawings_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data folder keeps the newest drawings only: an old one goes when a new one is drawn."""
    import io

    from judge.interfaces.cli import catalog
    from judge.render.plain import Terminal

    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(catalog, "DRAWINGS_KEPT", 3)
    folder = tmp_path / "home" / "drawn"
    folder.mkdir(parents=True)
    for age in range(3):  # three earlier drawings, the first the oldest
        old = folder / f"old{age}.txt"
        old.write_text("drawn before")
        os.utime(old, ns=(10**18 + age, 10**18 + age))
    screen = Terminal(io.StringIO(), environ={}, width=60)
    catalog.drawn_statement(screen, "[bold]Add[/]", "# Add\n\nAdd two numbers.")
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 3 and "old0.txt" not in left and {"old1.txt", "old2.txt"} <= set(left)


def test_help_loads_no_renderer_nor_service(tmp_path: Path) -> None:
    modules = imported(["--help"], tmp_path, tmp_path / "home")
    assert not {m for m in modules if m.startswith(("rich", "judge.services", "judge.render", "judge.store"))}


def test_the_probe_sees_a_grading_import(tmp_path: Path) -> None:
    """The check above can fail: `judge grade` does import the grading core and the executor."""
    bad = tmp_path / "solution.py"
    bad.write_text("def add(a, b):\n    return a +\n")
    modules = imported(["grade", "--problem", "tiny-add", str(bad), "--backend", "local", "--json"], tmp_path,
                       tmp_path / "home")
    assert {"judge.grading", "judge.execution"} <= set(heavy(modules))


def test_every_command_is_known_to_the_lazy_group() -> None:
    """A command module's commands are all in ``COMMANDS`` (else `judge` would not know them), and each name
    there loads its command."""
    import importlib
    import pkgutil

    import click

    import judge.interfaces.cli as package
    from judge.interfaces.cli.app import COMMANDS, cli

    ctx = click.Context(cli)
    assert all(cli.get_command(ctx, name) is not None for name in COMMANDS)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    assert set(cli.commands) == set(COMMANDS)
