"""Warm spares: sandbox containers started ahead of time, each for exactly one run.

A spare is created exactly as a cold run's container (``host_config``: the same hardening and limits; the
same image; auto-removed), with role ``spare`` and ``protocol.ENV_SPARE`` in its environment, which puts
its harness in spare mode: its test process confines itself (session, rlimits, the candidate's uid),
imports the problem's declared ``preload`` modules and waits; the harness waits for its one bundle
(sandbox/harness.py explains the rest). After that run the container exits and the engine removes it. An
idle spare's harness exits by itself after ``idle_s``, so nothing lingers; `judge sandbox prune` removes
any spare too.

Spares are found by one label, ``ml-judge.spare-key``: a hash of everything that must match for a spare to
run a bundle - the image's id (not its tag), the limits, the runtime frame, the preload set, the protocol
version and the test session. A spare of an older image, other limits or other preloads has another key
and is never claimed (its harness would refuse the run anyway).

Claiming is atomic across processes: a claim renames the container to ``ml-judge-claimed-<its id>``. The
engine renames a container under its lock and refuses to rename a container to the name it already has,
so of any number of concurrent claims of one spare exactly one succeeds. Whatever goes wrong with a spare
before its harness takes the bundle (gone, expired, refused, the warm process died) ends in ``None`` and
the backend grades cold: the user sees no error.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from judge.backends.docker import (
    ENGINE_FIX,
    GRACE_S,
    LABEL,
    DockerBackend,
    api_client,
    converse,
    host_config,
    labels,
    reap_once,
    remove,
    session_label,
)
from judge.backends.port import SandboxRun, SandboxUnavailable, short_error
from judge.model.limits import Limits
from sandbox import protocol

ROLE = "spare"
KEY_LABEL = f"{LABEL}.spare-key"
EXPIRES_LABEL = f"{LABEL}.expires"
CLAIMED_PREFIX = "ml-judge-claimed-"
IDLE_S = 300.0  # an unused spare's harness exits after this long (JUDGE_POOL_IDLE_S overrides)
CLAIM_MARGIN_S = 15.0  # a spare this close to its expiry is left to expire, never claimed
POOL_ENV = "JUDGE_POOL"  # "off" (or 0, no, false) turns warm spares off
KEEPER_EVERY_S = 30.0  # keep_warm(): how often a long-running process tops up its spares
KEEPER_WITHIN_S = 1800.0  # ... for the problems it graded in this window
OFF = ("0", "off", "no", "false")


def enabled() -> bool:
    """Is the warm pool on (``JUDGE_POOL`` not set to off)?"""
    return os.environ.get(POOL_ENV, "on").strip().lower() not in OFF


def idle_seconds() -> float:
    """How long a spare waits for its run: ``JUDGE_POOL_IDLE_S`` (at least twice the claim margin, or no
    spare could ever be claimed), else ``IDLE_S``."""
    try:
        value = float(os.environ.get("JUDGE_POOL_IDLE_S", IDLE_S))
    except ValueError:
        return IDLE_S
    return max(value, 2 * CLAIM_MARGIN_S) if value > 0 else IDLE_S


def spare_key(image_id: str, limits: Limits, runtime: dict[str, Any], preload: Sequence[str]) -> str:
    """The key a spare and a run must share: everything the spare was warmed for."""
    facts = {"image": image_id, "limits": limits.to_dict(), "runtime": runtime, "preload": sorted(set(preload)),
             "protocol": protocol.PROTOCOL_VERSION, **session_label()}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:32]


def start_spare(api: Any, image: str, key: str, limits: Limits, runtime: dict[str, Any], preload: Sequence[str],
                idle_s: float, extra_labels: dict[str, str] | None = None) -> str:
    """Create and start one spare; returns its id. Raises the SDK's errors."""
    config = {protocol.SPARE_RUNTIME: runtime, protocol.SPARE_LIMITS: limits.to_dict(),
              protocol.SPARE_PRELOAD: list(preload), protocol.SPARE_IDLE_S: idle_s}
    tags = labels(ROLE, limits, {**(extra_labels or {}), KEY_LABEL: key,
                                 EXPIRES_LABEL: str(int(time.time() + idle_s))}, wait_s=idle_s)
    created = api.create_container(
        image,
        stdin_open=True,
        network_disabled=True,
        user="0",
        labels=tags,
        environment={protocol.ENV_SPARE: json.dumps(config)},
        host_config=host_config(api, limits),
    )
    try:
        api.start(created["Id"])
    except BaseException:
        remove(api, created["Id"])
        raise
    return str(created["Id"])


