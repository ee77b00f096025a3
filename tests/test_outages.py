"""Redis down: the cache and the channel layer point at a closed port. Pages render,
answers are stored, budgets still limit (per process), the live scorecard opens with the
figures of the moment and a notice, the outage is logged once, and Redis is used again
as soon as it answers."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError

from config import outages
from surveys.consumers import ScorecardConsumer
from surveys.models import CampaignUnit, Response
from surveys.routing import websocket_urlpatterns
from surveys.selectors import survey_questions
from surveys.services import (
    answers_parse,
    campaign_create,
    campaign_open,
    response_submit,
)
from tests.courses.conftest import learning  # noqa: F401 - fixture
from tests.factories import make_person
from tests.quizzes.conftest import make_question, make_quiz, practice  # noqa: F401
from tests.surveys.conftest import campaign, survey  # noqa: F401 - fixtures
from tests.surveys.respondent import post_answers
from units.models import Role, Unit

ANSWERS = {"q_R1": "A", "q_R2": ["A", "B"], "q_S1": "5", "q_S2": "0", "q_T1": "多公开"}
NOTICE = "实时更新暂停：显示的是打开页面时的数据，恢复后自动更新。"


def free_port() -> int:
    """A port nothing listens on (the kernel just handed it out and it was closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def point_redis_at(settings, port: int, *, retry_seconds: float = 60) -> None:
    url = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.outages.DegradingRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "retry_seconds": retry_seconds,
            },
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.outages.DegradingRedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": url,
                        "socket_timeout": 15,
                        "socket_connect_timeout": 1,
                    }
                ],
                "prefix": "outage-test:asgi",
                "retry_seconds": retry_seconds,
            },
        }
    }


@pytest.fixture
def redis_down(settings):
    """Cache and channel layer on a closed port, with a fresh circuit."""
    outages._outages.clear()
    port = free_port()
    point_redis_at(settings, port)
    yield port
    outages._outages.clear()


def outage_records(caplog, what: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "config.outages" and r.getMessage().startswith(what)
    ]


def _link(target) -> str:
    token = CampaignUnit.objects.get(campaign=target, unit__code="YK-GS-01").token
    return f"/surveys/u/{token}/"


def _post(client, url: str):
    return post_answers(client, url, ANSWERS)


# --- pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_learning_and_quiz_pages_render_while_redis_is_down(
    client,
    redis_down,
    learning,  # noqa: F811
    practice,  # noqa: F811
):
    quiz = make_quiz(practice, [make_question("Q1")])
    for url in ("/", "/learn/", "/learn/course-a/", quiz.url):
        page = client.get(url)
        assert page.status_code == 200, url
    assert "课程甲" in client.get("/learn/").content.decode()


# --- submissions ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_anonymous_answer_is_stored_while_redis_is_down(
    client,
    redis_down,
    campaign,  # noqa: F811
):
    reply = _post(client, _link(campaign))
    assert reply.status_code == 302
    assert reply["Location"] == f"/surveys/{campaign.pk}/thanks/"
    assert client.get(reply["Location"]).status_code == 200
    stored = Response.objects.get()
    assert stored.unit.code == "YK-GS-01" and stored.completed_at is not None


@pytest.mark.django_db(transaction=True)
def test_identified_answer_is_stored_and_thanked_while_redis_is_down(
    client,
    redis_down,
    city,
    survey,  # noqa: F811
):
    identified = campaign_open(
        campaign=campaign_create(
            survey=survey, title="实名测评", root_unit=city, mode="identified"
        )
    )
    member = make_person("villager", unit=Unit.objects.get(code="YK-GS-01"))
    client.force_login(member)
    # The live push runs after the commit, inside this request: it must not fail it.
    reply = _post(client, f"/surveys/{identified.pk}/")
    assert reply.status_code == 302
    assert reply["Location"] == f"/surveys/{identified.pk}/thanks/"
    assert Response.objects.get().user == member


