"""manage.py import_questions FILE [--format xlsx|csv|gift|aiken] [--dry-run]"""

from django.core.management.base import CommandError

from quizzes.imports import FORMATS, guess_format, questions_import
from tabular.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "导入题目（xlsx/csv 模板、Moodle GIFT、Aiken），全部成功或全部不写入。"
        " / Import questions; all rows or nothing."
    )
    noun = "题目"
    file_help = "xlsx or csv template, Moodle GIFT (.gift) or Aiken (.txt)"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="default: from the extension (.txt = aiken)",
        )

    def run_import(self, *, data, filename, dry_run, options):
        file_format = options.get("format") or guess_format(filename)
        if file_format is None:
            raise CommandError(
                "无法识别格式，请用 --format / unknown format, use --format"
            )
        return questions_import(
            data=data, filename=filename, file_format=file_format, dry_run=dry_run
        )
