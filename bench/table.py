"""The terminal table: the results document in, plain text out (no I/O, no colour, easy to paste)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bench.stats import verdict_word


def seconds(summary: Mapping[str, Any] | None, digits: int = 3) -> str:
    """``median (min-max)`` in seconds, or why there is no figure."""
    if not summary or summary.get("median") is None:
        return "failed" if summary and summary.get("failed") else "-"
    text = f"{summary['median']:.{digits}f} ({summary['min']:.{digits}f}-{summary['max']:.{digits}f})"
    if summary.get("failed"):
        text += f" [{summary['failed']} failed]"
    return text


def signed(summary: Mapping[str, Any] | None) -> str:
    """A median difference with its sign and range."""
    if not summary or summary.get("median") is None:
        return "-"
    return f"{summary['median']:+.3f} ({summary['min']:+.3f}..{summary['max']:+.3f})"


def plain(summary: Mapping[str, Any] | None) -> str:
    """``median (min-max)`` with one decimal, for rates and sizes."""
    if not summary or summary.get("median") is None:
        return "-"
    return f"{summary['median']:.1f} ({summary['min']:.1f}-{summary['max']:.1f})"


def one_decimal(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def number(summary: Mapping[str, Any] | None) -> str:
    """Just the median, three decimals."""
    if not summary or summary.get("median") is None:
        return "-"
    return f"{summary['median']:.3f}"


def times(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def size(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1e9:.2f} GB ({value / 1024**3:.2f} GiB)"


def grid(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A fixed-width table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def target_mark(targets: Sequence[Mapping[str, Any]], fragment: str) -> str:
    for t in targets:
        if fragment in t["name"]:
            return verdict_word(t["met"])
    return ""


def render_cli(section: Mapping[str, Any]) -> str:
    rows = [[c["name"], seconds(c["seconds"]), times(c["ratio"]), signed(c.get("over_floor_s")),
             target_mark(section["targets"], f"`{c['name']}` starts")] for c in section["commands"]]
    text = grid(["command", "seconds: median (min-max)", "vs python -c pass", "minus python -c pass s",
                 "target <=0.1 s"], rows)
    if section.get("workspace_error"):
        text += f"\n(judge start for the status workspace failed: {section['workspace_error']})"
    return text


def render_floor(section: Mapping[str, Any]) -> str:
    rows = [["docker run --rm IMAGE python -c pass", seconds(section["docker_run_s"])],
            ["docker exec (running container) python -c pass", seconds(section["docker_exec_s"])],
            ["container create+start+remove (run - exec)", signed(section["container_cost_s"])]]
    return grid(["what", "seconds: median (min-max)"], rows)


def render_overhead(section: Mapping[str, Any]) -> str:
    rows = []
    for p in section["problems"]:
        slug = p["problem"]
        rows.append([slug, seconds(p["bare_pytest_s"]), seconds(p["judge_cli_s"]),
                     signed(p["cli_overhead_s"]), times(p["cli_ratio"]),
                     target_mark(section["targets"], f"{slug}: `judge grade`")])
        rows.append(["  grade() in-process", "", seconds(p["judge_in_process_s"]),
                     signed(p["in_process_overhead_s"]), times(p["in_process_ratio"]),
                     target_mark(section["targets"], f"{slug}: grade()")])
    text = grid(["problem", "bare pytest s", "judge s", "judge - bare s", "ratio", "target <=0.35 s"], rows)
    parts = []
    for p in section["problems"]:
        split = p.get("in_process_parts_s") or {}
        parts.append([p["problem"], *(number(split.get(k)) for k in ("host_s", "container_s", "harness_s")),
                      number(p.get("in_process_sandbox_cost_s")), number(split.get("pytest_s")),
                      number(p["bare_pytest_s"])])
    text += "\n\nWhere grade() in-process goes (median seconds)\n" + grid(
        ["problem", "host + remove", "container", "harness", "= sandbox cost", "pytest + plugin", "bare pytest"],
        parts)
    for skipped in section.get("skipped", []):
        text += f"\nskipped: {skipped}"
    return text


def render_build(section: Mapping[str, Any]) -> str:
    targets = section["targets"]
    rows = [["warm judge sandbox build", seconds(section["warm_s"]), target_mark(targets, "warm")],
            [f"image size ({section['image']})", size(section["image_size_bytes"]),
             target_mark(targets, "image")]]
    if "cold_s" in section:
        rows.append(["cold judge sandbox build --force", seconds(section["cold_s"], 1), ""])
    else:
        rows.append(["cold build", str(section.get("cold", "")), ""])
    return grid(["what", "figure", "target"], rows)


def render_batch(section: Mapping[str, Any]) -> str:
    rows = []
    for j in section["jobs"]:
        rows.append([f"--jobs {j['jobs']}", seconds(j["seconds"], 2), plain(j["per_minute"]),
                     number(j.get("host_cpu_s"))])
    text = grid([f"{section['submissions']} x {section['problem']}", "seconds", "graded per minute",
                 "judge process CPU s"], rows)
    mark = target_mark(section["targets"], "batch")
    return text + f"\nspeedup --jobs 2 / --jobs 1: {times(section['speedup'])} (target >=1.7x: {mark})"


def render_memory(section: Mapping[str, Any]) -> str:
    rows = []
    for r in section["rows"]:
        rows.append([r["what"], plain(r["peak_rss_mib"])])
    return grid(["host-side process", "peak RSS MiB: median (min-max)"], rows)


def render_pool(section: Mapping[str, Any]) -> str:
    rows = []
    for p in section["problems"]:
        rows.append([p["problem"], seconds(p["cold_s"]), seconds(p["warm_s"]), times(p["warm_vs_cold"]),
                     seconds(p["imports_only_s"]), times(p["warm_vs_imports"]), seconds(p["bare_pytest_s"]),
                     signed(p["warm_over_bare_s"]),
                     size_mib(p.get("spare_idle_memory_bytes"))])
    text = grid(["problem", "cold judge grade s", "warm judge grade s", "warm/cold", "imports-only container s",
                 "warm/imports", "bare pytest s", "warm - bare s", "idle spare"], rows)
    parts = []
    for p in section["problems"]:
        split = p.get("warm_in_process_parts_s") or {}
        host = median(split.get("host_s"))
        extra = sum(median(split.get(k)) or 0.0 for k in ("claim_s", "refill_s"))
        parts.append([p["problem"], seconds(p.get("warm_in_process_s")),
                      number_or_dash(None if host is None else host - extra), number(split.get("claim_s")),
                      number(split.get("refill_s")), number(split.get("container_s")), number(split.get("harness_s")),
                      number(split.get("pytest_s")), seconds(p["bare_pytest_s"])])
    text += "\n\nWhere a warm grade() in-process goes (median seconds)\n" + grid(
        ["problem", "warm grade() s", "host", "claim", "refill", "container", "harness", "pytest (warm)",
         "bare pytest s"], parts)
    b = section.get("batch") or {}
    if b:
        batch_rows = [[side, seconds(b[f"{side}_s"], 2), plain(b[f"{side}_per_minute"]),
                       seconds(b.get(f"{side}_cpu_per_submission_s")),
                       one_decimal(b.get(f"{side}_cpu_bound_per_minute"))]
                      for side in ("cold", "warm")]
        text += "\n\n" + grid([f"{b['submissions']} x {b['problem']}, --jobs {b['jobs']}", "seconds",
                                "graded per minute", "machine CPU s per submission",
                                f"CPU-bound ceiling per minute ({b.get('cores', '?')} cores)"], batch_rows)
        text += f"\nwarm / cold throughput: {times(b.get('speedup'))}"
    for p in section["problems"]:
        if p.get("unsettled_spares"):
            text += f"\nnote: {p['problem']}: {p['unsettled_spares']} spare(s) had not settled before a warm run"
    return text


def median(summary: Mapping[str, Any] | None) -> float | None:
    return None if not summary else summary.get("median")


def number_or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def size_mib(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024**2:.0f} MiB"


def render_targets(targets: Sequence[Mapping[str, Any]]) -> str:
    def figure(t: Mapping[str, Any]) -> str:
        value = t["value"]
        if value is None:
            return "-"
        if t["unit"] == "bytes":
            return f"{value / 1e9:.2f} GB"
        return f"{value:.3f} {t['unit']}" if t["unit"] == "s" else f"{value:.2f}{t['unit']}"

    rows = [[t["name"], figure(t), verdict_word(t["met"]) + (f" ({t['note']})" if t.get("note") else "")]
            for t in targets]
    return grid(["target", "figure", "result"], rows)


def failures(node: Any) -> list[str]:
    """The distinct reasons of failed runs anywhere in a section, so a failed figure is never silent."""
    found: list[str] = []
    if isinstance(node, Mapping):
        if node.get("failure"):
            found.append(" ".join(str(node["failure"]).split())[-400:])
        for value in node.values():
            found += failures(value)
    elif isinstance(node, list):
        for value in node:
            found += failures(value)
    return list(dict.fromkeys(found))


RENDERERS = {"cli": render_cli, "floor": render_floor, "overhead": render_overhead, "build": render_build,
             "batch": render_batch, "memory": render_memory, "pool": render_pool}
TITLES = {
    "cli": "CLI start-up",
    "floor": "Floor of a container",
    "overhead": "Sandbox overhead per problem (reference solution, hidden tests; median (min-max) seconds)",
    "build": "Image build",
    "batch": "Batch throughput",
    "memory": "Memory",
    "pool": "Warm spares against the cold path (reference solution, hidden tests; median (min-max) seconds)",
}


def render(results: Mapping[str, Any]) -> str:
    """The whole results document as text."""
    m = results["machine"]
    memory = f"{m['memory_bytes'] / 1024**3:.1f} GiB" if m.get("memory_bytes") else "? GiB"
    commit = (m.get("git_commit") or "?")[:10] + (" (uncommitted changes)" if m.get("git_dirty") else "")
    s = results["settings"]
    parts = [
        f"ml-judge benchmarks, {results['started_at']}, commit {commit}",
        f"{m['cores']} cores ({m.get('cpu_model') or '?'}), {memory}, "
        f"Docker {m.get('docker_version') or 'not found'}, "
        f"load {m.get('load_average_start')} -> {m.get('load_average_end')}",
        f"{s['runs']} runs after {s['warmup']} warm-up round(s), sides interleaved; image {m.get('image')}",
    ]
    for name, section in results["sections"].items():
        status = section.get("status")
        if status == "skipped":
            continue
        parts.append(f"\n== {TITLES.get(name, name)}")
        if status != "ok":
            parts.append(f"{status}: {section.get('reason', '')}")
            continue
        parts.append(RENDERERS[name](section))
        parts.extend(f"failed runs: {reason}" for reason in failures(section))
    if results["targets"]:
        parts.append("\n== Targets (reported, never failing)")
        parts.append(render_targets(results["targets"]))
    return "\n".join(parts)
