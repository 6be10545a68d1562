"""Where things live: the shipped resources (problems, sandbox, Dockerfile) and the user's data folders.

One source of truth for every path the judge reads or writes. Resources are found beside the package
when it is installed from a wheel (``judge/_data``) and at the top of the source tree otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


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
    from platformdirs import user_data_dir

    return Path(user_data_dir("ml-judge", appauthor=False))


def cache_home() -> Path:
    """The judge's cache folder (the wheelhouse, the offline base image's root filesystem)."""
    override = os.environ.get("JUDGE_CACHE")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ml-judge", appauthor=False))
