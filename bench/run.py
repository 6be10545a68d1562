"""`python -m bench`: run the measurements, print a table, write bench/results/latest.json.

Sections (``--only`` picks some): ``cli`` (start-up against ``python -c pass``), ``floor`` (a container's
floor), ``overhead`` (the judge against bare pytest, per problem), ``build`` (warm build, image size, cold
build with ``--cold``), ``batch`` (throughput with 1 and 2 jobs), ``memory`` (peak RSS of ``judge grade``).
The two sides of every comparison run interleaved, in a rotating order, in the same process on the same
machine. Targets are reported as met or missed; a time never fails the run. Exit 0 when every measured
command worked, 1 when some did not (a broken judge, not a slow one), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import operator
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import machine
from bench.measures import (
    BENCH_LABELS,
    PARTS,
    LongLivedContainer,
    TimedBackend,
    bare_pytest,
    docker_ok,
    grade_in_process,
    image_size,
    imports_only,
    run_timed,
    spare_memory_bytes,
    stage_for_bare_pytest,
    submission_folders,
    wait_idle,
)
from bench.stats import Measurement, interleave, median_of, paired, ratio, seconds_of, summarize, target
from bench.table import render
from judge.store.files import atomic_write

if TYPE_CHECKING:
    from judge.problems.catalog import Problem

REPO = machine.REPO
TINY = REPO / "tests" / "fixtures" / "problems" / "tiny-add"
DEFAULT_OUTPUT = REPO / "bench" / "results" / "latest.json"
SECTIONS = ("cli", "floor", "overhead", "build", "batch", "memory", "pool")
SCHEMA_VERSION = 1
GRADE_IMPORTS = "import judge.interfaces.cli, judge.grading, judge.backends.docker, docker"  # `judge grade --json`

# The targets of issue #10, reported beside the figures.
OVERHEAD_TARGET_S = 0.35
# The target of issue #31: the non-grading commands start in at most 0.1 s, whole process.
STARTUP_TARGET_S = 0.1
STARTUP_COMMANDS = ("judge --help", "judge list", "judge status", "judge show data-cleaning", "judge history")
WARM_BUILD_TARGET_S = 5.0
IMAGE_TARGET_BYTES = 2.0e9  # 2.0 GB as Docker counts (decimal), the unit `docker images` prints
BATCH_TARGET_SPEEDUP = 1.7
# The targets of issue #18 (warm spares).
WARM_RAG_TARGET_RATIO = 1.0  # warm `judge grade` of rag-pipeline against a cold container that only imports
WARM_RAG_TARGET_S = 2.5
WARM_OVER_BARE_TARGET_S = 0.5  # feature-engineering: warm `judge grade` over bare pytest in a running container
WARM_BATCH_TARGET_SPEEDUP = 2.0


@dataclass
class Settings:
    """What the command line asked for."""

    runs: int
    warmup: int
    quick: bool
    only: tuple[str, ...]
    cold: bool
    output: Path
    wheelhouse: Path | None
    batch_problem: str | None
    batch_size: int
    problems: tuple[str, ...]
    pool_batch_problem: str = "rag-pipeline"
    pool_batch_size: int = 16

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "warmup": self.warmup, "quick": self.quick, "only": list(self.only),
                "cold": self.cold, "batch_size": self.batch_size, "problems": list(self.problems),
                "pool_batch_problem": self.pool_batch_problem, "pool_batch_size": self.pool_batch_size}


@dataclass
class Bench:
    """What the sections of one benchmark run share: settings, a scratch folder, the commands, the image."""

    settings: Settings
    tmp: Path
    judge: str
    image: str
    env: dict[str, str]
    cli_grades: dict[str, list[Measurement]] = field(default_factory=dict)
    batch_runs: dict[str, list[Measurement]] = field(default_factory=dict)
    _baseline: LongLivedContainer | None = None
    _docker_reason: str | None = None
    _docker_checked: bool = False

    def docker_unavailable(self) -> str | None:
        """Why Docker sections cannot run (engine down, image missing), or None."""
        if not self._docker_checked:
            self._docker_reason = docker_ok(self.image)
            self._docker_checked = True
        return self._docker_reason

    def baseline(self) -> LongLivedContainer:
        """The long-lived container of the sandbox image (started on first use, removed at the end)."""
        if self._baseline is None:
            from judge.model.limits import DEFAULT_LIMITS

            container = LongLivedContainer(self.image, DEFAULT_LIMITS.cpus, DEFAULT_LIMITS.memory_bytes)
            self._baseline = container.start()
        return self._baseline

    def close(self) -> None:
        if self._baseline is not None:
            self._baseline.remove()
            self._baseline = None

    def progress(self, message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    def judge_cmd(self, *args: str) -> list[str]:
        return [self.judge, *args]


def not_available(reason: str) -> dict[str, Any]:
    return {"status": "not available", "reason": reason}


def with_ratio(summary: dict[str, Any] | None, baseline: float | None) -> float | None:
    return ratio(median_of(summary), baseline)


# -- sections --------------------------------------------------------------------------------------

def section_cli(bench: Bench) -> dict[str, Any]:
    """The non-grading commands (`judge --help`, `list`, `status`, `show`, `history`) against
    `python -c pass`, interleaved: each one's whole process, its ratio and its paired difference."""
    workspace = bench.tmp / "workspace"
    started = run_timed(bench.judge_cmd("--problems", str(TINY.parent), "start", "tiny-add", "--dir",
                                        str(workspace)), env=bench.env)
    # Untimed: the first `judge show` reads the grader's versions from a container and caches them.
    run_timed(bench.judge_cmd("show", "data-cleaning"), env=bench.env)
    commands: dict[str, tuple[list[str], Path | None]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "judge --help": (bench.judge_cmd("--help"), None),
        "judge list": (bench.judge_cmd("list"), None),
        "judge status": (bench.judge_cmd("status"), workspace),
        "judge show data-cleaning": (bench.judge_cmd("show", "data-cleaning"), None),
        "judge history": (bench.judge_cmd("history"), None),
        # References, not targets: the floor of any click CLI, and what `judge grade` imports before work.
        "python -c 'import click'": ([sys.executable, "-c", "import click"], None),
        "imports of judge grade --json": ([sys.executable, "-c", GRADE_IMPORTS], None),
    }

    def side(command: list[str], cwd: Path | None) -> Callable[[], Measurement]:
        return lambda: run_timed(command, env=bench.env, cwd=cwd)

    bench.progress(f"cli: {len(commands)} commands x {bench.settings.runs} runs")
    runs = interleave({name: side(*spec) for name, spec in commands.items()}, bench.settings.runs,
                      bench.settings.warmup)
    floor = median_of(seconds_of(runs["python -c pass"]))
    rows: list[dict[str, Any]] = []
    for name, measurements in runs.items():
        summary = seconds_of(measurements)
        rows.append({"name": name, "seconds": summary, "ratio": with_ratio(summary, floor),
                     "over_floor_s": summarize(paired(measurements, runs["python -c pass"], operator.sub)),
                     "peak_rss_kib": max((m.peak_rss_kib or 0) for m in measurements) or None})
    targets = [
        target(f"`{name}` starts in at most {STARTUP_TARGET_S:g} s (whole process)",
               median_of(next(r["seconds"] for r in rows if r["name"] == name)), STARTUP_TARGET_S, "at most", "s")
        for name in STARTUP_COMMANDS
    ]
    result: dict[str, Any] = {"status": "ok", "commands": rows, "targets": targets}
    if not started.ok:
        result["workspace_error"] = started.detail
    return result


