"""The in-sandbox harness: unpack a grading bundle, run pytest as the candidate, print one JSON document.

Runs as PID 1's child in the container (as root, so it can drop privileges for the test process) or as a
plain subprocess for the local backend. It trusts nothing the test process writes: results arrive on a
private pipe as nonce-tagged JSON lines from the judge plugin and are passed on as they came (the host
checks them against its own static list of the suite's tests), and the only thing this process prints on
stdout is the final document. Standard library only, so it runs
before (and independently of) anything the candidate's code can touch.

The protocol (framing, bundle layout, settings keys, the result document) is ``protocol.py`` beside this
file, shared with the host.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

# `python -I` leaves this folder off sys.path; the protocol module sits beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol
from protocol import CANARY_FILE, CANARY_SOURCE, MAX_EVENT_BYTES


def safe_extract(data: bytes, dest: Path) -> None:
    """Extract regular files and folders only, refusing absolute paths, '..' and links."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar.getmembers():
            name = member.name
            parts = Path(name).parts
            if name.startswith("/") or ".." in parts or not parts:
                raise ValueError(f"unsafe path in bundle: {name!r}")
            target = dest.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
            else:
                raise ValueError(f"unsupported member type in bundle: {name!r}")


class Drain(threading.Thread):
    """Read a pipe to its end, keeping at most ``cap`` bytes (head and tail) and counting the rest."""

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.cap = cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def run(self) -> None:
        half = self.cap // 2
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.total += len(chunk)
            room = half - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail += chunk
                if len(self.tail) > half:
                    del self.tail[: len(self.tail) - half]
        os.close(self.fd)

    @property
    def overflowed(self) -> bool:
        return self.total > self.cap

    def text(self) -> str:
        if not self.overflowed:
            return (bytes(self.head) + bytes(self.tail)).decode("utf-8", "replace")
        skipped = self.total - len(self.head) - len(self.tail)
        return (
            bytes(self.head).decode("utf-8", "replace")
            + f"\n... [{skipped} bytes of output cut] ...\n"
            + bytes(self.tail).decode("utf-8", "replace")
        )


def parse_events(raw: bytes, nonce: str) -> tuple[list[dict[str, Any]], int]:
    """Parse nonce-tagged JSON lines; return the valid events and how many lines were rejected."""
    events: list[dict[str, Any]] = []
    rejected = 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            rejected += 1
            continue
        if not isinstance(event, dict) or event.get(protocol.NONCE) != nonce:
            rejected += 1
            continue
        events.append(event)
    return events, rejected


