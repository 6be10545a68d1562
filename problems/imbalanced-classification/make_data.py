"""Regenerate the synthetic data for the `imbalanced-classification` problem.

Writes starter/transactions.csv: 5,000 card transactions, exactly 75 of them fraud (1.5%), with six
numeric features and the label `is_fraud`. Fraud is shifted towards large amounts, night hours, young
accounts, bursts of transactions, long distances and foreign merchants, with enough overlap that no
feature separates the classes on its own. Seeded: every run writes the identical file.

    python make_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SEED = 30
N_ROWS = 5000
N_FRAUD = 75
COLUMNS = ["amount", "hour", "account_age_days", "tx_last_24h", "distance_km", "is_foreign", "is_fraud"]
OUT = Path(__file__).resolve().parent / "starter" / "transactions.csv"


def _rows(rng: np.random.Generator, n: int, fraud: bool) -> np.ndarray:
    if fraud:
        amount = np.exp(rng.normal(4.3, 1.1, n))
        hour = np.where(rng.random(n) < 0.45, rng.integers(0, 6, n), rng.integers(0, 24, n))
        age = rng.exponential(350.0, n)
        burst = rng.poisson(3.5, n)
        distance = rng.exponential(90.0, n)
        foreign = rng.random(n) < 0.3
    else:
        amount = np.exp(rng.normal(3.6, 1.0, n))
        hour = np.where(rng.random(n) < 0.9, rng.integers(7, 23, n), rng.integers(0, 24, n))
        age = rng.exponential(900.0, n)
        burst = rng.poisson(1.8, n)
        distance = rng.exponential(25.0, n)
        foreign = rng.random(n) < 0.06
    return np.column_stack(
        [
            np.round(amount, 2),
            hour,
            np.floor(age) + 1,
            burst,
            np.round(distance, 1),
            foreign.astype(int),
            np.full(n, int(fraud)),
        ]
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    table = np.vstack([_rows(rng, N_ROWS - N_FRAUD, False), _rows(rng, N_FRAUD, True)])
    table = table[rng.permutation(N_ROWS)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for row in table:
            f.write(f"{row[0]:.2f},{int(row[1])},{int(row[2])},{int(row[3])},{row[4]:.1f},{int(row[5])},{int(row[6])}\n")
    print(f"{N_ROWS} rows, {int(table[:, -1].sum())} fraud -> {OUT.name}")


if __name__ == "__main__":
    main()