def section_floor(bench: Bench) -> dict[str, Any]:
    """`docker run --rm IMAGE python -c pass` against `docker exec` into a running container."""
    reason = bench.docker_unavailable()
    if reason:
        return not_available(reason)
    container = bench.baseline()
    bench.progress(f"floor: docker run vs docker exec x {bench.settings.runs} runs")
    runs = interleave({
        "docker run --rm": lambda: run_timed(["docker", "run", "--rm", *BENCH_LABELS, bench.image, "python",
                                              "-c", "pass"]),
        "docker exec": lambda: run_timed(container.exec_command("python", "-c", "pass")),
    }, bench.settings.runs, bench.settings.warmup)
    return {
        "status": "ok",
        "docker_run_s": seconds_of(runs["docker run --rm"]),
        "docker_exec_s": seconds_of(runs["docker exec"]),
        "container_cost_s": summarize(paired(runs["docker run --rm"], runs["docker exec"], operator.sub)),
        "targets": [],
    }


def benchmark_problems(settings: Settings) -> tuple[list[Problem], list[str]]:
    """The tiny fixture plus every built-in problem with a reference (all of them unless --quick)."""
    from judge.problems.catalog import discover, load_problem

    chosen = [load_problem(TINY)]
    skipped: list[str] = []
    if not settings.quick:
        builtins, errors = discover([])
        skipped += [f"broken problem folder: {e.splitlines()[0][:200]}" for e in errors]
        for problem in builtins:
            if problem.reference_path.is_file():
                chosen.append(problem)
            else:
                skipped.append(f"{problem.slug}: no reference/solution.py")
    if settings.problems:
        chosen = [p for p in chosen if p.slug in settings.problems]
    return chosen, skipped


