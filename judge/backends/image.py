"""The sandbox image: its content-hash tag, the offline build path, status and pruning.

The tag is a hash of everything that goes into the image (the Dockerfile and ``sandbox/``), so the judge
always grades with the image built from its own code and a stale image is never used silently.

Offline path: Python packages come from a host-side wheelhouse (``pip download``, cached and reused), so
the build itself fetches nothing; when the base image can be neither found nor pulled, a Debian base is
made with debootstrap and ``docker import``.
"""

from __future__ import annotations

# shutil, subprocess and tempfile are imported by the build steps that use them: `judge show` reads the tag
# only, and must start fast.
import contextlib
import fcntl
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judge.backends.port import short_error
from judge.paths import cache_home, dockerfile, sandbox_dir

REPOSITORY = "ml-judge-sandbox"
DEFAULT_BASE = "python:3.11-slim"
OFFLINE_BASE = "ml-judge-base:bookworm"
DEBIAN_SUITE = "bookworm"
DEBOOTSTRAP_PACKAGES = "python3,python3-venv,python3-pip"

Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """The image could not be built; the message says what to do."""


def _inputs() -> list[tuple[str, Path]]:
    files = [("Dockerfile", dockerfile())]
    root = sandbox_dir()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append(("sandbox/" + path.relative_to(root).as_posix(), path))
    return files


def content_hash() -> str:
    """sha256 over the names and bytes of every file that goes into the image."""
    digest = hashlib.sha256()
    for name, path in _inputs():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def expected_tag() -> str:
    """The image tag for this version of the judge, e.g. ``ml-judge-sandbox:3f2a9c01b7de``."""
    override = os.environ.get("JUDGE_IMAGE")
    return override or f"{REPOSITORY}:{content_hash()[:12]}"


def default_wheelhouse() -> Path:
    return cache_home() / "wheelhouse"


def fill_wheelhouse(wheelhouse: Path, progress: Progress) -> None:
    """Download every pinned wheel into ``wheelhouse`` (pip skips what is already there)."""
    import subprocess

    wheelhouse.mkdir(parents=True, exist_ok=True)
    requirements = sandbox_dir() / "requirements.txt"
    progress(f"wheelhouse: pip download into {wheelhouse}")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux2014_x86_64",
               "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
               "--platform", "linux_x86_64", "-d", str(wheelhouse), "-r", str(requirements)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-8:])
        raise BuildError(
            "pip could not download the sandbox's packages into the wheelhouse:\n"
            f"{tail}\nCheck that the Python package index is reachable, or pass --wheelhouse DIR "
            "with a folder of wheels made elsewhere by `pip download -r sandbox/requirements.txt`."
        )


