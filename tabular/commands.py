"""The body shared by every import command (units, people, questions, responses): read a
file, report every bad row on stderr, write nothing unless every row is good, and exit
non-zero on any error."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from .importing import import_file
from .report import ImportReport


class ImportCommand(BaseCommand):
    """Subclass and set `importer_class` and `noun` (what is written, e.g. "单元"), or
    override `run_import` for importers that need more than the file."""

    importer_class = None
    noun = ""
    file_help = "xlsx or csv (UTF-8, UTF-8 with BOM, or GBK)"

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.file_help)
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, write nothing"
        )

    def run_import(
        self, *, data: bytes, filename: str, dry_run: bool, options: dict
    ) -> ImportReport:
        return import_file(
            self.importer_class(), data=data, filename=filename, dry_run=dry_run
        )

    def success_message(self, report: ImportReport) -> str:
        return report.summary()

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 / file not found: {path}")
        report = self.run_import(
            data=path.read_bytes(), filename=path.name, dry_run=dry_run, options=options
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} 处错误，未写入任何{self.noun} / "
                f"{len(report.errors)} error(s), nothing written"
            )
        verb = "检查通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{verb}：{self.success_message(report)}")
