"""`manage.py restore DIR --database-url URL`: a backup made by `manage.py backup` into
an empty database and the media folders (ops.backup, docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, describe, restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an empty database (pg_restore, or SQLite's backup "
        "API) and unpack its media; every file is checked against the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a folder written by manage.py backup")
        parser.add_argument(
            "--database-url",
            required=True,
            help="target database, e.g. postgres://user@host:5432/qinglian_restored",
        )
        parser.add_argument(
            "--media-root", help="where to unpack MEDIA_ROOT (default: the setting)"
        )
        parser.add_argument(
            "--private-media-root",
            help="where to unpack PRIVATE_MEDIA_ROOT (default: the setting)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a target database or media folder that is not empty",
        )

    def handle(self, *args, directory, database_url, force, **options):
        try:
            outcome = restore(
                Path(directory),
                database_url=database_url,
                media_root=options["media_root"] and Path(options["media_root"]),
                private_media_root=options["private_media_root"]
                and Path(options["private_media_root"]),
                force=force,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(describe(outcome.manifest))
        for note in outcome.notes:
            self.stdout.write(note)
