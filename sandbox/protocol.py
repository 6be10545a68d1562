"""The wire protocol between the judge on the host and the harness in the sandbox. Standard library only.

Both sides import this one file: the host as ``sandbox.protocol``, the harness and its pytest plugin (which
run from their own folder in the image) as ``protocol``. Change it only together with PROTOCOL_VERSION:
the host refuses a result document of another version, with the fix (rebuild the image).

The harness's stdin carries two frames, each an 8-byte big-endian length and that many bytes:

1. the runtime (JSON): what the backend decides about this sandbox (who the tests run as, an
   address-space limit where there is no cgroup, how many threads);
2. the bundle (tar): ``settings.json`` (the run's nonce and limits), ``submission/solution.py``,
   ``tests/`` (the suite and its expected outputs: the grader's alone), ``data/`` (the public data files)
   and, when the problem has test doubles, ``support/doubles.py`` (loaded into the candidate runner).
   The bundle does not depend on the backend, so any backend (a local container, a warm spare, a remote
   worker) runs the same bytes.

Its stdout carries exactly one JSON document, on the last non-empty line (see ``document_problem``).

A warm spare (``ENV_SPARE`` set in its container: the runtime, limits, preloads and idle time it was made
for) reads the same two frames, once. When they do not match what it was made for, or its warm test
process is gone, it runs nothing and its document says so (``SPARE_REFUSED``): the host then grades cold.
Inside the sandbox the pytest plugin reports to the harness over a private pipe, as JSON lines tagged
with the nonce (the ``EVENT_*`` kinds).
"""

from __future__ import annotations

import os
from typing import Any

PROTOCOL_VERSION = 3

FRAME_HEADER_BYTES = 8
MAX_RUNTIME_BYTES = 64 * 1024
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024  # the host reads at most this much of the harness's stdout
MAX_EVENT_BYTES = 8 * 1024 * 1024  # the plugin's results channel; more than this is not a real run

# The bundle's layout.
SETTINGS_FILE = "settings.json"
SUBMISSION_DIR = "submission"
TESTS_DIR = "tests"
DATA_DIR = "data"
SUPPORT_DIR = "support"

# settings.json keys (the host's) and runtime keys (the backend's).
NONCE = "nonce"
LIMITS = "limits"
RUN_AS = "run_as"  # the candidate's user (runs solution.py)
GRADER_AS = "grader_as"  # the grader's user (runs pytest and the hidden tests); another uid than RUN_AS
ADDRESS_SPACE = "address_space_bytes"
THREADS = "threads"

# Spare mode: the container's environment variable holding the spare's JSON config (keys below), and the
# document key of a spare that ran nothing.
ENV_SPARE = "JUDGE_SPARE"
SPARE_RUNTIME = "runtime"
SPARE_LIMITS = "limits"
SPARE_PRELOAD = "preload"
SPARE_IDLE_S = "idle_s"
SPARE_REFUSED = "spare_refused"

# The test the harness adds to every suite: it must fail, or pytest's reporting was tampered with.
CANARY_FILE = "test_zz_judge_canary.py"
CANARY_SOURCE = '''"""Integrity canary injected by the judge: it must always fail."""


def test_judge_canary():
    """This test fails on purpose; a report saying it passed means pytest was tampered with."""
    assert False, "judge canary"
'''

# Environment of the test process (set by the harness, read by the plugin and the problems' conftest).
ENV_RESULTS_FD = "JUDGE_RESULTS_FD"
ENV_NONCE_FD = "JUDGE_NONCE_FD"
ENV_TEST_TIMEOUT = "JUDGE_TEST_TIMEOUT"
ENV_TEST_OUTPUT_CAP = "JUDGE_TEST_OUTPUT_CAP"
ENV_DATA_DIR = "JUDGE_DATA_DIR"
ENV_RPC_FD = "JUDGE_RPC_FD"  # the grader's end of the socket to the candidate runner
ENV_IMPORT_TIMEOUT = "JUDGE_IMPORT_TIMEOUT"  # how long the grader waits for solution.py to import

# Plugin -> harness event kinds.
EVENT_COLLECTED = "collected"
EVENT_COLLECT_ERROR = "collect_error"
EVENT_IMPORT_ERROR = "import_error"
EVENT_RESULT = "result"
EVENT_FINISH = "finish"
EVENT_RUNNER_LOST = "runner_lost"  # the candidate runner stopped answering during this test (id, reason)
OUTCOMES = ("passed", "failed", "error", "skipped")

# The result document: key -> the type its value must have.
DOCUMENT_SHAPE: dict[str, type] = {"results": list, "collected": list, "child": dict, "collect_errors": list}


def frame(payload: bytes) -> bytes:
    """``payload`` with its length in front."""
    return len(payload).to_bytes(FRAME_HEADER_BYTES, "big") + payload


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from a file descriptor (short only at end of input)."""
    chunks: list[bytes] = []
    remaining = n
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, cap: int, what: str) -> bytes:
    """One length-prefixed frame from ``fd``; ``ValueError`` when absent, too large or cut short."""
    header = read_exact(fd, FRAME_HEADER_BYTES)
    if len(header) != FRAME_HEADER_BYTES:
        raise ValueError(f"no {what} on stdin")
    size = int.from_bytes(header, "big")
    if size > cap:
        raise ValueError(f"{what} too large: {size} bytes")
    data = read_exact(fd, size)
    if len(data) != size:
        raise ValueError(f"{what} truncated: {len(data)} of {size} bytes")
    return data


def document_problem(document: Any, nonce: str) -> str | None:
    """Why a result document cannot be trusted, or None when its version, nonce and shape are right."""
    if not isinstance(document, dict):
        return "the sandbox's result document is not a JSON object"
    version = document.get("protocol_version", document.get("harness_version"))
    if version != PROTOCOL_VERSION:
        return (f"the sandbox image speaks protocol version {version}, this judge version {PROTOCOL_VERSION}: "
                "the image is out of date; rebuild it with `judge sandbox build`")
    if document.get(NONCE) != nonce:
        return "the sandbox's result document failed the nonce check"
    if document.get("harness_error"):
        return f"the harness failed: {document['harness_error']}"
    for key, kind in DOCUMENT_SHAPE.items():
        if not isinstance(document.get(key), kind):
            return f"the sandbox's result document has no valid {key!r}"
    return None
