"""manage.py import_questions FILE [--format xlsx|csv|gift|aiken] [--dry-run]
[--skip-unsupported]"""

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
        parser.add_argument(
            "--skip-unsupported",
            action="store_true",
            help=(
                "GIFT/Aiken: import the questions the bank can hold and list the others "
                "(other question types, partial credit) instead of refusing the file"
            ),
        )

    def run_import(self, *, data, filename, dry_run, options):
        file_format = options.get("format") or guess_format(filename)
        if file_format is None:
            raise CommandError(
                "无法识别格式，请用 --format / unknown format, use --format"
            )
        report = questions_import(
            data=data,
            filename=filename,
            file_format=file_format,
            dry_run=dry_run,
            skip_unsupported=options.get("skip_unsupported", False),
        )
        if not report.ok:
            # The errors follow on stderr; the hint says how to import the rest.
            for note in report.notes:
                self.stderr.write(note)
        return report

    def success_message(self, report):
        skipped = getattr(report, "skipped", [])
        counts = (
            f"新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}"
        )
        if not skipped:
            return counts
        # One line per skipped question, so the list can be read (or grepped) as is.
        return "\n".join(
            [f"{counts}，跳过 {len(skipped)}", *(f"已跳过：{s}" for s in skipped)]
        )
