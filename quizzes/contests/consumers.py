"""WebSockets of a live contest: the host's projector and each player's phone.

/ws/contests/<id>/host/ — the contest's host (or an administrator) only. Sends the
    host's controls (start, next, pause, resume, skip, end, remove) to the services, and
    gets a throttled "answered n/N" while answers come in.
/ws/contests/play/<pin>/ — anyone with the PIN. The first message joins: a signed token
    (reconnect), a login, or a name and a unit code. The server then measures the round
    trip once (ping/pong) and sends the current state; each phase change sends it again.

The countdown belongs to no socket: every process with a socket of a contest open (host
or phone) runs one clock for it (_ContestClock), which calls contest_tick a few times a
second. The compare-and-set in contest_tick lets exactly one process move the contest,
so reading and answering end on time with no host connected, and with several.

Group events carry no answer key (see live.py). On a phase change each process reads one
snapshot of the contest for all its phones (selectors.phase_snapshot, a fixed number of
queries), and each phone's socket makes its own state from it: its own option order, its
own answer and rank, and the key only after the question has closed.
Malformed, oversized or unknown messages get an error reply; the socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from config.outages import ChannelLayerUnavailable, listen
from units.models import Unit

from . import live, selectors, services
from .models import Contest, Phase, Player

logger = logging.getLogger(__name__)

FORBIDDEN = 4403
NOT_FOUND = 4404
REMOVED = 4409
TOO_MANY = 4429
MAX_MESSAGE_CHARS = 2048
# A phone sends a join, a pong and one answer per question; a burst beyond this is a
# script, and is answered with an error instead of database work.
MAX_MESSAGES_PER_SECOND = 10
# Unknown PINs per address per PIN_WINDOW: enough for typos in a hall behind one NAT,
# far too few to walk a million PINs.
PIN_MISSES = 30
PIN_WINDOW = 600

_clock = time.monotonic
TICK_SECONDS = 0.2
# A phase change that no group event has brought to a process this long after its clock
# saw it is pushed by the clock (events normally arrive within a few hundred ms).
LOCAL_PUSH_AFTER = 1.5
# The host's "answered n/N" at most once a second, however many answers arrive.
COUNTER_SECONDS = 1.0


def _miss_key(address: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode())
    return f"quizzes:contest:pin-miss:{digest.hexdigest()[:32]}"


def pin_guessing(address: str) -> bool:
    """Whether this address has tried too many unknown PINs lately. One counter for the
    socket and the join page, so neither is a way round the other."""
    return (cache.get(_miss_key(address)) or 0) >= PIN_MISSES


def pin_missed(address: str) -> None:
    key = _miss_key(address)
    if not cache.add(key, 1, PIN_WINDOW):
        with contextlib.suppress(ValueError):
            cache.incr(key)


# Channels runs every database call of a process on one thread, in order. Nothing a
# contest socket does needs that order — the clock, the phase snapshot, joins, each
# phone's own state, the host's screen and controls, the answers — so all of it runs on
# a pool of threads (each with a connection from the worker's pool): a phase change's
# read never queues behind a hall joining or answering, and on PostgreSQL answers are
# stored side by side. The unique constraint, not the order, keeps one answer each;
# compare-and-set moves, not the order, keep one phase change.
pooled = functools.partial(database_sync_to_async, thread_sensitive=False)
# The reads a phase change waits on — the clock's tick, the phase snapshot, the host's
# screen — have threads of their own, so at the close of a question they never queue
# behind the last moment's answers on the shared pool.
_PHASE_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="contest-phase")
urgent = functools.partial(
    database_sync_to_async, thread_sensitive=False, executor=_PHASE_THREADS
)
if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite writes one at a time whatever the threads, and an in-memory database
    # shared between threads refuses a second writer at once ("table is locked")
    # instead of waiting: on SQLite every call keeps Channels' one thread, in order.
    pooled = urgent = database_sync_to_async


class _ContestClock:
    """The countdown of one contest in this process, running while at least one of its
    sockets is open here. It ticks at the fastest pace its sockets ask for and hands
    the "answered n/N" counts to the host sockets among them.

    It is also the fan-out's safety net. Each tick reads the contest's phase anyway; a
    change that no group event has brought to this process within LOCAL_PUSH_AFTER
    (Redis is down, or the event was lost with a Redis restart) is pushed to the
    sockets here by the clock itself, so a hall plays on through a Redis outage. When
    the channel layer re-joins after an outage, every socket gets a fresh state."""

    def __init__(self, contest_id: int):
        self.contest_id = contest_id
        self.sockets: set[_ContestSocket] = set()
        self.task: asyncio.Task | None = None
        # (phase, index, paused) as this process's sockets were last told it
        self.delivered: tuple | None = None
        # when the tick first saw a change no event has brought yet
        self.pending_since: float | None = None
        # (phase, index) of the last group event that reached a socket here
        self.event_key: tuple | None = None
        # A phase that began before the clock did was sent to its sockets when they
        # connected; one that began since must reach them by an event or a push.
        self.created = timezone.now()

    def event_arrived(self, event: dict) -> None:
        """A group event of this contest reached a socket here: the sockets are being
        told its phase, so a tick that reads that phase takes it as delivered. Only
        that phase: a host refresh (a player joined) that lands while the phase moves
        on tells the phones nothing, and taking any event as delivery let one such
        refresh swallow the push of the next phase during an outage."""
        self.event_key = (event.get("phase"), event.get("index"))

    async def run(self):
        while self.sockets:
            await asyncio.sleep(min(s.tick_seconds for s in self.sockets))
            hosts = [s for s in self.sockets if isinstance(s, HostConsumer)]
            try:
                key, count, began = await self._tick(counting=bool(hosts))
            except Exception:  # noqa: BLE001 - the countdown must outlive one bad read
                logger.exception("contest %s: tick failed", self.contest_id)
                continue
            if key is not None:
                await self._watch(key, began=began)
            if count is not None:
                for host in hosts:
                    await host.answered(count)

    async def _watch(self, key: tuple, *, began=None) -> None:
        if self.delivered is None and began is not None and began > self.created:
            # The first read, of a phase that began after this clock (and its first
            # sockets) started: what they were told is older. Without this, a change
            # landing before the first tick passed for delivered and, while Redis was
            # down, that process's phones never saw it.
            self.delivered = ()
        if self.delivered is None or self.event_key == key[:2]:
            self.event_key = None
            self.delivered, self.pending_since = key, None
            return
        if key == self.delivered:
            self.pending_since = None
            return
        now = time.monotonic()
        if self.pending_since is None:
            self.pending_since = now
        elif now - self.pending_since >= LOCAL_PUSH_AFTER:
            logger.warning(
                "contest %s: phase change pushed by this process's clock "
                "(no group event; Redis down?)",
                self.contest_id,
            )
            await self.push_local(phase=key[0], index=key[1])
            self.delivered, self.pending_since = key, None

    async def push_local(self, *, phase: str | None = None, index: int | None = None):
        """Every socket of the contest here reads its state as after a group event,
        the phones sharing one snapshot read."""
        event = {
            **live.phase_event(contest_id=self.contest_id, phase=phase, index=index),
            "local": True,
        }
        for socket in list(self.sockets):
            with contextlib.suppress(Exception):
                await socket.contest_phase(event)

    @urgent
    def _tick(self, *, counting: bool) -> tuple[tuple | None, dict | None, object]:
        contest = Contest.objects.filter(pk=self.contest_id).first()
        if contest is None:
            return None, None, None
        contest = services.contest_tick(contest=contest)
        key = (contest.phase, contest.current_index, contest.paused_at is not None)
        began = contest.phase_started_at
        if not counting or contest.phase != Phase.ANSWERING:
            return key, None, began
        return key, selectors.answered_count(contest=contest), began


_clocks: dict[int, _ContestClock] = {}


def _clock_of(socket) -> _ContestClock | None:
    clock = _clocks.get(getattr(socket, "contest_id", None))
    return clock if clock is not None and socket in clock.sockets else None


def _layer_changed(live: bool) -> None:
    """Called by the channel layer, possibly from another thread's event loop: each
    clock is pushed from its own loop. On a pause nothing is sent (the clocks push
    what changes); on the re-join every socket catches up at once."""
    if not live:
        return
    for clock in list(_clocks.values()):
        task = clock.task
        if task is None or task.done():
            continue
        loop = task.get_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(_start_push, clock)


def _event_arrived(socket, event: dict) -> None:
    clock = _clock_of(socket)
    if clock is not None and not event.get("local"):
        clock.event_arrived(event)


_pushes: set[asyncio.Task] = set()


def _start_push(clock: _ContestClock) -> None:
    task = asyncio.ensure_future(clock.push_local())
    _pushes.add(task)
    task.add_done_callback(_pushes.discard)


def _clock_attach(socket: _ContestSocket) -> None:
    listen(socket.channel_layer, _layer_changed)
    clock = _clocks.get(socket.contest_id)
    loop = asyncio.get_running_loop()
    if (
        clock is None
        or clock.task is None
        or clock.task.done()
        or (clock.task.get_loop() is not loop)
    ):
        clock = _clocks[socket.contest_id] = _ContestClock(socket.contest_id)
    clock.sockets.add(socket)
    if clock.task is None:
        clock.task = asyncio.ensure_future(clock.run())


def _clock_detach(socket: _ContestSocket) -> None:
    clock = _clocks.get(getattr(socket, "contest_id", None))
    if clock is None or socket not in clock.sockets:
        return
    clock.sockets.discard(socket)
    if not clock.sockets:
        if clock.task is not None:
            clock.task.cancel()
        del _clocks[socket.contest_id]


# The latest phase snapshots read in this process, by contest and phase change, so the
# phones of one process share one read of each change. A few are kept because a
# change can follow the last one before every phone has had it.
SNAPSHOTS_KEPT = 4
_snapshots: dict[tuple, asyncio.Future] = {}


async def _snapshot(contest_id: int, event: dict) -> selectors.PhaseSnapshot:
    key = (contest_id, event.get("phase"), event.get("index"), event.get("sent_at"))
    future = _snapshots.get(key)
    if future is None or future.get_loop() is not asyncio.get_running_loop():
        future = asyncio.ensure_future(
            urgent(selectors.phase_snapshot)(contest_id=contest_id)
        )
        _snapshots[key] = future
        while len(_snapshots) > SNAPSHOTS_KEPT:
            del _snapshots[next(iter(_snapshots))]
    try:
        return await asyncio.shield(future)
    except Exception:
        # A failed read is not kept: the next phone of this change reads again.
        if _snapshots.get(key) is future:
            del _snapshots[key]
        raise


class _ContestSocket(AsyncJsonWebsocketConsumer):
    max_messages_per_second = MAX_MESSAGES_PER_SECOND
    tick_seconds = TICK_SECONDS

    def _over_rate(self) -> bool:
        second = int(_clock())
        if getattr(self, "rate_second", None) != second:
            self.rate_second, self.rate_count = second, 0
        self.rate_count += 1
        return self.rate_count > self.max_messages_per_second

    async def dispatch(self, message):
        """Channels' dispatch without its hop to the one sync thread before every
        message (AsyncConsumer.dispatch closes that thread's stale connections). These
        sockets use the database only through database_sync_to_async, which closes
        stale connections itself before and after each call; the hop only queued a
        hall's phones one by one on that thread at every phase change (a quarter of a
        second for 250 phones on one process)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self._over_rate():
            await self._error("rate", _("操作太频繁，请稍后再试。"))
            return
        if text_data is None or len(text_data) > MAX_MESSAGE_CHARS:
            await self._error("malformed", _("消息格式不正确。"))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict) or not isinstance(content.get("action"), str):
            await self._error("malformed", _("消息格式不正确。"))
            return
        await self.receive_json(content)

    async def _error(self, code: str, message: str):
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _join_groups(self, *groups: str):
        self.groups_joined = []
        for group in groups:
            with contextlib.suppress(ChannelLayerUnavailable):
                await self.channel_layer.group_add(group, self.channel_name)
                self.groups_joined.append(group)

    async def disconnect(self, code):
        _clock_detach(self)
        for group in getattr(self, "groups_joined", []):
            with contextlib.suppress(ChannelLayerUnavailable):
                await self.channel_layer.group_discard(group, self.channel_name)


