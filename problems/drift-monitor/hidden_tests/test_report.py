import numpy as np
import pandas as pd
import pytest
from scipy import stats

CATEGORICAL = ["channel", "country"]
REPORT_COLUMNS = ["kind", "psi", "statistic", "p_value", "p_adjusted", "alert"]
SHIPPED_ORDER = ["country", "channel", "amount", "n_items", "session_seconds", "customer_age"]


def _crafted():
    """Two small windows (60 and 40 rows), m = 3 features, checked with n_bins=5.

    shifted: recent moved by 0.45; KS p = 0.0366 (significant alone, not after x3), PSI 0.22.
    noisy:   same distribution; KS p = 0.55 but PSI 0.21 (small windows are noisy).
    channel: a large, significant shift.
    """
    rng = np.random.default_rng(43)
    ref_shifted, rec_shifted = rng.normal(size=60).round(3), (rng.normal(size=40) + 0.45).round(3)
    rng = np.random.default_rng(1020)
    ref_noisy, rec_noisy = rng.normal(size=60).round(3), rng.normal(size=40).round(3)
    reference = pd.DataFrame({"shifted": ref_shifted, "noisy": ref_noisy, "channel": ["web"] * 45 + ["app"] * 15})
    recent = pd.DataFrame({"shifted": rec_shifted, "noisy": rec_noisy, "channel": ["web"] * 10 + ["app"] * 30})
    return reference, recent


def _report(candidate, reference, recent, categorical, **kw):
    got = candidate.drift_report(reference, recent, categorical, **kw)
    assert isinstance(got, pd.DataFrame), f"expected a DataFrame, got {type(got).__name__}"
    missing = [c for c in REPORT_COLUMNS if c not in got.columns]
    assert not missing, f"columns {missing} missing; got {list(got.columns)}"
    return got


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_report_layout(shipped_report):
    """Indexed by feature (index named "feature"), one row per column, exactly REPORT_COLUMNS in order."""
    got = shipped_report
    assert list(got.columns) == REPORT_COLUMNS, f"columns: expected {REPORT_COLUMNS}, got {list(got.columns)}"
    assert got.index.name == "feature", f"index name: expected 'feature', got {got.index.name!r}"
    assert sorted(got.index) == sorted(SHIPPED_ORDER), f"one row per feature expected, got {list(got.index)}"
    kinds = {f: got.loc[f, "kind"] for f in got.index}
    assert kinds == {f: ("categorical" if f in CATEGORICAL else "numeric") for f in SHIPPED_ORDER}, f"kind: {kinds}"


@pytest.mark.points(3)
@pytest.mark.requirement("R5")
def test_report_values_on_shipped_windows(shipped_report, windows, expected_psi, psi_sum):
    """psi, statistic and p_value of every shipped feature come from R2/R3 (numeric) and R4 (categorical)."""
    reference, recent = windows
    for feature in SHIPPED_ORDER:
        if feature in CATEGORICAL:
            cats = sorted(set(reference[feature]) | set(recent[feature]))
            a = np.array([(reference[feature] == c).sum() for c in cats])
            b = np.array([(recent[feature] == c).sum() for c in cats])
            test = stats.chi2_contingency(np.vstack([a, b]), correction=False)
            want_psi = psi_sum(a / a.sum(), b / b.sum())
        else:
            test = stats.ks_2samp(reference[feature], recent[feature])
            want_psi = expected_psi(reference[feature], recent[feature])
        row = shipped_report.loc[feature]
        assert row["psi"] == pytest.approx(want_psi, rel=1e-3), (
            f"{feature}: psi {row['psi']:.4f}, expected {want_psi:.4f}"
        )
        assert row["statistic"] == pytest.approx(test.statistic, rel=1e-9), f"{feature}: statistic"
        assert row["p_value"] == pytest.approx(test.pvalue, rel=1e-6, abs=1e-300), f"{feature}: p_value"


@pytest.mark.points(3)
@pytest.mark.requirement("R5")
def test_p_adjusted_is_bonferroni_capped_at_one(shipped_report):
    """p_adjusted = min(1, p_value * 6) on the six shipped features."""
    for feature, row in shipped_report.iterrows():
        want = min(1.0, row["p_value"] * 6)
        assert row["p_adjusted"] == pytest.approx(want, rel=1e-9, abs=1e-300), (
            f"{feature}: p_adjusted {row['p_adjusted']}, expected min(1, {row['p_value']:.4g} * 6) = {want:.4g}"
        )


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_alerts_on_shipped_windows(shipped_report):
    """country, channel and amount alert; n_items is significant but its PSI is below 0.1."""
    alerts = sorted(f for f, a in shipped_report["alert"].items() if bool(a))
    assert alerts == ["amount", "channel", "country"], (
        f"alerting features: expected amount, channel, country, got {alerts}"
    )


