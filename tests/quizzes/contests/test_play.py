"""Joining and answering: server timing, one answer per question, streaks, flags."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quizzes.contests.models import ContestAnswer, Phase, Player
from quizzes.contests.selectors import options_for_player
from quizzes.contests.services import (
    AnswerRejected,
    ContestError,
    answer_submit,
    contest_create,
    contest_next,
    contest_pause,
    contest_skip,
    contest_start,
    contest_tick,
    player_from_token,
    player_join,
    player_remove,
    player_set_rtt,
)
from tests.factories import make_person
from tests.quizzes.conftest import make_question
from units.models import Unit

from .conftest import T0, four_options, seconds

VILLAGE = "YK-GS-01"


def _guest(contest, name="张三", unit_code=VILLAGE):
    return player_join(
        contest=contest, display_name=name, unit=Unit.objects.get(code=unit_code)
    ).player


def _open(contest, host, *, at=T0):
    """Start the contest and open question 1 for answers at `at`."""
    contest = contest_start(contest=contest, user=host, now=at - seconds(5))
    return contest_tick(contest=contest, now=at)


def _answer(contest, player, *, after, choice="A", position=None):
    return answer_submit(
        contest_id=contest.pk,
        player=player,
        position=contest.current_index if position is None else position,
        choice=choice,
        received_at=contest.phase_started_at + after,
    )


def _next_question(contest, host):
    """From answering, through reveal and leaderboard, to the next question's answering."""
    for _ in range(3):
        contest = contest_next(contest=contest, user=host)
    return contest_next(contest=contest, user=host)


# --- joining ------------------------------------------------------------------------


def test_a_guest_joins_with_a_name_and_a_unit(contest):
    joined = player_join(
        contest=contest, display_name="  张  三 ", unit=Unit.objects.get(code=VILLAGE)
    )
    assert joined.rejoined is False
    assert joined.player.display_name == "张 三"
    assert joined.player.unit.code == VILLAGE
    assert joined.player.user is None


def test_a_guest_without_a_name_or_unit_is_refused(contest):
    with pytest.raises(ContestError) as no_name:
        player_join(contest=contest, display_name=" ", unit=Unit.objects.first())
    with pytest.raises(ContestError) as no_unit:
        player_join(contest=contest, display_name="李四")
    assert (no_name.value.code, no_unit.value.code) == ("name", "unit")
    assert not Player.objects.exists()


def test_a_logged_in_person_joins_under_their_name_and_unit_once(contest):
    person = make_person("wang", unit=Unit.objects.get(code=VILLAGE))
    first = player_join(contest=contest, user=person)
    again = player_join(contest=contest, user=person)
    assert first.player.display_name == "姓名wang"
    assert first.player.unit.code == VILLAGE
    assert again.rejoined is True and again.player == first.player
    assert Player.objects.filter(contest=contest).count() == 1


def test_joining_is_locked_after_the_chosen_question(contest, host):
    contest.late_join_until = 1
    contest.save()
    contest = _open(contest, host)
    assert _guest(contest, "迟到一").display_name == "迟到一"
    contest = _next_question(contest, host)
    assert contest.current_index == 1
    with pytest.raises(ContestError) as error:
        _guest(contest, "迟到二")
    assert error.value.code == "locked"
    assert Player.objects.filter(contest=contest).count() == 1


def test_by_default_joining_closes_when_the_contest_starts(contest, host):
    contest = contest_start(contest=contest, user=host)
    with pytest.raises(ContestError) as error:
        _guest(contest)
    assert error.value.code == "locked"


def test_a_logged_in_player_gets_back_in_after_joining_closed(contest, host):
    person = make_person("zhao", unit=Unit.objects.get(code=VILLAGE))
    player = player_join(contest=contest, user=person).player
    contest = contest_start(contest=contest, user=host)
    assert player_join(contest=contest, user=person).player == player


def test_a_token_finds_its_player_in_its_contest_only(contest, host, bank):
    joined = player_join(
        contest=contest, display_name="钱五", unit=Unit.objects.get(code=VILLAGE)
    )
    other = contest_create(host=host, title="另一场", tag="竞赛")
    assert player_from_token(contest=contest, token=joined.token) == joined.player
    assert player_from_token(contest=other, token=joined.token) is None
    assert player_from_token(contest=contest, token=joined.token + "x") is None