class HostConsumer(_ContestSocket):
    counter_seconds = COUNTER_SECONDS

    async def connect(self):
        self.contest_id = int(self.scope["url_route"]["kwargs"]["contest_id"])
        self.last_count, self.last_count_sent = None, 0.0
        if not await self._allowed():
            await self.close(code=FORBIDDEN)
            return
        await self._join_groups(
            live.group_name(self.contest_id), live.host_group_name(self.contest_id)
        )
        await self.accept()
        await self._send_state()
        _clock_attach(self)

    async def answered(self, count: dict):
        """The clock's latest count: sent when it changed, at most once a
        `counter_seconds`, however many answers arrive."""
        now = time.monotonic()
        if count != self.last_count and now - self.last_count_sent >= (
            self.counter_seconds
        ):
            self.last_count, self.last_count_sent = count, now
            await self.send_json({"type": "answered", **count})

    @pooled
    def _allowed(self) -> bool:
        user = self.scope.get("user")
        contest = Contest.objects.filter(pk=self.contest_id).first()
        return contest is not None and services.can_control(contest=contest, user=user)

    async def receive_json(self, content, **kwargs):
        action = content["action"]
        try:
            await self._control(action, content)
        except services.ContestError as error:
            await self._error(error.code, error.message)

    @pooled
    def _control(self, action: str, content: dict):
        user = self.scope.get("user")
        contest = Contest.objects.get(pk=self.contest_id)
        controls = {
            "start": services.contest_start,
            "next": services.contest_next,
            "pause": services.contest_pause,
            "resume": services.contest_resume,
            "skip": services.contest_skip,
            "end": services.contest_end,
        }
        if action in controls:
            controls[action](contest=contest, user=user)
        elif action == "remove":
            player_id = content.get("player")
            player = (
                Player.objects.filter(contest=contest, pk=player_id).first()
                if isinstance(player_id, int)
                else None
            )
            if player is None:
                raise services.ContestError("player", _("没有这位选手。"))
            services.player_remove(contest=contest, user=user, player=player)
        else:
            raise services.ContestError("malformed", _("消息格式不正确。"))

    async def contest_phase(self, event):
        """Read the host's state again, at most one read at a time: events that arrive
        during a read (a hall joining, 500 "a player joined" in a minute) are answered
        by one more read after it, not one each. The read runs beside the socket's
        other messages, so the host's controls are never queued behind it."""
        _event_arrived(self, event)
        self.latest_event = event
        task = getattr(self, "refresh_task", None)
        if task is None or task.done():
            self.refresh_task = asyncio.ensure_future(self._refresh())

    async def _refresh(self):
        while getattr(self, "latest_event", None) is not None:
            event, self.latest_event = self.latest_event, None
            try:
                await self._send_state(sent_at=event.get("sent_at"))
            except Exception:  # noqa: BLE001 - the next event reads again
                logger.exception("contest %s: host state failed", self.contest_id)

    async def disconnect(self, code):
        task = getattr(self, "refresh_task", None)
        if task is not None:
            task.cancel()
        await super().disconnect(code)

    async def _send_state(self, sent_at: float | None = None):
        state = await self._state()
        if sent_at is not None:
            state["sent_at"] = sent_at
        await self.send_json(state)

    @urgent
    def _state(self) -> dict:
        contest = Contest.objects.get(pk=self.contest_id)
        return selectors.host_state(contest=contest, now=timezone.now())


