"""Import paper questionnaires (wide format) into a campaign: all rows or none."""

from django.core.management.base import CommandError

from surveys.imports import ResponseImporter
from surveys.models import Campaign
from tabular.commands import ImportCommand
from tabular.importing import import_file


class Command(ImportCommand):
    help = "导入纸质问卷（unit_code 列 + 每题一列）；任一行有误则不写入任何数据。"
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
        return import_file(
            ResponseImporter(self.campaign),
            data=data,
            filename=filename,
            dry_run=dry_run,
        )

    def success_message(self, report):
        return f"{report.created} 份答卷 / {report.created} response(s)"
