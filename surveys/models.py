"""Surveys, campaigns per unit, responses and answers.

Responses and answers are rows (never JSON blobs) so that every scorecard figure is one
aggregate query: see selectors.py and ../docs/surveys.md. Definitions: docs/metrics.md.
"""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable

from units.models import Unit, code_validator

FRACTION = [MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.99"))]


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    SATISFACTION = "satisfaction", _("满意度")
    RECOGNITION = "recognition", _("认知（有正确答案）")
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")


CHOICE_KINDS = {
    QuestionKind.SINGLE,
    QuestionKind.MULTIPLE,
    QuestionKind.SATISFACTION,
    QuestionKind.RECOGNITION,
}

# Built-in satisfaction scale: code → (label, value). Value 0 (不了解) is excluded from
# the base; 5..1 score 100/75/50/25/0 in the index (docs/metrics.md).
SATISFACTION_SCALE = [
    ("5", _("非常满意"), 5),
    ("4", _("满意"), 4),
    ("3", _("一般"), 3),
    ("2", _("不满意"), 2),
    ("1", _("非常不满意"), 1),
    ("0", _("不了解"), 0),
]


class Survey(ClusterableModel):
    """A questionnaire: sections of questions with stable codes. Reused by campaigns."""

    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    # A new random value whenever the survey, a section, question or option changes: the
    # respondent's pages keep the questions in memory under it (surveys.questionnaire).
    revision = models.CharField(max_length=16, default="", editable=False)

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        InlinePanel("sections", label=_("部分")),
    ]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")

    def __str__(self) -> str:
        return self.title


class Section(Orderable):
    """A titled group of questions, shown as one block on the respondent's page."""

    survey = ParentalKey(Survey, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("标题"), max_length=200)

    panels = [FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("部分")
        verbose_name_plural = _("部分")

    def __str__(self) -> str:
        return self.title


class Question(ClusterableModel):
    """One question. `code` is the stable key used in imports, exports and the API."""

    survey = models.ForeignKey(
        Survey,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("问卷"),
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("部分"),
    )
    code = models.CharField(_("编码"), max_length=64, validators=[code_validator])
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    text = models.TextField(_("题干"))
    required = models.BooleanField(_("必答"), default=True)
    sort_order = models.PositiveIntegerField(_("顺序"), default=0)

    panels = [
        FieldPanel("survey"),
        FieldPanel("section"),
        FieldPanel("code"),
        FieldPanel("kind"),
        FieldPanel("text"),
        FieldPanel("required"),
        FieldPanel("sort_order"),
        InlinePanel(
            "options",
            label=_("选项"),
            help_text=_("满意度题自动使用内置的六级选项，无需填写。"),
        ),
    ]

    class Meta:
        ordering = ["survey", "sort_order", "id"]
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "code"], name="survey_question_code"
            )
        ]
        indexes = [models.Index(fields=["survey", "kind"])]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"

    @property
    def has_options(self) -> bool:
        return self.kind in CHOICE_KINDS


class Option(Orderable):
    """A choice. `value` carries the satisfaction level (5..0); `is_correct` marks the
    correct set of a recognition item."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(_("编码"), max_length=16)
    label = models.CharField(_("选项文字"), max_length=300)
    is_correct = models.BooleanField(_("正确答案"), default=False)
    value = models.SmallIntegerField(_("分值"), null=True, blank=True)
    # "以上都对" refers to the options above it: a shuffled order keeps it last.
    pin_last = models.BooleanField(
        _("固定在最后"),
        default=False,
        help_text=_("打乱选项顺序时此项仍排在最后，如“以上都对”。"),
    )

    panels = [
        FieldPanel("code"),
        FieldPanel("label"),
        FieldPanel("is_correct"),
        FieldPanel("pin_last"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "code"], name="question_option_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}:{self.label}"


class CampaignMode(models.TextChoices):
    ANONYMOUS = "anonymous", _("匿名（每个单元一个链接）")
    IDENTIFIED = "identified", _("实名（登录作答，每人一份）")
    CODES = "codes", _("邀请码（每码一次）")


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(models.Model):
    """One survey run over a unit subtree, with targets. Headcounts are snapshotted in
    CampaignUnit when it opens; closing it stores the scorecard as it stood."""

    survey = models.ForeignKey(
        Survey,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("问卷"),
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    root_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("范围（根单元）"),
    )
    mode = models.CharField(
        _("方式"),
        max_length=16,
        choices=CampaignMode.choices,
        default=CampaignMode.ANONYMOUS,
    )
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=CampaignState.choices,
        default=CampaignState.DRAFT,
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    participation_target = models.DecimalField(
        _("参与率目标"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.85"),
        validators=FRACTION,
    )
    recognition_target = models.DecimalField(
        _("认知度目标"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.85"),
        validators=FRACTION,
    )
    satisfaction_target = models.DecimalField(
        _("满意度目标"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.85"),
        validators=FRACTION,
    )
    recognition_threshold = models.DecimalField(
        _("认知达标线"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.8"),
        validators=FRACTION,
        help_text=_("答对认知题的比例达到此值即视为“知晓”。"),
    )
    # Position bias: a respondent unsure of a recognition item leans to one position,
    # so each respondent sees its options in their own order unless switched off.
    shuffle_options = models.BooleanField(
        _("打乱认知题选项顺序"),
        default=True,
        help_text=_("每位作答者看到的认知题选项顺序不同；判断题保持“对”在前。"),
    )
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    frozen_scorecard = models.JSONField(
        _("结束时的记分卡"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("测评活动")
        verbose_name_plural = _("测评活动")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == CampaignState.OPEN


class CampaignUnit(models.Model):
    """A unit of the campaign's subtree with its headcount as it was when the campaign
    opened, and the secret token of its anonymous link."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="campaign_units"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="campaign_units"
    )
    headcount = models.PositiveIntegerField(_("人数（开始时）"))
    token = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = _("活动单元")
        verbose_name_plural = _("活动单元")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"], name="campaign_unit_once"
            )
        ]