def problem_arg(problem: Problem) -> str:
    return problem.slug if problem.builtin else str(problem.root)


def grade_cli(bench: Bench, problem: Problem) -> Callable[[], Measurement]:
    command = bench.judge_cmd("grade", "--problem", problem_arg(problem), str(problem.reference_path),
                              "--json")
    return lambda: run_timed(command, env=bench.env)


def section_overhead(bench: Bench) -> dict[str, Any]:
    """Per problem: `judge grade` (CLI and in-process) against bare pytest in a long-lived container."""
    reason = bench.docker_unavailable()
    if reason:
        return not_available(reason)
    from judge.backends.docker import DockerBackend, api_client
    from judge.grading import load_submission

    api_client()  # the SDK's import and the connection belong to no measured in-process grade

    problems, skipped = benchmark_problems(bench.settings)
    container = bench.baseline()
    backend = TimedBackend(DockerBackend(image=bench.image))
    rows: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for problem in problems:
        staged = bench.tmp / "bare" / problem.slug
        stage_for_bare_pytest(problem, staged)
        root = f"/bench/{problem.slug}"
        container.copy_in(staged, root)
        submission = load_submission(problem.reference_path)
        threads = max(1, int(problem.limits.cpus))
        bench.progress(f"overhead: {problem.slug} x {bench.settings.runs} runs")

        def bare(root: str = root, threads: int = threads) -> Measurement:
            return bare_pytest(container, root, threads)

        def in_process(problem: Problem = problem, submission: Any = submission) -> Measurement:
            return grade_in_process(problem, submission, backend)

        runs = interleave({"bare": bare, "cli": grade_cli(bench, problem), "in_process": in_process},
                          bench.settings.runs, bench.settings.warmup)
        bench.cli_grades[problem.slug] = runs["cli"]
        bare_s = seconds_of(runs["bare"])
        row: dict[str, Any] = {
            "problem": problem.slug,
            "bare_pytest_s": bare_s,
            "judge_cli_s": seconds_of(runs["cli"]),
            "judge_in_process_s": seconds_of(runs["in_process"]),
            "cli_overhead_s": summarize(paired(runs["cli"], runs["bare"], operator.sub)),
            "in_process_overhead_s": summarize(paired(runs["in_process"], runs["bare"], operator.sub)),
        }
        split = [m.parts for m in runs["in_process"] if m.ok and m.parts]
        row["in_process_parts_s"] = {part: summarize([p[part] for p in split]) for part in PARTS}
        # The sandbox's cost measured directly (everything but the test process): free of pytest's noise.
        row["in_process_sandbox_cost_s"] = summarize([sum(p[k] for k in PARTS if k != "pytest_s") for p in split])
        row["cli_ratio"] = with_ratio(row["judge_cli_s"], median_of(bare_s))
        row["in_process_ratio"] = with_ratio(row["judge_in_process_s"], median_of(bare_s))
        rows.append(row)
        for side, label in (("cli", "`judge grade`"), ("in_process", "grade() in-process")):
            targets.append(target(f"{problem.slug}: {label} at most {OVERHEAD_TARGET_S} s over bare pytest",
                                  median_of(row[f"{side}_overhead_s"]), OVERHEAD_TARGET_S, "at most", "s"))
    return {
        "status": "ok",
        "baseline": "python -m pytest -q -p no:cacheprovider hidden_tests, PYTHONPATH=reference, "
                    "JUDGE_DATA_DIR=data, timed inside one long-lived container of the sandbox image",
        "problems": rows,
        "skipped": skipped,
        "targets": targets,
    }


