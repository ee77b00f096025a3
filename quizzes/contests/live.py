"""Fan-out of a contest: one group event per phase change, sent after the change commits.

The event carries only the contest id and phase; each consumer reads what its own screen
needs from the database (the host's counts, a player's own options and score), so the
answer key never travels in a group message and a Redis restart loses nothing but
pushes. While Redis is down the push is skipped: clients ask again when they reconnect.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from config.outages import ChannelLayerUnavailable


def group_name(contest_id: int) -> str:
    return f"quizzes.contest.{contest_id}"


def host_group_name(contest_id: int) -> str:
    return f"quizzes.contest.{contest_id}.host"


def phase_event(*, contest_id: int, phase: str | None, index: int | None) -> dict:
    """The group event of a phase change: the contest, its phase and question, and the
    moment of the change, so clients can measure the fan-out delay."""
    return {
        "type": "contest.phase",
        "contest": contest_id,
        "phase": phase,
        "index": index,
        "sent_at": timezone.now().timestamp(),
    }


def _send(group: str, *, contest_id: int, phase: str, index: int) -> bool:
    """The phase event to `group`; False when there is no layer or Redis is down."""
    layer = get_channel_layer()
    if layer is None:
        return False
    event = phase_event(contest_id=contest_id, phase=phase, index=index)
    try:
        async_to_sync(layer.group_send)(group, event)
    except ChannelLayerUnavailable:
        return False
    return True


def phase_changed(*, contest_id: int, phase: str, index: int) -> bool:
    return _send(
        group_name(contest_id), contest_id=contest_id, phase=phase, index=index
    )


def phase_changed_after_commit(*, contest_id: int, phase: str, index: int) -> None:
    transaction.on_commit(
        lambda: phase_changed(contest_id=contest_id, phase=phase, index=index)
    )


def host_refresh_after_commit(*, contest_id: int, phase: str, index: int) -> None:
    """Ask the host's screen to read its state again (a player joined): the host group
    only, so each join does not wake every phone in the hall."""
    transaction.on_commit(
        lambda: _send(
            host_group_name(contest_id), contest_id=contest_id, phase=phase, index=index
        )
    )
