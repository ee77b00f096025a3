"""The home page: the root of the site's page tree. Apps add their sections to it through
the `home_sections` hook, so this file does not grow with every feature."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.url_routing import RouteResult


class HomePage(Page):
    """Welcome page: a short introduction followed by each app's section."""

    intro = RichTextField(_("简介"), blank=True, features=["bold", "italic", "link"])
    tagline = models.CharField(_("标语"), max_length=120, blank=True)

    content_panels = Page.content_panels + [FieldPanel("tagline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def route(self, request, path_components):
        from courses.selectors import lesson_at

        # Lessons are the most read pages: one query finds one where Wagtail's walk
        # down the tree costs six (docs/benchmarks.md, "Lesson page"). Anything else,
        # or a path that names no live lesson, takes Wagtail's own route.
        lesson = lesson_at(root=self, path_components=path_components)
        if lesson is not None:
            return RouteResult(lesson)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from .selectors import home_sections

        context = super().get_context(request, *args, **kwargs)
        context["sections"] = home_sections(request=request, page=self)
        return context
