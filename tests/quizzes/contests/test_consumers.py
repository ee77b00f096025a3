"""Contest sockets driven through the Channels communicator: rights, joining, answering,
late and duplicate answers, reconnecting by token, malformed input, and a key that no
phone sees before the question closes."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from quizzes.contests.consumers import MAX_MESSAGE_CHARS, HostConsumer
from quizzes.contests.models import ContestAnswer, Phase
from quizzes.contests.services import contest_create
from quizzes.routing import websocket_urlpatterns
from tests.factories import make_person
from units.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_counter(monkeypatch):
    monkeypatch.setattr(HostConsumer, "tick_seconds", 0.05)
    monkeypatch.setattr(HostConsumer, "counter_seconds", 0)


@pytest.fixture
def live_contest(bank, host):
    # No reading time: start opens the first question at once.
    return contest_create(
        host=host, title="现场赛", tag="竞赛", question_count=3, reading_seconds=0
    )


def _socket(path, user=None):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user or AnonymousUser()
    return communicator


def _host(contest, user):
    return _socket(f"/ws/contests/{contest.pk}/host/", user)


def _phone(contest):
    return _socket(f"/ws/contests/play/{contest.pk and contest.pin}/")


async def _until(communicator, predicate, *, seen=None, timeout=5):
    """Messages up to and including the first that matches; all kept in `seen`."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if seen is not None:
            seen.append(message)
        if predicate(message):
            return message


def _state(phase):
    return lambda m: m.get("type") == "state" and m["phase"] == phase


async def _join(phone, **fields):
    connected, _ = await phone.connect()
    assert connected
    await phone.send_json_to({"action": "join", **fields})
    joined = await phone.receive_json_from(timeout=5)
    assert joined["type"] == "joined"
    assert (await phone.receive_json_from(timeout=5)) == {"type": "ping"}
    await phone.send_json_to({"action": "pong"})
    state = await phone.receive_json_from(timeout=5)
    assert state["type"] == "state"
    return joined, state


def test_only_the_host_opens_the_host_socket(live_contest, city):
    other = make_person("other-editor", role=Role.EDITOR)
    async_to_sync(_rights)(live_contest, other)


async def _rights(contest, other):
    for user in (AnonymousUser(), other):
        communicator = _host(contest, user)
        connected, code = await communicator.connect()
        assert (connected, code) == (False, 4403)
        await communicator.disconnect()


def test_an_unknown_pin_is_refused(live_contest):
    async_to_sync(_unknown_pin)()


async def _unknown_pin():
    communicator = _socket("/ws/contests/play/000000/")
    connected, code = await communicator.connect()
    assert not connected and code == 4404
    await communicator.disconnect()


def test_a_contest_is_played_over_the_sockets(live_contest, host):
    async_to_sync(_play)(live_contest, host)


async def _play(contest, host):
    projector = _host(contest, host)
    assert (await projector.connect())[0]
    lobby = await projector.receive_json_from(timeout=5)
    assert (lobby["phase"], lobby["pin"], lobby["players"]) == (
        Phase.LOBBY,
        contest.pin,
        0,
    )
    phone, other = _phone(contest), _phone(contest)
    joined, state = await _join(phone, name="张三", unit="YK-GS-01")
    await _join(other, name="李四", unit="YK-JG-01")
    assert joined["player"]["name"] == "张三"
    assert state["phase"] == Phase.LOBBY and state["me"]["points"] == 0

    await projector.send_json_to({"action": "start"})
    seen: list[dict] = []
    open_state = await _until(phone, _state(Phase.ANSWERING), seen=seen)
    shown = open_state["question"]
    assert sorted(o["key"] for o in shown["options"]) == ["A", "B", "C", "D"]
    key = await database_sync_to_async(
        lambda: contest.questions.get(position=0).correct_keys
    )()

    await phone.send_json_to({"action": "answer", "question": 0, "choice": key})
    ack = await _until(phone, lambda m: m["type"] == "answer", seen=seen)
    assert ack == {"type": "answer", "question": 0, "choice": key}
    await phone.send_json_to({"action": "answer", "question": 0, "choice": key})
    duplicate = await _until(phone, lambda m: m["type"] == "error", seen=seen)
    assert duplicate["code"] == "duplicate"
    # The host's counter moves on to answered 1 of 2.
    counter = await _until(
        projector, lambda m: m["type"] == "answered" and m["answered"] == 1
    )
    assert counter["players"] == 2
    # Nothing a phone received before the close carries the key.
    assert not any("correct_keys" in json.dumps(m) for m in seen)

    await projector.send_json_to({"action": "next"})
    reveal = await _until(phone, _state(Phase.REVEAL))
    assert reveal["question"]["correct_keys"] == key
    assert reveal["answer"]["correct"] is True
    assert reveal["answer"]["points"] > 500
    assert "sent_at" in reveal
    host_reveal = await _until(projector, _state(Phase.REVEAL))
    assert host_reveal["option_counts"][key] == 1

    # Too late: the question has closed.
    await other.send_json_to({"action": "answer", "question": 0, "choice": key})
    late = await _until(other, lambda m: m["type"] == "error")
    assert late["code"] == "closed"

    await projector.send_json_to({"action": "next"})
    board = await _until(projector, _state(Phase.LEADERBOARD))
    assert [r["name"] for r in board["leaderboard"]] == ["张三", "李四"]
    assert board["units"][0]["unit_code"] == "YK-GS-01"
    for communicator in (projector, phone, other):
        await communicator.disconnect()
    assert await database_sync_to_async(ContestAnswer.objects.count)() == 1


