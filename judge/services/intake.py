"""Find the submissions an interviewer passes to `judge grade`: files, folders, folders of folders, zips.

Rules, the same for a folder on disk and for the inside of a zip:

- a ``.py`` file is one submission, named after the file (or, for ``solution.py``, after its folder);
- a folder that holds ``solution.py`` is one submission, named after the folder;
- any other folder is a folder of submissions: each subfolder is searched the same way, and a subfolder
  with no ``solution.py`` anywhere below it becomes a "missing" entry, so a candidate who handed in
  nothing still has a row. A zip in a folder of submissions is read like a subfolder (named after the
  zip without ``.zip``), so "alice/", "bob.zip" side by side are two candidates. Names below a folder of
  submissions are paths relative to it ("alice", "round-2/bob"); a lone wrapping folder (a zip of
  ``submissions/...``) is looked through.

Zips are never extracted: their members are read in memory, and a zip with a member whose path is
absolute, climbs out with ``..`` or is a symlink is refused as a whole, before anything is read. On disk
nothing is followed out of a folder: a symlinked ``solution.py``, candidate folder or zip is refused
with a row that says so (``judge.store.confined``), like a zip's symlink member.
A file that cannot be read (too large, not UTF-8, permission denied) is that submission's verdict,
never an error of the whole batch; only input that names nothing gradable is (``InputError``), and input
too big to be a batch: a zip of more than ``MAX_MEMBERS`` members or ``MAX_UNCOMPRESSED_BYTES``, or more
than ``MAX_ROWS`` submissions in all.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Protocol

from judge.grading.integrity import MAX_SOURCE_BYTES, SubmissionError, decode_source
from judge.model.submission import SOLUTION, SolutionText
from judge.store import confined
from judge.store.confined import UnsafePath

MAX_DEPTH = 6
# A batch is one folder per candidate: these caps are far above any real cohort, and far below what
# would take the machine's memory or minutes (a 20 MB zip can hold 200,000 folders).
MAX_MEMBERS = 20_000  # per zip
MAX_UNCOMPRESSED_BYTES = 512 * 1024**2  # per zip, all members together
MAX_ROWS = 2_000  # submissions in one batch, all PATH arguments together
_SKIPPED = {"__MACOSX", "__pycache__"}
_DRIVE = re.compile(r"^[A-Za-z]:")


class InputError(ValueError):
    """The batch's input names nothing gradable, or a zip that must be refused; the message has the fix."""


class TooManyRows(InputError):
    """More submissions than one batch takes: an error of the whole batch, never one row's."""


def _too_many(label: str) -> TooManyRows:
    return TooManyRows(f"{label}: more than {MAX_ROWS} submissions; one batch takes at most {MAX_ROWS}. Split "
                       "the submissions into several folders and run `judge grade` on each")


@dataclass(frozen=True)
class Entry:
    """One candidate's submission as found, ready to grade; or the reason it cannot be graded."""

    name: str
    origin: str
    submission: SolutionText | None = None
    error: str = ""
    missing: bool = False
    # Which file this is (device, inode, and for a zip the member): the same file named twice by overlapping
    # PATH arguments is one submission, not two that look copied from each other.
    file: tuple[int, int, str] | None = None

    @property
    def gradable(self) -> bool:
        return self.submission is not None


# -- reading one solution file ---------------------------------------------------------------------

