"""Calls from the grader (pytest, the hidden tests) into the candidate runner (``solution.py``), over a socket.

The two processes run as different users in the sandbox; this module is how a hidden test still reads
``candidate.user_features(df)``. Values cross as data only, never as pickles: JSON for plain values, NumPy's
``.npy`` format (``allow_pickle=False``) for arrays, and a small tagged JSON shape for pandas frames, series
and indexes. What cannot cross (a fitted estimator, an app, a chromadb collection) stays in the runner as a
*handle*: the grader gets a ``Remote`` whose attribute reads and calls go back over the socket.

Wire format: a message is one frame (8-byte length, then the payload); the payload is a 4-byte count N
followed by N length-prefixed parts (4-byte lengths): part 0 is the JSON body, parts 1.. are binary blobs
the body refers to by index. Every read is bounded (``MAX_MESSAGE_BYTES``) and every decode is checked, so a
hostile runner can make its own calls fail but cannot make the grader run code or allocate without bound.

Standard library at import; NumPy and pandas are imported only when a value needs them.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as _dt
import io
import json
import os
import socket
import struct
from collections.abc import Callable
from typing import Any

MAX_MESSAGE_BYTES = 512 * 1024 * 1024  # a reply larger than this is not a real answer to a test's call
MAX_DEPTH = 64  # nesting of lists/dicts; deeper is refused rather than recursed into
MAX_TEXT = 4000  # an exception's message or an object's repr, as the grader keeps it

# Ops the grader sends; the runner answers each with {"ok": value} or {"error": {...}} or {"timeout": where}.
OP_HELLO = "hello"  # first message from the runner: {"ready": true} or {"import_error": text}
OP_GETATTR = "getattr"
OP_CALL = "call"
OP_NEW = "new"
OP_ISINSTANCE = "isinstance"
OP_REPR = "repr"
OP_LIST = "list"
OP_VALUE = "value"  # a handle's object, sent back as data (to see what a call did to an argument it was given)

ESTIMATOR_MODULES = ("sklearn.",)  # estimators the grader may ask the runner to build from class + params


class ProtocolError(Exception):
    """A message that is malformed, too large or cut short."""


# -- framing -------------------------------------------------------------------------------------------


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("the other process closed the channel")
        buf += chunk
    return bytes(buf)


def send_message(sock: socket.socket, body: Any, blobs: list[bytes]) -> None:
    """Send one message: ``body`` (JSON-able) and the blobs it refers to."""
    parts = [json.dumps(body, allow_nan=True).encode(), *blobs]
    payload = struct.pack(">I", len(parts)) + b"".join(struct.pack(">Q", len(p)) + p for p in parts)
    sock.sendall(struct.pack(">Q", len(payload)) + payload)


def recv_message(sock: socket.socket, cap: int = MAX_MESSAGE_BYTES) -> tuple[Any, list[bytes]]:
    """Receive one message; ``ProtocolError`` when it is malformed or larger than ``cap``."""
    (size,) = struct.unpack(">Q", _recv_exact(sock, 8))
    if size > cap:
        raise ProtocolError(f"a message of {size} bytes is more than the {cap} allowed")
    payload = _recv_exact(sock, size)
    try:
        (count,) = struct.unpack_from(">I", payload, 0)
        offset, parts = 4, []
        for _ in range(count):
            (length,) = struct.unpack_from(">Q", payload, offset)
            offset += 8
            if offset + length > len(payload):
                raise ProtocolError("a message part runs past the end of the message")
            parts.append(payload[offset: offset + length])
            offset += length
        if not parts:
            raise ProtocolError("a message without a body")
        body = json.loads(parts[0])
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from exc
    return body, parts[1:]


# -- values -> data ------------------------------------------------------------------------------------


def _npy(array: Any) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    array = np.asarray(array)
    # (np.ascontiguousarray would turn a 0-d array, a scalar's, into a 1-d one)
    np.save(buffer, array if array.flags.c_contiguous else np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _load_npy(data: bytes) -> Any:
    import numpy as np

    return np.load(io.BytesIO(data), allow_pickle=False)


class Encoder:
    """Turns a value into a JSON-able tree plus blobs. ``handle`` is called for anything that is not data:
    it returns the tree to send instead (a handle reference), or raises TypeError."""

    def __init__(self, handle: Callable[[Any], Any]) -> None:
        self.blobs: list[bytes] = []
        self.handle = handle

    def blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"a value nested more than {MAX_DEPTH} levels deep cannot cross between processes")
        if value is None or isinstance(value, bool | str):
            return value
        if type(value) is int:
            return value if -(2**63) <= value < 2**63 else {"$int": str(value)}
        if type(value) is float:
            return value
        kind = type(value)
        module = kind.__module__.partition(".")[0]
        if module in ("numpy", "pandas"):
            encoded = self._scientific(value, depth)
            if encoded is not None:
                return encoded
        if isinstance(value, int):  # int subclasses (IntEnum ...) cross as plain ints
            return int(value)
        if isinstance(value, float):
            return float(value)
        if kind is list:
            return [self.encode(v, depth + 1) for v in value]
        if kind is tuple:
            return {"$t": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict):  # OrderedDict, defaultdict ...: their items, as a plain dict
            return {"$d": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if kind in (set, frozenset):
            return {"$s" if kind is set else "$fs": [self.encode(v, depth + 1) for v in value]}
        if kind is bytes:
            return {"$b": self.blob(value)}
        if kind is _dt.datetime:
            return {"$dt": value.isoformat()}
        if kind is _dt.date:
            return {"$date": value.isoformat()}
        if kind is _dt.timedelta:
            return {"$tdelta": [value.days, value.seconds, value.microseconds]}
        return self.handle(value)

    def array(self, values: Any, depth: int) -> Any:
        """A 1-D (or N-D NumPy) array of any dtype NumPy or pandas gives a column."""
        import numpy as np
        import pandas as pd

        dtype = values.dtype
        if isinstance(dtype, np.dtype):
            if dtype.kind != "O":
                return {"$nd": self.blob(_npy(np.asarray(values)))}
            flat = np.asarray(values, dtype=object)
            return {"$ndo": [self.encode(v, depth + 1) for v in flat.ravel().tolist()], "shape": list(flat.shape)}
        if isinstance(dtype, pd.DatetimeTZDtype):
            index = pd.DatetimeIndex(values)
            return {"$tz": str(dtype.tz), "unit": dtype.unit, "i8": self.blob(_npy(index.asi8)),
                    "nat": self.blob(_npy(np.asarray(index.isna())))}
        if isinstance(dtype, pd.CategoricalDtype):
            cat = pd.Categorical(values)
            return {"$cat": self.blob(_npy(cat.codes)), "categories": self.index(cat.categories, depth + 1),
                    "ordered": bool(cat.ordered)}
        # Other extension dtypes (str, string, Int64, boolean, Float64 ...): values one by one, missing as None.
        items = [None if v is pd.NA or v is None or (isinstance(v, float) and v != v and str(dtype) in
                                                     ("str", "string")) else v
                 for v in pd.array(values).to_numpy(dtype=object).tolist()]
        return {"$ext": str(dtype), "values": [self.encode(v, depth + 1) for v in items]}

    def index(self, index: Any, depth: int) -> Any:
        import pandas as pd

        if isinstance(index, pd.RangeIndex):
            return {"$range": [index.start, index.stop, index.step], "name": self.encode(index.name, depth + 1)}
        if isinstance(index, pd.MultiIndex):
            return {"$multi": [self.array(index.get_level_values(i), depth + 1) for i in range(index.nlevels)],
                    "names": [self.encode(n, depth + 1) for n in index.names]}
        return {"$index": self.array(index, depth + 1), "name": self.encode(index.name, depth + 1)}

    def _scientific(self, value: Any, depth: int) -> Any:
        import numpy as np
        import pandas as pd

        if isinstance(value, np.ndarray):
            return self.array(value, depth)
        if isinstance(value, np.generic):
            if value.dtype.kind == "O":
                return self.encode(value.item(), depth)
            return {"$np": self.blob(_npy(np.asarray(value)))}
        if isinstance(value, pd.DataFrame):
            return {"$df": {"columns": self.index(value.columns, depth + 1),
                            "index": self.index(value.index, depth + 1),
                            "data": [self.array(value.iloc[:, i].array, depth + 1) for i in range(value.shape[1])]}}
        if isinstance(value, pd.Series):
            return {"$ser": {"values": self.array(value.array, depth + 1), "index": self.index(value.index, depth + 1),
                             "name": self.encode(value.name, depth + 1)}}
        if isinstance(value, pd.Index):
            return self.index(value, depth)
        if value is pd.NaT:
            return {"$nat": 1}
        if value is pd.NA:
            return {"$na": 1}
        if isinstance(value, pd.Timestamp):
            return {"$ts": value.isoformat(), "tz": str(value.tz) if value.tz is not None else None}
        if isinstance(value, pd.Timedelta):
            return {"$td": int(value.value)}
        if isinstance(value, pd.Categorical | pd.api.extensions.ExtensionArray):
            return {"$arr": self.array(value, depth + 1)}
        return None


class Decoder:
    """The inverse of ``Encoder``: data only; ``handle`` turns a handle reference into an object."""

    def __init__(self, blobs: list[bytes], handle: Callable[[dict[str, Any]], Any]) -> None:
        self.blobs = blobs
        self.handle = handle

    def blob(self, index: Any) -> bytes:
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise ProtocolError(f"a value refers to a missing blob {index!r}")
        return self.blobs[index]

    def decode(self, tree: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError("a value nested too deep")
        if tree is None or isinstance(tree, bool | int | float | str):
            return tree
        if isinstance(tree, list):
            return [self.decode(v, depth + 1) for v in tree]
        if not isinstance(tree, dict) or len(tree) == 0:
            raise ProtocolError(f"unexpected value shape {type(tree).__name__}")
        tag = next(iter(tree))
        body = tree[tag]
        if tag == "$t":
            return tuple(self.decode(v, depth + 1) for v in body)
        if tag == "$d":
            return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in body}
        if tag == "$s":
            return {self.decode(v, depth + 1) for v in body}
        if tag == "$fs":
            return frozenset(self.decode(v, depth + 1) for v in body)
        if tag == "$int":
            return int(str(body))
        if tag == "$b":
            return self.blob(body)
        if tag == "$dt":
            return _dt.datetime.fromisoformat(str(body))
        if tag == "$date":
            return _dt.date.fromisoformat(str(body))
        if tag == "$tdelta":
            days, seconds, micros = (int(x) for x in body)
            return _dt.timedelta(days=days, seconds=seconds, microseconds=micros)
        if tag in ("$h", "$ref", "$est", "$callable"):
            return self.handle(tree)
        return self._scientific(tag, body, tree, depth)

    def array(self, tree: Any, depth: int) -> Any:
        import numpy as np
        import pandas as pd

        if not isinstance(tree, dict):
            raise ProtocolError("an array of unexpected shape")
        if "$nd" in tree:
            return _load_npy(self.blob(tree["$nd"]))
        if "$ndo" in tree:
            items = [self.decode(v, depth + 1) for v in tree["$ndo"]]
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape([int(s) for s in tree["shape"]])
        if "$tz" in tree:
            i8 = _load_npy(self.blob(tree["i8"])).astype("int64")
            nat = _load_npy(self.blob(tree["nat"])).astype(bool)
            unit = str(tree["unit"])
            if unit not in ("s", "ms", "us", "ns"):
                raise ProtocolError(f"unknown datetime unit {unit!r}")
            naive = i8.astype(f"datetime64[{unit}]")
            naive[nat] = np.datetime64("NaT")
            return pd.DatetimeIndex(naive).tz_localize("UTC").tz_convert(str(tree["$tz"])).array
        if "$cat" in tree:
            codes = _load_npy(self.blob(tree["$cat"]))
            categories = self.index(tree["categories"], depth + 1)
            return pd.Categorical.from_codes(codes, categories=categories, ordered=bool(tree["ordered"]))
        if "$ext" in tree:
            dtype = pd.api.types.pandas_dtype(str(tree["$ext"]))
            values = [self.decode(v, depth + 1) for v in tree["values"]]
            return pd.array(values, dtype=dtype)
        raise ProtocolError("an array of unknown kind")

    def index(self, tree: Any, depth: int) -> Any:
        import pandas as pd

        if not isinstance(tree, dict):
            raise ProtocolError("an index of unexpected shape")
        if "$range" in tree:
            start, stop, step = (int(x) for x in tree["$range"])
            return pd.RangeIndex(start, stop, step, name=self.decode(tree.get("name"), depth + 1))
        if "$multi" in tree:
            arrays = [self.array(a, depth + 1) for a in tree["$multi"]]
            return pd.MultiIndex.from_arrays(arrays, names=[self.decode(n, depth + 1) for n in tree["names"]])
        if "$index" in tree:
            return pd.Index(self.array(tree["$index"], depth + 1), name=self.decode(tree.get("name"), depth + 1),
                            tupleize_cols=False)
        raise ProtocolError("an index of unknown kind")

    def _scientific(self, tag: str, body: Any, tree: dict[str, Any], depth: int) -> Any:
        import pandas as pd

        if tag in ("$nd", "$ndo"):
            return self.array(tree, depth)
        if tag in ("$tz", "$cat", "$ext"):
            return self.array(tree, depth)
        if tag == "$np":
            return _load_npy(self.blob(body))[()]
        if tag in ("$range", "$multi", "$index"):
            return self.index(tree, depth)
        if tag == "$df":
            columns = self.index(body["columns"], depth + 1)
            index = self.index(body["index"], depth + 1)
            data = [self.array(a, depth + 1) for a in body["data"]]
            if len(data) != len(columns):
                raise ProtocolError("a frame whose columns and data differ in number")
            frame = pd.DataFrame({i: pd.Series(a, index=index, copy=False) for i, a in enumerate(data)},
                                 index=index)
            frame.columns = columns
            return frame
        if tag == "$ser":
            return pd.Series(self.array(body["values"], depth + 1), index=self.index(body["index"], depth + 1),
                             name=self.decode(body["name"], depth + 1), copy=False)
        if tag == "$arr":
            return self.array(body, depth + 1)
        if tag == "$nat":
            return pd.NaT
        if tag == "$na":
            return pd.NA
        if tag == "$ts":
            stamp = pd.Timestamp(str(body))
            return stamp.tz_convert(str(tree["tz"])) if tree.get("tz") and stamp.tz is not None else stamp
        if tag == "$td":
            return pd.Timedelta(int(body), unit="ns")
        raise ProtocolError(f"unknown value tag {tag!r}")


def estimator_recipe(value: Any, encode: Callable[[Any], Any]) -> Any | None:
    """{"$est": "module.Class", "params": ...} for a scikit-learn estimator, or None for anything else: how the
    grader hands an estimator it made to the runner, which builds a fresh one from it."""
    kind = type(value)
    if not kind.__module__.startswith(ESTIMATOR_MODULES) or not hasattr(value, "get_params"):
        return None
    return {"$est": f"{kind.__module__}.{kind.__qualname__}", "params": encode(value.get_params(deep=False))}


def class_path(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def builtin_exception(name: str) -> type[BaseException] | None:
    """The builtin exception class of that name, if there is one (so ``pytest.raises(ValueError)`` works)."""
    found = getattr(builtins, name, None)
    return found if isinstance(found, type) and issubclass(found, Exception) else None


def socket_from_fd(fd: int) -> socket.socket:
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    return sock


def close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
