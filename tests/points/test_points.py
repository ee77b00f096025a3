"""Points (docs/metrics.md, "Quizzes, points and contests"): awarded once per person and thing,
rules are settings that apply from their change on, units ranked per member and total."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses import services as courses
from points.models import PointsEntry, PointsRules, Reason
from points.selectors import my_points, points_total, unit_ranking
from points.services import points_award
from quizzes import services as quizzes
from quizzes.models import QuizIndexPage
from tests.factories import make_person
from tests.quizzes.conftest import make_question, make_quiz
from units.models import Role, Unit
from units.permissions import Scope, scorecard_scope


def _complete(user, lesson):
    start = timezone.now() - timedelta(hours=1)
    courses.lesson_open(user=user, lesson=lesson, now=start)
    return courses.lesson_complete(user=user, lesson=lesson)


def _rows(user) -> list[tuple]:
    return list(
        PointsEntry.objects.filter(user=user)
        .order_by("pk")
        .values_list("reason", "key", "points")
    )


def test_a_completed_lesson_earns_the_lesson_points_once(learning, villager):
    lesson = learning["lessons"][0]
    assert _complete(villager, lesson).completed
    assert _complete(villager, lesson).completed

    assert _rows(villager) == [(Reason.LESSON_COMPLETED, str(lesson.pk), 10)]


def test_a_lesson_not_yet_completed_earns_nothing(learning, villager):
    lesson = learning["lessons"][0]
    courses.lesson_open(user=villager, lesson=lesson)
    assert not courses.lesson_complete(user=villager, lesson=lesson).completed

    assert _rows(villager) == []


@pytest.fixture
def quiz(learning, site_home):
    index = site_home.add_child(instance=QuizIndexPage(title="练一练", slug="quizzes"))
    return make_quiz(index, [make_question("Q1"), make_question("Q2")], pass_mark=60)


def _take(user, quiz, *, right: int):
    attempt = quizzes.attempt_start(quiz=quiz, user=user)
    items = list(attempt.items.order_by("position"))
    answers = {
        item.position: [item.correct_keys if i < right else "Z"]
        for i, item in enumerate(items)
    }
    return quizzes.attempt_submit(attempt=attempt, answers=answers)


def test_a_passed_quiz_earns_the_quiz_points_once_however_often_passed(quiz, villager):
    assert not _take(villager, quiz, right=1).passed
    assert _rows(villager) == []
    assert _take(villager, quiz, right=2).passed
    assert _take(villager, quiz, right=2).passed

    assert _rows(villager) == [(Reason.QUIZ_PASSED, str(quiz.pk), 20)]


def test_a_rule_change_applies_from_then_on_and_past_points_stay(learning, villager):
    first, second, _ = learning["lessons"]
    _complete(villager, first)
    rules = PointsRules.load()
    rules.lesson_completed = 15
    rules.save()
    _complete(villager, second)

    assert [points for *_, points in _rows(villager)] == [10, 15]
    assert points_total(user=villager) == 25


def test_a_rule_of_zero_awards_nothing(villager):
    rules = PointsRules.load()
    rules.daily_practice = 0
    rules.save()

    assert (
        points_award(
            user_id=villager.pk, reason=Reason.DAILY_PRACTICE, key="2026-11-10"
        )
        == 0
    )
    assert not PointsEntry.objects.exists()


def test_the_same_award_twice_writes_one_row(villager):
    for _ in range(2):
        points_award(
            user_id=villager.pk, reason=Reason.DAILY_PRACTICE, key="2026-11-10"
        )

    assert _rows(villager) == [(Reason.DAILY_PRACTICE, "2026-11-10", 5)]


def _give(unit_code: str, *points: int) -> None:
    """One person of the unit per figure, each with that many points."""
    unit = Unit.objects.get(code=unit_code)
    for n in points:
        person = make_person(unit=unit)
        PointsEntry.objects.create(
            user=person, reason=Reason.LESSON_COMPLETED, key="1", points=n
        )


@pytest.fixture
def points(city):
    # 胡库村 100 people: 200 points → 2.0 per member; 示范村 50: 150 → 3.0;
    # 纪委 30: 30 → 1.0.
    _give("YK-GS-01", 120, 80)
    _give("YK-GS-02", 100, 50)
    _give("YK-JG-01", 30)


def _figures(units) -> list[tuple]:
    return [(u.rank, u.code, u.points_per_member, u.points_total) for u in units]


def test_units_rank_by_points_per_member_with_their_totals(
    points, django_assert_num_queries
):
    with django_assert_num_queries(1):
        ranking = unit_ranking(scope=Scope.everything())

    # Towns and the city have no people of their own: they are not ranked.
    assert _figures(ranking) == [
        (1, "YK-GS-02", 3.0, 150),
        (2, "YK-GS-01", 2.0, 200),
        (3, "YK-JG-01", 1.0, 30),
    ]


def test_equal_points_per_member_share_a_rank(points):
    _give("YK-JG-01", 60)  # 纪委: 90 / 30 = 3.0, as 示范村; the larger total first

    assert [(u.rank, u.code) for u in unit_ranking(scope=Scope.everything())] == [
        (1, "YK-GS-02"),
        (1, "YK-JG-01"),
        (3, "YK-GS-01"),
    ]


def test_a_unit_manager_ranks_the_units_of_their_subtree_only(points):
    town = Unit.objects.get(code="YK-GS")
    manager = make_person(unit=town, role=Role.UNIT_MANAGER)

    assert _figures(unit_ranking(scope=scorecard_scope(manager))) == [
        (1, "YK-GS-02", 3.0, 150),
        (2, "YK-GS-01", 2.0, 200),
    ]


def test_my_points_and_my_units_place(points):
    village = Unit.objects.get(code="YK-GS-01")
    me = village.members.order_by("pk").first()

    mine = my_points(user=me)

    assert (mine.total, mine.rank, mine.ranked_units) == (120, 2, 3)
    assert (mine.unit.points_per_member, mine.unit.points_total) == (2.0, 200)


def test_me_page_shows_my_points_and_rank(client, points):
    me = Unit.objects.get(code="YK-GS-01").members.order_by("pk").first()
    client.force_login(me)

    html = client.get("/me/").content.decode()

    assert "我的积分" in html
    assert '<p class="points-figure">120</p>' in html
    assert "胡库村：第 2 名（共 3 个单元）" in html
    assert "人均 2.0 分 · 总积分 200" in html


def test_home_page_shows_todays_practice_and_top_units(client, site_home, points):
    html = client.get("/").content.decode()

    assert "每日一练" in html
    assert "单元积分排行" in html
    assert html.index("示范村") < html.index("胡库村") < html.index("纪委")
