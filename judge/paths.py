"""Where things live: the shipped resources (problems, sandbox, Dockerfile) and the user's data folders.

One source of truth for every path the judge reads or writes. Resources are found beside the package
when it is installed from a wheel (``judge/_data``) and at the top of the source tree otherwise.
"""

from __future__ import annotations

import os
import posixpath
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
APP = "ml-judge"  # the folder name under the user's data and cache homes


def resource_root() -> Path:
    """The folder holding ``problems/``, ``questions/``, ``sandbox/`` and ``Dockerfile``."""
    installed = _PACKAGE / "_data"
    if (installed / "Dockerfile").is_file():
        return installed
    return _PACKAGE.parent


def builtin_problems_dir() -> Path:
    """The built-in problem folders."""
    return resource_root() / "problems"


def questions_dir() -> Path:
    """The built-in concept questions of `judge drill` (one folder a topic)."""
    return resource_root() / "questions"


def sandbox_dir() -> Path:
    """The harness and requirements that go into the sandbox image."""
    return resource_root() / "sandbox"


def dockerfile() -> Path:
    """The sandbox image's Dockerfile."""
    return resource_root() / "Dockerfile"


def data_home() -> Path:
    """The judge's data folder: attempts, reports, the install key. ``JUDGE_HOME`` overrides it."""
    override = os.environ.get("JUDGE_HOME")
    if override:
        return Path(override).expanduser()
    fast = _xdg_home("XDG_DATA_HOME", ".local/share")
    if fast is not None:
        return fast
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def cache_home() -> Path:
    """The judge's cache folder (the wheelhouse, the offline base image's root filesystem)."""
    override = os.environ.get("JUDGE_CACHE")
    if override:
        return Path(override).expanduser()
    fast = _xdg_home("XDG_CACHE_HOME", ".cache")
    if fast is not None:
        return fast
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP, appauthor=False))


def _xdg_home(variable: str, under_home: str) -> Path | None:
    """The XDG base directory rule platformdirs applies on Linux, for the one case that needs no more than the
    environment: ``$variable`` when it is an absolute path, else ``$HOME/under_home`` when HOME is absolute.
    None elsewhere (another platform, no usable HOME): platformdirs decides then. Importing platformdirs costs
    every command ~10 ms of start-up; tests/test_paths.py checks both give the same folder."""
    if sys.platform != "linux":
        return None
    chosen = os.environ.get(variable, "")
    if posixpath.isabs(chosen):
        return Path(chosen) / APP
    home = os.environ.get("HOME", "")
    if posixpath.isabs(home):
        return Path(home) / under_home / APP
    return None
