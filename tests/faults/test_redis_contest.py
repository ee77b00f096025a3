"""Redis stopped and started again during a live contest played across two uvicorn
processes (the host's socket on one, phones on both). While Redis is down answers are
still stored (they go to the database, and each phone's receipt comes back on its own
socket); no answer is stored twice; the reveal reaches every phone during the outage
(each process's contest clock pushes what no group event brought); once Redis is back
the phones, on the sockets they kept open, get the next phase the host moves to."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from quizzes.contests.consumers import LOCAL_PUSH_AFTER
from quizzes.contests.models import Contest, ContestAnswer, Phase
from quizzes.contests.services import contest_create
from tests.quizzes.contests.conftest import bank, host  # noqa: F401 - fixtures

from .conftest import server_env, shared_database_url

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

PLAYERS = 4
WAIT = 15.0


def test_redis_restart_during_the_answering_phase_loses_no_answer(
    bank,  # noqa: F811
    host,  # noqa: F811
    redis_server,
    uvicorn,
    report,
):
    if connection.vendor != "postgresql":
        pytest.skip("the server processes need the test database on PostgreSQL")
    contest = contest_create(
        host=host,
        title="故障竞赛",
        tag="竞赛",
        question_count=2,
        reading_seconds=0,
        answer_seconds=60,
    )
    key = contest.questions.get(position=0).correct_keys
    browser = Client()
    browser.force_login(host)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    env = server_env(
        DATABASE_URL=shared_database_url(),
        REDIS_URL=redis_server.url,
        CACHE_KEY_PREFIX="faults",
    )
    servers = [uvicorn(env), uvicorn(env)]
    result = asyncio.run(
        _play([s.port for s in servers], contest, key, cookie, redis_server)
    )

    answers = ContestAnswer.objects.filter(contest=contest)
    assert answers.count() == PLAYERS
    assert sorted(answers.values_list("player__display_name", flat=True)) == sorted(
        result["names"]
    )
    assert set(answers.values_list("question__position", flat=True)) == {0}
    assert result["acks"] == PLAYERS
    assert result["duplicate_replies"] == ["duplicate"]
    assert result["reveal_in_database"]
    assert result["next_phases"] == [Phase.LEADERBOARD] * PLAYERS
    # The hall played on during the outage: every phone saw the reveal.
    assert result["pushes_during_outage"] == PLAYERS
    report(
        "redis-contest",
        answers_stored=answers.count(),
        answered_during_outage=PLAYERS // 2,
        pushes_during_outage=result["pushes_during_outage"],
        wait_after_restart_s=result["wait_after_restart"],
        next_phase_delivery_s=result["delivery"],
    )


async def _play(ports, contest, key, cookie, redis_server):
    from websockets.asyncio.client import connect

    def url(port, path):
        return f"ws://127.0.0.1:{port}{path}", f"http://127.0.0.1:{port}"

    async def until(ws, predicate, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            message = json.loads(await asyncio.wait_for(ws.recv(), max(left, 0.01)))
            if predicate(message):
                return message

    def phase(name):
        return lambda m: m["type"] == "state" and m["phase"] == name

    host_url, host_origin = url(ports[0], f"/ws/contests/{contest.pk}/host/")
    projector = await connect(
        host_url, origin=host_origin, additional_headers={"Cookie": cookie}
    )
    phones, names = [], []
    for n in range(PLAYERS):
        phone_url, phone_origin = url(ports[n % 2], f"/ws/contests/play/{contest.pin}/")
        phone = await connect(phone_url, origin=phone_origin)
        name = f"选手{n}"
        await phone.send(
            json.dumps({"action": "join", "name": name, "unit": "YK-GS-01"})
        )
        await until(phone, lambda m: m["type"] == "ping")
        await phone.send(json.dumps({"action": "pong"}))
        await until(phone, lambda m: m["type"] == "state")
        phones.append(phone)
        names.append(name)
    try:
        await until(projector, phase(Phase.LOBBY))
        await projector.send(json.dumps({"action": "start"}))
        for phone in phones:
            await until(phone, phase(Phase.ANSWERING))

        def answer(choice):
            return json.dumps({"action": "answer", "question": 0, "choice": choice})

        acks = 0
        half = PLAYERS // 2
        for phone in phones[:half]:
            await phone.send(answer(key))
            await until(phone, lambda m: m["type"] == "answer")
            acks += 1
        redis_server.stop()
        # A phone that did not see its receipt would send again: refused, not stored.
        # Sent while the question is still open: once every player has answered, the
        # host's process may close it before a late copy arrives (refused as closed).
        await phones[0].send(answer(key))
        duplicate = await until(phones[0], lambda m: m["type"] == "error")
        for phone in phones[half:]:
            await phone.send(answer(key))
            await until(phone, lambda m: m["type"] == "answer")
            acks += 1
        # Every player answered: the host's process closes the question by itself
        # (the database moves on). The group event is lost while Redis is out, so each
        # process's contest clock pushes the reveal to its own phones.
        reveal = await _wait_for_phase(contest.pk, Phase.REVEAL, WAIT)
        pushes_during_outage = 0
        for phone in phones:
            with contextlib.suppress(TimeoutError):
                await until(phone, phase(Phase.REVEAL), timeout=LOCAL_PUSH_AFTER + 3)
                pushes_during_outage += 1
        redis_server.start()
        restarted = time.monotonic()
        # The layers re-join their groups within a retry interval (1 s here); a host
        # presses 下一步 seconds later, not at the instant Redis returns.
        await asyncio.sleep(3)
        wait_after_restart = round(time.monotonic() - restarted, 1)
        pressed = time.monotonic()
        await projector.send(json.dumps({"action": "next"}))
        states = [
            await until(
                phone, lambda m: m["type"] == "state" and m["phase"] != "reveal"
            )
            for phone in phones
        ]
        delivery = round(time.monotonic() - pressed, 2)
    finally:
        for socket in [projector, *phones]:
            await socket.close()
    return {
        "names": names,
        "acks": acks,
        "duplicate_replies": [duplicate.get("code")],
        "reveal_in_database": reveal,
        "pushes_during_outage": pushes_during_outage,
        "next_phases": [s["phase"] for s in states],
        "wait_after_restart": wait_after_restart,
        "delivery": delivery,
    }


async def _wait_for_phase(contest_id: int, phase: str, timeout: float) -> bool:
    from channels.db import database_sync_to_async

    read = database_sync_to_async(
        lambda: Contest.objects.values_list("phase", flat=True).get(pk=contest_id)
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await read() == phase:
            return True
        await asyncio.sleep(0.1)
    return False
