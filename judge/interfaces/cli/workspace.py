"""Which attempt a command acts on, decided once: a practice attempt in this machine's store, or an interview
whose clock and hidden tests are on a judge server (the workspace's ``.judge-attempt`` pointer); and the
attempt an id, a prefix or a problem names (``resolve_attempt``).

``locate`` answers with a ``Practice`` (``practice_attempt``) or an ``Interview``; both offer the same
commands (``status``, ``test``, ``submit``, ``problem``), so a command never asks which one it holds.
The store and the attempts service are imported inside the functions (`judge --help` imports this module).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from judge.interfaces.cli.context import Context, fail, working_dir
from judge.interfaces.cli.practice_attempt import Practice
from judge.model.workspace import POINTER

if TYPE_CHECKING:
    from judge.problems.catalog import Problem
    from judge.store.index import Store


@dataclass(frozen=True)
class Interview:
    """An interview workspace: every command goes to the server that holds the attempt (``remote``)."""

    workspace: Path
    pointer: dict[str, Any]

    @property
    def attempt_id(self) -> str | None:
        return self.pointer.get("attempt_id")

    # ``remote`` (the server's client, archives) is imported by the methods: `judge status` and `judge history`
    # in a practice workspace never need it (start-up).
    def status(self, ctx: Context, as_json: bool) -> None:
        from judge.interfaces.cli import remote

        remote.status(ctx, self.workspace, self.pointer, as_json)

    def test(self, ctx: Context, as_json: bool, backend: str) -> None:
        from judge.interfaces.cli import remote

        remote.test(ctx, self.workspace, self.pointer, as_json, backend)

    def submit(self, ctx: Context, as_json: bool, yes: bool, force: bool, backend: str) -> None:
        from judge.interfaces.cli import remote

        remote.submit(ctx, self.workspace, self.pointer, as_json, yes=yes, force=force)

    def problem(self, ctx: Context) -> Problem:
        """The public problem folder the server put in the workspace (no hidden tests, no reference)."""
        from judge.interfaces.cli import remote

        problem: Problem = remote.public_problem(self.workspace, str(self.pointer["problem"]))
        return problem

    def refuse(self, command: str) -> NoReturn:
        """A practice-only command in this interview workspace: say why, and what to run instead."""
        from judge.interfaces.cli import remote

        fail(remote.interview_only(self.pointer, command))


def interview(directory: Path | None) -> Interview | None:
    """The interview whose workspace holds ``directory`` (or the current folder), if it is one."""
    found = remote_pointer(directory)
    return Interview(*found) if found is not None else None


def remote_pointer(directory: Path | None) -> tuple[Path, dict[str, Any]] | None:
    """The workspace and its pointer, when the workspace holding ``directory`` belongs to a server."""
    from judge.store.confined import UnsafePath, read_bytes

    here = (directory or working_dir()).resolve()
    for folder in (here, *here.parents):
        if os.path.lexists(folder / POINTER):
            try:
                data = json.loads(read_bytes(folder, POINTER, limit=64 * 1024))
            except UnsafePath as exc:
                fail(str(exc))
            except (OSError, ValueError):
                return None
            return (folder, data) if isinstance(data, dict) and data.get("server") else None
    return None


def locate(ctx: Context, directory: Path | None) -> Practice | Interview:
    """The attempt of the workspace holding ``directory`` (or the current folder): the interview when the
    workspace belongs to a server, else the practice attempt in this machine's store."""
    return interview(directory) or _practice(ctx.store(), directory)


def practice(ctx: Context, store: Store, directory: Path | None, command: str = "") -> Practice:
    """The practice attempt of the workspace holding ``directory``. In an interview workspace, ``command``
    is refused with what to run instead, never "no such attempt"."""
    found = interview(directory)
    if found is not None:
        found.refuse(command or "this command")
    return _practice(store, directory)


def _practice(store: Store, directory: Path | None) -> Practice:
    from judge.services.attempt_record import WorkspaceError, find_workspace, load_for_workspace
    from judge.store.index import StoreError

    try:
        workspace = find_workspace(directory or working_dir())
        record, warnings = load_for_workspace(store, workspace)
    except (WorkspaceError, StoreError) as exc:
        fail(str(exc))
    return Practice(workspace, record, warnings, store)


def resolve_attempt(store: Store, ref: str, submitted_only: bool = True) -> str:
    """The attempt ``ref`` names in the store: a whole id, a problem (its latest submitted attempt, or latest
    at all when not ``submitted_only``), or a prefix only one id has."""
    from judge.store.index import StoreError

    ids = store.ids()
    if ref in ids:
        return ref
    rows = store.rows(ref)
    if rows:
        chosen = [r for r in rows if r["status"] == "submitted"] if submitted_only else rows
        if not chosen:
            fail(f"no submitted attempt of {ref} yet ({len(rows)} open or abandoned); `judge history --problem "
                 f"{ref}` lists them")
        return str(chosen[0]["id"])
    try:
        return store.resolve(ref)
    except StoreError as exc:
        fail(str(exc))
