"""The in-sandbox harness: unpack a grading bundle, run the grader and the candidate apart, print one document.

Runs as PID 1's child in the container (as root, so it can drop privileges) or as a plain subprocess for the
local backend. A run has two processes under two users:

- the **grader** (``grader`` user): pytest, the hidden tests, their data and expected outputs, the judge's
  plugin and the results pipe. It never imports the submission and cannot read it;
- the **candidate runner** (``candidate`` user, ``runner.py``): imports ``solution.py`` and answers the
  grader's calls over a socket (``rpc.py``). The suite's folder belongs to the grader and is private to it,
  so the runner cannot read a hidden test or an expected output; being another user, it cannot signal,
  trace or read the memory of the grader, and it holds none of its file descriptors.

This process trusts nothing either writes: results arrive on the grader's private pipe as nonce-tagged JSON
lines and are passed on as they came (the host checks them against its own static list of the suite's
tests), and the only thing this process prints on stdout is the final document. Standard library only, so it
runs before (and independently of) anything the candidate's code can touch.

The protocol (framing, bundle layout, settings keys, the result document) is ``protocol.py`` beside this
file, shared with the host.

Two ways to start the two processes, with the same confinement (``confine``) and the same supervision
(``supervise``): cold, both spawned after the bundle is unpacked (``run``); or warm, in a spare container
(``spare_main``), forked and confined before any bundle exists, importing the problem's libraries while
they wait for their one run.
"""

from __future__ import annotations

import argparse
import array
import contextlib
import fcntl
import gc
import importlib
import io
import json
import os
import pwd
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import termios
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# `python -I` leaves this folder off sys.path; the protocol module sits beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol
import runner
from protocol import CANARY_FILE, CANARY_SOURCE, MAX_EVENT_BYTES

