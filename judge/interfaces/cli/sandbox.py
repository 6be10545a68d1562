"""`judge sandbox build|status|prune` and `judge doctor`: the grading sandbox and its image."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from judge.interfaces.cli.app import cli
from judge.interfaces.cli.context import (
    EXIT_JUDGE,
    EXIT_PASSED,
    Context,
    fail,
    json_option,
    pass_ctx,
)


@cli.group()
def sandbox() -> None:
    """Build, inspect and clean up the grading sandbox image."""


@sandbox.command("build")
@click.option("--base-image", default=None, help="Base image (default python:3.11-slim, or $BASE_IMAGE).")
@click.option("--offline-base", is_flag=True, help="Make the base from Debian packages with debootstrap.")
@click.option("--wheelhouse", type=click.Path(path_type=Path), help="Install from this folder of wheels.")
@click.option("--force", is_flag=True, help="Rebuild even if the image for this code exists.")
@click.option("--no-cache", is_flag=True, help="Do not reuse Docker's layer cache (a truly cold build).")
@pass_ctx
def sandbox_build(ctx: Context, base_image: str | None, offline_base: bool, wheelhouse: Path | None,
                  force: bool, no_cache: bool) -> None:
    """Build the sandbox image for this version of the judge (no-op when it is current)."""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import api_client
    from judge.backends.image import DEFAULT_BASE, BuildError, build
    from judge.model.limits import format_size

    try:
        api = api_client(timeout=600)
    except SandboxUnavailable as exc:
        fail(str(exc), EXIT_JUDGE)
    err = ctx.err
    started = time.monotonic()

    def progress(line: str) -> None:
        from rich.text import Text

        # Build output is not markup: ":x:" in a passwd line must not become an emoji.
        err.print(Text(f"{time.monotonic() - started:6.1f}s ", style="dim") + Text(line), emoji=False)

    try:
        result = build(api, base_image=base_image or os.environ.get("BASE_IMAGE") or DEFAULT_BASE,
                       offline_base=offline_base, wheelhouse=wheelhouse, force=force, no_cache=no_cache,
                       progress=progress)
    except BuildError as exc:
        fail(str(exc), EXIT_JUDGE)
    if result.built:
        ctx.out.print(f"Built {result.tag} on {result.base} in {result.seconds:.0f} s "
                      f"({format_size(result.size_bytes)}).")
    else:
        ctx.out.print(f"{result.tag} is current ({format_size(result.size_bytes)}); nothing to build "
                      f"({result.seconds:.1f} s).")
    # The grader's versions, read once now, so `judge start` can put them in a workspace's README.
    from judge.services.environment import read_versions, versions_line

    try:
        ctx.out.print(f"Grader: {versions_line(read_versions())}")
    except SandboxUnavailable as exc:
        err.print(f"[yellow]warning:[/] could not read the grader's versions: {exc}")


@sandbox.command("status")
@json_option("Print JSON.")
@pass_ctx
def sandbox_status(ctx: Context, as_json: bool) -> None:
    """Is the engine reachable, and is the image for this code present?"""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import api_client
    from judge.backends.image import expected_tag, image_exists, list_images
    from judge.model.limits import format_size

    tag = expected_tag()
    try:
        api = api_client()
    except SandboxUnavailable as exc:
        if as_json:
            click.echo(json.dumps({"engine": False, "image": tag, "present": False}))
        else:
            ctx.out.print(f"[red]engine:[/] {exc}")
        sys.exit(EXIT_JUDGE)
    present = image_exists(api, tag)
    info = api.inspect_image(tag) if present else {}
    others = [t for i in list_images(api) for t in (i.get("RepoTags") or []) if t != tag]
    data = {"engine": True, "engine_version": api.version().get("Version"), "image": tag, "present": present,
            "size_bytes": info.get("Size"), "created": info.get("Created"), "other_images": others}
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        ctx.out.print(f"engine: reachable (Docker {data['engine_version']})")
        if present:
            size = format_size(int(info.get("Size", 0)))
            ctx.out.print(f"image:  {tag} present, {size}, built {info.get('Created', '')[:19]}")
        else:
            ctx.out.print(f"image:  [red]{tag} missing[/] - build it with: judge sandbox build")
        if others:
            ctx.out.print(f"older images: {', '.join(others)} (remove with: judge sandbox prune)")
    sys.exit(EXIT_PASSED if present else EXIT_JUDGE)


@sandbox.command("prune")
@pass_ctx
def sandbox_prune(ctx: Context) -> None:
    """Remove leftover ml-judge containers (warm spares included) and sandbox images of older versions."""
    from judge.backends import SandboxUnavailable
    from judge.backends.docker import api_client
    from judge.backends.image import prune_images
    from judge.backends.pool import prune_containers

    try:
        api = api_client()
        containers, live = prune_containers(api)
        images = prune_images(api)
    except SandboxUnavailable as exc:
        fail(str(exc), EXIT_JUDGE)
    ctx.out.print(f"Removed {len(containers)} container(s) and {len(images)} old image(s)."
                  + (f" {live} running grading(s) left alone: they end by themselves." if live else ""))


@cli.command()
@pass_ctx
def doctor(ctx: Context) -> None:
    """Check that everything needed to grade is ready, and say how to fix what is not."""
    from judge.backends.docker import api_client
    from judge.backends.image import expected_tag
    from judge.paths import data_home
    from judge.services.doctor import ready, run_checks

    checks = run_checks(api_client, expected_tag(), data_home(), ctx.problems)
    for check in checks:
        mark = "[green]ok[/]  " if check.ok else ("[red]FAIL[/]" if check.required else "[yellow]warn[/]")
        ctx.out.print(f"{mark} {check.name}: {check.summary}")
        if not check.ok and check.fix:
            ctx.out.print(f"       fix: {check.fix}")
    if ready(checks):
        ctx.out.print("[green]Ready to grade.[/]")
        sys.exit(EXIT_PASSED)
    ctx.out.print("[red]Not ready to grade[/]: fix the lines marked FAIL.")
    sys.exit(EXIT_JUDGE)
