"""The question bank: scenario questions kept as Wagtail snippets.

A question's options are its own rows (each with feedback), so editors add and reorder them
inline. Attempts copy what they asked (see attempts.py): editing or retiring a question never
changes a past attempt.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

OPTION_KEYS = "ABCDEF"

question_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
    _("编号只能包含字母、数字、下划线、点和连字符，且以字母或数字开头。"),
)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class QuestionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("停用")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("易")
    MEDIUM = 2, _("中")
    HARD = 3, _("难")


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "quizzes.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class Question(index.Indexed, ClusterableModel):
    """One scenario question (情景题) with its options, answer key and the rule it rests on."""

    code = models.CharField(
        _("编号"),
        max_length=64,
        unique=True,
        validators=[question_code_validator],
        help_text=_("稳定编号，导入时据此更新；例如 BXGD-001。"),
    )
    kind = models.CharField(
        _("题型"),
        max_length=16,
        choices=QuestionKind.choices,
        default=QuestionKind.SINGLE,
    )
    stem = RichTextField(_("题干"), features=["bold", "italic", "ol", "ul"])
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("配图"),
    )
    explanation = models.TextField(_("解析"), blank=True)
    rule_name = models.CharField(_("依据（制度名称）"), max_length=200, blank=True)
    rule_article = models.CharField(
        _("条款"),
        max_length=64,
        blank=True,
        help_text=_("未经核实的条款号请留空，只写制度名称。"),
    )
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    tags = ClusterTaggableManager(
        through=QuestionTag, blank=True, verbose_name=_("标签")
    )
    target_kinds = ParentalManyToManyField(
        "units.UnitKind",
        blank=True,
        related_name="+",
        verbose_name=_("适用单元类型"),
        help_text=_("留空表示适用于所有单元类型。"),
    )
    lesson = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("相关课程或故事"),
        help_text=_("答题回顾中显示“去学习”链接。"),
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=QuestionStatus.choices,
        default=QuestionStatus.DRAFT,
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    panels = [
        MultiFieldPanel(
            [FieldPanel("code"), FieldPanel("kind"), FieldPanel("status")],
            heading=_("基本信息"),
        ),
        FieldPanel("stem"),
        FieldPanel("image"),
        InlinePanel("options", label=_("选项"), min_num=2, max_num=len(OPTION_KEYS)),
        FieldPanel("explanation"),
        MultiFieldPanel(
            [FieldPanel("rule_name"), FieldPanel("rule_article")], heading=_("依据")
        ),
        MultiFieldPanel(
            [
                FieldPanel("difficulty"),
                FieldPanel("tags"),
                FieldPanel("target_kinds"),
                FieldPanel("lesson"),
            ],
            heading=_("分类与关联"),
        ),
    ]

    search_fields = [
        index.SearchField("code"),
        index.SearchField("stem"),
        index.SearchField("explanation"),
        index.AutocompleteField("code"),
        index.FilterField("status"),
        index.FilterField("kind"),
    ]

    class Meta:
        ordering = ["code"]
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        indexes = [models.Index(fields=["status", "difficulty"])]

    def __str__(self) -> str:
        return self.code

    @property
    def stem_text(self) -> str:
        return strip_tags(self.stem).strip()

    @property
    def rule_citation(self) -> str:
        return (
            f"{self.rule_name}{self.rule_article}"
            if self.rule_article
            else self.rule_name
        )


class Option(Orderable):
    """One answer option. Its letter (A–F) is its position in the editor's order."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("选项内容"), max_length=500)
    is_correct = models.BooleanField(_("正确答案"), default=False)
    feedback = models.TextField(
        _("选项反馈"), blank=True, help_text=_("学员选择此项后，在回顾中看到的说明。")
    )
    # "以上都对" only makes sense after the options it refers to, so shuffling leaves it
    # (and any other pinned option) at the end.
    pin_last = models.BooleanField(
        _("固定在最后"),
        default=False,
        help_text=_("打乱选项顺序时此项仍排在最后，如“以上都对”。"),
    )

    panels = [
        FieldPanel("text"),
        FieldPanel("is_correct"),
        FieldPanel("pin_last"),
        FieldPanel("feedback"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("选项")
        verbose_name_plural = _("选项")

    def __str__(self) -> str:
        return self.text
