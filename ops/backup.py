"""Backup and restore of the whole site: the database and the uploaded files
(docs/backup.md).

A backup is a folder:

- `database.dump` — PostgreSQL: `pg_dump --format=custom` of the configured database;
  or `database.sqlite3` — SQLite: a copy made with SQLite's online backup API, which is
  consistent while the site keeps writing (copying the file is not, under WAL);
- `media.tar.gz` — MEDIA_ROOT (images, renditions, audio and video, certificates);
- `private-media.tar.gz` — PRIVATE_MEDIA_ROOT (story photos awaiting moderation);
- `manifest.json` — when and from what it was made: the sha256 of every file above and
  of every media file inside the archives, the migrations applied, the database engine
  and server and pg_dump versions.

Restore checks the manifest before it touches anything, restores into an empty
database (or, with force, over one), unpacks the media and checks every file it
unpacked against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
FORMAT = 1
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
ARCHIVES = {"media": "media.tar.gz", "private-media": "private-media.tar.gz"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on, in words for the operator."""


@dataclass
class Outcome:
    directory: Path
    manifest: dict
    notes: list[str] = field(default_factory=list)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_roots() -> dict[str, Path]:
    return {
        "media": Path(settings.MEDIA_ROOT),
        "private-media": Path(settings.PRIVATE_MEDIA_ROOT),
    }


# --- tools ------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}：请安装与数据库服务器同一主版本的 PostgreSQL 客户端"
            f"（Debian/Ubuntu：apt-get install postgresql-client）。 / "
            f"{name} not found: install the PostgreSQL client tools of the server's "
            f"major version."
        )
    return path