def section_build(bench: Bench) -> dict[str, Any]:
    """Warm `judge sandbox build`, the image's size, and (with --cold) `judge sandbox build --force`."""
    reason = bench.docker_unavailable()
    if reason:
        return not_available(reason)
    from judge.backends.image import REPOSITORY, content_hash, default_wheelhouse

    def warm() -> Measurement:
        # `judge sandbox build` builds for the content hash (JUDGE_IMAGE does not apply): with that image
        # missing, say sandbox/ edited mid-run, a "warm" build would be a real one of minutes. Refuse.
        current = f"{REPOSITORY}:{content_hash()[:12]}"
        missing = docker_ok(current)
        if missing:
            return Measurement(0.0, ok=False, detail=f"not warm: {missing}")
        return run_timed(bench.judge_cmd("sandbox", "build"), env=bench.env)

    bench.progress(f"build: warm judge sandbox build x {bench.settings.runs} runs")
    warm_s = seconds_of(interleave({"warm": warm}, bench.settings.runs, bench.settings.warmup)["warm"])
    size = image_size(bench.image)
    result: dict[str, Any] = {"status": "ok", "warm_s": warm_s, "image": bench.image,
                              "image_size_bytes": size}
    wheelhouse = bench.settings.wheelhouse or default_wheelhouse()
    if not bench.settings.cold:
        result["cold"] = "not run (pass --cold: it takes minutes)"
    elif not wheelhouse.is_dir():
        result["cold"] = f"not available: no wheelhouse at {wheelhouse}"
    else:
        bench.progress("build: cold judge sandbox build --force --no-cache (minutes)")
        cold = run_timed(bench.judge_cmd("sandbox", "build", "--force", "--no-cache", "--wheelhouse", str(wheelhouse)),
                         env=bench.env)
        result["cold_s"] = seconds_of([cold])
        result["cold"] = f"judge sandbox build --force --no-cache --wheelhouse {wheelhouse}"
    result["targets"] = [
        target(f"warm `judge sandbox build` under {WARM_BUILD_TARGET_S:g} s", median_of(warm_s),
               WARM_BUILD_TARGET_S, "at most", "s"),
        target(f"image at most {IMAGE_TARGET_BYTES / 1e9:.1f} GB", size, IMAGE_TARGET_BYTES, "at most",
               "bytes"),
    ]
    return result


def batch_available() -> str | None:
    """None when `judge grade` can take several submissions; otherwise why not."""
    if importlib.util.find_spec("judge.services.batch") is None:
        return "judge/services/batch.py does not exist yet, so `judge grade` cannot take several submissions"
    return None


def section_batch(bench: Bench) -> dict[str, Any]:
    """Submissions graded per minute for N submissions with --jobs 1 and --jobs 2, interleaved."""
    reason = bench.docker_unavailable() or batch_available()
    if reason:
        return not_available(reason)
    from judge.problems.catalog import find_problem, load_problem

    name = bench.settings.batch_problem or ("tiny-add" if bench.settings.quick else "data-cleaning")
    problem = load_problem(TINY) if name == "tiny-add" else find_problem(name)
    count = bench.settings.batch_size
    reference = problem.reference_path.read_text(encoding="utf-8")
    folders = [str(f) for f in submission_folders(bench.tmp / "batch", reference, count)]
    counter = iter(range(10**6))

    def batch(n: int, submissions: list[str]) -> Callable[[], Measurement]:
        def run() -> Measurement:
            out = bench.tmp / "batch-out" / f"run-{next(counter)}"
            return run_timed(bench.judge_cmd("grade", "--problem", problem_arg(problem), *submissions,
                                             "--jobs", str(n), "--out", str(out)), env=bench.env)
        return run

    probe = batch(1, folders[:2])()
    if not probe.ok:
        reason = " ".join(probe.detail.split())[-300:]
        return not_available(f"`judge grade` with several submissions does not work yet ({reason})")
    bench.progress(f"batch: {count} x {problem.slug}, --jobs 1 and 2 x {bench.settings.runs} runs")
    runs = interleave({"1": batch(1, folders), "2": batch(2, folders)}, bench.settings.runs,
                      bench.settings.warmup)
    bench.batch_runs = runs
    rows: list[dict[str, Any]] = []
    rates: dict[str, dict[str, Any] | None] = {}
    for n, measurements in runs.items():
        rates[n] = summarize([count * 60.0 / m.seconds for m in measurements if m.ok and m.seconds > 0])
        rows.append({"jobs": int(n), "seconds": seconds_of(measurements), "per_minute": rates[n],
                     "host_cpu_s": summarize([m.cpu_s for m in measurements if m.ok and m.cpu_s is not None])})
    speedup = ratio(median_of(rates["2"]), median_of(rates["1"]))
    cores = machine.usable_cores()
    note = "" if cores >= 2 else f"only {cores} core(s): the target assumes 2"
    return {
        "status": "ok", "problem": problem.slug, "submissions": count, "jobs": rows, "speedup": speedup,
        "targets": [target(f"batch: --jobs 2 at least {BATCH_TARGET_SPEEDUP}x the throughput of --jobs 1",
                           speedup if cores >= 2 else None, BATCH_TARGET_SPEEDUP, "at least", "x", note)],
    }


