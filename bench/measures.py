"""The measuring edge: timed subprocesses (with their peak memory), a long-lived sandbox container for bare
pytest, and in-process grading. Every function returns a ``Measurement``; none of them judges a time.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.stats import Measurement

if TYPE_CHECKING:
    from judge.backends import Backend, SandboxRun
    from judge.model.limits import Limits
    from judge.model.submission import SolutionText
    from judge.problems.catalog import Problem

COMMAND_TIMEOUT_S = 900.0
# Containers inherit the image's labels (ml-judge=image); ours say "bench" instead, so that the test suite's
# stray-sandbox check (ml-judge=sandbox) ignores them and `judge sandbox prune` still finds any left over.
BENCH_LABELS = ("--label", "ml-judge=bench")

# Runs inside the sandbox image: pytest alone, timed around the subprocess, no container start counted. The
# suite calls the reference in pytest's own process (sandbox.inprocess, installed in the image): one process.
BARE_PYTEST = """
import json, os, subprocess, sys, time
root, threads = sys.argv[1], sys.argv[2]
env = dict(os.environ, PYTHONPATH=os.path.join(root, "reference"), JUDGE_DATA_DIR=os.path.join(root, "data"),
           OMP_NUM_THREADS=threads, HOME="/tmp", MPLBACKEND="Agg")
command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sandbox.inprocess", "hidden_tests"]
started = time.perf_counter()
done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
seconds = time.perf_counter() - started
tail = (done.stdout + done.stderr)[-600:]
print(json.dumps({"seconds": seconds, "exit_code": done.returncode, "tail": tail}))
"""


def _tail(path: Path, limit: int = 600) -> str:
    try:
        return path.read_bytes()[-limit:].decode("utf-8", "replace").strip()
    except OSError:
        return ""


def run_timed(command: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
              expect: Sequence[int] = (0,), timeout_s: float = COMMAND_TIMEOUT_S) -> Measurement:
    """Wall time of ``command`` from spawn to exit, and its peak resident memory (``wait4``'s ru_maxrss).

    Output goes to temporary files (a pipe could fill and stall the command); an exit code outside
    ``expect`` makes the measurement not ok, with the tail of its output as the reason.
    """
    with tempfile.TemporaryDirectory(prefix="ml-judge-bench-") as tmp:
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            started = time.perf_counter()
            try:
                proc = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                        env=dict(env) if env is not None else None, cwd=cwd,
                                        start_new_session=True)
            except OSError as exc:
                return Measurement(0.0, ok=False, detail=f"cannot run {command[0]}: {exc}")
            timer = threading.Timer(timeout_s, _kill_group, args=(proc.pid,))
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
        code = proc.returncode
        peak, cpu = int(usage.ru_maxrss), usage.ru_utime + usage.ru_stime
        if code in expect:
            return Measurement(seconds, peak_rss_kib=peak, cpu_s=cpu)
        reason = report_reason(out_path) or _tail(err_path) or _tail(out_path)
        return Measurement(seconds, ok=False, detail=f"exit {code}: {reason}", peak_rss_kib=peak, cpu_s=cpu)


def report_reason(path: Path) -> str:
    """The verdict and detail of a `judge ... --json` report in ``path``, or "" when it holds none."""
    try:
        report = json.loads(path.read_bytes()[: 8 * 1024 * 1024])
    except (OSError, ValueError):
        return ""
    if not isinstance(report, dict) or "verdict" not in report:
        return ""
    return f"verdict {report['verdict']}: {str(report.get('detail', ''))[-600:]}"


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def docker_ok(image: str) -> str | None:
    """None when the engine answers and ``image`` exists; otherwise why not."""
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    try:
        done = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the Docker engine does not answer ({exc})"
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "unknown error"
        if "No such image" in message or "no such image" in message:
            return f"the sandbox image {image} is not built (judge sandbox build)"
        return f"docker image inspect failed: {message[:200]}"
    return None


def image_size(image: str) -> int | None:
    """The image's size in bytes as Docker reports it."""
    try:
        done = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}", image],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        return int(done.stdout.strip()) if done.returncode == 0 else None
    except ValueError:
        return None


