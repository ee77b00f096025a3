"""Live scorecard updates: after a response commits, tell the campaign's group.

Coalesced: at most one message per unit per second however many responses arrive (a
cache key marks the unit as announced for a second). The consumer waits a second before
reading the scorecard, so responses whose message was coalesced away are still included.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

COALESCE_SECONDS = 1


def group_name(campaign_id: int) -> str:
    return f"surveys.campaign.{campaign_id}"


def announce(*, campaign_id: int, unit_id: int) -> bool:
    """Send one `scorecard.changed` event unless this unit was announced within a second."""
    if not cache.add(f"surveys:live:{campaign_id}:{unit_id}", 1, COALESCE_SECONDS):
        return False
    layer = get_channel_layer()
    if layer is None:
        return False
    async_to_sync(layer.group_send)(
        group_name(campaign_id), {"type": "scorecard.changed", "unit_id": unit_id}
    )
    return True


def announce_after_commit(*, campaign_id: int, unit_id: int) -> None:
    transaction.on_commit(lambda: announce(campaign_id=campaign_id, unit_id=unit_id))
