"""Contest rankings: top 20 with shared ranks, each player's own rank, units by average
per player and total, all aggregated in the database."""

from __future__ import annotations

from datetime import timedelta

from quizzes.contests.models import ContestAnswer
from quizzes.contests.selectors import (
    answered_count,
    leaderboard,
    option_counts,
    player_standing,
    unit_ranking,
)
from quizzes.contests.services import (
    answer_submit,
    contest_next,
    contest_skip,
    contest_start,
    contest_tick,
    player_join,
    player_remove,
)
from units.models import Unit

from .conftest import T0, seconds


def _join(contest, name, unit_code):
    return player_join(
        contest=contest, display_name=name, unit=Unit.objects.get(code=unit_code)
    ).player


def _answer(contest, player, after, choice="A"):
    return answer_submit(
        contest_id=contest.pk,
        player=player,
        position=contest.current_index,
        choice=choice,
        received_at=contest.phase_started_at + after,
    )


def _opened(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0 - seconds(5))
    return contest_tick(contest=contest, now=T0)


def test_the_leaderboard_ranks_by_points_and_shares_ties(contest, host):
    a = _join(contest, "甲", "YK-GS-01")
    b = _join(contest, "乙", "YK-GS-01")
    c = _join(contest, "丙", "YK-JG-01")
    d = _join(contest, "丁", "YK-JG-01")
    contest = _opened(contest, host)
    _answer(contest, a, seconds(20))  # 500
    _answer(contest, b, seconds(0.2))  # 1000
    _answer(contest, c, seconds(20))  # 500
    _answer(contest, d, seconds(1), choice="B")  # 0
    board = leaderboard(contest=contest)
    assert [(r["rank"], r["name"], r["points"], r["correct"]) for r in board] == [
        (1, "乙", 1000, 1),
        (2, "甲", 500, 1),
        (2, "丙", 500, 1),
        (4, "丁", 0, 0),
    ]
    assert board[1]["unit"] == "胡库村"


def test_the_leaderboard_shows_the_top_20_and_a_player_their_own_rank(contest, host):
    contest.answer_seconds = 40
    contest.save()
    players = [_join(contest, f"选手{i:02d}", "YK-GS-01") for i in range(25)]
    contest = _opened(contest, host)
    for i, player in enumerate(players):
        # Later players answer later and score less: 1000 × (1 − (i + 1) / 80).
        _answer(contest, player, seconds(i + 1))
    board = leaderboard(contest=contest)
    assert len(board) == 20
    assert board[0]["name"] == "选手00" and board[-1]["name"] == "选手19"
    own = player_standing(contest=contest, player=players[24])
    assert own == {"rank": 25, "points": 688, "correct": 1, "players": 25}


def test_a_player_who_has_not_answered_stands_with_zero(contest, host):
    player = _join(contest, "甲", "YK-GS-01")
    assert player_standing(contest=contest, player=player) == {
        "rank": 1,
        "points": 0,
        "correct": 0,
        "players": 1,
    }


def test_units_rank_by_average_per_player_who_played_with_the_total(contest, host):
    hu = [_join(contest, f"胡{i}", "YK-GS-01") for i in range(3)]
    jw = [_join(contest, f"纪{i}", "YK-JG-01") for i in range(2)]
    _join(
        contest, "没答题", "YK-JG-01"
    )  # joined, never answered: not a player who played
    contest = _opened(contest, host)
    for player in hu:
        _answer(contest, player, seconds(20))  # 3 × 500
    _answer(contest, jw[0], seconds(0.4))  # 1000
    _answer(contest, jw[1], seconds(10))  # 750
    assert unit_ranking(contest=contest) == [
        {
            "unit_code": "YK-JG-01",
            "unit_name": "纪委",
            "players": 2,
            "total": 1750,
            "average": 875.0,
        },
        {
            "unit_code": "YK-GS-01",
            "unit_name": "胡库村",
            "players": 3,
            "total": 1500,
            "average": 500.0,
        },
    ]


def test_skipped_questions_and_removed_players_count_nowhere(contest, host):
    a = _join(contest, "甲", "YK-GS-01")
    b = _join(contest, "乙", "YK-GS-01")
    contest = _opened(contest, host)
    _answer(contest, a, seconds(20))
    _answer(contest, b, seconds(20))
    contest = contest_skip(contest=contest, user=host)
    player_remove(contest=contest, user=host, player=b)
    assert ContestAnswer.objects.count() == 2
    assert leaderboard(contest=contest) == [
        {
            "rank": 1,
            "player": a.pk,
            "name": "甲",
            "unit": "胡库村",
            "points": 0,
            "correct": 0,
        }
    ]
    assert unit_ranking(contest=contest) == []


def test_the_host_sees_answered_n_of_n_and_the_bars_per_option(contest, host):
    players = [_join(contest, f"p{i}", "YK-GS-01") for i in range(4)]
    contest = _opened(contest, host)
    for player, choice in zip(players[:3], "ABB", strict=True):
        _answer(contest, player, seconds(2), choice=choice)
    assert answered_count(contest=contest) == {"answered": 3, "players": 4}
    question = contest.questions.get(position=0)
    assert option_counts(question=question) == {"A": 1, "B": 2, "C": 0, "D": 0}


def test_the_leaderboard_reads_in_one_query(contest, host, django_assert_num_queries):
    for i in range(5):
        _join(contest, f"p{i}", "YK-GS-01")
    contest = contest_next(contest=contest, user=host)
    with django_assert_num_queries(1):
        leaderboard(contest=contest)
    with django_assert_num_queries(1):
        unit_ranking(contest=contest)


def test_answers_keep_their_time(contest, host):
    player = _join(contest, "甲", "YK-GS-01")
    contest = _opened(contest, host)
    answer = _answer(contest, player, timedelta(milliseconds=1300))
    assert answer.answer_time == timedelta(milliseconds=1300)
    assert answer.points == 968
