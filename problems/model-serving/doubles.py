"""Test doubles for model-serving: trusted code imported into the candidate's process before solution.py.

- request(method, path, json=..., body=...): one HTTP call to `solution.app` through FastAPI's TestClient,
  answered as plain data {"status": int, "json": parsed body or None, "headers": dict}.
- model_file_reads(): how many times any file named model.json has been opened in this process.
- request_at_threshold(method, path, json=...): request() with a stand-in model whose probability for every
  row is exactly its own threshold (a probability "at" the threshold, which no real customer hits exactly).

It holds no expected answer: it only calls the app and counts file opens.
"""

from __future__ import annotations

import json as _json
import os
import sys

MODEL_FILE = "model.json"
_reads = 0
_client = None


def _count_model_file_opens(event: str, args: tuple) -> None:
    # An audit hook sees every open() in the process, however it is reached (load_model, json.load(open(...)),
    # Path.read_text, pandas ...), so re-reading the model per request cannot slip past by being spelled
    # differently. Installed at import, i.e. before solution.py is imported.
    global _reads
    if (event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike))
            and os.path.basename(os.fsdecode(args[0])) == MODEL_FILE):
        _reads += 1


sys.addaudithook(_count_model_file_opens)


def model_file_reads() -> int:
    """Opens of model.json so far in this process (at import, at startup and per request alike)."""
    return _reads


def _app_client():
    """One TestClient for the whole session, entered once, so startup (lifespan) code runs once."""
    global _client
    if _client is None:
        import solution
        from fastapi.testclient import TestClient

        client = TestClient(solution.app, raise_server_exceptions=False)
        client.__enter__()
        _client = client
    return _client


def request(method: str, path: str, json=None, body: str | None = None) -> dict:
    """Send one request to the app and return {"status", "json", "headers"}.

    `json` is sent as a JSON body written by Python's json module, so float("nan") and float("inf")
    arrive as the tokens NaN and Infinity, as a Python client would send them; `body` is sent verbatim
    (for bodies that are not JSON at all). Both with content-type application/json.
    """
    if json is not None and body is not None:
        raise ValueError("pass json or body, not both")
    content = _json.dumps(json) if json is not None else body
    headers = {"content-type": "application/json"} if content is not None else {}
    response = _app_client().request(method, path, content=content, headers=headers)
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    return {"status": response.status_code, "json": parsed, "headers": dict(response.headers)}


def request_at_threshold(method: str, path: str, json=None) -> dict:
    """request(), with ChurnModel.predict_proba answering exactly `self.threshold` for each row.

    The stand-in replaces the method on solution.ChurnModel (the class load_model returns) for this one
    request, so it reaches the app's model however it is held, and puts the original back afterwards.
    """
    import solution

    cls = solution.ChurnModel
    original = cls.__dict__.get("predict_proba")

    def at_threshold(self, rows: list[list[float]]) -> list[float]:
        return [float(self.threshold) for _ in rows]

    cls.predict_proba = at_threshold
    try:
        return request(method, path, json=json)
    finally:
        if original is None:
            del cls.predict_proba
        else:
            cls.predict_proba = original
