import pytest

FIELDS = ["tenure_months", "monthly_charges", "support_calls", "age"]


def _rejected(api, bodies, describe):
    """Bodies that /predict did not answer with 422, as readable lines."""
    misses = []
    for body in bodies:
        got = api("POST", "/predict", json=body)
        if got["status"] != 422:
            misses.append(f"{body}: {describe(got)}")
    return misses


# ---------------------------------------------------------------- R3: required fields, types, no unknown field


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_missing_field_is_rejected(api, make_without, describe):
    """A body missing any one of the four fields is rejected with 422."""
    misses = _rejected(api, [make_without(field) for field in FIELDS], describe)
    assert not misses, "expected 422 for a missing field:\n" + "\n".join(misses)


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_wrong_type_is_rejected(api, make_customer, describe):
    """Wrong types are rejected with 422: text for a number, null, a list, a fraction for an integer field."""
    bodies = [
        make_customer(monthly_charges="cheap"),
        make_customer(age="old"),
        make_customer(age=None),
        make_customer(tenure_months=[12]),
        make_customer(tenure_months=12.5),
        make_customer(support_calls=2.5),
    ]
    misses = _rejected(api, bodies, describe)
    assert not misses, "expected 422 for a wrong type:\n" + "\n".join(misses)


@pytest.mark.points(2)
@pytest.mark.requirement("R3")
def test_unknown_field_is_rejected(api, make_customer, make_without, describe):
    """An unknown field is rejected with 422, a typo of a real one ("tenure") included."""
    bodies = [make_customer(customer_id="c-1001"), make_without("tenure_months", tenure=40)]
    misses = _rejected(api, bodies, describe)
    assert not misses, "expected 422 for an unknown field:\n" + "\n".join(misses)


# ---------------------------------------------------------------- R4: ranges, NaN and infinity


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_inclusive_bounds_are_accepted(api, make_customer, expected_probability, describe):
    """The bounds of the table are allowed values: 0 and 120 months, 500 charges, 0 and 30 calls, 18 and 100 years."""
    bodies = [
        make_customer(tenure_months=0),
        make_customer(tenure_months=120),
        make_customer(monthly_charges=500),
        make_customer(monthly_charges=0.01),
        make_customer(support_calls=0),
        make_customer(support_calls=30),
        make_customer(age=18),
        make_customer(age=100),
    ]
    for body in bodies:
        got = api("POST", "/predict", json=body)
        assert got["status"] == 200, f"{body} is inside every range: expected 200, got {describe(got)}"
        have = got["json"].get("churn_probability")
        assert have == pytest.approx(expected_probability(body), abs=1e-4), f"{body}: churn_probability {have!r}"


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_out_of_range_is_rejected(api, make_customer, describe):
    """One step outside a range is rejected with 422 (-1 and 121 months, 500.01 charges, 31 calls, 17 and 101 years)."""
    bodies = [
        make_customer(tenure_months=-1),
        make_customer(tenure_months=121),
        make_customer(monthly_charges=500.01),
        make_customer(monthly_charges=-5.0),
        make_customer(support_calls=-1),
        make_customer(support_calls=31),
        make_customer(age=17),
        make_customer(age=101),
    ]
    misses = _rejected(api, bodies, describe)
    assert not misses, "expected 422 outside the ranges:\n" + "\n".join(misses)


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_zero_charges_is_rejected(api, make_customer, describe):
    """monthly_charges must be more than 0: 0 itself is rejected with 422."""
    misses = _rejected(api, [make_customer(monthly_charges=0), make_customer(monthly_charges=0.0)], describe)
    assert not misses, "expected 422 for monthly_charges 0:\n" + "\n".join(misses)


@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_nan_and_infinity_are_rejected(api, make_customer, describe):
    """NaN and infinity are not allowed values: "NaN", "Infinity", "-inf" for monthly_charges give 422."""
    bodies = [make_customer(monthly_charges=text) for text in ("NaN", "nan", "Infinity", "-inf")]
    misses = _rejected(api, bodies, describe)
    assert not misses, "expected 422 for NaN or infinity:\n" + "\n".join(misses)


# ---------------------------------------------------------------- R5: the error body, never a 500


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_error_body_names_the_field(api, make_without, fields_named, version, describe):
    """A 422 body is {"model_version": ..., "errors": [{"field": "age", "message": ...}]} for a missing age."""
    got = api("POST", "/predict", json=make_without("age"))
    assert got["status"] == 422, f"expected 422, got {describe(got)}"
    assert fields_named(got) == ["age"], f'expected one error with field "age", got {got["json"]!r}'
    assert got["json"].get("model_version") == version, f"expected model_version {version!r} in {got['json']!r}"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_every_bad_field_is_named(api, make_without, fields_named, describe):
    """Every bad field gets its own error: a missing tenure_months, an age of 10 and an unknown "plan"."""
    got = api("POST", "/predict", json=make_without("tenure_months", age=10, plan="gold"))
    assert got["status"] == 422, f"expected 422, got {describe(got)}"
    named = fields_named(got)
    assert sorted(named) == ["age", "plan", "tenure_months"], (
        f"expected errors for age, plan and tenure_months, got fields {named}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_nan_token_is_a_422_not_a_500(api, make_customer, fields_named, describe):
    """A body with the JSON tokens NaN or Infinity (as Python's json module writes them) gets 422, not 500."""
    for value in (float("nan"), float("inf")):
        got = api("POST", "/predict", json=make_customer(monthly_charges=value))
        assert got["status"] == 422, f"monthly_charges {value}: expected 422, got {describe(got)}"
        assert fields_named(got) == ["monthly_charges"], f"expected field monthly_charges, got {got['json']!r}"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_body_not_a_json_object(api, fields_named, version, describe):
    """A body that is not JSON, a JSON array, or no body at all gets 422 with the field "body"."""
    for body in ("this is not json", "[1, 2, 3]", None):
        got = api("POST", "/predict", body=body)
        assert got["status"] == 422, f"body {body!r}: expected 422, got {describe(got)}"
        assert fields_named(got) == ["body"], f'body {body!r}: expected one error with field "body", got {got["json"]}'
        assert got["json"].get("model_version") == version, f"body {body!r}: model_version missing in {got['json']!r}"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_field_errors(candidate):
    """field_errors keeps the last str of each loc and the msg, in order, and drops the input."""
    errors = [
        {"type": "missing", "loc": ("body", "age"), "msg": "Field required", "input": {}},
        {"type": "finite_number", "loc": ("body", "monthly_charges"), "msg": "Input should be a finite number",
         "input": float("nan")},
        {"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error", "input": {},
         "ctx": {"error": "Expecting value"}},
        {"type": "too_short", "loc": ("body", "items", 3), "msg": "List too short", "input": []},
        {"type": "extra_forbidden", "loc": ("plan",), "msg": "Extra inputs are not permitted", "input": "gold"},
    ]
    want = [
        {"field": "age", "message": "Field required"},
        {"field": "monthly_charges", "message": "Input should be a finite number"},
        {"field": "body", "message": "JSON decode error"},
        {"field": "items", "message": "List too short"},
        {"field": "plan", "message": "Extra inputs are not permitted"},
    ]
    got = candidate.field_errors(errors)
    assert got == want, f"expected {want}, got {got}"
