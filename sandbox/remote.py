"""The grader's side of the channel to the candidate runner: what the ``candidate`` fixture hands a test.

``candidate.user_features(df)`` sends ``df`` to the runner, calls ``solution.user_features`` there and returns
the result as data (``rpc.py`` says what crosses). Anything that is not data comes back as a ``Remote``: its
attribute reads and calls go to the runner too. An exception in the candidate's code comes back as a
``CandidateError`` that is also of the builtin type the candidate raised (so ``pytest.raises(ValueError)``
works), carrying the candidate's own line (``where``).

Nothing here ever runs what the runner sends: replies are decoded as data, and a reply that is malformed or
too large fails the calling test only.
"""

from __future__ import annotations

import select
import socket
import sys
from collections.abc import Callable
from typing import Any

import rpc


class CandidateError(Exception):
    """An exception raised by the candidate's code (``where``: its innermost line in solution.py)."""

    where: str = ""
    remote_type: str = ""


class CandidateUnavailable(CandidateError):
    """The candidate's process cannot answer: it failed to import, ended, or stopped answering."""


_ERROR_CLASSES: dict[str, type[CandidateError]] = {}


def candidate_error(type_name: str, message: str, where: str) -> CandidateError:
    """A CandidateError that is also the builtin exception ``type_name`` names, when there is one."""
    base = rpc.builtin_exception(type_name)
    if base is None:
        error = CandidateError(f"{type_name}: {message}" if message else type_name)
    else:
        kind = _ERROR_CLASSES.get(type_name)
        if kind is None:
            # str() is the candidate's own text as it was (KeyError would otherwise quote it a second time).
            kind = type(type_name, (CandidateError, base), {"__module__": "builtins",
                                                            "__str__": lambda self: str(self.args[0])
                                                            if self.args else ""})
            _ERROR_CLASSES[type_name] = kind
        error = kind(message)
    error.where = where
    error.remote_type = type_name
    return error


class Channel:
    """One socket to the runner, one request at a time. ``deadline`` gives the seconds the current test has
    left (the runner interrupts a call after that); ``on_timeout`` fails the test when a call ran out."""

    def __init__(self, sock: socket.socket, deadline: Callable[[], float] | None = None,
                 on_timeout: Callable[[str], None] | None = None) -> None:
        self.sock = sock
        self.deadline = deadline or (lambda: 0.0)
        self.on_timeout = on_timeout
        self.broken = ""
        self.hello: dict[str, Any] | None = None

    def wait_hello(self, timeout: float) -> dict[str, Any]:
        """The runner's first message: {"ready": True} or {"import_error": text}; {"gone": reason} when the
        process ended without one (os._exit or a signal during the import: a crash, not an exception)."""
        if self.hello is not None:
            return self.hello
        readable, _, _ = select.select([self.sock], [], [], timeout)
        if not readable:
            self.broken = f"solution.py did not finish importing within {timeout:g} s"
            self.hello = {"import_error": self.broken}
            return self.hello
        try:
            body, _ = rpc.recv_message(self.sock, 1 << 20)
        except (EOFError, OSError, rpc.ProtocolError):
            self.broken = "the solution's process ended while importing solution.py"
            self.hello = {"gone": self.broken}
            return self.hello
        if not isinstance(body, dict) or ("ready" not in body and "import_error" not in body):
            body = {"import_error": "the solution's process sent a malformed greeting"}
        self.hello = {"import_error": str(body["import_error"])[:6000]} if "import_error" in body else {"ready": True}
        if "import_error" in self.hello:
            self.broken = "solution.py failed to import"
        return self.hello

    def request(self, body: dict[str, Any], args: Any = None, value: Any = None) -> Any:
        """Send one request and return its decoded answer (or raise the candidate's exception)."""
        if self.broken:
            raise CandidateUnavailable(self.broken)
        encoder = self.encoder()
        if args is not None:
            body["args"] = encoder.encode(list(args[0]))
            body["kwargs"] = encoder.encode(dict(args[1]))
        if value is not None:
            body["value"] = encoder.encode(value)
        remaining = self.deadline()
        body["deadline"] = max(0.1, remaining - 1.0) if remaining > 0 else 0
        sent = False
        try:
            rpc.send_message(self.sock, body, encoder.blobs)
            sent = True
            reply, blobs = rpc.recv_message(self.sock)
        except EOFError as exc:
            self.broken = "the solution's process ended (it exited, crashed or ran out of memory)"
            raise CandidateUnavailable(self.broken) from exc
        except rpc.ProtocolError as exc:
            self.broken = f"the solution's process sent a malformed answer ({exc})"
            raise CandidateUnavailable(self.broken) from exc
        except OSError as exc:
            self.broken = f"the channel to the solution's process failed ({exc})"
            raise CandidateUnavailable(self.broken) from exc
        except BaseException:
            # Interrupted (the test's own timer) with an answer still owed: the runner ignored its time limit.
            if sent:
                self.broken = "the solution's process stopped answering (it ran past a test's time limit)"
            raise
        if not isinstance(reply, dict):
            self.broken = "the solution's process sent a malformed answer"
            raise CandidateUnavailable(self.broken)
        out = reply.get("out")
        if isinstance(out, str) and out:
            sys.stdout.write(out)
        if "timeout" in reply:
            where = str(reply["timeout"])[: rpc.MAX_TEXT]
            if self.on_timeout is not None:
                self.on_timeout(where)
            raise CandidateError(f"timed out at {where}" if where else "timed out")
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            raise candidate_error(str(error.get("type", "Exception"))[:100],
                                  str(error.get("message", ""))[: rpc.MAX_TEXT], str(error.get("where", ""))[:1000])
        try:
            return rpc.Decoder(blobs, self._incoming).decode(reply.get("ok"))
        except (rpc.ProtocolError, ValueError, TypeError, KeyError, IndexError) as exc:
            raise CandidateError(f"the answer could not be read as data: {exc}") from exc

    def encoder(self) -> rpc.Encoder:
        """An encoder for a request: data as data, handles as references, estimators as recipes."""
        encoder: rpc.Encoder = rpc.Encoder(lambda value: self._outgoing(value, encoder))
        return encoder

    def _outgoing(self, value: Any, encoder: rpc.Encoder) -> Any:
        if isinstance(value, Remote):
            return value._judge_ref()
        kind = type(value)
        if kind.__module__.startswith(rpc.ESTIMATOR_MODULES) and hasattr(value, "get_params"):
            # Rebuilt in the runner from its class and parameters (nested estimators by the same rule).
            return {"$est": rpc.class_path(kind), "params": encoder.encode(value.get_params(deep=False))}
        raise TypeError(f"a {kind.__name__} cannot be sent to the candidate's process; "
                        "send data, a handle, or a double from doubles.py")

    def _incoming(self, tree: dict[str, Any]) -> Any:
        if "$callable" in tree:
            return _Callable()
        if "$h" not in tree:
            raise rpc.ProtocolError("the runner sent a reference it may not send")
        return Remote(self, int(tree["$h"]), (), str(tree.get("type", "")), str(tree.get("repr", ""))[:200],
                      bool(tree.get("callable")))


