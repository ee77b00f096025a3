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
notice that live updates are paused. A socket already open when Redis stops is told the
same (a `paused` message) as soon as this process's channel layer fails. When the layer
has re-joined the groups, every open scorecard socket of the process gets a fresh
snapshot at once, since answers were stored during the outage whose events were lost:
the figures catch up and the notice goes, without waiting for the next answer. That
catch-up reads each campaign, scope and page once per process, however many sockets
watch it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from config.outages import ChannelLayerUnavailable, listen
from units.permissions import scorecard_scope

from . import live
from .models import Campaign
from .selectors import campaigns_visible_to, scorecard_read

FORBIDDEN = 4403
logger = logging.getLogger(__name__)

# The open scorecard sockets of this process, by the event loop that serves them, for
# the channel layer's pause and re-join notices (weak: a socket that ends drops out).
_watching: weakref.WeakKeyDictionary[ScorecardConsumer, asyncio.AbstractEventLoop] = (
    weakref.WeakKeyDictionary()
)
# Catch-up tasks in flight (the event loop keeps only weak references to tasks).
_tasks: set[asyncio.Task] = set()


def paused_notice() -> str:
    return gettext("实时更新暂停：显示的是打开页面时的数据，恢复后自动更新。")


def _layer_changed(live: bool) -> None:
    """Called by the channel layer, possibly from another thread's event loop (a sync
    view sending through async_to_sync): each socket is served from its own loop."""
    loops = set(_watching.values())
    for loop in loops:
        if loop.is_closed():
            continue
        loop.call_soon_threadsafe(_start, loop, live)


def _start(loop: asyncio.AbstractEventLoop, live: bool) -> None:
    task = loop.create_task(_resume(loop) if live else _pause(loop))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _sockets(loop) -> list[ScorecardConsumer]:
    return [c for c, owner in list(_watching.items()) if owner is loop]


async def _pause(loop) -> None:
    for consumer in _sockets(loop):
        with contextlib.suppress(Exception):
            await consumer.send_paused()


async def _resume(loop) -> None:
    consumers = _sockets(loop)
    if not consumers:
        return
    try:
        messages = await _catch_up(consumers)
    except Exception:
        # The database failing too: the pages keep their figures and the next answer's
        # push (or a reload) brings them up to date.
        logger.exception("live scorecard catch-up after the Redis outage failed")
        return
    for consumer, message in zip(consumers, messages, strict=True):
        with contextlib.suppress(Exception):
            if message is None:
                await consumer.close(code=FORBIDDEN)
            else:
                await consumer.send_json(message)


@database_sync_to_async
def _catch_up(consumers: list[ScorecardConsumer]) -> list[dict | None]:
    """Each socket's scope resolved again (its reader's role or unit may have changed
    during the outage), then one snapshot per campaign, scope, page and language."""
    built: dict[tuple, dict | None] = {}
    messages = []
    for consumer in consumers:
        scope = consumer.reader_scope()
        if scope is None:
            messages.append(None)
            continue
        key = (consumer.campaign_id, scope, consumer.unit_code, consumer.language)
        if key not in built:
            built[key] = snapshot(*key)
        messages.append(built[key])
    return messages


def snapshot(
    campaign_id: int, scope, unit_code: str | None, language: str
) -> dict | None:
    """The push for readers of `scope` as the scorecard is now; None when nothing of
    this campaign is in the scope any more."""
    campaign: Campaign | None = (
        campaigns_visible_to(scope=scope).filter(pk=campaign_id).first()
    )
    if campaign is None:
        return None
    report = scorecard_read(campaign=campaign, scope=scope)[0]
    if not report["units"]:
        return None
    message = {"type": "scorecard", "campaign": campaign_id, "units": report["units"]}
    with translation.override(language):
        page = live.scorecard_page(campaign=campaign, report=report, code=unit_code)
        if page is not None:
            message["unit"] = page["row"]["unit_code"]
            message["html"] = live.scorecard_fragments(page=page)
    return message


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
        listen(self.channel_layer, _layer_changed)
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
        except ChannelLayerUnavailable:
            with translation.override(self.language):
                message["notice"] = paused_notice()
        await self.accept()
        await self.send_json(message)
        _watching[self] = asyncio.get_running_loop()

    async def send_paused(self):
        with translation.override(self.language):
            await self.send_json({"type": "paused", "notice": paused_notice()})

    async def disconnect(self, code):
        _watching.pop(self, None)
        if getattr(self, "pending", None):
            self.pending.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("action") == "refresh":
            await self._push()

    async def scorecard_changed(self, event):
        self.changed_again = True
        if self.pending is None or self.pending.done():
            self.pending = asyncio.ensure_future(self._push_later())

    async def _push_later(self):
        # An event that arrives while the scorecard is being read may be for an answer
        # the read missed, and the answers coalesced behind it send none: read again.
        self.changed_again = True
        while self.changed_again:
            await asyncio.sleep(self.refresh_delay)
            self.changed_again = False
            with contextlib.suppress(RuntimeError):
                await self._push()

    async def _push(self):
        message = await self._snapshot()
        if message is None:
            await self.close(code=FORBIDDEN)
            return
        await self.send_json(message)

    def reader_scope(self):
        """The reader's scope as the database has it now; None for a reader signed out."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        return scorecard_scope(user)

    @database_sync_to_async
    def _snapshot(self) -> dict | None:
        """The push for the reader's scope as it is now; None when nothing of this
        campaign is in it any more."""
        scope = self.reader_scope()
        if scope is None:
            return None
        return snapshot(self.campaign_id, scope, self.unit_code, self.language)
