"""The countdown needs no host: reading and answering end by the clock in every process
that has phones of the contest connected, and however many processes tick at once,
the contest moves exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection

from quizzes.contests import consumers
from quizzes.contests.consumers import PlayerConsumer
from quizzes.contests.models import Contest, ContestQuestion, Phase
from quizzes.contests.services import (
    contest_create,
    contest_pause,
    contest_resume,
    contest_start,
    contest_tick,
)

from .conftest import T0, seconds
from .test_consumers import _join, _phone, _state, _until

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def quick_contest(bank, host):
    # Short seconds, so the clock's moves happen within the test.
    return contest_create(
        host=host,
        title="自走赛",
        tag="竞赛",
        question_count=3,
        reading_seconds=1,
        answer_seconds=1,
    )


def test_reading_answering_and_reveal_follow_the_clock_with_no_host(
    quick_contest, host, monkeypatch
):
    monkeypatch.setattr(PlayerConsumer, "tick_seconds", 0.05)
    seen = async_to_sync(_players_only)(quick_contest, host)
    assert seen["phases"] == [Phase.READING, Phase.ANSWERING, Phase.REVEAL]
    assert seen["others"] == [Phase.READING, Phase.ANSWERING, Phase.REVEAL]
    question = ContestQuestion.objects.get(contest=quick_contest, position=0)
    # Closed by the clock at its deadline, one answer second after opening.
    assert question.closed_at - question.opened_at == seconds(1)
    contest = Contest.objects.get(pk=quick_contest.pk)
    assert contest.phase == Phase.REVEAL
    # The reveal waits for the host's 下一步: no clock moves it on.
    assert contest.phase_ends_at is None
    # Once the phones leave, this process runs no clock for the contest.
    assert quick_contest.pk not in consumers._clocks


async def _players_only(contest, host):
    phone, other = _phone(contest), _phone(contest)
    await _join(phone, name="张三", unit="YK-GS-01")
    await _join(other, name="李四", unit="YK-JG-01")
    # The host presses 开始 from somewhere with no socket open, and goes away.
    await database_sync_to_async(contest_start)(contest=contest, user=host)
    seen = {"phases": [], "others": []}
    for socket, key in ((phone, "phases"), (other, "others")):
        for phase in (Phase.READING, Phase.ANSWERING, Phase.REVEAL):
            state = await _until(socket, _state(phase), timeout=5)
            assert "sent_at" in state
            seen[key].append(state["phase"])
    await phone.disconnect()
    await other.disconnect()
    return seen


def test_a_tick_read_before_a_pause_does_not_end_the_paused_phase(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    stale = Contest.objects.get(pk=contest.pk)
    contest_pause(contest=contest, user=host, now=T0 + seconds(3))
    # The tick read the contest unpaused; by the time it writes, the host has paused.
    after = contest_tick(contest=stale, now=T0 + seconds(6))
    assert after.phase == Phase.READING
    assert Contest.objects.get(pk=contest.pk).paused_at == T0 + seconds(3)


def test_a_tick_read_before_a_resume_keeps_the_moved_deadline(contest, host):
    contest = contest_start(contest=contest, user=host, now=T0)
    paused = contest_pause(contest=contest, user=host, now=T0 + seconds(1))
    stale = Contest.objects.get(pk=contest.pk)
    stale.paused_at = None  # as read by a tick just before the pause
    contest_resume(contest=paused, user=host, now=T0 + seconds(61))
    # The old deadline (T0 + 5 s) has passed, the moved one (T0 + 65 s) has not.
    assert contest_tick(contest=stale, now=T0 + seconds(6)).phase == Phase.READING
    fresh = Contest.objects.get(pk=contest.pk)
    assert fresh.phase_ends_at == T0 + seconds(65)
    assert contest_tick(contest=fresh, now=T0 + seconds(65)).phase == Phase.ANSWERING


TICKER = """
import json, os, sys
import django
django.setup()
from datetime import datetime
from quizzes.contests import live
from quizzes.contests.models import Contest
from quizzes.contests.services import contest_tick
moves = []
live.phase_changed = lambda **event: moves.append(event) or True
contest = Contest.objects.get(pk=int(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
result = contest_tick(contest=contest, now=datetime.fromisoformat(sys.argv[2]))
print(json.dumps({"moves": len(moves), "phase": result.phase}), flush=True)
"""


def test_two_processes_ticking_at_once_move_the_contest_exactly_once(contest, host):
    if connection.vendor != "postgresql":
        pytest.skip("the two processes need the test database on PostgreSQL")
    contest = contest_start(contest=contest, user=host, now=T0)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@"
            f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    nows = [T0 + seconds(6), T0 + seconds(6.5)]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", TICKER, str(contest.pk), now.isoformat()],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for now in nows
    ]
    try:
        # Both have read the contest in reading, due, before either ticks.
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [json.loads(process.stdout.readline()) for process in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)
    assert sorted(r["moves"] for r in results) == [0, 1]
    assert [r["phase"] for r in results] == [Phase.ANSWERING, Phase.ANSWERING]
    winner = nows[[r["moves"] for r in results].index(1)]
    fresh = Contest.objects.get(pk=contest.pk)
    assert (fresh.phase, fresh.phase_started_at) == (Phase.ANSWERING, winner)
    question = ContestQuestion.objects.get(contest=contest, position=0)
    assert question.opened_at == winner
