"""Contest services: creating, the server-owned phases and the host's controls."""

from __future__ import annotations

import pytest

from quizzes.contests import services
from quizzes.contests.models import Contest, ContestQuestion, Phase
from quizzes.contests.services import (
    ContestError,
    contest_by_pin,
    contest_create,
    contest_end,
    contest_next,
    contest_pause,
    contest_resume,
    contest_skip,
    contest_start,
    contest_tick,
)
from tests.factories import make_person
from tests.quizzes.conftest import make_question, make_quiz
from units.models import Role

from .conftest import T0, seconds


def test_a_contest_from_a_tag_copies_its_questions_and_gets_a_six_digit_pin(contest):
    assert contest.phase == Phase.LOBBY
    assert len(contest.pin) == 6 and contest.pin.isdigit()
    questions = list(contest.questions.order_by("position"))
    assert sorted(q.question_code for q in questions) == ["JS-01", "JS-02", "JS-03"]
    assert [q.position for q in questions] == [0, 1, 2]
    first = questions[0]
    assert first.correct_keys == "A"
    assert [o["key"] for o in first.options] == ["A", "B", "C", "D"]
    assert first.stem == f"{first.question_code}题干"


def test_a_contest_from_a_fixed_quiz_keeps_the_quiz_order(practice, bank, host):
    quiz = make_quiz(practice, [bank[2], bank[0]])
    contest = contest_create(host=host, title="测验竞赛", quiz=quiz)
    codes = list(contest.questions.values_list("question_code", flat=True))
    assert codes == ["JS-03", "JS-01"]
    assert contest.source_quiz_id == quiz.pk


def test_editing_the_bank_later_does_not_change_the_contest(contest, bank):
    bank[0].options.update(is_correct=False)
    question = contest.questions.get(question_code="JS-01")
    assert question.correct_keys == "A"


def test_a_learner_cannot_host(city, bank):
    learner = make_person("learner")
    with pytest.raises(ContestError) as error:
        contest_create(host=learner, title="x", tag="竞赛")
    assert error.value.code == "forbidden"
    assert not Contest.objects.exists()


def test_a_unit_manager_can_host(city, bank):
    manager = make_person("manager", role=Role.UNIT_MANAGER)
    assert contest_create(host=manager, title="x", tag="竞赛").phase == Phase.LOBBY


def test_a_tag_without_active_questions_is_refused(host, bank):
    make_question("JS-DRAFT", tags=("空",), status="draft")
    with pytest.raises(ContestError) as error:
        contest_create(host=host, title="x", tag="空")
    assert error.value.code == "empty"
    assert not Contest.objects.exists()


def test_a_pin_held_by_a_live_contest_is_drawn_again(host, bank, monkeypatch):
    pins = iter(["123456", "123456", "654321", "123456"])
    monkeypatch.setattr(services, "_new_pin", lambda: next(pins))
    first = contest_create(host=host, title="一", tag="竞赛")
    second = contest_create(host=host, title="二", tag="竞赛")
    assert (first.pin, second.pin) == ("123456", "654321")
    assert contest_by_pin(pin="123456") == first
    # Once the first contest is over its PIN is free again.
    contest_end(contest=first, user=host)
    third = contest_create(host=host, title="三", tag="竞赛")
    assert third.pin == "123456"
    assert contest_by_pin(pin="123456") == third


