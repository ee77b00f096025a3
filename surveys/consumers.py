"""Live scorecard over WebSocket: /ws/surveys/campaigns/<id>/.

Only users who may read the campaign's scorecard connect, and they receive only the rows
in their scope. Changes arrive as `scorecard.changed` group events (see live.py); the
consumer waits the coalescing second, then reads the scorecard once and pushes it.
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import live
from .models import Campaign
from .selectors import scope_paths_for, scorecard_for

FORBIDDEN = 4403


class ScorecardConsumer(AsyncJsonWebsocketConsumer):
    refresh_delay = live.COALESCE_SECONDS

    async def connect(self):
        self.campaign_id = int(self.scope["url_route"]["kwargs"]["campaign_id"])
        self.group = live.group_name(self.campaign_id)
        self.pending: asyncio.Task | None = None
        self.scope_paths = await self._scope()
        if self.scope_paths == []:
            await self.close(code=FORBIDDEN)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._push()

    async def disconnect(self, code):
        if getattr(self, "pending", None):
            self.pending.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("action") == "refresh":
            await self._push()

    async def scorecard_changed(self, event):
        if self.pending is None or self.pending.done():
            self.pending = asyncio.ensure_future(self._push_later())

    async def _push_later(self):
        await asyncio.sleep(self.refresh_delay)
        with contextlib.suppress(RuntimeError):
            await self._push()

    async def _push(self):
        units = await self._rows()
        await self.send_json(
            {"type": "scorecard", "campaign": self.campaign_id, "units": units}
        )

    @database_sync_to_async
    def _scope(self):
        user = self.scope.get("user")
        campaign = (
            Campaign.objects.select_related("root_unit")
            .filter(pk=self.campaign_id)
            .first()
        )
        if campaign is None or user is None or not user.is_authenticated:
            return []
        return scope_paths_for(user=user, campaign=campaign)

    @database_sync_to_async
    def _rows(self):
        campaign = Campaign.objects.select_related("root_unit").get(pk=self.campaign_id)
        return scorecard_for(campaign=campaign, scope_paths=self.scope_paths)["units"]
