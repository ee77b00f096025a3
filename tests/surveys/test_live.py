"""Live scorecard: on commit → coalesced group event → consumer pushes scoped rows."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from surveys import live
from surveys.consumers import ScorecardConsumer
from surveys.routing import websocket_urlpatterns
from surveys.selectors import survey_questions
from surveys.services import answers_parse, response_submit
from tests.factories import make_person
from units.models import Role, Unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_wait(monkeypatch):
    monkeypatch.setattr(ScorecardConsumer, "refresh_delay", 0)


def _communicator(campaign, user):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/surveys/campaigns/{campaign.pk}/"
    )
    communicator.scope["user"] = user
    return communicator


def _submit(campaign, unit_code):
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


def test_announcements_are_coalesced_per_unit_per_second(campaign):
    assert live.announce(campaign_id=campaign.pk, unit_id=1) is True
    assert live.announce(campaign_id=campaign.pk, unit_id=1) is False
    assert live.announce(campaign_id=campaign.pk, unit_id=2) is True


def test_anonymous_visitors_cannot_subscribe(campaign):
    async_to_sync(_anonymous)(campaign)


async def _anonymous(campaign):
    communicator = _communicator(campaign, AnonymousUser())
    connected, code = await communicator.connect()
    assert not connected and code == 4403
    await communicator.disconnect()


def test_committed_response_pushes_an_update(campaign):
    async_to_sync(_pushes)(campaign)


async def _pushes(campaign):
    manager = await database_sync_to_async(make_person)(
        "cm",
        unit=await database_sync_to_async(Unit.objects.get)(code="YK-JG-01"),
        role=Role.CAMPAIGN_MANAGER,
    )
    communicator = _communicator(campaign, manager)
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "scorecard"
    assert {r["unit_code"]: r["participants"] for r in first["units"]}["YK"] == 0
    await database_sync_to_async(_submit)(campaign, "YK-GS-01")
    update = await communicator.receive_json_from(timeout=5)
    rows = {r["unit_code"]: r for r in update["units"]}
    assert rows["YK"]["participants"] == 1
    assert rows["YK-GS-01"]["participation_rate"] == pytest.approx(0.01)
    await communicator.disconnect()


def test_unit_manager_receives_only_their_rows(campaign):
    async_to_sync(_scoped)(campaign)


async def _scoped(campaign):
    town = await database_sync_to_async(Unit.objects.get)(code="YK-GS")
    manager = await database_sync_to_async(make_person)(
        "gsm", unit=town, role=Role.UNIT_MANAGER, managed_unit=town
    )
    communicator = _communicator(campaign, manager)
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert [r["unit_code"] for r in first["units"]] == ["YK-GS", "YK-GS-01", "YK-GS-02"]
    await communicator.disconnect()


redis_only = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs the Redis channel layer (REDIS_URL)"
)


@redis_only
def test_a_socket_idle_for_ten_seconds_still_receives_the_next_push(campaign):
    async_to_sync(_idle_then_push)(campaign)


async def _idle_then_push(campaign):
    manager = await database_sync_to_async(make_person)(
        "cm",
        unit=await database_sync_to_async(Unit.objects.get)(code="YK-JG-01"),
        role=Role.CAMPAIGN_MANAGER,
    )
    communicator = _communicator(campaign, manager)
    connected, _code = await communicator.connect()
    assert connected
    await communicator.receive_json_from(timeout=5)
    # Longer than redis-py's default 5 s socket timeout and channels-redis' 5 s BZPOPMIN.
    await asyncio.sleep(10)
    await database_sync_to_async(_submit)(campaign, "YK-GS-01")
    update = await communicator.receive_json_from(timeout=5)
    assert {r["unit_code"]: r["participants"] for r in update["units"]}["YK"] == 1
    await communicator.disconnect()
