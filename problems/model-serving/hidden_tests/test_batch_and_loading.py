import pytest


def _results(got, n, describe):
    """The "results" list of a 200 batch answer, checked for length and indexes."""
    assert got["status"] == 200, f"expected 200, got {describe(got)}"
    results = got["json"].get("results") if isinstance(got["json"], dict) else None
    assert isinstance(results, list) and len(results) == n, f"expected {n} results, got {describe(got)}"
    indexes = [r.get("index") for r in results]
    assert indexes == list(range(n)), f"expected indexes 0..{n - 1} in input order, got {indexes}"
    return results


def _check_prediction(result, body, expected_probability):
    want = expected_probability(body)
    assert "errors" not in result, f"item {result.get('index')} is valid, got {result!r}"
    assert result.get("churn_probability") == pytest.approx(want, rel=1e-6), (
        f"item {result.get('index')}: expected churn_probability {want:.6f}, got {result!r}"
    )
    assert result.get("churn") is (want >= 0.35), f"item {result.get('index')}: churn should be {want >= 0.35}"


# ---------------------------------------------------------------- R6: batch


@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_batch_of_valid_items(api, make_customer, expected_probability, version, describe):
    """Five valid items: five results in input order, each with the probability and churn of /predict."""
    items = [
        make_customer(),
        make_customer(3, 89.9, 4, 31),
        make_customer(60, 110.0, 0, 67),
        make_customer(20, 60.0, 0, 55),
        make_customer(100, 15.25, 7, 81),
    ]
    got = api("POST", "/predict/batch", json={"items": items})
    results = _results(got, len(items), describe)
    assert got["json"].get("model_version") == version, f"expected model_version {version!r}"
    for result, body in zip(results, items, strict=True):
        _check_prediction(result, body, expected_probability)


MIXED = [  # items 1 and 3 are bad
    (12, 55.0, 1, 38),
    "age=10",
    (48, 140.0, 3, 33),
    "no tenure_months, unknown plan",
    (8, 45.0, 2, 60),
]


def _mixed_items(make_customer, make_without):
    bad = {
        "age=10": make_customer(age=10),
        "no tenure_months, unknown plan": make_without("tenure_months", plan="gold"),
    }
    return [bad[item] if isinstance(item, str) else make_customer(*item) for item in MIXED]


@pytest.mark.points(4)
@pytest.mark.requirement("R6")
def test_bad_item_does_not_fail_the_batch(api, make_customer, make_without, expected_probability, describe):
    """Items 1 and 3 of five are bad: the answer is still 200 and items 0, 2 and 4 are scored."""
    items = _mixed_items(make_customer, make_without)
    got = api("POST", "/predict/batch", json={"items": items})
    assert got["status"] == 200, f"one bad item must not fail the batch: expected 200, got {describe(got)}"
    results = got["json"].get("results") if isinstance(got["json"], dict) else None
    assert isinstance(results, list), f'expected a "results" list, got {describe(got)}'
    by_index = {r.get("index"): r for r in results if isinstance(r, dict)}
    for i in (0, 2, 4):
        assert i in by_index, f"no result with index {i} (a valid item); indexes {sorted(by_index, key=str)}"
        _check_prediction(by_index[i], items[i], expected_probability)


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_bad_items_get_their_own_errors(api, make_customer, make_without, fields_named, describe):
    """In the same batch, items 1 and 3 each get a result {"index", "errors"} naming their bad fields."""
    items = _mixed_items(make_customer, make_without)
    results = _results(api("POST", "/predict/batch", json={"items": items}), len(items), describe)
    for i, want in ((1, ["age"]), (3, ["plan", "tenure_months"])):
        assert results[i].get("churn_probability") is None, f"item {i} is bad: no churn_probability, got {results[i]!r}"
        named = fields_named({"status": 200, "json": results[i]})
        assert sorted(named) == want, f"item {i}: expected errors for {want}, got {results[i]!r}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_batch_of_bad_items_only(api, make_customer, make_without, fields_named, describe):
    """When every item is bad the answer is still 200, with one error result per item."""
    items = [make_customer(support_calls=31), make_without("age"), make_customer(monthly_charges=0)]
    results = _results(api("POST", "/predict/batch", json={"items": items}), len(items), describe)
    for result, want in zip(results, (["support_calls"], ["age"], ["monthly_charges"]), strict=True):
        assert fields_named({"status": 200, "json": result}) == want, f"expected errors for {want}, got {result!r}"


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_batch_item_with_nan_token(api, make_customer, expected_probability, fields_named, describe):
    """An item holding the JSON token NaN gets its own error; the batch still answers 200."""
    items = [make_customer(monthly_charges=float("nan")), make_customer()]
    results = _results(api("POST", "/predict/batch", json={"items": items}), 2, describe)
    assert fields_named({"status": 200, "json": results[0]}) == ["monthly_charges"], f"got {results[0]!r}"
    _check_prediction(results[1], items[1], expected_probability)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_empty_batch_rejected(api, fields_named, describe):
    """A batch with 0 items is rejected with 422 naming "items"."""
    got = api("POST", "/predict/batch", json={"items": []})
    assert got["status"] == 422, f"0 items: expected 422, got {describe(got)}"
    assert fields_named(got) == ["items"], f'0 items: expected one error with field "items", got {got["json"]!r}'


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_batch_size_limit(api, make_customer, fields_named, describe):
    """101 items are rejected with 422 naming "items"; exactly 100 items are scored."""
    got = api("POST", "/predict/batch", json={"items": [make_customer()] * 101})
    assert got["status"] == 422, f"101 items: expected 422, got {describe(got)}"
    assert fields_named(got) == ["items"], f'101 items: expected one error with field "items", got {got["json"]!r}'
    _results(api("POST", "/predict/batch", json={"items": [make_customer()] * 100}), 100, describe)


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_batch_envelope_rejected(api, make_customer, fields_named, describe):
    """A batch body without "items", or whose "items" is not a list, is rejected with 422 naming "items"."""
    for body in ({"customers": [make_customer()]}, {"items": make_customer()}):
        got = api("POST", "/predict/batch", json=body)
        assert got["status"] == 422, f"{body}: expected 422, got {describe(got)}"
        assert "items" in fields_named(got), f'{body}: expected an error with field "items", got {got["json"]!r}'


# ---------------------------------------------------------------- R7: the model is loaded once


@pytest.mark.points(5)
@pytest.mark.requirement("R7")
def test_model_file_not_read_per_request(candidate, api, make_customer, describe):
    """The model file is read once, not per request: 8 requests in a row open model.json 0 more times."""
    api("GET", "/health")  # the app has started (and a lazy loader has run) before counting
    api("POST", "/predict", json=make_customer())
    before = candidate.doubles.model_file_reads()
    answers = [api("POST", "/predict", json=make_customer(tenure_months=t)) for t in (1, 20, 40, 80)]
    answers.append(api("POST", "/predict/batch", json={"items": [make_customer(), make_customer(age=30)]}))
    answers += [api("GET", "/health"), api("POST", "/predict", json=make_customer(age=99)),
                api("POST", "/predict/batch", json={"items": [make_customer(support_calls=9)]})]
    after = candidate.doubles.model_file_reads()
    failed = [describe(a) for a in answers if a["status"] != 200]
    assert not failed, f"every request here is valid and must be answered 200: {failed[:3]}"
    assert after == before, f"model.json was opened {after - before} times during 8 requests; load it once"