def test_a_player_who_reconnects_with_the_token_keeps_their_score(live_contest, host):
    async_to_sync(_reconnect)(live_contest, host)


async def _reconnect(contest, host):
    projector = _host(contest, host)
    assert (await projector.connect())[0]
    phone = _phone(contest)
    joined, _state0 = await _join(phone, name="王五", unit="YK-GS-01")
    await projector.send_json_to({"action": "start"})
    await _until(phone, _state(Phase.ANSWERING))
    key = await database_sync_to_async(
        lambda: contest.questions.get(position=0).correct_keys
    )()
    await phone.send_json_to({"action": "answer", "question": 0, "choice": key})
    await _until(phone, lambda m: m["type"] == "answer")
    # Everyone has answered: the clock closes the question by itself. (A host pressing
    # 下一步 at that moment could move on to the leaderboard before the phone reads.)
    before = await _until(phone, _state(Phase.REVEAL))
    await phone.disconnect()

    again = _phone(contest)
    rejoined, state = await _join(again, token=joined["token"])
    assert rejoined["rejoined"] is True
    assert rejoined["player"] == joined["player"]
    assert state["phase"] == Phase.REVEAL
    assert state["me"]["points"] == before["me"]["points"] > 0
    assert state["answer"]["choice"] == key

    stranger = _phone(contest)
    assert (await stranger.connect())[0]
    await stranger.send_json_to({"action": "join", "token": "forged"})
    refused = await stranger.receive_json_from(timeout=5)
    assert refused["code"] == "token"
    for communicator in (projector, again, stranger):
        await communicator.disconnect()


def test_malformed_messages_get_an_error_and_the_socket_stays_open(live_contest):
    async_to_sync(_malformed)(live_contest)


async def _malformed(contest):
    phone = _phone(contest)
    await _join(phone, name="赵六", unit="YK-GS-01")
    for text in (
        "not json",
        "[1, 2]",
        '{"action": 5}',
        '{"action": "fly"}',
        json.dumps({"action": "join", "name": "x" * MAX_MESSAGE_CHARS}),
        '{"action": "answer", "question": "0", "choice": "A"}',
    ):
        await phone.send_to(text_data=text)
        reply = await phone.receive_json_from(timeout=5)
        assert reply["type"] == "error", text
    await phone.send_json_to({"action": "state"})
    assert (await phone.receive_json_from(timeout=5))["type"] == "state"
    await phone.disconnect()


def test_a_guest_must_join_before_answering(live_contest):
    async_to_sync(_answer_unjoined)(live_contest)


async def _answer_unjoined(contest):
    phone = _phone(contest)
    assert (await phone.connect())[0]
    await phone.send_json_to({"action": "answer", "question": 0, "choice": "A"})
    assert (await phone.receive_json_from(timeout=5))["code"] == "join"
    await phone.disconnect()


