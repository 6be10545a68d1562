"""Regenerate the trained model for the `model-serving` problem.

Writes
  starter/model.json   a logistic regression (with its standardisation) trained here on synthetic
                       churn data, stored as plain JSON: name, version, feature_names (the order
                       the model expects, on purpose not the order of the statement's table),
                       threshold, mean, scale, coef, intercept. Nothing is pickled.

The data and the fit are deterministic (numpy default_rng with a fixed seed, lbfgs), so every run
writes the same file.

    python make_data.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 20241107
N_ROWS = 4000
# The model's own column order: not the statement's (tenure, charges, calls, age), not alphabetical.
FEATURE_NAMES = ["monthly_charges", "age", "support_calls", "tenure_months"]
VERSION = "churn-lr-3.1.0"
THRESHOLD = 0.35  # chosen for recall by the (fictional) data team; not 0.5 on purpose

ROOT = Path(__file__).resolve().parent
MODEL_JSON = ROOT / "starter" / "model.json"


def synthetic_customers(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Customers inside the API's ranges and a churn label from a known logistic rule plus noise."""
    tenure = np.minimum(rng.exponential(28.0, N_ROWS).round(), 120)
    charges = rng.uniform(15.0, 180.0, N_ROWS).round(2)
    calls = np.minimum(rng.poisson(1.6, N_ROWS), 30)
    age = rng.integers(18, 90, N_ROWS)
    logit = -0.4 - 0.045 * tenure + 0.014 * charges + 0.55 * calls - 0.02 * (age - 45)
    churn = (rng.random(N_ROWS) < 1 / (1 + np.exp(-logit))).astype(int)
    columns = {"monthly_charges": charges, "age": age, "support_calls": calls, "tenure_months": tenure}
    X = np.column_stack([columns[name].astype(float) for name in FEATURE_NAMES])
    return X, churn


def main() -> None:
    X, y = synthetic_customers(np.random.default_rng(SEED))
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(X, y)
    scaler, clf = pipe[0], pipe[-1]
    spec = {
        "name": "churn-logistic-regression",
        "version": VERSION,
        "feature_names": FEATURE_NAMES,
        "threshold": THRESHOLD,
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) for v in scaler.scale_],
        "coef": [round(float(v), 6) for v in clf.coef_[0]],
        "intercept": round(float(clf.intercept_[0]), 6),
    }
    MODEL_JSON.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_JSON.relative_to(ROOT)}: coef {spec['coef']}, train accuracy {pipe.score(X, y):.3f}")


if __name__ == "__main__":
    main()
