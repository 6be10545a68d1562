"""Known mistake `threshold_strict`: churn is probability > threshold, so a probability exactly at the threshold is not churn."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


# ----------------------------------------------------------------------------- the service

MODEL = load_model()  # once, at import: every request uses this object

app = FastAPI(title="Churn model service")


class Customer(BaseModel):
    """One customer: the four features, all required, typed and range-checked; no other field."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    tenure_months: int = Field(ge=0, le=120)
    monthly_charges: float = Field(gt=0, le=500)
    support_calls: int = Field(ge=0, le=30)
    age: int = Field(ge=18, le=100)


class BatchRequest(BaseModel):
    """Items stay raw objects here so that each is validated (and can fail) on its own."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


def field_errors(errors: list[dict]) -> list[dict]:
    """pydantic errors -> [{"field", "message"}]; the input (maybe NaN) is not copied."""
    out = []
    for error in errors:
        names = [part for part in error["loc"] if isinstance(part, str)]
        out.append({"field": names[-1], "message": error["msg"]})
    return out


@app.exception_handler(RequestValidationError)
async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={"model_version": MODEL.version, "errors": field_errors(exc.errors())},
    )


def score(customers: list[Customer]) -> list[tuple[float, bool]]:
    """(probability, label) per customer; features in the model's own order."""
    rows = [[getattr(c, name) for name in MODEL.feature_names] for c in customers]
    probabilities = MODEL.predict_proba(rows) if rows else []
    return [(float(p), float(p) > MODEL.threshold) for p in probabilities]


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "model_version": MODEL.version}


@app.post("/predict")
def predict(customer: Customer) -> dict:
    [(probability, label)] = score([customer])
    return {"churn_probability": probability, "churn": label, "model_version": MODEL.version}


@app.post("/predict/batch")
def predict_batch(batch: BatchRequest) -> dict:
    results: list[dict] = [{} for _ in batch.items]
    valid: list[tuple[int, Customer]] = []
    for i, item in enumerate(batch.items):
        try:
            valid.append((i, Customer.model_validate(item)))
        except ValidationError as exc:
            results[i] = {"index": i, "errors": field_errors(exc.errors())}
    for (i, _), (probability, label) in zip(valid, score([c for _, c in valid]), strict=True):
        results[i] = {"index": i, "churn_probability": probability, "churn": label}
    return {"model_version": MODEL.version, "results": results}
