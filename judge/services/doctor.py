"""`judge doctor`: one screen saying what is ready to grade and what is not, each failure with its fix."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from judge.backends import SandboxUnavailable
from judge.backends.image import image_exists
from judge.model.checks import Check
from judge.model.limits import format_size
from judge.model.outcomes import Status
from judge.problems.catalog import discover

MIN_FREE_BYTES = 5 * 1024**3


def _check(name: str, ok: bool, detail: str, fix: str = "", required: bool = True) -> Check:
    """A doctor line: pass, or fail (a warning when not ``required``) with its fix."""
    return Check(name, Status.PASS if ok else Status.FAIL, detail, fix=fix, required=required)


def check_engine(connect: Callable[[], Any]) -> tuple[Check, Any]:
    try:
        api = connect()
        version = api.version().get("Version", "?")
    except SandboxUnavailable as exc:
        return _check("Docker engine", False, str(exc).splitlines()[0], exc.fix), None
    return _check("Docker engine", True, f"reachable, version {version}"), api


def check_image(api: Any, tag: str) -> Check:
    if api is None:
        return _check("Sandbox image", False, f"{tag}: cannot check without an engine", "start the engine first")

    if not image_exists(api, tag):
        return _check("Sandbox image", False, f"{tag} is not built for this version of the judge",
                     "judge sandbox build")
    size = int(api.inspect_image(tag).get("Size", 0))
    return _check("Sandbox image", True, f"{tag} ({format_size(size)})")


def check_disk(path: Path) -> Check:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    ok = free >= MIN_FREE_BYTES
    return _check("Disk space", ok, f"{format_size(free)} free at {probe}",
                 "free some space (the image build needs about 5 GiB): `judge sandbox prune`", required=False)


def check_problems(extra: list[Path] | None) -> Check:
    problems, errors = discover(extra)
    if errors:
        return _check("Problems", False, f"{len(problems)} loaded, {len(errors)} broken: {errors[0]}",
                     "fix the folder named above (`judge problem validate PATH` explains)")
    if not problems:
        return _check("Problems", False, "no problems found", "reinstall ml-judge, or set JUDGE_PROBLEMS_PATH")
    return _check("Problems", True, f"{len(problems)} found: {', '.join(p.slug for p in problems)}")


def check_data_home(path: Path) -> Check:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return _check("Data folder", False, f"{path} is not writable ({exc.strerror})",
                     "set JUDGE_HOME to a writable folder")
    return _check("Data folder", True, str(path))


def run_checks(connect: Callable[[], Any], tag: str, data_home: Path, extra: list[Path] | None) -> list[Check]:
    """Every check, in the order a person fixes things."""
    engine, api = check_engine(connect)
    checks = [engine, check_image(api, tag), check_problems(extra), check_data_home(data_home),
              check_disk(data_home)]
    if shutil.which("debootstrap") is None:
        checks.append(_check("Offline base", False, "debootstrap not installed (only needed where no registry "
                            "answers)", "apt-get install debootstrap", required=False))
    return checks


def ready(checks: list[Check]) -> bool:
    return all(c.ok for c in checks if c.required)
