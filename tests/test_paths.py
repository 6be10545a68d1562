"""The user's data and cache folders: the judge's own XDG rule (start-up) gives what platformdirs gives."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from judge import paths

pytestmark = pytest.mark.skipif(sys.platform != "linux",
                                reason="the fast rule is Linux's; elsewhere platformdirs decides")

# (HOME, XDG_DATA_HOME, XDG_CACHE_HOME); None leaves the variable unset.
CASES = [
    ("/home/ada", None, None),
    ("/home/ada/", None, None),
    ("/", None, None),
    ("//net/home", None, None),
    ("/home/ada", "/srv/data", "/srv/cache"),
    ("/home/ada", "/srv/data/", "/srv/cache/"),
    ("/home/ada", "", ""),  # empty: not set, per the XDG rule
    ("/home/ada", "relative/data", "relative/cache"),  # relative: ignored, per the XDG rule
    ("/home/ada", "~/data", "~/cache"),  # no tilde expansion in XDG variables
    ("relative-home", "/srv/data", "/srv/cache"),  # the variable decides; HOME is not read
    ("relative-home", None, None),  # no usable HOME: platformdirs asks the password database
    (None, None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("home", "data", "cache"), CASES)
def test_the_folders_are_the_ones_platformdirs_names(monkeypatch: pytest.MonkeyPatch, home: str | None,
                                                     data: str | None, cache: str | None) -> None:
    for name, value in (("HOME", home), ("XDG_DATA_HOME", data), ("XDG_CACHE_HOME", cache)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("JUDGE_HOME", raising=False)
    monkeypatch.delenv("JUDGE_CACHE", raising=False)
    assert paths.data_home() == Path(platformdirs.user_data_dir("ml-judge", appauthor=False))
    assert paths.cache_home() == Path(platformdirs.user_cache_dir("ml-judge", appauthor=False))


def test_the_fast_rule_answers_when_the_environment_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    """The usual cases never import platformdirs (what `judge list` pays for otherwise)."""
    monkeypatch.setenv("HOME", "/home/ada")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/srv/cache")
    assert paths._xdg_home("XDG_DATA_HOME", ".local/share") == Path("/home/ada/.local/share/ml-judge")
    assert paths._xdg_home("XDG_CACHE_HOME", ".cache") == Path("/srv/cache/ml-judge")
    monkeypatch.setenv("HOME", "relative-home")
    assert paths._xdg_home("XDG_DATA_HOME", ".local/share") is None


def test_judge_home_and_judge_cache_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("JUDGE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/data")
    assert paths.data_home() == tmp_path / "home"
    assert paths.cache_home() == tmp_path / "cache"
