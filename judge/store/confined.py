"""Reads and writes inside a folder the judge does not control: a candidate's workspace, a batch's
submission folder.

Whatever is in such a folder may have been put there by code (a `judge run` session, an unpacked
archive, a candidate's own hand), so nothing in it is followed out: every path is relative to the folder
(``root``, which the user named and which is trusted), no part of it below the root may be a symbolic
link, a file is opened with ``O_NOFOLLOW`` and must be a regular file, and a file is replaced by renaming
a new one over it (a rename replaces a link itself; it never writes through one). Anything else is
``UnsafePath``, whose message names the file and says what to do.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from judge.store.files import atomic_write


class UnsafePath(OSError):
    """A path in an untrusted folder that the judge refuses to read or write; the message names it."""


def _parts(relative: str | Path) -> tuple[str, ...]:
    parts = PurePosixPath(Path(relative).as_posix()).parts
    if not parts or Path(relative).is_absolute() or ".." in parts:
        raise UnsafePath(f"{relative} is outside the folder it must be in")
    return tuple(p for p in parts if p != ".")


def _refuse_link(path: Path) -> UnsafePath:
    try:
        target = f" (to {os.readlink(path)})"
    except OSError:
        target = ""
    return UnsafePath(f"{path} is a symbolic link{target}; the judge never follows links in a workspace or a "
                      f"submission folder. Remove it (`rm '{path}'`), put a regular file there, and run the "
                      "command again")


def check(root: Path, relative: str | Path) -> Path:
    """``root / relative`` when no existing part of it below ``root`` is a symbolic link (and every part but
    the last that exists is a folder); ``UnsafePath`` naming the first part that is not."""
    here = root
    parts = _parts(relative)
    for i, part in enumerate(parts):
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            return root.joinpath(*parts)
        if stat.S_ISLNK(mode):
            raise _refuse_link(here)
        if i < len(parts) - 1 and not stat.S_ISDIR(mode):
            raise UnsafePath(f"{here} is not a folder")
    return here


def exists(root: Path, relative: str | Path) -> bool:
    """Whether ``root / relative`` exists (a link counts as existing: it is refused when used)."""
    return os.path.lexists(root.joinpath(*_parts(relative)))


def read_bytes(root: Path, relative: str | Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``root / relative`` (at most ``limit + 1`` of them when ``limit``);
    ``UnsafePath`` for a link anywhere below ``root``, a folder, a device or a pipe; ``OSError`` as usual
    for a file that is missing or cannot be read."""
    path = check(root, relative)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if os.path.islink(path):  # swapped in since the check
            raise _refuse_link(path) from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UnsafePath(f"{path} is not a regular file")
        return handle.read() if limit is None else handle.read(limit + 1)


def make_dirs(root: Path, relative: str | Path) -> Path:
    """``root / relative`` as a folder, made where missing, never through a link."""
    here = root
    for part in _parts(relative):
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            here.mkdir()
            continue
        if stat.S_ISLNK(mode):
            raise _refuse_link(here)
        if not stat.S_ISDIR(mode):
            raise UnsafePath(f"{here} is not a folder")
    return here


def write_bytes(root: Path, relative: str | Path, data: bytes, mode: int = 0o644) -> Path:
    """Replace ``root / relative`` with ``data`` in one step: its folders are made (never through a link)
    and the new file is renamed over the old name, so a link there is replaced, not written through."""
    parts = _parts(relative)
    parent = make_dirs(root, Path(*parts[:-1])) if len(parts) > 1 else root
    path = parent / parts[-1]
    check(root, relative)  # a link there is refused rather than silently replaced: the user should know
    if os.path.isdir(path) and not os.path.islink(path):
        raise UnsafePath(f"{path} is a folder where a file belongs; move it away and run the command again")
    atomic_write(path, data, mode)
    return path


def remove_tree(root: Path, relative: str | Path) -> None:
    """Remove the folder ``root / relative`` (if there), never following a link in or into it."""
    import shutil  # here: `judge status` and `judge history` read through this module, never remove (start-up)

    path = check(root, relative)
    if os.path.lexists(path):
        shutil.rmtree(path)  # refuses a link itself, and unlinks (never follows) links inside


def copy_tree(source: Path, root: Path, relative: str | Path, skip: tuple[str, ...] = ()) -> None:
    """Copy the judge's own folder ``source`` (trusted) to ``root / relative``, writing only through
    ``write_bytes``; names in ``skip`` (file or folder names, or ``*.suffix``) are left out."""
    def skipped(path: Path) -> bool:
        return any(path.name == s or (s.startswith("*") and path.name.endswith(s[1:])) for s in skip)

    base = Path(*_parts(relative))
    make_dirs(root, base)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(skipped(Path(p)) for p in rel.parts):
            continue
        if path.is_dir():
            make_dirs(root, base / rel)
        elif path.is_file():
            write_bytes(root, base / rel, path.read_bytes())
