"""A contest played across two server processes, as production runs them: uvicorn
workers sharing PostgreSQL and the Redis channel layer. The host's socket is on one
process, the phones on the other; the phase changes the host makes reach them. With no
host connected at all, both processes run the countdown and the contest still moves
once per phase."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from quizzes.contests.models import ContestAnswer, Phase
from quizzes.contests.services import contest_create
from tests.servers import free_port, processes_stop, test_database_url, uvicorn_start

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs the Redis channel layer"
    ),
]


@pytest.fixture
def servers(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the server processes need the test database on PostgreSQL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
    }
    ports, processes = [free_port(), free_port()], []
    try:
        for port in ports:
            processes.append(uvicorn_start(port, env))
        yield ports
    finally:
        processes_stop(processes)


def test_host_and_players_on_different_processes_play_one_contest(servers, bank, host):
    contest = contest_create(
        host=host, title="跨进程", tag="竞赛", question_count=3, reading_seconds=0
    )
    key = contest.questions.get(position=0).correct_keys
    client = Client()
    client.force_login(host)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    result = asyncio.run(_play(servers, contest, key, cookie))
    assert result["reveal_phases"] == [Phase.REVEAL, Phase.REVEAL]
    assert result["points"][0] > 500 and result["points"][1] == 0
    assert ContestAnswer.objects.filter(contest=contest).count() == 2


async def _play(ports, contest, key, cookie):
    from websockets.asyncio.client import connect

    host_port, phone_port = ports

    def origin(port):
        return f"http://127.0.0.1:{port}"

    async def until(ws, predicate):
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if predicate(message):
                return message

    async with (
        connect(
            f"ws://127.0.0.1:{host_port}/ws/contests/{contest.pk}/host/",
            origin=origin(host_port),
            additional_headers={"Cookie": cookie},
        ) as projector,
        connect(
            f"ws://127.0.0.1:{phone_port}/ws/contests/play/{contest.pin}/",
            origin=origin(phone_port),
        ) as first,
        connect(
            f"ws://127.0.0.1:{phone_port}/ws/contests/play/{contest.pin}/",
            origin=origin(phone_port),
        ) as second,
    ):
        assert (await until(projector, lambda m: m["type"] == "state"))["phase"] == (
            Phase.LOBBY
        )
        for phone, name in ((first, "甲"), (second, "乙")):
            await phone.send(
                json.dumps({"action": "join", "name": name, "unit": "YK-GS-01"})
            )
            await until(phone, lambda m: m["type"] == "ping")
            await phone.send(json.dumps({"action": "pong"}))
            await until(phone, lambda m: m["type"] == "state")
        await projector.send(json.dumps({"action": "start"}))
        answering = lambda m: m["type"] == "state" and m["phase"] == Phase.ANSWERING  # noqa: E731
        for phone in (first, second):
            state = await until(phone, answering)
            assert "correct_keys" not in state["question"]
        wrong = next(k for k in "ABCD" if k != key)
        for phone, choice in ((first, key), (second, wrong)):
            await phone.send(
                json.dumps({"action": "answer", "question": 0, "choice": choice})
            )
            await until(phone, lambda m: m["type"] == "answer")
        # Both answered: the host's process closes the question on its own.
        reveal = lambda m: m["type"] == "state" and m["phase"] == Phase.REVEAL  # noqa: E731
        states = [await until(phone, reveal) for phone in (first, second)]
        return {
            "reveal_phases": [s["phase"] for s in states],
            "points": [s["answer"]["points"] for s in states],
        }


def test_with_no_host_connected_both_processes_run_the_clock_and_move_it_once(
    servers, bank, host
):
    contest = contest_create(
        host=host,
        title="无主持",
        tag="竞赛",
        question_count=3,
        reading_seconds=1,
        answer_seconds=2,
    )
    seen = asyncio.run(_players_only(servers, contest, host))
    # Every phone saw each phase exactly once: one move, one broadcast per change,
    # though two processes were ticking.
    for phases in seen:
        assert phases == [Phase.READING, Phase.ANSWERING, Phase.REVEAL]
    question = contest.questions.get(position=0)
    question.refresh_from_db()
    assert question.closed_at - question.opened_at == timedelta(seconds=2)


async def _players_only(ports, contest, host):
    from channels.db import database_sync_to_async
    from websockets.asyncio.client import connect

    from quizzes.contests.services import contest_start

    sockets = [
        await connect(
            f"ws://127.0.0.1:{port}/ws/contests/play/{contest.pin}/",
            origin=f"http://127.0.0.1:{port}",
        )
        for port in (*ports, *ports)
    ]
    try:
        for n, phone in enumerate(sockets):
            await phone.send(
                json.dumps({"action": "join", "name": f"选手{n}", "unit": "YK-GS-01"})
            )
            while json.loads(await asyncio.wait_for(phone.recv(), 10))["type"] != (
                "state"
            ):
                pass
        await database_sync_to_async(contest_start)(contest=contest, user=host)
        seen = []
        for phone in sockets:
            phases = []
            # Everything up to the reveal, plus a second in which no extra state may come.
            with contextlib.suppress(TimeoutError):
                while True:
                    message = json.loads(await asyncio.wait_for(phone.recv(), 6))
                    if message["type"] == "state":
                        phases.append(message["phase"])
                    if phases and phases[-1] == Phase.REVEAL:
                        message = await asyncio.wait_for(phone.recv(), 1)
                        phases.append(json.loads(message).get("phase"))
            seen.append(phases)
        return seen
    finally:
        for phone in sockets:
            await phone.close()
