"""`manage.py backup OUTDIR`: the database and the media files into a new folder, with
a manifest (ops.backup, docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup, describe


class Command(BaseCommand):
    help = (
        "Back up the configured database (pg_dump custom format, or SQLite's online "
        "backup) and MEDIA_ROOT and PRIVATE_MEDIA_ROOT into OUTDIR, with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="a new or empty folder")

    def handle(self, *args, outdir, **options):
        try:
            outcome = backup(Path(outdir))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"备份完成 / backup written: {outcome.directory}")
        self.stdout.write(describe(outcome.manifest))