HARNESS_DIR = Path(__file__).resolve().parent


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
    runner_lost: dict[str, str] | None = None
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
        elif kind == protocol.EVENT_RUNNER_LOST and runner_lost is None:
            runner_lost = {"id": str(event.get("id", "")), "reason": str(event.get("reason", ""))[:1000]}
        elif kind == protocol.EVENT_FINISH:
            finished = True
    return {
        "collected": collected,
        "collect_errors": collect_errors,
        "import_error": import_error,
        "results": list(results.values()),
        "duplicate_results": duplicates,
        "runner_lost": runner_lost,
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
    spare = os.environ.get(protocol.ENV_SPARE)
    if spare:
        return spare_main(scratch, json.loads(spare))
    started = time.monotonic()
    document: dict[str, Any] = {"protocol_version": protocol.PROTOCOL_VERSION, protocol.NONCE: None}
    try:
        runtime, settings = read_request(scratch)
        document[protocol.NONCE] = settings[protocol.NONCE]
        document.update(run(scratch, settings, runtime))
    except Exception as exc:  # the harness's own failure: the host turns it into sandbox-error
        document["harness_error"] = f"{type(exc).__name__}: {exc}"
    print_document(document, started)
    return 0


def print_document(document: dict[str, Any], started: float) -> None:
    """The one thing this process prints on stdout."""
    document["harness_s"] = round(time.monotonic() - started, 3)
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def read_request(scratch: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read the two stdin frames, unpack the bundle into ``scratch``; returns (runtime, settings)."""
    runtime = json.loads(protocol.read_frame(sys.stdin.fileno(), protocol.MAX_RUNTIME_BYTES, "runtime"))
    bundle = protocol.read_frame(sys.stdin.fileno(), protocol.MAX_BUNDLE_BYTES, "bundle")
    safe_extract(bundle, scratch)
    settings_path = scratch / protocol.SETTINGS_FILE
    settings = json.loads(settings_path.read_text())
    # It holds the nonce, and the scratch folder is made readable to the candidate below.
    settings_path.unlink()
    return runtime, settings


class Channels:
    """The run's channels. The grader holds the results pipe (nonce-tagged events), the one-shot nonce pipe,
    its own output and its end of the socket to the runner; the runner holds only its end of that socket and
    the candidate's output pipe. Neither holds anything of the other's."""

    def __init__(self) -> None:
        self.results_r, self.results_w = os.pipe()
        self.output_r, self.output_w = os.pipe()  # the candidate's prints outside calls (its process's stdout)
        self.grader_out_r, self.grader_out_w = os.pipe()  # pytest's own output: for the judge, never a report
        # The nonce goes to the plugin through a pipe it empties and closes at import, not the environment:
        # /proc/self/environ keeps a process's initial environment readable to itself.
        self.nonce_r, self.nonce_w = os.pipe()
        grader_end, runner_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.rpc_grader, self.rpc_runner = grader_end.detach(), runner_end.detach()

    def grader_ends(self) -> tuple[int, ...]:
        return self.results_w, self.grader_out_w, self.nonce_r, self.rpc_grader

    def runner_ends(self) -> tuple[int, ...]:
        return self.output_w, self.rpc_runner

    def send_nonce(self, nonce: str) -> None:
        os.write(self.nonce_w, nonce.encode())
        os.close(self.nonce_w)

    def close_child_ends(self) -> None:
        for fd in (*self.grader_ends(), *self.runner_ends()):
            with contextlib.suppress(OSError):
                os.close(fd)


class Layout:
    """Where one run's files are, and who runs what: the grader's folders (the suite, its home) belong to the
    grader's user, the candidate's (the submission, its working folder and tmp) to the candidate's; the data
    and the doubles are readable by both and writable by neither."""

    def __init__(self, scratch: Path, user: pwd.struct_passwd | None, grader: pwd.struct_passwd | None) -> None:
        self.scratch = scratch
        self.tests_dir = scratch / protocol.TESTS_DIR
        self.data_dir = scratch / protocol.DATA_DIR
        self.sub_dir = scratch / protocol.SUBMISSION_DIR
        self.support_dir = scratch / protocol.SUPPORT_DIR
        self.work_dir = scratch / "work"
        self.tmp_dir = scratch / "tmp"
        self.grader_dir = scratch / "grader"
        self.user = user
        self.grader = grader

    @property
    def support(self) -> Path | None:
        return self.support_dir if (self.support_dir / "doubles.py").is_file() else None


def run_as(runtime: dict[str, Any], key: str) -> pwd.struct_passwd | None:
    """The user named by ``runtime[key]``, when this process is root and the backend names one."""
    name = runtime.get(key)
    return pwd.getpwnam(name) if name and os.geteuid() == 0 else None


def candidate_user(runtime: dict[str, Any]) -> pwd.struct_passwd | None:
    return run_as(runtime, protocol.RUN_AS)


def grader_user(runtime: dict[str, Any]) -> pwd.struct_passwd | None:
    grader = run_as(runtime, protocol.GRADER_AS)
    user = candidate_user(runtime)
    if user is not None and (grader is None or grader.pw_uid == user.pw_uid):
        raise ValueError("the grader must run as another user than the candidate's code")
    return grader


def hand_over(folder: Path, user: pwd.struct_passwd) -> None:
    """Make ``folder`` (and what is in it) ``user``'s, private to it."""
    # Root keeps neither CAP_FOWNER nor CAP_DAC_OVERRIDE: list and chmod first, then hand over the deepest
    # paths first, the folder itself last.
    paths = [Path(root) / name for root, dirs, files in os.walk(folder) for name in dirs + files]
    os.chmod(folder, 0o700)
    for path in [*sorted(paths, key=lambda p: len(p.parts), reverse=True), folder]:
        os.chown(path, user.pw_uid, user.pw_gid)


def lay_out(scratch: Path, user: pwd.struct_passwd | None, grader: pwd.struct_passwd | None,
            ready: tuple[Path, ...] = ()) -> Layout:
    """Add the canary and the pytest settings to the unpacked bundle, copy the data files into the candidate's
    working folder, and give every folder its owner (see ``Layout``). Folders in ``ready`` (a spare's homes,
    handed over before the bundle came) are not touched."""
    layout = Layout(scratch, user, grader)
    for d in (layout.work_dir, layout.tmp_dir, layout.data_dir, layout.grader_dir, layout.sub_dir):
        d.mkdir(parents=True, exist_ok=True)
    (layout.tests_dir / CANARY_FILE).write_text(CANARY_SOURCE)
    (layout.tests_dir / "pytest.ini").write_text("[pytest]\naddopts =\n")
    # Data files also sit in the working folder, so a solution that opens "data.csv" finds it.
    for item in layout.data_dir.iterdir():
        if item.is_file():
            shutil.copyfile(item, layout.work_dir / item.name)
    if user is not None and grader is not None:
        for root, dirs, files in os.walk(scratch):
            if Path(root) == scratch:
                dirs[:] = [d for d in dirs if scratch / d not in ready]
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        for d in (layout.work_dir, layout.tmp_dir, layout.sub_dir):
            if d not in ready:
                hand_over(d, user)
        for d in (layout.tests_dir, layout.grader_dir):
            if d not in ready:
                hand_over(d, grader)
    return layout


def base_env(home: Path, tmp: Path, runtime: dict[str, Any]) -> dict[str, str]:
    """The environment every process of a run gets, grader or candidate."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": str(runtime.get(protocol.THREADS, 2)),
        # Idle OpenMP threads (torch's) sleep instead of spinning between operations. Alone in a machine it
        # makes no difference; with two sandboxes on two cores the spinning took half of all CPU time (two
        # rag-pipeline runs side by side: 36-40 CPU-s and 20 s against 20-22 CPU-s and 10-11.5 s).
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    for key in ("HF_HOME", "SENTENCE_TRANSFORMERS_HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def grader_env(layout: Layout, runtime: dict[str, Any], limits: dict[str, Any], ch: Channels) -> dict[str, str]:
    """The grader's environment: the plugin's folder on the path (never the submission's), its channels."""
    return {
        **base_env(layout.grader_dir, layout.grader_dir, runtime),
        "PYTHONPATH": str(HARNESS_DIR),
        protocol.ENV_DATA_DIR: str(layout.data_dir),
        protocol.ENV_RESULTS_FD: str(ch.results_w),
        protocol.ENV_NONCE_FD: str(ch.nonce_r),
        protocol.ENV_RPC_FD: str(ch.rpc_grader),
        protocol.ENV_TEST_TIMEOUT: str(limits["test_timeout_s"]),
        protocol.ENV_TEST_OUTPUT_CAP: str(limits.get("test_output_bytes", 4096)),
        protocol.ENV_IMPORT_TIMEOUT: str(limits["timeout_s"]),
    }


def runner_env(layout: Layout, runtime: dict[str, Any], ch: Channels) -> dict[str, str]:
    """The candidate runner's environment: its socket, where solution.py and the doubles are; no channel
    of the grader's."""
    env = {
        **base_env(layout.work_dir, layout.tmp_dir, runtime),
        protocol.ENV_DATA_DIR: str(layout.data_dir),
        runner.ENV_RPC_FD: str(ch.rpc_runner),
        runner.ENV_SUBMISSION: str(layout.sub_dir),
    }
    if layout.support is not None:
        env[runner.ENV_SUPPORT] = str(layout.support)
    return env


def pytest_args(layout: Layout) -> list[str]:
    """pytest's command line (after ``python -m pytest``): the judge's plugin, the suite, nothing else."""
    return [
        "-p", "judge_plugin",
        "-p", "no:cacheprovider",
        "-p", "no:stepwise",
        "-q", "-rN", "--color=no",
        "-c", str(layout.tests_dir / "pytest.ini"),
        "--rootdir", str(layout.tests_dir),
        f"--basetemp={layout.grader_dir / 'pytest'}",
        str(layout.tests_dir),
    ]


def confine(limits: dict[str, Any], runtime: dict[str, Any], user: pwd.struct_passwd | None,
            oom_score: int = 1000) -> None:
    """Turn this (forked) process into one of the run's: own session, early to die out of memory, rlimits,
    then its user's uid. Irreversible; runs before any code of the run."""
    os.setsid()
    # Out of memory, the kernel kills the candidate's processes first (raising one's own score needs no
    # privilege), then the grader's, so the harness lives to report it even when the engine has already
    # removed the container.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as handle:
        handle.write(str(oom_score))
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


GRADER_OOM_SCORE = 500


def run(scratch: Path, settings: dict[str, Any], runtime: dict[str, Any]) -> dict[str, Any]:
    """Cold: spawn the candidate runner and the grader (``python -m pytest``) under their users and limits,
    and gather the grader's results."""
    nonce = str(settings[protocol.NONCE])
    limits = settings[protocol.LIMITS]
    layout = lay_out(scratch, candidate_user(runtime), grader_user(runtime))
    ch = Channels()
    ch.send_nonce(nonce)

    def as_candidate() -> None:  # pragma: no cover - runs in the child between fork and exec
        confine(limits, runtime, layout.user)
        # After the privilege drop: root (without CAP_DAC_OVERRIDE) cannot enter the candidate's 0700 folder.
        os.chdir(layout.work_dir)

    def as_grader() -> None:  # pragma: no cover - runs in the child between fork and exec
        confine(limits, runtime, layout.grader, GRADER_OOM_SCORE)
        os.chdir(layout.grader_dir)

    oom_before = oom_kills()
    child_started = time.monotonic()
    candidate = subprocess.Popen(
        [sys.executable, str(HARNESS_DIR / "runner.py")], env=runner_env(layout, runtime, ch),
        stdin=subprocess.DEVNULL, stdout=ch.output_w, stderr=ch.output_w, pass_fds=(ch.rpc_runner,),
        preexec_fn=as_candidate, close_fds=True)
    grader = subprocess.Popen(
        [sys.executable, "-m", "pytest", *pytest_args(layout)], env=grader_env(layout, runtime, limits, ch),
        stdin=subprocess.DEVNULL, stdout=ch.grader_out_w, stderr=ch.grader_out_w,
        pass_fds=(ch.results_w, ch.nonce_r, ch.rpc_grader), preexec_fn=as_grader, close_fds=True)
    ch.close_child_ends()
    return supervise(grader.pid, candidate.pid, lambda pid, t: popen_wait({grader.pid: grader,
                                                                           candidate.pid: candidate}[pid], t),
                     ch, layout, limits, nonce, child_started, oom_before)


def popen_wait(proc: subprocess.Popen[bytes], timeout: float | None) -> int | None:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def wait_pid(pid: int, timeout: float | None) -> int | None:
    """Wait for our child ``pid`` at most ``timeout`` seconds; its exit code (negative: signal) or None."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = -1
    if handle >= 0:
        try:
            ready, _, _ = select.select([handle], [], [], timeout)
        finally:
            os.close(handle)
        if not ready:
            return None
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:  # no pidfd (old kernel): poll, bounded by the deadline
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def _ended(code: int | None) -> dict[str, Any]:
    return {"exit_code": code if code is not None and code >= 0 else None,
            "signal": -code if code is not None and code < 0 else None}


def supervise(grader: int, candidate: int, wait: Callable[[int, float | None], int | None], ch: Channels,
              layout: Layout, limits: dict[str, Any], nonce: str, child_started: float,
              oom_before: int | None) -> dict[str, Any]:
    """Watch the grader to its end (killing both processes at the overall limit), then end the runner and
    every process of either user, and fold what the plugin sent into the result document's fields."""
    events_drain = Drain(ch.results_r, MAX_EVENT_BYTES)
    output_drain = Drain(ch.output_r, int(limits["output_bytes"]))
    grader_drain = Drain(ch.grader_out_r, 64 * 1024)
    for drain in (events_drain, output_drain, grader_drain):
        drain.start()

    timed_out = False
    code = wait(grader, float(limits["timeout_s"]))
    if code is None:
        timed_out = True
        for pid in (grader, candidate):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        code = wait(grader, None)
    child_s = time.monotonic() - child_started
    # The runner ends by itself when the grader's end of the socket closes; one that does not is killed.
    runner_code = wait(candidate, 2.0)
    if runner_code is None:
        with contextlib.suppress(OSError):
            os.killpg(candidate, signal.SIGKILL)
        runner_code = wait(candidate, None)
    for user in (layout.user, layout.grader):
        if user is not None:
            kill_user_processes(user.pw_uid)  # forks that left the process group, daemons
    # Descendants may still hold the pipes open (local backend); do not wait on them forever.
    for drain in (events_drain, output_drain, grader_drain):
        drain.join(timeout=5)

    raw_events = bytes(events_drain.head) + bytes(events_drain.tail)
    events, rejected = parse_events(raw_events, nonce)
    folded = assemble(events)
    oom_after = oom_kills()
    return {
        **folded,
        "rejected_events": rejected,
        "events_overflowed": events_drain.overflowed,
        "child": {
            **_ended(code),
            "timed_out": timed_out,
            "duration_s": round(child_s, 3),
            "output_bytes": output_drain.total,
            "output_overflowed": output_drain.overflowed,
            "output": output_drain.text()[-20000:],
            "oom_kills": (oom_after - oom_before)
            if oom_after is not None and oom_before is not None
            else None,
        },
        "runner": _ended(runner_code),
        # pytest's own output, for the judge's diagnosis of a grader that failed; it may quote hidden tests.
        "grader_output": grader_drain.text()[-8000:],
    }


# -- spare mode: a warm sandbox that waits for its one bundle ------------------------------------------
#
# The spare's harness forks its two processes at once, before it reads a byte of stdin: each confines itself
# (session, rlimits, its user) exactly as in a cold run, imports the problem's declared libraries, says
# "ready" and blocks on a private pipe. When the bundle comes, this (root) process unpacks it as in a cold run
# and sends each its run: the runner its paths, the grader its environment and pytest's arguments. The runner
# then imports the doubles and solution.py and answers calls; the grader runs pytest in-process. Neither was
# forked with anything of the run in this process's memory: the nonce and the bundle did not exist yet. One
# bundle per spare: after it this process prints its document and exits; so does an idle spare after
# ``idle_s``, and a spare whose child died (say, a preload that failed to import).

READY = b"R"
RESERVED = {"judge_plugin", "protocol", "harness", "solution", "conftest", "runner", "rpc", "remote", "doubles"}


class Warm:
    """One warm process of a spare: its pid, and the pipes to start it and to hear that it is ready."""

    def __init__(self, pid: int, go_w: int, ready_r: int) -> None:
        self.pid, self.go_w, self.ready_r = pid, go_w, ready_r
        self.ready = False


def fork_warm(role: str, limits: dict[str, Any], runtime: dict[str, Any], user: pwd.struct_passwd | None,
              home: Path, preload: list[str], keep: tuple[int, ...], ch: Channels) -> Warm:
    """Fork a process that confines itself as ``user``, imports ``preload`` and waits for its run."""
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the warm process
        try:
            warm_child(role, limits, runtime, user, home, preload, keep, go_r, ready_w)
        finally:
            os._exit(70)
    os.close(go_r)
    os.close(ready_w)
    return Warm(pid, go_w, ready_r)


def spare_main(scratch: Path, config: dict[str, Any]) -> int:
    """Serve exactly one bundle with a pre-warmed grader and runner (see above)."""
    runtime, limits = dict(config[protocol.SPARE_RUNTIME]), dict(config[protocol.SPARE_LIMITS])
    deadline = time.monotonic() + float(config[protocol.SPARE_IDLE_S])
    user, grader = candidate_user(runtime), grader_user(runtime)
    tmp_dir, grader_dir = scratch / "tmp", scratch / "grader"
    for folder, owner in ((tmp_dir, user), (grader_dir, grader)):
        folder.mkdir(parents=True, exist_ok=True)
        if owner is not None:
            hand_over(folder, owner)
    preload = [str(m) for m in config.get(protocol.SPARE_PRELOAD, [])]
    ch = Channels()
    warm = {
        "runner": fork_warm("runner", limits, runtime, user, tmp_dir, preload, ch.runner_ends(), ch),
        "grader": fork_warm("grader", limits, runtime, grader, grader_dir, ["pytest", *preload],
                            ch.grader_ends(), ch),
    }
    ch.close_child_ends()
    try:
        return serve_one(scratch, runtime, limits, user, grader, warm, ch, deadline)
    finally:
        for owner in (user, grader):
            if owner is not None:
                kill_user_processes(owner.pw_uid)
        for process in warm.values():
            with contextlib.suppress(ChildProcessError):
                os.waitpid(process.pid, os.WNOHANG)


def serve_one(scratch: Path, runtime: dict[str, Any], limits: dict[str, Any], user: pwd.struct_passwd | None,
              grader: pwd.struct_passwd | None, warm: dict[str, Warm], ch: Channels, deadline: float) -> int:
    """Wait (until ``deadline``) for the bundle, then run it on the warm processes; print the document."""
    stdin = sys.stdin.fileno()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return 0  # idle too long: nobody is listening, so nothing is printed
        waiting = {w.ready_r: w for w in warm.values() if not w.ready}
        readable, _, _ = select.select([stdin, *waiting], [], [], remaining)
        if stdin in readable:
            if pending_bytes(stdin) == 0:
                return 0  # end of input before any request: nobody will send one
            break
        for fd in readable:
            if os.read(fd, 1) != READY:
                return 0  # a warm process died before any bundle came: this spare is of no use
            waiting[fd].ready = True
    started = time.monotonic()
    document: dict[str, Any] = {"protocol_version": protocol.PROTOCOL_VERSION, protocol.NONCE: None}
    try:
        given_runtime, settings = read_request(scratch)
        nonce = str(settings[protocol.NONCE])
        document[protocol.NONCE] = nonce
        refused = refusal(given_runtime, runtime, settings[protocol.LIMITS], limits)
        for process in warm.values():
            if not refused and not process.ready:
                # Claimed while still warming up: waiting is cheaper than a cold start, which would import too.
                readable, _, _ = select.select([process.ready_r], [], [], float(limits["timeout_s"]))
                process.ready = bool(readable) and os.read(process.ready_r, 1) == READY
                refused = "" if process.ready else "the spare's warm processes are gone"
        if refused:
            document[protocol.SPARE_REFUSED] = refused
        else:
            layout = lay_out(scratch, user, grader, ready=(scratch / "tmp", scratch / "grader"))
            ch.send_nonce(nonce)
            go_runner = {"env": runner_env(layout, runtime, ch), "cwd": str(layout.work_dir)}
            go_grader = {"env": grader_env(layout, runtime, limits, ch), "cwd": str(layout.grader_dir),
                         "path": [str(HARNESS_DIR)], "args": pytest_args(layout)}
            oom_before = oom_kills()
            child_started = time.monotonic()
            for process, go in ((warm["runner"], go_runner), (warm["grader"], go_grader)):
                os.write(process.go_w, protocol.frame(json.dumps(go).encode()))
                os.close(process.go_w)
            document.update(supervise(warm["grader"].pid, warm["runner"].pid, wait_pid, ch, layout, limits,
                                      nonce, child_started, oom_before))
    except Exception as exc:
        document["harness_error"] = f"{type(exc).__name__}: {exc}"
    print_document(document, started)
    return 0


def pending_bytes(fd: int) -> int:
    """How many bytes can be read from the pipe ``fd`` now (0 on a readable pipe: end of input)."""
    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]


def refusal(given_runtime: dict[str, Any], runtime: dict[str, Any], given_limits: Any,
            limits: dict[str, Any]) -> str:
    """Why this spare must not run a bundle meant for other limits or another runtime ("" when it may)."""
    if given_runtime != runtime:
        return "the run's runtime differs from the spare's"
    if given_limits != limits:
        return "the run's limits differ from the spare's"
    return ""


def warm_child(role: str, limits: dict[str, Any], runtime: dict[str, Any], user: pwd.struct_passwd | None,
               home: Path, preload: list[str], keep: tuple[int, ...], go_r: int,
               ready_w: int) -> None:  # pragma: no cover
    """A spare's warm process (the grader or the runner): confine, import, wait for the run, run it, exit."""
    output = keep[0] if role == "runner" else keep[1]  # the candidate's output pipe, or the grader's
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        # The output pipe is now 1 and 2; its first descriptor goes too, so the process holds nothing extra.
        if fd > 2 and (fd not in {*keep, go_r, ready_w} or fd == output):
            with contextlib.suppress(OSError):
                os.close(fd)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    confine(limits, runtime, user, 1000 if role == "runner" else GRADER_OOM_SCORE)
    os.chdir(home)
    os.environ.clear()
    os.environ.update(base_env(home, home, runtime))
    sys.dont_write_bytecode = True
    for module in preload:
        if module.partition(".")[0] in RESERVED:
            os._exit(3)  # the judge's own modules must be imported fresh, with this run's channels
        try:
            importlib.import_module(module)
        except BaseException:
            os._exit(3)  # the harness sees the ready pipe close: the spare ends, the host grades cold
    # What was imported lives until the run ends: keep the collector off it (a full collection with torch
    # loaded walks millions of objects). The run's own objects are collected as usual.
    gc.freeze()
    os.write(ready_w, READY)
    os.close(ready_w)
    try:
        go = json.loads(protocol.read_frame(go_r, protocol.MAX_RUNTIME_BYTES, "run"))
    except ValueError:
        os._exit(0)  # the spare expired or was refused
    os.close(go_r)
    os.environ.clear()
    os.environ.update(go["env"])
    os.chdir(go["cwd"])
    if role == "runner":
        code = 0
        try:
            runner.main()
        except BaseException:
            traceback.print_exc()
            code = 1
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    # As `python -m pytest` with PYTHONPATH would have it: the working folder, then the plugin's folder.
    sys.path[:] = [go["cwd"], *go["path"], *(p for p in sys.path if p != str(HARNESS_DIR))]
    sys.argv = ["pytest", *go["args"]]
    import pytest

    code = 1
    try:
        code = int(pytest.main(go["args"]))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
