"""The lesson page cache for anonymous readers (courses.cache, docs/deploy.md)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from courses import cache as lesson_cache
from courses.cache import HIT_HEADER, lesson_paths
from courses.models import LessonProgress
from tests.courses.conftest import make_image, make_lesson, publish

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture
def lesson(learning):
    return learning["lessons"][1]


def _warm(client, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first[HIT_HEADER] == "miss"
    return first


def test_the_second_anonymous_read_comes_from_the_cache_without_queries(
    client, lesson, django_assert_num_queries
):
    first = _warm(client, lesson.url)
    with django_assert_num_queries(0):
        second = Client().get(lesson.url)
    assert second.status_code == 200
    assert second[HIT_HEADER] == "hit"
    body = second.content.decode()
    assert "l2正文" in body and "第 2 / 3 课" in body
    assert "登录后可以记录学习进度" in body
    # The same page but for the token, and with the headers of the first answer.
    assert TOKEN.sub("", body) == TOKEN.sub("", first.content.decode())
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Frame-Options"] == first["X-Frame-Options"]
    assert second["Content-Language"] == "zh-hans"
    assert "Cookie" in second["Vary"]


def test_each_reader_gets_a_csrf_token_of_their_own(client, lesson):
    _warm(client, lesson.url)
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(lesson.url)
    assert page[HIT_HEADER] == "hit"
    tokens = TOKEN.findall(page.content.decode())
    assert tokens and len(set(tokens)) == 1
    assert settings.CSRF_COOKIE_NAME in page.cookies
    # The stored page's token works for this reader: the language switch accepts it.
    switched = reader.post(
        "/i18n/setlang/",
        {"language": "en", "next": lesson.url, "csrfmiddlewaretoken": tokens[0]},
    )
    assert switched.status_code == 302
    assert reader.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_publishing_a_new_revision_shows_the_new_text_at_once(client, lesson):
    _warm(client, lesson.url)
    assert Client().get(lesson.url)[HIT_HEADER] == "hit"
    lesson.body = [{"type": "rich_text", "value": "<p>修订后的正文</p>"}]
    publish(lesson)
    fresh = Client().get(lesson.url)
    assert fresh[HIT_HEADER] == "miss"
    body = fresh.content.decode()
    assert "修订后的正文" in body and "l2正文" not in body
    assert Client().get(lesson.url)[HIT_HEADER] == "hit"


def test_a_draft_does_not_change_what_readers_see(client, lesson):
    _warm(client, lesson.url)
    lesson.body = [{"type": "rich_text", "value": "<p>草稿正文</p>"}]
    lesson.save_revision()
    body = Client().get(lesson.url).content.decode()
    assert "l2正文" in body and "草稿正文" not in body


def test_a_course_title_change_reaches_its_cached_lessons(client, learning, lesson):
    _warm(client, lesson.url)
    course = learning["course"]
    course.title = "课程甲（新版）"
    publish(course)
    body = Client().get(lesson.url).content.decode()
    assert "课程甲（新版）" in body


def test_a_new_neighbour_and_an_unpublished_one_change_the_lesson_numbers(
    client, learning, lesson
):
    _warm(client, lesson.url)
    added = make_lesson(learning["course"], "l4")
    assert "第 2 / 4 课" in Client().get(lesson.url).content.decode()
    added.unpublish()
    assert "第 2 / 3 课" in Client().get(lesson.url).content.decode()


def test_a_deleted_lesson_is_not_served_from_the_cache(client, learning, lesson):
    _warm(client, lesson.url)
    url = lesson.url
    lesson.delete()
    assert Client().get(url).status_code == 404


def test_an_image_change_reaches_the_cover(client, lesson):
    cover = make_image("封面")
    lesson.cover = cover
    publish(lesson)
    first = _warm(client, lesson.url)
    old = re.search(r'class="lesson__cover" src="([^"]+)"', first.content.decode())[1]
    cover.focal_point_x, cover.focal_point_y = 10, 10
    cover.focal_point_width = cover.focal_point_height = 8
    cover.save()
    fresh = Client().get(lesson.url)
    assert fresh[HIT_HEADER] == "miss"
    new = re.search(r'class="lesson__cover" src="([^"]+)"', fresh.content.decode())[1]
    assert new != old


def test_a_logged_in_learner_sees_their_own_progress_never_a_cached_page(
    client, lesson, villager
):
    _warm(client, lesson.url)
    learner = Client()
    learner.force_login(villager)
    page = learner.get(lesson.url)
    assert HIT_HEADER not in page
    body = page.content.decode()
    assert "我已学完" in body and "登录后可以记录学习进度" not in body
    assert LessonProgress.objects.filter(user=villager, lesson=lesson).exists()
    # Nor does the learner's page become what anonymous readers get.
    again = Client().get(lesson.url)
    assert again[HIT_HEADER] == "hit"
    assert "我已学完" not in again.content.decode()


def test_each_language_has_its_own_entry(client, lesson):
    _warm(client, lesson.url)
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = english.get(lesson.url)
    assert first[HIT_HEADER] == "miss"
    assert first["Content-Language"] == "en"
    assert 'lang="en"' in first.content.decode()
    second = english.get(lesson.url)
    assert second[HIT_HEADER] == "hit"
    assert 'lang="en"' in second.content.decode()
    chinese = Client().get(lesson.url)
    assert chinese[HIT_HEADER] == "hit"
    assert 'lang="zh-Hans"' in chinese.content.decode()


def test_query_strings_and_other_pages_are_not_cached(client, learning, lesson):
    assert HIT_HEADER not in client.get(lesson.url + "?utm=x")
    assert HIT_HEADER not in client.get(lesson.url + "?utm=x")
    course = learning["course"].url
    assert HIT_HEADER not in client.get(course)
    assert HIT_HEADER not in client.get(course)


def test_a_page_that_sets_a_cookie_is_not_stored(client, lesson, monkeypatch):
    from courses.models import LessonPage

    serve = LessonPage.serve

    def serve_with_cookie(self, request, *args, **kwargs):
        response = serve(self, request, *args, **kwargs)
        response.set_cookie("campaign", "1")
        return response

    monkeypatch.setattr(LessonPage, "serve", serve_with_cookie)
    assert HIT_HEADER not in client.get(lesson.url)
    monkeypatch.setattr(LessonPage, "serve", serve)
    assert Client().get(lesson.url)[HIT_HEADER] == "miss"


def test_while_redis_is_down_lessons_render_uncached(client, lesson, monkeypatch):
    """During an outage the cache is each worker's memory (config.outages), where one
    worker cannot hear another's invalidation: lessons are rendered, never stored."""
    from courses import cache as lesson_cache

    _warm(client, lesson.url)
    monkeypatch.setattr(lesson_cache, "_outage", lambda: True)
    for _i in range(2):
        page = Client().get(lesson.url)
        assert page.status_code == 200
        assert HIT_HEADER not in page
        assert "l2正文" in page.content.decode()
    monkeypatch.setattr(lesson_cache, "_outage", lambda: False)
    assert Client().get(lesson.url)[HIT_HEADER] == "hit"