def _stage_context(wheelhouse: Path, into: Path) -> None:
    """The build context: Dockerfile, sandbox/, wheelhouse/ (hard links where possible: no copying)."""
    import shutil

    shutil.copy2(dockerfile(), into / "Dockerfile")
    shutil.copytree(sandbox_dir(), into / "sandbox", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    target = into / "wheelhouse"
    target.mkdir()
    for wheel in wheelhouse.iterdir():
        if wheel.is_file():
            try:
                os.link(wheel, target / wheel.name)
            except OSError:
                shutil.copy2(wheel, target / wheel.name)


def image_exists(api: Any, ref: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        api.inspect_image(ref)
        return True
    except ImageNotFound:
        return False


def try_pull(api: Any, ref: str, progress: Progress) -> bool:
    from docker.errors import DockerException

    progress(f"base image: pulling {ref}")
    repository, _, tag = ref.partition(":")
    try:
        api.pull(repository, tag=tag or "latest")
        return True
    except DockerException as exc:
        progress(f"base image: cannot pull {ref} ({short_error(exc)})")
        return False


def remove_rootfs(root: Path) -> None:
    """Delete a (possibly half-made) debootstrap tree, unmounting what an interrupted run left mounted."""
    import shutil
    import subprocess

    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        mounts = []
    for point in sorted((m for m in mounts if m.startswith(str(root) + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def debootstrap_base(api: Any, progress: Progress) -> str:
    """Make a Debian base image from Debian's packages (no container registry needed)."""
    import shutil
    import subprocess

    if image_exists(api, OFFLINE_BASE):
        progress(f"base image: {OFFLINE_BASE} (made earlier with debootstrap)")
        return OFFLINE_BASE
    if shutil.which("debootstrap") is None:
        raise BuildError(
            "no base image: it cannot be pulled, and debootstrap is missing to make one offline. "
            "Install it (`apt-get install debootstrap`), or load an image and pass --base-image NAME."
        )
    root = cache_home() / f"rootfs-{DEBIAN_SUITE}"
    remove_rootfs(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    progress(f"base image: debootstrap {DEBIAN_SUITE} into {root} (about a minute)")
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={DEBOOTSTRAP_PACKAGES}", DEBIAN_SUITE, str(root)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-6:])
        raise BuildError(f"debootstrap failed (is Debian's package mirror reachable? are you root?):\n{tail}")
    progress(f"base image: docker import as {OFFLINE_BASE}")
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    imported = subprocess.run(["docker", "import", "-", OFFLINE_BASE], stdin=tar.stdout, capture_output=True,
                              text=True)
    tar.wait()
    remove_rootfs(root)
    if imported.returncode != 0:
        raise BuildError(f"docker import failed: {imported.stderr.strip()[:300]}")
    return OFFLINE_BASE


def resolve_base(api: Any, requested: str, offline: bool, progress: Progress) -> str:
    """The base image to build on: local, else pulled, else (offline) made with debootstrap."""
    if offline:
        return debootstrap_base(api, progress)
    if image_exists(api, requested):
        progress(f"base image: {requested} (present)")
        return requested
    if image_exists(api, OFFLINE_BASE):
        progress(f"base image: {requested} not present; using {OFFLINE_BASE} made earlier with debootstrap")
        return OFFLINE_BASE
    if try_pull(api, requested, progress):
        return requested
    progress("base image: falling back to a Debian base made with debootstrap")
    return debootstrap_base(api, progress)


@dataclass(frozen=True)
class BuildResult:
    tag: str
    built: bool
    seconds: float
    size_bytes: int
    base: str


def _stream_build(api: Any, context: Path, tag: str, base: str, no_cache: bool) -> Iterator[str]:
    for chunk in api.build(path=str(context), tag=tag, buildargs={"BASE_IMAGE": base}, rm=True, forcerm=True,
                           nocache=no_cache, decode=True, labels={"ml-judge": "image"}):
        if "error" in chunk:
            raise BuildError(f"docker build failed: {chunk['error'].strip()}")
        line = str(chunk.get("stream", "")).strip()
        if line:
            yield line


def build(
    api: Any,
    *,
    base_image: str = DEFAULT_BASE,
    offline_base: bool = False,
    wheelhouse: Path | None = None,
    force: bool = False,
    no_cache: bool = False,
    progress: Progress = lambda _line: None,
) -> BuildResult:
    """Build the sandbox image for this code unless it already exists."""
    started = time.monotonic()
    tag = f"{REPOSITORY}:{content_hash()[:12]}"
    if not force and image_exists(api, tag):
        size = int(api.inspect_image(tag).get("Size", 0))
        return BuildResult(tag, False, time.monotonic() - started, size, "")
    with build_lock(progress):
        if not force and image_exists(api, tag):  # another build finished it while we waited
            size = int(api.inspect_image(tag).get("Size", 0))
            return BuildResult(tag, False, time.monotonic() - started, size, "")
        return _build_locked(api, tag, started, base_image, offline_base, wheelhouse, no_cache, progress)


@contextlib.contextmanager
def build_lock(progress: Progress) -> Iterator[None]:
    """One build at a time on this machine: two would fight over the base root filesystem and the cache."""
    path = cache_home() / "build.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("another `judge sandbox build` is running; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_locked(api: Any, tag: str, started: float, base_image: str, offline_base: bool,
                  wheelhouse: Path | None, no_cache: bool, progress: Progress) -> BuildResult:
    import tempfile

    base = resolve_base(api, base_image, offline_base, progress)
    house = wheelhouse or default_wheelhouse()
    if wheelhouse is None:
        fill_wheelhouse(house, progress)
    elif not house.is_dir():
        raise BuildError(f"--wheelhouse {house} is not a folder")
    scratch_parent = cache_home() if cache_home().exists() else None  # beside the wheelhouse: hard links work
    with tempfile.TemporaryDirectory(prefix="ml-judge-build-", dir=scratch_parent) as tmp:
        context = Path(tmp)
        _stage_context(house, context)
        progress("docker build: sending the build context")
        for line in _stream_build(api, context, tag, base, no_cache):
            if line.startswith("Step "):
                progress("docker build: " + line)
    size = int(api.inspect_image(tag).get("Size", 0))
    return BuildResult(tag, True, time.monotonic() - started, size, base)


def list_images(api: Any) -> list[dict[str, Any]]:
    """Every ml-judge sandbox image, newest first."""
    images = api.images(name=REPOSITORY)
    return sorted(images, key=lambda i: i.get("Created", 0), reverse=True)


def prune_images(api: Any, keep_current: bool = True) -> list[str]:
    """Remove the sandbox images of other versions of the judge (and, without ``keep_current``, this one's).
    Returns the tags removed. The containers are the warm pool's to prune (it knows which are in use)."""
    from docker.errors import DockerException

    current = f"{REPOSITORY}:{content_hash()[:12]}"
    removed_images: list[str] = []
    for image in list_images(api):
        tags = image.get("RepoTags") or []
        if keep_current and current in tags:
            continue
        for tag in tags:
            try:
                api.remove_image(tag, force=True)
                removed_images.append(tag)
            except DockerException:
                pass
    return removed_images
