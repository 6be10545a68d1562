"""The channel between the grader and the candidate runner (sandbox/rpc.py, remote.py, runner.py), without
Docker: values cross as data and come back equal; nothing is unpickled; a hostile or broken runner fails
the calling test, never the grader; exceptions keep their type and the candidate's line."""

from __future__ import annotations

import datetime as dt
import os
import socket
import struct
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SANDBOX = Path(__file__).resolve().parents[1] / "sandbox"
sys.path.insert(0, str(SANDBOX))
import remote  # noqa: E402
import rpc  # noqa: E402
import runner  # noqa: E402

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")


def roundtrip(value: Any) -> Any:
    encoder = rpc.Encoder(lambda v: (_ for _ in ()).throw(TypeError(type(v).__name__)))
    tree = encoder.encode(value)
    left, right = socket.socketpair()
    with left, right:
        rpc.send_message(left, tree, encoder.blobs)
        body, blobs = rpc.recv_message(right)
    return rpc.Decoder(blobs, lambda tree: pytest.fail("no handle expected")).decode(body)


def test_plain_values_keep_their_types() -> None:
    value = {"a": [1, 2.5, None, True, "x"], 3: (1, "two"), (1, 2): {4, 5}, "big": 2**80,
             "nan": float("nan"), "bytes": b"\x00\xff", "when": dt.datetime(2024, 3, 10, 22, 30),
             "day": dt.date(2024, 3, 10), "gap": dt.timedelta(days=2, seconds=5), "frozen": frozenset({1})}
    got = roundtrip(value)
    assert list(got) == list(value)
    assert got[3] == (1, "two") and isinstance(got[3], tuple)
    assert got[(1, 2)] == {4, 5} and got["big"] == 2**80 and got["bytes"] == b"\x00\xff"
    assert got["nan"] != got["nan"]
    assert got["when"] == value["when"] and got["day"] == value["day"] and got["gap"] == value["gap"]
    assert got["frozen"] == frozenset({1})


def test_arrays_and_scalars() -> None:
    arrays = [np.arange(12, dtype=np.float32).reshape(3, 4), np.array([True, False]),
              np.array(["a", "bc"]), np.array(["2024-01-01"], dtype="datetime64[s]"),
              np.array([1, "x", None], dtype=object)]
    for array in arrays:
        got = roundtrip(array)
        assert got.dtype == array.dtype and got.shape == array.shape
        assert (got == array).all() if array.dtype != object else list(got) == list(array)
    scalar = roundtrip(np.float32(1.5))
    assert isinstance(scalar, np.float32) and scalar == np.float32(1.5)


def test_frames_keep_dtypes_index_and_time_zones() -> None:
    frame = pd.DataFrame({
        "user": pd.Series(["b", None, "a"], dtype="str"),
        "when": pd.to_datetime(["2024-03-10 22:30", None, "2024-07-01 21:30"], utc=True).tz_convert("Europe/Berlin"),
        "n": pd.Series([1, 2, 3], dtype="int64"),
        "maybe": pd.Series([1, None, 3], dtype="Int64"),
        "kind": pd.Categorical(["x", "y", "x"], categories=["y", "x"], ordered=True),
        "amount": [1.5, float("nan"), -2.0],
        7: [True, False, True],
    }, index=pd.Index(["u3", "u1", "u2"], name="user_id"))
    got = roundtrip(frame)
    pd.testing.assert_frame_equal(got, frame)
    series = frame["amount"].rename("amt")
    pd.testing.assert_series_equal(roundtrip(series), series)
    multi = frame.set_index(["user", "n"])
    pd.testing.assert_frame_equal(roundtrip(multi), multi)
    empty = pd.DataFrame(columns=["a", "b"], index=pd.RangeIndex(0, name="user_id"))
    pd.testing.assert_frame_equal(roundtrip(empty), empty)
    assert roundtrip(pd.Timestamp("2024-03-10 22:30", tz="Europe/Berlin")) == pd.Timestamp(
        "2024-03-10 22:30", tz="Europe/Berlin")
    assert roundtrip(pd.NaT) is pd.NaT


def test_objects_are_never_encoded_as_data() -> None:
    class Model:
        pass

    encoder = rpc.Encoder(lambda v: {"$h": 1})
    assert encoder.encode([Model()]) == [{"$h": 1}]
    with pytest.raises(ValueError, match="nested"):
        deep: list[Any] = []
        cursor = deep
        for _ in range(rpc.MAX_DEPTH + 5):
            cursor.append([])
            cursor = cursor[0]
        rpc.Encoder(lambda v: None).encode(deep)


def test_decoder_refuses_what_it_does_not_know() -> None:
    decoder = rpc.Decoder([], lambda tree: pytest.fail("no handle"))
    for tree in ({"$pickle": "gASV"}, {"$nd": 3}, {"unknown": 1}, {}):
        with pytest.raises(rpc.ProtocolError):
            decoder.decode(tree)


