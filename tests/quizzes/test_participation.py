"""Quiz attempts count toward learning participation (docs/metrics.md)."""

from datetime import datetime, timezone

from quizzes.models import Attempt, AttemptState
from quizzes.selectors import learning_activity_user_ids
from tests.factories import make_person

from .conftest import make_question, make_quiz

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
END = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _attempt(quiz, user, number, state, submitted_at):
    return Attempt.objects.create(
        quiz=quiz, user=user, number=number, state=state, submitted_at=submitted_at
    )


def test_only_submitted_attempts_inside_the_period_count(practice):
    quiz = make_quiz(practice, [make_question("Q1")])
    inside, before, at_end, expired, unfinished = (make_person() for _ in range(5))
    _attempt(
        quiz,
        inside,
        1,
        AttemptState.SUBMITTED,
        datetime(2026, 11, 5, tzinfo=timezone.utc),
    )
    _attempt(
        quiz,
        inside,
        2,
        AttemptState.SUBMITTED,
        datetime(2026, 11, 6, tzinfo=timezone.utc),
    )
    _attempt(
        quiz,
        before,
        1,
        AttemptState.SUBMITTED,
        datetime(2026, 10, 31, tzinfo=timezone.utc),
    )
    _attempt(quiz, at_end, 1, AttemptState.SUBMITTED, END)
    _attempt(
        quiz,
        expired,
        1,
        AttemptState.EXPIRED,
        datetime(2026, 11, 5, tzinfo=timezone.utc),
    )
    _attempt(quiz, unfinished, 1, AttemptState.IN_PROGRESS, None)

    ids = learning_activity_user_ids(start=START, end=END)

    assert sorted(ids) == [inside.pk, inside.pk]
    assert set(ids.distinct()) == {inside.pk}


def test_a_submitted_attempt_counts_in_learning_participation(practice, city):
    from courses.selectors import learning_participation
    from units.models import Unit

    quiz = make_quiz(practice, [make_question("Q1")])
    village = Unit.objects.get(code="YK-GS-01")
    person = make_person(unit=village)
    _attempt(
        quiz,
        person,
        1,
        AttemptState.SUBMITTED,
        datetime(2026, 11, 5, tzinfo=timezone.utc),
    )

    result = learning_participation(root=village, start=START, end=END)

    assert (result.participants, result.headcount) == (1, 100)
