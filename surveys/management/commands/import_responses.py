"""Import paper questionnaires (wide format) into a campaign: all rows or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.imports import ResponseImporter
from surveys.models import Campaign
from tabular.importing import import_file


class Command(BaseCommand):
    help = "导入纸质问卷（unit_code 列 + 每题一列）；任一行有误则不写入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("file", help="xlsx or csv (UTF-8, UTF-8 with BOM, or GBK)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, write nothing"
        )

    def handle(self, *args, campaign_id, file, dry_run, **options):
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(f"测评活动不存在 / no campaign {campaign_id}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 / file not found: {path}")
        report = import_file(
            ResponseImporter(campaign),
            data=path.read_bytes(),
            filename=path.name,
            dry_run=dry_run,
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} 处错误，未写入任何答卷 / "
                f"{len(report.errors)} error(s), nothing written"
            )
        verb = "检查通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(
            f"{verb}：{report.created} 份答卷 / {report.created} response(s)"
        )
