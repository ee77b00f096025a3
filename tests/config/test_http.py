"""HTTP under ASGI through config.http.SyncStackHandler: Django's handler with the
synchronous middleware stack, run in a fixed set of threads ("lanes") per process."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.db import connections
from django.test import override_settings

from config.http import Lanes, SyncStackHandler
from tests.asgi import http_scope

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("test_urls"),
]


@pytest.fixture
def test_urls():
    with override_settings(ROOT_URLCONF="tests.config.http_urls"):
        yield


@pytest.fixture
def make_app():
    made = []

    def make(threads):
        app = SyncStackHandler(threads=threads)
        made.append(app)
        return app

    yield make
    for app in made:
        app.shutdown()


def _scope(path, method="GET"):
    return http_scope(
        path,
        method=method,
        scheme="https",
        headers=[(b"x-forwarded-proto", b"https")],
    )


async def _request(app, path, *, method="GET", body_parts=(b"",), gate=None):
    """One request; with `gate`, the body's last part arrives only once it is set."""
    parts = list(body_parts)
    messages = []

    async def receive():
        if parts:
            part = parts.pop(0)
            if not parts and gate is not None:
                await gate.wait()
            return {"type": "http.request", "body": part, "more_body": bool(parts)}
        await asyncio.Event().wait()  # the client never disconnects

    async def send(message):
        messages.append(message)

    await app(_scope(path, method), receive, send)
    status = messages[0]["status"]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return status, body


def test_requests_share_at_most_the_lanes_threads(make_app):
    app = make_app(threads=2)

    async def six_at_once():
        return await asyncio.gather(*(_request(app, "/slow/") for _ in range(6)))

    results = async_to_sync(six_at_once)()
    assert [status for status, _ in results] == [200] * 6
    threads = {json.loads(body)["thread"] for _, body in results}
    assert len(threads) == 2
    assert app.lanes.made == 2


def test_a_lane_keeps_its_thread_and_its_database_connection(make_app, monkeypatch):
    # Persistent connections, as the SQLite default (config/settings/base.py).
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 60)
    app = make_app(threads=1)
    seen = [json.loads(async_to_sync(_request)(app, "/where/")[1]) for _ in range(3)]
    assert len({s["thread"] for s in seen}) == 1
    assert seen[0]["thread_name"].startswith("http-lane")
    assert len({s["connection"] for s in seen}) == 1


def test_a_slow_upload_holds_no_lane(make_app):
    app = make_app(threads=1)

    async def upload_and_read():
        gate = asyncio.Event()
        upload = asyncio.ensure_future(
            _request(
                app, "/echo/", method="POST", body_parts=(b"x" * 1000, b"y"), gate=gate
            )
        )
        await asyncio.sleep(0.05)
        # The upload's body is still arriving; the only lane serves another request.
        other = await asyncio.wait_for(_request(app, "/where/"), timeout=5)
        assert not upload.done()
        gate.set()
        return other, await asyncio.wait_for(upload, timeout=5)

    (other_status, _), (status, body) = async_to_sync(upload_and_read)()
    assert other_status == 200
    assert (status, body) == (200, b"1001")


def test_a_failing_view_gives_its_lane_back(make_app):
    app = make_app(threads=1)
    assert async_to_sync(_request)(app, "/boom/")[0] == 500
    assert async_to_sync(_request)(app, "/where/")[0] == 200
    assert app.lanes.made == 1


def test_streaming_responses_are_sent_whole(make_app):
    app = make_app(threads=1)
    status, body = async_to_sync(_request)(app, "/stream/")
    assert (status, body) == (200, b"part 0;part 1;part 2;part 3;part 4;")


def test_a_waiter_cancelled_passes_the_lane_on():
    async def scenario():
        lanes = Lanes(1)
        first = await lanes.acquire()
        cancelled = asyncio.ensure_future(lanes.acquire())
        waiting = asyncio.ensure_future(lanes.acquire())
        await asyncio.sleep(0)
        cancelled.cancel()
        lanes.release(first)
        got = await asyncio.wait_for(waiting, timeout=2)
        lanes.release(got)
        return first, got, lanes.made, len(lanes._idle)

    first, got, made, idle = async_to_sync(scenario)()
    assert got is first
    assert (made, idle) == (1, 1)
    first.shutdown()


def test_lanes_refuse_a_size_below_one():
    with pytest.raises(ValueError, match="HTTP_THREADS"):
        Lanes(0)
