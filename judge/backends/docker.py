"""The Docker backend: the whole container lifecycle of one grading run, top to bottom.

create (hardened, auto-removed) -> attach -> start -> stream the runtime and the bundle in on stdin ->
read the harness's output (bounded, against a host-side wall clock) -> wait -> inspect (OOM?) -> remove.

Containers go away on every path. The judge removes its container in ``finally`` (success, timeout, a
host exception, Ctrl-C); the engine removes it by itself when the judge process dies (``AutoRemove``: a
``kill -9`` of `judge` leaves the container to end at its own time limit, and then it is gone); and a
reaper, run once per process before the first container, removes labelled containers that were created
but never started, or that outlived their deadline label (an engine that lost track of one).

The hardening is defined once (``hardening``) and rendered both for the Docker SDK (grading) and as
``docker run`` flags (`judge run`, which needs a terminal and a workspace mount, and is stricter still).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from judge.backends.image import expected_tag
from judge.backends.port import SandboxRun, SandboxUnavailable, short_error
from judge.model.limits import Limits
from sandbox import protocol

LABEL = "ml-judge"
GRACE_S = 15.0  # harness start-up, unpacking and clean-up on top of the test time limit
CANDIDATE_USER = "candidate"
GRADER_USER = "grader"  # the hidden tests' process: another uid than the candidate's (sandbox/harness.py)
# The harness starts as root only to drop to the candidate user; these are all the privileges it keeps.
CAPABILITIES = ["CAP_CHOWN", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"]  # sorted, as the engine reports them
ENGINE_START = ("start the Docker engine (on Debian as root: `bash scripts/setup.sh`, or `dockerd &`), check with "
                "`judge doctor`")
ENGINE_FIX = f"{ENGINE_START}; or grade without isolation: --backend local"

_local = threading.local()


def api_client(timeout: float = 60.0) -> Any:
    """A low-level Docker client for this thread, or ``SandboxUnavailable`` when no engine answers."""
    client = getattr(_local, "client", None)
    if client is not None:
        return client
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(version="auto", timeout=int(timeout)).api
        client.ping()
    except DockerException as exc:
        raise SandboxUnavailable(f"the Docker engine is not reachable ({short_error(exc)})", ENGINE_FIX) from exc
    except OSError as exc:
        raise SandboxUnavailable(f"the Docker engine is not reachable ({exc})", ENGINE_FIX) from exc
    _local.client = client
    return client


def session_label() -> dict[str, str]:
    """``ml-judge.session`` from ``JUDGE_SESSION``, so a test run can find exactly its own containers."""
    session = os.environ.get("JUDGE_SESSION")
    return {f"{LABEL}.session": session} if session else {}


REAP_AFTER_S = 60.0  # a created-but-never-started container this old, or this far past its deadline, is a stray
_reaped = threading.Event()


@dataclass(frozen=True)
class Hardening:
    """Every isolation setting of a sandbox container, as data; rendered for the SDK and the CLI."""

    memory_bytes: int
    pids: int
    nano_cpus: int
    nofile: int
    fsize: int
    tmpfs: tuple[tuple[str, str], ...]
    network: str = "none"
    read_only: bool = True
    cap_add: tuple[str, ...] = tuple(CAPABILITIES)
    security_opt: tuple[str, ...] = ("no-new-privileges",)
    shm_bytes: int = 64 * 1024 * 1024
    ipc: str = "private"


def hardening(limits: Limits) -> Hardening:
    """The grading sandbox's isolation for ``limits``: no network, read-only root, tmpfs scratch, memory with
    swap equal to it, pids, CPU, ulimits (files, core, file size), every capability dropped but four."""
    return Hardening(
        memory_bytes=limits.memory_bytes,
        pids=limits.pids,
        nano_cpus=int(limits.cpus * 1e9),
        nofile=max(limits.open_files, 1024),
        fsize=limits.file_size_bytes,
        tmpfs=(("/scratch", f"rw,noexec,nosuid,nodev,size={limits.scratch_bytes},mode=0755"),
               ("/tmp", "rw,noexec,nosuid,nodev,size=64m,mode=1777")),
    )


def host_config(api: Any, limits: Limits, *, auto_remove: bool = True) -> Any:
    """The hardening as the SDK's host config."""
    from docker.types import LogConfig, Ulimit

    h = hardening(limits)
    return api.create_host_config(
        network_mode=h.network,
        read_only=h.read_only,
        tmpfs=dict(h.tmpfs),
        mem_limit=h.memory_bytes,
        memswap_limit=h.memory_bytes,
        pids_limit=h.pids,
        nano_cpus=h.nano_cpus,
        cap_drop=["ALL"],
        cap_add=list(h.cap_add),
        security_opt=list(h.security_opt),
        ulimits=[  # in name order, as `docker run --ulimit` records them
            Ulimit(name="core", soft=0, hard=0),
            Ulimit(name="fsize", soft=h.fsize, hard=h.fsize),
            Ulimit(name="nofile", soft=h.nofile, hard=h.nofile),
        ],
        log_config=LogConfig(type="none"),
        shm_size=h.shm_bytes,
        ipc_mode=h.ipc,
        auto_remove=auto_remove,
    )


