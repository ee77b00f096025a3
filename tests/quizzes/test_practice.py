"""每日一练: the draw's order, one practice a day, answering with feedback, points once,
and learning participation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from courses.selectors import learning_participation
from points.models import PointsEntry, Reason
from quizzes import practice as services
from quizzes.models import Attempt, AttemptItem, AttemptState, Practice, PracticeItem
from quizzes.practice_selectors import practice_activity_user_ids
from tests.factories import make_person
from units.models import Unit

from .conftest import make_question, make_quiz

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=TZ)


@pytest.fixture
def learner(city):
    return make_person("learner", unit=Unit.objects.get(code="YK-GS-01"))


def _answered(user, question, *, correct: bool, when: datetime) -> PracticeItem:
    """A past practice in which `user` answered `question` (right or wrong) at `when`."""
    practice, _ = Practice.objects.get_or_create(
        user=user, day=services.practice_day(now=when), defaults={"started_at": when}
    )
    return PracticeItem.objects.create(
        practice=practice,
        position=practice.items.count() + 1,
        question=question,
        kind=question.kind,
        stem=question.stem,
        options=[],
        correct_keys="A",
        chosen_keys="A" if correct else "B",
        is_correct=correct,
        answered_at=when,
    )


def _codes(questions) -> list[str]:
    return [q.code for q in questions]


def test_new_questions_come_before_questions_already_answered(learner):
    seen = [make_question(f"S{i}") for i in range(3)]
    for q in seen:
        _answered(learner, q, correct=True, when=NOW - timedelta(days=3))
    new = [make_question(f"N{i}") for i in range(4)]

    drawn = _codes(services.practice_draw(user=learner, now=NOW))

    assert len(drawn) == 5
    assert set(drawn[:4]) == {q.code for q in new}
    assert drawn[4] in {q.code for q in seen}


def test_a_question_seen_in_a_submitted_quiz_is_not_new(learner, practice):
    from_quiz = make_question("FROM-QUIZ")
    make_question("FRESH")
    quiz = make_quiz(practice, [from_quiz])
    attempt = Attempt.objects.create(
        quiz=quiz, user=learner, number=1, state=AttemptState.SUBMITTED
    )
    AttemptItem.objects.create(
        attempt=attempt,
        position=1,
        question=from_quiz,
        kind="single",
        stem="-",
        correct_keys="A",
    )

    assert _codes(services.practice_draw(user=learner, now=NOW)) == [
        "FRESH",
        "FROM-QUIZ",
    ]


def test_a_wrong_answer_waits_a_day_then_comes_back_before_other_seen_questions(
    learner,
):
    wrong, right = make_question("WRONG"), make_question("RIGHT")
    _answered(learner, right, correct=True, when=NOW - timedelta(days=5))
    _answered(learner, wrong, correct=False, when=NOW)

    next_morning = NOW + timedelta(hours=23, minutes=59)
    a_day_later = NOW + timedelta(days=1)

    assert _codes(services.practice_draw(user=learner, now=next_morning)) == ["RIGHT"]
    assert _codes(services.practice_draw(user=learner, now=a_day_later)) == [
        "WRONG",
        "RIGHT",
    ]
    make_question("NEW")
    assert _codes(services.practice_draw(user=learner, now=a_day_later)) == [
        "NEW",
        "WRONG",
        "RIGHT",
    ]


def test_a_wrong_answer_later_answered_right_is_no_longer_due(learner):
    question, other = make_question("Q1"), make_question("Q2")
    _answered(learner, other, correct=True, when=NOW - timedelta(days=9))
    _answered(learner, question, correct=False, when=NOW - timedelta(days=4))
    _answered(learner, question, correct=True, when=NOW - timedelta(days=2))

    # Both seen and right: the least recently answered first.
    assert _codes(services.practice_draw(user=learner, now=NOW)) == ["Q2", "Q1"]


def test_only_active_questions_are_drawn(learner):
    make_question("ACTIVE")
    make_question("DRAFT", status="draft")
    make_question("RETIRED", status="retired")

    assert _codes(services.practice_draw(user=learner, now=NOW)) == ["ACTIVE"]


def test_one_practice_per_learner_per_shanghai_day(learner):
    for i in range(6):
        make_question(f"Q{i}")
    # 23:59 and 00:00 in Shanghai are 15:59 and 16:00 UTC.
    late = datetime(2026, 11, 10, 23, 59, tzinfo=TZ)
    first = services.practice_start(user=learner, now=late - timedelta(hours=10))
    again = services.practice_start(user=learner, now=late)
    tomorrow = services.practice_start(user=learner, now=late + timedelta(minutes=1))

    assert again.pk == first.pk
    assert (first.day.isoformat(), tomorrow.day.isoformat()) == (
        "2026-11-10",
        "2026-11-11",
    )
    assert Practice.objects.filter(user=learner).count() == 2
    assert first.question_count == 5
    assert first.items.count() == 5


def test_an_empty_bank_is_said_plainly(learner):
    with pytest.raises(services.PracticeError, match="没有可练习的题目"):
        services.practice_start(user=learner, now=NOW)
    assert not Practice.objects.exists()


def _value(practice, item, key):
    return services.option_value(
        practice_id=practice.pk, position=item.position, key=key
    )


def test_answers_are_scored_from_opaque_values_and_kept_once(learner):
    make_question("Q1")
    practice = services.practice_start(user=learner, now=NOW)
    item = practice.items.get()

    with pytest.raises(services.PracticeError):
        services.practice_answer(practice=practice, position=1, values=["A"], now=NOW)
    result = services.practice_answer(
        practice=practice, position=1, values=[_value(practice, item, "B")], now=NOW
    )
    again = services.practice_answer(
        practice=practice, position=1, values=[_value(practice, item, "A")], now=NOW
    )

    assert (result.item.chosen_keys, result.item.is_correct) == ("B", False)
    assert (again.item.chosen_keys, again.item.is_correct) == ("B", False)
    practice.refresh_from_db()
    assert (practice.completed_at, practice.correct_count) == (NOW, 0)


def test_completing_the_practice_awards_the_daily_points_once(learner):
    for i in range(2):
        make_question(f"Q{i}")
    practice = services.practice_start(user=learner, now=NOW)
    items = list(practice.items.order_by("position"))
    first = services.practice_answer(
        practice=practice,
        position=1,
        values=[_value(practice, items[0], items[0].correct_keys)],
        now=NOW,
    )
    last = services.practice_answer(
        practice=practice,
        position=2,
        values=[_value(practice, items[1], items[1].correct_keys)],
        now=NOW,
    )
    services.practice_answer(
        practice=practice,
        position=2,
        values=[_value(practice, items[1], items[1].correct_keys)],
        now=NOW,
    )

    assert (first.completed, first.points) == (False, 0)
    assert (last.completed, last.points) == (True, 5)
    assert list(
        PointsEntry.objects.filter(user=learner).values_list("reason", "key", "points")
    ) == [(Reason.DAILY_PRACTICE, "2026-11-10", 5)]
    practice.refresh_from_db()
    assert practice.correct_count == 2


def test_a_completed_practice_counts_in_learning_participation(learner):
    make_question("Q1")
    practice = services.practice_start(user=learner, now=NOW)
    other = make_person(unit=learner.unit)
    services.practice_start(user=other, now=NOW)  # started, never finished
    item = practice.items.get()
    services.practice_answer(
        practice=practice, position=1, values=[_value(practice, item, "A")], now=NOW
    )
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=1)

    assert list(practice_activity_user_ids(start=start, end=end)) == [learner.pk]
    result = learning_participation(root=learner.unit, start=start, end=end)
    assert (result.participants, result.headcount) == (1, 100)


def test_the_page_shows_neither_key_nor_feedback_before_the_answer(client, learner):
    make_question("Q1")
    client.force_login(learner)
    client.post("/practice/daily/start/")
    practice = Practice.objects.get(user=learner)
    item = practice.items.get()

    html = client.get("/practice/daily/").content.decode()

    assert "Q1题干" in html
    assert "Q1甲反馈" not in html and "Q1解析" not in html
    assert 'value="A"' not in html and "正确答案" not in html
    for key in "ABC":
        assert f'value="{_value(practice, item, key)}"' in html

    response = client.post(
        "/practice/daily/answer/",
        {"position": 1, "answer": _value(practice, item, "A")},
    )
    assert response.url == "/practice/daily/?answered=1"
    html = client.get(response.url).content.decode()
    assert "Q1甲反馈" in html and "Q1解析" in html
    assert "今天的练习已完成" in html and "+5 积分" in html


def test_the_practice_page_needs_a_login(client, db):
    response = client.get("/practice/daily/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
