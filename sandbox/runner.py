"""The candidate runner: imports ``solution.py`` and answers the grader's calls, as the candidate's own process.

Started by the harness as the candidate user, with one socket to the grader and nothing else of the judge's:
no results channel, no nonce, no hidden test, no expected output (those belong to another user and are
unreadable here). Before the submission it imports the problem's trusted test doubles (``doubles.py``, when
the problem has one), so the grader can ask for a spy estimator or a stand-in model by name.

Each request runs under its own time limit (the rest of the calling test's time); on expiry the call is
interrupted where the candidate's code is and the reply says where. Output printed during a call goes back
with the reply, so pytest shows it under the test that made the call.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import linecache
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rpc

ENV_RPC_FD = "JUDGE_RPC_FD"
ENV_SUBMISSION = "JUDGE_SUBMISSION_DIR"
ENV_SUPPORT = "JUDGE_SUPPORT_DIR"
OUTPUT_CAP = 16 * 1024


class CallTimeout(BaseException):
    """The call ran past the time the grader gave it (a BaseException so `except Exception` cannot eat it)."""


class Runner:
    """The runner's side of the channel: the modules, the handles it gave out, and one request at a time."""

    def __init__(self, sock: Any, submission: Path) -> None:
        self.sock = sock
        self.submission = submission.resolve()
        self.modules: dict[str, Any] = {}
        self.handles: dict[int, Any] = {}
        self._blobs: list[bytes] = []
        # A call's prints go to a file, as pytest's capture does: the file-size limit bounds them (SIGXFSZ ends
        # this process, and the verdict says output-limit) instead of memory.
        self._capture = tempfile.TemporaryFile(  # noqa: SIM115 (open for the process's life)
            mode="w+", encoding="utf-8", errors="backslashreplace")

    # -- places in the candidate's code ----------------------------------------------------------------

    def is_solution(self, filename: str) -> bool:
        return Path(filename).name == "solution.py" and Path(filename).resolve().parent == self.submission

    def where(self, filename: str, lineno: int, name: str) -> str:
        code = linecache.getline(filename, lineno).strip()
        return f"solution.py, line {lineno}, in {name}" + (f": {code}" if code else "")

    def where_in_traceback(self, tb: TracebackType | None) -> str:
        found = ""
        while tb is not None:
            code = tb.tb_frame.f_code
            if self.is_solution(code.co_filename):
                found = self.where(code.co_filename, tb.tb_lineno, code.co_name)
            tb = tb.tb_next
        return found

    def where_in_frame(self, frame: FrameType | None) -> str:
        while frame is not None:
            if self.is_solution(frame.f_code.co_filename):
                return self.where(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
            frame = frame.f_back
        return ""

    # -- start -------------------------------------------------------------------------------------------

    def load(self, support: Path | None) -> dict[str, Any]:
        """Import the doubles, then the solution; the hello message the grader waits for."""
        if support is not None and (support / "doubles.py").is_file():
            self.modules["doubles"] = importlib.import_module("doubles")
        try:
            self.modules["solution"] = importlib.import_module("solution")
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included: the import is the candidate's
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            marker = 'File "' + str(self.submission / "solution.py")
            start = text.find(marker)
            if start > 0:
                text = "Traceback (most recent call last):\n  " + text[start:]
            return {"import_error": text[-6000:]}
        return {"ready": True}

    # -- requests ----------------------------------------------------------------------------------------

    def handle_of(self, value: Any) -> dict[str, Any]:
        """Keep ``value`` here and describe it to the grader."""
        if isinstance(value, _CallableMarker):
            return {"$callable": True}
        if isinstance(value, _Handle):
            value = value.value
        key = id(value)
        self.handles[key] = value
        kind = type(value)
        try:
            text = repr(value)[: rpc.MAX_TEXT]
        except Exception:
            text = f"<{kind.__name__}>"
        return {"$h": key, "type": rpc.class_path(kind), "repr": text, "callable": callable(value)}

    def resolve(self, tree: dict[str, Any]) -> Any:
        """A reference from the grader: a handle, a module attribute path, or an estimator to build."""
        if "$h" in tree:
            key = tree["$h"]
            if key not in self.handles:
                raise LookupError("the test referred to an object this process no longer has")
            return self.handles[key]
        if "$est" in tree:
            path = str(tree["$est"])
            module_name, _, name = path.rpartition(".")
            if not path.startswith(rpc.ESTIMATOR_MODULES):
                raise TypeError(f"the grader may only build scikit-learn estimators here, not {path}")
            params = self.decode(tree["params"])
            return getattr(importlib.import_module(module_name), name)(**params)
        if "$ref" in tree:
            target, path = tree["$ref"]
            return self.walk(target, [str(p) for p in path])
        raise LookupError("the test sent a reference of an unknown kind")

    def walk(self, target: Any, path: list[str]) -> Any:
        if isinstance(target, str):
            if target not in self.modules:
                raise LookupError("solution.py did not import" if target == "solution"
                                  else f"this problem has no {target}.py")
            obj = self.modules[target]
        else:
            obj = self.resolve({"$h": target})
        for i, name in enumerate(path):
            if i == 0 and target == "solution" and not hasattr(obj, name):
                raise AttributeError(f"solution.py does not define {name}")
            obj = getattr(obj, str(name))
        return obj

    def decode(self, tree: Any, blobs: list[bytes] | None = None) -> Any:
        return rpc.Decoder(blobs if blobs is not None else self._blobs, self.resolve).decode(tree)

    def reply(self, body: dict[str, Any], value: Any = None, has_value: bool = False) -> None:
        blobs: list[bytes] = []
        if has_value:
            encoder = rpc.Encoder(self.handle_of)
            body["ok"] = encoder.encode(value)
            blobs = encoder.blobs
        rpc.send_message(self.sock, body, blobs)

    def serve(self) -> None:
        while True:
            try:
                request, blobs = rpc.recv_message(self.sock)
            except EOFError:
                return
            self._blobs = blobs
            self.answer(request)

    def printed(self) -> str:
        """The tail of what the last call printed."""
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        size = self._capture.seek(0, io.SEEK_END)
        self._capture.seek(max(0, size - OUTPUT_CAP))
        return self._capture.read()[-OUTPUT_CAP:]

    def answer(self, request: dict[str, Any]) -> None:
        op = request.get("op")
        self._capture.seek(0)
        self._capture.truncate()
        capture = self._capture
        try:
            deadline = float(request.get("deadline") or 0)
            with contextlib.redirect_stdout(capture), contextlib.redirect_stderr(capture), self.timer(deadline):
                value = self.perform(op, request)
            out = self.printed()
            try:
                self.reply({"out": out}, value, has_value=True)
            except (TypeError, ValueError) as exc:  # the result could not be sent as data
                self.reply({"error": {"type": "TypeError", "message": f"the result cannot be sent back: {exc}",
                                      "where": ""}, "out": out})
        except CallTimeout as exc:
            self.reply({"timeout": str(exc), "out": self.printed()})
        except BaseException as exc:  # the candidate's exception, whatever it is, becomes a reply
            message = _safe_str(exc)
            self.reply({"error": {"type": type(exc).__name__, "message": message[: rpc.MAX_TEXT],
                                  "where": self.where_in_traceback(exc.__traceback__)},
                        "out": self.printed()})

    def perform(self, op: Any, request: dict[str, Any]) -> Any:
        if op == rpc.OP_GETATTR:
            obj = self.walk(request["target"], list(request["path"]))
            if callable(obj):
                return _CallableMarker()
            return obj
        if op == rpc.OP_CALL:
            fn = self.walk(request["target"], list(request["path"]))
            args = self.decode(request.get("args", []))
            kwargs = self.decode(request.get("kwargs", {"$d": []}))
            return fn(*args, **kwargs)
        if op == rpc.OP_NEW:
            return _Handle(self.decode(request["value"]))
        if op == rpc.OP_ISINSTANCE:
            obj = self.walk(request["target"], list(request["path"]))
            wanted = str(request["class"])
            return any(rpc.class_path(k) == wanted for k in type(obj).__mro__)
        if op == rpc.OP_REPR:
            return repr(self.walk(request["target"], list(request["path"])))[: rpc.MAX_TEXT]
        if op == rpc.OP_VALUE:
            return self.walk(request["target"], list(request["path"]))
        if op == rpc.OP_LIST:
            return list(self.walk(request["target"], list(request["path"])))
        raise ValueError(f"unknown request {op!r}")

    @contextlib.contextmanager
    def timer(self, seconds: float) -> Any:
        if seconds <= 0:
            yield
            return

        def on_alarm(signum: int, frame: FrameType | None) -> None:
            where = self.where_in_frame(frame)
            raise CallTimeout(where)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class _CallableMarker:
    """A getattr whose answer is callable: the grader calls it by path, nothing is kept here."""


class _Handle:
    """Force a handle for ``value`` even when it could cross as data (``candidate.new``)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<{type(exc).__name__} whose message could not be read>"


def serve(sock: Any, submission: Path, support: Path | None) -> None:
    """Load the doubles and the solution, say hello, answer calls until the grader closes the channel."""
    runner = Runner(sock, submission)
    hello = runner.load(support)
    rpc.send_message(sock, {"op": rpc.OP_HELLO, **hello}, [])
    if "import_error" in hello:
        return
    runner.serve()


def main() -> None:
    # Python ignores SIGXFSZ, which would turn a write past the file-size limit into an OSError the candidate's
    # code could catch. With the default action the process stops and the verdict says why.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    fd = int(os.environ.pop(ENV_RPC_FD))
    submission = Path(os.environ.pop(ENV_SUBMISSION))
    support_env = os.environ.pop(ENV_SUPPORT, "")
    support = Path(support_env) if support_env else None
    sys.path[:0] = [str(Path.cwd()), str(submission), *([str(support)] if support else [])]
    sys.dont_write_bytecode = True
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p != here]  # rpc is imported; the judge's folder is not the candidate's
    serve(rpc.socket_from_fd(fd), submission, support)
    # The grader has closed the channel: nothing more is asked. Skip the interpreter's shutdown, which with
    # torch and chromadb loaded takes seconds (the harness would kill the process after 2 s anyway).
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