def test_messages_are_bounded_and_checked() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(struct.pack(">Q", 10**12))
        with pytest.raises(rpc.ProtocolError, match="more than"):
            rpc.recv_message(right, cap=1 << 20)
    left, right = socket.socketpair()
    with left, right:
        payload = struct.pack(">I", 1) + struct.pack(">Q", 999) + b"{}"
        left.sendall(struct.pack(">Q", len(payload)) + payload)
        with pytest.raises(rpc.ProtocolError):
            rpc.recv_message(right)


# -- a real runner process on the other end ------------------------------------------------------------

SOLUTION = textwrap.dedent('''
    import time

    import pandas as pd

    COLUMNS = ["a", "b"]


    def double(frame):
        return frame * 2


    def mutate(frame):
        frame["a"] = 0
        return None


    def fails(x):
        return {"k": 1}[x]


    def loops():
        while True:
            time.sleep(0.01)


    def shout(text):
        print("hello from the candidate")
        return text.upper()


    class Model:
        def __init__(self, scale):
            self.scale = scale
            self.fitted_ = False

        def fit(self, x):
            self.fitted_ = True
            return self

        def predict(self, x):
            return [v * self.scale for v in x]


    def make_model(scale):
        return Model(scale)


    def fit_it(model, x):
        return model.fit(x)
''')


@pytest.fixture
def candidate(tmp_path: Path) -> Iterator[remote.Candidate]:
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "solution.py").write_text(SOLUTION)
    grader_end, runner_end = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the runner
        code = 0
        try:
            grader_end.close()
            sys.path.insert(0, str(submission))
            runner.serve(runner_end, submission, None)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    runner_end.close()
    channel = remote.Channel(grader_end, deadline=lambda: 3.0)
    assert channel.wait_hello(30) == {"ready": True}
    try:
        yield remote.Candidate(channel)
    finally:
        grader_end.close()
        os.waitpid(pid, 0)


def test_calls_return_data_and_keep_constants(candidate: remote.Candidate) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]})
    pd.testing.assert_frame_equal(candidate.double(frame), frame * 2)
    assert candidate.COLUMNS == ["a", "b"]


def test_an_argument_stays_the_tests_own(candidate: remote.Candidate) -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    candidate.mutate(frame)
    assert frame["a"].tolist() == [1, 2]  # a copy crossed
    given = candidate.new(frame)
    candidate.mutate(given)
    assert candidate.value(given)["a"].tolist() == [0, 0]  # the runner's copy shows what the call did


def test_exceptions_keep_their_type_and_the_candidates_line(candidate: remote.Candidate) -> None:
    with pytest.raises(KeyError) as info:
        candidate.fails("missing")
    assert isinstance(info.value, remote.CandidateError)
    assert info.value.where.startswith("solution.py, line ") and "in fails" in info.value.where
    with pytest.raises(AttributeError, match=r"solution\.py does not define nope"):
        candidate.nope(1)


def test_objects_stay_in_the_runner_as_handles(candidate: remote.Candidate) -> None:
    model = candidate.make_model(3)
    assert isinstance(model, remote.Remote) and model.judge_type == "solution.Model"
    assert model.predict([1, 2]) == [3, 6]
    assert model.fitted_ is False
    fitted = candidate.fit_it(model, [1])
    assert fitted.fitted_ is True and model.fitted_ is True  # the same object in the runner
    assert candidate.isinstance(model, "solution.Model")
    assert not candidate.isinstance(model, "sklearn.base.BaseEstimator")


def test_a_call_past_its_time_is_stopped_where_the_code_is(candidate: remote.Candidate) -> None:
    with pytest.raises(remote.CandidateError, match=r"timed out at solution\.py, line"):
        candidate.loops()
    assert candidate.shout("still here") == "STILL HERE"  # the runner answers the next call


def test_prints_during_a_call_come_back(candidate: remote.Candidate, capsys: pytest.CaptureFixture[str]) -> None:
    assert candidate.shout("x") == "X"
    assert "hello from the candidate" in capsys.readouterr().out


def test_a_runner_that_sends_garbage_fails_the_call_not_the_grader() -> None:
    grader_end, runner_end = socket.socketpair()
    with grader_end, runner_end:
        channel = remote.Channel(grader_end)
        rpc.send_message(runner_end, {"op": "hello", "ready": True}, [])
        channel.wait_hello(5)
        runner_end.sendall(struct.pack(">Q", 2**40))  # an answer "larger" than anything allowed
        with pytest.raises(remote.CandidateUnavailable, match="malformed"):
            remote.Candidate(channel).anything(1)
        with pytest.raises(remote.CandidateUnavailable):
            remote.Candidate(channel).anything(2)  # and it is not asked again
