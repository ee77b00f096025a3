"""Stored lesson pages answered before Django's ASGI handler (courses.asgi)."""

from __future__ import annotations

import asyncio
import re

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import Client

from courses.asgi import LessonCacheApp
from courses.cache import HIT_HEADER
from tests.courses.conftest import publish

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


class Django:
    """Stands in for Django's handler: counts the requests that reach it and answers
    as the lesson cache would (a miss)."""

    def __init__(self):
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"X-Lesson-Cache", b"miss")],
            }
        )
        await send({"type": "http.response.body", "body": b"rendered"})


def _get(app, path, *, query=b"", cookies=b""):
    headers = [(b"host", b"testserver")]
    if cookies:
        headers.append((b"cookie", cookies))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }

    async def request():
        messages = []

        async def receive():
            await asyncio.Event().wait()

        async def send(message):
            messages.append(message)

        await app(scope, receive, send)
        return messages

    start, body = async_to_sync(request)()
    return start["status"], dict(start["headers"]), body["body"]


@pytest.fixture
def lesson(learning):
    return learning["lessons"][1]


@pytest.fixture
def app():
    return LessonCacheApp(Django())


def _stored(client, app, lesson):
    """The page stored by the lesson cache, and its path learned by `app`."""
    assert client.get(lesson.url)[HIT_HEADER] == "miss"
    _get(app, lesson.url)
    assert app.app.calls == 1
    return Client().get(lesson.url)


def test_a_stored_page_is_answered_without_django_s_handler(client, app, lesson):
    through_django = _stored(client, app, lesson)
    status, headers, body = _get(app, lesson.url)
    assert app.app.calls == 1
    assert status == 200
    assert headers[b"X-Lesson-Cache"] == b"hit"
    assert b"l2\xe6\xad\xa3\xe6\x96\x87" in body  # l2正文
    assert TOKEN.sub(b"", body) == TOKEN.sub(b"", through_django.content)
    # The same headers as Django sends, from the same middleware.
    for name in ("Content-Type", "Content-Language", "Vary", "X-Frame-Options"):
        assert headers[name.encode()].decode() == through_django[name]
    assert b"Content-Security-Policy" in headers
    assert headers[b"Set-Cookie"].startswith(settings.CSRF_COOKIE_NAME.encode())


def test_each_reader_gets_their_own_csrf_token(client, app, lesson):
    _stored(client, app, lesson)
    tokens = {TOKEN.search(_get(app, lesson.url)[2])[1] for _ in range(3)}
    assert len(tokens) == 3


def test_a_session_query_string_or_unknown_path_goes_to_django(client, app, lesson):
    _stored(client, app, lesson)
    session = f"{settings.SESSION_COOKIE_NAME}=abc".encode()
    _get(app, lesson.url, cookies=session)
    _get(app, lesson.url, cookies=b"messages=x")
    _get(app, lesson.url, query=b"from=singlemessage")
    _get(app, "/learn/")
    assert app.app.calls == 5


def test_a_published_change_goes_to_django_to_be_rendered(client, app, lesson):
    _stored(client, app, lesson)
    lesson.body = [{"type": "rich_text", "value": "<p>修订后的正文</p>"}]
    publish(lesson)
    status, _headers, body = _get(app, lesson.url)
    assert app.app.calls == 2 and body == b"rendered"


def test_while_redis_is_down_pages_go_to_django(client, app, lesson, monkeypatch):
    from courses import cache as lesson_cache

    _stored(client, app, lesson)
    monkeypatch.setattr(lesson_cache, "_outage", lambda: True)
    _get(app, lesson.url)
    assert app.app.calls == 2


def test_the_site_serves_http_through_the_lesson_cache():
    from config.asgi import application

    assert isinstance(application.application_mapping["http"], LessonCacheApp)
