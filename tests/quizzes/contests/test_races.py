"""Answers racing each other on real connections: the unique constraint keeps one row
per player and question, however many arrive at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from quizzes.contests.models import ContestAnswer
from quizzes.contests.services import (
    AnswerRejected,
    contest_start,
    contest_tick,
    player_join,
)
from quizzes.contests.services import answer_submit as submit
from units.models import Unit

from .conftest import T0, seconds

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_answers_of_one_player_store_one_row(contest, host):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs concurrent connections")
    player = player_join(
        contest=contest, display_name="甲", unit=Unit.objects.get(code="YK-GS-01")
    ).player
    contest = contest_start(contest=contest, user=host, now=T0 - seconds(5))
    contest = contest_tick(contest=contest, now=T0)
    start = threading.Barrier(6)
    outcomes = []

    def answer(choice):
        try:
            start.wait()
            submit(
                contest_id=contest.pk,
                player=player,
                position=0,
                choice=choice,
                received_at=T0 + seconds(2),
            )
            outcomes.append("stored")
        except AnswerRejected as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(c,)) for c in "ABCDAB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate"] * 5 + ["stored"]
    assert ContestAnswer.objects.filter(player=player).count() == 1
