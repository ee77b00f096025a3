"""Import paper questionnaires (wide format) into a campaign: all rows or none."""

from django.core.management.base import CommandError

from surveys.imports import paper_import
from surveys.models import Campaign
from tabular.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "导入纸质问卷（unit_code 列 + 每题一列）；任一行有误则不写入任何数据。"
        "空格为未答，单选题选了多项为多选无效（按未作答计，分题统计）。"
    )
    noun = "答卷"

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)
        super().add_arguments(parser)

    def handle(self, *args, campaign_id, **options):
        self.campaign = Campaign.objects.filter(pk=campaign_id).first()
        if self.campaign is None:
            raise CommandError(f"测评活动不存在 / no campaign {campaign_id}")
        super().handle(*args, **options)

    def run_import(self, *, data, filename, dry_run, options):
        return paper_import(
            campaign=self.campaign, data=data, filename=filename, dry_run=dry_run
        )

    def success_message(self, report):
        # The notes say which questions had 多选无效 cells and how many.
        return "\n".join(
            [f"{report.created} 份答卷 / {report.created} response(s)", *report.notes]
        )
