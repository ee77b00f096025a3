"""Contest points pinned on hand-computed cases of docs/metrics.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from quizzes.contests.scoring import (
    contest_points,
    corrected_time,
    is_fast,
    streak_bonus,
    time_points,
)

OPEN = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)


def test_an_answer_within_half_a_second_gets_full_points():
    assert contest_points(correct=True, t=0.4, T=20, streak=0) == 1000
    assert contest_points(correct=True, t=0.5, T=20, streak=0) == 1000


def test_an_answer_at_the_deadline_gets_half_the_points():
    assert contest_points(correct=True, t=20, T=20, streak=0) == 500
    assert contest_points(correct=True, t=10, T=10, streak=1) == 500


def test_points_fall_linearly_between():
    # 1000 × (1 − 10 / 40) = 750
    assert contest_points(correct=True, t=10, T=20, streak=0) == 750
    # 1000 × (1 − 3.2 / 40) = 920
    assert contest_points(correct=True, t=3.2, T=20, streak=0) == 920


def test_exact_halves_round_up():
    # 1000 × (1 − 1.3 / 40) = 967.5 → 968 (a float would give 967.4999…)
    assert time_points(t=1.3, T=20) == 968
    # 1000 × (1 − 0.7 / 40) = 982.5 → 983
    assert time_points(t=0.7, T=20) == 983
    # 1000 × (1 − 2.1 / 20) = 895 exactly, and 1000 × (1 − 2.11 / 20) = 894.5 → 895
    assert time_points(t=Decimal("2.11"), T=10) == 895
    # just below a half rounds down: 1000 × (1 − 1.30004 / 40) = 967.499 → 967
    assert time_points(t=timedelta(seconds=1, microseconds=300040), T=20) == 967


def test_a_wrong_answer_scores_nothing_whatever_the_streak():
    assert contest_points(correct=False, t=0.1, T=20, streak=5) == 0


def test_streak_bonus_starts_at_the_second_correct_answer_and_caps_at_500():
    assert [streak_bonus(streak=n) for n in range(0, 9)] == [
        0,
        0,
        100,
        200,
        300,
        400,
        500,
        500,
        500,
    ]


def test_a_streak_of_seven_adds_the_capped_500():
    assert contest_points(correct=True, t=0.4, T=20, streak=7) == 1500
    assert contest_points(correct=True, t=20, T=20, streak=7) == 1000


def test_corrected_time_subtracts_half_the_round_trip():
    t = corrected_time(
        received_at=OPEN + timedelta(seconds=3, milliseconds=150),
        opened_at=OPEN,
        rtt=timedelta(milliseconds=300),
        T=20,
    )
    assert t == timedelta(seconds=3)


def test_corrected_time_is_clamped_to_zero_and_T():
    early = corrected_time(
        received_at=OPEN + timedelta(milliseconds=100),
        opened_at=OPEN,
        rtt=timedelta(milliseconds=400),
        T=20,
    )
    late = corrected_time(
        received_at=OPEN + timedelta(seconds=21),
        opened_at=OPEN,
        rtt=timedelta(0),
        T=20,
    )
    assert early == timedelta(0)
    assert late == timedelta(seconds=20)


def test_answers_faster_than_0_3_s_are_flagged_but_scored():
    assert is_fast(t=timedelta(milliseconds=299)) is True
    assert is_fast(t=timedelta(milliseconds=300)) is False
    assert contest_points(correct=True, t=0.2, T=20, streak=0) == 1000


def test_T_must_be_positive():
    with pytest.raises(ValueError):
        time_points(t=0, T=0)
