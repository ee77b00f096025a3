"""Contest points exactly as docs/metrics.md defines them (Quizzes, points and contests).

Pure functions, no database: the service passes in server timestamps and the round trip
it measured, and stores what comes out. Arithmetic is exact (Fraction) so that "round half
up" means what it says: 967.5 points become 968, never 967 through a float's 967.4999….
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

MAX_POINTS = 1000
# Below this corrected time nobody can tell answers apart, so all get full points.
FULL_POINTS_WITHIN = Fraction(1, 2)
STREAK_STEP = 100
STREAK_CAP = 500
# Faster than a person can read four buttons: flagged in the results, still scored.
FAST_ANSWER = Fraction(3, 10)

Seconds = int | float | Decimal | Fraction | timedelta


def _exact(value: Seconds) -> Fraction:
    if isinstance(value, timedelta):
        return Fraction(value // timedelta(microseconds=1), 1_000_000)
    if isinstance(value, float):
        # The decimal a person wrote (0.4), not the nearest binary fraction.
        return Fraction(repr(value))
    return Fraction(value)


def corrected_time(
    *, received_at: datetime, opened_at: datetime, rtt: timedelta, T: Seconds
) -> timedelta:
    """t = receipt − question open − half the round trip measured at join, clamped to
    [0, T]; microsecond precision, as the timestamps have."""
    limit = timedelta(microseconds=int(_exact(T) * 1_000_000))
    t = received_at - opened_at - rtt / 2
    return max(timedelta(0), min(t, limit))


def is_fast(*, t: Seconds) -> bool:
    return _exact(t) < FAST_ANSWER


def streak_bonus(*, streak: int) -> int:
    """+100 from the second consecutive correct answer, +100 per further one, ≤ +500.
    `streak` counts the consecutive correct answers ending with this one."""
    if streak < 2:
        return 0
    return min(STREAK_CAP, STREAK_STEP * (streak - 1))


def time_points(*, t: Seconds, T: Seconds) -> int:
    """Round half up of 1000 × (1 − t / (2T)) for a correct answer; 1000 when t ≤ 0.5 s."""
    t, T = _exact(t), _exact(T)
    if T <= 0:
        raise ValueError("T must be positive")
    t = min(max(t, Fraction(0)), T)
    if t <= FULL_POINTS_WITHIN:
        return MAX_POINTS
    exact = MAX_POINTS * (1 - t / (2 * T))
    return int((exact + Fraction(1, 2)).__floor__())


def contest_points(*, correct: bool, t: Seconds, T: Seconds, streak: int) -> int:
    """Points for one answer: time-scaled points plus the streak bonus, 0 when wrong.
    Pass streak=0 when the contest has the streak bonus switched off."""
    if not correct:
        return 0
    return time_points(t=t, T=T) + streak_bonus(streak=streak)
