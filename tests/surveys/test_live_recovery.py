"""The live scorecard through a Redis outage, with a real Redis of our own that is
stopped and started again: an open socket is told that live updates are paused when the
channel layer fails, and once the layer has re-joined its groups every open socket gets
a fresh snapshot at once, with the answers stored meanwhile and no new answer needed,
read once per campaign, scope and page in the process however many sockets watch it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from config import outages
from surveys import consumers
from surveys.selectors import survey_questions
from surveys.services import answers_parse, response_submit
from tests.factories import make_person
from tests.surveys.test_live import _communicator, _no_wait  # noqa: F401 - autouse fixture
from tests.test_outages import NOTICE, free_port, point_redis_at
from units.models import Role, Unit

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE_EN = (
    "Live updates paused: the figures are those of when the page opened; updates "
    "resume on their own."
)


class PrivateRedis:
    """A redis-server of this test's own that can be stopped and started on one port."""

    def __init__(self, binary: str, port: int):
        self.binary = binary
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed arguments
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis(settings):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (CI installs it)")
        pytest.skip("needs redis-server")
    outages._outages.clear()
    server = PrivateRedis(binary, free_port())
    point_redis_at(settings, server.port, retry_seconds=0.2)
    yield server
    server.stop()
    outages._outages.clear()


def _person(username: str, code: str, role: str):
    unit = Unit.objects.get(code=code)
    managed = unit if role == Role.UNIT_MANAGER else None
    return make_person(username, unit=unit, role=role, managed_unit=managed)


def _submit(campaign, unit_code: str = "YK-GS-01") -> None:
    questions = survey_questions(survey_id=campaign.survey_id)
    answers, errors = answers_parse(
        questions=questions, values={"R1": ["A"], "R2": ["A", "B"], "S1": ["5"]}
    )
    assert not errors
    response_submit(
        campaign=campaign,
        unit=Unit.objects.get(code=unit_code),
        answers=answers,
        idempotency_key=uuid.uuid4(),
    )


def _participants(message, code: str = "YK-GS-01") -> int:
    return {r["unit_code"]: r for r in message["units"]}[code]["participants"]


async def _open(campaign, user, query=""):
    communicator = _communicator(campaign, user, query)
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "scorecard"
    assert "notice" not in first
    return communicator, first


def test_an_open_scorecard_is_told_of_the_outage_and_catches_up_by_itself(
    redis, campaign
):
    redis.start()
    async_to_sync(_outage_and_back)(campaign, redis)


async def _outage_and_back(campaign, redis):
    manager = await database_sync_to_async(_person)(
        "cm", "YK-JG-01", Role.CAMPAIGN_MANAGER
    )
    zh, first = await _open(campaign, manager)
    en, _ = await _open(campaign, manager, "?lang=en")
    assert _participants(first) == 0

    await database_sync_to_async(redis.stop)()
    paused = await zh.receive_json_from(timeout=5)
    assert paused == {"type": "paused", "notice": NOTICE}
    assert await en.receive_json_from(timeout=5) == {
        "type": "paused",
        "notice": NOTICE_EN,
    }

    # Answered during the outage: stored, but its event is lost with Redis.
    await database_sync_to_async(_submit)(campaign)
    await database_sync_to_async(_submit)(campaign)
    assert await zh.receive_nothing(timeout=0.5)

    await database_sync_to_async(redis.start)()
    # No answer after Redis returns: the re-join alone brings the figures of now.
    fresh = await zh.receive_json_from(timeout=5)
    assert fresh["type"] == "scorecard"
    assert "notice" not in fresh
    assert _participants(fresh) == 2
    assert "html" in fresh and "cards" in fresh["html"]
    assert _participants(await en.receive_json_from(timeout=5)) == 2

    # Live pushes run again over the re-joined group.
    await database_sync_to_async(_submit)(campaign)
    assert _participants(await zh.receive_json_from(timeout=5)) == 3
    await zh.disconnect()
    await en.disconnect()


def test_a_socket_opened_during_the_outage_loses_its_notice_on_recovery(
    redis, campaign
):
    async_to_sync(_opened_during)(campaign, redis)


async def _opened_during(campaign, redis):
    manager = await database_sync_to_async(_person)(
        "cm", "YK-JG-01", Role.CAMPAIGN_MANAGER
    )
    communicator = _communicator(campaign, manager)
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["notice"] == NOTICE
    await database_sync_to_async(_submit)(campaign)
    await database_sync_to_async(redis.start)()
    fresh = await communicator.receive_json_from(timeout=5)
    assert "notice" not in fresh
    assert _participants(fresh) == 1
    await communicator.disconnect()


def test_the_catch_up_reads_each_campaign_and_scope_once_per_process(
    redis, campaign, monkeypatch
):
    redis.start()
    reads = []
    real = consumers.scorecard_read

    def counted(*, campaign, scope):
        reads.append(scope)
        return real(campaign=campaign, scope=scope)

    monkeypatch.setattr(consumers, "scorecard_read", counted)
    async_to_sync(_many_sockets)(campaign, redis, reads)


async def _many_sockets(campaign, redis, reads):
    managers = [
        await database_sync_to_async(_person)(
            f"cm{i}", "YK-JG-01", Role.CAMPAIGN_MANAGER
        )
        for i in range(3)
    ]
    town = await database_sync_to_async(_person)("gs", "YK-GS", Role.UNIT_MANAGER)
    sockets = [(await _open(campaign, user))[0] for user in [*managers, town]]
    await database_sync_to_async(redis.stop)()
    for communicator in sockets:
        assert (await communicator.receive_json_from(timeout=5))["type"] == "paused"
    await database_sync_to_async(_submit)(campaign)
    reads.clear()
    await database_sync_to_async(redis.start)()
    fresh = [await c.receive_json_from(timeout=5) for c in sockets]
    assert all(_participants(m) == 1 for m in fresh)
    # Three campaign managers share one snapshot; the town's manager has their own,
    # limited to the town.
    assert len(reads) == 2
    assert fresh[0] == fresh[1] == fresh[2]
    assert {r["unit_code"] for r in fresh[3]["units"]} < {
        r["unit_code"] for r in fresh[0]["units"]
    }
    assert "YK-JG-01" not in {r["unit_code"] for r in fresh[3]["units"]}
    for communicator in sockets:
        await communicator.disconnect()


def test_a_reader_whose_scope_went_during_the_outage_is_closed_on_recovery(
    redis, campaign
):
    redis.start()
    async_to_sync(_scope_gone)(campaign, redis)


async def _scope_gone(campaign, redis):
    town = await database_sync_to_async(_person)("gs", "YK-GS", Role.UNIT_MANAGER)
    communicator, _ = await _open(campaign, town)
    await database_sync_to_async(redis.stop)()
    assert (await communicator.receive_json_from(timeout=5))["type"] == "paused"
    # An administrator takes the scorecard away while Redis is down.
    await database_sync_to_async(_demote)(town)
    await database_sync_to_async(redis.start)()
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}


def _demote(user) -> None:
    from units.services import person_set_role  # noqa: PLC0415

    person_set_role(person=user, role=Role.LEARNER)
