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
