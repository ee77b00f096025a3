"""What a phone is told beyond the core protocol: the streak bonus inside the points it
won, and the top players beside its own rank on the leaderboard and podium."""

from __future__ import annotations

from quizzes.contests.selectors import PLAYER_TOP, player_state
from quizzes.contests.services import (
    answer_submit,
    contest_next,
    contest_start,
    contest_tick,
    player_join,
)
from units.models import Unit

from .conftest import T0, seconds


def _guest(contest, name):
    return player_join(
        contest=contest, display_name=name, unit=Unit.objects.get(code="YK-GS-01")
    ).player


def _answer_correctly(contest, player):
    key = contest.questions.get(position=contest.current_index).correct_keys
    return answer_submit(
        contest_id=contest.pk,
        player=player,
        position=contest.current_index,
        choice=key,
        received_at=contest.phase_started_at + seconds(0.4),
    )


def test_the_reveal_tells_the_phone_its_streak_bonus(contest, host):
    first, second = _guest(contest, "甲"), _guest(contest, "乙")
    contest = contest_start(contest=contest, user=host, now=T0 - seconds(5))
    contest = contest_tick(contest=contest, now=T0)
    _answer_correctly(contest, first)
    for _ in range(4):  # reveal, leaderboard, reading, answering of question 2
        contest = contest_next(contest=contest, user=host)
    _answer_correctly(contest, first)
    contest = contest_next(contest=contest, user=host)

    state = player_state(contest=contest, player=first, now=contest.phase_started_at)
    # 1000 for answering within half a second, +100 for a second correct in a row.
    assert state["answer"] == {
        "choice": contest.questions.get(position=1).correct_keys,
        "correct": True,
        "points": 1100,
        "bonus": 100,
        "streak": 2,
    }
    assert state["me"]["points"] == 2100
    assert "leaderboard" not in state

    contest = contest_next(contest=contest, user=host)
    board = player_state(contest=contest, player=second, now=contest.phase_started_at)
    assert [(r["rank"], r["name"], r["points"]) for r in board["leaderboard"]] == [
        (1, "甲", 2100),
        (2, "乙", 0),
    ]
    assert board["me"]["rank"] == 2


def test_the_phone_gets_only_the_top_few(contest, host):
    players = [_guest(contest, f"选手{i}") for i in range(PLAYER_TOP + 2)]
    contest = contest_start(contest=contest, user=host, now=T0 - seconds(5))
    contest = contest_tick(contest=contest, now=T0)
    contest = contest_next(contest=contest, user=host)
    contest = contest_next(contest=contest, user=host)
    state = player_state(contest=contest, player=players[-1], now=T0)
    assert len(state["leaderboard"]) == PLAYER_TOP
    assert state["me"]["players"] == PLAYER_TOP + 2