def test_privacy_set_above_a_stored_lesson_applies_at_once(client, learning, lesson):
    _warm(client, lesson.url)
    PageViewRestriction.objects.create(
        page=learning["course"], restriction_type=PageViewRestriction.LOGIN
    )
    page = Client().get(lesson.url)
    assert page.status_code == 302
    assert HIT_HEADER not in page


# Routing facts: a rendered lesson takes its site and which view restrictions apply
# from the cache (courses.cache.LessonRoute).


def _routed(lesson, django_assert_num_queries):
    """Known as a lesson's path, with its routing facts stored: one query (the lesson)."""
    Client().get(lesson.url + "?n=1")
    Client().get(lesson.url + "?n=2")
    with django_assert_num_queries(1):
        page = Client().get(lesson.url + "?n=3")
    assert page.status_code == 200 and "l2正文" in page.content.decode()


def test_privacy_set_after_the_routing_facts_were_stored_applies_at_once(
    learning, lesson, django_assert_num_queries
):
    _routed(lesson, django_assert_num_queries)
    PageViewRestriction.objects.create(
        page=learning["course"], restriction_type=PageViewRestriction.LOGIN
    )
    for n in range(2):  # found anew, then from the stored facts
        page = Client().get(lesson.url + f"?m={n}")
        assert page.status_code == 302 and "/login" in page["Location"]


def test_a_password_kept_in_the_routing_facts_is_asked_every_time(
    learning, lesson, django_assert_num_queries
):
    PageViewRestriction.objects.create(
        page=learning["course"],
        restriction_type=PageViewRestriction.PASSWORD,
        password="清廉2026",
    )
    for n in range(3):
        page = Client().get(lesson.url + f"?n={n}")
        assert page.status_code == 200 and "l2正文" not in page.content.decode()
        assert 'name="password"' in page.content.decode()
    # The restriction itself is read for each check; its page walk is not.
    with django_assert_num_queries(2):
        Client().get(lesson.url + "?n=9")


def test_a_changed_site_is_looked_up_again(learning, lesson, django_assert_num_queries):
    from wagtail.models import Site

    _routed(lesson, django_assert_num_queries)
    site = Site.objects.get(is_default_site=True)
    site.site_name = "改名后的站点"
    site.save()
    with CaptureQueriesContext(connection) as queries:
        Client().get(lesson.url + "?n=4")
    assert any('FROM "wagtailcore_site"' in q["sql"] for q in queries)