def cli_flags(limits: Limits, h: Hardening | None = None) -> list[str]:
    """The same hardening (or ``h``) as ``docker run`` flags."""
    h = h or hardening(limits)
    flags = ["--network", h.network, "--read-only", "--memory", str(h.memory_bytes),
             "--memory-swap", str(h.memory_bytes), "--pids-limit", str(h.pids),
             "--cpus", f"{h.nano_cpus / 1e9:g}", "--cap-drop", "ALL"]
    for cap in h.cap_add:
        flags += ["--cap-add", cap]
    for opt in h.security_opt:
        flags += ["--security-opt", opt]
    for path, options in h.tmpfs:
        flags += ["--tmpfs", f"{path}:{options}"]
    flags += ["--ulimit", f"nofile={h.nofile}:{h.nofile}", "--ulimit", "core=0:0",
              "--ulimit", f"fsize={h.fsize}:{h.fsize}", "--log-driver", "none",
              "--shm-size", str(h.shm_bytes), "--ipc", h.ipc]
    return flags


def labels(role: str, limits: Limits, extra: dict[str, str] | None = None, wait_s: float = 0.0) -> dict[str, str]:
    """The labels of every container the judge makes: role, session, creation time and deadline (a spare's
    deadline also counts the ``wait_s`` it may sit idle before its run)."""
    now = int(time.time())
    return {**(extra or {}), **session_label(), LABEL: role, f"{LABEL}.created": str(now),
            f"{LABEL}.deadline": str(int(now + wait_s + limits.timeout_s + GRACE_S))}


def bind_mount(source: Path, target: str) -> str:
    """A read-only ``--mount`` of ``source``: unlike ``-v SRC:DST:ro``, a path with a colon (``my ws:v2``) is
    no "too many colons"; the field is CSV, so a comma or a quote is quoted."""
    field = f"source={source}"
    if any(c in field for c in ',"\n'):
        field = '"' + field.replace('"', '""') + '"'
    return f"type=bind,{field},target={target},readonly"


def remove(api: Any, container_id: str) -> None:
    """Remove a container now, or wait (briefly) for the engine's own auto-removal already under way, so it
    is gone when this returns. Never raises: whatever is left, the reaper or `judge sandbox prune` removes."""
    from docker.errors import APIError, DockerException, NotFound

    try:
        api.remove_container(container_id, force=True)
        return
    except NotFound:
        return
    except APIError as exc:
        if exc.response is None or exc.response.status_code != 409:  # 409: "removal already in progress"
            return
    except DockerException:
        return
    with contextlib.suppress(DockerException, OSError):
        api.wait(container_id, timeout=30, condition="removed")


@contextlib.contextmanager
def removed_when_interrupted(api: Any, name: str) -> Iterator[None]:
    """Around a `docker run --name NAME` in a subprocess: when that is interrupted (SIGTERM, Ctrl-C sent to this
    process alone) or times out, the docker CLI is killed and cannot stop its container, which --rm removes only
    when its command ends; so it is removed here."""
    try:
        yield
    except BaseException:
        remove(api, name)
        raise


