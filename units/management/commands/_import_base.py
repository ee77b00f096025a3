"""Shared body of the import commands: read a file, report every bad row, write nothing
unless every row is good, exit non-zero on any error."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tabular.importing import import_file


class ImportCommand(BaseCommand):
    importer_class = None
    noun = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="xlsx or csv (UTF-8, UTF-8 with BOM, or GBK)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, write nothing"
        )

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 / file not found: {path}")
        report = import_file(
            self.importer_class(),
            data=path.read_bytes(),
            filename=path.name,
            dry_run=dry_run,
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} 处错误，未写入任何{self.noun} / "
                f"{len(report.errors)} error(s), nothing written"
            )
        verb = "检查通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{verb}：{report.summary()}")
