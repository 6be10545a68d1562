"""The backend port: what every way of running the harness takes and returns (``Backend``, ``SandboxRun``),
and how it says that no sandbox can start (``SandboxUnavailable``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from judge.model.limits import Limits


@dataclass(frozen=True)
class SandboxRun:
    """What a backend observed from outside: the harness's stdout and how the sandbox ended.

    ``refused`` is set instead when no sandbox ran for the job and whoever ran the run step says why and what
    fixes it (a remote worker with another image, a job that kept killing its worker): a sandbox error.
    """

    stdout: bytes
    exit_code: int | None = 0
    oom_killed: bool = False
    timed_out: bool = False
    output_overflow: bool = False
    duration_s: float = 0.0
    diagnostics: str = ""
    refused: str = ""
    warm: bool = False  # ran on a warm spare (judge/backends/pool.py) rather than a fresh container
    worker: str = ""  # the remote worker that ran it (judge/execution/queue/); "" for this machine
    # The nonce of the bundle that ran when it is not the job's own: a job a killed sender left in flight,
    # adopted by the rerun (judge/execution/queue/sender.py), ran under that sender's nonce, which the host
    # kept in its journal. Set on the host side only, never from what a sandbox or a worker reports.
    nonce: str = ""


class SandboxUnavailable(RuntimeError):
    """The judge cannot run a sandbox right now (engine down, image missing). ``fix`` says what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n  fix: {self.fix}" if self.fix else base


def short_error(exc: BaseException) -> str:
    """The first line of an engine's error (at most 200 characters), for a one-line message."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


class Backend(Protocol):
    """Runs one grading bundle under limits and reports what it saw from outside."""

    name: str

    def runtime(self, limits: Limits) -> dict[str, Any]:
        """What this backend tells the harness besides the bundle (who the tests run as, address-space
        limit, threads): the protocol's runtime frame."""
        ...

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        """Run the harness on ``bundle`` (the protocol's bundle frame, the same for every backend);
        raise ``SandboxUnavailable`` if no sandbox can start. ``preload`` is the job's declared imports: a
        backend with warm spares runs it on one warmed for them (None: its own default); others ignore it."""
        ...

    def describe(self) -> dict[str, Any]:
        """What goes into the report's ``sandbox`` section."""
        ...
