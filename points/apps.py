from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    """Learning points (积分): the rules, the ledger and each unit's ranking."""

    name = "points"
    verbose_name = _("积分")