def reap_strays(api: Any, now: float | None = None) -> list[str]:
    """Remove labelled containers nobody will remove: created but never started, or past their deadline.

    A running container within its deadline belongs to a live run (maybe another process's) and is left
    alone. Returns the ids removed."""
    from docker.errors import DockerException

    now = time.time() if now is None else now
    removed: list[str] = []
    try:
        containers = api.containers(all=True, filters={"label": LABEL})
    except DockerException:
        return removed
    for c in containers:
        tags = c.get("Labels") or {}
        created = float(tags.get(f"{LABEL}.created", c.get("Created", now)))
        deadline = float(tags.get(f"{LABEL}.deadline", created + 3600))
        state = c.get("State", "")
        stray = (state in ("created", "exited", "dead") and now - created > REAP_AFTER_S) or \
            now > deadline + REAP_AFTER_S
        if stray:
            try:
                api.remove_container(c["Id"], force=True)
                removed.append(c["Id"])
            except DockerException:
                pass
    return removed


def reap_once(api: Any) -> None:
    """``reap_strays`` once per process, before its first container."""
    if not _reaped.is_set():
        _reaped.set()
        reap_strays(api)


def _read_frames(sock: socket.socket, deadline: float, cap: int) -> tuple[bytes, bytes, bool, bool]:
    """Read Docker's multiplexed stream until EOF. Returns (stdout, stderr, timed_out, overflowed)."""
    buffer = bytearray()
    out = bytearray()
    err = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(out), bytes(err), True, False
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return bytes(out), bytes(err), True, False
        except OSError:
            break
        if not chunk:
            break
        buffer += chunk
        while len(buffer) >= 8:
            stream, size = struct.unpack(">BxxxL", bytes(buffer[:8]))
            if len(buffer) < 8 + size:
                break
            payload = bytes(buffer[8 : 8 + size])
            del buffer[: 8 + size]
            if stream == 2:
                err += payload[: max(0, 65536 - len(err))]
            else:
                out += payload
                if len(out) > cap:
                    return bytes(out[:cap]), bytes(err), False, True
    return bytes(out), bytes(err), False, False


def converse(api: Any, container_id: str, attached: Any, runtime: dict[str, Any], bundle: bytes,
             deadline: float, started: float) -> SandboxRun:
    """Send the two frames to a started container's harness through ``attached`` (its attach socket), read
    its output until it exits or ``deadline`` (then kill it), wait for it and say how it ended."""
    from docker.errors import NotFound

    raw: socket.socket = attached._sock
    raw.sendall(protocol.frame(json.dumps(runtime).encode()) + protocol.frame(bundle))
    stdout, stderr, timed_out, overflow = _read_frames(raw, deadline, protocol.MAX_DOCUMENT_BYTES + 1)
    try:
        attached.close()
        raw.close()
    except OSError:
        pass
    if timed_out or overflow:
        with contextlib.suppress(NotFound):
            api.kill(container_id)
    try:
        exit_code = api.wait(container_id, timeout=30).get("StatusCode")
        state = api.inspect_container(container_id)["State"]
    except NotFound:  # auto-removed already: the harness's own document says what happened
        exit_code, state = None, {}
    return SandboxRun(
        stdout=stdout,
        exit_code=exit_code,
        oom_killed=bool(state.get("OOMKilled")),
        timed_out=timed_out,
        output_overflow=overflow,
        duration_s=time.monotonic() - started,
        diagnostics=stderr.decode("utf-8", "replace"),
    )


