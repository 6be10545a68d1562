"""An attempt record read back through its workspace: the workspace that holds a folder, the record behind
it, and the HMAC over the record's clock fields that tells an edited record from a trusted one.

Apart from ``attempts`` (which starts, retries and submits attempts) so that `judge status` reads a record
without loading the problem catalogue, the report model or the workspace texts (start-up).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judge.model.workspace import POINTER
from judge.store import confined
from judge.store.confined import UnsafePath

if TYPE_CHECKING:
    from judge.store.index import Store

SIGNED_FIELDS = ("id", "problem", "started_at", "budget_s", "workspace")
CLOCK_ALTERED = "clock record altered: the attempt's start time or budget was edited; elapsed time is not trusted"


class WorkspaceError(RuntimeError):
    """A workspace that cannot be created or found; the message says what to do."""


def sign(record: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 over the clock-bearing fields of an attempt record."""
    payload = json.dumps({k: record.get(k) for k in SIGNED_FIELDS}, sort_keys=True).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def verify(record: dict[str, Any], key: bytes) -> bool:
    return hmac.compare_digest(str(record.get("hmac", "")), sign(record, key))


def find_workspace(start_dir: Path) -> Path:
    """The workspace holding ``start_dir`` (itself or a parent), by its pointer file."""
    here = start_dir.resolve()
    if not here.exists():  # a typo in --dir, or a workspace deleted: not "not inside a workspace"
        raise WorkspaceError(f"{start_dir} does not exist; pass the folder `judge start` made with --dir (`judge "
                             "history --json` lists each attempt's workspace), or start one with `judge start PROBLEM`")
    for folder in (here, *here.parents):
        if os.path.lexists(folder / POINTER):  # a link is found here, and refused when it is read
            return folder
    raise WorkspaceError(f"{start_dir} is not inside a judge workspace (no {POINTER} file). Start one with "
                         "`judge start PROBLEM`, or pass --dir WORKSPACE.")


def _start_again(workspace: Path, problem: str) -> str:
    """What to run when a workspace's attempt cannot be read: not `judge retry` (it needs the attempt) nor a
    plain `judge start` (it refuses a workspace), but --force, which keeps solution.py and the rest."""
    return (f"start a new attempt here with `judge start {problem} --dir {workspace} --force` (your solution.py "
            "is kept as solution.prev.py)")


def load_for_workspace(store: Store, workspace: Path) -> tuple[dict[str, Any], list[str]]:
    """The attempt record behind a workspace, and warnings about its integrity."""
    try:
        pointer = json.loads(confined.read_bytes(workspace, POINTER, limit=64 * 1024))
        attempt_id = str(pointer["attempt_id"])
    except UnsafePath as exc:
        raise WorkspaceError(str(exc)) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WorkspaceError(f"{workspace / POINTER} is damaged; {_start_again(workspace, 'PROBLEM')}") from exc
    from judge.store.index import NoSuchAttempt, StoreError  # here, like the module's other imports (start-up)

    problem = pointer.get("problem") if isinstance(pointer.get("problem"), str) else "PROBLEM"
    try:
        record = store.load_record(attempt_id)
    except NoSuchAttempt as exc:  # not "`judge history` lists them": it lists this data folder's only
        raise WorkspaceError(
            f"this workspace's attempt {attempt_id} is not in the data folder {store.root}: it was started "
            "with another one (was JUDGE_HOME or XDG_DATA_HOME set otherwise, or is this a copy from another "
            f"machine?). Run the command with that data folder, or {_start_again(workspace, problem)}") from exc
    except StoreError as exc:  # its record is damaged (a disk that filled up, a hand edit)
        raise WorkspaceError(f"{exc}; {_start_again(workspace, problem)}") from exc
    warnings: list[str] = []
    if not verify(record, store.key()):
        warnings.append(CLOCK_ALTERED)
    if Path(record.get("workspace", "")) != workspace.resolve():
        warnings.append(f"workspace moved or copied: the attempt was started in {record.get('workspace')}")
    return record, warnings

