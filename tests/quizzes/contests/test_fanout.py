"""The fan-out of a phase change: one read per server process, whatever the number of
phones, and from it each phone's own state, exactly as a phone reading on its own
would get it."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quizzes.contests import selectors
from quizzes.contests.models import Contest, Phase, Player
from quizzes.contests.selectors import phase_snapshot, player_state
from quizzes.contests.services import (
    answer_submit,
    contest_next,
    contest_start,
    contest_tick,
    player_join,
    player_remove,
)
from units.models import Unit

from .conftest import T0, seconds
from .test_consumers import _join, _phone, _state, _until

pytestmark = pytest.mark.django_db(transaction=True)


def _guests(contest, n):
    unit = Unit.objects.get(code="YK-GS-01")
    return [
        player_join(contest=contest, display_name=f"选手{i}", unit=unit).player
        for i in range(n)
    ]


def _answer(contest, player, *, right: bool, after: float):
    question = contest.questions.get(position=contest.current_index)
    wrong = next(k for k in "ABCD" if k != question.correct_keys)
    answer_submit(
        contest_id=contest.pk,
        player=player,
        position=contest.current_index,
        choice=question.correct_keys if right else wrong,
        received_at=contest.phase_started_at + seconds(after),
    )


def _same_for_everyone(contest, players):
    contest = Contest.objects.get(pk=contest.pk)
    snapshot = phase_snapshot(contest_id=contest.pk)
    now = T0 + seconds(100)
    for player in players:
        player = Player.objects.get(pk=player.pk)
        if player.removed:
            assert snapshot.is_removed(player.pk)
            continue
        assert snapshot.state_for(player_id=player.pk, now=now) == player_state(
            contest=contest, player=player, now=now
        )
    return snapshot


def test_every_phones_state_from_the_snapshot_is_its_own_state(contest, host):
    players = _guests(contest, 6)
    _same_for_everyone(contest, players)  # the lobby
    contest = contest_start(contest=contest, user=host, now=T0 - seconds(5))
    _same_for_everyone(contest, players)  # reading
    contest = contest_tick(contest=contest, now=T0)
    # Two equal fast answers (a shared rank), a slower one, a wrong one, two silent.
    _answer(contest, players[0], right=True, after=0.2)
    _answer(contest, players[1], right=True, after=0.2)
    _answer(contest, players[2], right=True, after=8)
    _answer(contest, players[3], right=False, after=3)
    player_remove(contest=contest, user=host, player=players[5])
    snapshot = _same_for_everyone(contest, players)  # answering
    assert snapshot.state_for(player_id=players[0].pk, now=T0)["me"]["rank"] == 1
    for _ in range(2):  # reveal, leaderboard
        contest = contest_next(contest=contest, user=host)
        snapshot = _same_for_everyone(contest, players)
    ranks = [
        snapshot.state_for(player_id=p.pk, now=T0)["me"]["rank"] for p in players[:5]
    ]
    assert ranks == [1, 1, 3, 4, 4]
    assert snapshot.state_for(player_id=players[0].pk, now=T0)["answer"] == {
        "choice": contest.questions.get(position=0).correct_keys,
        "correct": True,
        "points": 1000,
        "bonus": 0,
        "streak": 1,
    }
    contest = Contest.objects.get(pk=contest.pk)
    late = Player.objects.create(contest=contest, display_name="迟到", joined_at=T0)
    # A player who joined after the read is not in it: their socket reads on its own.
    assert not snapshot.knows(late.pk)


def _snapshot_queries(contest_id) -> int:
    with CaptureQueriesContext(connection) as queries:
        phase_snapshot(contest_id=contest_id)
    return len(queries)


@pytest.mark.parametrize("phase", [Phase.ANSWERING, Phase.LEADERBOARD])
def test_the_snapshot_costs_the_same_queries_for_3_or_60_phones(bank, host, phase):
    from quizzes.contests.services import contest_create

    costs = []
    for n in (3, 60):
        contest = contest_create(
            host=host, title=f"{n}人", tag="竞赛", question_count=3
        )
        players = _guests(contest, n)
        contest = contest_start(contest=contest, user=host, now=T0 - seconds(5))
        contest = contest_tick(contest=contest, now=T0)
        for i, player in enumerate(players):
            _answer(contest, player, right=i % 3 != 0, after=1 + i % 7)
        while contest.phase != phase:
            contest = contest_next(contest=contest, user=host)
        costs.append(_snapshot_queries(contest.pk))
    assert costs[0] == costs[1]
    assert costs[0] == 6


def test_one_phase_change_is_read_once_for_all_phones_of_a_process(
    contest, host, monkeypatch
):
    reads = []
    real = selectors.phase_snapshot

    def counted(**kwargs):
        reads.append(kwargs["contest_id"])
        return real(**kwargs)

    monkeypatch.setattr(selectors, "phase_snapshot", counted)
    states = async_to_sync(_five_phones)(contest, host)
    assert reads == [contest.pk]
    assert [s["phase"] for s in states] == [Phase.READING] * 5
    assert len({s["sent_at"] for s in states}) == 1
    # Each phone still has its own standing in it.
    assert [s["me"]["players"] for s in states] == [5] * 5


async def _five_phones(contest, host):
    phones = [_phone(contest) for _ in range(5)]
    for i, phone in enumerate(phones):
        await _join(phone, name=f"手机{i}", unit="YK-GS-01")
    await database_sync_to_async(contest_start)(contest=contest, user=host)
    states = [await _until(phone, _state(Phase.READING)) for phone in phones]
    for phone in phones:
        await phone.disconnect()
    return states


def test_a_phase_change_reaches_the_phones_without_the_sync_thread(
    contest, host, monkeypatch
):
    """Channels' own dispatch hops to its one sync thread before every message; a
    hall's phones queued there one by one at each phase change. The contest sockets
    skip it (their database work goes through database_sync_to_async, which closes
    stale connections itself), so a phase change is delivered even if that hop
    would never return."""
    import channels.consumer

    async def never(*args, **kwargs):
        raise AssertionError("the phase change waited for the sync thread")

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", never)
    states = async_to_sync(_five_phones)(contest, host)
    assert [s["phase"] for s in states] == [Phase.READING] * 5
