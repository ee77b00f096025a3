"""Registration only: admin menus, URLs and permission policies for surveys."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from home.selectors import Section
from units import permissions as unit_permissions

from . import admin_urls
from .models import Campaign, Question, Survey
from .permissions import CampaignManagerPolicy
from .selectors import open_campaign_rows
from .views.respond import answer_url
from .viewsets import SurveysViewSetGroup

for _model in (Survey, Question, Campaign):
    register_permission_policy(_model, CampaignManagerPolicy(_model))


class ScorecardMenuItem(MenuItem):
    def is_shown(self, request):
        return not unit_permissions.request_scorecard_scope(request).is_empty


@hooks.register("register_admin_viewset")
def register_surveys_viewsets():
    return SurveysViewSetGroup()


@hooks.register("register_admin_urls")
def register_surveys_admin_urls():
    return [path("surveys/", include(admin_urls, namespace="surveys_admin"))]


@hooks.register("register_admin_menu_item")
def register_scorecard_menu_item():
    return ScorecardMenuItem(
        _("测评记分卡"),
        reverse("surveys_admin:scorecards"),
        icon_name="table",
        order=265,
    )


@hooks.register("register_admin_menu_item")
def register_api_tokens_menu_item():
    return ScorecardMenuItem(
        _("API 令牌"), reverse("surveys_admin:api_tokens"), icon_name="key", order=266
    )


@hooks.register("me_sections")
def surveys_on_me(request):
    rows = open_campaign_rows(user=request.user)
    for row in rows:
        row["url"] = answer_url(row["campaign"])
    return Section(order=30, template="surveys/me_section.html", context={"rows": rows})
