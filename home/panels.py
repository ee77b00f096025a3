"""Wagtail admin home panels that start each role's day (registered in wagtail_hooks).

Each panel decides from the reader's role whether it shows, and reads its figures from
home.selectors; the templates only lay them out.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import get_template
from wagtail.admin.ui.components import Component

from courses.demo import EDITOR_NOTE
from quizzes.demo_questions import QUESTIONS as DEMO_QUESTIONS
from quizzes.models import Question
from units import permissions
from units.models import Unit

from .selectors import (
    demo_pages_to_check,
    open_campaign_days,
    pages_awaiting_review,
    weakest_units,
)


class _RolePanel(Component):
    """A panel for some roles only; `get_context_data` returns None when there is
    nothing worth a panel."""

    class Media:
        css = {"all": ["surveys/admin.css", "home/dashboard.css"]}

    def __init__(self, request):
        self.request = request

    def is_shown(self) -> bool:
        raise NotImplementedError

    def render_html(self, parent_context=None) -> str:
        if not self.is_shown():
            return ""
        context = self.get_context_data(parent_context)
        if context is None:
            return ""
        return get_template(self.template_name).render(context, self.request)


def _scope_heading(scope) -> str | None:
    """A unit manager's unit name, for headings ("古山镇"); None for a global scope."""
    if scope.is_global or not scope.roots:
        return None
    return (
        Unit.objects.filter(pk__in=scope.roots).values_list("name", flat=True).first()
    )


class OpenCampaignsPanel(_RolePanel):
    """Campaign managers, administrators and unit managers: every open campaign (a unit
    manager's: over their subtree) with participation against its target and days left."""

    name = "open_campaigns"
    template_name = "home/dashboard/open_campaigns.html"
    order = 40

    def is_shown(self) -> bool:
        return not permissions.request_scorecard_scope(self.request).is_empty

    def get_context_data(self, parent_context=None):
        scope = permissions.request_scorecard_scope(self.request)
        return {
            "days": open_campaign_days(scope=scope),
            "scope_name": _scope_heading(scope),
            "manages": permissions.can_manage_campaigns(self.request.user),
        }


class WeakestUnitsPanel(_RolePanel):
    """Where to push today: the units of the reader's scope furthest behind."""

    name = "weakest_units"
    template_name = "home/dashboard/weakest_units.html"
    order = 45

    def is_shown(self) -> bool:
        return not permissions.request_scorecard_scope(self.request).is_empty

    def get_context_data(self, parent_context=None):
        scope = permissions.request_scorecard_scope(self.request)
        return {
            "rows": weakest_units(scope=scope),
            "scope_name": _scope_heading(scope),
        }


class AwaitingReviewPanel(_RolePanel):
    """Editors and administrators: pages and story submissions awaiting moderation."""

    name = "awaiting_review"
    template_name = "home/dashboard/awaiting_review.html"
    order = 50

    def is_shown(self) -> bool:
        return permissions.can_edit_content(self.request.user) and getattr(
            settings, "WAGTAIL_WORKFLOW_ENABLED", True
        )

    def get_context_data(self, parent_context=None):
        total, rows = pages_awaiting_review()
        return {"total": total, "rows": rows}


class DemoContentPanel(_RolePanel):
    """Editors: what the demo content needs before real use. These notes once stood on
    the learners' pages themselves."""

    name = "demo_content"
    template_name = "home/dashboard/demo_content.html"
    order = 60

    def is_shown(self) -> bool:
        return permissions.can_edit_content(self.request.user)

    def get_context_data(self, parent_context=None):
        codes = [row[0] for row in DEMO_QUESTIONS]
        pages = demo_pages_to_check()
        questions = Question.objects.filter(code__in=codes).count()
        if not (pages or questions):
            return None
        return {"pages": pages, "demo_questions": questions, "note": EDITOR_NOTE}
