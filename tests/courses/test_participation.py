"""Learning participation (docs/metrics.md): distinct members of a unit's subtree with at least
one completed lesson or submitted quiz attempt in [start, end), over the subtree headcount."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from courses.models import LessonProgress
from courses.selectors import learning_participation, learning_participation_by_unit
from quizzes.models import Attempt, AttemptState, QuizIndexPage
from tests.factories import make_person, make_unit
from tests.quizzes.conftest import make_quiz
from units.models import Unit

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 1, tzinfo=TZ)
END = datetime(2026, 11, 1, tzinfo=TZ)
IN_PERIOD = START + timedelta(days=3)


@pytest.fixture
def activity(learning, site_home):
    l1, l2, _ = learning["lessons"]
    quiz = make_quiz(
        site_home.add_child(instance=QuizIndexPage(title="练一练", slug="practice")), []
    )
    units = {u.code: u for u in Unit.objects.all()}

    def person(name, code):
        return make_person(name, unit=units[code])

    def lesson_done(user, lesson, when):
        LessonProgress.objects.create(
            user=user, lesson=lesson, started_at=when, completed_at=when
        )

    def quiz_attempt(user, when, state=AttemptState.SUBMITTED, number=1):
        Attempt.objects.create(
            quiz=quiz,
            user=user,
            number=number,
            state=state,
            started_at=when,
            submitted_at=when,
        )

    a, b = person("a", "YK-GS-01"), person("b", "YK-GS-01")
    c, d = person("c", "YK-GS-02"), person("d", "YK-GS-02")
    e, f, g, h, i = (person(n, "YK-JG-01") for n in "efghi")
    lesson_done(a, l1, IN_PERIOD)
    lesson_done(b, l1, IN_PERIOD)
    lesson_done(b, l2, IN_PERIOD)  # two lessons: still one person
    quiz_attempt(c, IN_PERIOD)  # a quiz attempt alone counts
    lesson_done(d, l1, IN_PERIOD)
    quiz_attempt(d, IN_PERIOD)  # lesson and quiz: one person
    lesson_done(e, l1, START - timedelta(seconds=1))  # before the period
    LessonProgress.objects.create(
        user=f, lesson=l1, started_at=IN_PERIOD
    )  # not completed
    quiz_attempt(g, IN_PERIOD, state=AttemptState.IN_PROGRESS)  # not submitted
    lesson_done(h, l1, START)  # the start is inside the period
    lesson_done(i, l1, END)  # the end is outside it
    # A unit outside the city (its root sorts first, so tree paths move: re-read units).
    make_person("outsider", unit=make_unit("ELSE", headcount=10))
    lesson_done(Unit.objects.get(code="ELSE").members.get(), l1, IN_PERIOD)
    return {u.code: u for u in Unit.objects.all()}


def test_participation_of_the_city_counts_distinct_active_members(activity):
    result = learning_participation(root=activity["YK"], start=START, end=END)
    assert (result.participants, result.headcount) == (5, 180)  # a, b, c, d, h
    assert result.rate == pytest.approx(5 / 180)


@pytest.mark.parametrize(
    ("code", "participants", "headcount"),
    [
        ("YK-GS", 4, 150),
        ("YK-GS-01", 2, 100),
        ("YK-GS-02", 2, 50),
        ("YK-JG", 1, 30),
        ("YK-JG-01", 1, 30),
    ],
)
def test_participation_of_each_subtree(activity, code, participants, headcount):
    result = learning_participation(root=activity[code], start=START, end=END)
    assert (result.participants, result.headcount) == (participants, headcount)


def test_a_unit_with_no_headcount_has_no_rate(activity):
    result = learning_participation(root=activity["YK-GS"], start=END, end=END)
    assert result.participants == 0
    empty = make_unit("EMPTY", headcount=0)
    assert learning_participation(root=empty, start=START, end=END).rate is None


def test_per_unit_participation_in_one_query(activity, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {
            u.code: (u.learning_participants, u.subtree_headcount)
            for u in learning_participation_by_unit(
                units=Unit.objects.filter(code__startswith="YK"), start=START, end=END
            )
        }
    assert rows == {
        "YK": (5, 180),
        "YK-GS": (4, 150),
        "YK-GS-01": (2, 100),
        "YK-GS-02": (2, 50),
        "YK-JG": (1, 30),
        "YK-JG-01": (1, 30),
    }


def test_per_unit_query_count_does_not_grow_with_units(
    activity, django_assert_num_queries
):
    for n in range(20):
        make_unit(f"YK-X{n:02d}", parent=activity["YK"], headcount=1)
    with django_assert_num_queries(1):
        rows = list(
            learning_participation_by_unit(
                units=Unit.objects.all(), start=START, end=END
            )
        )
    assert len(rows) == Unit.objects.count()
