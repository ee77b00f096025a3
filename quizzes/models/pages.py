"""Quiz pages: the /practice/ index and one page per quiz.

A quiz either lists its questions (fixed) or draws them at random by tag, difficulty and
count when an attempt starts. Taking, submitting and reviewing an attempt are sub-routes
of the quiz page (RoutablePageMixin) so every URL lives under the quiz it belongs to.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .questions import Difficulty


class SelectionMode(models.TextChoices):
    FIXED = "fixed", _("固定题目")
    RANDOM = "random", _("随机抽题")


class QuizIndexPage(Page):
    """练一练: lists the live quizzes below it."""

    intro = RichTextField(_("简介"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["quizzes.QuizPage"]
    max_count = 1

    class Meta:
        verbose_name = _("练习首页")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import quiz_list_for

        context = super().get_context(request, *args, **kwargs)
        context["quizzes"] = quiz_list_for(user=request.user, index=self)
        return context


class QuizPage(RoutablePageMixin, Page):
    """One quiz: its questions (fixed or drawn), time limit, attempt limit and pass mark."""

    intro = RichTextField(
        _("说明"), blank=True, features=["bold", "italic", "link", "ul"]
    )
    mode = models.CharField(
        _("出题方式"),
        max_length=16,
        choices=SelectionMode.choices,
        default=SelectionMode.FIXED,
    )
    draw_tag = models.CharField(
        _("抽题标签"),
        max_length=100,
        blank=True,
        help_text=_("随机抽题时只从带此标签的启用题目中抽取；留空为全部启用题目。"),
    )
    draw_difficulty = models.PositiveSmallIntegerField(
        _("抽题难度"),
        choices=Difficulty.choices,
        null=True,
        blank=True,
        help_text=_("留空为不限难度。"),
    )
    draw_count = models.PositiveSmallIntegerField(
        _("抽题数量"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    shuffle_options = models.BooleanField(_("打乱选项顺序"), default=True)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("限时（分钟）"), null=True, blank=True, help_text=_("留空为不限时。")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("可作答次数"), null=True, blank=True, help_text=_("留空为不限次数。")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("及格分（百分制）"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    target_pass_rate = models.PositiveSmallIntegerField(
        _("单元及格率目标（%）"),
        default=85,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("统计报表中各单元及格率与此目标比较。"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("mode"),
                FieldPanel("draw_tag"),
                FieldPanel("draw_difficulty"),
                FieldPanel("draw_count"),
            ],
            heading=_("出题"),
        ),
        InlinePanel("quiz_questions", label=_("固定题目（按顺序）")),
        MultiFieldPanel(
            [
                FieldPanel("shuffle_options"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("max_attempts"),
                FieldPanel("pass_mark"),
                FieldPanel("target_pass_rate"),
            ],
            heading=_("规则"),
        ),
    ]

    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["quizzes.QuizIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("测验")

    # Routes stay thin: each hands over to a view in quizzes.views.
    @path("", name="overview")
    def overview(self, request):
        from .. import views

        return views.quiz_overview(request, quiz=self)

    @path("start/", name="start")
    def start(self, request):
        from .. import views

        return views.attempt_begin(request, quiz=self)

    @path("attempts/<uuid:attempt_id>/", name="take")
    def take(self, request, attempt_id):
        from .. import views

        return views.attempt_take(request, quiz=self, attempt_id=attempt_id)

    @path("attempts/<uuid:attempt_id>/review/", name="review")
    def review(self, request, attempt_id):
        from .. import views

        return views.attempt_review(request, quiz=self, attempt_id=attempt_id)

    @path("attempts/<uuid:attempt_id>/certificate/page/", name="certificate")
    def certificate(self, request, attempt_id):
        from .. import views_certificates

        return views_certificates.certificate_page(
            request, quiz=self, attempt_id=attempt_id
        )

    # The PNG keeps the address certificates had before they became a page.
    @path("attempts/<uuid:attempt_id>/certificate/", name="certificate_png")
    def certificate_png(self, request, attempt_id):
        from .. import views_certificates

        return views_certificates.certificate_picture(
            request, quiz=self, attempt_id=attempt_id
        )


class QuizQuestion(Orderable):
    """A question chosen for a fixed quiz, in the editor's order."""

    page = ParentalKey(
        QuizPage, on_delete=models.CASCADE, related_name="quiz_questions"
    )
    question = models.ForeignKey(
        "quizzes.Question",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("题目"),
    )

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        verbose_name = _("测验题目")
        verbose_name_plural = _("测验题目")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "question"], name="quiz_question_once"
            )
        ]
