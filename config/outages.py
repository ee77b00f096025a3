"""Redis outages degrade the site instead of breaking it.

Redis carries the cache (rate limits, coalescing of live updates, Wagtail's site and
rendition caches) and the Channels layer (live scorecards). Nothing in it must survive,
so when it stops answering, pages, submissions and dashboards keep working:

- the cache serves from this process's memory: pages render, and the anonymous-link
  budgets become per-process budgets (each worker counts on its own), so they still
  limit, only less tightly across workers;
- the channel layer skips live pushes and keeps the dashboards' sockets open with the
  figures of the moment; it re-joins their groups when Redis returns.

A failure opens a circuit: Redis is left alone for `retry_seconds`, then one call tries
it again, so a Redis that hangs (a blackholed host) costs one short timeout per interval
and process, not one per request. The outage is logged once when it starts and once when
Redis answers again (per process), never per request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from channels_redis.core import RedisChannelLayer
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a Redis that is down, restarting, full or unreachable raises; a refused or timed
# out socket can surface as the bare OSError / asyncio timeout before redis-py wraps it.
REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
DEFAULT_RETRY_SECONDS = 5.0
# The fallback holds rate-limit counters: LocMemCache's default of 300 entries would cull
# counters of busy campaigns at random and loosen their budgets.
FALLBACK_MAX_ENTRIES = 20_000


class ChannelLayerUnavailable(Exception):
    """The channel layer could not reach Redis (or skipped it while the circuit is
    open); the caller carries on without the live part."""


class Outage:
    """Circuit breaker and log-once state of one Redis service in this process."""

    def __init__(self, *, what: str, retry_seconds: float):
        self.what = what
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        # Cache keys deleted during the outage, to delete in Redis when it answers.
        self.pending_deletes: set[str] = set()

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def skipping(self) -> bool:
        """True while Redis should be left alone. Once the interval is over, the first
        caller probes and the others keep skipping until the probe has answered."""
        if self._down_since is None:
            return False
        with self._lock:
            now = time.monotonic()
            if self._down_since is None or now >= self._retry_at:
                self._retry_at = now + self.retry_seconds
                return False
            return True

    def failed(self, error: BaseException, *, fallback: str) -> None:
        with self._lock:
            now = time.monotonic()
            started = self._down_since is None
            if started:
                self._down_since = now
            self._retry_at = now + self.retry_seconds
        if started:
            logger.warning(
                "%s unavailable (%s: %s): %s; trying again every %g s",
                self.what,
                type(error).__name__,
                error,
                fallback,
                self.retry_seconds,
            )

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            lasted = time.monotonic() - self._down_since
            self._down_since = None
        logger.warning("%s reachable again after %.0f s", self.what, lasted)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_for(key: str, *, what: str, retry_seconds: float) -> Outage:
    """One Outage per Redis service and process: Django makes a cache backend per
    thread, and the circuit must be shared by all of them."""
    with _outages_lock:
        if key not in _outages:
            _outages[key] = Outage(what=what, retry_seconds=retry_seconds)
        return _outages[key]


def _degrading(name: str):
    def method(self, *args, **kwargs):
        if not self.outage.skipping():
            try:
                if self.outage.pending_deletes:
                    self._delete_pending()
                result = getattr(RedisCache, name)(self, *args, **kwargs)
            except REDIS_ERRORS as error:
                self.outage.failed(error, fallback="serving from process memory")
            else:
                self.outage.succeeded()
                return result
        if name in {"delete", "delete_many"}:
            self._remember_deletes(name, args, kwargs)
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = (
        f"RedisCache.{name}, or the process-memory fallback during an outage."
    )
    return method


_CLIENTS: dict = {}


class DegradingRedisCache(RedisCache):
    """Django's Redis cache that falls back to process memory while Redis is down.

    OPTIONS take `retry_seconds` (the circuit's interval) besides redis-py's connection
    options (`socket_connect_timeout`, `socket_timeout`). Keys deleted during an outage
    (Wagtail invalidating its site root paths, for instance) are deleted in Redis too
    when it answers again, so it serves no value that was invalidated meanwhile.
    """

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        retry_seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self.outage = outage_for(
            f"cache:{server}",
            what="Redis cache",
            retry_seconds=retry_seconds,
        )
        self.fallback = LocMemCache(
            f"redis-fallback:{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )

    @cached_property
    def _cache(self):
        # Under ASGI Django makes a cache object per request, and each had a client,
        # so a connection pool, of its own: every request opened a connection to Redis
        # (measured: 5,539 connections for 5,510 lesson pages). One client per server
        # and options in a process; redis-py's pool is safe across threads.
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS.setdefault(
                key, self._class(self._servers, **self._options)
            )
        return client

    def _remember_deletes(self, name, args, kwargs):
        version = kwargs.get("version")
        keys = [args[0]] if name == "delete" else list(args[0])
        pending = self.outage.pending_deletes
        if len(pending) < FALLBACK_MAX_ENTRIES:
            pending.update(self.make_and_validate_key(k, version) for k in keys)

    def _delete_pending(self) -> None:
        """Before Redis serves again, drop what was invalidated while it was away."""
        keys, self.outage.pending_deletes = self.outage.pending_deletes, set()
        try:
            self._cache.get_client(write=True).delete(*keys)
        except REDIS_ERRORS:
            self.outage.pending_deletes |= keys
            raise

    add = _degrading("add")
    get = _degrading("get")
    set = _degrading("set")
    touch = _degrading("touch")
    delete = _degrading("delete")
    get_many = _degrading("get_many")
    has_key = _degrading("has_key")
    incr = _degrading("incr")
    set_many = _degrading("set_many")
    delete_many = _degrading("delete_many")
    clear = _degrading("clear")


def listen(layer, callback: Callable[[bool], None]) -> None:
    """Call `callback(live)` when `layer` pauses (False) and re-joins (True) after a
    Redis outage (DegradingRedisChannelLayer.listeners); once per layer and callback.
    Other layers (the in-memory one) never pause, and are left alone."""
    listeners = getattr(layer, "listeners", None)
    if listeners is not None and callback not in listeners:
        listeners.append(callback)


class DegradingRedisChannelLayer(RedisChannelLayer):
    """channels-redis's layer that survives Redis outages.

    `group_send` and `group_add` raise ChannelLayerUnavailable instead of a Redis error
    (callers skip the live part); `receive` waits the outage out instead of failing, so
    a consumer (and its WebSocket) stays up. Group memberships of this process's
    channels are remembered and re-added when Redis answers again, because an outage
    or a Redis restart loses them.

    `listeners` are called with False when live updates pause (the first failure) and
    with True once the memberships are re-joined, once per outage and process, so open
    dashboards can say they are paused and catch up without waiting for the next event.
    """

    def __init__(self, *args, retry_seconds: float = DEFAULT_RETRY_SECONDS, **kwargs):
        super().__init__(*args, **kwargs)
        hosts = ",".join(str(h.get("address", h)) for h in self.hosts)
        self.outage = outage_for(
            f"channels:{hosts}:{self.prefix}",
            what="Redis channel layer",
            retry_seconds=retry_seconds,
        )
        self.memberships: dict[str, set[str]] = defaultdict(set)
        self._rejoin_needed = False
        self._paused = False
        self.listeners: list[Callable[[bool], None]] = []

    def _notify(self, live: bool) -> None:
        for listener in list(self.listeners):
            try:
                listener(live)
            except Exception:
                # A listener's bug must not turn an outage into a failing consumer.
                logger.exception("channel layer listener failed")

    def _failed(self, error: BaseException) -> None:
        self._rejoin_needed = True
        self.outage.failed(error, fallback="live updates paused")
        if not self._paused:
            self._paused = True
            self._notify(False)

    async def group_add(self, group, channel):
        self.memberships[channel].add(group)
        if self.outage.skipping():
            raise ChannelLayerUnavailable(self.outage.what)
        try:
            await super().group_add(group, channel)
        except REDIS_ERRORS as error:
            self._failed(error)
            raise ChannelLayerUnavailable(self.outage.what) from error
        self.outage.succeeded()

    async def group_discard(self, group, channel):
        groups = self.memberships.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self.memberships[channel]
        if self.outage.skipping():
            return  # the membership expires in Redis by itself (group_expiry)
        try:
            await super().group_discard(group, channel)
        except REDIS_ERRORS as error:
            self._failed(error)

    async def group_send(self, group, message):
        if self.outage.skipping():
            raise ChannelLayerUnavailable(self.outage.what)
        try:
            await super().group_send(group, message)
        except REDIS_ERRORS as error:
            self._failed(error)
            raise ChannelLayerUnavailable(self.outage.what) from error
        self.outage.succeeded()

    async def _rejoin(self) -> None:
        """Re-add this process's memberships; with none, ask Redis whether it is back,
        so recovery is never declared without an answer from it."""
        memberships = [(c, g) for c, groups in self.memberships.items() for g in groups]
        for channel, group in memberships:
            await super().group_add(group, channel)
        if not memberships:
            await self.connection(0).ping()
        self._rejoin_needed = False

    async def receive(self, channel):
        while True:
            try:
                if self._rejoin_needed:
                    await self._rejoin()
                    self.outage.succeeded()
                if self._paused and not self._rejoin_needed:
                    self._paused = False
                    self._notify(True)
                return await super().receive(channel)
            except REDIS_ERRORS as error:
                self._failed(error)
                await asyncio.sleep(self.outage.retry_seconds)
