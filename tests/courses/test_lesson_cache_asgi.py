"""Stored lesson pages answered in the event loop, before the HTTP handler (courses.asgi)."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.test import Client

from config.http import SyncStackHandler
from courses.asgi import LessonCacheApp
from courses.cache import HIT_HEADER, lesson_paths
from tests.asgi import http_scope
from tests.courses.conftest import publish

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


class Django(SyncStackHandler):
    """The HTTP handler, whose middleware serve the hits, counting the requests that
    reach it as ASGI calls (rendering in its threads is tested in tests/config)."""

    def __init__(self):
        super().__init__(threads=1)
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


def _scope(path, *, query=b"", cookies=b"", method="GET"):
    headers = [(b"cookie", cookies)] if cookies else []
    return http_scope(path, method=method, query=query, headers=headers)


def _get(app, path, **kwargs):
    scope = _scope(path, **kwargs)

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
    """The page stored by the lesson cache, its path noted by LessonPage.serve."""
    lesson_paths.clear()
    assert client.get(lesson.url)[HIT_HEADER] == "miss"
    assert lesson.url in lesson_paths
    return Client().get(lesson.url)


def test_a_stored_page_is_answered_without_django_s_handler(client, app, lesson):
    through_django = _stored(client, app, lesson)
    status, headers, body = _get(app, lesson.url)
    assert app.app.calls == 0  # answered in the event loop
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


def test_other_gets_of_a_lesson_go_to_the_handler(client, app, lesson):
    _stored(client, app, lesson)
    session = f"{settings.SESSION_COOKIE_NAME}=abc".encode()
    for kwargs in ({"cookies": session}, {"query": b"from=singlemessage"}):
        assert _get(app, lesson.url, **kwargs)[2] == b"rendered"
    assert app.app.calls == 2


def test_other_paths_and_methods_go_to_django(client, app, lesson):
    _stored(client, app, lesson)
    _get(app, "/learn/")
    _get(app, lesson.url, method="POST")
    assert app.app.calls == 2


def test_a_published_change_is_rendered_anew(client, app, lesson):
    _stored(client, app, lesson)
    lesson.body = [{"type": "rich_text", "value": "<p>修订后的正文</p>"}]
    publish(lesson)
    assert _get(app, lesson.url)[2] == b"rendered"
    assert app.app.calls == 1


def test_while_redis_is_down_pages_are_rendered(client, app, lesson, monkeypatch):
    from courses import cache as lesson_cache

    _stored(client, app, lesson)
    monkeypatch.setattr(lesson_cache, "_outage", lambda: True)
    assert _get(app, lesson.url)[2] == b"rendered"
    assert app.app.calls == 1


@pytest.fixture
def no_connection_closing():
    """As Django's test client: the request signals must not close the connection
    that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_handler_renders_a_lesson_with_its_whole_stack(
    client, lesson, villager, no_connection_closing
):
    handler = SyncStackHandler(threads=1)

    def render(scope):
        return handler.get_response(ASGIRequest(scope, io.BytesIO()))

    response = render(_scope(lesson.url, query=b"from=singlemessage"))
    body = response.content.decode()
    assert response.status_code == 200 and HIT_HEADER not in response
    assert "l2正文" in body and "from%3Dsinglemessage" in body
    assert "Content-Security-Policy" in response
    client.force_login(villager)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    assert (
        "我已学完"
        in render(_scope(lesson.url, cookies=cookie.encode())).content.decode()
    )


def test_the_site_serves_http_through_the_lesson_cache():
    from config.asgi import application

    http = application.application_mapping["http"]
    assert isinstance(http, LessonCacheApp)
    assert isinstance(http.app, SyncStackHandler)