def test_the_phases_run_from_lobby_to_podium(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    assert (contest.phase, contest.current_index) == (Phase.READING, 0)
    assert contest.phase_ends_at == T0 + seconds(5)
    # Reading ends on its own, answering starts with the question's open time.
    assert contest_tick(contest=contest, now=T0 + seconds(4)).phase == Phase.READING
    contest = contest_tick(contest=contest, now=T0 + seconds(5))
    assert contest.phase == Phase.ANSWERING
    question = ContestQuestion.objects.get(contest=contest, position=0)
    assert question.opened_at == T0 + seconds(5)
    assert question.closed_at == T0 + seconds(25)
    contest = contest_tick(contest=contest, now=T0 + seconds(25))
    assert contest.phase == Phase.REVEAL
    contest = contest_next(contest=contest, user=host, now=T0 + seconds(30))
    assert contest.phase == Phase.LEADERBOARD
    contest = contest_next(contest=contest, user=host, now=T0 + seconds(35))
    assert (contest.phase, contest.current_index) == (Phase.READING, 1)
    for _ in range(2):
        for _step in range(4):
            contest = contest_next(contest=contest, user=host, now=T0 + seconds(40))
    assert contest.phase == Phase.PODIUM
    assert contest.ended_at == T0 + seconds(40)
    stored = Contest.objects.get(pk=contest.pk)
    assert (stored.phase, stored.current_index) == (Phase.PODIUM, 2)


def test_the_host_closing_answers_early_closes_the_question_then(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    contest = contest_next(contest=contest, user=host, now=T0 + seconds(1))
    contest = contest_next(contest=contest, user=host, now=T0 + seconds(4))
    assert contest.phase == Phase.REVEAL
    question = ContestQuestion.objects.get(contest=contest, position=0)
    assert question.closed_at == T0 + seconds(4)


def test_a_move_from_a_stale_read_is_refused(contest, host):
    stale = Contest.objects.get(pk=contest.pk)
    contest_start(contest=contest, user=host, now=T0)
    with pytest.raises(ContestError) as error:
        contest_next(contest=stale, user=host, now=T0)
    # Two processes racing the same step: only the first one moves the contest.
    assert error.value.code in {"stale", "phase"}
    assert Contest.objects.get(pk=contest.pk).phase == Phase.READING


def test_two_ticks_from_the_same_read_move_the_contest_once(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    copy = Contest.objects.get(pk=contest.pk)
    first = contest_tick(contest=contest, now=T0 + seconds(6))
    second = contest_tick(contest=copy, now=T0 + seconds(6))
    assert first.phase == second.phase == Phase.ANSWERING
    assert Contest.objects.get(pk=contest.pk).phase_started_at == T0 + seconds(6)


def test_only_the_host_controls_the_contest(contest, city):
    other_editor = make_person("editor2", role=Role.EDITOR)
    with pytest.raises(ContestError) as error:
        contest_start(contest=contest, user=other_editor)
    assert error.value.code == "forbidden"
    assert Contest.objects.get(pk=contest.pk).phase == Phase.LOBBY


def test_an_administrator_may_take_over(contest, admin_user):
    assert contest_start(contest=contest, user=admin_user).phase == Phase.READING


def test_pause_freezes_the_countdown_and_resume_moves_it_by_the_pause(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    contest = contest_tick(contest=contest, now=T0 + seconds(5))
    contest = contest_pause(contest=contest, user=host, now=T0 + seconds(10))
    # While paused the countdown does not end the question.
    assert contest_tick(contest=contest, now=T0 + seconds(60)).phase == Phase.ANSWERING
    contest = contest_resume(contest=contest, user=host, now=T0 + seconds(70))
    assert contest.paused_at is None
    assert contest.phase_ends_at == T0 + seconds(85)
    question = ContestQuestion.objects.get(contest=contest, position=0)
    assert question.opened_at == T0 + seconds(65)
    assert question.closed_at == T0 + seconds(85)


def test_skip_drops_the_question_and_goes_on_with_the_next(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    contest = contest_skip(contest=contest, user=host, now=T0 + seconds(2))
    assert (contest.phase, contest.current_index) == (Phase.READING, 1)
    assert ContestQuestion.objects.get(contest=contest, position=0).skipped is True


def test_skipping_the_last_question_ends_on_the_podium(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    for _ in range(3):
        contest = contest_skip(contest=contest, user=host, now=T0)
    assert contest.phase == Phase.PODIUM


def test_end_goes_to_the_podium_from_any_phase(contest, host):
    contest = contest_end(contest=contest, user=host, now=T0)
    assert contest.phase == Phase.PODIUM
    with pytest.raises(ContestError):
        contest_next(contest=contest, user=host)


def test_each_phase_change_is_broadcast_once_after_commit(
    contest, host, monkeypatch, django_capture_on_commit_callbacks
):
    from quizzes.contests import live

    sent = []
    monkeypatch.setattr(
        live, "phase_changed", lambda **event: sent.append(event) or True
    )
    with django_capture_on_commit_callbacks(execute=True):
        contest = contest_start(contest=contest, user=host, now=T0)
        contest = contest_tick(contest=contest, now=T0 + seconds(1))
        contest = contest_tick(contest=contest, now=T0 + seconds(5))
        contest = contest_next(contest=contest, user=host, now=T0 + seconds(6))
    assert [(e["phase"], e["index"]) for e in sent] == [
        (Phase.READING, 0),
        (Phase.ANSWERING, 0),
        (Phase.REVEAL, 0),
    ]


def test_an_answer_is_stored_in_a_fixed_number_of_queries(contest, host):
    """A hall's answers arrive in a few seconds: each costs the contest, the removed
    check, the question, the streak so far (one query) and the insert, whatever the
    question number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quizzes.contests.services import answer_submit, contest_next, player_join
    from units.models import Unit

    unit = Unit.objects.get(code="YK-GS-01")
    player = player_join(contest=contest, display_name="计数", unit=unit).player
    contest = contest_start(contest=contest, user=host)
    costs = []
    for position in range(2):
        contest = contest_next(contest=contest, user=host)  # answering
        key = contest.questions.get(position=position).correct_keys
        with CaptureQueriesContext(connection) as queries:
            answer = answer_submit(
                contest_id=contest.pk,
                player=player,
                position=position,
                choice=key,
                received_at=contest.phase_started_at + seconds(1),
            )
        costs.append(len(queries))
        assert answer.streak == position + 1
        for _ in range(3):  # reveal, leaderboard, the next question's reading
            contest = contest_next(contest=contest, user=host)
    assert costs[0] == costs[1]
    # contest, removed?, question, streak, then SAVEPOINT, INSERT, RELEASE
    assert costs[0] == 7