def section_memory(bench: Bench) -> dict[str, Any]:
    """Peak resident memory of the host-side `judge grade` process (wait4's ru_maxrss)."""
    if not bench.cli_grades:
        reason = bench.docker_unavailable()
        if reason:
            return not_available(reason)
        problems, _ = benchmark_problems(bench.settings)
        for problem in problems:
            bench.progress(f"memory: judge grade {problem.slug} x {bench.settings.runs} runs")
            runs = interleave({"cli": grade_cli(bench, problem)}, bench.settings.runs, bench.settings.warmup)
            bench.cli_grades[problem.slug] = runs["cli"]
    rows = [{"what": f"judge grade {slug}", "peak_rss_mib": peak_mib(measurements)}
            for slug, measurements in bench.cli_grades.items()]
    for jobs, measurements in bench.batch_runs.items():
        rows.append({"what": f"judge grade (batch of {bench.settings.batch_size}, --jobs {jobs})",
                     "peak_rss_mib": peak_mib(measurements)})
    return {"status": "ok", "method": "os.wait4 ru_maxrss of the judge process", "rows": rows, "targets": []}


def section_pool(bench: Bench) -> dict[str, Any]:
    """Warm spares against today's cold path: per problem, `judge grade` cold (JUDGE_POOL=off) and warm (a
    spare of the previous call waiting, warmed up), bare pytest in a running container, and a cold container
    that only imports the problem's preloads; the idle memory of a spare; a batch cold and warm."""
    reason = bench.docker_unavailable()
    if reason:
        return not_available(reason)
    from judge.backends.docker import api_client
    from judge.backends.pool import WarmDockerBackend, waiting
    from judge.grading import load_submission

    api = api_client()
    problems, skipped = benchmark_problems(bench.settings)
    container = bench.baseline()
    cold_env = {**bench.env, "JUDGE_POOL": "off"}
    warm_env = {**bench.env, "JUDGE_POOL": "on"}
    rows: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    backends: list[tuple[WarmDockerBackend, Any]] = []
    try:
        for problem in problems:
            pool = WarmDockerBackend(image=bench.image, preload=problem.preload)
            backends.append((pool, problem.limits))
            staged = bench.tmp / "bare-pool" / problem.slug
            stage_for_bare_pytest(problem, staged)
            root = f"/bench-pool/{problem.slug}"
            container.copy_in(staged, root)
            threads = max(1, int(problem.limits.cpus))
            command = bench.judge_cmd("grade", "--problem", problem_arg(problem), str(problem.reference_path),
                                      "--json")
            unsettled: list[int] = []

            def warm(pool: WarmDockerBackend = pool, problem: Problem = problem, command: list[str] = command,
                     unsettled: list[int] = unsettled) -> Measurement:
                # Like a candidate's second `judge test`: the spare the last call left has warmed up.
                key, image_id = pool.key(api, problem.limits)
                spares = waiting(api, key, image_id)
                spare = spares[0]["Id"] if spares else pool.start(problem.limits)
                if not wait_idle(spare):
                    unsettled.append(1)
                measured = run_timed(command, env=warm_env)
                # The spare this call left warms up now: let it finish before the next side is timed, so its
                # imports slow no measured run (a candidate reads the output before the next call).
                for left in waiting(api, key, image_id):
                    wait_idle(left["Id"])
                return measured

            submission = load_submission(problem.reference_path)
            timed = TimedBackend(pool)
            inner_parts: list[dict[str, float]] = []

            def warm_in_process(pool: WarmDockerBackend = pool, problem: Problem = problem,
                                submission: Any = submission, timed: TimedBackend = timed,
                                inner_parts: list[dict[str, float]] = inner_parts,
                                unsettled: list[int] = unsettled) -> Measurement:
                key, image_id = pool.key(api, problem.limits)
                spares = waiting(api, key, image_id)
                if not wait_idle(spares[0]["Id"] if spares else pool.start(problem.limits)):
                    unsettled.append(1)
                measured = grade_in_process(problem, submission, timed)
                if measured.parts is not None and pool.timings:
                    inner_parts.append({**measured.parts, **pool.timings})
                for left in waiting(api, key, image_id):
                    wait_idle(left["Id"])
                return measured

            def bare(root: str = root, threads: int = threads) -> Measurement:
                return bare_pytest(container, root, threads)

            def imports(problem: Problem = problem) -> Measurement:
                return imports_only(bench.image, problem.preload, problem.limits.cpus, problem.limits.memory_bytes)

            def cold(command: list[str] = command) -> Measurement:
                return run_timed(command, env=cold_env)

            bench.progress(f"pool: {problem.slug} cold / warm / warm in-process / bare / imports x "
                           f"{bench.settings.runs} runs")
            runs = interleave({"cold": cold, "warm": warm, "bare": bare, "imports": imports,
                               "warm_in_process": warm_in_process}, bench.settings.runs, bench.settings.warmup)
            spare_ids = [c["Id"] for c in waiting(api, *pool.key(api, problem.limits))]
            memory = None
            if spare_ids and wait_idle(spare_ids[0]):
                memory = spare_memory_bytes(spare_ids[0])
            row: dict[str, Any] = {
                "problem": problem.slug, "preload": list(problem.preload),
                "cold_s": seconds_of(runs["cold"]), "warm_s": seconds_of(runs["warm"]),
                "bare_pytest_s": seconds_of(runs["bare"]), "imports_only_s": seconds_of(runs["imports"]),
                "warm_over_bare_s": summarize(paired(runs["warm"], runs["bare"], operator.sub)),
                "spare_idle_memory_bytes": memory, "unsettled_spares": len(unsettled),
                "warm_in_process_s": seconds_of(runs["warm_in_process"]),
                # host (prepare, claim, remove, refill, interpret), claim, refill, container (attach, stream,
                # the harness's exit, wait), harness (unpack, hand over, go), pytest (in the warm process)
                "warm_in_process_parts_s": {part: summarize([p[part] for p in inner_parts])
                                            for part in (*PARTS, "claim_s", "refill_s")},
            }
            row["warm_vs_cold"] = with_ratio(row["warm_s"], median_of(row["cold_s"]))
            row["warm_vs_imports"] = with_ratio(row["warm_s"], median_of(row["imports_only_s"]))
            rows.append(row)
            if problem.slug == "rag-pipeline":
                targets.append(target("rag-pipeline: warm `judge grade` / cold container that only imports",
                                      row["warm_vs_imports"], WARM_RAG_TARGET_RATIO, "at most", "x"))
                targets.append(target("rag-pipeline: warm `judge grade` (aim)", median_of(row["warm_s"]),
                                      WARM_RAG_TARGET_S, "at most", "s"))
            if problem.slug == "feature-engineering":
                targets.append(target(f"feature-engineering: warm `judge grade` at most {WARM_OVER_BARE_TARGET_S} s "
                                      "over bare pytest", median_of(row["warm_over_bare_s"]),
                                      WARM_OVER_BARE_TARGET_S, "at most", "s"))
        batch = pool_batch(bench, cold_env, warm_env)
        if "speedup" in batch:
            targets.append(target(f"batch: {batch['submissions']} x {batch['problem']} --jobs 2, warm at least "
                                  f"{WARM_BATCH_TARGET_SPEEDUP}x the cold throughput", batch["speedup"],
                                  WARM_BATCH_TARGET_SPEEDUP, "at least", "x"))
    finally:
        for pool, limits in backends:
            pool.trim(limits, keep=0)
    return {"status": "ok", "problems": rows, "batch": batch, "skipped": skipped, "targets": targets,
            "method": "cold: JUDGE_POOL=off; warm: JUDGE_POOL=on with the spare the previous call left, waited "
                      "for until idle (not timed); imports: docker run --rm IMAGE python -c 'import <preload>'"}


