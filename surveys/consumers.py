"""Live scorecard over WebSocket: /ws/surveys/campaigns/<id>/?unit=<code>&lang=<code>.

Only users who may read the campaign's scorecard connect, and they receive only the rows
in their scope. The scope is resolved again before every push (units.permissions reads
it from the database), never kept from connect time: an import can insert a sibling
that moves every unit's tree path, and an administrator can change the manager's scope
unit or role while the dashboard stays open. A push that finds no unit left in scope
closes the socket. Changes arrive as `scorecard.changed` group events (see live.py); the
consumer waits the coalescing second, then reads the scorecard once and pushes its rows
together with the live parts of the page being watched (`unit`), rendered server-side by
the page's own templates in the page's language (`lang`).

While Redis is down the socket is still accepted with the figures of the moment and a
notice that live updates are paused; the channel layer re-joins the group when Redis
returns, and pushes resume on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from config.outages import ChannelLayerUnavailable
from units.permissions import scorecard_scope

from . import live
from .models import Campaign
from .selectors import campaigns_visible_to, scorecard_read

FORBIDDEN = 4403


class ScorecardConsumer(AsyncJsonWebsocketConsumer):
    refresh_delay = live.COALESCE_SECONDS

    async def connect(self):
        self.campaign_id = int(self.scope["url_route"]["kwargs"]["campaign_id"])
        self.group = live.group_name(self.campaign_id)
        self.pending: asyncio.Task | None = None
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.unit_code = query.get("unit", [""])[0] or None
        language = query.get("lang", [""])[0]
        # Only a language the site offers; anything else renders in the default.
        self.language = (
            language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        )
        message = await self._snapshot()
        if message is None:
            await self.close(code=FORBIDDEN)
            return
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
        except ChannelLayerUnavailable:
            with translation.override(self.language):
                message["notice"] = gettext(
                    "实时更新暂停：显示的是打开页面时的数据，恢复后自动更新。"
                )
        await self.accept()
        await self.send_json(message)

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
        message = await self._snapshot()
        if message is None:
            await self.close(code=FORBIDDEN)
            return
        await self.send_json(message)

    @database_sync_to_async
    def _snapshot(self) -> dict | None:
        """The push for the reader's scope as it is now; None when nothing of this
        campaign is in it any more."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        scope = scorecard_scope(user)
        campaign: Campaign | None = (
            campaigns_visible_to(scope=scope).filter(pk=self.campaign_id).first()
        )
        if campaign is None:
            return None
        report = scorecard_read(campaign=campaign, scope=scope)[0]
        if not report["units"]:
            return None
        message = {
            "type": "scorecard",
            "campaign": self.campaign_id,
            "units": report["units"],
        }
        with translation.override(self.language):
            page = live.scorecard_page(
                campaign=campaign, report=report, code=self.unit_code
            )
            if page is not None:
                message["unit"] = page["row"]["unit_code"]
                message["html"] = live.scorecard_fragments(page=page)
        return message
