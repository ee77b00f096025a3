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
# Typing an invitation code from paper goes wrong now and then; guessing needs thousands
# of tries (32⁸ codes), so a looser per-device limit on code attempts is still safe.
CODE_ATTEMPT_LIMIT = getattr(settings, "SURVEYS_CODE_ATTEMPT_LIMIT", 20)
# Typing an invitation code from paper goes wrong now and then; guessing needs thousands
# of tries (32⁸ codes), so a looser per-device limit on code attempts is still safe.
CODE_ATTEMPT_LIMIT = getattr(settings, "SURVEYS_CODE_ATTEMPT_LIMIT", 20)


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


def submission_allowed(request, *, campaign_id: int, action: str = "submit") -> bool:
    """Count one attempt (`submit` a response, or enter a `code`); False once the device
    or the address is over its limit for that action."""
    device = device_id(request) or "no-cookie"
    device_limit = CODE_ATTEMPT_LIMIT if action == "code" else DEVICE_LIMIT
    device_ok = _bump(f"surveys:rl:{action}:d:{campaign_id}:{device}", device_limit)
    address_ok = _bump(
        f"surveys:rl:{action}:a:{campaign_id}:{_address_key(request)}", ADDRESS_LIMIT
    )
    return device_ok and address_ok
