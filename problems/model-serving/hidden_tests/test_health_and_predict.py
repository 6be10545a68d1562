import pytest

# Customers inside every range; the tests' own probabilities come from model.json (conftest).
CUSTOMERS = [
    (3, 89.9, 4, 31),
    (24, 70.0, 1, 45),
    (12, 55.0, 1, 38),
    (60, 110.0, 0, 67),
    (8, 45.0, 2, 60),
    (18, 60.0, 2, 40),
    (36, 99.0, 1, 29),
    (5, 120.0, 0, 70),
    (48, 140.0, 3, 33),
    (10, 30.0, 0, 25),
    (100, 15.25, 7, 81),
    (0, 499.0, 12, 18),
]


def _as_dict(values):
    return dict(zip(["tenure_months", "monthly_charges", "support_calls", "age"], values, strict=True))


# ---------------------------------------------------------------- R1: health


@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_health(api, version, describe):
    """GET /health answers 200 with {"status": "ok", "model_version": <the model's version>}."""
    got = api("GET", "/health")
    assert got["status"] == 200, f"expected 200, got {describe(got)}"
    body = got["json"]
    assert isinstance(body, dict) and body.get("status") == "ok", f'expected "status": "ok", got {body!r}'
    assert body.get("model_version") == version, f"expected model_version {version!r}, got {body!r}"


# ---------------------------------------------------------------- R2: one prediction


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_worked_example(api, make_customer, expected_probability, version, describe):
    """The README's worked example: probability 0.428..., churn true (above the model's 0.35), the version."""
    body = make_customer()
    got = api("POST", "/predict", json=body)
    assert got["status"] == 200, f"expected 200, got {describe(got)}"
    answer = got["json"]
    want = expected_probability(body)
    assert answer.get("churn_probability") == pytest.approx(want, rel=1e-6), (
        f"expected churn_probability {want:.6f}, got {answer.get('churn_probability')!r}"
    )
    assert answer.get("churn") is True, f"0.428 >= threshold 0.35, so churn is true; got {answer.get('churn')!r}"
    assert answer.get("model_version") == version, f"expected model_version {version!r}, got {answer!r}"


@pytest.mark.points(4)
@pytest.mark.requirement("R2")
def test_probabilities_use_the_models_feature_order(api, expected_probability, describe):
    """For 12 customers the probability is the model's, with the features in model.feature_names order."""
    wrong = []
    for values in CUSTOMERS:
        body = _as_dict(values)
        got = api("POST", "/predict", json=body)
        assert got["status"] == 200, f"{body}: expected 200, got {describe(got)}"
        have, want = got["json"].get("churn_probability"), expected_probability(body)
        if not isinstance(have, (int, float)) or abs(have - want) > 1e-4:
            wrong.append(f"{body}: got {have!r}, expected {want:.6f}")
    assert not wrong, f"{len(wrong)} of {len(CUSTOMERS)} probabilities wrong:\n" + "\n".join(wrong)


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_probability_not_rounded(api, expected_probability):
    """churn_probability is the model's float as it is, not rounded."""
    for values in CUSTOMERS[:4]:
        body = _as_dict(values)
        have, want = api("POST", "/predict", json=body)["json"].get("churn_probability"), expected_probability(body)
        assert have == pytest.approx(want, rel=1e-9, abs=1e-12), f"{body}: got {have!r}, expected {want!r}"


@pytest.mark.points(1)
@pytest.mark.requirement("R2")
def test_probability_at_the_threshold_is_churn(candidate, make_customer, spec, describe):
    """churn is true for a probability exactly at the threshold ("at or above"), single and batch.

    No real customer scores exactly 0.35, so a stand-in model answers every row with its own threshold.
    """
    threshold = spec["threshold"]
    body = make_customer()
    got = candidate.doubles.request_at_threshold("POST", "/predict", json=body)
    assert got["status"] == 200, f"{body}: expected 200, got {describe(got)}"
    assert got["json"].get("churn_probability") == threshold, (
        f"the stand-in model.predict_proba answers {threshold}; churn_probability should be that, got {got['json']!r}"
    )
    assert got["json"].get("churn") is True, (
        f"probability {threshold} is at the threshold {threshold}, so churn is true (>=); got {got['json']!r}"
    )
    got = candidate.doubles.request_at_threshold("POST", "/predict/batch", json={"items": [body]})
    assert got["status"] == 200, f"batch: expected 200, got {describe(got)}"
    results = got["json"].get("results") if isinstance(got["json"], dict) else None
    assert isinstance(results, list) and len(results) == 1, f"batch: expected one result, got {describe(got)}"
    assert results[0].get("churn") is True, (
        f"batch: probability {threshold} is at the threshold, so churn is true (>=); got {results[0]!r}"
    )


@pytest.mark.points(3)
@pytest.mark.requirement("R2")
def test_churn_uses_the_models_threshold(api, make_customer, expected_probability, describe):
    """churn is probability >= the model's threshold (0.35), not >= 0.5."""
    cases = [  # (customer, expected churn): probabilities 0.360, 0.445, 0.325, 0.110
        (make_customer(30, 60.0, 1, 55), True),
        (make_customer(30, 80.0, 1, 50), True),
        (make_customer(20, 60.0, 0, 55), False),
        (make_customer(60, 110.0, 0, 67), False),
    ]
    for body, want in cases:
        got = api("POST", "/predict", json=body)
        assert got["status"] == 200, f"{body}: expected 200, got {describe(got)}"
        p = expected_probability(body)
        assert got["json"].get("churn") is want, (
            f"{body}: probability {p:.3f}, so churn should be {want} with threshold 0.35; got {got['json']!r}"
        )
