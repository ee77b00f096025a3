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


def test_a_connection_pool_only_when_asked_for_and_only_on_postgresql(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL_MAX_SIZE", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/qinglian")
    base = _reload("config.settings.base")
    assert "pool" not in base.DATABASES["default"].get("OPTIONS", {})

    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "8")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    base = _reload("config.settings.base")
    database = base.DATABASES["default"]
    assert database["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 8, "timeout": 10}
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "1.5")
    base = _reload("config.settings.base")
    assert base.DATABASES["default"]["OPTIONS"]["pool"]["timeout"] == 1.5
    # Django refuses a pool beside persistent connections.
    assert database["CONN_MAX_AGE"] == 0
    # The pool checks a connection before handing it out, so a database restart costs
    # no request (tests/faults).
    assert database["CONN_HEALTH_CHECKS"] is True

    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    base = _reload("config.settings.base")
    assert "pool" not in base.DATABASES["default"]["OPTIONS"]


def test_production_pools_postgresql_connections_by_default(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/qinglian")
    monkeypatch.delenv("DATABASE_POOL_MAX_SIZE", raising=False)
    _reload("config.settings.base")
    production = _reload("config.settings.production")
    assert production.DATABASES["default"]["OPTIONS"]["pool"]["max_size"] == 20

    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "0")
    _reload("config.settings.base")
    production = _reload("config.settings.production")
    assert "pool" not in production.DATABASES["default"].get("OPTIONS", {})


@pytest.mark.django_db(transaction=True)
def test_threads_share_the_pools_connections_on_postgresql():
    """Twelve threads, each with a query as a request or a live socket makes, reuse at
    most the pool's three connections instead of opening twelve."""
    import copy
    import threading

    from django.db import connections

    default = connections["default"]
    if default.vendor != "postgresql":
        pytest.skip("connection pools are PostgreSQL's")
    settings = copy.deepcopy(default.settings_dict)
    settings["CONN_MAX_AGE"] = 0
    settings["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 3, "timeout": 10}
    # A database wrapper of its own per thread, as Django gives each thread; the pool
    # is shared by every wrapper of one alias.
    wrapper_class = type(default)
    backends, errors = set(), []

    def work():
        wrapper = wrapper_class(settings, alias="pool-test")
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.05)")
                backends.add(cursor.fetchone()[0])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            wrapper.close()  # back to the pool

    threads = [threading.Thread(target=work) for _ in range(12)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        wrapper_class(settings, alias="pool-test").close_pool()
    assert errors == []
    assert 1 <= len(backends) <= 3


@pytest.fixture(autouse=True)
def _restore_settings_modules():
    yield
    # Leave the modules as the rest of the suite expects them.
    _reload("config.settings.base")


def test_asgi_application_routes_http_and_websockets():
    from config.asgi import application

    assert set(application.application_mapping) == {"http", "websocket"}