def test_a_removed_player_is_told_and_disconnected(live_contest, host):
    async_to_sync(_removed)(live_contest, host)


async def _removed(contest, host):
    projector = _host(contest, host)
    assert (await projector.connect())[0]
    await projector.receive_json_from(timeout=5)
    phone = _phone(contest)
    joined, _ = await _join(phone, name="捣乱", unit="YK-GS-01")
    await projector.send_json_to({"action": "remove", "player": joined["player"]["id"]})
    await projector.send_json_to({"action": "start"})
    assert (await _until(phone, lambda m: m["type"] == "removed"))["type"] == "removed"
    await projector.send_json_to({"action": "remove", "player": "all"})
    assert (await _until(projector, lambda m: m["type"] == "error"))["code"] == "player"
    await projector.disconnect()
    await phone.disconnect()


def test_pin_guessing_is_limited_per_address(live_contest, monkeypatch):
    from quizzes.contests import consumers

    monkeypatch.setattr(consumers, "PIN_MISSES", 3)
    async_to_sync(_guessing)(live_contest)


async def _guessing(contest):
    wrong = "000000" if contest.pin != "000000" else "111111"
    for _ in range(3):
        communicator = _socket(f"/ws/contests/play/{wrong}/")
        assert (await communicator.connect()) == (False, 4404)
        await communicator.disconnect()
    # Now even the right PIN is refused from this address for a while.
    communicator = _phone(contest)
    assert (await communicator.connect()) == (False, 4429)
    await communicator.disconnect()


def test_a_burst_of_messages_is_refused_beyond_the_rate(live_contest, monkeypatch):
    from quizzes.contests import consumers

    monkeypatch.setattr(consumers.PlayerConsumer, "max_messages_per_second", 3)
    # Every message within the same second.
    monkeypatch.setattr(consumers, "_clock", lambda: 100.0)
    async_to_sync(_burst)(live_contest)


async def _burst(contest):
    phone = _phone(contest)
    assert (await phone.connect())[0]
    replies = []
    for _ in range(5):
        await phone.send_json_to({"action": "fly"})
        replies.append((await phone.receive_json_from(timeout=5))["code"])
    # Three handled (an unknown action), the rest refused before being read.
    assert replies == ["malformed", "malformed", "malformed", "rate", "rate"]
    await phone.disconnect()


def test_the_host_screen_reads_once_for_a_burst_of_joins(live_contest, monkeypatch):
    """Each join asks the projector to read again; requests that arrive while it reads
    are answered by one more read, not one read each (500 in a minute in a hall)."""
    import time

    from quizzes.contests import selectors
    from quizzes.contests.services import player_join
    from units.models import Unit

    reads = []
    real = selectors.host_state

    def slow(**kwargs):
        reads.append(1)
        time.sleep(0.3)  # a read that takes long enough for requests to pile up
        return real(**kwargs)

    unit = Unit.objects.get(code="YK-GS-01")
    for i in range(8):
        player_join(contest=live_contest, display_name=f"观众{i}", unit=unit)
    monkeypatch.setattr(selectors, "host_state", slow)
    states = async_to_sync(_burst_of_refreshes)(live_contest, 8)
    # Every player is on the screen in the end…
    assert states[-1]["players"] == 8
    assert len(states[-1]["lobby"]) == 8
    # …after the read on connect and at most two more, not one per request.
    assert len(reads) <= 3


async def _burst_of_refreshes(contest, n):
    from channels.layers import get_channel_layer

    from quizzes.contests import live

    host = _host(contest, contest.host)
    connected, _ = await host.connect()
    assert connected
    states = [await host.receive_json_from(timeout=5)]
    layer = get_channel_layer()
    # What n joins send the host's group, as fast as a hall joins.
    for _ in range(n):
        await layer.group_send(
            live.host_group_name(contest.pk),
            {"type": "contest.phase", "phase": "lobby", "index": 0, "sent_at": 0},
        )
    # Whatever reads are still to come, come: the screen falls quiet for a second.
    while not await host.receive_nothing(timeout=1):
        message = await host.receive_json_from()
        if message.get("type") == "state":
            states.append(message)
    await host.disconnect()
    return states
