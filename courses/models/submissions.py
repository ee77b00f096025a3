"""Stories that learners submit to the 廉洁家风故事征集."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StorySubmission(models.Model):
    """Links a submitter to the draft story page their submission created.

    The page goes through Wagtail's moderation workflow; its status is read from the
    workflow state, not copied here. `token` is the form's one-time key, so a double-submitted
    form creates one story.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="story_submissions",
        verbose_name=_("投稿人"),
    )
    page = models.OneToOneField(
        "courses.StoryPage",
        on_delete=models.CASCADE,
        related_name="submission",
        verbose_name=_("故事"),
    )
    token = models.UUIDField(_("提交标识"), unique=True)
    created_at = models.DateTimeField(_("投稿时间"), default=timezone.now)

    class Meta:
        verbose_name = _("故事投稿")
        verbose_name_plural = _("故事投稿")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.page_id}"