def tool_major(name: str) -> int:
    """Major version of pg_dump or pg_restore (`pg_dump (PostgreSQL) 15.20` → 15)."""
    output = subprocess.run(  # noqa: S603 - a fixed tool found on PATH
        [_tool(name), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if match is None:
        raise BackupError(f"无法识别 {name} 的版本 / unknown {name} version: {output}")
    return int(match.group(1))


def _pg_env(db: dict) -> tuple[list[str], dict]:
    """Connection arguments and environment for pg_dump / pg_restore / psql: the
    password goes in the environment, never on the command line."""
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed tools, arguments from settings
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{what}失败 / {what} failed (exit {result.returncode}):\n"
            f"{result.stderr.strip()}"
        )


# --- backup -----------------------------------------------------------------------------


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in (
        MigrationRecorder(connection)
        .migration_qs.order_by("app", "name")
        .values_list("app", "name")
    ):
        applied.setdefault(app, []).append(name)
    return applied


def _dump_postgresql(directory: Path) -> dict:
    db = connection.settings_dict
    dump_major = tool_major("pg_dump")
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if dump_major < server_major:
        raise BackupError(
            f"pg_dump {dump_major} 不能备份 PostgreSQL {server_major} 服务器：请安装 "
            f"{server_major} 或更新版本的客户端。 / pg_dump {dump_major} cannot dump a "
            f"PostgreSQL {server_major} server: install client tools ≥ {server_major}."
        )
    args, env = _pg_env(db)
    _run(
        [
            _tool("pg_dump"),
            *args,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(directory / PG_DUMP),
            db["NAME"],
        ],
        env,
        "pg_dump",
    )
    return {
        "engine": "postgresql",
        "file": PG_DUMP,
        "server_major": server_major,
        "pg_dump_major": dump_major,
    }


def _copy_sqlite(directory: Path) -> dict:
    connection.ensure_connection()
    target = sqlite3.connect(directory / SQLITE_COPY)
    try:
        # The online backup API copies a consistent snapshot while others write.
        connection.connection.backup(target)
    finally:
        target.close()
    return {"engine": "sqlite", "file": SQLITE_COPY, "sqlite": sqlite3.sqlite_version}


def _archive(root: Path, arcname: str, target: Path) -> dict[str, str]:
    """Tar `root` as `arcname` (an empty folder when `root` does not exist); the sha256
    of every file put in, by archive path."""
    hashes: dict[str, str] = {}
    with tarfile.open(target, "w:gz") as archive:
        folder = tarfile.TarInfo(arcname)
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, time.time()
        archive.addfile(folder)
        paths = sorted(root.rglob("*")) if root.is_dir() else []
        for path in paths:
            if path.is_symlink():
                continue  # a link could point outside the folder once restored
            name = f"{arcname}/{path.relative_to(root).as_posix()}"
            archive.add(path, arcname=name, recursive=False)
            if path.is_file():
                hashes[name] = sha256(path)
    return hashes


def backup(outdir: Path) -> Outcome:
    """Write a backup of the database and media into `outdir` (made if absent; must be
    empty, so an older backup is never mixed into a new one)."""
    outdir = Path(outdir)
    if outdir.exists() and any(outdir.iterdir()):
        raise BackupError(
            f"备份目录不是空的：{outdir}。请指定一个新目录。 / The backup folder is not "
            f"empty: {outdir}. Give a new folder."
        )
    outdir.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        database = _dump_postgresql(outdir)
    elif connection.vendor == "sqlite":
        database = _copy_sqlite(outdir)
    else:
        raise BackupError(f"不支持的数据库 / unsupported database: {connection.vendor}")
    media: dict[str, str] = {}
    for arcname, root in media_roots().items():
        media |= _archive(root, arcname, outdir / ARCHIVES[arcname])
    files = {
        path.name: sha256(path)
        for path in sorted(outdir.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": database,
        "migrations": _applied_migrations(),
        "files": files,
        "media": media,
    }
    (outdir / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
        encoding="utf-8",
    )
    return Outcome(outdir, manifest)


# --- restore ----------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    """The manifest, with every backup file checked against it."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{directory} 中没有 {MANIFEST}：这不是本系统的备份。 / No {MANIFEST} in "
            f"{directory}: not a backup made by `manage.py backup`."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 已损坏 / is damaged: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"不认识的备份格式 / unknown backup format: {manifest.get('format')}"
        )
    for name, digest in manifest["files"].items():
        file = directory / name
        if not file.is_file():
            raise BackupError(f"备份缺少文件 / the backup lacks {name}")
        if sha256(file) != digest:
            raise BackupError(
                f"{name} 与清单的 sha256 不符，备份已损坏或被改动。 / {name} does not "
                f"match the manifest's sha256: the backup is damaged or was changed."
            )
    return manifest


def _postgres_target(db: dict) -> tuple[bool, int]:
    """(whether the target database has no tables, its server's major version)."""
    import psycopg

    with psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
    ) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
        server_major = conn.info.server_version // 10000
    return tables == 0, server_major


def _restore_postgresql(directory: Path, manifest: dict, db: dict, force: bool) -> None:
    database = manifest["database"]
    restore_major = tool_major("pg_restore")
    if restore_major < database["pg_dump_major"]:
        raise BackupError(
            f"备份由 pg_dump {database['pg_dump_major']} 制作，pg_restore "
            f"{restore_major} 读不了：请安装 {database['pg_dump_major']} 或更新版本的"
            f"客户端。 / The backup was made by pg_dump {database['pg_dump_major']}; "
            f"pg_restore {restore_major} cannot read it."
        )
    empty, server_major = _postgres_target(db)
    if server_major < database["server_major"]:
        raise BackupError(
            f"目标服务器是 PostgreSQL {server_major}，比备份来源（"
            f"{database['server_major']}）旧：请恢复到同一或更新的主版本。 / The target "
            f"server (PostgreSQL {server_major}) is older than the backup's "
            f"({database['server_major']})."
        )
    if not empty and not force:
        raise BackupError(
            f"目标数据库 {db['NAME']} 不是空的；确认要覆盖时加 --force。 / The target "
            f"database {db['NAME']} is not empty; add --force to overwrite it."
        )
    args, env = _pg_env(db)
    _run(
        [
            _tool("pg_restore"),
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            *(["--clean", "--if-exists"] if not empty else []),
            "--dbname",
            db["NAME"],
            str(directory / database["file"]),
        ],
        env,
        "pg_restore",
    )