def pool_batch(bench: Bench, cold_env: dict[str, str], warm_env: dict[str, str]) -> dict[str, Any]:
    """`judge grade --problem P <N folders> --jobs 2` cold and warm, interleaved; submissions per minute."""
    from judge.problems.catalog import find_problem, load_problem

    name = "tiny-add" if bench.settings.quick else bench.settings.pool_batch_problem
    problem = load_problem(TINY) if name == "tiny-add" else find_problem(name)
    count = 4 if bench.settings.quick else bench.settings.pool_batch_size
    reference = problem.reference_path.read_text(encoding="utf-8")
    folders = [str(f) for f in submission_folders(bench.tmp / "pool-batch", reference, count)]
    counter = iter(range(10**6))

    def side(env: dict[str, str]) -> Callable[[], Measurement]:
        def run() -> Measurement:
            out = bench.tmp / "pool-batch-out" / f"run-{next(counter)}"
            before = machine_busy_s()
            measured = run_timed(bench.judge_cmd("grade", "--problem", problem_arg(problem), *folders, "--jobs",
                                                 "2", "--out", str(out)), env=env)
            return replace(measured, parts={"machine_cpu_s": machine_busy_s() - before})
        return run

    bench.progress(f"pool: batch of {count} x {problem.slug} --jobs 2, cold and warm x {bench.settings.runs} runs")
    runs = interleave({"cold": side(cold_env), "warm": side(warm_env)}, bench.settings.runs, bench.settings.warmup)
    rates = {n: summarize([count * 60.0 / m.seconds for m in ms if m.ok and m.seconds > 0]) for n, ms in runs.items()}
    cpu = {n: summarize([m.parts["machine_cpu_s"] / count for m in ms if m.ok and m.parts]) for n, ms in runs.items()}
    cores = os.cpu_count() or 1
    return {"problem": problem.slug, "submissions": count, "jobs": 2, "cores": cores,
            "cold_s": seconds_of(runs["cold"]), "warm_s": seconds_of(runs["warm"]),
            "cold_per_minute": rates["cold"], "warm_per_minute": rates["warm"],
            "cold_cpu_per_submission_s": cpu["cold"], "warm_cpu_per_submission_s": cpu["warm"],
            # If every core were busy all the time, this many per minute: the most any scheduling could give.
            "cold_cpu_bound_per_minute": per_minute_bound(cores, median_of(cpu["cold"])),
            "warm_cpu_bound_per_minute": per_minute_bound(cores, median_of(cpu["warm"])),
            "speedup": ratio(median_of(rates["warm"]), median_of(rates["cold"]))}


