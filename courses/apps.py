from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Micro-lessons, courses, local integrity stories and learning progress."""

    name = "courses"
    verbose_name = _("学习")

    def ready(self):
        from wagtail.signals import page_published

        from .models import StoryPage
        from .signals import story_published

        page_published.connect(story_published, sender=StoryPage)

        from .cache import connect_signals

        connect_signals()
