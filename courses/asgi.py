"""Lesson pages served past Django's ASGI handler (config/asgi.py wraps Django in this).

Django's ASGI handler adapts our middleware stack to async: the stack runs on a worker
thread up to LessonCacheMiddleware, the first middleware without an async mode, and
from there Django hops back to the event loop for the middleware inside it and over to
a thread again for each of their hooks and for the view — eight or so hand-overs
between loop and threads a request, with the request_started and request_finished
signals on top. On this 2-core machine that was 2.5 ms of CPU for a stored page whose
middleware take 0.5 ms, and 18 ms for a rendered lesson that takes 8 ms under a
synchronous handler (docs/benchmarks.md, "Lesson page").

So GETs of a path at which this process has served a lesson page (LessonPage.serve
notes it) are served by Django's own middleware and views loaded synchronously, as a
WSGI server runs them:

- a request that can only be a cache hit — no query string, no session or message
  cookie — runs the middleware right here in the event loop, in a mode in which
  LessonCacheMiddleware answers from the cache or not at all; nothing on this path
  touches the database;
- any other GET of such a path (a query string, a logged-in learner, a page not in the
  cache) goes through the whole stack in one worker thread, between Django's
  request_started and request_finished signals, which open and close its database
  connection as for any request.

Every header (security, CSP, language, the reader's CSRF token and cookie) comes from
the same middleware as on any other request. Everything else goes to Django's handler.
"""

from __future__ import annotations

import io

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import parse_cookie
from django.urls import set_script_prefix

from .cache import HIT_HEADER, HITS_ONLY_ATTRIBUTE, lesson_paths


class _SyncHandler(BaseHandler):
    """Django's middleware stack and views, synchronous, as a WSGI handler loads them."""

    def __init__(self):
        super().__init__()
        self.load_middleware()


class LessonCacheApp:
    """ASGI application: lesson pages as described above, everything else to `app`."""

    def __init__(self, app):
        self.app = app
        self._handler: _SyncHandler | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        if scope["path"] not in lesson_paths:
            return await self.app(scope, receive, send)
        response = self._from_cache(scope) if _may_be_stored(scope) else None
        if response is None:
            # A thread of the loop's pool, not one per request: the database connection
            # it opens is closed by request_finished, or kept for that thread's next
            # request when connections persist.
            response = await sync_to_async(self._render, thread_sensitive=False)(scope)
        await _send(response, send)

    @property
    def handler(self) -> _SyncHandler:
        if self._handler is None:
            self._handler = _SyncHandler()
        return self._handler

    def _from_cache(self, scope):
        request = ASGIRequest(scope, io.BytesIO())
        setattr(request, HITS_ONLY_ATTRIBUTE, True)
        set_script_prefix(get_script_prefix(scope))
        response = self.handler.get_response(request)
        return response if response.get(HIT_HEADER) == "hit" else None

    def _render(self, scope):
        """The request through the whole synchronous stack, as under WSGI."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        response = self.handler.get_response(ASGIRequest(scope, io.BytesIO()))
        try:
            if response.streaming:
                response.content = b"".join(response.streaming_content)
        finally:
            response.close()
        return response


def _may_be_stored(scope) -> bool:
    if scope.get("query_string"):
        return False
    cookies = b"; ".join(
        value for name, value in scope.get("headers", ()) if name.lower() == b"cookie"
    )
    if not cookies:
        return True
    names = parse_cookie(cookies.decode("latin1"))
    return settings.SESSION_COOKIE_NAME not in names and "messages" not in names


async def _send(response, send) -> None:
    """As Django's ASGIHandler.send_response, for a response already in memory."""
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
