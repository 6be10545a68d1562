"""Shared fixtures. Docker, browser and Redis tests are marked; under CI=true a missing engine, image, browser or
redis-server fails the run instead of skipping it (a skipped Docker test is not a passed one)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "problems" / "tiny-add"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Containers this test session makes carry this label (judge/backends/docker.py), subprocesses included.
SESSION = os.environ.setdefault("JUDGE_SESSION", f"tests-{os.getpid()}-{uuid.uuid4().hex[:8]}")
# A command would leave a warm spare behind for the next one (judge/backends/pool.py); tests that exercise
# the pool turn it on themselves (tests/test_pool_docker.py) and remove their spares.
os.environ.setdefault("JUDGE_POOL", "off")


class FakeClock:
    """A clock the test moves by hand (``clock.now += 60``): no test waits for real time to pass."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: Docker, browser and Redis tests must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_api() -> object:
    """A low-level Docker client; skip (locally) or fail (CI) without an engine."""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import api_client

    try:
        return api_client()
    except SandboxUnavailable as exc:
        _unavailable(f"no Docker engine: {exc}")
        raise


@pytest.fixture(scope="session")
def docker_image(docker_api: object) -> str:
    """The sandbox image tag for this code; it must have been built (`judge sandbox build`)."""
    from judge.backends.image import expected_tag, image_exists

    tag = expected_tag()
    if not image_exists(docker_api, tag):
        _unavailable(f"sandbox image {tag} is not built: run `judge sandbox build`")
    return tag


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless Chromium binary (Debian's chromium package)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    _unavailable("headless Chromium is not installed (apt-get install chromium)")
    raise AssertionError


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with networking, sync and updates off, in a throwaway profile."""
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """Debian's redis-server on a loopback port, with append-only persistence (fsync on every write, no
    snapshots) in its own folder: what it acknowledged survives a kill -9 and a restart on the same folder."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        """Start it (again, on the same port and folder) and wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--databases", "64",
             "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not self.answers():
            assert self.proc.poll() is None, f"redis-server exited: {(self.folder / 'redis.log').read_text()[-800:]}"
            assert time.monotonic() < deadline, "redis-server did not answer within 30 s"
            time.sleep(0.05)
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """kill -9: no shutdown save, only what the append-only file already holds survives."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture(scope="session")
def redis_binary() -> str:
    """Debian's redis-server (scripts/setup.sh installs it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("redis-server is not installed (apt-get install redis-server, or bash scripts/setup.sh)")
        raise AssertionError
    return binary


@pytest.fixture(scope="session")
def redis_server(redis_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One Redis for the session; each test takes a database of its own (``broker_url``)."""
    server = RedisServer(redis_binary, tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.kill()


_databases = iter(range(1, 48))  # 48-63: for tests that pick their own


@pytest.fixture
def broker_url(redis_server: RedisServer) -> str:
    """A fresh, empty Redis database of the session's server, as a broker URL."""
    return redis_server.url(next(_databases))


@pytest.fixture
def judge_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh JUDGE_HOME for the test."""
    home = tmp_path / "judge-home"
    monkeypatch.setenv("JUDGE_HOME", str(home))
    monkeypatch.delenv("JUDGE_PROBLEMS_PATH", raising=False)
    return home


@pytest.fixture
def run(judge_home: Path, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Callable[..., Result]:
    """`judge ARGS...` through click's runner, in ``tmp_path``, with the fixture problems on the search path,
    the injected clock and a cache of its own: ``run("submit", "--dir", ws, input="y\n", extra=(...))``
    (``extra`` goes before the command, ``input`` answers its questions)."""
    from judge.interfaces.cli import Context, cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUDGE_CACHE", str(tmp_path / "cache"))

    def invoke(*args: str, input: str | None = None, extra: tuple[str, ...] = ()) -> Result:
        return CliRunner().invoke(cli, ["--problems", str(TINY.parent), *extra, *args],
                                  obj=Context((), clock=clock), catch_exceptions=False, input=input)

    return invoke


@pytest.fixture
def tiny_problem() -> Iterator[object]:
    """The tiny fixture problem, loaded."""
    from judge.problems.catalog import load_problem

    yield load_problem(TINY)


@pytest.fixture(autouse=True)
def _no_stray_containers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every Docker test must leave no ml-judge container behind."""
    yield
    if request.node.get_closest_marker("docker") is None:
        return
    from judge.backends.docker import api_client

    try:
        api = api_client()
    except Exception:
        return
    left = api.containers(all=True, filters={"label": f"ml-judge.session={SESSION}"})
    assert not left, f"containers left behind: {[c['Id'][:12] for c in left]}"


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server (Debian's postgresql package) in a temporary folder on a free loopback port,
    for this test session; its URL. Skips locally, fails under CI=true, when PostgreSQL is not installed."""
    import time

    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        _unavailable("PostgreSQL is not installed (apt-get install postgresql)")
        raise AssertionError
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="judge-pg-"))  # not under pytest's 0700 folder: `postgres` must reach it
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    owner: dict[str, object] = {}
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the `postgres` account
        import pwd

        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        os.chown(sockets, account.pw_uid, account.pw_gid)
        owner = {"user": account.pw_uid, "group": account.pw_gid}
    subprocess.run([initdb, "-D", str(data), "-U", "judge", "--auth=trust", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True, timeout=120, **owner)  # type: ignore[call-overload]
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {sockets} -F"
    subprocess.run([pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start"],
                   check=True, capture_output=True, timeout=90, **owner)  # type: ignore[call-overload]
    try:
        import psycopg

        deadline = time.monotonic() + 30
        while True:  # bounded: pg_ctl -w already waited; this is the last check
            try:
                with psycopg.connect(f"host=127.0.0.1 port={port} user=judge dbname=postgres",
                                     autocommit=True) as conn:
                    conn.execute("CREATE DATABASE judge_tests")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"postgresql+psycopg://judge@127.0.0.1:{port}/judge_tests"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60,
                       **owner)  # type: ignore[call-overload]
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_postgres(postgres_url: str) -> str:
    """A new, empty database on the session's PostgreSQL server, for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"