@pytest.mark.points(3)
@pytest.mark.requirement("R5")
def test_alert_uses_the_corrected_p_value(candidate):
    """A shift with raw p = 0.037 and PSI 0.22 does not alert among 3 features: p_adjusted = 0.11."""
    reference, recent = _crafted()
    p_raw = stats.ks_2samp(reference["shifted"], recent["shifted"]).pvalue
    assert 0.05 / 3 < p_raw < 0.05  # the case the correction is for
    got = _report(candidate, reference, recent, ["channel"], n_bins=5)
    assert not bool(got.loc["shifted", "alert"]), (
        f"'shifted' alerted with raw p = {p_raw:.3f}: alerts use p_adjusted = min(1, 3 * p) = {3 * p_raw:.3f}"
    )
    assert bool(got.loc["channel", "alert"]), "'channel' (significant, PSI far above 0.1) should alert"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_alert_needs_both_significance_and_psi(candidate):
    """No alert for a large PSI that is not significant, nor for a significant shift below psi_threshold."""
    reference, recent = _crafted()
    got = _report(candidate, reference, recent, ["channel"], n_bins=5)
    assert got.loc["noisy", "psi"] >= 0.1 and got.loc["noisy", "p_adjusted"] >= 0.05
    assert not bool(got.loc["noisy", "alert"]), "'noisy' alerted on PSI alone; an alert needs p_adjusted < alpha too"
    looser = _report(candidate, reference, recent, ["channel"], n_bins=5, alpha=0.2, psi_threshold=0.3)
    assert not bool(looser.loc["shifted", "alert"]), "with psi_threshold=0.3, 'shifted' (PSI 0.22) must not alert"
    assert bool(looser.loc["channel", "alert"]), "alpha and psi_threshold are arguments of drift_report"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_rows_ranked_alerts_first_then_psi(shipped_report):
    """Shipped order: country, channel, amount (alerts, by PSI), then n_items, session_seconds, customer_age."""
    got = list(shipped_report.index)
    assert got == SHIPPED_ORDER, f"row order: expected {SHIPPED_ORDER}, got {got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_alerts_ranked_before_a_larger_psi(candidate):
    """Alerts come first even when a feature that does not alert has a larger PSI.

    With alpha=0.2 among 4 features, 'shifted' alerts (p_adjusted 0.15, PSI 0.22); 'wide' does not
    (KS p = 0.69, PSI 0.43, small windows are noisy), so the order is channel, shifted, wide, noisy.
    """
    reference, recent = _crafted()
    rng = np.random.default_rng(26)
    reference["wide"], recent["wide"] = rng.normal(size=60).round(3), rng.normal(size=40).round(3)
    got = _report(candidate, reference, recent, ["channel"], n_bins=5, alpha=0.2)
    order = list(got.index)
    assert order == ["channel", "shifted", "wide", "noisy"], (
        f"row order: expected channel, shifted (alerts, by PSI), then wide, noisy (by PSI), got {order}; "
        f"alerts: {[f for f, a in got['alert'].items() if bool(a)]}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_columns_named_categorical_are_categorical(candidate, psi_sum):
    """A column named in `categorical` is categorical even when its values are integer codes."""
    reference, recent = _crafted()
    reference["segment"] = [1] * 30 + [2] * 20 + [3] * 10
    recent["segment"] = [1] * 10 + [2] * 10 + [3] * 20
    got = _report(candidate, reference, recent, ["channel", "segment"], n_bins=5)
    row = got.loc["segment"]
    assert row["kind"] == "categorical", (
        f"'segment' is named in categorical, so its kind is 'categorical' whatever its dtype; got {row['kind']!r}"
    )
    a, b = np.array([30, 20, 10]), np.array([10, 10, 20])
    test = stats.chi2_contingency(np.vstack([a, b]), correction=False)
    assert row["statistic"] == pytest.approx(test.statistic, rel=1e-9), (
        f"'segment': statistic {row['statistic']:.4f}, expected the chi-square {test.statistic:.4f}"
    )
    assert row["p_value"] == pytest.approx(test.pvalue, rel=1e-6), "'segment': p_value of the chi-square test"
    assert row["psi"] == pytest.approx(psi_sum(a / 60, b / 40), rel=1e-6), "'segment': psi over its categories"
    assert got.loc["shifted", "kind"] == "numeric", "columns not named in categorical are numeric"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_ties_ranked_by_name(candidate):
    """Two features with the same values tie on alert and PSI and are ordered by name."""
    reference, recent = _crafted()
    reference = reference.assign(b_copy=reference["shifted"], a_copy=reference["shifted"])
    recent = recent.assign(b_copy=recent["shifted"], a_copy=recent["shifted"])
    got = _report(candidate, reference, recent, ["channel"], n_bins=5)
    order = [f for f in got.index if f in ("a_copy", "b_copy", "shifted")]
    assert order == ["a_copy", "b_copy", "shifted"], f"tied rows must be ordered by name, got {order}"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_bonferroni_counts_every_feature(candidate):
    """m counts all features, numeric and categorical: with 2 numeric + 1 categorical, p_adjusted = 3 * p."""
    reference, recent = _crafted()
    p_raw = stats.ks_2samp(reference["shifted"], recent["shifted"]).pvalue
    got = _report(candidate, reference, recent, ["channel"], n_bins=5)
    assert got.loc["shifted", "p_adjusted"] == pytest.approx(3 * p_raw, rel=1e-6), (
        f"'shifted': p_adjusted {got.loc['shifted', 'p_adjusted']:.4f}, expected 3 * {p_raw:.4f} "
        "(m = all 3 features of the report)"
    )
