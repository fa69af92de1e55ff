"""How big a sandbox firm is: the knobs that scale it from a unit-test fixture to a benchmark."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    billing_customers: int  # customers with won work, per legal entity
    holdings: int  # customer groups (a holding with subsidiaries), per legal entity
    prospects: int  # CRM-only accounts, per legal entity
    direct_customers: int  # invoiced straight in the ERP, per legal entity
    onboarding: int  # won recently, work about to start, per legal entity
    consultants: int  # per legal entity (names: 1,080 pairings, then with a middle initial, people.py)
    daily_log_chance: float  # chance a project member logs time on a workday
    plants: tuple[int, int]  # instances per finding code (min, max)
    malformed: tuple[int, int]  # malformed records per rule (min, max)


SIZES = {
    "small": Size(
        "small",
        billing_customers=10,
        holdings=1,
        prospects=5,
        direct_customers=2,
        onboarding=2,
        consultants=4,
        daily_log_chance=0.07,
        plants=(2, 3),
        malformed=(2, 2),
    ),
    "demo": Size(
        "demo",
        billing_customers=70,
        holdings=8,
        prospects=25,
        direct_customers=6,
        onboarding=5,
        consultants=20,
        daily_log_chance=0.35,
        plants=(5, 8),
        malformed=(3, 4),
    ),
    "large": Size(
        "large",
        billing_customers=350,
        holdings=30,
        prospects=80,
        direct_customers=15,
        onboarding=10,
        consultants=90,
        daily_log_chance=0.9,
        plants=(8, 12),
        malformed=(4, 6),
    ),
    # issue 4's shape (2 million time entries, 20,000 customers, 200,000 invoices): invoices come one per
    # project month and time one per member day, so it takes many customers whose projects log sparsely
    "benchmark": Size(
        "benchmark",
        billing_customers=6800,
        holdings=600,
        prospects=400,
        direct_customers=40,
        onboarding=30,
        consultants=300,
        daily_log_chance=0.15,
        plants=(8, 12),
        malformed=(4, 6),
    ),
}


def size_for(name: str) -> Size:
    """A named size, scaled by `<name>:<factor>` (customers with won work, holdings, consultants): `large:3`, or
    `benchmark:0.1` for a tenth of the benchmark firm."""
    base, _, factor = name.partition(":")
    if base not in SIZES:
        raise ValueError(f"unknown sandbox size {name!r}: expected one of {sorted(SIZES)}")
    size = SIZES[base]
    if not factor:
        return size
    k = float(factor)
    return Size(
        name,
        round(size.billing_customers * k),
        round(size.holdings * k),
        size.prospects,
        size.direct_customers,
        size.onboarding,
        round(size.consultants * k),
        size.daily_log_chance,
        size.plants,
        size.malformed,
    )
