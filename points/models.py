"""Points rules (an administrator's setting) and the ledger of points awarded.

Each ledger row stores the points it awarded, so changing a rule applies from the change
on and never rewrites past points (docs/metrics.md, "Quizzes, points and contests").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class Reason(models.TextChoices):
    LESSON_COMPLETED = "lesson", _("学完一课")
    QUIZ_PASSED = "quiz", _("测验合格")
    DAILY_PRACTICE = "practice", _("完成每日一练")


@register_setting(icon="pick")
class PointsRules(BaseGenericSetting):
    """How many points each learning step earns. One set for the whole platform (not per
    site): points are compared across every unit's ranking."""

    lesson_completed = models.PositiveIntegerField(
        _("学完一课"), default=10, help_text=_("每课只计一次。")
    )
    quiz_passed = models.PositiveIntegerField(
        _("测验合格"), default=20, help_text=_("每个测验只在第一次合格时计一次。")
    )
    daily_practice = models.PositiveIntegerField(
        _("完成每日一练"), default=5, help_text=_("每天只计一次。")
    )

    panels = [
        FieldPanel("lesson_completed"),
        FieldPanel("quiz_passed"),
        FieldPanel("daily_practice"),
    ]

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def points_for(self, reason: str) -> int:
        return {
            Reason.LESSON_COMPLETED: self.lesson_completed,
            Reason.QUIZ_PASSED: self.quiz_passed,
            Reason.DAILY_PRACTICE: self.daily_practice,
        }[reason]


class PointsEntry(models.Model):
    """Points awarded to one person for one thing: a lesson, a quiz or a day's practice.

    `key` names that thing (the lesson's or quiz's page id, the practice's date), so the
    same award can never be written twice.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="points_entries",
        verbose_name=_("学员"),
    )
    reason = models.CharField(_("事由"), max_length=16, choices=Reason.choices)
    key = models.CharField(_("对象"), max_length=64)
    points = models.PositiveIntegerField(_("积分"))
    awarded_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["-awarded_at"]
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reason", "key"], name="points_awarded_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.reason} {self.key} +{self.points}"
