from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    """The 清廉单元 tree, the people in it and their roles."""

    name = "units"
    verbose_name = _("清廉单元")
