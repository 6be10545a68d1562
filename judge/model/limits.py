"""Resource limits for one grading run: defaults, parsing, and overrides. Pure data, no I/O."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


class LimitError(ValueError):
    """A limit that cannot be understood; the message says what was expected."""


def parse_size(text: str | int) -> int:
    """Parse a size such as ``512m``, ``2g``, ``2GiB`` or a byte count into bytes."""
    if isinstance(text, int):
        if text <= 0:
            raise LimitError(f"size must be positive, got {text}")
        return text
    match = _SIZE.match(text)
    if not match:
        raise LimitError(f"cannot read size {text!r}: use a number with an optional unit, like 512m or 2g")
    value = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if value < 1:
        raise LimitError(f"size must be positive, got {text!r}")
    return int(value)


def format_size(n: int) -> str:
    """Render a byte count the way a person writes it (``2 GiB``, ``512 MiB``)."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


DEFAULT_MEMORY_BYTES = 2 * 1024**3
MIN_MEMORY_BYTES = 6 * 1024**2  # Docker refuses a smaller memory limit (and no Python starts in it)
MAX_TIMEOUT_S = 24 * 3600.0  # a day; far past it, waits overflow the platform's time type


@dataclass(frozen=True)
class Limits:
    """What one grading run may use. Every field has a default and may be overridden per problem or flag."""

    memory_bytes: int = DEFAULT_MEMORY_BYTES
    timeout_s: float = 120.0
    test_timeout_s: float = 30.0
    cpus: float = 2.0
    pids: int = 1024
    open_files: int = 256
    file_size_bytes: int = 16 * 1024**2
    output_bytes: int = 1024**2
    test_output_bytes: int = 4096
    scratch_bytes: int = 256 * 1024**2

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            # nan and inf are floats too (`--timeout nan`, `timeout_s = inf` in TOML): no run can use them
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise LimitError(f"limit {f.name} must be a positive number, got {value!r}")
        if self.memory_bytes < MIN_MEMORY_BYTES:
            raise LimitError(f"memory limit {format_size(self.memory_bytes)} is below the sandbox's minimum of "
                             f"{format_size(MIN_MEMORY_BYTES)}; give at least 6m (the default is "
                             f"{format_size(DEFAULT_MEMORY_BYTES)})")
        for name in ("timeout_s", "test_timeout_s"):
            if getattr(self, name) > MAX_TIMEOUT_S:
                raise LimitError(f"limit {name} must be at most {MAX_TIMEOUT_S:g} seconds (a day), "
                                 f"got {getattr(self, name)!r}")
        if self.test_timeout_s > self.timeout_s:
            object.__setattr__(self, "test_timeout_s", self.timeout_s)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for reports and the harness settings."""
        return asdict(self)

    def with_overrides(self, **overrides: Any) -> Limits:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given)


DEFAULT_LIMITS = Limits()

# problem.toml [limits] keys -> Limits fields (and how to read them).
TOML_KEYS: dict[str, tuple[str, Any]] = {
    "memory": ("memory_bytes", parse_size),
    "timeout_s": ("timeout_s", float),
    "test_timeout_s": ("test_timeout_s", float),
    "cpus": ("cpus", float),
    "pids": ("pids", int),
}


def limits_from_toml(table: dict[str, Any], base: Limits = DEFAULT_LIMITS) -> Limits:
    """Read a problem's ``[limits]`` table; unknown keys are an error."""
    overrides: dict[str, Any] = {}
    for key, value in table.items():
        if key not in TOML_KEYS:
            known = ", ".join(sorted(TOML_KEYS))
            raise LimitError(f"unknown limit {key!r} (known: {known})")
        name, convert = TOML_KEYS[key]
        try:
            overrides[name] = convert(value)
        except (TypeError, ValueError) as exc:
            raise LimitError(f"limit {key!r}: {exc}") from exc
    return base.with_overrides(**overrides)
