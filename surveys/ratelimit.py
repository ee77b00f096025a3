"""Rate limits for anonymous submissions, per device and per network address.

The device is a random cookie; the address is hashed with a secret salt and used only as
part of a short-lived cache key — it is never stored with a response (METRICS.md).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache

DEVICE_COOKIE = "sv_device"
WINDOW_SECONDS = 3600
# A shared phone may be passed round a family; a school or village office shares one
# address, hence the larger address allowance.
DEVICE_LIMIT = getattr(settings, "SURVEYS_DEVICE_LIMIT", 5)
ADDRESS_LIMIT = getattr(settings, "SURVEYS_ADDRESS_LIMIT", 120)


def device_id(request) -> str:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isascii() else ""


def new_device_id() -> str:
    return secrets.token_urlsafe(18)


def _address_key(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    salt = settings.SECRET_KEY.encode()
    return hashlib.sha256(salt + b"|surveys|" + address.encode()).hexdigest()[:32]


def _bump(key: str, limit: int) -> bool:
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= limit


def submission_allowed(request, *, campaign_id: int) -> bool:
    """Count one submission attempt; False once the device or address is over its limit."""
    device = device_id(request) or "no-cookie"
    device_ok = _bump(f"surveys:rl:d:{campaign_id}:{device}", DEVICE_LIMIT)
    address_ok = _bump(
        f"surveys:rl:a:{campaign_id}:{_address_key(request)}", ADDRESS_LIMIT
    )
    return device_ok and address_ok
