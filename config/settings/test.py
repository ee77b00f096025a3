"""Test settings: the same database and Redis selection as production (DATABASE_URL,
REDIS_URL), with fast hashing and no external effects."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, CHANNEL_LAYERS, REDIS_URL

SECRET_KEY = "test-only-key-not-secret"  # noqa: S105 - tests only
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / str(os.getpid())
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private-media" / str(os.getpid())
STORAGES = {
    "default": {"BACKEND": "courses.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if REDIS_URL:
    # Each pytest-xdist worker gets its own Redis database: cache.clear() is FLUSHDB,
    # and both workers create campaigns with the same ids, so a shared database would
    # let one worker wipe or hear the other's keys and groups mid-test.
    # TEST_REDIS_DB_BASE lets two test runs share one Redis server side by side.
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    _base = int(os.environ.get("TEST_REDIS_DB_BASE", "1"))
    _url = urlsplit(REDIS_URL)
    _redis_url = urlunsplit(_url._replace(path=f"/{int(_worker or 0) + _base}"))
    CACHES["default"]["LOCATION"] = _redis_url
    CACHES["default"]["KEY_PREFIX"] = "qlxt-test"
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = _redis_url
SITE_BASE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
