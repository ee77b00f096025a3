"""The live scorecard resolves the reader's scope again before every push."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from surveys.consumers import FORBIDDEN, ScorecardConsumer
from surveys.routing import websocket_urlpatterns
from tests.factories import make_person, make_unit
from units.models import Role, Unit, User
from units.services import person_set_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_wait(monkeypatch):
    monkeypatch.setattr(ScorecardConsumer, "refresh_delay", 0)


@pytest.fixture
def office_manager(campaign):
    office = Unit.objects.get(code="YK-JG")
    return make_person("jgm", unit=office, role=Role.UNIT_MANAGER, managed_unit=office)


async def _rows_after(campaign, user, change):
    """Connect as `user`, apply `change`, ask for a refresh: the rows pushed (or the
    close code when the socket was closed)."""
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/surveys/campaigns/{campaign.pk}/"
    )
    communicator.scope["user"] = user
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert [r["unit_code"] for r in first["units"]] == ["YK-JG", "YK-JG-01"]
    await database_sync_to_async(change)()
    await communicator.send_json_to({"action": "refresh"})
    reply = await communicator.receive_output(timeout=5)
    await communicator.disconnect()
    if reply["type"] == "websocket.close":
        return reply["code"]
    return [r["unit_code"] for r in json.loads(reply["text"])["units"]]


def test_a_sibling_inserted_before_the_scope_shifts_no_rows_into_it(
    campaign, office_manager
):
    """YK-AA sorts before YK-GS and YK-JG: both move one path place on, and the path
    that was YK-JG's at connect time is now YK-GS's."""

    def insert_sibling():
        before = Unit.objects.get(code="YK-JG").path
        make_unit("YK-AA", parent=Unit.objects.get(code="YK"), kind_name="其他")
        assert Unit.objects.get(code="YK-GS").path == before

    rows = async_to_sync(_rows_after)(campaign, office_manager, insert_sibling)
    assert rows == ["YK-JG", "YK-JG-01"]


def test_a_changed_scope_unit_changes_the_next_push(campaign, office_manager):
    def move_scope():
        User.objects.filter(pk=office_manager.pk).update(
            managed_unit=Unit.objects.get(code="YK-GS")
        )

    rows = async_to_sync(_rows_after)(campaign, office_manager, move_scope)
    assert rows == ["YK-GS", "YK-GS-01", "YK-GS-02"]


def test_a_revoked_role_closes_the_socket_at_the_next_push(campaign, office_manager):
    def revoke():
        person_set_role(
            person=User.objects.get(pk=office_manager.pk), role=Role.LEARNER
        )

    code = async_to_sync(_rows_after)(campaign, office_manager, revoke)
    assert code == FORBIDDEN
