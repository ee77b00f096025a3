"""HTTP under ASGI: Django's own handler, with our middleware run as WSGI runs them.

Django's ASGIHandler (a) loads the middleware in async mode and (b) gives every request
a thread of its own (a fresh `ThreadSensitiveContext`). Both cost more than the view:

- (a) Our stack has synchronous middleware between Django's async-capable ones, so a
  request hopped between the event loop and a thread for each of their hooks and for
  the view — eight or so hand-overs a request (courses/asgi.py measured them).
- (b) Django's database connections belong to a thread. A new thread per request is a
  new connection per request: on SQLite that is a read of the whole schema (≈ 2 ms) on
  top of the journal-mode pragma, paid twice by every respondent (the form, then the
  answer), and persistent connections cannot help, because each request's thread ends
  with it and its connection is left to the garbage collector.

`SyncStackHandler` keeps everything of Django's handler (the body spooled to disk, the
request signals, client disconnects, streaming responses) and changes only those two:
the middleware and the view run synchronously, in one hand-over to a thread; and that
thread is one of a fixed set per process (`HTTP_THREADS`, "lanes"), each a single
thread that keeps its database connection from one request to the next while
`CONN_MAX_AGE` allows (SQLite by default; PostgreSQL hands connections back to its pool
whatever the thread). A request takes a lane only once its body has arrived, so slow
uploads do not hold the threads; when every lane is busy, requests wait their turn in
the event loop, as a WSGI server with that many threads queues them.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.db import connections

# The lane and its thread-sensitive context of the request being handled; set when the
# body has been read (SyncStackHandler.read_body), given back when the request ends.
_lane: contextvars.ContextVar[
    tuple[ThreadPoolExecutor, ThreadSensitiveContext] | None
] = contextvars.ContextVar("http_lane")


class Lanes:
    """At most `size` single-thread executors, handed to one request at a time.

    Waiters are futures of whichever event loop asks, so one instance serves any loop
    (tests run several)."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError("HTTP_THREADS must be at least 1")
        self.size = size
        self.made = 0
        self._idle: list[ThreadPoolExecutor] = []
        self._waiting: deque[asyncio.Future] = deque()

    async def acquire(self) -> ThreadPoolExecutor:
        if self._idle:
            return self._idle.pop()
        if self.made < self.size:
            self.made += 1
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-lane")
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            # Handed a lane just as the request was cancelled: pass it on.
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())
            raise

    def release(self, lane: ThreadPoolExecutor) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if waiter.done():
                continue
            # The waiter may belong to another loop (tests); hand over on its own.
            waiter.get_loop().call_soon_threadsafe(_hand_over, waiter, lane, self)
            return
        self._idle.append(lane)

    def drain(self) -> list[ThreadPoolExecutor]:
        """The idle lanes, taken out of service (see SyncStackHandler.shutdown)."""
        idle, self._idle = self._idle, []
        self.made -= len(idle)
        return idle


def _hand_over(waiter: asyncio.Future, lane: ThreadPoolExecutor, lanes: Lanes) -> None:
    if waiter.done():  # cancelled meanwhile
        lanes.release(lane)
    else:
        waiter.set_result(lane)


class SyncStackHandler(ASGIHandler):
    """Django's ASGIHandler with the synchronous middleware stack, run in lanes."""

    def __init__(self, threads: int | None = None):
        BaseHandler.__init__(self)
        # As a WSGI handler loads it: one synchronous chain, no hops inside.
        self.load_middleware(is_async=False)
        self.lanes = Lanes(threads or settings.HTTP_THREADS)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP only, not {scope['type']}.")
        try:
            await self.handle(scope, receive, send)
        finally:
            taken = _lane.get(None)
            if taken is not None:
                lane, context = taken
                _lane.set(None)
                await context.__aexit__(None, None, None)
                self.lanes.release(lane)

    async def read_body(self, receive):
        body_file = await super().read_body(receive)
        # The body is in: take a lane for the rest of the request. Everything handle()
        # does from here (signals, the view, closing the response) runs in this task or
        # in tasks it starts, which inherit the context set here; __call__ gives it back.
        lane = await self.lanes.acquire()
        context = ThreadSensitiveContext(executor=lane)
        try:
            await context.__aenter__()
        except BaseException:
            self.lanes.release(lane)
            raise
        _lane.set((lane, context))
        return body_file

    def shutdown(self) -> None:
        """Close the idle lanes' database connections and stop their threads (tests; a
        process that exits needs nothing of this: its connections close with it)."""
        for lane in self.lanes.drain():
            lane.submit(connections.close_all).result()
            lane.shutdown()

    async def get_response_async(self, request):
        # The whole synchronous stack in the request's lane: one hand-over.
        return await sync_to_async(self.get_response)(request)


def get_application() -> SyncStackHandler:
    """As django.core.asgi.get_asgi_application, with our handler."""
    django.setup(set_prefix=False)
    return SyncStackHandler()