@pytest.mark.django_db
def test_device_budget_still_limits_per_process_while_redis_is_down(
    client,
    redis_down,
    campaign,  # noqa: F811
):
    client.cookies["sv_device"] = "device-under-outage-01"
    replies = [_post(client, _link(campaign)).status_code for _ in range(6)]
    assert replies == [302, 302, 302, 302, 302, 429]
    assert Response.objects.count() == 5


@pytest.mark.django_db
def test_network_budget_still_limits_per_process_while_redis_is_down(
    client,
    redis_down,
    campaign,  # noqa: F811
):
    # max(30, headcount 3) = 30 answers from one address through one link.
    link = CampaignUnit.objects.get(campaign=campaign, unit__code="YK-GS-01")
    link.headcount = 3
    link.save()
    replies = [_post(client, _link(campaign)).status_code for _ in range(31)]
    assert replies.count(302) == 30 and replies[-1] == 429


# --- logging --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_outage_is_logged_once_not_per_request(
    client,
    redis_down,
    campaign,  # noqa: F811
    caplog,
):
    caplog.set_level(logging.WARNING, logger="config.outages")
    for _ in range(3):
        assert client.get(_link(campaign)).status_code == 200
        # Each answer's live push fails after its commit: still one record.
        assert _post(client, _link(campaign)).status_code == 302
    assert Response.objects.count() == 3
    assert len(outage_records(caplog, "Redis cache unavailable")) == 1
    assert len(outage_records(caplog, "Redis channel layer unavailable")) == 1
    assert f"127.0.0.1:{redis_down}" in outage_records(caplog, "Redis cache")[0]


def test_the_circuit_leaves_redis_alone_between_retries(settings, monkeypatch):
    """A Redis that hangs costs one timeout per interval, not one per call."""
    outages._outages.clear()
    point_redis_at(settings, free_port(), retry_seconds=60)
    calls = []
    original = RedisCache.get

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get", counted)
    started = time.monotonic()
    for _ in range(20):
        assert cache.get("k", "miss") == "miss"
    assert len(calls) == 1
    assert time.monotonic() - started < 1
    outages._outages.clear()


# --- live scorecard -------------------------------------------------------------------


def _communicator(target, user):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        f"/ws/surveys/campaigns/{target.pk}/",
    )
    communicator.scope["user"] = user
    return communicator


async def _manager():
    unit = await database_sync_to_async(Unit.objects.get)(code="YK-JG-01")
    return await database_sync_to_async(make_person)(
        "cm", unit=unit, role=Role.CAMPAIGN_MANAGER
    )


@pytest.fixture
def _no_wait(monkeypatch):
    monkeypatch.setattr(ScorecardConsumer, "refresh_delay", 0)


@pytest.mark.django_db(transaction=True)
def test_live_scorecard_opens_with_rows_and_a_notice_while_redis_is_down(
    redis_down,
    campaign,  # noqa: F811
    _no_wait,
):
    async_to_sync(_opens_without_live)(campaign)


async def _opens_without_live(target):
    communicator = _communicator(target, await _manager())
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "scorecard"
    assert {r["unit_code"] for r in first["units"]} >= {"YK", "YK-GS-01"}
    assert "cards" in first["html"]
    assert first["notice"] == NOTICE
    # The socket stays usable: the channel layer waits the outage out instead of
    # failing the consumer, and a manual refresh still reads the scorecard.
    await communicator.send_json_to({"action": "refresh"})
    again = await communicator.receive_json_from(timeout=5)
    assert again["type"] == "scorecard" and again["units"] == first["units"]
    await communicator.disconnect()


# --- recovery -------------------------------------------------------------------------


