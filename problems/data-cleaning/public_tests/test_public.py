"""Visible examples: the worked example from statement.md and a smoke test on customers.csv."""

import pandas as pd
import pytest
from solution import clean_customers, numeric_summary, top_correlations

EXAMPLE = (
    'C001,2023-02-03,Germany,basic,34,"$52,000",120.50,12',
    ' c001,03/02/2023, germany,BASIC,34,52000,$120.50,12',
    'C002,15/01/2023,France,N/A,-5,"$61,500.00",80,?',
    'C003,null,FRANCE ,premium,41,,"$1,200.00",30',
    'C003,null,FRANCE ,premium,41,,"$1,200.00",30',
)


def test_worked_example_clean(make_raw):
    out = clean_customers(make_raw(*EXAMPLE))
    assert out.index.tolist() == [0, 1, 2]
    assert out["customer_id"].tolist() == ["C001", "C002", "C003"]
    assert out["country"].tolist() == ["germany", "france", "france"]
    assert out["plan"].tolist() == ["basic", "unknown", "premium"]
    assert out["signup_date"].iloc[:2].tolist() == [pd.Timestamp("2023-02-03"),
                                                   pd.Timestamp("2023-01-15")]
    assert pd.isna(out["signup_date"].iloc[2])
    assert out["age"].tolist() == pytest.approx([34, 37.5, 41])
    assert out["annual_income"].tolist() == pytest.approx([52000, 61500, 56750])
    assert out["monthly_spend"].tolist() == pytest.approx([120.5, 80, 1200])
    assert out["visits"].tolist() == pytest.approx([12, 0, 30])


def test_worked_example_summary_and_correlations(make_raw):
    clean = clean_customers(make_raw(*EXAMPLE))
    summary = numeric_summary(clean)
    assert list(summary.columns) == ["count", "mean", "median", "std", "min", "max"]
    assert summary.loc["age"].tolist() == pytest.approx([3, 37.5, 37.5, 3.5, 34, 41])
    got = top_correlations(clean, k=2)
    assert [(a, b) for a, b, _ in got] == [("monthly_spend", "visits"), ("age", "monthly_spend")]
    assert [r for _, _, r in got] == pytest.approx([0.9298630378635, 0.8496470414287163])


def test_data_file_cleans(raw_customers):
    clean = clean_customers(raw_customers)
    for col in ["age", "annual_income", "monthly_spend", "visits"]:
        assert pd.api.types.is_numeric_dtype(clean[col]), col
    assert pd.api.types.is_datetime64_any_dtype(clean["signup_date"])
    assert len(clean) < len(raw_customers)
