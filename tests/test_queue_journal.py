"""The sender's journal of in-flight jobs (`judge grade --broker --out DIR`), on a real Redis: a job is in
the journal from before it is sent until its result is read, and a rerun after a killed sender cancels
what it left. The whole story with workers and Docker is in tests/test_queue_redis.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.backends import SandboxRun
from judge.execution.queue import JOURNAL, JobJournal, QueueRunner, run_record
from judge.model.limits import Limits
from sandbox.protocol import PROTOCOL_VERSION

pytestmark = pytest.mark.redis


def test_a_job_is_journalled_from_before_it_is_sent_until_its_result_is_read(
        tmp_path: Path, broker_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = QueueRunner(broker_url, image="ml-judge-sandbox:test")
    journal = JobJournal(tmp_path / JOURNAL)
    runner.settle(journal)
    seen: list[list[str]] = []

    def send(job: str, *args: object) -> None:
        seen.append(journal.left_over())
        runner.results.put(job, run_record(SandboxRun(stdout=b"{}", exit_code=0), "w"))

    monkeypatch.setattr(runner, "_send", send)
    try:
        runner.run(b"bundle", Limits())
    finally:
        runner.close()
    assert len(seen) == 1 and len(seen[0]) == 1
    assert journal.left_over() == []


def test_a_rerun_cancels_the_jobs_a_killed_sender_left(tmp_path: Path, broker_url: str) -> None:
    left = JobJournal(tmp_path / JOURNAL)
    for job in ("a" * 32, "b" * 32, "c" * 32):
        left.add(job)  # as a sender killed mid-batch leaves them
    first = QueueRunner(broker_url, image="ml-judge-sandbox:test")
    try:
        first.results.put("c" * 32, run_record(SandboxRun(stdout=b"{}", exit_code=0), "w"))  # finished before
        settled = QueueRunner(broker_url, image="ml-judge-sandbox:test").settle(JobJournal(tmp_path / JOURNAL))
        assert (settled.cancelled, settled.finished) == (2, 1)
        assert first.results.cancelled("a" * 32) and first.results.cancelled("b" * 32)
        assert not first.results.cancelled("c" * 32)
    finally:
        first.close()
    assert json.loads((tmp_path / JOURNAL).read_text())["jobs"] == {}


def test_a_damaged_journal_settles_nothing(tmp_path: Path, broker_url: str) -> None:
    (tmp_path / JOURNAL).write_text("{not json")
    runner = QueueRunner(broker_url, image="ml-judge-sandbox:test")
    try:
        assert runner.settle(JobJournal(tmp_path / JOURNAL)).cancelled == 0
    finally:
        runner.close()


# -- adopting what a killed sender left running or finished ------------------------------------------

def _document(nonce: str) -> bytes:
    document = {"protocol_version": PROTOCOL_VERSION, "nonce": nonce, "results": {}}
    return b"harness chatter\n" + json.dumps(document).encode() + b"\n"


def test_a_job_digest_ignores_the_nonce_and_nothing_else() -> None:
    from judge.execution.queue import job_digest

    limits = Limits()
    bundle = b"settings, submission A"
    same = job_digest(bundle, "", limits, "img")
    assert job_digest(b"X" + b"1" * 32 + b"Y", "1" * 32, limits, "img") == job_digest(
        b"X" + b"2" * 32 + b"Y", "2" * 32, limits, "img")
    assert job_digest(b"X" + b"1" * 32 + b"Y", "1" * 32, limits, "img") != job_digest(
        b"X" + b"1" * 32 + b"Z", "1" * 32, limits, "img")  # another submission
    assert same != job_digest(bundle, "", limits, "other-image")
    assert same != job_digest(bundle, "", limits.with_overrides(timeout_s=7.0), "img")
    assert same != job_digest(bundle, "", limits, "img", ("numpy",))


def test_a_run_is_checked_against_the_nonce_it_ran_under(tiny_problem: object) -> None:
    """An adopted run carries its first sender's nonce (from the journal): its result is checked against that
    one, and a document under any other nonce (the rerun's own included) fails closed."""
    from judge.grading import finish, prepare
    from judge.model.submission import SolutionText

    from .test_batch_docker import REFERENCE

    job = prepare(tiny_problem, SolutionText.from_source(REFERENCE))  # type: ignore[arg-type]

    def checked(document: bytes, nonce: str = "") -> str:
        """Which check the run failed first: "nonce", or "shape" (its nonce held; no tests came back)."""
        detail = finish(job, SandboxRun(stdout=document, exit_code=0, nonce=nonce), {}).detail
        assert "failed the nonce check" in detail or "no valid 'results'" in detail, detail
        return "nonce" if "nonce" in detail else "shape"

    assert checked(_document("old"), nonce="old") == "shape"
    assert checked(_document("forged"), nonce="old") == "nonce"
    assert checked(_document(job.nonce), nonce="old") == "nonce"
    assert checked(_document(job.nonce)) == "shape"
    assert checked(_document("old")) == "nonce"


def test_a_rerun_adopts_a_finished_or_running_job_that_grades_the_same_submission(
        tmp_path: Path, broker_url: str, tiny_problem: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.execution.queue import job_digest
    from judge.grading import finish, prepare
    from judge.model.submission import SolutionText

    from .test_batch_docker import REFERENCE, SUBTRACTS

    old_same = prepare(tiny_problem, SolutionText.from_source(REFERENCE))  # type: ignore[arg-type]
    old_other = prepare(tiny_problem, SolutionText.from_source(SUBTRACTS))  # type: ignore[arg-type]
    image = "ml-judge-sandbox:test"
    left = JobJournal(tmp_path / JOURNAL)
    left.add("a" * 32, job_digest(old_same.bundle, old_same.nonce, old_same.limits, image, old_same.preload),
             old_same.nonce)  # finished: its result is in Redis
    left.add("b" * 32, job_digest(old_other.bundle, old_other.nonce, old_other.limits, image, old_other.preload),
             old_other.nonce)  # running, but the rerun does not grade that submission
    left.add("c" * 32, "d" * 64, "e" * 32)  # still queued: cancelled
    runner = QueueRunner(broker_url, image=image)
    try:
        runner.results.put("a" * 32, run_record(SandboxRun(stdout=_document(old_same.nonce), exit_code=0), "w"))
        runner.results.beat("b" * 32, "w")
        settled = runner.settle(JobJournal(tmp_path / JOURNAL))
        assert (settled.cancelled, settled.finished, settled.running) == (1, 1, 1)
        assert runner.results.cancelled("c" * 32) and not runner.results.cancelled("a" * 32)
        assert set(json.loads((tmp_path / JOURNAL).read_text())["jobs"]) == {"a" * 32, "b" * 32}

        def never(*args: object) -> None:
            raise AssertionError("an adopted submission was published again")

        monkeypatch.setattr(runner, "_send", never)
        rerun = prepare(tiny_problem, SolutionText.from_source(REFERENCE))  # type: ignore[arg-type]
        assert rerun.nonce != old_same.nonce
        run = runner(rerun)
        # The adopted result passes the nonce check (no tests came back: an error, but a trusted one).
        assert "no valid 'results'" in finish(rerun, run, {}).detail
        assert run.nonce == old_same.nonce and run.stdout == _document(old_same.nonce)  # checked as it ran
        runner.release()  # the running job nobody adopted is cancelled and leaves the journal
        assert runner.results.cancelled("b" * 32)
        assert json.loads((tmp_path / JOURNAL).read_text())["jobs"] == {}
    finally:
        runner.close()


def test_an_adopted_job_whose_worker_is_lost_is_published_anew(
        tmp_path: Path, broker_url: str, tiny_problem: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.execution import queue
    from judge.execution.queue import sender
    from judge.grading import prepare
    from judge.model.submission import SolutionText

    from .test_batch_docker import REFERENCE

    old = prepare(tiny_problem, SolutionText.from_source(REFERENCE))  # type: ignore[arg-type]
    image = "ml-judge-sandbox:test"
    left = JobJournal(tmp_path / JOURNAL)
    left.add("a" * 32, queue.job_digest(old.bundle, old.nonce, old.limits, image, old.preload), old.nonce)
    monkeypatch.setattr(sender, "HEARTBEAT_S", 0.05)
    runner = QueueRunner(broker_url, image=image)
    try:
        assert runner.results.begin("a" * 32, 1, "w") == 1  # started, heartbeat live
        assert runner.settle(JobJournal(tmp_path / JOURNAL)).running == 1
        runner.results.client.delete(queue.KEY + "alive:" + "a" * 32)  # its worker died: no more heartbeats
        sent: list[str] = []

        def send(job: str, kwargs: dict[str, object]) -> None:
            sent.append(job)
            runner.results.put(job, run_record(SandboxRun(stdout=b"{}", exit_code=0), "w"))

        monkeypatch.setattr(runner, "_send", send)
        runner(prepare(tiny_problem, SolutionText.from_source(REFERENCE)))  # type: ignore[arg-type]
        assert len(sent) == 1 and sent[0] != "a" * 32
        assert runner.results.cancelled("a" * 32)
    finally:
        runner.close()


# -- heartbeats and generations ------------------------------------------------------------------

def test_a_lost_worker_s_job_gets_a_new_generation_and_the_old_copy_is_skipped(broker_url: str) -> None:
    from judge.execution.queue import KEY, MAX_ATTEMPTS, SUPERSEDE_OUT_OF_RUNS, Results, redis_client

    results = Results(redis_client(broker_url))
    job = "f" * 32
    try:
        assert results.supersede(job) == 0  # not started: still queued, nothing to recover
        assert results.begin(job, 1, "w1") == 1
        assert results.alive(job) and results.supersede(job) == 0  # its worker beats
        results.client.delete(KEY + "alive:" + job)  # ... until it is killed
        assert results.lost(job)
        assert results.supersede(job) == 2 and results.generation(job) == 2
        assert not results.lost(job) and results.supersede(job) == 0  # generation 2 not started yet: no 3rd copy
        assert results.begin(job, 1, "w2") == "superseded"  # the old message, redelivered later
        assert results.starts(job) == 1
        assert results.begin(job, 2, "w2") == 2
        for run in range(3, MAX_ATTEMPTS + 1):
            results.client.delete(KEY + "alive:" + job)
            assert results.supersede(job) == run
            assert results.begin(job, run, "w") == run
        results.client.delete(KEY + "alive:" + job)
        assert results.supersede(job) == SUPERSEDE_OUT_OF_RUNS  # the limit of runs holds
        results.put(job, run_record(SandboxRun(stdout=b"{}", exit_code=0), "w"))
        assert results.begin(job, MAX_ATTEMPTS, "w") == "done" and results.supersede(job) == 0
        results.cancel(["e" * 32])
        assert results.begin("e" * 32, 1, "w") == "cancelled"
    finally:
        results.client.close()


def test_a_sender_republishes_a_job_whose_heartbeat_lapsed_and_reports_one_that_ran_out_of_runs(
        broker_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.execution import queue
    from judge.execution.queue import sender

    monkeypatch.setattr(sender, "HEARTBEAT_S", 0.05)
    monkeypatch.setattr(sender, "WAIT_STEP_S", 0.05)
    runner = QueueRunner(broker_url, image="ml-judge-sandbox:test")
    sent: list[int] = []

    def send(job: str, kwargs: dict[str, object]) -> None:  # a worker that starts each copy and dies at once
        generation = int(kwargs.get("generation", 1))  # type: ignore[call-overload]
        sent.append(generation)
        assert runner.results.begin(job, generation, "w") == generation
        runner.results.client.delete(queue.KEY + "alive:" + job)

    monkeypatch.setattr(runner, "_send", send)
    try:
        run = runner.run(b"bundle", Limits())
    finally:
        runner.close()
    assert sent == [1, 2, 3]
    assert run.refused and f"started {queue.MAX_ATTEMPTS} time(s)" in run.refused