def machine_busy_s() -> float:
    """CPU seconds this machine has spent busy (all cores, every process and container: /proc/stat's user,
    nice, system, irq, softirq and steal) since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def per_minute_bound(cores: int, cpu_per_submission: float | None) -> float | None:
    return None if not cpu_per_submission else cores * 60.0 / cpu_per_submission


def peak_mib(measurements: list[Measurement]) -> dict[str, Any] | None:
    return summarize([m.peak_rss_kib / 1024 for m in measurements if m.peak_rss_kib])


SECTION_FUNCTIONS: dict[str, Callable[[Bench], dict[str, Any]]] = {
    "cli": section_cli, "floor": section_floor, "overhead": section_overhead, "build": section_build,
    "batch": section_batch, "memory": section_memory, "pool": section_pool,
}


# -- the command -----------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, help="kept runs per measurement (default 5; 1 with --quick)")
    parser.add_argument("--warmup", type=int, help="discarded rounds before them (default 1; 0 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a tiny setting: 1 run, the tiny fixture only")
    parser.add_argument("--only", action="append", default=[], metavar="SECTIONS",
                        help=f"comma-separated sections to run, of: {', '.join(SECTIONS)}")
    parser.add_argument("--cold", action="store_true", help="also time a cold `judge sandbox build --force`")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON file to write")
    parser.add_argument("--wheelhouse", type=Path, help="wheelhouse for --cold (default: the judge's cache)")
    parser.add_argument("--batch-problem", help="problem for the batch section (default data-cleaning)")
    parser.add_argument("--batch-size", type=int, default=8, help="submissions in a batch (default 8)")
    parser.add_argument("--pool-batch-problem", default="rag-pipeline",
                        help="problem for the pool section's batch (default rag-pipeline)")
    parser.add_argument("--pool-batch-size", type=int, default=16,
                        help="submissions in the pool section's batch (default 16)")
    parser.add_argument("--problem", action="append", default=[], metavar="SLUG",
                        help="only this problem in the overhead and memory sections (repeatable)")
    args = parser.parse_args(argv)
    only = tuple(s.strip() for group in args.only for s in group.split(",") if s.strip())
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    runs = args.runs if args.runs is not None else (1 if args.quick else 5)
    warmup = args.warmup if args.warmup is not None else (0 if args.quick else 1)
    if runs < 1 or warmup < 0 or args.batch_size < 1:
        parser.error("--runs and --batch-size must be at least 1, --warmup at least 0")
    return Settings(runs=runs, warmup=warmup, quick=args.quick, only=only or SECTIONS, cold=args.cold,
                    output=args.output, wheelhouse=args.wheelhouse, batch_problem=args.batch_problem,
                    batch_size=args.batch_size, problems=tuple(args.problem),
                    pool_batch_problem=args.pool_batch_problem, pool_batch_size=max(1, args.pool_batch_size))


def judge_executable() -> str | None:
    """The `judge` console script beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "judge"
    if beside.is_file():
        return str(beside)
    return shutil.which("judge")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically (a .tmp file renamed over the target)."""
    atomic_write(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def failed_runs(sections: dict[str, Any]) -> bool:
    """Did any measured command fail (in any section, at any depth)?"""
    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            return bool(node.get("failed")) or node.get("status") == "error" or any(map(walk, node.values()))
        if isinstance(node, list):
            return any(map(walk, node))
        return False
    return walk(sections)


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    judge = judge_executable()
    if judge is None:
        print("error: the `judge` command is not installed: pip install -e . (in the project's venv)",
              file=sys.stderr)
        return 2
    from judge.backends.image import expected_tag

    started = time.time()
    facts = machine.describe()
    tmp = Path(tempfile.mkdtemp(prefix="ml-judge-bench-"))
    # Without PYTHONDONTWRITEBYTECODE: the untimed first calls and the warm-up round compile the judge's
    # modules once and keep the bytecode, as an installed judge has it; otherwise every timed start-up
    # would compile them again.
    env = {k: v for k, v in os.environ.items() if k not in ("JUDGE_PROBLEMS_PATH", "PYTHONDONTWRITEBYTECODE")}
    env["JUDGE_HOME"] = str(tmp / "judge-home")
    image = expected_tag()
    # Every side grades with the image of the run's start, even if sandbox/ is edited meanwhile.
    env["JUDGE_IMAGE"] = image
    # Today's cold path everywhere but the pool section, which sets JUDGE_POOL itself for each side.
    env["JUDGE_POOL"] = "off"
    bench = Bench(settings=settings, tmp=tmp, judge=judge, image=image, env=env)
    sections: dict[str, Any] = {}
    try:
        for name in SECTIONS:
            if name not in settings.only:
                sections[name] = {"status": "skipped"}
                continue
            try:
                sections[name] = SECTION_FUNCTIONS[name](bench)
            except Exception as exc:  # a benchmark reports what broke and goes on with the next section
                sections[name] = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    finally:
        bench.close()
        shutil.rmtree(tmp, ignore_errors=True)
    facts["load_average_end"] = machine.load_average()
    facts["image"] = bench.image
    results = {
        "schema_version": SCHEMA_VERSION,
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.time() - started, 1),
        "settings": settings.to_dict(),
        "machine": facts,
        "sections": sections,
        "targets": [t for s in sections.values() for t in s.get("targets", [])],
    }
    print(render(results))
    write_json(settings.output, results)
    print(f"\nwrote {settings.output}")
    return 1 if failed_runs(sections) else 0