def waiting(api: Any, key: str, image_id: str, now: float | None = None) -> list[dict[str, Any]]:
    """Unclaimed, running spares of ``key`` (and of the image ``image_id``) not about to expire, oldest
    (warmest) first."""
    from docker.errors import DockerException

    now = time.time() if now is None else now
    try:
        found = api.containers(filters={"label": [f"{LABEL}={ROLE}", f"{KEY_LABEL}={key}"], "status": "running"})
    except DockerException:
        return []
    usable = []
    for c in found:
        names = c.get("Names") or []
        tags = c.get("Labels") or {}
        try:
            expires = float(tags.get(EXPIRES_LABEL, 0))
        except ValueError:
            continue
        if any(n.lstrip("/").startswith(CLAIMED_PREFIX) for n in names) or c.get("ImageID") != image_id:
            continue
        if expires - CLAIM_MARGIN_S <= now:
            continue
        usable.append(c)
    return sorted(usable, key=lambda c: int(c.get("Created", 0)))


def grading_now(container: dict[str, Any], now: float) -> bool:
    """A container holding a live run, maybe another process's: running, within its deadline, and a cold
    run's sandbox or a claimed spare. An idle spare is no run."""
    tags = container.get("Labels") or {}
    try:
        deadline = float(tags.get(f"{LABEL}.deadline", 0))
    except ValueError:
        return False
    if container.get("State") != "running" or now > deadline:
        return False
    if tags.get(LABEL) == ROLE:
        return any(n.lstrip("/").startswith(CLAIMED_PREFIX) for n in container.get("Names") or [])
    return True


def prune_containers(api: Any, now: float | None = None) -> tuple[list[str], int]:
    """Remove the judge's containers but the live runs (a `judge grade` or `judge serve` grading in another
    terminal would otherwise end as the judge's own error). Idle spares are claimed first, so none is removed
    under a run that just claimed it. Returns (ids removed, live runs left alone)."""
    from docker.errors import DockerException

    now = time.time() if now is None else now
    removed: list[str] = []
    live = 0
    for container in api.containers(all=True, filters={"label": LABEL}):
        if grading_now(container, now):
            live += 1
            continue
        is_idle_spare = (container.get("State") == "running" and (container.get("Labels") or {}).get(LABEL) == ROLE)
        if is_idle_spare and not claim_one(api, container["Id"]):
            live += 1  # claimed by a run a moment ago
            continue
        try:
            api.remove_container(container["Id"], force=True)
            removed.append(container["Id"][:12])
        except DockerException:
            pass
    return removed, live


def claim_one(api: Any, container_id: str) -> bool:
    """Claim this spare: True for exactly one caller, whatever the number of concurrent claims."""
    from docker.errors import DockerException

    try:
        api.rename(container_id, CLAIMED_PREFIX + container_id)
    except DockerException:  # 400: already has that name (claimed); 404: gone; 409: name taken
        return False
    return True


def claim(api: Any, key: str, image_id: str) -> str | None:
    """Claim a waiting spare of ``key``; its id, or None when there is none to claim."""
    for container in waiting(api, key, image_id):
        if claim_one(api, container["Id"]):
            return str(container["Id"])
    return None


