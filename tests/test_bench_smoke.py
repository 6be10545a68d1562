"""The benchmark's pure core (interleaving, summaries, targets, the table) and a smoke run of the command.

No test here looks at a time: benchmarks report figures, they never pass or fail on them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import failed_runs, parse_args
from bench.stats import Measurement, interleave, paired, ratio, rotated, seconds_of, summarize, target
from bench.table import render

REPO = Path(__file__).resolve().parent.parent


def test_rotated_moves_each_side_first_in_turn() -> None:
    assert [rotated(["a", "b", "c"], turn)[0] for turn in range(4)] == ["a", "b", "c", "a"]
    assert rotated([], 3) == []


def test_interleave_alternates_sides_and_discards_warmup() -> None:
    calls: list[str] = []

    def side(name: str, value: float):  # type: ignore[no-untyped-def]
        def run() -> Measurement:
            calls.append(name)
            return Measurement(value + len(calls))
        return run

    kept = interleave({"judge": side("judge", 10.0), "bare": side("bare", 0.0)}, runs=2, warmup=1)
    assert calls == ["judge", "bare", "bare", "judge", "judge", "bare"]
    assert [m.seconds for m in kept["judge"]] == [14.0, 15.0]
    assert [m.seconds for m in kept["bare"]] == [3.0, 6.0]


def test_summarize_reports_median_and_spread() -> None:
    summary = summarize([3.0, 1.0, 2.0, 10.0])
    assert summary is not None
    assert summary["median"] == 2.5
    assert (summary["min"], summary["max"], summary["spread"]) == (1.0, 10.0, 9.0)
    assert summary["samples"] == [3.0, 1.0, 2.0, 10.0]
    assert summarize([]) is None


def test_failed_runs_are_counted_not_averaged() -> None:
    runs = [Measurement(1.0), Measurement(99.0, ok=False, detail="exit 3: no image"), Measurement(3.0)]
    summary = seconds_of(runs)
    assert summary["median"] == 2.0
    assert summary["failed"] == 1 and summary["failure"] == "exit 3: no image"
    assert failed_runs({"overhead": {"problems": [{"judge_cli_s": summary}]}})
    assert not failed_runs({"cli": {"status": "ok", "commands": [{"seconds": seconds_of(runs[:1])}]}})


def test_paired_differences_skip_rounds_where_a_side_failed() -> None:
    judge = [Measurement(2.0), Measurement(5.0, ok=False), Measurement(2.5)]
    bare = [Measurement(1.5), Measurement(1.0), Measurement(2.0)]
    assert paired(judge, bare, lambda a, b: a - b) == [0.5, 0.5]


def test_targets_report_met_missed_or_no_figure() -> None:
    assert target("t", 0.3, 0.35, "at most", "s")["met"] is True
    assert target("t", 0.4, 0.35, "at most", "s")["met"] is False
    assert target("t", 1.8, 1.7, "at least", "x")["met"] is True
    assert target("t", None, 1.7, "at least", "x")["met"] is None
    assert ratio(1.0, 0.0) is None and ratio(3.0, 2.0) == 1.5
    with pytest.raises(ValueError):
        target("t", 1.0, 1.0, "about", "s")


def test_parse_args_rejects_unknown_sections_and_quick_means_one_run() -> None:
    settings = parse_args(["--quick", "--only", "cli,floor"])
    assert (settings.runs, settings.warmup, settings.only) == (1, 0, ("cli", "floor"))
    assert parse_args([]).runs == 5
    with pytest.raises(SystemExit) as raised:
        parse_args(["--only", "nope"])
    assert raised.value.code == 2


def test_table_shows_not_available_sections_and_missed_targets() -> None:
    results = {
        "started_at": "2026-01-01T00:00:00+00:00",
        "settings": {"runs": 1, "warmup": 0},
        "machine": {"cores": 2, "memory_bytes": 2 * 1024**3, "docker_version": "20.10", "git_commit": "abc",
                    "git_dirty": False, "image": "img"},
        "sections": {
            "batch": {"status": "not available", "reason": "judge/batch.py does not exist yet"},
            "cli": {"status": "skipped"},
        },
        "targets": [target("warm build under 5 s", 7.5, 5.0, "at most", "s")],
    }
    text = render(results)
    assert "not available: judge/batch.py does not exist yet" in text
    assert "7.500 s  missed" in text
    assert "CLI start-up" not in text


def test_bench_quick_cli_runs_and_writes_json(tmp_path: Path, judge_home: Path) -> None:
    output = tmp_path / "latest.json"
    command = [sys.executable, "-m", "bench", "--quick", "--only", "cli", "--output", str(output)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "CLI start-up" in done.stdout
    data = json.loads(output.read_text())
    assert data["schema_version"] == 1
    assert {"cores", "memory_bytes", "docker_version", "git_commit"} <= set(data["machine"])
    assert set(data["sections"]) == {"cli", "floor", "overhead", "build", "batch", "memory", "pool"}
    cli = data["sections"]["cli"]
    assert cli["status"] == "ok"
    names = [c["name"] for c in cli["commands"]]
    assert names[:4] == ["python -c pass", "judge --help", "judge list", "judge status"]
    assert all(c["seconds"]["runs"] == 1 and c["seconds"]["median"] > 0 for c in cli["commands"])
    assert data["sections"]["overhead"] == {"status": "skipped"}
    assert [t["met"] in (True, False) for t in data["targets"]] == [True] * 5  # the five start-up targets


def test_interview_load_percentiles_are_values_of_the_samples() -> None:
    from bench.interviews import latency_table, percentile

    samples = [0.010, 0.020, 0.030, 0.040, 1.0]
    assert percentile(samples, 0.5) == 0.030 and percentile(samples, 0.95) == 1.0 and percentile([0.2], 0.95) == 0.2
    assert latency_table({"GET /x": samples, "GET /none": []}) == [
        {"route": "GET /x", "calls": 5, "median_ms": 30.0, "p95_ms": 1000.0, "max_ms": 1000.0}]


def test_interview_load_smoke_every_check_holds(tmp_path: Path) -> None:
    """Three candidates, no Docker: the script starts its server, runs the interviews and checks them."""
    done = subprocess.run([sys.executable, "-m", "bench.interviews", "--candidates", "3", "--backend", "local",
                           "--timeout", "120", "--output", str(tmp_path / "load.json")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "load.json").read_text())
    assert all(result["checks"].values()) and {r["route"] for r in result["routes"]} >= {"POST /start"}
