"""SQLite's write-ahead log, switched on once per database file and process.

WAL lets readers (scorecards) run while a writer (an import) holds the lock. The mode is
stored in the database file, so it needs setting once per file; Django's `init_command`
ran the pragma on every connection, and with DATABASE_CONN_MAX_AGE=0 that is every
request. config.settings.base connects `use_wal` to `connection_created` for SQLite.
"""

import os

# The files this process has switched, by name and (device, inode): a file put in
# place under the same name (a copy renamed over it) is another database.
_switched: set[tuple[str, int, int]] = set()


def _file_id(name) -> tuple[str, int, int] | None:
    """The file's name, device and inode; None for an empty file (a database just created,
    maybe on the inode of one deleted before it) and for a name that is not a plain
    path (a "file:" URI), which are switched on every connection as before. No reading
    of the file itself: closing a second descriptor on a database file would drop the
    POSIX locks SQLite holds on it in this process."""
    try:
        stat = os.stat(name)
    except (OSError, TypeError, ValueError):
        return None
    return (str(name), stat.st_dev, stat.st_ino) if stat.st_size else None


def use_wal(sender, connection, **kwargs) -> None:
    """Put a new connection's database file in WAL mode unless this process already
    did. In-memory databases (the tests') have no log to switch."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    name = connection.settings_dict["NAME"]
    if _file_id(name) in _switched:
        return
    # On the driver's connection: no Django cursor, so no query logging for it.
    (mode,) = connection.connection.execute("PRAGMA journal_mode=WAL").fetchone()
    # A pragma that could not switch answers the old mode; the next connection retries.
    # Identified after switching: a new file has its first page only now.
    if mode.lower() == "wal" and (file_id := _file_id(name)) is not None:
        _switched.add(file_id)
