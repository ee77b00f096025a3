"""Create a survey from a spreadsheet of questions; print its id alone on the last line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.imports import SurveyImporter
from tabular.importing import import_file


class Command(BaseCommand):
    help = "从表格（xlsx/csv）导入问卷结构；最后一行单独输出新问卷的 id。"

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="xlsx or csv: code, kind, text, options, correct, required"
        )
        parser.add_argument("--title", required=True)
        parser.add_argument("--description", default="")

    def handle(self, *args, file, title, description, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 / file not found: {path}")
        importer = SurveyImporter(title=title, description=description)
        report = import_file(
            importer, data=path.read_bytes(), filename=path.name, dry_run=False
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} 处错误，未创建问卷 / nothing written"
            )
        self.stderr.write(f"问卷已创建：{report.created} 道题 / survey created")
        self.stdout.write(str(importer.survey.pk))
