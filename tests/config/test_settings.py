"""Settings come from the environment: database, Redis, production secret."""

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured


def _reload(module_name):
    module = importlib.import_module(module_name)
    return importlib.reload(module)


def test_defaults_are_sqlite_and_in_memory_layers(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    base = _reload("config.settings.base")
    assert base.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert base.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
    assert base.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert base.LANGUAGE_CODE == "zh-hans" and base.TIME_ZONE == "Asia/Shanghai"


def test_database_url_and_redis_url_select_postgresql_and_redis(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/qinglian")
    monkeypatch.setenv("REDIS_URL", "redis://redis.internal:6379/1")
    base = _reload("config.settings.base")
    assert base.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert base.DATABASES["default"]["HOST"] == "db.internal"
    layer = base.CHANNEL_LAYERS["default"]
    # channels-redis's layer and Django's Redis cache, each degrading while Redis is
    # down (config.outages, tests/test_outages.py).
    assert layer["BACKEND"] == "config.outages.DegradingRedisChannelLayer"
    (host,) = layer["CONFIG"]["hosts"]
    assert host["address"] == "redis://redis.internal:6379/1"
    # Longer than the layer's 5 s blocking read, or idle sockets die (tests/surveys/test_live).
    assert host["socket_timeout"] > 5
    assert base.CACHES["default"]["BACKEND"] == "config.outages.DegradingRedisCache"
    assert base.CACHES["default"]["LOCATION"] == "redis://redis.internal:6379/1"
    # A Redis that stopped answering must not hold page requests for redis-py's 5 s.
    assert base.CACHES["default"]["OPTIONS"]["socket_timeout"] <= 1
    assert base.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    _reload("config.settings.base")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        _reload("config.settings.production")


@pytest.fixture(autouse=True)
def _restore_settings_modules():
    yield
    # Leave the modules as the rest of the suite expects them.
    _reload("config.settings.base")


def test_asgi_application_routes_http_and_websockets():
    from config.asgi import application

    assert set(application.application_mapping) == {"http", "websocket"}
