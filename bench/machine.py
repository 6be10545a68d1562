"""Facts about the machine a benchmark ran on: cores, memory, load, Docker version, git commit."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _output(command: list[str], cwd: Path | None = None) -> str | None:
    """A command's stripped stdout, or None when it is missing, fails or hangs."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def memory_bytes() -> int | None:
    """MemTotal from /proc/meminfo."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def cpu_model() -> str | None:
    """The CPU's model name from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask), falling back to the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other work on a shared machine shows here)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def docker_version() -> str | None:
    """The Docker engine's version, or None when no engine answers."""
    return _output(["docker", "version", "--format", "{{.Server.Version}}"])


def git_state() -> dict[str, Any]:
    """The commit being measured and whether the work tree had uncommitted changes."""
    commit = _output(["git", "rev-parse", "HEAD"], cwd=REPO)
    porcelain = _output(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO)
    return {"git_commit": commit, "git_dirty": bool(porcelain) if porcelain is not None else None}


def describe() -> dict[str, Any]:
    """Everything the results file records about the machine."""
    return {
        "cores": usable_cores(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_bytes": memory_bytes(),
        "docker_version": docker_version(),
        **git_state(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "load_average_start": load_average(),
    }
