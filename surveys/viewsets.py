"""Wagtail admin listings and forms for surveys, questions and campaigns."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button

from .forms import CampaignAdminForm, QuestionAdminForm
from .models import Campaign, Question, Survey
from .services import question_delete_check


class SurveyIndexView(generic.IndexView):
    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(
                _("从表格导入"),
                url=reverse("surveys_admin:survey_import"),
                icon_name="upload",
            ),
        ]


class SurveyViewSet(ModelViewSet):
    model = Survey
    index_view_class = SurveyIndexView
    icon = "form"
    menu_label = _("问卷")
    url_prefix = "surveys/survey"
    menu_order = 10
    search_fields = ["title"]
    copy_view_enabled = False
    list_display = [
        TitleColumn("title", label=_("标题"), url_name="surveys_survey:edit"),
        Column("created_at", label=_("创建时间")),
        Column(
            "export",
            label=_("导出结构"),
            accessor=lambda s: format_html(
                '<a href="{}?format=xlsx">xlsx</a> · <a href="{}?format=csv">csv</a>',
                reverse("surveys_admin:survey_export", args=[s.pk]),
                reverse("surveys_admin:survey_export", args=[s.pk]),
            ),
        ),
    ]


class QuestionDeleteView(generic.DeleteView):
    """Refuses, with the reason, to delete a question whose survey has collected data,
    both on the confirmation page and on the POST that would delete it."""

    def get(self, request, *args, **kwargs):
        return self.refusal() or super().get(request, *args, **kwargs)

    def form_valid(self, form):
        return self.refusal() or super().form_valid(form)

    def refusal(self):
        try:
            question_delete_check(question=self.object)
        except ValidationError as exc:
            messages.error(self.request, exc.messages[0])
            return redirect(self.edit_url_name, self.object.pk)
        return None


class QuestionViewSet(ModelViewSet):
    model = Question
    delete_view_class = QuestionDeleteView
    icon = "help"
    menu_label = _("题目")
    url_prefix = "surveys/question"
    menu_order = 20
    search_fields = ["code", "text"]
    list_filter = ["survey", "kind"]
    list_per_page = 50
    copy_view_enabled = False
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionAdminForm)
    list_display = [
        TitleColumn("code", label=_("编码"), url_name="surveys_question:edit"),
        Column("text", label=_("题干")),
        Column("kind", label=_("题型"), accessor="get_kind_display"),
        Column("survey", label=_("问卷")),
        Column("required", label=_("必答")),
    ]

    def get_queryset(self, request):
        return Question.objects.select_related("survey")


class CampaignIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("survey", "root_unit")

    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(
                _("记分卡"), url=reverse("surveys_admin:scorecards"), icon_name="table"
            ),
        ]


class CampaignViewSet(ModelViewSet):
    model = Campaign
    icon = "tasks"
    menu_label = _("测评活动")
    url_prefix = "surveys/campaign"
    menu_order = 30
    index_view_class = CampaignIndexView
    search_fields = ["title"]
    list_filter = ["state", "mode"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("description"),
            FieldPanel("survey"),
            FieldPanel("root_unit"),
            FieldPanel("mode"),
            FieldRowPanel(
                [FieldPanel("starts_on"), FieldPanel("ends_on")], heading=_("日期")
            ),
            MultiFieldPanel(
                [
                    FieldPanel("participation_target"),
                    FieldPanel("recognition_target"),
                    FieldPanel("satisfaction_target"),
                    FieldPanel("recognition_threshold"),
                ],
                heading=_("目标"),
            ),
            FieldPanel("shuffle_options"),
        ],
        base_form_class=CampaignAdminForm,
    )
    list_display = [
        TitleColumn(
            "title",
            label=_("标题"),
            get_url=lambda c: reverse("surveys_admin:dashboard", args=[c.pk]),
        ),
        Column("state", label=_("状态"), accessor="get_state_display"),
        Column("mode", label=_("方式"), accessor="get_mode_display"),
        Column("root_unit", label=_("范围")),
        Column("survey", label=_("问卷")),
    ]

    def get_edit_url(self, instance):
        return reverse("surveys_admin:dashboard", args=[instance.pk])


class SurveysViewSetGroup(ModelViewSetGroup):
    menu_label = _("调查测评")
    menu_icon = "tasks"
    menu_order = 260
    items = (
        SurveyViewSet("surveys_survey"),
        QuestionViewSet("surveys_question"),
        CampaignViewSet("surveys_campaign"),
    )
