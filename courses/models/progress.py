"""One learner's progress through one micro-lesson."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LessonProgress(models.Model):
    """Opened, how far the media played, and when (if ever) the lesson was completed.

    `started_at` is the server's clock when the learner first opened the lesson: the minimum
    reading time is measured from it, never from anything the browser says.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("学员"),
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name=_("微课堂"),
    )
    started_at = models.DateTimeField(_("开始学习"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("最近学习"), default=timezone.now)
    media_position = models.FloatField(_("播放位置（秒）"), default=0)
    media_played_seconds = models.FloatField(_("已播放（秒）"), default=0)
    media_reported_at = models.DateTimeField(_("最近播放报告"), null=True, blank=True)
    completed_at = models.DateTimeField(_("学完时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson"], name="courses_progress_once"
            )
        ]
        indexes = [
            models.Index(fields=["completed_at", "user"]),
            models.Index(fields=["user", "-last_seen_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None