class DockerBackend:
    """Runs the harness in a fresh, hardened container per submission."""

    name = "docker"

    def __init__(self, image: str | None = None, labels: dict[str, str] | None = None) -> None:
        self._image = image
        # Extra container labels, e.g. a batch run's id, so that run can find and stop its own sandboxes.
        self._labels = dict(labels or {})

    @property
    def image(self) -> str:
        if self._image is None:
            self._image = expected_tag()
        return self._image

    def runtime(self, limits: Limits) -> dict[str, Any]:
        return {protocol.RUN_AS: CANDIDATE_USER, protocol.GRADER_AS: GRADER_USER,
                protocol.THREADS: max(1, int(limits.cpus))}

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "image": self.image,
            "isolation": "container: no network, read-only root, non-root tests, all capabilities dropped "
            "but " + ", ".join(c.removeprefix("CAP_").lower() for c in CAPABILITIES) + " for the harness",
        }

    def run_interactive(self, workspace: Path, command: Sequence[str], limits: Limits, tty: bool) -> int:
        """`judge run`: ``command`` in a container with the grading hardening, the workspace mounted read-only
        at /work (scratch in /tmp) and a terminal when ``tty``; returns its exit code.

        Stricter than grading, since the command is the candidate's from its first instruction: it runs as
        the image's ``candidate`` user with no capability at all (the harness's four are for dropping to that
        user, which is done here by the engine), and the container's ulimits are the test process's own
        rlimits. Nothing it does can leave a file, a link or a setuid binary in the workspace."""
        import secrets
        import subprocess

        api = api_client()
        self.ensure_image(api)
        strict = replace(hardening(limits), cap_add=(), nofile=limits.open_files)
        name = f"ml-judge-run-{secrets.token_hex(6)}"
        args = ["docker", "run", "--rm", "--name", name, "-i", *(["-t"] if tty else []), *cli_flags(limits, strict)]
        for key, value in labels("run", limits).items():
            args += ["--label", f"{key}={value}"]
        args += ["--user", CANDIDATE_USER, "-e", "HOME=/tmp", "-e", "PYTHONDONTWRITEBYTECODE=1",
                 "-e", f"{protocol.ENV_DATA_DIR}=/work", "-e", "PYTHONPATH=/work",
                 "--mount", bind_mount(workspace, "/work"), "-w", "/work", self.image, *command]
        with removed_when_interrupted(api, name):
            return subprocess.call(args)

    def python_output(self, code: str, limits: Limits, timeout_s: float = 120.0) -> str:
        """What ``python -I -c code`` prints in a throwaway container of the image, with the grading hardening
        and as the candidate user (for reading facts of the image, such as its library versions)."""
        import secrets
        import subprocess

        api = api_client()
        self.ensure_image(api)
        name = f"ml-judge-probe-{secrets.token_hex(6)}"
        args = ["docker", "run", "--rm", "--name", name, "-i", *cli_flags(limits)]
        for key, value in labels("probe", limits).items():
            args += ["--label", f"{key}={value}"]
        args += ["--user", CANDIDATE_USER, "-e", "HOME=/tmp", "-w", "/tmp", self.image, "python", "-I", "-c", code]
        try:
            with removed_when_interrupted(api, name):
                done = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s,
                                      stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SandboxUnavailable(f"could not run the sandbox image {self.image}: {exc}",
                                     "check the engine with `judge doctor`") from exc
        if done.returncode != 0:
            tail = " ".join(done.stderr.strip().splitlines()[-2:])[:300]
            raise SandboxUnavailable(f"the sandbox image {self.image} could not run Python: {tail}",
                                     "rebuild it with `judge sandbox build`")
        return done.stdout

    def ensure_image(self, api: Any) -> str:
        """The image's id; ``SandboxUnavailable`` (with the fix) when it is not built."""
        from docker.errors import ImageNotFound

        try:
            return str(api.inspect_image(self.image)["Id"])
        except ImageNotFound as exc:
            raise SandboxUnavailable(
                f"the sandbox image {self.image} for this version of the judge is not built",
                "judge sandbox build   (or: bash scripts/setup.sh)",
            ) from exc

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        from docker.errors import DockerException

        api = api_client()
        self.ensure_image(api)
        reap_once(api)
        started = time.monotonic()
        container_id: str | None = None
        try:
            created = api.create_container(
                self.image,
                stdin_open=True,
                network_disabled=True,
                user="0",
                labels=labels("sandbox", limits, self._labels),
                host_config=host_config(api, limits),
            )
            container_id = created["Id"]
            attached = api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            api.start(container_id)
            return converse(api, container_id, attached, self.runtime(limits), bundle,
                            started + limits.timeout_s + GRACE_S, started)
        except DockerException as exc:
            raise SandboxUnavailable(f"the Docker engine failed during grading ({short_error(exc)})",
                                     ENGINE_FIX) from exc
        finally:
            if container_id is not None:
                remove(api, container_id)
