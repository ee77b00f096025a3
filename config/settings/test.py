"""Test settings: the same database and Redis selection as production (DATABASE_URL,
REDIS_URL), with fast hashing and no external effects."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, REDIS_URL

SECRET_KEY = "test-only-key-not-secret"  # noqa: S105 - tests only
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / str(os.getpid())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if REDIS_URL:
    # Each test process gets its own key space on the shared Redis.
    CACHES["default"]["KEY_PREFIX"] = f"qlxt-test-{os.getpid()}"
WAGTAILADMIN_BASE_URL = "http://testserver"
