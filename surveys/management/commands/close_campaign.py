"""Close a campaign and freeze its scorecard."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.models import Campaign
from surveys.services import campaign_close


class Command(BaseCommand):
    help = "结束测评活动并冻结记分卡。"

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)

    def handle(self, *args, campaign_id, **options):
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(f"测评活动不存在 / no campaign {campaign_id}")
        try:
            campaign_close(campaign=campaign)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from exc
        self.stdout.write(f"已结束，记分卡已冻结 / closed: {campaign_id}")