def test_a_removed_player_cannot_answer_or_come_back(contest, host):
    person = make_person("sun", unit=Unit.objects.get(code=VILLAGE))
    joined = player_join(contest=contest, user=person)
    contest = _open(contest, host)
    player_remove(contest=contest, user=host, player=joined.player)
    with pytest.raises(AnswerRejected) as error:
        _answer(contest, joined.player, after=seconds(2))
    assert error.value.code == "removed"
    assert player_from_token(contest=contest, token=joined.token) is None
    with pytest.raises(ContestError):
        player_join(contest=contest, user=person)
    assert not ContestAnswer.objects.exists()


def test_the_measured_round_trip_is_capped_at_two_seconds(contest):
    player = _guest(contest)
    player_set_rtt(player=player, rtt=timedelta(seconds=9))
    player.refresh_from_db()
    assert player.rtt == timedelta(seconds=2)


# --- answering ----------------------------------------------------------------------


def test_an_answer_is_timed_by_the_server_less_half_the_round_trip(contest, host):
    player = _guest(contest)
    player_set_rtt(player=player, rtt=timedelta(milliseconds=300))
    contest = _open(contest, host)
    answer = _answer(contest, player, after=timedelta(seconds=3, milliseconds=150))
    # t = 3.15 − 0.15 = 3 s; 1000 × (1 − 3 / 40) = 925
    assert answer.answer_time == timedelta(seconds=3)
    assert (answer.correct, answer.points, answer.flagged_fast) == (True, 925, False)
    assert answer.received_at == T0 + timedelta(seconds=3, milliseconds=150)


