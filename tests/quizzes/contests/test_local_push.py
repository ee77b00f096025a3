"""The fan-out's safety net: a phase change whose group event never reaches a process
(Redis down, or the event lost in a Redis restart) is pushed to that process's sockets
by the contest's clock, and every socket catches up when the channel layer re-joins
after an outage. The channel layer here is the in-memory one; tests/faults plays the
same across two processes with a real Redis stopped and started."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from quizzes.contests import consumers, live
from quizzes.contests.models import Phase
from quizzes.contests.services import contest_next, contest_start

from .test_consumers import _host, _join, _phone, _state, _until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_clock(monkeypatch):
    monkeypatch.setattr(consumers.PlayerConsumer, "tick_seconds", 0.05)
    monkeypatch.setattr(consumers.HostConsumer, "tick_seconds", 0.05)
    monkeypatch.setattr(consumers, "LOCAL_PUSH_AFTER", 0.3)


@pytest.fixture
def lost_events(monkeypatch):
    """Every group event of a phase change is lost, as while Redis is down."""
    monkeypatch.setattr(live, "phase_changed", lambda **kwargs: False)


def test_a_change_without_its_event_reaches_the_phones_by_the_clock(
    contest, host, lost_events
):
    states = async_to_sync(_start_without_events)(contest, host)
    assert [s["phase"] for s in states["phones"]] == [Phase.READING] * 3
    # Each phone's own standing, from the one snapshot of the process.
    assert [s["me"]["players"] for s in states["phones"]] == [3] * 3
    assert states["host"]["phase"] == Phase.READING


async def _start_without_events(contest, host):
    projector = _host(contest, host)
    assert (await projector.connect())[0]
    await projector.receive_json_from(timeout=5)
    phones = [_phone(contest) for _ in range(3)]
    for i, phone in enumerate(phones):
        await _join(phone, name=f"断网{i}", unit="YK-GS-01")
    # Let the clocks take the lobby as delivered before the change.
    await asyncio.sleep(0.3)
    await database_sync_to_async(contest_start)(contest=contest, user=host)
    states = {
        "phones": [
            await _until(phone, _state(Phase.READING), timeout=5) for phone in phones
        ],
        "host": await _until(projector, _state(Phase.READING), timeout=5),
    }
    for socket in [projector, *phones]:
        await socket.disconnect()
    return states


def test_a_change_with_its_event_is_not_pushed_twice(contest, host):
    deliveries = async_to_sync(_start_with_events)(contest, host)
    assert deliveries == [1, 1]


async def _start_with_events(contest, host):
    phones = [_phone(contest) for _ in range(2)]
    for i, phone in enumerate(phones):
        await _join(phone, name=f"在线{i}", unit="YK-GS-01")
    await asyncio.sleep(0.3)
    await database_sync_to_async(contest_start)(contest=contest, user=host)
    deliveries = []
    for phone in phones:
        await _until(phone, _state(Phase.READING), timeout=5)
        extra = 0
        # Well past LOCAL_PUSH_AFTER: the clock saw the event and pushes nothing more.
        while not await phone.receive_nothing(timeout=1.0):
            message = await phone.receive_json_from()
            extra += message.get("type") == "state"
        deliveries.append(1 + extra)
    for phone in phones:
        await phone.disconnect()
    return deliveries


def test_every_socket_catches_up_when_the_layer_rejoins(contest, host, lost_events):
    states = async_to_sync(_rejoin)(contest, host)
    assert [s["phase"] for s in states] == [Phase.ANSWERING] * 2


async def _rejoin(contest, host):
    phones = [_phone(contest) for _ in range(2)]
    for i, phone in enumerate(phones):
        await _join(phone, name=f"恢复{i}", unit="YK-GS-01")
    await asyncio.sleep(0.3)
    # The clock would push this change only after LOCAL_PUSH_AFTER; hold it off so the
    # re-join notice is what brings it.
    consumers.LOCAL_PUSH_AFTER = 60
    contest = await database_sync_to_async(contest_start)(contest=contest, user=host)
    contest = await database_sync_to_async(contest_next)(contest=contest, user=host)
    for phone in phones:
        assert await phone.receive_nothing(timeout=0.3)
    consumers._layer_changed(True)
    states = [
        await _until(phone, _state(Phase.ANSWERING), timeout=5) for phone in phones
    ]
    for phone in phones:
        await phone.disconnect()
    return states


def test_only_an_event_of_the_phase_read_counts_as_its_delivery(monkeypatch):
    """A host refresh (a player joined, carrying the phase it was sent in) that lands
    just before the tick reads the next phase must not pass for that phase's event:
    during an outage it left one process's phones without the reveal."""
    monkeypatch.setattr(consumers, "LOCAL_PUSH_AFTER", 0)
    pushed = []

    async def watch():
        clock = consumers._ContestClock(contest_id=1)

        async def push_local(*, phase=None, index=None):
            pushed.append((phase, index))

        clock.push_local = push_local
        await clock._watch((Phase.ANSWERING, 0, False))  # the first read: delivered
        clock.event_arrived(
            live.phase_event(contest_id=1, phase=Phase.ANSWERING, index=0)
        )
        await clock._watch((Phase.REVEAL, 0, False))  # pending since now
        await clock._watch((Phase.REVEAL, 0, False))  # no reveal event: pushed
        clock.event_arrived(
            live.phase_event(contest_id=1, phase=Phase.LEADERBOARD, index=0)
        )
        await clock._watch((Phase.LEADERBOARD, 0, False))  # its event came: not pushed
        await clock._watch((Phase.LEADERBOARD, 0, False))

    async_to_sync(watch)()
    assert pushed == [(Phase.REVEAL, 0)]


def test_a_change_before_the_clock_s_first_read_is_pushed(monkeypatch):
    """A phase that began after the clock (and its first sockets) started, read for the
    first time, was taken as delivered: a change landing just before a new clock's
    first tick never reached that process's phones while Redis was down."""
    from datetime import timedelta

    monkeypatch.setattr(consumers, "LOCAL_PUSH_AFTER", 0)
    pushed = []

    async def first_reads():
        for began in (timedelta(seconds=-5), timedelta(seconds=1)):
            clock = consumers._ContestClock(contest_id=1)

            async def push_local(*, phase=None, index=None, began=began):
                pushed.append((began.total_seconds(), phase))

            clock.push_local = push_local
            for _ in range(2):
                await clock._watch(
                    (Phase.REVEAL, 0, False), began=clock.created + began
                )

    async_to_sync(first_reads)()
    # Before the clock: told on connecting. Since: pushed.
    assert pushed == [(1.0, Phase.REVEAL)]