class NetworkTally(models.Model):
    """How many accepted link answers reached one unit through one network (a keyed hash
    of the address, different per campaign), for the `one_network` flag (docs/metrics.md).

    Counted in the same transaction as the answer, with no time and no id of that answer,
    so nothing ties a tally to a response. Closing the campaign keeps only each unit's
    largest count — all the flag needs — and forgets the hashes.
    """

    campaign_unit = models.ForeignKey(
        CampaignUnit, on_delete=models.CASCADE, related_name="network_tallies"
    )
    address_hash = models.CharField(max_length=32)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("网络计数")
        verbose_name_plural = _("网络计数")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_unit", "address_hash"], name="network_tally_once"
            )
        ]


class InvitationCode(models.Model):
    """A one-time code for one unit. Only its hash is kept, and once spent only the fact
    that it is spent: no link to the response it produced (docs/metrics.md, privacy)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="codes"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    spent = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("邀请码")
        verbose_name_plural = _("邀请码")
        indexes = [models.Index(fields=["campaign", "unit", "spent"])]

    @staticmethod
    def hash_code(code: str) -> str:
        normalised = code.strip().upper().replace("-", "").replace(" ", "")
        return hashlib.sha256(f"survey-code:{normalised}".encode()).hexdigest()


class ResponseSource(models.TextChoices):
    WEB = "web", _("在线")
    PAPER = "paper", _("纸质录入")


class Response(models.Model):
    """One respondent's questionnaire. `user` is set only in identified campaigns;
    `completed_at` is empty while a draft is being saved and resumed."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="responses"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    source = models.CharField(
        max_length=8, choices=ResponseSource.choices, default=ResponseSource.WEB
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Derived from the answer rows by services.responses_score (in SQL) whenever answers
    # or the survey's correct answers change, so that a scorecard reads one row per
    # respondent instead of every answer. Bit i stands for the i-th recognition item
    # (selectors.mask_items: the survey's current order, or the order at closing).
    recognition_correct = models.PositiveSmallIntegerField(
        default=0, db_default=0, editable=False
    )
    recognition_correct_mask = models.BigIntegerField(
        default=0, db_default=0, editable=False
    )
    recognition_answered_mask = models.BigIntegerField(
        default=0, db_default=0, editable=False
    )
    satisfaction_answers = models.PositiveSmallIntegerField(
        default=0, db_default=0, editable=False
    )
    satisfaction_positive = models.PositiveSmallIntegerField(
        default=0, db_default=0, editable=False
    )
    satisfaction_points = models.PositiveIntegerField(
        default=0, db_default=0, editable=False
    )

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user"],
                condition=models.Q(user__isnull=False),
                name="one_response_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "completed_at", "unit"]),
            # Covering indexes of the scorecard's two reads over every response
            # (selectors.unit_totals, selectors.item_counts), so neither visits the
            # table: 50,000 respondents are read in index order, grouped as they come.
            # The first also serves the burst window (campaign, unit, completed_at).
            models.Index(
                fields=[
                    "campaign",
                    "unit",
                    "completed_at",
                    "recognition_correct",
                    "satisfaction_answers",
                    "satisfaction_positive",
                    "satisfaction_points",
                ],
                name="response_unit_scores",
            ),
            models.Index(
                fields=[
                    "campaign",
                    "recognition_answered_mask",
                    "recognition_correct_mask",
                    "completed_at",
                ],
                name="response_item_masks",
            ),
        ]


class Answer(models.Model):
    """One chosen option (a multiple-choice answer is several rows), or a text/number.
    `campaign` is copied from the response so aggregate queries read one index."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers"
    )
    option = models.ForeignKey(
        Option, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    text = models.TextField(blank=True)
    number = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        indexes = [
            models.Index(
                fields=["campaign", "question", "response", "option"],
                name="answer_aggregate",
            ),
            models.Index(fields=["response", "question"]),
        ]


class ApiToken(models.Model):
    """A personal token for the read-only API. Only its hash is stored; the token is
    shown once when issued. It carries its owner's permissions, nothing more."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="survey_api_tokens",
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.strip().encode()).hexdigest()
