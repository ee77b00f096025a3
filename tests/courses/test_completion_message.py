"""Pressing 我已学完 too early: the answer appears beside the button, with the seconds
left, with or without JavaScript; never only as a flash message at the top of the page."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from courses.models import LessonProgress


def _open_lesson(client, lesson, user, *, seconds_ago: int):
    client.force_login(user)
    client.get(lesson.url)
    LessonProgress.objects.filter(user=user, lesson=lesson).update(
        started_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return reverse("courses:lesson_complete", args=[lesson.pk])


def test_too_early_without_js_redraws_the_lesson_with_the_message_in_the_form(
    client, learning, villager
):
    lesson = learning["lessons"][0]  # 60 s minimum
    url = _open_lesson(client, lesson, villager, seconds_ago=20)

    response = client.post(url)

    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    form = page.select_one("#finish form.finish-form")
    assert form["action"] == f"{url}#finish"  # the browser lands on the section
    status = form.select_one("#finish-status")
    assert status["role"] == "status" and status["aria-live"] == "polite"
    assert status.find_previous_sibling("button").get_text() == "我已学完"
    remaining = int(status["data-remaining-seconds"])
    assert 39 <= remaining <= 41
    assert int(status.select_one("[data-countdown]").get_text()) == remaining
    assert "学习时间还不够" in status.get_text()
    # Not repeated as a flash message at the top, out of sight.
    assert page.select_one("ul.messages") is None
    assert LessonProgress.objects.get(user=villager, lesson=lesson).completed_at is None


def test_the_message_region_is_empty_before_any_press(client, learning, villager):
    lesson = learning["lessons"][0]
    client.force_login(villager)
    page = BeautifulSoup(client.get(lesson.url).content, "html.parser")
    status = page.select_one("#finish form.finish-form #finish-status")
    assert status.get_text(strip=True) == ""
    assert not status.has_attr("data-remaining-seconds")
    # The script's own copies of the messages are translated server-side.
    assert page.select_one("#finish-wait") is not None
    assert "现在可以点" in page.select_one("#finish-ready").decode_contents()


def test_too_early_with_js_answers_json_with_the_seconds_left(
    client, learning, villager
):
    lesson = learning["lessons"][1]  # 120 s minimum
    url = _open_lesson(client, lesson, villager, seconds_ago=30)

    response = client.post(url, headers={"Accept": "application/json"})

    assert response.status_code == 200
    data = response.json()
    assert data["completed"] is False
    assert 89 <= data["remaining_seconds"] <= 91


def test_in_time_with_js_answers_json_and_records_completion(
    client, learning, villager
):
    lesson = learning["lessons"][0]
    url = _open_lesson(client, lesson, villager, seconds_ago=61)

    response = client.post(url, headers={"Accept": "application/json"})

    assert response.json() == {"completed": True, "url": f"{lesson.url}#finish"}
    assert LessonProgress.objects.get(user=villager, lesson=lesson).completed_at


def test_a_browser_form_post_still_gets_html(client, learning, villager):
    lesson = learning["lessons"][0]
    url = _open_lesson(client, lesson, villager, seconds_ago=5)
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.post(url, headers={"Accept": browser_accept})
    assert response["Content-Type"].startswith("text/html")
    status = BeautifulSoup(response.content, "html.parser").select_one("#finish-status")
    assert 54 <= int(status["data-remaining-seconds"]) <= 56
