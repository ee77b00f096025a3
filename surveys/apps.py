from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Surveys, campaigns per unit, responses and scorecards."""

    name = "surveys"
    verbose_name = _("调查")

    def ready(self):
        from .questionnaire import connect_signals

        connect_signals()
