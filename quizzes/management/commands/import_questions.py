"""manage.py import_questions FILE [--format xlsx|csv|gift|aiken] [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.imports import FORMATS, guess_format, questions_import


class Command(BaseCommand):
    help = (
        "导入题目（xlsx/csv 模板、Moodle GIFT、Aiken），全部成功或全部不写入。"
        " / Import questions; all rows or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="default: from the extension (.txt = aiken)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check, write nothing"
        )

    def handle(self, *args, file, format, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 / file not found: {path}")
        file_format = format or guess_format(path.name)
        if file_format is None:
            raise CommandError(
                "无法识别格式，请用 --format / unknown format, use --format"
            )
        report = questions_import(
            data=path.read_bytes(),
            filename=path.name,
            file_format=file_format,
            dry_run=dry_run,
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} 处错误，未写入任何题目 / "
                f"{len(report.errors)} error(s), nothing written"
            )
        verb = "检查通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{verb}：{report.summary()}")
