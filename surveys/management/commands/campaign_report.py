"""Write a campaign's scorecard as JSON, csv or xlsx (docs/metrics.md field names)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.exports import campaign_export
from surveys.models import Campaign


class Command(BaseCommand):
    help = "输出测评活动记分卡（json / csv / xlsx）。"

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument(
            "--by", choices=["unit", "kind"], default="unit", help="csv rows"
        )
        parser.add_argument("-o", "--output", help="file (default: standard output)")

    def handle(self, *args, campaign_id, format, by, output, **options):
        campaign = (
            Campaign.objects.select_related("root_unit").filter(pk=campaign_id).first()
        )
        if campaign is None:
            raise CommandError(f"测评活动不存在 / no campaign {campaign_id}")
        if format == "xlsx" and not output:
            raise CommandError("xlsx 需要 -o 文件名 / xlsx needs -o FILE")
        data = campaign_export(campaign=campaign, file_format=format, by=by)
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(f"已写入 / written: {output}")
        else:
            self.stdout.write(data.decode("utf-8-sig"))