def discard(api: Any, key: str, image_id: str, keep: int = 0) -> int:
    """Claim and remove this key's waiting spares beyond ``keep``; returns how many were removed."""
    removed = 0
    for container in waiting(api, key, image_id, now=0.0)[keep:]:
        if claim_one(api, container["Id"]):
            remove(api, container["Id"])
            removed += 1
    return removed


def run_on_spare(api: Any, container_id: str, runtime: dict[str, Any], bundle: bytes,
                 limits: Limits) -> SandboxRun | None:
    """Run ``bundle`` on the claimed spare ``container_id`` and remove it. None when the spare ran nothing
    (gone, expired, refused the run): the caller grades cold."""
    from docker.errors import DockerException

    started = time.monotonic()
    try:
        attached = api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        # A spare claimed while still importing waits for its warm process, within the run's own limit.
        deadline = started + 2 * limits.timeout_s + GRACE_S
        run = converse(api, container_id, attached, runtime, bundle, deadline, started)
    except (DockerException, OSError):
        return None
    finally:
        remove(api, container_id)
    if refused(run):
        return None
    return SandboxRun(stdout=run.stdout, exit_code=run.exit_code, oom_killed=run.oom_killed,
                      timed_out=run.timed_out, output_overflow=run.output_overflow, duration_s=run.duration_s,
                      diagnostics=run.diagnostics, warm=True)


