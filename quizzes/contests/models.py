"""Live contests: what the server owns while a hall plays, and what it keeps afterwards.

The phase, the question index and every timestamp live in the contest row, so any server
process can answer for it and a Redis restart loses nothing; Redis only fans messages out.
Answers are one row each under a unique constraint, so a second answer fails in the
database instead of in a read-modify-write of a shared list.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    LOBBY = "lobby", _("候场")
    READING = "reading", _("读题")
    ANSWERING = "answering", _("答题")
    REVEAL = "reveal", _("揭晓答案")
    LEADERBOARD = "leaderboard", _("排行榜")
    PODIUM = "podium", _("颁奖")


# The phases of a contest still being played: its PIN is taken while it is in one.
LIVE_PHASES = [p for p in Phase.values if p != Phase.PODIUM]


class Contest(models.Model):
    """One contest a host runs, from the lobby to the podium."""

    title = models.CharField(_("名称"), max_length=200)
    source_quiz = models.ForeignKey(
        "quizzes.QuizPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源测验"),
    )
    source_tag = models.CharField(_("来源标签"), max_length=100, blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="hosted_contests",
        verbose_name=_("主持人"),
    )
    pin = models.CharField(_("房间码"), max_length=6)
    phase = models.CharField(
        _("阶段"), max_length=16, choices=Phase.choices, default=Phase.LOBBY
    )
    # 0-based position of the question being played; meaningless in the lobby.
    current_index = models.PositiveSmallIntegerField(_("当前题序"), default=0)
    answer_seconds = models.PositiveSmallIntegerField(
        _("答题时间（秒）"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
    )
    reading_seconds = models.PositiveSmallIntegerField(
        _("读题时间（秒）"),
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    streak_bonus = models.BooleanField(_("连对加分"), default=True)
    # Joining stays open through this question (1-based); 0 means the lobby only.
    late_join_until = models.PositiveSmallIntegerField(
        _("允许迟到加入至第几题"),
        default=0,
        help_text=_("0 表示开赛后不能再加入。"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开赛时间"), null=True, blank=True)
    phase_started_at = models.DateTimeField(_("本阶段开始"), default=timezone.now)
    # When the running phase ends on its own (reading, answering); null when only the
    # host moves it on. A pause keeps it, and resuming moves it by the pause.
    phase_ends_at = models.DateTimeField(_("本阶段结束"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("知识竞赛")
        verbose_name_plural = _("知识竞赛")
        constraints = [
            models.UniqueConstraint(
                fields=["pin"],
                condition=Q(phase__in=LIVE_PHASES),
                name="contest_pin_unique_while_live",
            ),
            models.CheckConstraint(
                condition=~(Q(source_quiz__isnull=False) & ~Q(source_tag="")),
                name="contest_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.pin})"

    @property
    def answer_time(self) -> timedelta:
        return timedelta(seconds=self.answer_seconds)

    @property
    def is_live(self) -> bool:
        return self.phase != Phase.PODIUM


class ContestQuestion(models.Model):
    """A bank question as it was when the contest was made: editing the bank later never
    changes what was asked or how it was scored."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        "quizzes.Question",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    question_code = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
    stem = models.TextField()
    # [{"key": "A", "text": ..., "pin": bool}] in the editor's order; each player sees
    # them in their own order (services.options_for_player).
    options = models.JSONField(default=list)
    correct_keys = models.CharField(max_length=8)
    explanation = models.TextField(blank=True)
    rule = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["contest", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "position"], name="contest_question_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contest_id}#{self.position + 1} {self.question_code}"


class Player(models.Model):
    """Someone in the hall: a logged-in person, or a typed name with a chosen unit."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="players"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    display_name = models.CharField(_("昵称"), max_length=32)
    # A logged-in person's unit on the day, or the one a guest chose.
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单元"),
    )
    joined_at = models.DateTimeField(default=timezone.now)
    # Measured by the server at join (and on reconnect); half of it is taken off each
    # answer's time so a slow network does not cost points.
    rtt = models.DurationField(default=timedelta(0))
    removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["contest", "joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "user"],
                condition=Q(user__isnull=False),
                name="contest_player_once_per_user",
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class ContestAnswer(models.Model):
    """One player's answer to one question, with the server's receipt time and what it
    scored. The unique constraint is what rejects a second answer."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        ContestQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="answers")
    received_at = models.DateTimeField()
    choice = models.CharField(max_length=8)
    correct = models.BooleanField()
    # The corrected time t of docs/metrics.md.
    answer_time = models.DurationField()
    points = models.PositiveIntegerField()
    # The part of `points` that is streak bonus, kept for the results.
    bonus = models.PositiveIntegerField(default=0)
    # Consecutive correct answers ending with this one (0 when wrong).
    streak = models.PositiveSmallIntegerField(default=0)
    flagged_fast = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "question", "player"], name="contest_answer_once"
            )
        ]
        indexes = [models.Index(fields=["contest", "player"])]

    def __str__(self) -> str:
        return f"{self.player_id}@{self.question_id}: {self.choice}"