def read_entry(name: str, origin: str, opener: Callable[[], IO[bytes]]) -> Entry:
    """Read and decode one solution file, turning every failure into that entry's error."""
    try:
        with opener() as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except UnsafePath as exc:
        return Entry(name, origin, error=f"refused: {exc}")
    except OSError as exc:
        return Entry(name, origin, error=f"cannot read {origin}: {exc.strerror or exc}")
    except (RuntimeError, NotImplementedError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        # an encrypted, corrupt or oddly compressed zip member
        return Entry(name, origin, error=f"cannot read {origin}: {exc}")
    if len(raw) > MAX_SOURCE_BYTES:
        return Entry(name, origin, error=f"{origin} is larger than the {MAX_SOURCE_BYTES}-byte limit")
    try:
        source = decode_source(raw)
    except SubmissionError as exc:
        return Entry(name, origin, error=str(exc))
    return Entry(name, origin, SolutionText.from_source(source, origin))


def load(path: Path) -> SolutionText:
    """The ``solution.py`` of a workspace or a submission folder, or a ``.py`` file, read without following
    a link (``judge.store.confined``). Raises ``SubmissionError`` with the fix."""
    folder, name = (path, SOLUTION) if path.is_dir() else (path.parent, path.name)
    target = folder / name
    try:
        raw = confined.read_bytes(folder, name, MAX_SOURCE_BYTES)
    except UnsafePath as exc:
        raise SubmissionError(str(exc)) from exc
    except FileNotFoundError as exc:
        if path.is_dir():  # a workspace (`judge grade` takes a folder only when it holds one)
            raise SubmissionError(f"{path} has no {SOLUTION}: write your solution in {target} (README.md has "
                                  "the statement)") from exc
        raise SubmissionError(f"{path} does not exist; pass a solution.py file or a folder that holds one") from exc
    except OSError as exc:
        raise SubmissionError(f"cannot read {target}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_SOURCE_BYTES:
        raise SubmissionError(f"{target} is larger than the {MAX_SOURCE_BYTES}-byte limit. Keep data in the "
                              "data files")
    return SolutionText.from_source(decode_source(raw), str(target))


# -- one tree walk for folders and zips ------------------------------------------------------------

class _Node(Protocol):
    """A folder, on disk or inside a zip."""

    def solution(self) -> tuple[str, Callable[[], IO[bytes]]] | None:
        """(origin, opener) of this folder's solution.py, if it has one."""
        ...

    def subfolders(self) -> list[tuple[str, _Node]]:
        """(name, folder) for each subfolder worth searching, sorted by name."""
        ...

    def archives(self) -> list[Path]:
        """Zip files directly in this folder (on disk only), sorted by name."""
        ...

    def other_files(self) -> list[str]:
        """Names of the other files directly in this folder, for saying what a folder holds instead."""
        ...

    def links(self) -> list[str]:
        """Names of symbolic links here that would have been a candidate (a folder or a zip)."""
        ...


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in _SKIPPED


class _DiskFolder:
    def __init__(self, path: Path, skip: frozenset[Path] = frozenset()) -> None:
        self.path = path
        self.skip = skip  # resolved folders never searched (the batch's own output)

    def solution(self) -> tuple[str, Callable[[], IO[bytes]]] | None:
        target = self.path / SOLUTION
        try:
            mode = os.lstat(target).st_mode
        except OSError:
            return None
        if stat.S_ISREG(mode) or stat.S_ISLNK(mode):  # a link is found, and refused when it is read
            return str(target), lambda: io.BytesIO(confined.read_bytes(self.path, SOLUTION, MAX_SOURCE_BYTES))
        return None

    def subfolders(self) -> list[tuple[str, _Node]]:
        try:
            children = sorted(os.scandir(self.path), key=lambda e: e.name)
        except OSError:
            return []
        return [(e.name, _DiskFolder(Path(e.path), self.skip)) for e in children
                if not _skipped(e.name) and e.is_dir(follow_symlinks=False)
                and Path(e.path).resolve() not in self.skip]

    def links(self) -> list[str]:
        """Symlinked candidate folders and zips: never followed (they could loop or lead anywhere on the
        machine), each refused with a row of its own."""
        try:
            children = sorted(os.scandir(self.path), key=lambda e: e.name)
        except OSError:
            return []
        return [e.name for e in children if not _skipped(e.name) and e.is_symlink()
                and (e.is_dir() or e.name.lower().endswith(".zip"))]

    def _files(self) -> list[os.DirEntry[str]]:
        try:
            return sorted((e for e in os.scandir(self.path) if not _skipped(e.name)
                           and e.is_file(follow_symlinks=False)), key=lambda e: e.name)
        except OSError:
            return []

    def archives(self) -> list[Path]:
        return [Path(e.path) for e in self._files() if e.name.lower().endswith(".zip")]

    def other_files(self) -> list[str]:
        return [e.name for e in self._files() if not e.name.lower().endswith(".zip")]


@dataclass
class _ZipFolder:
    archive: zipfile.ZipFile
    label: str
    folders: dict[str, _ZipFolder] = field(default_factory=dict)
    member: zipfile.ZipInfo | None = None

    def solution(self) -> tuple[str, Callable[[], IO[bytes]]] | None:
        info = self.member
        if info is None:
            return None
        return f"{self.label}:{info.filename}", lambda: self.archive.open(info)

    def subfolders(self) -> list[tuple[str, _Node]]:
        return [(name, node) for name, node in sorted(self.folders.items()) if not _skipped(name)]

    def archives(self) -> list[Path]:
        return []  # a zip inside a zip is not opened

    def other_files(self) -> list[str]:
        return []

    def links(self) -> list[str]:
        return []  # a zip's symlink members refuse the whole zip before any walk


def _walk(node: _Node, prefix: tuple[str, ...], depth: int) -> tuple[list[Entry], bool]:
    """The entries below ``node`` (named by their path below the batch root) and whether any is real."""
    found = node.solution()
    if found is not None:
        return [_entry_of(node, "/".join(prefix), found)], True
    entries: list[Entry] = []
    any_real = False
    if depth >= MAX_DEPTH:
        return entries, False
    children: list[tuple[str, _Node | Path | None]] = [*node.subfolders()]
    children += [(path.stem, path) for path in node.archives()]
    children += [(link.removesuffix(".zip").removesuffix(".ZIP"), None) for link in node.links()]
    for name, child in sorted(children, key=lambda pair: pair[0]):
        if len(entries) >= MAX_ROWS:
            raise _too_many("/".join(prefix) or "the batch")
        if child is None:
            where = "/".join((*prefix, name))
            entries.append(Entry(where, where, error=f"refused: {where} is a symbolic link; the judge never "
                                 "follows links in a submission folder. Copy the submission in instead"))
            any_real = True
            continue
        if isinstance(child, Path):
            below, real = _nested_zip(child, (*prefix, name))
        else:
            below, real = _walk(child, (*prefix, name), depth + 1)
        if real:
            entries.extend(below)
            any_real = True
        else:
            where = "/".join((*prefix, name))
            others = [] if isinstance(child, Path) else [n for n in child.other_files() if n.endswith(".py")]
            holds = f" (it holds {', '.join(others[:3])}: name the file {SOLUTION})" if others else ""
            entries.append(Entry(where, where, error=f"no {SOLUTION} in {where}/{holds}", missing=True))
    return entries, any_real


def _nested_zip(path: Path, prefix: tuple[str, ...]) -> tuple[list[Entry], bool]:
    """A zip found in a folder of submissions: its submissions, named below the zip's name; a zip that
    cannot be read or must be refused is that row's error, not the whole batch's."""
    name = "/".join(prefix)
    try:
        found = from_zip(path)
    except TooManyRows:
        raise
    except InputError as exc:
        return [Entry(name, str(path), error=str(exc))], True
    if len(found) == 1 and found[0].name == path.stem:
        return [_renamed(found[0], name)], True
    return [_renamed(e, f"{name}/{e.name}") for e in found], True


def _renamed(entry: Entry, name: str) -> Entry:
    return replace(entry, name=name)


def _entry_of(node: _Node, name: str, found: tuple[str, Callable[[], IO[bytes]]]) -> Entry:
    """The entry of the solution file ``node`` holds; one on disk knows which file it is."""
    origin, opener = found
    entry = read_entry(name, origin, opener)
    return replace(entry, file=_file_id(Path(origin))) if isinstance(node, _DiskFolder) else entry


def _file_id(path: Path, member: str = "") -> tuple[int, int, str] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino, member


def _look_through(node: _Node, name: str) -> tuple[_Node, str]:
    """Skip lone wrapping folders: ``submissions/alice/...`` reads as ``alice/...``. A folder that also holds
    zips or links is no wrapper: they are candidates too (``alice/`` beside ``erin.zip`` is two)."""
    for _ in range(MAX_DEPTH):
        if node.solution() is not None:
            break
        children = node.subfolders()
        if len(children) != 1 or node.archives() or node.links():
            break
        name, node = children[0]
    return node, name


def _from_root(root: _Node, root_name: str, label: str) -> list[Entry]:
    node, name = _look_through(root, root_name)
    found = node.solution()
    if found is not None:
        return [_entry_of(node, name, found)]
    entries, real = _walk(node, (), 0)
    if not real:
        raise InputError(f"no {SOLUTION} in {label} or its subfolders; pass a solution.py file, a folder "
                         "that holds one, a folder of such folders, or a zip of them")
    return entries


# -- zips ------------------------------------------------------------------------------------------

def unsafe_member(info: zipfile.ZipInfo) -> str:
    """Why a zip member's path cannot be trusted, or "" when it is a plain relative path."""
    name = info.filename
    if "\x00" in name:
        return "has a NUL byte in its name"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "has an absolute path"
    if ".." in re.split(r"[\\/]", name):
        return "climbs out of the archive with '..'"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return ""


def _zip_tree(archive: zipfile.ZipFile, label: str) -> _ZipFolder:
    root = _ZipFolder(archive, label)
    for info in archive.infolist():
        parts = [p for p in re.split(r"[\\/]", info.filename) if p not in ("", ".")]
        if not parts:
            continue
        folder_parts = parts if info.is_dir() else parts[:-1]
        node = root
        for part in folder_parts:
            node = node.folders.setdefault(part, _ZipFolder(archive, label))
        if not info.is_dir() and parts[-1] == SOLUTION and node.member is None:
            node.member = info
    return root


def declared_members(path: Path) -> int | None:
    """How many members a zip's end record says it has (zip64 included), read from its last 64 KiB without
    parsing the central directory: a zip of 200,000 members is refused before Python builds 200,000
    objects. None when there is no readable end record (``zipfile`` then says what is wrong)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - (22 + 65535)))
            tail = handle.read()
            start = tail.rfind(b"PK\x05\x06")
            if start < 0 or len(tail) < start + 22:
                return None
            count: int = struct.unpack("<H", tail[start + 10:start + 12])[0]
            if count != 0xFFFF or start < 20 or tail[start - 20:start - 16] != b"PK\x06\x07":
                return count
            handle.seek(struct.unpack("<Q", tail[start - 12:start - 4])[0])  # the zip64 end record
            record = handle.read(56)
            return int(struct.unpack("<Q", record[32:40])[0]) if record[:4] == b"PK\x06\x06" else None
    except (OSError, struct.error):
        return None


def _too_many_members(path: Path, count: int) -> InputError:
    return InputError(f"refusing {path}: it has {count} members; a batch zip may have at most {MAX_MEMBERS} (one "
                      "folder per candidate). Nothing was read. Split it into smaller zips, or zip only the "
                      "candidates' solution.py files")


def from_zip(path: Path) -> list[Entry]:
    """The submissions in a zip, read in memory. Refuses the whole zip if any member path is unsafe, or if it
    is too big to be a batch (members, uncompressed size)."""
    declared = declared_members(path)
    if declared is not None and declared > MAX_MEMBERS:
        raise _too_many_members(path, declared)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path} is not a readable zip file ({exc}); re-create it with `zip -r`") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:  # an end record that understated them
            raise _too_many_members(path, len(members))
        size = sum(info.file_size for info in members)
        if size > MAX_UNCOMPRESSED_BYTES:
            raise InputError(f"refusing {path}: its members add up to {size} bytes uncompressed; a batch zip may "
                             f"hold at most {MAX_UNCOMPRESSED_BYTES} bytes. Nothing was read. Split it, or zip "
                             "only the candidates' solution.py files")
        seen: set[str] = set()
        for info in members:
            reason = unsafe_member(info)
            if reason:
                raise InputError(
                    f"refusing {path}: its member {info.filename!r} {reason}, so it could write outside the "
                    f"folder it is unpacked into. Nothing was extracted. Re-create the zip from inside the "
                    f"submissions folder (`cd submissions && zip -r ../batch.zip .`)")
            # Two members at one path: one would be graded and `unzip` would show the other to whoever reads it.
            where = "/".join(p for p in re.split(r"[\\/]", info.filename) if p not in ("", "."))
            if where in seen and not info.is_dir():
                raise InputError(
                    f"refusing {path}: it holds {where!r} twice, so which file is the candidate's is ambiguous "
                    "(unzip would keep one, the grader might read the other). Nothing was read. Re-create the "
                    "zip with `zip -r`")
            seen.add(where)
        # Entries are read now, while the archive is open: nothing is ever written to disk.
        found = _from_root(_zip_tree(archive, path.name), path.stem, str(path))
    return [replace(e, file=_file_id(path, e.origin)) for e in found]


# -- the command line's PATH arguments -------------------------------------------------------------

def from_path(path: Path, skip: frozenset[Path] = frozenset()) -> list[Entry]:
    """The submissions one PATH argument names (file, folder, folder of folders, zip); folders in ``skip``
    (resolved paths) are not searched."""
    if not path.exists():
        raise InputError(f"{path} does not exist; pass solution.py files, folders that hold one, "
                         "folders of such folders, or zips of them")
    if path.is_dir():
        return _from_root(_DiskFolder(path, skip), path.resolve().name, str(path))
    if path.suffix.lower() == ".zip":
        return from_zip(path)
    if path.suffix == ".py":
        name = path.resolve().parent.name if path.name == SOLUTION else path.stem
        entry = read_entry(name or path.stem, str(path),
                           lambda: io.BytesIO(confined.read_bytes(path.parent, path.name, MAX_SOURCE_BYTES)))
        return [replace(entry, file=_file_id(path))]
    raise InputError(f"{path} is not a .py file, a folder or a .zip; pass the candidate's solution.py, "
                     "its folder, a folder of folders or a zip")


def unique_names(entries: Iterable[Entry]) -> list[Entry]:
    """The same entries, with repeated names made distinct ("alice", "alice (2)") in order."""
    seen: set[str] = set()
    out = []
    for entry in entries:
        name, n = entry.name, 1
        while name in seen:
            n += 1
            name = f"{entry.name} ({n})"
        seen.add(name)
        out.append(entry if name == entry.name else replace(entry, name=name))
    return out


def discover(paths: Iterable[Path], output: Path | None = None) -> list[Entry]:
    """Every submission the PATH arguments name, in argument order, names made unique. The batch's
    ``output`` folder is never searched, so its snapshots are not taken for new candidates next time.
    A file named twice (``subs/alice subs/alice/solution.py``, overlapping globs) is graded once."""
    skip = frozenset([output.resolve()]) if output is not None else frozenset()
    entries: list[Entry] = []
    files: set[tuple[int, int, str]] = set()
    arguments: set[Path] = set()
    for path in paths:
        if path.resolve() in arguments:
            continue
        arguments.add(path.resolve())
        for entry in from_path(path, skip):
            if entry.file is not None and entry.file in files:
                continue
            if entry.file is not None:
                files.add(entry.file)
            entries.append(entry)
        if len(entries) > MAX_ROWS:
            raise _too_many("the PATH arguments")
    if not entries:
        raise InputError("no submissions given; pass solution.py files, folders or zips")
    return unique_names(entries)
