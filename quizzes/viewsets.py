"""The question bank in the Wagtail admin (snippets), with import and template buttons."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.widgets.button import Button
from wagtail.snippets.views.snippets import (
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from units.permissions import can_edit_content

from .models import Question, QuestionKind


class QuestionForm(WagtailAdminModelForm):
    """Checks the answer key against the question type before saving.

    Done in is_valid, not clean: the options formset is validated after the form's clean.
    """

    def is_valid(self):
        valid = super().is_valid()
        if not valid:
            return False
        options = [
            f.cleaned_data
            for f in self.formsets["options"].forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        correct = sum(1 for o in options if o.get("is_correct"))
        kind = self.cleaned_data.get("kind")
        error = None
        if kind == QuestionKind.TRUE_FALSE and len(options) != 2:
            error = _gettext("判断题必须正好有两个选项（对、错）。")
        elif kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and correct != 1:
            error = _gettext("单选题和判断题必须正好有一个正确答案。")
        elif kind == QuestionKind.MULTIPLE and correct < 2:
            error = _gettext("多选题至少要有两个正确答案。")
        if error:
            self.add_error(None, error)
            return False
        return True


class QuestionFilterSet(WagtailFilterSet):
    tag = django_filters.CharFilter(label=_("标签"), field_name="tags__name")

    class Meta:
        model = Question
        fields = ["status", "kind", "difficulty"]


class QuestionIndexView(IndexView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if can_edit_content(self.request.user):
            buttons += [
                Button(
                    _("导入题目"),
                    url=reverse("quizzes_admin:import"),
                    icon_name="upload",
                ),
                Button(
                    _("下载导入模板"),
                    url=reverse("quizzes_admin:template"),
                    icon_name="download",
                ),
                Button(
                    _("导出 xlsx"),
                    url=reverse("quizzes_admin:export"),
                    icon_name="download",
                ),
            ]
        return buttons


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("题库")
    menu_order = 100
    index_view_class = QuestionIndexView
    filterset_class = QuestionFilterSet
    list_per_page = 50
    copy_view_enabled = True
    # The model keeps its panels; the viewset adds the answer-key checks on save.
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionForm)
    list_display = [
        TitleColumn("code", label=_("编号")),
        Column("stem_text", label=_("题干"), accessor=lambda q: q.stem_text[:40]),
        Column("kind", label=_("题型"), accessor="get_kind_display"),
        Column("difficulty", label=_("难度"), accessor="get_difficulty_display"),
        Column("status", label=_("状态"), accessor="get_status_display"),
    ]


class QuizzesViewSetGroup(SnippetViewSetGroup):
    items = (QuestionViewSet,)
    menu_icon = "help"
    menu_label = _("练习")
    menu_name = "quizzes"
    menu_order = 300