def assemble(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold plugin events into collected ids, collection errors, per-test results and the finish flag."""
    collected: list[str] = []
    collect_errors: list[dict[str, str]] = []
    results: dict[str, dict[str, Any]] = {}
    duplicates: list[str] = []
    import_error: str | None = None
    finished = False
    for event in events:
        kind = event.get("event")
        if kind == protocol.EVENT_COLLECTED and not collected:
            collected = [str(i) for i in event.get("ids", [])]
        elif kind == protocol.EVENT_COLLECT_ERROR:
            collect_errors.append({"id": str(event.get("id", "")), "message": str(event.get("message", ""))})
        elif kind == protocol.EVENT_IMPORT_ERROR and import_error is None:
            import_error = str(event.get("message", ""))
        elif kind == protocol.EVENT_RESULT:
            test_id = str(event.get("id", ""))
            if test_id in results:
                duplicates.append(test_id)
                continue
            results[test_id] = {
                "id": test_id,
                "outcome": str(event.get("outcome", "error")),
                "message": str(event.get("message", ""))[:4000],
                "duration_s": float(event.get("duration_s", 0.0) or 0.0),
                "timed_out": bool(event.get("timed_out", False)),
                "output": str(event.get("output", ""))[:4000],
            }
        elif kind == protocol.EVENT_FINISH:
            finished = True
    return {
        "collected": collected,
        "collect_errors": collect_errors,
        "import_error": import_error,
        "results": list(results.values()),
        "duplicate_results": duplicates,
        "finished": finished,
    }


def oom_kills() -> int | None:
    """The cgroup's OOM-kill counter (v1 or v2), or None when it cannot be read (local backend)."""
    for path, key in (
        ("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"),
        ("/sys/fs/cgroup/memory.events", "oom_kill"),
    ):
        try:
            for line in Path(path).read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
        except (OSError, ValueError):
            continue
    return None


def kill_user_processes(uid: int) -> None:
    """Kill every process of ``uid`` (escaped forks, daemons) from a helper that becomes that user."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked helper
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)  # every process this uid may signal, never itself
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scratch", required=True, help="empty folder to unpack into")
    args = parser.parse_args(argv)
    scratch = Path(args.scratch)
    started = time.monotonic()
    document: dict[str, Any] = {"protocol_version": protocol.PROTOCOL_VERSION, protocol.NONCE: None}
    try:
        runtime = json.loads(protocol.read_frame(sys.stdin.fileno(), protocol.MAX_RUNTIME_BYTES, "runtime"))
        bundle = protocol.read_frame(sys.stdin.fileno(), protocol.MAX_BUNDLE_BYTES, "bundle")
        safe_extract(bundle, scratch)
        settings_path = scratch / protocol.SETTINGS_FILE
        settings = json.loads(settings_path.read_text())
        # It holds the nonce, and the scratch folder is made readable to the candidate below.
        settings_path.unlink()
        document[protocol.NONCE] = settings[protocol.NONCE]
        document.update(run(scratch, settings, runtime))
    except Exception as exc:  # the harness's own failure: the host turns it into sandbox-error
        document["harness_error"] = f"{type(exc).__name__}: {exc}"
    document["harness_s"] = round(time.monotonic() - started, 3)
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()
    return 0


def run(scratch: Path, settings: dict[str, Any], runtime: dict[str, Any]) -> dict[str, Any]:
    """Run the test process under its limits and gather its results."""
    nonce = str(settings[protocol.NONCE])
    limits = settings[protocol.LIMITS]
    tests_dir = scratch / protocol.TESTS_DIR
    data_dir = scratch / protocol.DATA_DIR
    sub_dir = scratch / protocol.SUBMISSION_DIR
    work_dir, tmp_dir = scratch / "work", scratch / "tmp"
    for d in (work_dir, tmp_dir, data_dir):
        d.mkdir(parents=True, exist_ok=True)
    (tests_dir / CANARY_FILE).write_text(CANARY_SOURCE)
    (tests_dir / "pytest.ini").write_text("[pytest]\naddopts =\n")
    # Data files also sit in the working folder, so a solution that opens "data.csv" finds it.
    for item in data_dir.iterdir():
        if item.is_file():
            shutil.copyfile(item, work_dir / item.name)

    run_as = runtime.get(protocol.RUN_AS)
    user = None
    if run_as and os.geteuid() == 0:
        user = pwd.getpwnam(run_as)
        for root, _dirs, files in os.walk(scratch):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        for d in (work_dir, tmp_dir):
            # Root keeps neither CAP_FOWNER nor CAP_DAC_OVERRIDE: list and chmod first, then hand over
            # the deepest paths first, the folder itself last.
            paths = [Path(root) / name for root, dirs, files in os.walk(d) for name in dirs + files]
            os.chmod(d, 0o700)
            for path in [*sorted(paths, key=lambda p: len(p.parts), reverse=True), d]:
                os.chown(path, user.pw_uid, user.pw_gid)

    results_r, results_w = os.pipe()
    output_r, output_w = os.pipe()
    # The nonce goes to the plugin through a pipe it empties and closes before the solution is imported,
    # not the environment: /proc/self/environ keeps a process's initial environment readable to itself.
    nonce_r, nonce_w = os.pipe()
    os.write(nonce_w, nonce.encode())
    os.close(nonce_w)
    harness_dir = Path(__file__).resolve().parent
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work_dir),
        "TMPDIR": str(tmp_dir),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join([str(sub_dir), str(harness_dir)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": str(runtime.get(protocol.THREADS, 2)),
        protocol.ENV_DATA_DIR: str(data_dir),
        protocol.ENV_RESULTS_FD: str(results_w),
        protocol.ENV_NONCE_FD: str(nonce_r),
        protocol.ENV_TEST_TIMEOUT: str(limits["test_timeout_s"]),
        protocol.ENV_TEST_OUTPUT_CAP: str(limits.get("test_output_bytes", 4096)),
    }
    for key in ("HF_HOME", "SENTENCE_TRANSFORMERS_HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    command = [
        sys.executable, "-m", "pytest",
        "-p", "judge_plugin",
        "-p", "no:cacheprovider",
        "-p", "no:stepwise",
        "-q", "-rN", "--color=no",
        "-c", str(tests_dir / "pytest.ini"),
        "--rootdir", str(tests_dir),
        f"--basetemp={tmp_dir / 'pytest'}",
        str(tests_dir),
    ]

    def preexec() -> None:  # pragma: no cover - runs in the child between fork and exec
        os.setsid()
        # Out of memory, the kernel kills the candidate's processes first (raising one's own score needs no
        # privilege), so the harness lives to report it even when the engine has already removed the container.
        with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        fsize = int(limits["file_size_bytes"])
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        nofile = int(limits["open_files"])
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        if runtime.get(protocol.ADDRESS_SPACE):
            space = int(runtime[protocol.ADDRESS_SPACE])
            resource.setrlimit(resource.RLIMIT_AS, (space, space))
        if user is not None:
            # No RLIMIT_NPROC: it counts the uid's processes host-wide, so one sandbox's fork bomb would stop
            # every other sandbox's tests from starting. The container's pids limit bounds this one alone.
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
        # After the privilege drop: root (without CAP_DAC_OVERRIDE) cannot enter the candidate's 0700 folder.
        os.chdir(work_dir)

    oom_before = oom_kills()
    child_started = time.monotonic()
    proc = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output_w,
        stderr=output_w,
        pass_fds=(results_w, nonce_r),
        preexec_fn=preexec,
        close_fds=True,
    )
    os.close(results_w)
    os.close(nonce_r)
    os.close(output_w)
    events_drain = Drain(results_r, MAX_EVENT_BYTES)
    output_drain = Drain(output_r, int(limits["output_bytes"]))
    events_drain.start()
    output_drain.start()

    timed_out = False
    try:
        proc.wait(timeout=float(limits["timeout_s"]))
    except subprocess.TimeoutExpired:
        timed_out = True
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    child_s = time.monotonic() - child_started
    if user is not None:
        kill_user_processes(user.pw_uid)  # forks that left the process group, daemons
    # Descendants may still hold the pipes open (local backend); do not wait on them forever.
    events_drain.join(timeout=5)
    output_drain.join(timeout=5)

    raw_events = bytes(events_drain.head) + bytes(events_drain.tail)
    events, rejected = parse_events(raw_events, nonce)
    folded = assemble(events)
    oom_after = oom_kills()
    code = proc.returncode
    return {
        **folded,
        "rejected_events": rejected,
        "events_overflowed": events_drain.overflowed,
        "child": {
            "exit_code": code if code is not None and code >= 0 else None,
            "signal": -code if code is not None and code < 0 else None,
            "timed_out": timed_out,
            "duration_s": round(child_s, 3),
            "output_bytes": output_drain.total,
            "output_overflowed": output_drain.overflowed,
            "output": output_drain.text()[-20000:],
            "oom_kills": (oom_after - oom_before)
            if oom_after is not None and oom_before is not None
            else None,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