def test_routing_facts_are_not_used_during_an_outage(
    lesson, django_assert_num_queries, monkeypatch
):
    _routed(lesson, django_assert_num_queries)
    monkeypatch.setattr(lesson_cache, "_outage", lambda: True)
    with CaptureQueriesContext(connection) as queries:
        page = Client().get(lesson.url + "?n=4")
    assert "l2正文" in page.content.decode()
    sql = " ".join(q["sql"] for q in queries)
    assert 'FROM "wagtailcore_site"' in sql and "wagtailcore_pageviewrestriction" in sql


def test_routing_facts_never_leak_to_another_page(
    learning, lesson, django_assert_num_queries
):
    _routed(lesson, django_assert_num_queries)
    other = learning["lessons"][2]
    page = Client().get(other.url + "?n=1")
    assert page.status_code == 200 and "l3正文" in page.content.decode()
    assert "l2正文" not in page.content.decode()


# Fragments: pages the whole-page cache does not serve still take their shared parts
# (breadcrumbs, header to body, 上一课/下一课) from the cache.


def test_a_rendered_page_takes_its_shared_parts_from_the_cache(
    client, learning, lesson, django_assert_num_queries
):
    lesson_paths.clear()
    first = client.get(lesson.url + "?from=singlemessage")
    # Routing (site, home page, lesson) and Wagtail's privacy check (2): no course,
    # neighbours, tags or cover.
    with django_assert_num_queries(5):
        Client().get(lesson.url + "?from=menu")
    # The path is known as a lesson's now, and its routing facts are in the cache: the
    # lesson's own query is left.
    with django_assert_num_queries(1):
        second = Client().get(lesson.url + "?from=timeline")
    assert HIT_HEADER not in second
    body = second.content.decode()
    assert TOKEN.sub("", body).replace("timeline", "singlemessage") == TOKEN.sub(
        "", first.content.decode()
    )
    assert "l2正文" in body and "第 2 / 3 课" in body and "课程甲" in body
    assert 'rel="prev"' in body and 'rel="next"' in body


def test_a_learner_gets_the_shared_parts_and_their_own_progress(
    client, lesson, villager
):
    client.get(lesson.url + "?a=1")
    learner = Client()
    learner.force_login(villager)
    body = learner.get(lesson.url).content.decode()
    assert "第 2 / 3 课" in body and "l2正文" in body
    assert "我已学完" in body and "登录后可以记录学习进度" not in body
    assert "data-report-url" in body
    anonymous = Client().get(lesson.url + "?a=2").content.decode()
    assert "我已学完" not in anonymous and "data-report-url" not in anonymous


def test_publishing_reaches_a_rendered_page_at_once(client, lesson):
    client.get(lesson.url + "?a=1")
    lesson.body = [{"type": "rich_text", "value": "<p>修订后的正文</p>"}]
    publish(lesson)
    body = Client().get(lesson.url + "?a=2").content.decode()
    assert "修订后的正文" in body and "l2正文" not in body


def test_a_course_or_neighbour_change_reaches_a_rendered_page(client, learning, lesson):
    client.get(lesson.url + "?a=1")
    course = learning["course"]
    course.title = "课程甲（新版）"
    publish(course)
    make_lesson(course, "l4")
    body = Client().get(lesson.url + "?a=2").content.decode()
    assert "课程甲（新版）" in body and "第 2 / 4 课" in body


def test_a_preview_of_a_draft_never_shows_or_stores_the_live_parts(client, lesson):
    client.get(lesson.url + "?a=1")
    lesson.body = [{"type": "rich_text", "value": "<p>草稿正文</p>"}]
    preview = lesson.make_preview_request().content.decode()
    assert "草稿正文" in preview and "l2正文" not in preview
    live = Client().get(lesson.url + "?a=2").content.decode()
    assert "l2正文" in live and "草稿正文" not in live


def test_while_redis_is_down_the_shared_parts_are_rendered(client, lesson, monkeypatch):
    """During an outage another worker's invalidation may not reach this one's memory,
    so stored parts are not used: here a change that invalidates nothing shows at
    once."""
    from courses import cache as lesson_cache
    from courses.models import LessonPage

    client.get(lesson.url + "?a=1")
    LessonPage.objects.filter(pk=lesson.pk).update(summary="停机期间的摘要")
    assert "停机期间的摘要" not in Client().get(lesson.url + "?a=2").content.decode()
    monkeypatch.setattr(lesson_cache, "_outage", lambda: True)
    assert "停机期间的摘要" in Client().get(lesson.url + "?a=3").content.decode()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_cache_objects_share_one_redis_client():
    """Django makes a cache object per request under ASGI: they must not each open a
    connection to Redis (config.outages.DegradingRedisCache)."""
    from django.core.cache import caches

    first = caches.create_connection("default")
    second = caches.create_connection("default")
    assert first is not second
    assert first._cache is second._cache
