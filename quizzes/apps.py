from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    """Scenario question bank, quizzes, attempts and live contests."""

    name = "quizzes"
    verbose_name = _("练习")
