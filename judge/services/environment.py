"""The grader's Python and library versions, read from the sandbox image itself and cached per image tag.

The image is the truth (what `pip list` on the host or in `judge run` shows is not what grades), so the
versions are asked of a throwaway container of the image, with the grading hardening, once per image tag;
the answer is kept in the judge's cache folder (``grader-env/<tag>.json``). `judge sandbox build` fills
the cache, so `judge start` can write the versions into a workspace's README without starting a container.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

from judge.backends import SandboxUnavailable
from judge.backends.image import expected_tag
from judge.paths import cache_home
from judge.store.files import write_json

# What a candidate writes code against, in the order they care about it.
LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "torch", "sentence-transformers", "transformers",
             "chromadb", "pytest")
PROBE = (
    "import json, platform, importlib.metadata as m\n"
    "def v(n):\n"
    "    try:\n"
    "        return m.version(n)\n"
    "    except m.PackageNotFoundError:\n"
    "        return None\n"
    f"print(json.dumps({{'python': platform.python_version(), 'libraries': {{n: v(n) for n in {LIBRARIES!r}}}}}))\n"
)


def cache_path(tag: str) -> Path:
    """Where the versions of the image ``tag`` are kept."""
    return cache_home() / "grader-env" / (re.sub(r"[^A-Za-z0-9_.-]", "_", tag) + ".json")


def cached(tag: str) -> dict[str, Any] | None:
    """The versions of ``tag`` read earlier, or None."""
    try:
        data = json.loads(cache_path(tag).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("image") == tag else None


def read_versions(refresh: bool = False) -> dict[str, Any]:
    """``{"image", "python", "libraries": {name: version or None}}`` of this judge's sandbox image.

    From the cache unless ``refresh``; otherwise from a container of the image (a couple of seconds).
    Raises ``SandboxUnavailable`` when there is no engine or no image.
    """
    tag = expected_tag()
    if not refresh:
        known = cached(tag)
        if known is not None:
            return known
    # Here, not at the top: `judge show` reads the cached answer and needs no engine client (start-up).
    from judge.backends.docker import DockerBackend
    from judge.model.limits import DEFAULT_LIMITS

    output = DockerBackend(image=tag).python_output(PROBE, DEFAULT_LIMITS)
    try:
        found = json.loads(output.strip().splitlines()[-1])
        data = {"image": tag, "python": str(found["python"]),
                "libraries": {str(k): (str(v) if v else None) for k, v in dict(found["libraries"]).items()}}
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise SandboxUnavailable(f"the sandbox image {tag} did not report its versions",
                                 "rebuild it with `judge sandbox build`") from exc
    with contextlib.suppress(OSError):  # a read-only cache only costs the next call its couple of seconds
        write_json(cache_path(tag), data)
    return data


def cached_versions() -> dict[str, Any] | None:
    """The versions of this judge's image if they were read before; never starts a container."""
    return cached(expected_tag())


def versions_line(data: dict[str, Any]) -> str:
    """``Python 3.11.2, numpy 2.4.6, pandas 3.1.1, ...`` (libraries the image lacks left out)."""
    libraries = dict(data.get("libraries", {}))
    order = [n for n in LIBRARIES if n in libraries] + sorted(n for n in libraries if n not in LIBRARIES)
    return ", ".join([f"Python {data.get('python', '?')}"]
                     + [f"{name} {libraries[name]}" for name in order if libraries[name]])
