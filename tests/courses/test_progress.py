"""Progress rules: server-timed reading, media play at real speed, course %, resume,
history and recommendations, through services and the no-JavaScript form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtailmedia.models import get_media_model

from courses import selectors, services
from courses.models import LessonProgress
from tests.courses.conftest import make_lesson


def test_minimum_reading_time_is_half_the_estimate_with_a_floor(learning):
    l1, l2, _ = learning["lessons"]
    assert l1.minimum_seconds == 60  # 2 minutes × 60 × 0.5
    assert l2.minimum_seconds == 120
    l1.estimated_minutes = 0
    assert l1.minimum_seconds == 20


def test_completing_before_the_minimum_time_is_refused_with_the_time_left(
    learning, villager
):
    lesson = learning["lessons"][0]
    start = timezone.now()
    services.lesson_open(user=villager, lesson=lesson, now=start)
    result = services.lesson_complete(
        user=villager, lesson=lesson, now=start + timedelta(seconds=45)
    )
    assert result.completed is False
    assert result.remaining_seconds == 16
    assert LessonProgress.objects.get(user=villager, lesson=lesson).completed_at is None


def test_completing_after_the_minimum_time_is_recorded_once(learning, villager):
    lesson = learning["lessons"][0]
    start = timezone.now()
    services.lesson_open(user=villager, lesson=lesson, now=start)
    done_at = start + timedelta(seconds=60)
    assert services.lesson_complete(user=villager, lesson=lesson, now=done_at).completed
    again = services.lesson_complete(
        user=villager, lesson=lesson, now=done_at + timedelta(hours=1)
    )
    assert again.completed
    progress = LessonProgress.objects.get(user=villager, lesson=lesson)
    assert progress.completed_at == done_at
    assert LessonProgress.objects.filter(user=villager).count() == 1


def test_reopening_does_not_restart_the_clock(learning, villager):
    lesson = learning["lessons"][0]
    start = timezone.now()
    services.lesson_open(user=villager, lesson=lesson, now=start)
    services.lesson_open(
        user=villager, lesson=lesson, now=start + timedelta(seconds=50)
    )
    progress = LessonProgress.objects.get(user=villager, lesson=lesson)
    assert progress.started_at == start
    assert progress.last_seen_at == start + timedelta(seconds=50)


@pytest.fixture
def audio_lesson(learning):
    media = get_media_model().objects.create(
        title="朗读", type="audio", duration=100, file="media/narration.wav"
    )
    body = [
        {
            "type": "audio",
            "value": {"audio": media.pk, "title": "朗读", "transcript": "文字稿"},
        },
        {"type": "rich_text", "value": "<p>正文</p>"},
    ]
    # 10 minutes: the reading clock alone would need 300 s.
    return make_lesson(learning["course"], "audio", minutes=10, body=body)


def test_media_played_at_real_speed_completes_the_lesson(audio_lesson, villager):
    start = timezone.now()
    services.lesson_open(user=villager, lesson=audio_lesson, now=start)
    for second in range(10, 100, 10):
        services.lesson_media_report(
            user=villager,
            lesson=audio_lesson,
            position=second,
            now=start + timedelta(seconds=second),
        )
    progress = LessonProgress.objects.get(user=villager, lesson=audio_lesson)
    assert progress.media_played_seconds == 90
    result = services.lesson_complete(
        user=villager, lesson=audio_lesson, now=start + timedelta(seconds=91)
    )
    assert result.completed


def test_a_forged_jump_to_the_end_does_not_count_as_played(audio_lesson, villager):
    start = timezone.now()
    services.lesson_open(user=villager, lesson=audio_lesson, now=start)
    services.lesson_media_report(
        user=villager,
        lesson=audio_lesson,
        position=99,
        now=start + timedelta(seconds=5),
    )
    progress = LessonProgress.objects.get(user=villager, lesson=audio_lesson)
    assert progress.media_played_seconds == 0
    assert progress.media_position == 99
    result = services.lesson_complete(
        user=villager, lesson=audio_lesson, now=start + timedelta(seconds=6)
    )
    assert result.completed is False
    assert result.remaining_seconds == 295


@pytest.fixture
def short_audio_lesson(learning):
    """48 s of audio (90% is 43.2 s) in a lesson whose reading clock needs 300 s."""
    media = get_media_model().objects.create(
        title="短朗读", type="audio", duration=48, file="media/short.wav"
    )
    body = [
        {
            "type": "audio",
            "value": {"audio": media.pk, "title": "短朗读", "transcript": ""},
        }
    ]
    return make_lesson(learning["course"], "short-audio", minutes=10, body=body)


def _forge_reports(user, lesson, *, start):
    """16 reports of growing positions within 0.4 s, each step just inside the slack
    a delayed report is allowed: together they claimed 44.7 s of play."""
    for number in range(1, 17):
        services.lesson_media_report(
            user=user,
            lesson=lesson,
            position=round(2.79 * number, 2),
            now=start + timedelta(seconds=0.025 * number),
        )


def test_quick_forged_reports_credit_no_more_than_twice_the_time_since_opening(
    short_audio_lesson, villager
):
    start = timezone.now()
    services.lesson_open(user=villager, lesson=short_audio_lesson, now=start)
    _forge_reports(villager, short_audio_lesson, start=start)
    progress = LessonProgress.objects.get(user=villager, lesson=short_audio_lesson)
    assert progress.media_position == 44.64
    assert progress.media_played_seconds == pytest.approx(0.8)
    result = services.lesson_complete(
        user=villager, lesson=short_audio_lesson, now=start + timedelta(seconds=0.5)
    )
    assert result.completed is False
    assert result.remaining_seconds == 300


def test_quick_forged_reports_from_a_learner_who_opened_long_ago_credit_little(
    short_audio_lesson, villager
):
    opened = timezone.now() - timedelta(days=1)
    services.lesson_open(user=villager, lesson=short_audio_lesson, now=opened)
    start = timezone.now()
    # The first step may be real play (a day has passed since the lesson opened); the
    # other 15 come 0.025 s apart, so each is credited 0.05 s at most.
    _forge_reports(villager, short_audio_lesson, start=start)
    progress = LessonProgress.objects.get(user=villager, lesson=short_audio_lesson)
    assert progress.media_played_seconds == pytest.approx(2.79 + 15 * 0.05)
    assert services.lesson_media_duration(lesson=short_audio_lesson) == 48
    assert progress.media_played_seconds < 0.9 * 48


def test_reported_positions_are_capped_at_the_media_length(audio_lesson, villager):
    start = timezone.now()
    services.lesson_open(user=villager, lesson=audio_lesson, now=start)
    services.lesson_media_report(
        user=villager,
        lesson=audio_lesson,
        position=5000,
        now=start + timedelta(hours=2),
    )
    progress = LessonProgress.objects.get(user=villager, lesson=audio_lesson)
    assert progress.media_position == 100
    assert progress.media_played_seconds == 100


def test_lesson_without_media_ignores_media_reports(learning, villager):
    lesson = learning["lessons"][0]
    start = timezone.now()
    services.lesson_media_report(
        user=villager, lesson=lesson, position=30, now=start + timedelta(seconds=30)
    )
    progress = LessonProgress.objects.get(user=villager, lesson=lesson)
    assert progress.media_played_seconds == 0


def test_opening_a_lesson_page_starts_the_clock_and_the_form_works_without_js(
    client, learning, villager
):
    lesson = learning["lessons"][0]
    client.force_login(villager)
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert "我已学完" in response.content.decode()
    progress = LessonProgress.objects.get(user=villager, lesson=lesson)

    url = reverse("courses:lesson_complete", args=[lesson.pk])
    response = client.post(url, follow=True)
    assert "学习时间还不够" in response.content.decode()
    progress.refresh_from_db()
    assert progress.completed_at is None

    LessonProgress.objects.filter(pk=progress.pk).update(
        started_at=timezone.now() - timedelta(seconds=61)
    )
    response = client.post(url, follow=True)
    body = response.content.decode()
    assert "已完成本课" in body
    assert "完成于" in body
    progress.refresh_from_db()
    assert progress.completed_at is not None


def test_completing_requires_login_and_post(client, learning):
    url = reverse("courses:lesson_complete", args=[learning["lessons"][0].pk])
    assert client.post(url).status_code == 302
    assert LessonProgress.objects.count() == 0


def test_media_report_endpoint_checks_input(client, audio_lesson, villager):
    url = reverse("courses:media_report", args=[audio_lesson.pk])
    assert client.post(url, data={}, content_type="application/json").status_code == 403
    services.lesson_open(
        user=villager, lesson=audio_lesson, now=timezone.now() - timedelta(seconds=10)
    )
    client.force_login(villager)
    bad = client.post(url, data={"position": "nan"}, content_type="application/json")
    assert bad.status_code == 400
    ok = client.post(url, data={"position": 2}, content_type="application/json")
    assert ok.json() == {"played_seconds": 2.0, "duration": 100}


def _complete(user, lesson):
    start = timezone.now() - timedelta(hours=1)
    services.lesson_open(user=user, lesson=lesson, now=start)
    assert services.lesson_complete(user=user, lesson=lesson).completed


def test_course_progress_percent_and_resume(learning, villager):
    l1, l2, l3 = learning["lessons"]
    course = learning["course"]
    outline = selectors.course_outline(course=course, user=villager)
    assert (outline["percent"], outline["resume"], outline["started"]) == (0, l1, False)

    _complete(villager, l1)
    services.lesson_open(user=villager, lesson=l3)
    outline = selectors.course_outline(course=course, user=villager)
    assert outline["completed_count"] == 1
    assert outline["percent"] == 33
    # Resume where the learner stopped: the opened, unfinished lesson.
    assert outline["resume"] == l3
    [card] = selectors.course_cards(index=learning["index"], user=villager)
    assert (card.lesson_count, card.completed_count, card.percent) == (3, 1, 33)


def test_unpublished_lessons_do_not_count_towards_progress(learning, villager):
    l1, l2, _ = learning["lessons"]
    _complete(villager, l1)
    l2.unpublish()
    outline = selectors.course_outline(course=learning["course"], user=villager)
    assert (
        outline["completed_count"],
        outline["lesson_count"],
        outline["percent"],
    ) == (1, 2, 50)


def test_history_lists_lessons_most_recent_first_with_course(learning, villager):
    l1, l2, _ = learning["lessons"]
    now = timezone.now()
    services.lesson_open(user=villager, lesson=l2, now=now - timedelta(days=1))
    services.lesson_open(user=villager, lesson=l1, now=now)
    history = list(selectors.learning_history(user=villager))
    assert [(r.lesson_id, r.course_title) for r in history] == [
        (l1.pk, "课程甲"),
        (l2.pk, "课程甲"),
    ]


def test_recommendations_put_the_learners_unit_kind_first(learning, villager, official):
    l1, l2, l3 = learning["lessons"]
    # 村居 learner: their 村居 lesson, then the lesson for everyone; never the 机关 one.
    assert selectors.lesson_recommendations(user=villager) == [l1, l2]
    assert selectors.lesson_recommendations(user=official) == [l3, l2]
    _complete(villager, l1)
    assert selectors.lesson_recommendations(user=villager) == [l2]


def test_my_learning_page_shows_history_and_next_steps(client, learning, villager):
    l1, l2, _ = learning["lessons"]
    _complete(villager, l1)
    client.force_login(villager)
    response = client.get(reverse("courses:my_learning"))
    body = response.content.decode()
    assert response.context["completed_total"] == 1
    assert [c.percent for c in response.context["courses"]] == [33]
    assert response.context["recommendations"] == [l2]
    assert "微课l1" in body and "已学完" in body


def test_my_learning_requires_login(client, learning):
    response = client.get(reverse("courses:my_learning"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
