"""The local backend: the same harness as a subprocess of this Python, with rlimits and a wall clock.

For machines without Docker and for fast tests. It does NOT isolate untrusted code: the submission runs
as you, with your network and your files. The CLI says so every time it is used.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from judge.backends.port import SandboxRun
from judge.model.limits import Limits
from judge.paths import sandbox_dir
from sandbox import protocol

WARNING = (
    "local backend: the submission runs as you, without isolation (no container, network and files "
    "reachable); use it only for code you trust"
)
GRACE_S = 10.0


class LocalBackend:
    """Runs the harness with this interpreter (which needs pytest and the problem's libraries)."""

    name = "local"

    def runtime(self, limits: Limits) -> dict[str, Any]:
        # No cgroup here: the address-space limit is the memory limit (with room for the interpreter's
        # own mappings, which count against it).
        return {protocol.RUN_AS: None, protocol.ADDRESS_SPACE: limits.memory_bytes + 1024**3,
                protocol.THREADS: max(1, int(limits.cpus))}

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "image": None, "python": sys.executable,
                "isolation": "none: " + WARNING}

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        harness = sandbox_dir() / "harness.py"
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="ml-judge-") as scratch:
            proc = subprocess.Popen(
                [sys.executable, "-I", str(harness), "--scratch", scratch],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("JUDGE_")},
            )
            timed_out = False
            try:
                stdout, stderr = proc.communicate(
                    protocol.frame(json.dumps(self.runtime(limits)).encode()) + protocol.frame(bundle),
                    timeout=limits.timeout_s + GRACE_S,
                )
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                stdout, stderr = proc.communicate()
            except BaseException:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
        return SandboxRun(
            stdout=stdout[: protocol.MAX_DOCUMENT_BYTES + 1],
            exit_code=proc.returncode,
            timed_out=timed_out,
            output_overflow=len(stdout) > protocol.MAX_DOCUMENT_BYTES,
            duration_s=time.monotonic() - started,
            diagnostics=stderr[-65536:].decode("utf-8", "replace"),
        )
