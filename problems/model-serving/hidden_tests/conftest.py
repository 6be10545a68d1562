"""Shared fixtures for the hidden suite: the model's own numbers, and the API reached through doubles.py.

The app runs in the candidate's process; tests only ever see plain data: candidate.doubles.request(...)
returns {"status", "json", "headers"}.
"""

import json
import math
import os
from pathlib import Path

import pytest

FIELDS = ["tenure_months", "monthly_charges", "support_calls", "age"]


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points earned by the test")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked by the test")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """JUDGE_DATA_DIR under the judge; else the folder above tests/ (a workspace) or starter/."""
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]
    return here if (here / "model.json").is_file() else here / "starter"


@pytest.fixture(scope="session")
def spec(data_dir) -> dict:
    """model.json as written by make_data.py."""
    return json.loads((data_dir / "model.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def version(spec) -> str:
    return spec["version"]


@pytest.fixture(scope="session")
def expected_probability(spec):
    """The tests' own churn probability of a customer dict: standardise each feature by name, then the
    logistic function, written independently of the starter's ChurnModel."""

    def probability(customer: dict) -> float:
        z = spec["intercept"]
        for name, mean, scale, coef in zip(
            spec["feature_names"], spec["mean"], spec["scale"], spec["coef"], strict=True
        ):
            z += coef * (customer[name] - mean) / scale
        return 1.0 / (1.0 + math.exp(-z))

    return probability


@pytest.fixture(scope="session")
def api(candidate):
    """api(method, path, json=..., body=...) -> {"status", "json", "headers"} from the candidate's app."""

    def call(method: str, path: str, json=None, body=None) -> dict:
        return candidate.doubles.request(method, path, json=json, body=body)

    return call


def customer(tenure_months=40, monthly_charges=65.5, support_calls=2, age=52, **extra) -> dict:
    """A valid customer (the README's worked example by default); keyword arguments override fields."""
    out = {
        "tenure_months": tenure_months,
        "monthly_charges": monthly_charges,
        "support_calls": support_calls,
        "age": age,
    }
    out.update(extra)
    return out


def without(field: str, **changes) -> dict:
    """A valid customer with `field` left out."""
    out = customer(**changes)
    del out[field]
    return out


def status_of(response: dict) -> str:
    """For assertion messages: the status and the start of the body."""
    return f"status {response['status']}, body {str(response['json'])[:300]}"


def error_fields(response: dict) -> list:
    """The "field" of every entry of an error body's "errors" (R5), or a message why there is none."""
    body = response["json"]
    assert isinstance(body, dict), f"expected a JSON object body, got {status_of(response)}"
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, f'expected a non-empty "errors" list, got {status_of(response)}'
    for entry in errors:
        assert isinstance(entry, dict) and isinstance(entry.get("field"), str), (
            f'each error must be {{"field": str, "message": str}}, got {entry!r}'
        )
        assert isinstance(entry.get("message"), str) and entry["message"], f"empty message in {entry!r}"
    return [entry["field"] for entry in errors]


@pytest.fixture(scope="session")
def make_customer():
    return customer


@pytest.fixture(scope="session")
def make_without():
    return without


@pytest.fixture(scope="session")
def fields_named():
    return error_fields


@pytest.fixture(scope="session")
def describe():
    return status_of
