"""Budgets for anonymous link answers and invitation-code attempts (docs/metrics.md,
Anonymous links).

A link's budget is per network address, sized by the unit: max(30, its snapshot
headcount) accepted answers per 24 h, so a whole office behind one Wi-Fi can answer and
a fresh cookie per request still cannot add more than the unit has people. A device
cookie allows 5 answers per campaign per 24 h; a client without the cookie is budgeted by
its address alone — pooling all cookieless clients would let five phones anywhere block
everyone else.

Budgets count accepted answers, not attempts: a slot is reserved before the response is
written (so parallel requests cannot overshoot) and given back when nothing new was
stored — a replay of the same idempotency key, a campaign that closed meanwhile.

The address is only ever used as a keyed hash (HMAC with the secret key and the campaign
id, so hashes of two campaigns cannot be matched): in short-lived cache keys here, and in
the per-unit network tallies of the `one_network` flag (models.NetworkTally), which hold
no link to any response. It is never stored with a response.

The same table keeps the `burst` flag once a unit has earned it (services._burst_check):
a row under BURST_TALLY, which is no address hash (those are 32 hexadecimal digits).

The counters live in the cache. While Redis is down the cache (config.outages) counts in
each worker's memory instead, so every budget still limits, per worker: a refusal never
depends on Redis answering, and neither does an accepted answer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

DEVICE_COOKIE = "sv_device"
DAY_SECONDS = 24 * 3600
HOUR_SECONDS = 3600
# A shared phone may be passed round a family; a clerk helping a whole village on one
# phone uses invitation codes or paper instead.
DEVICE_LIMIT = getattr(settings, "SURVEYS_DEVICE_LIMIT", 5)
# Small units still get room for visitors and retries from one network.
NETWORK_MINIMUM = getattr(settings, "SURVEYS_NETWORK_MINIMUM", 30)
# Typing an invitation code from paper goes wrong now and then; guessing needs thousands
# of tries (32⁸ codes), so a looser limit on wrong codes is still safe. Only wrong codes
# count: an office typing its valid codes from one address is never slowed down.
CODE_ATTEMPT_LIMIT = getattr(settings, "SURVEYS_CODE_ATTEMPT_LIMIT", 20)
CODE_ADDRESS_LIMIT = getattr(settings, "SURVEYS_CODE_ADDRESS_LIMIT", 120)

# NetworkTally.address_hash of the row that marks a unit's burst (docs/metrics.md).
BURST_TALLY = "burst"

# The cookie is ours (new_device_id), but a client can send anything: only values of
# that alphabet and length become part of a cache key.
_DEVICE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def device_id(request) -> str:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if _DEVICE_PATTERN.fullmatch(value) else ""


def new_device_id() -> str:
    return secrets.token_urlsafe(18)


def network_hash(request, *, campaign_id: int) -> str:
    """The client's address as a keyed hash, specific to one campaign."""
    address = request.META.get("REMOTE_ADDR", "")
    message = f"surveys|{campaign_id}|{address}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[
        :32
    ]


def link_budget(*, headcount: int) -> int:
    return max(NETWORK_MINIMUM, headcount)


@dataclass
class Reservation:
    """Slots taken in one or more budgets. `refused` names the budget that was full
    (`network` or `device`); then nothing is held."""

    keys: list[str] = field(default_factory=list)
    refused: str = ""

    def release(self) -> None:
        """Give the slots back: the request stored nothing new."""
        for key in self.keys:
            try:
                cache.decr(key)
            except ValueError:
                pass  # the window expired meanwhile: nothing left to give back
        self.keys = []


def _take(key: str, limit: int, window: int) -> bool:
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:
        # Expired between add and incr: this is the first slot of a new window.
        cache.set(key, 1, window)
        count = 1
    if count > limit:
        cache.decr(key)
        return False
    return True


def _reserve(checks: list[tuple[str, int, str]], window: int) -> Reservation:
    reservation = Reservation()
    for key, limit, name in checks:
        if not _take(key, limit, window):
            reservation.release()
            return Reservation(refused=name)
        reservation.keys.append(key)
    return reservation


def submission_reserve(
    request, *, campaign_id: int, link_id: int, headcount: int
) -> Reservation:
    """Reserve one answer through a unit's link (`link_id`, the CampaignUnit) in the
    network budget and, when the client has the cookie, the device budget."""
    network = network_hash(request, campaign_id=campaign_id)
    checks = [
        (
            f"surveys:rl:submit:n:{campaign_id}:{link_id}:{network}",
            link_budget(headcount=headcount),
            "network",
        )
    ]
    device = device_id(request)
    if device:
        checks.append(
            (f"surveys:rl:submit:d:{campaign_id}:{device}", DEVICE_LIMIT, "device")
        )
    return _reserve(checks, DAY_SECONDS)


def code_attempt_reserve(request, *, campaign_id: int) -> Reservation:
    """Reserve one wrong-code attempt (per device, and per address); release it when the
    code turns out valid."""
    network = network_hash(request, campaign_id=campaign_id)
    checks = [
        (f"surveys:rl:code:n:{campaign_id}:{network}", CODE_ADDRESS_LIMIT, "network")
    ]
    device = device_id(request)
    if device:
        checks.append(
            (f"surveys:rl:code:d:{campaign_id}:{device}", CODE_ATTEMPT_LIMIT, "device")
        )
    return _reserve(checks, HOUR_SECONDS)
