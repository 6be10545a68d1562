# BUG: /health and the 422 handler call load_model() to get the version, so model.json is read on those requests; churn_probability is rounded to 6 decimals
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

MODEL = load_model()

app = FastAPI(title="Churn model service")


class Customer(BaseModel):
    """R3, R4. The body of POST /predict, and one item of a batch."""

    model_config = ConfigDict(extra="forbid")

    tenure_months: int = Field(ge=0, le=120)
    monthly_charges: float = Field(gt=0, le=500, allow_inf_nan=False)
    support_calls: int = Field(ge=0, le=30)
    age: int = Field(ge=18, le=100)


def field_errors(errors: list[dict]) -> list[dict]:
    """R5. pydantic errors -> [{"field", "message"}], one per error, same order."""
    out = []
    for err in errors:
        field = "body"
        for part in reversed(tuple(err.get("loc", ()))):
            if isinstance(part, str):
                field = part
                break
        out.append({"field": field, "message": str(err.get("msg", ""))})
    return out


@app.exception_handler(RequestValidationError)
async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """R5. 422 with the model version and the field errors."""
    return JSONResponse(
        status_code=422,
        content={"model_version": load_model().version, "errors": field_errors(exc.errors())},
    )


@app.get("/health")
def health() -> dict:
    """R1."""
    return {"status": "ok", "model_version": load_model().version}


def _score(customer: Customer) -> tuple[float, bool]:
    row = [float(getattr(customer, name)) for name in MODEL.feature_names]
    p = round(float(MODEL.predict_proba([row])[0]), 6)
    return p, bool(p >= MODEL.threshold)


@app.post("/predict")
def predict(customer: Customer) -> dict:
    """R2."""
    p, churn = _score(customer)
    return {"churn_probability": p, "churn": churn, "model_version": MODEL.version}


class BatchRequest(BaseModel):
    """R6. {"items": [<customer object>, ...]}, 1 to MAX_BATCH items."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


@app.post("/predict/batch")
def predict_batch(batch: BatchRequest) -> dict:
    """R6. Each item validated on its own; bad items get their own errors."""
    results = []
    for i, item in enumerate(batch.items):
        try:
            customer = Customer.model_validate(item)
        except ValidationError as exc:
            results.append({"index": i, "errors": field_errors(exc.errors())})
            continue
        p, churn = _score(customer)
        results.append({"index": i, "churn_probability": p, "churn": churn})
    return {"model_version": MODEL.version, "results": results}
