"""Stored lesson pages answered in the event loop (config/asgi.py wraps Django in this).

Django's ASGI handler runs the synchronous middleware and view of every request on a
worker thread and sends the request_started and request_finished signals through it as
well: about 2 ms of CPU a request on this 2-core machine, where the middleware that
answer from the lesson cache take 0.5 ms (docs/benchmarks.md, "Lesson page"). So a
request that can only be a cache hit — a GET without query string, without session or
message cookie, for a path this process has seen answered by the lesson cache — runs
Django's own middleware right here, in a mode in which LessonCacheMiddleware answers
from the cache or not at all. Every header (security, CSP, language, the reader's CSRF
token and cookie) comes from the same middleware as on any other request, and nothing
on this path touches the database. When the cache has no current page (a change was
published, the entry expired, Redis is down), the request goes to Django's handler as
before, which renders and stores the page.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import parse_cookie
from django.urls import set_script_prefix

from .cache import HIT_HEADER, HITS_ONLY_ATTRIBUTE

# Paths learned per process; a site has far fewer lessons × languages than this, and
# a full set is simply emptied and learned again.
MAX_PATHS = 10_000
_HIT_HEADER = HIT_HEADER.lower().encode()


class _MiddlewareOnly(BaseHandler):
    """Django's middleware stack, synchronous, as a WSGI handler loads it."""

    def __init__(self):
        super().__init__()
        self.load_middleware()


class LessonCacheApp:
    """ASGI application: stored lesson pages from the cache, everything else to `app`."""

    def __init__(self, app):
        self.app = app
        self.paths: set[str] = set()
        self._handler: _MiddlewareOnly | None = None

    async def __call__(self, scope, receive, send):
        if not _may_be_stored(scope):
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path in self.paths:
            response = self._from_cache(scope)
            if response is not None:
                await _send(response, send)
                return
        await self.app(scope, receive, self._learning(path, send))

    def _from_cache(self, scope):
        if self._handler is None:
            self._handler = _MiddlewareOnly()
        request = ASGIRequest(scope, io.BytesIO())
        setattr(request, HITS_ONLY_ATTRIBUTE, True)
        set_script_prefix(get_script_prefix(scope))
        response = self._handler.get_response(request)
        return response if response.get(HIT_HEADER) == "hit" else None

    def _learning(self, path: str, send):
        """`send`, noting the path when the lesson cache answered it (hit or miss)."""

        async def learning_send(message):
            if message["type"] == "http.response.start" and any(
                name.lower() == _HIT_HEADER for name, _value in message["headers"]
            ):
                if len(self.paths) >= MAX_PATHS:
                    self.paths.clear()
                self.paths.add(path)
            await send(message)

        return learning_send


def _may_be_stored(scope) -> bool:
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
        return False
    cookies = b"; ".join(
        value for name, value in scope.get("headers", ()) if name.lower() == b"cookie"
    )
    if not cookies:
        return True
    names = parse_cookie(cookies.decode("latin1"))
    return settings.SESSION_COOKIE_NAME not in names and "messages" not in names


async def _send(response, send) -> None:
    """As Django's ASGIHandler.send_response, for a stored page (never streamed)."""
    headers = [
        (name.encode("ascii"), value.encode("latin1"))
        for name, value in response.items()
    ]
    headers += [
        (b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
        for cookie in response.cookies.values()
    ]
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": headers,
        }
    )
    await send({"type": "http.response.body", "body": response.content})
