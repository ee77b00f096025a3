"""Contest answers in learning participation (docs/metrics.md): a logged-in player who
answered a contest question in the period is a participant; a typed-name player is not,
and neither is an answer outside the period."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courses.selectors import learning_participation, learning_participation_by_unit
from quizzes.contests.services import (
    answer_submit,
    contest_create,
    contest_next,
    contest_start,
    player_join,
)
from tests.factories import make_person, make_unit
from tests.quizzes.conftest import make_question
from units.models import Role, Unit

from .test_participation import END, IN_PERIOD, START


@pytest.fixture
def office(db):
    """A unit of 4 people, the headcount the rate divides by."""
    unit = make_unit("LZ", name="廉政办", headcount=4)
    people = [make_person(f"lz{i}", unit=unit) for i in range(4)]
    host = make_person("lzhost", unit=make_unit("OTHER"), role=Role.EDITOR)
    make_question("LZ-01", tags=("竞赛",))
    return {"unit": unit, "people": people, "host": host}


def _play(office, *, at, user=None, name=""):
    """One contest played at `at`: the player joins, the question opens, they answer."""
    contest = contest_create(host=office["host"], title="竞赛", tag="竞赛")
    player = player_join(
        contest=contest,
        user=user,
        display_name=name,
        unit=None if user else Unit.objects.get(code="LZ"),
    ).player
    contest = contest_start(contest=contest, user=office["host"], now=at)
    contest = contest_next(contest=contest, user=office["host"], now=at)
    answer_submit(
        contest_id=contest.pk,
        player=player,
        position=0,
        choice="B",  # a wrong answer is still an answer
        received_at=at + timedelta(seconds=3),
    )


def _rate(office):
    unit = Unit.objects.get(code="LZ")
    result = learning_participation(root=unit, start=START, end=END)
    (row,) = learning_participation_by_unit(
        units=Unit.objects.filter(code="LZ"), start=START, end=END
    )
    assert row.learning_participants == result.participants
    return result.participants, result.headcount, result.rate


def test_nobody_active_is_a_rate_of_zero(office):
    assert _rate(office) == (0, 4, 0.0)


def test_a_member_who_answered_a_contest_question_moves_the_rate_by_a_quarter(office):
    _play(office, at=IN_PERIOD, user=office["people"][0])
    assert _rate(office) == (1, 4, 0.25)


def test_a_typed_name_player_of_the_unit_changes_nothing(office):
    _play(office, at=IN_PERIOD, user=office["people"][0])
    _play(office, at=IN_PERIOD, name="访客")
    assert _rate(office) == (1, 4, 0.25)


def test_an_answer_outside_the_period_changes_nothing(office):
    _play(office, at=IN_PERIOD, user=office["people"][0])
    _play(office, at=START - timedelta(minutes=1), user=office["people"][1])
    _play(office, at=END, user=office["people"][2])
    assert _rate(office) == (1, 4, 0.25)


def test_two_contests_of_one_member_count_once(office):
    _play(office, at=IN_PERIOD, user=office["people"][0])
    _play(office, at=IN_PERIOD + timedelta(hours=1), user=office["people"][0])
    assert _rate(office) == (1, 4, 0.25)
