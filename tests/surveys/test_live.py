"""Live scorecard: on commit → coalesced group event → consumer pushes scoped rows and
the watched page's cards, charts and table rows, rendered by the page's templates."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from asgiref.sync import async_to_sync
from bs4 import BeautifulSoup
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client

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


def _communicator(campaign, user, query=""):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        f"/ws/surveys/campaigns/{campaign.pk}/{query}",
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


def _cells(fragment, unit_code):
    row = BeautifulSoup(fragment, "html.parser").find("tr", {"data-unit": unit_code})
    return [" ".join(cell.get_text(" ").split()) for cell in row.find_all(["th", "td"])]


def _words(fragment):
    return " ".join(BeautifulSoup(fragment, "html.parser").get_text(" ").split())


async def _watch(campaign, user, query):
    # The fixture's imports announced their units within the coalescing second.
    await database_sync_to_async(cache.clear)()
    communicator = _communicator(campaign, user, query)
    connected, _code = await communicator.connect()
    assert connected
    return communicator, await communicator.receive_json_from(timeout=5)


async def _campaign_manager():
    return await database_sync_to_async(make_person)(
        "cm",
        unit=await database_sync_to_async(Unit.objects.get)(code="YK-JG-01"),
        role=Role.CAMPAIGN_MANAGER,
    )


def test_a_push_carries_the_whole_row_the_cards_and_the_charts(scored):
    async_to_sync(_whole_push)(scored)


async def _whole_push(campaign):
    communicator, first = await _watch(
        campaign, await _campaign_manager(), "?unit=YK-GS"
    )
    assert first["unit"] == "YK-GS"
    assert _cells(first["html"]["children"], "YK-GS-02")[2:4] == ["3", "6.0%"]
    await database_sync_to_async(_submit)(campaign, "YK-GS-02")
    html = (await communicator.receive_json_from(timeout=5))["html"]
    # 示范村 (headcount 50): 3 + 1 respondents, all recognising; the new one answered
    # S1 = 5, so satisfaction is 4 answers, 2 positive (4, 4, 4 → 满意; 5 → 非常满意).
    assert _cells(html["children"], "YK-GS-02") == [
        "示范村 YK-GS-02",
        "50",
        "4",  # participants
        "8.0%",  # 4 / 50
        "未达标",
        "39",  # ⌈0.85 × 50⌉ − 4
        "100.0% [51.0%, 100.0%] n=4",
        "样本不足",  # n < 30
        "0",
        "100.0% [51.0%, 100.0%]",
        "81.2",  # (75 × 3 + 100) / 4
        "样本不足",
    ]
    # The town's headline: 40 + 4 of 150 people, ⌈0.85 × 150⌉ − 44 = 84 to go.
    cards = _words(html["cards"])
    assert "29.3%" in cards and "44 / 150 人" in cards and "距目标差 84 人" in cards
    assert cards.count("目标 85.0%") == 3
    assert "示范村: 8.0%" in html["charts"]  # the participation bar's tooltip
    assert "44 · 29.3%" in html["charts"]  # today's point of the trend line
    assert html["kinds"].count("<tr") == 1  # kinds are shown on the top unit only
    await communicator.disconnect()


def test_a_push_renders_exactly_what_the_page_shows(scored):
    async_to_sync(_same_as_page)(scored)


async def _same_as_page(campaign):
    manager = await _campaign_manager()
    communicator, _first = await _watch(campaign, manager, "?unit=YK-GS")
    await database_sync_to_async(_submit)(campaign, "YK-GS-01")
    html = (await communicator.receive_json_from(timeout=5))["html"]
    await communicator.disconnect()

    def page():
        client = Client()
        client.force_login(manager)
        return client.get(
            f"/admin/surveys/campaigns/{campaign.pk}/scorecard/?unit=YK-GS"
        ).content.decode()

    soup = BeautifulSoup(await database_sync_to_async(page)(), "html.parser")
    for part in ("cards", "charts", "children"):
        shown = soup.find(attrs={"data-live-part": part}).decode_contents()
        pushed = BeautifulSoup(html[part], "html.parser").decode()
        assert " ".join(pushed.split()) == " ".join(shown.split()), part


def test_a_push_is_rendered_in_the_pages_language(scored):
    async_to_sync(_english)(scored)


async def _english(campaign):
    manager = await _campaign_manager()
    communicator, english = await _watch(campaign, manager, "?unit=YK-GS&lang=en")
    await communicator.disconnect()
    communicator, unknown = await _watch(campaign, manager, "?unit=YK-GS&lang=xx")
    await communicator.disconnect()
    assert "Target 85.0%" in _words(english["html"]["cards"])
    assert "目标 85.0%" in _words(unknown["html"]["cards"])


def test_a_unit_outside_the_viewers_scope_gets_rows_but_no_page(scored):
    async_to_sync(_outside)(scored)


async def _outside(campaign):
    town = await database_sync_to_async(Unit.objects.get)(code="YK-GS")
    manager = await database_sync_to_async(make_person)(
        "gsm", unit=town, role=Role.UNIT_MANAGER, managed_unit=town
    )
    communicator, first = await _watch(campaign, manager, "?unit=YK-JG-01")
    await communicator.disconnect()
    assert "html" not in first and "unit" not in first
    assert [r["unit_code"] for r in first["units"]] == ["YK-GS", "YK-GS-01", "YK-GS-02"]
