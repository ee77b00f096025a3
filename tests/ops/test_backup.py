"""Backup and restore end to end (ops.backup, docs/backup.md): a campaign with
responses, an uploaded image with a rendition and a private photo → backup → restore into
a new database → the scorecard read there equals the original exactly, every media file
is byte-identical and the image renders."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from PIL import Image

from ops import backup as ops_backup
from surveys.selectors import scorecard_compute
from surveys.services import campaign_create, campaign_open
from tests.courses.conftest import make_image, restore_wagtail_roots
from tests.factories import make_unit
from tests.surveys.conftest import add_responses, make_survey

BASE_DIR = Path(settings.BASE_DIR)

# Run in a fresh process against the restored database and media: what a site started
# on the restored copy would read.
READ_BACK = """
import json, os, sys
import django
django.setup()
from django.conf import settings
settings.MEDIA_ROOT = os.environ["RESTORED_MEDIA_ROOT"]
from PIL import Image
from wagtail.images import get_image_model
from surveys.models import Campaign
from surveys.selectors import scorecard_compute
campaign = Campaign.objects.get(pk=int(sys.argv[1]))
image = get_image_model().objects.get(pk=int(sys.argv[2]))
stored = image.get_rendition("fill-40x30")
fresh = image.get_rendition("width-20")
with Image.open(fresh.file.path) as rendered:
    rendered.load()
    fresh_size = list(rendered.size)
