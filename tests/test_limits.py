"""Limits: size parsing, defaults, problem.toml tables and overrides."""

from __future__ import annotations

import pytest

from judge.model.limits import DEFAULT_LIMITS, LimitError, format_size, limits_from_toml, parse_size


@pytest.mark.parametrize(("text", "expected"), [("512m", 512 * 1024**2), ("2g", 2 * 1024**3), ("2GiB", 2 * 1024**3),
                                                ("1.5g", int(1.5 * 1024**3)), ("4096", 4096), ("64 MB", 64 * 1024**2)])
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "-1g", "0", "2x"])
def test_parse_size_rejects_nonsense(text: str) -> None:
    with pytest.raises(LimitError):
        parse_size(text)


def test_format_size() -> None:
    assert format_size(2 * 1024**3) == "2 GiB"
    assert format_size(1536 * 1024**2) == "1.5 GiB"


def test_toml_table_overrides_defaults() -> None:
    limits = limits_from_toml({"memory": "1g", "timeout_s": 60, "test_timeout_s": 10})
    assert limits.memory_bytes == 1024**3
    assert limits.timeout_s == 60
    assert limits.test_timeout_s == 10
    assert limits.pids == DEFAULT_LIMITS.pids


def test_unknown_toml_key_is_an_error() -> None:
    with pytest.raises(LimitError, match="unknown limit 'memroy'"):
        limits_from_toml({"memroy": "1g"})


def test_test_timeout_never_exceeds_overall() -> None:
    assert DEFAULT_LIMITS.with_overrides(timeout_s=5).test_timeout_s == 5


def test_overrides_ignore_none() -> None:
    assert DEFAULT_LIMITS.with_overrides(timeout_s=None) == DEFAULT_LIMITS


def test_non_positive_limit_rejected() -> None:
    with pytest.raises(LimitError):
        DEFAULT_LIMITS.with_overrides(pids=0)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_limit_that_is_no_length_of_time_rejected(value: float) -> None:
    """`judge grade --timeout nan` used to reach the sandbox and end every run as the judge's own error."""
    with pytest.raises(LimitError, match="must be a positive number"):
        DEFAULT_LIMITS.with_overrides(timeout_s=value)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"timeout_s": 1e15}, "timeout_s must be at most 86400 seconds"),
    ({"test_timeout_s": 1e15}, "test_timeout_s must be at most 86400 seconds"),
    ({"memory_bytes": 1024}, "below the sandbox's minimum of 6 MiB"),
])
def test_limit_no_sandbox_can_keep_rejected(overrides: dict[str, float], message: str) -> None:
    """`--timeout 1e15` ended in an OverflowError traceback; `--memory 1k` in "start the Docker engine"."""
    with pytest.raises(LimitError, match=message):
        DEFAULT_LIMITS.with_overrides(**overrides)
