"""Regenerate the synthetic data for the `feature-engineering` problem.

Writes
  starter/transactions.csv            the transactions the candidate sees (about 3,000 rows)
  hidden_tests/expected_features.csv  per-user features computed here with plain-Python loops
                                       (csv, datetime, zoneinfo, statistics), independently of the
                                       pandas reference solution.

Only the standard library is used; the output is identical on every run (seeded).

    python make_data.py
"""

from __future__ import annotations

import csv
import math
import random
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SEED = 20240310
N_USERS = 300
N_SINGLE = 25  # users with exactly one transaction
LOCAL_TZ = ZoneInfo("Europe/Berlin")
CATEGORIES = [
    "dining",
    "electronics",
    "entertainment",
    "fashion",
    "groceries",
    "health",
    "travel",
    "utilities",
]
P_MISSING_CATEGORY = 0.06
P_REFUND = 0.07
START = datetime(2024, 1, 1, tzinfo=UTC)
N_DAYS = 366  # the whole of 2024, both summer-time switches included

ROOT = Path(__file__).resolve().parent
TRANSACTIONS_CSV = ROOT / "starter" / "transactions.csv"
EXPECTED_CSV = ROOT / "hidden_tests" / "expected_features.csv"
COLUMNS = ["transaction_id", "user_id", "timestamp", "amount", "category"]
FEATURES = [
    "n_transactions",
    "total_amount",
    "mean_amount",
    "max_amount",
    "std_amount",
    "n_categories",
    "days_active",
]


def _time_of_day(rng: random.Random) -> timedelta:
    """A time of day in UTC; a third of them fall within two hours of midnight UTC, where the
    Berlin calendar day differs from the UTC one."""
    if rng.random() < 0.35:
        seconds = rng.randrange(21 * 3600, 26 * 3600) % (24 * 3600)
    else:
        seconds = rng.randrange(6 * 3600, 21 * 3600)
    return timedelta(seconds=seconds)


def _amount(rng: random.Random) -> float:
    value = round(math.exp(rng.gauss(3.2, 0.9)), 2)
    value = max(value, 0.5)
    if rng.random() < P_REFUND:
        value = -value
    return value


def _category(rng: random.Random, favourites: list[str]) -> str:
    if rng.random() < P_MISSING_CATEGORY:
        return ""
    if rng.random() < 0.7:
        return rng.choice(favourites)
    return rng.choice(CATEGORIES)


def generate(rng: random.Random) -> list[dict]:
    rows: list[dict] = []
    user_ids = [f"u{i:04d}" for i in range(1, N_USERS + 1)]
    single = set(rng.sample(user_ids, N_SINGLE))
    for user in user_ids:
        favourites = rng.sample(CATEGORIES, rng.randint(1, 3))
        n = 1 if user in single else min(2 + int(rng.expovariate(1 / 9)), 40)
        # a handful of active days; several transactions often share a day
        n_days = max(1, min(n, 1 + int(rng.expovariate(1 / 5))))
        days = [rng.randrange(N_DAYS) for _ in range(n_days)]
        for _ in range(n):
            ts = START + timedelta(days=rng.choice(days)) + _time_of_day(rng)
            rows.append(
                {
                    "user_id": user,
                    "timestamp": ts,
                    "amount": _amount(rng),
                    "category": _category(rng, favourites),
                }
            )

    # hand-made users covering the edge cases in the statement
    def add(user: str, iso: str, amount: float, category: str) -> None:
        rows.append(
            {
                "user_id": user,
                "timestamp": datetime.fromisoformat(iso),
                "amount": amount,
                "category": category,
            }
        )

    add("u0301", "2024-05-14T12:00:00+00:00", -19.99, "fashion")  # refund only, single row
    add("u0302", "2024-02-20T08:15:00+00:00", 12.40, "")  # categories all missing
    add("u0302", "2024-02-21T17:45:00+00:00", 8.10, "")
    add("u0303", "2024-03-10T22:30:00+00:00", 30.00, "groceries")  # 23:30 / 00:30 in Berlin
    add("u0303", "2024-03-10T23:30:00+00:00", -10.00, "groceries")
    add("u0304", "2024-07-01T21:30:00+00:00", 5.00, "dining")  # summer time: +02:00
    add("u0304", "2024-07-01T22:30:00+00:00", 6.00, "dining")

    rows.sort(key=lambda r: (r["timestamp"], r["user_id"], r["amount"]))
    for i, row in enumerate(rows, start=1):
        row["transaction_id"] = i
    return rows


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="seconds")


def write_transactions(rows: list[dict]) -> None:
    with TRANSACTIONS_CSV.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(
                [r["transaction_id"], r["user_id"], _iso(r["timestamp"]), f"{r['amount']:.2f}", r["category"]]
            )


def expected_features(path: Path) -> list[list]:
    """Plain-Python aggregation of the CSV as written (not the in-memory rows)."""
    by_user: dict[str, list[dict]] = defaultdict(list)
    with path.open(newline="") as f:
        for rec in csv.DictReader(f):
            by_user[rec["user_id"]].append(rec)
    out = []
    for user in sorted(by_user):
        recs = by_user[user]
        amounts = [float(r["amount"]) for r in recs]
        n = len(amounts)
        total = math.fsum(amounts)
        std = statistics.stdev(amounts) if n > 1 else 0.0
        categories = {r["category"] for r in recs if r["category"] != ""}
        days = {datetime.fromisoformat(r["timestamp"]).astimezone(LOCAL_TZ).date() for r in recs}
        out.append([user, n, total, total / n, max(amounts), std, len(categories), len(days)])
    return out


def write_expected(table: list[list]) -> None:
    with EXPECTED_CSV.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["user_id", *FEATURES])
        for user, n, total, mean, mx, std, n_cat, n_days in table:
            writer.writerow([user, n, repr(total), repr(mean), repr(mx), repr(std), n_cat, n_days])


def main() -> None:
    rng = random.Random(SEED)
    rows = generate(rng)
    TRANSACTIONS_CSV.parent.mkdir(parents=True, exist_ok=True)
    EXPECTED_CSV.parent.mkdir(parents=True, exist_ok=True)
    write_transactions(rows)
    table = expected_features(TRANSACTIONS_CSV)
    write_expected(table)
    print(f"{len(rows)} transactions, {len(table)} users -> {TRANSACTIONS_CSV.name}, {EXPECTED_CSV.name}")


if __name__ == "__main__":
    main()