print(json.dumps({
    "scorecard": scorecard_compute(campaign=campaign),
    "stored_rendition": stored.file.name,
    "fresh_size": fresh_size,
}, default=str))
"""


def _json(value) -> dict:
    return json.loads(json.dumps(value, default=str))


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _site_with_a_campaign():
    restore_wagtail_roots()
    root = make_unit("YK", name="永康市", kind_name="其他", headcount=5)
    village = make_unit(
        "YK-01", parent=root, name="胡库村", kind_name="村居", headcount=40
    )
    make_unit("YK-02", parent=root, name="示范村", kind_name="村居", headcount=3)
    campaign = campaign_open(
        campaign=campaign_create(survey=make_survey(), title="备份测评", root_unit=root)
    )
    add_responses(campaign, "YK-01", 31, R1="A", R2="A|B", S1="5", S2="4")
    add_responses(campaign, "YK-01", 6, R1="B", S1="2")
    add_responses(campaign, "YK-02", 4, R1="A", R2="A|B", S1="0", T1="建议")
    add_responses(campaign, "YK", 2)
    image = make_image("胡公像", size=(120, 90))
    rendition = image.get_rendition("fill-40x30")
    private = Path(settings.PRIVATE_MEDIA_ROOT) / "original_images"
    private.mkdir(parents=True, exist_ok=True)
    (private / "story-pending-0123456789abcdef.jpg").write_bytes(
        b"\xff\xd8photo\xff\xd9"
    )
    assert village.pk
    return campaign, image, rendition


def _read_back(campaign, image, database_url: str, media_root: Path) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        RESTORED_MEDIA_ROOT=str(media_root),
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", READ_BACK, str(campaign.pk), str(image.pk)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _check_round_trip(tmp_path, database_url: str, campaign, image, rendition):
    original = _json(scorecard_compute(campaign=campaign))
    assert original["units"][0]["participants"] == 43  # the data is really there
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    before = {"media": _tree_hashes(media), "private": _tree_hashes(private)}
    assert rendition.file.name in before["media"]
    assert len(before["private"]) == 1

    out = io.StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=out)
    assert "backup written" in out.getvalue()
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert set(manifest["media"]) == {f"media/{n}" for n in before["media"]} | {
        f"private-media/{n}" for n in before["private"]
    }
    assert "surveys" in manifest["migrations"]

    restored_media = tmp_path / "restored-media"
    restored_private = tmp_path / "restored-private"
    out = io.StringIO()
    call_command(
        "restore",
        str(tmp_path / "backup"),
        database_url=database_url,
        media_root=str(restored_media),
        private_media_root=str(restored_private),
        stdout=out,
    )
    assert f"{len(manifest['media'])} media files" in out.getvalue()
    assert _tree_hashes(restored_media) == before["media"]
    assert _tree_hashes(restored_private) == before["private"]

    read = _read_back(campaign, image, database_url, restored_media)
    assert read["scorecard"] == original
    assert read["stored_rendition"] == rendition.file.name
    assert read["fresh_size"] == [20, 15]
    with Image.open(restored_media / image.file.name) as restored:
        assert restored.size == (120, 90)

    # A second restore into the now filled database is refused without --force.
    with pytest.raises(CommandError, match="--force"):
        call_command(
            "restore",
            str(tmp_path / "backup"),
            database_url=database_url,
            media_root=str(tmp_path / "other-media"),
            private_media_root=str(tmp_path / "other-private"),
        )
    return manifest


@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_into_a_new_database_exactly(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://… (pg_dump)")
    import psycopg

    db = connection.settings_dict
    target = f"{db['NAME']}_restored"
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{target}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        campaign, image, rendition = _site_with_a_campaign()
        manifest = _check_round_trip(tmp_path, url, campaign, image, rendition)
        assert manifest["database"]["engine"] == "postgresql"
        assert manifest["database"]["server_major"] == connection.pg_version // 10000
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restores_into_a_new_file_exactly(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: the PostgreSQL variant covers pg_dump and pg_restore")
    campaign, image, rendition = _site_with_a_campaign()
    url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    manifest = _check_round_trip(tmp_path, url, campaign, image, rendition)
    assert manifest["database"]["engine"] == "sqlite"


# --- refusals, on either database ------------------------------------------------------


def _fake_backup(directory: Path, database: dict) -> Path:
    directory.mkdir()
    (directory / "database.dump").write_bytes(b"PGDMP")
    files = {"database.dump": hashlib.sha256(b"PGDMP").hexdigest()}
    manifest = {
        "format": 1,
        "created_at": "2026-12-01T00:00:00+00:00",
        "database": database,
        "migrations": {},
        "files": files,
        "media": {},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def test_a_changed_backup_file_is_refused_before_anything_is_touched(tmp_path):
    directory = _fake_backup(
        tmp_path / "b",
        {
            "engine": "postgresql",
            "file": "database.dump",
            "server_major": 15,
            "pg_dump_major": 15,
        },
    )
    (directory / "database.dump").write_bytes(b"PGDMP-changed")
    with pytest.raises(CommandError, match="sha256"):
        call_command(
            "restore", str(directory), database_url="postgres://u@127.0.0.1:1/none"
        )


def test_a_dump_newer_than_pg_restore_is_refused_with_the_versions(tmp_path):
    directory = _fake_backup(
        tmp_path / "b",
        {
            "engine": "postgresql",
            "file": "database.dump",
            "server_major": 99,
            "pg_dump_major": 99,
        },
    )
    with pytest.raises(CommandError, match="pg_dump 99"):
        call_command(
            "restore", str(directory), database_url="postgres://u@127.0.0.1:1/none"
        )


def test_missing_client_tools_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(ops_backup.shutil, "which", lambda name: None)
    directory = _fake_backup(
        tmp_path / "b",
        {
            "engine": "postgresql",
            "file": "database.dump",
            "server_major": 15,
            "pg_dump_major": 15,
        },
    )
    with pytest.raises(CommandError, match="pg_restore not found"):
        call_command(
            "restore", str(directory), database_url="postgres://u@127.0.0.1:1/none"
        )


def test_a_backup_of_one_engine_is_not_restored_into_another(tmp_path):
    directory = _fake_backup(
        tmp_path / "b",
        {
            "engine": "postgresql",
            "file": "database.dump",
            "server_major": 15,
            "pg_dump_major": 15,
        },
    )
    with pytest.raises(CommandError, match="same kind|同一种"):
        call_command(
            "restore", str(directory), database_url=f"sqlite:///{tmp_path / 'x.db'}"
        )


@pytest.mark.django_db
def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "old"))


def test_restore_refuses_a_folder_without_a_manifest(tmp_path):
    with pytest.raises(CommandError, match="manifest.json"):
        call_command(
            "restore", str(tmp_path), database_url=f"sqlite:///{tmp_path / 'x.db'}"
        )
