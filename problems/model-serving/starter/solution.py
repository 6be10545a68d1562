"""Churn model service: a FastAPI app around the trained model in model.json. See README.md.

`ChurnModel`, `load_model` and `model_path` are already done. Write the schema, `field_errors`, the
error handler and the three routes; each docstring below is that part's exact contract.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any  # noqa: F401  (for your schemas)

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError  # noqa: F401  (you will need them)

MAX_BATCH = 100  # items per batch request


# ----------------------------------------------------------------------------- given: the model


class ChurnModel:
    """A trained logistic regression read from model.json. Already implemented.

    Attributes: name (str), version (str), feature_names (list[str]: the order predict_proba expects,
    which is NOT the order of the README's table), threshold (float: the decision threshold).
    """

    def __init__(self, spec: dict):
        self.name = str(spec["name"])
        self.version = str(spec["version"])
        self.feature_names = [str(f) for f in spec["feature_names"]]
        self.threshold = float(spec["threshold"])
        self._mean = [float(v) for v in spec["mean"]]
        self._scale = [float(v) for v in spec["scale"]]
        self._coef = [float(v) for v in spec["coef"]]
        self._intercept = float(spec["intercept"])

    def predict_proba(self, rows: list[list[float]]) -> list[float]:
        """The churn probability (between 0 and 1) of each row, in order.

        Each row lists one customer's feature values in `self.feature_names` order.
        """
        out = []
        for row in rows:
            if len(row) != len(self.feature_names):
                raise ValueError(f"expected {len(self.feature_names)} values per row, got {len(row)}")
            z = self._intercept + sum(
                c * (float(x) - m) / s for c, x, m, s in zip(self._coef, row, self._mean, self._scale, strict=True)
            )
            out.append(1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z)))
        return out


def model_path() -> Path:
    """Where model.json is: the judge's data folder, else beside this file, else the current folder."""
    folders = [Path(os.environ["JUDGE_DATA_DIR"])] if os.environ.get("JUDGE_DATA_DIR") else []
    folders += [Path(__file__).resolve().parent, Path.cwd()]
    for folder in folders:
        if (folder / "model.json").is_file():
            return folder / "model.json"
    raise FileNotFoundError("model.json not found beside solution.py or in the current folder")


def load_model(path: str | Path | None = None) -> ChurnModel:
    """Read model.json (plain JSON, nothing unpickled) and return the model. Already implemented.

    Reading the file takes time in a real service (think of a 200 MB model): the app must call this
    once, at import or at startup, never per request (R7).
    """
    return ChurnModel(json.loads(Path(path or model_path()).read_text(encoding="utf-8")))


# ----------------------------------------------------------------------------- your part

app = FastAPI(title="Churn model service")


class Customer(BaseModel):
    """R3, R4. The body of POST /predict, and one item of a batch.

    Exactly these four fields, all required (no defaults), each with its type and allowed range:
        tenure_months    int     0 <= x <= 120
        monthly_charges  float   0 <  x <= 500     (0 itself is not allowed)
        support_calls    int     0 <= x <= 30
        age              int     18 <= x <= 100
    A number with a fractional part for an int field (12.5) is an error; NaN and +-infinity are
    errors; an unknown field (a typo such as "tenure") is an error. pydantic's Field(ge=..., gt=...,
    le=...) and ConfigDict(extra=...) do all of this declaratively.
    """


def field_errors(errors: list[dict]) -> list[dict]:
    """R5. Turn pydantic's error list (ValidationError.errors() or RequestValidationError.errors())
    into the API's error entries, one per pydantic error, in the same order:

        {"field": <the last str in the error's "loc">, "message": <the error's "msg">}

    "field" is the last element of "loc" that is a str: ("body", "age") -> "age";
    ("age",) -> "age"; ("body", 0) (a body that is not valid JSON) -> "body";
    ("body", "items", 3) -> "items". Nothing else is copied: pydantic's "input" may hold NaN, which
    JSON cannot carry (FastAPI would fail with a 500 trying to send it).
    """
    raise NotImplementedError


@app.exception_handler(RequestValidationError)
async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """R5. Every request FastAPI rejects (a bad /predict body, a bad batch envelope, a body that is not
    JSON) is answered with status 422 and the body

        {"model_version": <model version>, "errors": field_errors(exc.errors())}
    """
    raise NotImplementedError


@app.get("/health")
def health() -> dict:
    """R1. {"status": "ok", "model_version": <model version>}, status 200."""
    raise NotImplementedError


@app.post("/predict")
def predict(customer: Customer) -> dict:
    """R2. One customer in, status 200 and

        {"churn_probability": p, "churn": p >= model.threshold, "model_version": <model version>}

    where p is model.predict_proba([row])[0] as a float, not rounded, and row holds the customer's
    values in model.feature_names order (not the order of the fields above).
    """
    raise NotImplementedError


class BatchRequest(BaseModel):
    """R6. The body of POST /predict/batch: {"items": [<customer object>, ...]}, 1 to MAX_BATCH items.

    A body without "items", with 0 or more than MAX_BATCH items, or whose "items" is not a list of
    objects is rejected as a whole (status 422, the body of R5, an error whose field is "items").
    One bad customer inside "items" is not: see predict_batch.
    """


@app.post("/predict/batch")
def predict_batch(batch: BatchRequest) -> dict:
    """R6. Score many customers at once; one bad item never fails the others.

    Status 200 (even when every item is bad) and

        {"model_version": <model version>, "results": [<one result per item, in input order>]}

    Each item is validated on its own exactly as /predict validates its body (R3, R4). A valid item's
    result is {"index": i, "churn_probability": p, "churn": bool}, computed as in R2; a bad item's
    result is {"index": i, "errors": field_errors(...)} naming every bad field of that item, and has
    no "churn_probability". i is the item's 0-based position in "items".
    """
    raise NotImplementedError
