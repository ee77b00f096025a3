"""Create and open a campaign; print its id alone on the last line."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.models import CampaignMode, Survey
from surveys.services import campaign_create, campaign_open
from units.models import Unit


class Command(BaseCommand):
    help = "为一个单元子树开启测评活动（快照各单元人数）；最后一行单独输出活动 id。"

    def add_arguments(self, parser):
        parser.add_argument("--survey", type=int, required=True)
        parser.add_argument("--root", required=True, help="root unit code, e.g. YK")
        parser.add_argument("--title", required=True)
        parser.add_argument(
            "--mode", choices=CampaignMode.values, default=CampaignMode.ANONYMOUS
        )
        parser.add_argument("--target", default="0.85", help="target for every metric")

    def handle(self, *args, survey, root, title, mode, target, **options):
        survey_obj = Survey.objects.filter(pk=survey).first()
        if survey_obj is None:
            raise CommandError(f"问卷不存在 / no survey {survey}")
        root_unit = Unit.objects.filter(code=root).first()
        if root_unit is None:
            raise CommandError(f"单元不存在 / no unit {root}")
        try:
            target_value = Decimal(target)
            campaign = campaign_create(
                survey=survey_obj,
                title=title,
                root_unit=root_unit,
                mode=mode,
                target=target_value,
            )
        except (InvalidOperation, ValidationError) as exc:
            raise CommandError(f"参数无效 / invalid: {exc}") from exc
        campaign = campaign_open(campaign=campaign)
        units = campaign.campaign_units.count()
        self.stderr.write(
            f"测评活动已开始，{units} 个单元 / campaign open over {units} units"
        )
        self.stdout.write(str(campaign.pk))