class PlayerConsumer(_ContestSocket):
    async def connect(self):
        self.pin = self.scope["url_route"]["kwargs"]["pin"]
        self.player: Player | None = None
        self.ping_sent: float | None = None
        if await self._guessing():
            await self.close(code=TOO_MANY)
            return
        self.contest_id = await self._contest_id()
        if self.contest_id is None:
            await self._missed()
            await self.close(code=NOT_FOUND)
            return
        await self._join_groups(live.group_name(self.contest_id))
        await self.accept()
        _clock_attach(self)

    def _address(self) -> str:
        return (self.scope.get("client") or ("", 0))[0]

    @pooled
    def _guessing(self) -> bool:
        return pin_guessing(self._address())

    @pooled
    def _missed(self) -> None:
        pin_missed(self._address())

    @pooled
    def _contest_id(self) -> int | None:
        contest = services.contest_by_pin(pin=self.pin)
        return contest.pk if contest else None

    async def receive_json(self, content, **kwargs):
        # The receipt time is taken before anything else can delay it.
        received_at = timezone.now()
        action = content["action"]
        try:
            if action == "join":
                await self._join(content)
            elif action == "pong":
                await self._pong()
            elif action == "answer":
                await self._answer(content, received_at=received_at)
            elif action == "state":
                await self._send_state()
            else:
                await self._error("malformed", _("消息格式不正确。"))
        except services.ContestError as error:
            await self._error(error.code, error.message)

    async def _join(self, content: dict):
        joined = await self._joined(content)
        self.player = joined.player
        await self.send_json(
            {
                "type": "joined",
                "token": joined.token,
                "rejoined": joined.rejoined,
                "player": {"id": joined.player.pk, "name": joined.player.display_name},
            }
        )
        self.ping_sent = time.monotonic()
        await self.send_json({"type": "ping"})
        await self._send_state()

    @pooled
    def _joined(self, content: dict) -> services.Joined:
        contest = Contest.objects.get(pk=self.contest_id)
        token = content.get("token")
        if isinstance(token, str) and token:
            player = services.player_from_token(contest=contest, token=token)
            if player is None:
                raise services.ContestError("token", _("请重新加入本场竞赛。"))
            return services.Joined(player, token, rejoined=True)
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            return services.player_join(contest=contest, user=user)
        name, code = content.get("name"), content.get("unit")
        unit = Unit.objects.filter(code=code).first() if isinstance(code, str) else None
        return services.player_join(
            contest=contest,
            display_name=name if isinstance(name, str) else "",
            unit=unit,
        )

    async def _pong(self):
        if self.player is None or self.ping_sent is None:
            return
        rtt = timedelta(seconds=time.monotonic() - self.ping_sent)
        self.ping_sent = None
        self.player = await pooled(services.player_set_rtt)(player=self.player, rtt=rtt)

    async def _answer(self, content: dict, *, received_at):
        if self.player is None:
            raise services.ContestError("join", _("请先加入竞赛。"))
        position, choice = content.get("question"), content.get("choice")
        if not isinstance(position, int) or not isinstance(choice, str):
            raise services.AnswerRejected("invalid", _("请选择一个选项。"))
        answer = await pooled(services.answer_submit)(
            contest_id=self.contest_id,
            player=self.player,
            position=position,
            choice=choice,
            received_at=received_at,
        )
        await self.send_json(
            {"type": "answer", "question": position, "choice": answer.choice}
        )

    async def contest_phase(self, event):
        _event_arrived(self, event)
        if self.player is None:
            return
        try:
            snapshot = await _snapshot(self.contest_id, event)
        except Exception:  # noqa: BLE001 - this phone reads its own state instead
            logger.exception("contest %s: snapshot failed", self.contest_id)
            snapshot = None
        if snapshot is None or not snapshot.knows(self.player.pk):
            await self._send_state(sent_at=event.get("sent_at"))
            return
        if snapshot.is_removed(self.player.pk):
            await self._removed()
            return
        state = snapshot.state_for(player_id=self.player.pk, now=timezone.now())
        if event.get("sent_at") is not None:
            state["sent_at"] = event["sent_at"]
        await self.send_json(state)

    async def _removed(self):
        await self.send_json({"type": "removed"})
        await self.close(code=REMOVED)

    async def _send_state(self, sent_at: float | None = None):
        if self.player is None:
            raise services.ContestError("join", _("请先加入竞赛。"))
        state = await self._state()
        if state is None:
            await self._removed()
            return
        if sent_at is not None:
            state["sent_at"] = sent_at
        await self.send_json(state)

    @pooled
    def _state(self) -> dict | None:
        contest = Contest.objects.get(pk=self.contest_id)
        player = Player.objects.get(pk=self.player.pk)
        if player.removed:
            return None
        return selectors.player_state(
            contest=contest, player=player, now=timezone.now()
        )
