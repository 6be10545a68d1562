"""The Docker backend: the whole container lifecycle of one grading run, top to bottom.

create (hardened) -> attach -> start -> stream the bundle in on stdin -> read the harness's output
(bounded, against a host-side wall clock) -> wait -> inspect (OOM?) -> remove. The container is removed
on every path: success, timeout, a host exception, Ctrl-C.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from typing import Any

from judge.backends import SandboxUnavailable
from judge.limits import Limits
from judge.results import MAX_DOCUMENT_BYTES, SandboxRun

LABEL = "ml-judge"
GRACE_S = 15.0  # harness start-up, unpacking and clean-up on top of the test time limit
CANDIDATE_USER = "candidate"
# The harness starts as root only to drop to the candidate user; these are all the privileges it keeps.
CAPABILITIES = ["SETUID", "SETGID", "CHOWN", "KILL"]
ENGINE_FIX = (
    "start the Docker engine (on Debian as root: `bash scripts/setup.sh`, or `dockerd &`), "
    "check with `judge doctor`; or grade without isolation: --backend local"
)

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


def short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def host_config(api: Any, limits: Limits) -> Any:
    """The hardening: no network, read-only root, tmpfs scratch, memory/pids/CPU/ulimits, no privileges."""
    from docker.types import LogConfig, Ulimit

    nofile = max(limits.open_files, 1024)
    fsize = limits.file_size_bytes
    return api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={
            "/scratch": f"rw,noexec,nosuid,nodev,size={limits.scratch_bytes},mode=0755",
            "/tmp": "rw,noexec,nosuid,nodev,size=64m,mode=1777",
        },
        mem_limit=limits.memory_bytes,
        memswap_limit=limits.memory_bytes,
        pids_limit=limits.pids,
        nano_cpus=int(limits.cpus * 1e9),
        cap_drop=["ALL"],
        cap_add=CAPABILITIES,
        security_opt=["no-new-privileges"],
        ulimits=[
            Ulimit(name="nofile", soft=nofile, hard=nofile),
            Ulimit(name="core", soft=0, hard=0),
            Ulimit(name="fsize", soft=fsize, hard=fsize),
        ],
        log_config=LogConfig(type="none"),
        shm_size=64 * 1024 * 1024,
        ipc_mode="private",
    )


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
            from judge.image import expected_tag

            self._image = expected_tag()
        return self._image

    def settings(self, limits: Limits) -> dict[str, Any]:
        return {"run_as": CANDIDATE_USER, "threads": max(1, int(limits.cpus))}

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "image": self.image,
            "isolation": "container: no network, read-only root, non-root tests, all capabilities dropped "
            "but " + ", ".join(CAPABILITIES).lower() + " for the harness",
        }

    def ensure_image(self, api: Any) -> None:
        from docker.errors import ImageNotFound

        try:
            api.inspect_image(self.image)
        except ImageNotFound as exc:
            raise SandboxUnavailable(
                f"the sandbox image {self.image} for this version of the judge is not built",
                "judge sandbox build   (or: bash scripts/setup.sh)",
            ) from exc

    def run(self, bundle: bytes, limits: Limits) -> SandboxRun:
        from docker.errors import DockerException, NotFound

        api = api_client()
        self.ensure_image(api)
        started = time.monotonic()
        container_id: str | None = None
        try:
            created = api.create_container(
                self.image,
                stdin_open=True,
                network_disabled=True,
                user="0",
                labels={**self._labels, **session_label(), LABEL: "sandbox",
                        f"{LABEL}.created": str(int(time.time()))},
                host_config=host_config(api, limits),
            )
            container_id = created["Id"]
            attached = api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            raw: socket.socket = attached._sock
            api.start(container_id)
            raw.sendall(len(bundle).to_bytes(8, "big") + bundle)
            deadline = started + limits.timeout_s + GRACE_S
            stdout, stderr, timed_out, overflow = _read_frames(raw, deadline, MAX_DOCUMENT_BYTES + 1)
            try:
                attached.close()
                raw.close()
            except OSError:
                pass
            if timed_out or overflow:
                api.kill(container_id)
            exit_code = api.wait(container_id, timeout=30).get("StatusCode")
            state = api.inspect_container(container_id)["State"]
            return SandboxRun(
                stdout=stdout,
                exit_code=exit_code,
                oom_killed=bool(state.get("OOMKilled")),
                timed_out=timed_out,
                output_overflow=overflow,
                duration_s=time.monotonic() - started,
                diagnostics=stderr.decode("utf-8", "replace"),
            )
        except DockerException as exc:
            raise SandboxUnavailable(f"the Docker engine failed during grading ({short_error(exc)})",
                                     ENGINE_FIX) from exc
        finally:
            if container_id is not None:
                try:
                    api.remove_container(container_id, force=True)
                except NotFound:
                    pass
                except DockerException:
                    pass  # `judge sandbox prune` removes anything labelled ml-judge that is left
