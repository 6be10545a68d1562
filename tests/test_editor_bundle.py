"""The candidate page's editor bundle (judge/interfaces/server/static/editor.js) is exactly what web/editor's
lock file builds: `npm ci` from the lock in a copy of web/editor, then esbuild, then a byte-for-byte compare.
Under CI=true a missing npm fails the run (scripts/setup.sh installs it); locally it skips."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from .conftest import _unavailable

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web" / "editor"
BUNDLE = ROOT / "judge" / "interfaces" / "server" / "static" / "editor.js"


def test_the_bundle_names_the_locked_versions_it_was_built_from() -> None:
    """Cheap and always run: the banner lists every locked package at its locked version."""
    lock = json.loads((WEB / "package-lock.json").read_text())
    head = BUNDLE.read_text(encoding="utf-8")[:4000]
    for path, meta in lock["packages"].items():
        if path.startswith("node_modules/") and "esbuild" not in path:
            assert f"{path.removeprefix('node_modules/')}@{meta['version']} ({meta['license']})" in head, path
    assert json.loads((WEB / "package.json").read_text())["devDependencies"]["esbuild"] == \
        lock["packages"]["node_modules/esbuild"]["version"]


def test_the_committed_bundle_is_what_the_lock_file_builds(tmp_path: Path) -> None:
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        _unavailable("node and npm are not installed (apt-get install nodejs npm; scripts/setup.sh does it)")
        return
    copy = tmp_path / "editor"
    shutil.copytree(WEB, copy, ignore=shutil.ignore_patterns("node_modules"))
    env = {**os.environ, "npm_config_update_notifier": "false"}
    installed = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline",
                                "--loglevel=error"], cwd=copy, env=env, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    checked = subprocess.run([node, "build.mjs", "--check", "--target", str(BUNDLE)], cwd=copy, capture_output=True,
                             text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "exactly what web/editor builds" in checked.stdout