class Remote:
    """An object that lives in the candidate's process: a module (``solution``, ``doubles``), something
    reached from it by attribute names, or a handle to a value one of its calls returned."""

    def __init__(self, channel: Channel, target: str | int, path: tuple[str, ...], kind: str = "",
                 text: str = "", is_callable: bool = True) -> None:
        object.__setattr__(self, "_judge_state", (channel, target, path, kind, text, is_callable))

    def _judge_ref(self) -> dict[str, Any]:
        _, target, path, *_ = self._judge_state
        return {"$ref": [target, list(path)]}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        channel, target, path, *_ = self._judge_state
        value = channel.request({"op": rpc.OP_GETATTR, "target": target, "path": [*path, name]})
        if isinstance(value, _Callable):
            return Remote(channel, target, (*path, name), "", f"{name}", True)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("objects of the candidate's process cannot be changed from a test")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        channel, target, path, *_ = self._judge_state
        return channel.request({"op": rpc.OP_CALL, "target": target, "path": list(path)}, (args, kwargs))

    def __repr__(self) -> str:
        _channel, target, path, _kind, text, _ = self._judge_state
        return text or f"<{'.'.join(map(str, (target, *path)))} in the candidate's process>"

    def __getitem__(self, key: Any) -> Any:
        return self._method("__getitem__")(key)

    def __len__(self) -> int:
        return int(self._method("__len__")())

    def __iter__(self) -> Any:
        channel, target, path, *_ = self._judge_state
        return iter(channel.request({"op": rpc.OP_LIST, "target": target, "path": list(path)}))

    def __contains__(self, item: Any) -> bool:
        return bool(self._method("__contains__")(item))

    def _method(self, name: str) -> Remote:
        channel, target, path, *_ = self._judge_state
        return Remote(channel, target, (*path, name))

    @property
    def judge_type(self) -> str:
        """The class path of the object in the candidate's process (e.g. ``sklearn.pipeline.Pipeline``)."""
        return str(self._judge_state[3])


class _Callable:
    """What a getattr of a callable decodes to: the caller makes a path proxy of it."""


class Candidate(Remote):
    """The ``candidate`` fixture: ``solution``'s attributes, plus ``doubles``, ``new`` and ``isinstance``."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(channel, "solution", ())
        object.__setattr__(self, "doubles", Remote(channel, "doubles", ()))
        object.__setattr__(self, "CandidateError", CandidateError)

    def new(self, value: Any) -> Remote:
        """A copy of ``value`` (an estimator, or data) kept in the candidate's process: a handle to it."""
        result = self._judge_state[0].request({"op": rpc.OP_NEW}, value=value)
        if not isinstance(result, Remote):
            raise TypeError("candidate.new did not give a handle")
        return result

    def value(self, handle: Remote) -> Any:
        """The object behind ``handle`` as data, e.g. an argument after the candidate's call (did it change?)."""
        channel = self._judge_state[0]
        _, target, path, *_ = handle._judge_state
        return channel.request({"op": rpc.OP_VALUE, "target": target, "path": list(path)})

    def isinstance(self, value: Remote, class_path: str) -> bool:
        """Whether ``value`` (a handle) is an instance of the class at ``class_path``, by its MRO there."""
        channel = self._judge_state[0]
        _, target, path, *_ = value._judge_state
        return bool(channel.request({"op": rpc.OP_ISINSTANCE, "target": target, "path": list(path),
                                     "class": class_path}))

    def __repr__(self) -> str:
        return "<the candidate's solution.py, in its own process>"
