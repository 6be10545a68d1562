#!/usr/bin/env bash
# The candidate page's code editor (judge/interfaces/server/static/editor.js), built from web/editor:
# CodeMirror 6 at the exact versions of web/editor/package-lock.json, bundled by esbuild (also pinned there).
#   bash scripts/build_editor.sh           rebuild it (after changing web/editor/src or the lock file); commit it
#   bash scripts/build_editor.sh --check   exit 1 unless the committed file is exactly what the lock file builds
# Needs node and npm (scripts/setup.sh installs them on Debian) and the npm registry (or npm's cache).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../web/editor"
# --ignore-scripts: nothing from the registry runs at install time (esbuild finds its binary package without it).
npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error
node build.mjs "$@"
