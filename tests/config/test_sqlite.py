"""SQLite runs in WAL mode, switched once per database file and process (config.sqlite),
not by a pragma on every connection."""

import importlib
import sqlite3

import pytest
from django.db.backends.signals import connection_created
from django.db.backends.sqlite3 import base as sqlite_backend
from django.db.utils import ConnectionHandler


@pytest.fixture
def sqlite_settings(monkeypatch, tmp_path):
    """The default database as config.settings.base configures a SQLite file, with the
    WAL receiver connected by that settings module and by nothing else."""
    connection_created.disconnect(dispatch_uid="config.sqlite.use_wal")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    monkeypatch.delenv("DATABASE_POOL_MAX_SIZE", raising=False)
    base = importlib.reload(importlib.import_module("config.settings.base"))
    return base.DATABASES["default"]


@pytest.fixture
def open_database(sqlite_settings, django_db_blocker):
    """Opens connections to a SQLite database named `name`, as the site would."""
    handlers = []

    def open_database(name):
        handler = ConnectionHandler({"default": {**sqlite_settings, "NAME": str(name)}})
        handlers.append(handler)
        return handler["default"]

    with django_db_blocker.unblock():
        yield open_database
        for handler in handlers:
            handler.close_all()


@pytest.fixture
def statements(monkeypatch):
    """Every SQL statement SQLite runs from here on, Django's own pragmas included."""
    executed = []
    connect = sqlite_backend.Database.connect

    def traced_connect(*args, **kwargs):
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(executed.append)
        return connection

    monkeypatch.setattr(sqlite_backend.Database, "connect", traced_connect)
    return executed


def _journal_mode(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]


def _write(database):
    with database.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t (x integer)")
        cursor.execute("INSERT INTO t VALUES (1)")
    database.close()


def _journal_mode_pragmas(statements):
    return [sql for sql in statements if "journal_mode" in sql.lower()]


def test_settings_carry_no_init_command_and_keep_the_lock_options(sqlite_settings):
    assert sqlite_settings["OPTIONS"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }


def test_a_new_database_file_is_in_wal_mode(open_database, tmp_path):
    path = tmp_path / "new.sqlite3"
    _write(open_database(path))
    assert _journal_mode(path) == "wal"


def test_a_second_connection_does_not_switch_again(open_database, statements, tmp_path):
    path = tmp_path / "new.sqlite3"
    database = open_database(path)
    _write(database)
    assert len(_journal_mode_pragmas(statements)) == 1
    statements.clear()

    with database.cursor() as cursor:
        cursor.execute("SELECT x FROM t")
        assert cursor.fetchall() == [(1,)]
    database.close()
    assert "SELECT x FROM t" in statements  # the trace does see this connection
    assert _journal_mode_pragmas(statements) == []


def test_a_file_created_again_under_the_same_name_is_switched_again(
    open_database, tmp_path
):
    path = tmp_path / "new.sqlite3"
    database = open_database(path)
    _write(database)
    for file in tmp_path.glob("new.sqlite3*"):
        file.unlink()

    _write(database)
    assert _journal_mode(path) == "wal"


def test_an_existing_file_in_rollback_mode_is_switched(open_database, tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x integer)")
    assert _journal_mode(path) == "delete"

    _write(open_database(path))
    assert _journal_mode(path) == "wal"


def test_in_memory_databases_work_without_the_pragma(open_database, statements):
    database = open_database(":memory:")
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert _journal_mode_pragmas(statements) == []
    database.close()
