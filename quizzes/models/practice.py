"""每日一练: one short practice per learner per day, drawn from the question bank.

Items copy what they asked (stem, options in the order shown, key, feedback), like quiz
attempts do, so feedback shows what the learner saw even after the question is edited.
The learner's answers here are also what the next days' draws read: which questions they
have seen, and which they got wrong and when.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Practice(models.Model):
    """One learner's practice of one day (Asia/Shanghai)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="practices",
        verbose_name=_("学员"),
    )
    # The person's unit on the day, kept for the record as attempts do.
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单元"),
    )
    day = models.DateField(_("日期"))
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(_("题数"), default=0)
    correct_count = models.PositiveSmallIntegerField(_("答对题数"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("每日一练")
        verbose_name_plural = _("每日一练")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="practice_once_a_day")
        ]
        indexes = [models.Index(fields=["completed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class PracticeItem(models.Model):
    """One question as it was asked in one day's practice, and how it was answered."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        "quizzes.Question",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practice_items",
    )
    kind = models.CharField(max_length=16)
    stem = models.TextField()
    # [{"key": "A", "text": ..., "feedback": ...}] in the order shown (see AttemptItem).
    options = models.JSONField(default=list)
    correct_keys = models.CharField(max_length=8)
    explanation = models.TextField(blank=True)
    rule = models.CharField(max_length=300, blank=True)
    lesson = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    chosen_keys = models.CharField(max_length=8, blank=True)
    is_correct = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["practice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "position"], name="practice_item_position_once"
            )
        ]
        indexes = [models.Index(fields=["question", "answered_at"])]
