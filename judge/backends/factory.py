"""The one place that decides which backend grades: Docker on warm spares or a fresh container, or the local
subprocess. The CLI, the server and the queue's workers all call ``open_backend``."""

from __future__ import annotations

from collections.abc import Sequence

from judge.backends.port import Backend


def get_backend(name: str, image: str | None = None) -> Backend:
    """The backend called ``name`` ("docker" or "local"), a fresh container for every run."""
    return open_backend(name, image=image, warm=False)


def open_backend(name: str, *, warm: bool = True, image: str | None = None, labels: dict[str, str] | None = None,
                 preload: Sequence[str] | None = None, keep: int = 1, early: bool = False,
                 spare_labels: dict[str, str] | None = None) -> Backend:
    """The backend called ``name`` ("docker" or "local"): the one place that decides warm or cold.

    Docker runs on warm spares (``pool.WarmDockerBackend``) when ``warm`` and the pool is on (``JUDGE_POOL``,
    the default), else on a fresh container per run. A warm backend takes a spare of ``preload`` when one
    waits and keeps ``keep`` for the next runs (``early``: started as soon as one is taken, for batches and
    workers; otherwise after the run); ``labels`` go on every container, ``spare_labels`` on spares only.
    """
    # Imported here, not at the top: the Docker SDK costs start-up, and the light modules (errors, the
    # Backend protocol) are what most callers of this package need.
    if name == "docker":
        from judge.backends.pool import WarmDockerBackend, enabled

        if warm and enabled():
            return WarmDockerBackend(image=image, labels=labels, preload=tuple(preload or ()), keep=keep, early=early,
                                     spare_labels=spare_labels)
        from judge.backends.docker import DockerBackend

        return DockerBackend(image=image, labels=labels)
    if name == "local":
        from judge.backends.local import LocalBackend

        return LocalBackend()
    raise ValueError(f"unknown backend {name!r}: use docker or local")