class LongLivedContainer:
    """One container of the sandbox image kept running (``sleep infinity``), for ``docker exec`` runs.

    It gets the same CPU and memory limits as a grading run and no network, but none of the per-run
    work (create, start, stream the bundle, remove): what runs in it is the baseline without the judge.
    """

    def __init__(self, image: str, cpus: float, memory_bytes: int) -> None:
        self.image = image
        self.cpus = cpus
        self.memory_bytes = memory_bytes
        self.id: str | None = None

    def __enter__(self) -> LongLivedContainer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def start(self) -> LongLivedContainer:
        """Run the container (``sleep infinity``), detached."""
        done = subprocess.run(
            ["docker", "run", "-d", "--rm", "--network", "none", "--cpus", f"{self.cpus:g}",
             "--memory", str(self.memory_bytes), *BENCH_LABELS,
             "--entrypoint", "sleep", self.image, "infinity"],
            capture_output=True, text=True, timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"cannot start the baseline container: {done.stderr.strip()[:300]}")
        self.id = done.stdout.strip()
        return self

    def remove(self) -> None:
        """Remove the container (a no-op when it is not running)."""
        if self.id is not None:
            subprocess.run(["docker", "rm", "-f", self.id], capture_output=True, timeout=120)
            self.id = None

    def copy_in(self, source: Path, dest: str) -> None:
        """Copy the folder ``source`` to ``dest`` inside the container."""
        assert self.id is not None
        subprocess.run(["docker", "exec", self.id, "mkdir", "-p", dest], check=True, capture_output=True)
        subprocess.run(["docker", "cp", f"{source}/.", f"{self.id}:{dest}"], check=True, capture_output=True)

    def exec_command(self, *args: str) -> list[str]:
        """The ``docker exec`` command line running ``args`` in this container."""
        assert self.id is not None
        return ["docker", "exec", self.id, *args]