@pytest.fixture
def redis_server():
    """Starts a Redis of our own on a port of our own, to end a fake outage."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (CI installs it)")
        pytest.skip("needs redis-server")
    processes = []

    def start(port: int) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own fixed arguments
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        processes.append(process)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def _keys(port: int) -> list[str]:
    import redis

    return [k.decode() for k in redis.Redis(port=port).keys("*")]


@pytest.mark.django_db
def test_the_cache_uses_redis_again_once_it_answers(
    client,
    settings,
    redis_server,
    learning,  # noqa: F811
    caplog,
):
    caplog.set_level(logging.WARNING, logger="config.outages")
    outages._outages.clear()
    port = free_port()
    point_redis_at(settings, port, retry_seconds=0.2)
    assert client.get("/learn/").status_code == 200
    assert cache.get("probe") is None
    redis_server(port)
    time.sleep(0.3)
    assert client.get("/learn/").status_code == 200
    cache.set("probe", "from redis")
    assert any(key.endswith(":probe") for key in _keys(port))
    assert any("wagtail_site_root_paths" in key for key in _keys(port))
    assert len(outage_records(caplog, "Redis cache unavailable")) == 1
    assert len(outage_records(caplog, "Redis cache reachable again")) == 1
    outages._outages.clear()


def test_keys_deleted_during_the_outage_are_deleted_in_redis_when_it_returns(
    settings, redis_server
):
    outages._outages.clear()
    port = free_port()
    redis_server(port)
    point_redis_at(settings, port, retry_seconds=0.2)
    cache.set("root-paths", "stale")
    real_get_client = cache._cache.get_client

    def refused(*args, **kwargs):
        raise RedisConnectionError("fake outage")

    cache._cache.get_client = refused
    cache.delete("root-paths")  # e.g. Wagtail invalidating its site root paths
    assert cache.get("root-paths") is None
    cache._cache.get_client = real_get_client
    time.sleep(0.3)
    assert cache.get("root-paths") is None
    assert not any(key.endswith(":root-paths") for key in _keys(port))
    outages._outages.clear()


@pytest.mark.django_db(transaction=True)
def test_live_scorecard_opened_during_an_outage_gets_pushes_once_redis_answers(
    settings,
    redis_server,
    campaign,  # noqa: F811
    _no_wait,
):
    outages._outages.clear()
    port = free_port()
    point_redis_at(settings, port, retry_seconds=0.2)
    async_to_sync(_resumes)(campaign, port, redis_server)
    outages._outages.clear()


async def _resumes(target, port, redis_server):
    communicator = _communicator(target, await _manager())
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["notice"] == NOTICE
    await database_sync_to_async(redis_server)(port)
    # The layer re-joins the scorecard's group within its retry interval.
    deadline = time.monotonic() + 5
    while not await database_sync_to_async(_joined)(port):
        assert time.monotonic() < deadline, "the group was not re-joined"
        await asyncio.sleep(0.1)
    # The re-join brings a fresh snapshot at once, without the notice.
    caught_up = await communicator.receive_json_from(timeout=5)
    assert caught_up["type"] == "scorecard" and "notice" not in caught_up
    await database_sync_to_async(_submit)(target)
    update = await communicator.receive_json_from(timeout=5)
    rows = {r["unit_code"]: r for r in update["units"]}
    assert rows["YK-GS-01"]["participants"] == 1
    assert "notice" not in update
    await communicator.disconnect()


def _joined(port: int) -> bool:
    return any(":group:" in key for key in _keys(port))


def _submit(target) -> None:
    questions = survey_questions(survey_id=target.survey_id)
    answers, errors = answers_parse(
        questions=questions, values={"R1": ["A"], "R2": ["A", "B"], "S1": ["5"]}
    )
    assert not errors
    response_submit(
        campaign=target,
        unit=Unit.objects.get(code="YK-GS-01"),
        answers=answers,
        idempotency_key=uuid.uuid4(),
    )


def test_a_waiting_layer_never_declares_recovery_while_redis_is_still_down(
    settings, caplog
):
    caplog.set_level(logging.WARNING, logger="config.outages")
    outages._outages.clear()
    point_redis_at(settings, free_port(), retry_seconds=0.05)
    async_to_sync(_wait_out_an_outage)()
    assert len(outage_records(caplog, "Redis channel layer unavailable")) == 1
    assert outage_records(caplog, "Redis channel layer reachable again") == []
    outages._outages.clear()


async def _wait_out_an_outage():
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = await layer.new_channel()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await layer.receive(channel)
