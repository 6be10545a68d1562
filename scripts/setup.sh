#!/usr/bin/env bash
# One command from a fresh clone to a graded attempt:
#   1. a virtual environment with ml-judge installed (.venv),
#   2. a Docker engine (on Debian as root: installs docker.io and starts dockerd if none answers),
#   3. the sandbox image for this code (offline-capable: wheelhouse + debootstrap base when no registry),
#   4. unless --no-demo: a real timed attempt, started and submitted, with its report.
# Safe to run again: every step checks before it acts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${JUDGE_VENV:-$ROOT/.venv}"
DEMO=1
for arg in "$@"; do
  case "$arg" in
    --no-demo) DEMO=0 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (known: --no-demo)" >&2; exit 2 ;;
  esac
done

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root_debian() { [ "$(id -u)" = 0 ] && have apt-get; }

step "Python environment ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev,queue]"
# The judge's bytecode, as pip writes it for an installed wheel: an editable install leaves it to the first
# run, and where PYTHONDONTWRITEBYTECODE is set no run ever writes it, so every command compiles the judge's
# modules again (about 18 ms of `judge list`'s start-up here). compileall writes only what is missing or stale.
"$VENV/bin/python" -m compileall -q "$ROOT/judge" >/dev/null
echo "judge $("$VENV/bin/judge" --version | awk '{print $NF}') installed"

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "installed: ${missing[*]}"
}

step "Docker engine"
if ! docker info >/dev/null 2>&1; then
  if is_root_debian; then
    # docker.io: the engine; debootstrap: the offline base image; chromium: the browser tests.
    apt_install docker.io debootstrap chromium
    if ! pgrep -x dockerd >/dev/null 2>&1; then
      echo "starting dockerd (log: /var/log/ml-judge-dockerd.log)"
      nohup dockerd >/var/log/ml-judge-dockerd.log 2>&1 &
    fi
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
fi
if ! docker info >/dev/null 2>&1; then
  cat >&2 <<'MSG'
No Docker engine answers. Install and start Docker (https://docs.docker.com/engine/install/),
make sure `docker info` works for this user, then run this script again.
Without Docker you can still grade, without isolation: judge grade --backend local ...
MSG
  exit 3
fi
echo "Docker $(docker version --format '{{.Server.Version}}') is running"
if is_root_debian; then apt_install debootstrap chromium postgresql; fi  # postgresql: the server's tests
# redis-server: the broker of `judge worker` (docs/scaling.md); the tests start their own on a loopback port.
if is_root_debian; then apt_install redis-server; fi
# tmux: the tests drive `judge drill` in a terminal of a fixed width.
if is_root_debian; then apt_install tmux; fi
# node and npm: tests/test_editor_bundle.py rebuilds the candidate page's editor from web/editor's lock file.
if ! have npm && is_root_debian; then apt_install nodejs npm; fi

step "Sandbox image"
"$VENV/bin/judge" sandbox build

"$VENV/bin/judge" doctor

if [ "$DEMO" = 1 ]; then
  step "A real graded attempt: feature-engineering (the reference answer, submitted after a start)"
  DEMO_DIR="$(mktemp -d)"
  export JUDGE_HOME="$DEMO_DIR/judge-home"   # keep the demo out of your own history
  cd "$DEMO_DIR"
  "$VENV/bin/judge" start feature-engineering
  cp "$ROOT/problems/feature-engineering/reference/solution.py" feature-engineering/solution.py
  cd feature-engineering
  "$VENV/bin/judge" test || true
  "$VENV/bin/judge" submit
  echo
  echo "Demo workspace: $DEMO_DIR/feature-engineering (JUDGE_HOME=$JUDGE_HOME)"
fi

cat <<MSG

Ready. Activate the environment with:  source $VENV/bin/activate
Then:  judge list    judge start rag-pipeline    judge test    judge submit
MSG