def _restore_sqlite(directory: Path, manifest: dict, db: dict, force: bool) -> None:
    target = Path(db["NAME"])
    if target.exists() and target.stat().st_size:
        with sqlite3.connect(target) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        if tables and not force:
            raise BackupError(
                f"目标数据库 {target} 不是空的；确认要覆盖时加 --force。 / The target "
                f"database {target} is not empty; add --force to overwrite it."
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(directory / manifest["database"]["file"])
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()


def _unpack(directory: Path, manifest: dict, roots: dict[str, Path]) -> int:
    unpacked = 0
    for arcname, root in roots.items():
        root.mkdir(parents=True, exist_ok=True)
        prefix = f"{arcname}/"
        with tarfile.open(directory / ARCHIVES[arcname], "r:gz") as archive:
            for member in archive.getmembers():
                if member.name == arcname:
                    continue
                if not member.name.startswith(prefix):
                    raise BackupError(
                        f"归档中有意外的路径 / unexpected path: {member.name}"
                    )
                member.name = member.name[len(prefix) :]
                # The "data" filter refuses absolute paths, "..", links out of the
                # folder and device files.
                archive.extract(member, root, filter="data")
                if member.isfile():
                    unpacked += 1
    for name, digest in manifest["media"].items():
        arcname, _, relative = name.partition("/")
        path = roots[arcname] / relative
        if not path.is_file() or sha256(path) != digest:
            raise BackupError(
                f"恢复后的文件与清单不符 / restored file differs from the manifest: {name}"
            )
    return unpacked


def restore(
    directory: Path,
    *,
    database_url: str,
    media_root: Path | None = None,
    private_media_root: Path | None = None,
    force: bool = False,
) -> Outcome:
    """Restore the backup in `directory` into `database_url` and the media folders
    (the configured ones unless given)."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    db = dj_database_url.parse(database_url)
    engine = manifest["database"]["engine"]
    target_engine = {
        "django.db.backends.postgresql": "postgresql",
        "django.db.backends.sqlite3": "sqlite",
    }.get(db["ENGINE"], db["ENGINE"])
    if engine != target_engine:
        raise BackupError(
            f"备份是 {engine} 数据库，目标是 {target_engine}：只能恢复到同一种数据库。 / "
            f"The backup is of a {engine} database; the target is {target_engine}."
        )
    roots = media_roots()
    if media_root is not None:
        roots["media"] = Path(media_root)
    if private_media_root is not None:
        roots["private-media"] = Path(private_media_root)
    # Media first checked for emptiness, so a refusal leaves the database untouched.
    for root in roots.values():
        if root.is_dir() and any(root.iterdir()) and not force:
            raise BackupError(
                f"媒体目录 {root} 不是空的；确认要覆盖时加 --force。 / The media folder "
                f"{root} is not empty; add --force to write over it."
            )
    if engine == "postgresql":
        _restore_postgresql(directory, manifest, db, force)
    else:
        _restore_sqlite(directory, manifest, db, force)
    unpacked = _unpack(directory, manifest, roots)
    outcome = Outcome(directory, manifest)
    outcome.notes.append(
        f"已恢复数据库 {db['NAME']} 和 {unpacked} 个媒体文件 / restored the database "
        f"and {unpacked} media files"
    )
    known = _code_migrations()
    newer = sorted(
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if app in known and name not in known[app]
    )
    if newer:
        outcome.notes.append(
            "备份来自更新的代码版本，其迁移本代码没有（请部署相同或更新的版本）："
            " / the backup has migrations this code lacks (deploy the same or a newer "
            "version): " + ", ".join(newer)
        )
    else:
        outcome.notes.append(
            "如代码比备份新，请接着运行 manage.py migrate。 / If the code is newer than "
            "the backup, run manage.py migrate next."
        )
    return outcome


def _code_migrations() -> dict[str, set[str]]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    found: dict[str, set[str]] = {}
    for app, name in loader.disk_migrations:
        found.setdefault(app, set()).add(name)
    return found


def describe(manifest: dict) -> str:
    return (
        f"{manifest['database']['engine']} · {manifest['created_at']} · "
        f"{len(manifest['files'])} 个文件 files · {len(manifest['media'])} 个媒体文件 "
        f"media files"
    )
