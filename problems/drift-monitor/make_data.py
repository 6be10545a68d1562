"""Regenerate the synthetic data for the `drift-monitor` problem.

Writes two windows of a payments model's input features:
  starter/reference.csv  3,000 rows: the window the model was trained on
  starter/recent.csv     1,200 rows: last week's traffic

Numeric: amount (shifted up in the recent window), customer_age (stable), session_seconds (stable),
n_items (small integers, slightly shifted: many ties on the bin edges). Categorical: channel (the mix
moves from web to app), country (stable shares, plus "PL", which the reference window never saw).
3,000 reference rows make n - 1 = 2,999 prime to 10, so no decile falls exactly on a data position.
Seeded: every run writes identical files.

    python make_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SEED = 2030
ROOT = Path(__file__).resolve().parent / "starter"
COLUMNS = ["amount", "customer_age", "session_seconds", "n_items", "channel", "country"]


def _window(rng: np.random.Generator, n: int, recent: bool) -> list[tuple]:
    amount = np.round(np.exp(rng.normal(3.9 if recent else 3.6, 0.8, n)), 2)
    age = rng.integers(18, 81, n)
    session = np.round(rng.gamma(2.0, 90.0, n), 1)
    items = 1 + rng.poisson(2.3 if recent else 2.0, n)
    channel = rng.choice(["web", "app", "store"], n, p=[0.3, 0.55, 0.15] if recent else [0.5, 0.35, 0.15])
    countries = ["DE", "FR", "ES", "IT", "NL"]
    if recent:
        country = rng.choice([*countries, "PL"], n, p=[0.36, 0.22, 0.15, 0.12, 0.1, 0.05])
    else:
        country = rng.choice(countries, n, p=[0.38, 0.23, 0.16, 0.13, 0.1])
    return list(zip(amount, age, session, items, channel, country, strict=True))


def _write(path: Path, rows: list[tuple]) -> None:
    with path.open("w", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for amount, age, session, items, channel, country in rows:
            f.write(f"{amount:.2f},{age},{session:.1f},{items},{channel},{country}\n")


def main() -> None:
    rng = np.random.default_rng(SEED)
    ROOT.mkdir(parents=True, exist_ok=True)
    _write(ROOT / "reference.csv", _window(rng, 3000, recent=False))
    _write(ROOT / "recent.csv", _window(rng, 1200, recent=True))
    print("3000 reference rows, 1200 recent rows -> reference.csv, recent.csv")


if __name__ == "__main__":
    main()
