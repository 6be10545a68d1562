"""Warm spares without Docker: what makes spares interchangeable (the key), when a spare's run counts as not
run (the fallback rule), the ``preload`` key of problem.toml, and the harness's spare mode itself, run as a
local subprocess (the container adds isolation, not protocol)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from judge.backends import SandboxRun
from judge.backends.pool import enabled, refused, spare_key
from judge.grading import SolutionText, prepare
from judge.model.limits import Limits
from judge.paths import sandbox_dir
from judge.problems.catalog import ProblemError, load_problem
from sandbox import protocol

from .conftest import TINY

RUNTIME = {protocol.RUN_AS: None, protocol.THREADS: 1}


def test_the_key_changes_with_image_limits_runtime_preloads_and_session(monkeypatch: pytest.MonkeyPatch) -> None:
    base = spare_key("sha256:a", Limits(), RUNTIME, ["torch", "numpy"])
    assert base == spare_key("sha256:a", Limits(), RUNTIME, ["numpy", "torch", "numpy"]), "a set, not a list"
    others = [
        spare_key("sha256:b", Limits(), RUNTIME, ["torch", "numpy"]),
        spare_key("sha256:a", Limits(timeout_s=60), RUNTIME, ["torch", "numpy"]),
        spare_key("sha256:a", Limits(), {**RUNTIME, protocol.THREADS: 2}, ["torch", "numpy"]),
        spare_key("sha256:a", Limits(), RUNTIME, ["torch"]),
    ]
    monkeypatch.setenv("JUDGE_SESSION", "another-session")
    others.append(spare_key("sha256:a", Limits(), RUNTIME, ["torch", "numpy"]))
    assert base not in others and len(set(others)) == len(others)


@pytest.mark.parametrize(("run", "fallback"), [
    (SandboxRun(stdout=b"", exit_code=0), True),  # ended without reading the bundle (expired meanwhile)
    (SandboxRun(stdout=b'{"spare_refused": "limits differ", "nonce": "x"}\n', exit_code=0), True),
    (SandboxRun(stdout=b"", exit_code=137, oom_killed=True), False),  # it ran: the verdict says what happened
    (SandboxRun(stdout=b"", exit_code=None, timed_out=True), False),
    (SandboxRun(stdout=b'{"protocol_version": 2, "results": []}\n', exit_code=0), False),
    (SandboxRun(stdout=b'{"spare_refused": ""}\n', exit_code=0), False),
])
def test_only_a_spare_that_ran_nothing_falls_back_to_cold(run: SandboxRun, fallback: bool) -> None:
    assert refused(run) is fallback


@pytest.mark.parametrize(("value", "on"), [(None, True), ("on", True), ("off", False), ("0", False),
                                           ("False", False)])
def test_the_pool_setting(monkeypatch: pytest.MonkeyPatch, value: str | None, on: bool) -> None:
    if value is None:
        monkeypatch.delenv("JUDGE_POOL", raising=False)
    else:
        monkeypatch.setenv("JUDGE_POOL", value)
    assert enabled() is on


def copy_tiny(tmp_path: Path, extra: str) -> Path:
    import shutil

    root = tmp_path / "tiny-add"
    shutil.copytree(TINY, root)
    toml = root / "problem.toml"
    toml.write_text(toml.read_text() + extra)
    return root


def test_preload_is_read_from_problem_toml(tmp_path: Path) -> None:
    text = (TINY / "problem.toml").read_text()
    root = copy_tiny(tmp_path, "")
    (root / "problem.toml").write_text(text.replace("[limits]", 'preload = ["numpy", "sklearn.tree", "numpy"]\n\n'
                                                                "[limits]", 1) if "[limits]" in text
                                      else text + 'preload = ["numpy", "sklearn.tree", "numpy"]\n')
    assert load_problem(root).preload == ("numpy", "sklearn.tree")
    assert load_problem(TINY).preload == ()


@pytest.mark.parametrize("bad", ['"numpy"', '["os; rm -rf"]', "[1]", '["../x"]'])
def test_a_bad_preload_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    text = (TINY / "problem.toml").read_text()
    root = copy_tiny(tmp_path, "")
    line = f"preload = {bad}\n"
    (root / "problem.toml").write_text(line + text)
    with pytest.raises(ProblemError, match="preload must be a list of module names"):
        load_problem(root)


# -- the harness in spare mode, as a local subprocess ------------------------------------------------

def start_spare(tmp_path: Path, limits: Limits, idle_s: float = 60.0, preload: tuple[str, ...] = ("json",)
                ) -> subprocess.Popen[bytes]:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    config = {protocol.SPARE_RUNTIME: RUNTIME, protocol.SPARE_LIMITS: limits.to_dict(),
              protocol.SPARE_PRELOAD: list(preload), protocol.SPARE_IDLE_S: idle_s}
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUDGE_")}
    env[protocol.ENV_SPARE] = json.dumps(config)
    return subprocess.Popen([sys.executable, "-I", str(sandbox_dir() / "harness.py"), "--scratch", str(scratch)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)


def send(spare: subprocess.Popen[bytes], *bundles: bytes, runtime: dict[str, Any] = RUNTIME) -> list[dict[str, Any]]:
    frames = b"".join(protocol.frame(json.dumps(runtime).encode()) + protocol.frame(b) for b in bundles)
    stdout, _ = spare.communicate(frames, timeout=120)
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


def tiny_job(limits: Limits, source: str | None = None) -> Any:
    problem = load_problem(TINY)
    text = source if source is not None else (TINY / "reference" / "solution.py").read_text()
    return prepare(problem, SolutionText.from_source(text), limits=limits)


def test_a_spare_runs_its_one_bundle_in_process_with_the_plugin(tmp_path: Path) -> None:
    limits = load_problem(TINY).limits
    wrong = (TINY / "known_mistakes" / "subtracts.py").read_text()
    first, second = tiny_job(limits), tiny_job(limits, wrong)
    documents = send(start_spare(tmp_path, limits), first.bundle, second.bundle)
    assert len(documents) == 1, "one bundle, one document; the second bundle is never read"
    document = documents[0]
    assert protocol.document_problem(document, first.nonce) is None, document
    outcomes = {r["id"]: r["outcome"] for r in document["results"]}
    assert outcomes.pop("test_zz_judge_canary.py::test_judge_canary") == "failed", "the canary ran and failed"
    assert set(outcomes.values()) == {"passed"} and document["finished"]
    assert document["child"]["exit_code"] == 1  # pytest's "some failed": the canary


def test_a_spare_refuses_a_run_for_other_limits_or_another_runtime(tmp_path: Path) -> None:
    limits = load_problem(TINY).limits
    other = tiny_job(limits.with_overrides(test_timeout_s=limits.test_timeout_s - 1))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    [document] = send(start_spare(tmp_path / "a", limits), other.bundle)
    assert "limits" in document[protocol.SPARE_REFUSED] and "results" not in document
    [document] = send(start_spare(tmp_path / "b", limits), tiny_job(limits).bundle,
                      runtime={**RUNTIME, protocol.THREADS: 2})
    assert "runtime" in document[protocol.SPARE_REFUSED]


def test_an_idle_spare_exits_by_itself_with_nothing_printed(tmp_path: Path) -> None:
    spare = start_spare(tmp_path, load_problem(TINY).limits, idle_s=0.5)
    started = time.monotonic()
    stdout, _ = spare.communicate(timeout=60)
    assert spare.returncode == 0 and stdout == b""
    assert time.monotonic() - started < 30


def test_a_spare_whose_preload_fails_ends_before_any_bundle(tmp_path: Path) -> None:
    spare = start_spare(tmp_path, load_problem(TINY).limits, preload=("no_such_module_for_the_judge",))
    stdout, _ = spare.communicate(timeout=60)
    assert spare.returncode == 0 and stdout == b""


def test_the_judges_own_modules_are_never_preloaded(tmp_path: Path) -> None:
    spare = start_spare(tmp_path, load_problem(TINY).limits, preload=("judge_plugin",))
    stdout, _ = spare.communicate(timeout=60)
    assert spare.returncode == 0 and stdout == b"", "the spare ended: its plugin must read this run's nonce"


class PruneAPI:
    """The few Docker calls `prune_containers` makes, over a list of containers as the engine lists them."""

    def __init__(self, containers: list[dict[str, Any]]) -> None:
        self.listed = containers
        self.removed: list[str] = []
        self.renamed: list[str] = []

    def containers(self, all: bool, filters: dict[str, Any]) -> list[dict[str, Any]]:
        return self.listed

    def rename(self, container_id: str, name: str) -> None:
        self.renamed.append(container_id)

    def remove_container(self, container_id: str, force: bool) -> None:
        self.removed.append(container_id)


def test_prune_leaves_the_runs_in_progress_alone() -> None:
    """`judge sandbox prune` force-removed every labelled container, so a `judge grade` or `judge serve`
    grading in another terminal ended as the judge's own error."""
    from judge.backends.pool import CLAIMED_PREFIX, prune_containers

    now = 1000.0

    def box(cid: str, role: str, state: str = "running", deadline: float = now + 100, name: str = "") -> dict[str, Any]:
        return {"Id": cid * 12, "State": state, "Names": [f"/{name or cid}"],
                "Labels": {"ml-judge": role, "ml-judge.deadline": str(deadline)}}

    api = PruneAPI([
        box("a", "sandbox"),  # a cold run in progress
        box("b", "spare", name=CLAIMED_PREFIX + "b"),  # a claimed spare: a warm run in progress
        box("c", "spare"),  # an idle spare
        box("d", "sandbox", state="created"),  # never started
        box("e", "sandbox", deadline=now - 1),  # past its deadline
    ])
    removed, live = prune_containers(api, now=now)
    assert live == 2 and sorted(r[0] for r in removed) == ["c", "d", "e"]
    assert api.renamed == ["c" * 12], "an idle spare is claimed before it is removed"
