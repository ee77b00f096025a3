"""Pure arithmetic of the scorecard (docs/metrics.md): Wilson bounds, statuses and gaps.

No database here: selectors aggregate counts in SQL and pass them in. Targets are
Decimals so that 0.85 × 100 is exactly 85 (a float would make the gap 86).
"""

from __future__ import annotations

import math
from decimal import Decimal

Z = 1.959964
MIN_SAMPLE = 30
MIN_RESPONDENTS_FOR_DETAIL = 5

MET, NOT_MET, UNCERTAIN, INSUFFICIENT = (
    "met",
    "not_met",
    "uncertain",
    "insufficient_sample",
)


def ratio(numerator: int | float, denominator: int | float) -> float | None:
    return numerator / denominator if denominator else None


def wilson(p: float | None, n: int) -> tuple[float | None, float | None]:
    """95% Wilson score interval for a proportion p observed over n people."""
    if p is None or n <= 0:
        return None, None
    z2 = Z * Z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # The interval contains p; in floating point its end can miss by one ulp (p = 1
    # gave an upper bound of 0.9999999999999999 for n = 4, 10, 14…).
    return min(max(0.0, centre - half), p), max(min(1.0, centre + half), p)


def sample_status(
    low: float | None, high: float | None, n: int, target: Decimal
) -> str:
    if n < MIN_SAMPLE or low is None or high is None:
        return INSUFFICIENT
    if low >= float(target):
        return MET
    if high < float(target):
        return NOT_MET
    return UNCERTAIN


def participation_status(
    participants: int, headcount: int, target: Decimal
) -> str | None:
    """A census: met when the rate reaches the target; none when nobody is on the roster."""
    if not headcount:
        return None
    return MET if Decimal(participants) >= target * headcount else NOT_MET


def participation_gap(participants: int, headcount: int, target: Decimal) -> int:
    return max(0, math.ceil(target * headcount) - participants)


def recognition_gap(recognising: int, respondents: int, target: Decimal) -> int:
    """Recognising respondents still needed: solve (r + x) / (n + x) ≥ target for x."""
    return max(0, math.ceil((target * respondents - recognising) / (1 - target)))


def required_correct(threshold: Decimal, items: int) -> int:
    """Fewest correct items that reach the threshold share (exact decimal arithmetic)."""
    return math.ceil(threshold * items)
