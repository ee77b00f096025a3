"""Registration only: the question bank, report, import and contest pages, and page
sections."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from units.permissions import can_see_answer_keys, request_scorecard_scope

from . import admin_urls, position_report, sections
from .contests.services import can_host
from .models import Question
from .policies import QuestionPermissionPolicy
from .viewsets import QuizzesViewSetGroup

register_permission_policy(Question, QuestionPermissionPolicy(Question))


@hooks.register("register_admin_viewset")
def register_quizzes_viewsets():
    return QuizzesViewSetGroup()


@hooks.register("register_admin_urls")
def register_quizzes_admin_urls():
    return [path("quizzes/", include(admin_urls, namespace="quizzes_admin"))]


@hooks.register("register_admin_urls")
def register_answer_position_report():
    return [
        path(
            "quizzes/answer-positions/",
            position_report.answer_positions,
            name="quizzes_answer_positions",
        )
    ]


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return not request_scorecard_scope(request).is_empty


@hooks.register("register_reports_menu_item")
def register_quiz_reports_menu_item():
    return ReportsMenuItem(
        _("测验统计"), reverse("quizzes_admin:reports"), icon_name="table", order=300
    )


hooks.register("home_sections", sections.home_section)
hooks.register("me_sections", sections.me_section)


class AnswerPositionsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_answer_keys(request.user)


@hooks.register("register_reports_menu_item")
def register_answer_positions_menu_item():
    return AnswerPositionsMenuItem(
        _("答案位置分布"),
        reverse("quizzes_answer_positions"),
        icon_name="table",
        order=310,
    )


class ContestsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_host(request.user)


@hooks.register("register_admin_menu_item")
def register_contests_menu_item():
    return ContestsMenuItem(
        _("知识竞赛"),
        reverse("quizzes_admin:contests"),
        icon_name="desktop",
        order=260,
    )