def refused(run: SandboxRun) -> bool:
    """Did the spare run nothing: it refused the bundle, or ended without reading it (no output, exit 0)?"""
    if not run.stdout.strip():
        return run.exit_code == 0 and not run.timed_out and not run.oom_killed
    if len(run.stdout) > 64 * 1024 or protocol.SPARE_REFUSED.encode() not in run.stdout:
        return False
    try:
        document = json.loads(run.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return False
    return isinstance(document, dict) and bool(document.get(protocol.SPARE_REFUSED))


class WarmDockerBackend(DockerBackend):
    """The Docker backend with warm spares: a run takes a spare of its image, limits and preloads when one
    waits, and otherwise runs cold, exactly as ``DockerBackend``. It keeps ``keep`` spares of what it ran:
    started after each run (one-shot commands: the next call is warm, and the spare's imports do not slow
    this run), or as soon as a spare is taken (``early``: long-running callers such as batch grading,
    whose next run comes at once)."""

    def __init__(self, image: str | None = None, labels: dict[str, str] | None = None, *,
                 preload: Sequence[str] = (), keep: int = 1, early: bool = False,
                 idle_s: float | None = None, spare_labels: dict[str, str] | None = None) -> None:
        super().__init__(image=image, labels=labels)
        self.preload = tuple(preload)
        # A spare outlives the run that started it, so it carries no per-run label (say, a worker's job id).
        self._spare_labels = dict(labels or {}) if spare_labels is None else dict(spare_labels)
        self.keep = max(0, keep)
        self.early = early
        self.idle_s = idle_seconds() if idle_s is None else idle_s
        self._lock = threading.RLock()
        self._image_id: str | None = None
        self._used: set[tuple[Limits, tuple[str, ...]]] = set()  # what this backend's spares were for: trim()
        self.warm_runs = 0
        self.cold_runs = 0
        self._last_run: dict[tuple[Limits, tuple[str, ...]], float] = {}  # what ran, when: for keep_warm()
        self.timings: dict[str, float] = {}

    def wanted(self, preload: Sequence[str] | None) -> tuple[str, ...]:
        """The preloads a run asks for: its own, or (None) this backend's."""
        return self.preload if preload is None else tuple(preload)

    def key(self, api: Any, limits: Limits, preload: Sequence[str] | None = None) -> tuple[str, str]:
        """(spare key, image id) for a run under ``limits`` that wants ``preload`` (default: this backend's)."""
        if self._image_id is None:
            self._image_id = self.ensure_image(api)
        return spare_key(self._image_id, limits, self.runtime(limits), self.wanted(preload)), self._image_id

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        from docker.errors import DockerException

        wanted = self.wanted(preload)
        api = api_client()
        began = time.monotonic()
        try:
            key, image_id = self.key(api, limits, wanted)
            reap_once(api)
            container_id = claim(api, key, image_id)
        except DockerException as exc:
            raise SandboxUnavailable(f"the Docker engine failed during grading ({short_error(exc)})",
                                     ENGINE_FIX) from exc
        claimed = time.monotonic()
        if self.early:
            self.refill(limits, wanted)
        run = None if container_id is None else run_on_spare(api, container_id, self.runtime(limits), bundle, limits)
        if run is None:
            run = super().run(bundle, limits)
        with self._lock:
            self.warm_runs += run.warm
            self.cold_runs += not run.warm
            self._last_run[(limits, wanted)] = time.monotonic()
        ran = time.monotonic()
        if not self.early:
            self.refill(limits, wanted)
        # Where a run's time went on the host's side, for the benchmarks: the backend's last run, whichever
        # thread ran it (one attribute per instance, overwritten by each run).
        self.timings = {"claim_s": claimed - began, "refill_s": time.monotonic() - ran}
        return run

    def start(self, limits: Limits, preload: Sequence[str] | None = None) -> str:
        """Start one spare for runs under ``limits`` (warmed with ``preload``, default this backend's) now;
        returns its id (raises the SDK's errors)."""
        wanted = self.wanted(preload)
        api = api_client()
        key, _ = self.key(api, limits, wanted)
        with self._lock:
            self._used.add((limits, wanted))
        return start_spare(api, self.image, key, limits, self.runtime(limits), wanted, self.idle_s,
                           self._spare_labels)

    def refill(self, limits: Limits, preload: Sequence[str] | None = None) -> int:
        """Start spares until ``keep`` of this key wait; returns how many were started. Never raises: a spare
        that cannot start costs a cold run later, nothing else."""
        from docker.errors import DockerException

        wanted = self.wanted(preload)
        started = 0
        try:
            api = api_client()
            key, image_id = self.key(api, limits, wanted)
            with self._lock:  # one thread of this process tops up at a time
                for _ in range(self.keep - len(waiting(api, key, image_id))):
                    self.start(limits, wanted)
                    started += 1
        except (DockerException, SandboxUnavailable, OSError):
            pass
        return started

    def top_up(self, within_s: float) -> int:
        """Start spares for everything this backend ran in the last ``within_s`` seconds, up to ``keep`` each
        (a spare that expired idle is replaced); returns how many were started. Never raises."""
        now = time.monotonic()
        with self._lock:
            recent = [key for key, at in self._last_run.items() if now - at <= within_s]
        return sum(self.refill(limits, preload) for limits, preload in recent)

    def keep_warm(self, stop: threading.Event, every_s: float = KEEPER_EVERY_S,
                  within_s: float = KEEPER_WITHIN_S) -> threading.Thread:
        """For a long-running process (the server): a daemon thread that, every ``every_s`` until ``stop`` is
        set, tops up the spares of what ran in the last ``within_s`` seconds. So the next submission of a
        problem graded recently starts warm even after its spare expired idle; a problem nobody submitted
        for ``within_s`` keeps no spare (its last one expires after ``idle_s``)."""

        def loop() -> None:
            while not stop.wait(every_s):
                self.top_up(within_s)

        thread = threading.Thread(target=loop, name="judge-keep-warm", daemon=True)
        thread.start()
        return thread

    def trim(self, limits: Limits, keep: int = 1) -> int:
        """Remove the waiting spares this backend ran or kept: all but ``keep`` of those for ``limits`` (a
        batch leaves one for the next call), all of those for other limits (say, a validation's shorter
        limits for mutants). Returns how many were removed."""
        from docker.errors import DockerException

        removed = 0
        try:
            api = api_client()
            for used, preload in {(limits, self.preload), *self._used}:
                key, image_id = self.key(api, used, preload)
                removed += discard(api, key, image_id, keep if (used, preload) == (limits, self.preload) else 0)
        except (DockerException, SandboxUnavailable, OSError):
            pass
        return removed