def stage_for_bare_pytest(problem: Problem, into: Path) -> None:
    """Lay out what bare pytest needs: hidden_tests/, reference/solution.py, data/ (and the data files in the
    working folder too, as the harness does)."""
    shutil.copytree(problem.hidden_tests_dir, into / "hidden_tests",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (into / "reference").mkdir(parents=True)
    shutil.copy2(problem.reference_path, into / "reference" / "solution.py")
    if problem.doubles_path.is_file():
        shutil.copy2(problem.doubles_path, into / "reference" / "doubles.py")
    (into / "data").mkdir()
    for path in problem.data_files():
        relative = path.relative_to(problem.starter_dir)
        for base in (into / "data", into):
            (base / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, base / relative)


def bare_pytest(container: LongLivedContainer, root: str, threads: int) -> Measurement:
    """pytest on the hidden tests and the reference inside ``container``, timed inside the container."""
    done = subprocess.run(container.exec_command("python", "-c", BARE_PYTEST, root, str(threads)),
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return Measurement(0.0, ok=False, detail=f"docker exec failed: {(done.stderr or done.stdout)[-300:]}")
    ok = result.get("exit_code") == 0
    detail = "" if ok else f"pytest exit {result.get('exit_code')}: {result.get('tail', '')}"
    return Measurement(float(result["seconds"]), ok=ok, detail=detail)


class TimedBackend:
    """A backend wrapper that notes how long the sandbox ran, and the harness's own timings from its document.

    The harness reports ``harness_s`` (unpack to document) and ``child.duration_s`` (the pytest process);
    with the backend's wall time they split a grading run into container lifecycle, harness set-up and
    pytest under the judge's plugin.
    """

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.last: dict[str, float] = {}

    def runtime(self, limits: Limits) -> dict[str, Any]:
        return self.inner.runtime(limits)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def run(self, bundle: bytes, limits: Limits, preload: Sequence[str] | None = None) -> SandboxRun:
        run = self.inner.run(bundle, limits, preload)
        self.last = {"sandbox_s": run.duration_s}
        try:
            document = json.loads(run.stdout.strip().splitlines()[-1])
            self.last["harness_s"] = float(document["harness_s"])
            self.last["pytest_s"] = float(document["child"]["duration_s"])
        except (ValueError, IndexError, KeyError, TypeError):
            pass
        return run


def grade_in_process(problem: Problem, submission: SolutionText, backend: TimedBackend) -> Measurement:
    """Wall time of ``judge.grading.grade`` in this process (no CLI start, no imports), and its parts."""
    from judge.backends import SandboxUnavailable
    from judge.grading import grade
    from judge.model.report import Verdict

    backend.last = {}
    started = time.perf_counter()
    try:
        report = grade(problem, submission, backend)
    except SandboxUnavailable as exc:
        return Measurement(time.perf_counter() - started, ok=False, detail=str(exc))
    seconds = time.perf_counter() - started
    if report.verdict is not Verdict.PASSED:
        detail = report.detail if len(report.detail) < 800 else f"{report.detail[:300]} ... {report.detail[-500:]}"
        return Measurement(seconds, ok=False, detail=f"verdict {report.verdict.value}: {detail}")
    return Measurement(seconds, parts=split_grading(seconds, backend.last))


PARTS = ("host_s", "container_s", "harness_s", "pytest_s")


def split_grading(total_s: float, timings: Mapping[str, float]) -> dict[str, float] | None:
    """Split a grading run's wall time: host work, container lifecycle, harness set-up, pytest (+ plugin)."""
    try:
        sandbox, harness, pytest = timings["sandbox_s"], timings["harness_s"], timings["pytest_s"]
    except KeyError:
        return None
    return {
        # read, scan, bundle, interpret, and removing the container (after the backend's clock stops)
        "host_s": total_s - sandbox,
        "container_s": sandbox - harness,  # create, start, the harness's interpreter start, stream, wait
        "harness_s": harness - pytest,  # unpack, chown, spawn the test process, gather its results
        "pytest_s": pytest,  # the test process itself, with the judge's plugin
    }


# -- warm spares -------------------------------------------------------------------------------------

def wait_idle(container_id: str, settle_s: float = 1.0, within_s: float = 300.0) -> bool:
    """Wait until a spare has finished warming: its cgroup's CPU time stops growing for ``settle_s``.
    False when it did not settle within ``within_s`` (or is gone)."""
    from docker.errors import DockerException

    from judge.backends.docker import api_client

    api = api_client()
    deadline = time.monotonic() + within_s
    last: int | None = None
    while time.monotonic() < deadline:
        try:
            usage = int(api.stats(container_id, stream=False)["cpu_stats"]["cpu_usage"]["total_usage"])
        except (DockerException, KeyError, TypeError, ValueError):
            return False
        # Below 2% of a core over the settle time: the warm process sits blocked on its pipe.
        if last is not None and usage - last < 0.02 * settle_s * 1e9:
            return True
        last = usage
        time.sleep(settle_s)
    return False


def spare_memory_bytes(container_id: str) -> int | None:
    """A container's memory use as `docker stats` prints it (cache excluded), in bytes."""
    try:
        done = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container_id],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or "/" not in done.stdout:
        return None
    from judge.model.limits import LimitError, parse_size

    try:
        return parse_size(done.stdout.split("/")[0].strip())
    except LimitError:
        return None


def imports_only(image: str, modules: Sequence[str], cpus: float, memory_bytes: int) -> Measurement:
    """`docker run --rm IMAGE python -c "import <modules>"`: a cold container that only imports."""
    return run_timed(["docker", "run", "--rm", "--network", "none", "--cpus", f"{cpus:g}", "--memory",
                      str(memory_bytes), *BENCH_LABELS, image, "python", "-c",
                      "import " + ", ".join(modules or ["sys"])])


def submission_folders(root: Path, reference: str, count: int) -> list[Path]:
    """``count`` batch submissions under ``root`` (candidate-01, ...), each the reference with its own
    trailing comment: a distinct file each, so no cache keyed on the submission's hash can skip a run."""
    folders = []
    for k in range(1, count + 1):
        folder = root / f"candidate-{k:02d}"
        folder.mkdir(parents=True)
        (folder / "solution.py").write_text(f"{reference}\n# benchmark submission {k}\n", encoding="utf-8")
        folders.append(folder)
    return folders
