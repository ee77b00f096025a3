"""Write every unit's link of a campaign (unit_code, unit_name, link) as csv or xlsx:
the same file as the distribution page's download, for mail merges and printers."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.links import campaign_links, campaign_links_file
from surveys.models import Campaign


class Command(BaseCommand):
    help = "输出测评活动各单元的作答链接（csv / xlsx），链接以 SITE_BASE_URL 开头。"

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("-o", "--output", help="file (default: standard output)")
        parser.add_argument(
            "--all",
            action="store_true",
            dest="include_empty",
            help="include units with headcount 0 (人数为 0 的单元也输出)",
        )

    def handle(self, *args, campaign_id, format, output, include_empty, **options):
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(f"测评活动不存在 / no campaign {campaign_id}")
        if format == "xlsx" and not output:
            raise CommandError("xlsx 需要 -o 文件名 / xlsx needs -o FILE")
        links = campaign_links(campaign=campaign, include_empty=include_empty)
        if not links:
            # Links exist once the campaign has opened (the units are snapshotted then).
            self.stderr.write(
                "没有可输出的单元：活动未开始，或各单元人数均为 0 / "
                "no units: the campaign is not open, or every headcount is 0"
            )
        data = campaign_links_file(links=links, file_format=format)
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(f"已写入 / written: {output} ({len(links)})")
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")