def test_a_wrong_answer_is_stored_with_no_points(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    answer = _answer(contest, player, after=seconds(1), choice="B")
    assert (answer.correct, answer.points, answer.choice) == (False, 0, "B")


def test_a_second_answer_is_rejected_and_the_first_kept(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    _answer(contest, player, after=seconds(2), choice="B")
    with pytest.raises(AnswerRejected) as error:
        _answer(contest, player, after=seconds(3), choice="A")
    assert error.value.code == "duplicate"
    assert list(ContestAnswer.objects.values_list("choice", "points")) == [("B", 0)]


def test_an_answer_after_the_deadline_is_rejected(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    with pytest.raises(AnswerRejected) as error:
        _answer(contest, player, after=timedelta(seconds=20, microseconds=1))
    assert error.value.code == "closed"
    assert _answer(contest, player, after=seconds(20)).points == 500


def test_an_answer_to_another_question_is_rejected(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    with pytest.raises(AnswerRejected) as error:
        _answer(contest, player, after=seconds(1), position=1)
    assert error.value.code == "closed"
    assert not ContestAnswer.objects.exists()


@pytest.mark.parametrize("steps", [0, 1])
def test_no_answers_outside_the_answering_phase(contest, host, steps):
    player = _guest(contest)
    contest = contest_start(contest=contest, user=host, now=T0)
    if steps:
        contest = contest_next(contest=contest, user=host, now=T0)
        contest = contest_next(contest=contest, user=host, now=T0 + seconds(1))
    assert contest.phase in (Phase.READING, Phase.REVEAL)
    with pytest.raises(AnswerRejected) as error:
        _answer(contest, player, after=seconds(1))
    assert error.value.code == "closed"


def test_no_answers_while_paused(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    contest = contest_pause(contest=contest, user=host, now=T0 + seconds(2))
    with pytest.raises(AnswerRejected) as error:
        _answer(contest, player, after=seconds(3))
    assert error.value.code == "paused"


def test_an_answer_must_be_one_of_the_options(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    for choice in ("", "Z", "AB"):
        with pytest.raises(AnswerRejected) as error:
            _answer(contest, player, after=seconds(1), choice=choice)
        assert error.value.code == "invalid"
    assert not ContestAnswer.objects.exists()


def test_a_multiple_choice_answer_is_correct_only_with_exactly_the_key(host, bank):
    make_question(
        "JS-MULTI",
        kind="multiple",
        options=[("甲", True, ""), ("乙", True, ""), ("丙", False, "")],
        tags=("多选",),
    )
    contest = contest_create(host=host, title="多选", tag="多选")
    one, two = _guest(contest, "一"), _guest(contest, "二")
    contest = _open(contest, host)
    assert _answer(contest, one, after=seconds(1), choice="BA").correct is True
    assert _answer(contest, two, after=seconds(1), choice="A").correct is False


def test_answers_under_0_3_s_are_flagged_and_still_scored(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    answer = _answer(contest, player, after=timedelta(milliseconds=250))
    assert (answer.flagged_fast, answer.points) == (True, 1000)


def test_the_streak_bonus_grows_from_the_second_correct_answer(contest, host):
    player = _guest(contest)
    contest = _open(contest, host)
    points = []
    for i in range(3):
        points.append(_answer(contest, player, after=seconds(20)))
        if i < 2:
            contest = _next_question(contest, host)
    assert [(a.points, a.bonus, a.streak) for a in points] == [
        (500, 0, 1),
        (600, 100, 2),
        (700, 200, 3),
    ]


def test_without_the_streak_bonus_points_are_time_only(contest, host):
    contest.streak_bonus = False
    contest.save()
    player = _guest(contest)
    contest = _open(contest, host)
    _answer(contest, player, after=seconds(20))
    contest = _next_question(contest, host)
    second = _answer(contest, player, after=seconds(20))
    assert (second.points, second.bonus, second.streak) == (500, 0, 2)


def test_a_missed_question_ends_the_streak_and_a_skipped_one_does_not(host, bank):
    for i in range(4, 7):
        make_question(
            f"JS-{i:02d}", options=four_options(f"JS-{i:02d}"), tags=("竞赛",)
        )
    contest = contest_create(host=host, title="连对", tag="竞赛", question_count=6)
    player = _guest(contest)
    contest = _open(contest, host)
    streaks = [_answer(contest, player, after=seconds(20)).streak]  # 1
    contest = _next_question(contest, host)
    contest = contest_skip(contest=contest, user=host)  # question 2 skipped
    contest = contest_next(contest=contest, user=host)
    streaks.append(_answer(contest, player, after=seconds(20)).streak)  # 2
    contest = _next_question(contest, host)  # question 4 not answered
    contest = _next_question(contest, host)
    streaks.append(_answer(contest, player, after=seconds(20)).streak)  # 1 again
    assert streaks == [1, 2, 1]


def test_every_player_having_answered_closes_the_question(contest, host):
    one, two = _guest(contest, "一"), _guest(contest, "二")
    contest = _open(contest, host)
    _answer(contest, one, after=seconds(1))
    assert contest_tick(contest=contest, now=T0 + seconds(2)).phase == Phase.ANSWERING
    _answer(contest, two, after=seconds(3))
    assert contest_tick(contest=contest, now=T0 + seconds(4)).phase == Phase.REVEAL


# --- what a phone is sent -----------------------------------------------------------


def test_a_players_options_carry_no_key_and_keep_their_order(contest):
    question = contest.questions.get(position=0)
    players = [_guest(contest, f"选手{i}") for i in range(12)]
    orders = [
        [o["key"] for o in options_for_player(question=question, player=p)]
        for p in players
    ]
    assert all(sorted(order) == ["A", "B", "C", "D"] for order in orders)
    assert len({tuple(order) for order in orders}) > 1
    again = options_for_player(question=question, player=players[0])
    assert [o["key"] for o in again] == orders[0]
    assert all(set(o) == {"key", "text"} for o in again)


def test_true_false_and_pinned_options_keep_their_place(host, bank):
    make_question(
        "JS-TF",
        kind="true_false",
        options=[("对", True, ""), ("错", False, "")],
        tags=("判断",),
    )
    contest = contest_create(host=host, title="判断", tag="判断")
    question = contest.questions.get()
    player = _guest(contest)
    assert [
        o["text"] for o in options_for_player(question=question, player=player)
    ] == [
        "对",
        "错",
    ]
    question.options[1]["pin"] = True
    question.kind = "single"
    for i in range(8):
        shown = options_for_player(question=question, player=_guest(contest, f"p{i}"))
        assert shown[-1]["text"] == "错"
