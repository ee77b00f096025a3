"""Attempts, and a snapshot of what each one asked.

An item copies the stem, options (in the order shown), correct set, feedback and
explanation when the attempt starts, so the review shows exactly what the learner saw even
after the question is edited; `question` is kept (nullable) only to group statistics.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("作答中")
    SUBMITTED = "submitted", _("已提交")
    EXPIRED = "expired", _("已超时")


class Attempt(models.Model):
    """One person's go at a quiz. Only submitted attempts are scored and counted; a
    person has at most one open attempt per quiz."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quiz = models.ForeignKey(
        "quizzes.QuizPage",
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("测验"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        verbose_name=_("学员"),
    )
    # The person's unit when they started: reports attribute the attempt here even if
    # the person later moves.
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单元"),
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=AttemptState.choices,
        default=AttemptState.IN_PROGRESS,
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(_("题数"), default=0)
    correct_count = models.PositiveSmallIntegerField(_("答对题数"), default=0)
    score = models.FloatField(_("得分"), null=True, blank=True)
    passed = models.BooleanField(_("及格"), default=False)
    # The person's first submitted attempt of this quiz: item statistics and mean scores
    # use these, so practising many times does not weigh a person more.
    is_first = models.BooleanField(_("首次提交"), default=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("作答记录")
        verbose_name_plural = _("作答记录")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user", "number"], name="attempt_number_once"
            ),
            # Parallel "start" presses (two tabs, a double tap) must resume one attempt,
            # not open a second: the database refuses the second open row.
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=models.Q(state=AttemptState.IN_PROGRESS),
                name="attempt_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["quiz", "state", "is_first"]),
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id} #{self.number} {self.user_id}"

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS


# Radio and checkbox values are this keyed hash, never the bank's letter: reading the
# page source must not tell which option is which across attempts or people (the bank's
# letters leak the key where most answers sit on one letter). The same attempt always
# gets the same values, so a reloaded or resumed page still matches.
TOKEN_SALT = "quizzes.attempt-option"  # noqa: S105 (a namespace, not a secret)
TOKEN_LENGTH = 16


def option_token(*, attempt_id, position: int, key: str) -> str:
    """The opaque form value of bank option `key` at item `position` of an attempt."""
    return salted_hmac(TOKEN_SALT, f"{attempt_id}:{position}:{key}").hexdigest()[
        :TOKEN_LENGTH
    ]


class AttemptItem(models.Model):
    """One question as it was asked in one attempt, and how it was answered."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        "quizzes.Question",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attempt_items",
    )
    question_code = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
    stem = models.TextField()
    image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # [{"key": "A", "text": ..., "feedback": ...}] in the order shown; `key` is the
    # option's letter in the bank, so distributions group across shuffled orders.
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

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="item_position_once"
            )
        ]

    def token_for(self, key: str) -> str:
        return option_token(attempt_id=self.attempt_id, position=self.position, key=key)

    def keys_by_token(self) -> dict[str, str]:
        return {self.token_for(o["key"]): o["key"] for o in self.options}


class AttemptChoice(models.Model):
    """One option chosen in one item: a row each, so option distributions are a GROUP BY."""

    item = models.ForeignKey(
        AttemptItem, on_delete=models.CASCADE, related_name="choices"
    )
    key = models.CharField(max_length=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="choice_once")
        ]
