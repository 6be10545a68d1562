"""Regenerate starter/customers.csv deterministically.

    python make_data.py

The file is built from 308 canonical customer records (300 customers, 8 of whom
appear twice with a different monthly_spend: distinct records, not duplicates).
Each record is rendered as messy text (random case and padding in country and plan,
padding elsewhere, currency formatting, ISO dates, the missing markers "", "N/A",
"null" and "?", sometimes padded).
On top of that, 15 rendered rows are repeated verbatim (exact duplicates) and 20
records are rendered a second time with different formatting (duplicates only
after normalisation). 343 raw rows in all; cleaning must leave 308.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

SEED = 20240607
N_CUSTOMERS = 300
N_SAME_ID_VARIANTS = 8
N_EXACT_DUPLICATES = 15
N_NORMALISED_DUPLICATES = 20
COLUMNS = ["customer_id", "signup_date", "country", "plan", "age",
           "annual_income", "monthly_spend", "visits"]
COUNTRIES = ["germany", "france", "spain", "italy", "poland", "netherlands"]
PLANS = ["basic", "plus", "premium"]
MARKERS = ["", " ", "N/A", "null", "?", " ? ", " N/A "]
OUT = Path(__file__).resolve().parent / "starter" / "customers.csv"


def canonical_records(rng: np.random.Generator) -> list[dict]:
    records = []
    start = dt.date(2021, 1, 1)
    for i in range(1, N_CUSTOMERS + 1):
        age = int(rng.integers(18, 76))
        plan = PLANS[rng.choice(3, p=[0.5, 0.3, 0.2])]
        income_cents = int(round(rng.lognormal(np.log(48000), 0.35), -2)) * 100
        if rng.random() < 0.3:
            income_cents += int(rng.integers(1, 100))
        spend_cents = int(
            100 * (0.0012 * income_cents / 100 + {"basic": 10, "plus": 35, "premium": 80}[plan]
                   + rng.normal(0, 15))
        )
        spend_cents = max(spend_cents, 500)
        visits = max(0, round(42 - 0.45 * age + rng.normal(0, 5)))
        rec = {
            "customer_id": f"C{i:04d}",
            "signup_date": start + dt.timedelta(days=int(rng.integers(0, 4 * 365))),
            "country": COUNTRIES[rng.choice(6, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.1])],
            "plan": plan,
            "age": age,
            "annual_income": income_cents,
            "monthly_spend": spend_cents,
            "visits": visits,
        }
        for col in COLUMNS[1:]:  # customer_id is never missing
            if rng.random() < 0.04:
                rec[col] = None
        records.append(rec)
    for idx in rng.choice(N_CUSTOMERS, N_SAME_ID_VARIANTS, replace=False):
        variant = dict(records[idx])
        variant["monthly_spend"] = (variant["monthly_spend"] or 5000) + int(rng.integers(100, 5000))
        records.append(variant)
    return records


def money(cents: int, rng: np.random.Generator) -> str:
    whole, frac = divmod(cents, 100)
    style = rng.integers(0, 5)
    if style == 0:
        text = f"${whole:,}.{frac:02d}"
    elif style == 1:
        text = f"{whole}.{frac:02d}"
    elif style == 2:
        text = f"$ {whole:,}.{frac:02d}"
    elif style == 3 and frac == 0:
        text = f"${whole:,}"
    else:
        text = f"{whole:,}.{frac:02d}"
    return pad(text, rng)


def pad(text: str, rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.08:
        return " " + text
    if r < 0.16:
        return text + "  "
    return text


def recase(text: str, rng: np.random.Generator) -> str:
    return [text, text.upper(), text.title(), text.lower()][rng.integers(0, 4)]


def render(rec: dict, rng: np.random.Generator) -> list[str]:
    def missing() -> str:
        return MARKERS[rng.integers(0, len(MARKERS))]

    cid = rec["customer_id"]
    cid = pad(cid, rng)
    d = rec["signup_date"]
    date = missing() if d is None else pad(d.strftime("%Y-%m-%d"), rng)
    country = missing() if rec["country"] is None else pad(recase(rec["country"], rng), rng)
    plan = missing() if rec["plan"] is None else pad(recase(rec["plan"], rng), rng)
    age = missing() if rec["age"] is None else pad(str(rec["age"]), rng)
    income = missing() if rec["annual_income"] is None else money(rec["annual_income"], rng)
    spend = missing() if rec["monthly_spend"] is None else money(rec["monthly_spend"], rng)
    visits = missing() if rec["visits"] is None else pad(str(rec["visits"]), rng)
    return [cid, date, country, plan, age, income, spend, visits]


def main() -> None:
    rng = np.random.default_rng(SEED)
    records = canonical_records(rng)
    rows = [render(rec, rng) for rec in records]
    extra = [list(rows[i]) for i in rng.choice(len(rows), N_EXACT_DUPLICATES, replace=False)]
    for i in rng.choice(len(records), N_NORMALISED_DUPLICATES, replace=False):
        again = render(records[i], rng)
        while again == rows[i]:
            again = render(records[i], rng)
        extra.append(again)
    rows += extra
    order = rng.permutation(len(rows))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows[i] for i in order)


if __name__ == "__main__":
    main()
