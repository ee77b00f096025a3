"""Writes for learning: opening and completing lessons, media play reports, and story
submissions into the moderation workflow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from wagtail.images import get_image_model
from wagtail.models import Collection

from units.models import User

from .models import (
    LessonPage,
    LessonProgress,
    StoryIndexPage,
    StoryPage,
    StorySubmission,
)
from .sanitising import CheckedImage, sanitise_story_html, story_image_file

# Players allow up to 2× speed, so play is credited at most twice as fast as the server's
# clock runs; a step a little beyond that (network delay) is still play, not a seek.
MAX_PLAYBACK_RATE = 2.0
BEACON_SLACK_SECONDS = 3.0
MEDIA_COMPLETION_SHARE = 0.9
SUBMISSION_COLLECTION = "故事投稿"


def lesson_open(
    *, user: User, lesson: LessonPage, now: datetime | None = None
) -> LessonProgress:
    """Record that the learner opened the lesson; the first opening starts the clock."""
    now = now or timezone.now()
    progress, created = LessonProgress.objects.get_or_create(
        user=user, lesson=lesson, defaults={"started_at": now, "last_seen_at": now}
    )
    if not created:
        LessonProgress.objects.filter(pk=progress.pk).update(last_seen_at=now)
        progress.last_seen_at = now
    return progress


def lesson_media_duration(*, lesson: LessonPage) -> float:
    """Length in seconds of the longest audio or video in the lesson (0 if unknown)."""
    durations = [
        getattr(block.value.get(block.block_type), "duration", 0) or 0
        for block in lesson.body
        if block.block_type in {"audio", "video"}
    ]
    return max(durations, default=0)


def lesson_media_report(
    *, user: User, lesson: LessonPage, position: float, now: datetime | None = None
) -> LessonProgress:
    """Count media play reported by the player, but no faster than real time allows.

    A forward step that the wall clock since the last report could explain (at the
    fastest play speed, with some slack for reports delayed in the network) is play;
    a longer one is a seek and counts nothing. Play is credited at most at the fastest
    speed: per report for the time since the previous one, and in total for the time
    since the lesson was first opened. The slack only tells play from seeking; it is
    never credited, or many quick forged reports would add it up.
    """
    now = now or timezone.now()
    duration = lesson_media_duration(lesson=lesson)
    with transaction.atomic():
        progress = lesson_open(user=user, lesson=lesson, now=now)
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
        since = progress.media_reported_at or progress.started_at
        playable = max(0.0, (now - since).total_seconds()) * MAX_PLAYBACK_RATE
        position = max(0.0, min(position, duration)) if duration else 0.0
        advance = position - progress.media_position
        if 0 < advance <= playable + BEACON_SLACK_SECONDS:
            since_open = max(0.0, (now - progress.started_at).total_seconds())
            progress.media_played_seconds = min(
                duration,
                since_open * MAX_PLAYBACK_RATE,
                progress.media_played_seconds + min(advance, playable),
            )
        progress.media_position = position
        progress.media_reported_at = now
        progress.save(
            update_fields=[
                "media_position",
                "media_played_seconds",
                "media_reported_at",
            ]
        )
    return progress


@dataclass(frozen=True)
class CompletionResult:
    completed: bool
    remaining_seconds: int = 0


def lesson_complete(
    *, user: User, lesson: LessonPage, now: datetime | None = None
) -> CompletionResult:
    """Mark the lesson completed if the learner spent the minimum reading time since first
    opening it, or played at least 90% of its media. Completing twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = lesson_open(user=user, lesson=lesson, now=now)
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
        if progress.completed_at is not None:
            return CompletionResult(completed=True)
        spent = (now - progress.started_at).total_seconds()
        duration = lesson_media_duration(lesson=lesson)
        media_done = bool(duration) and (
            progress.media_played_seconds >= MEDIA_COMPLETION_SHARE * duration
        )
        if spent < lesson.minimum_seconds and not media_done:
            return CompletionResult(
                completed=False,
                remaining_seconds=int(lesson.minimum_seconds - spent) + 1,
            )
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
    return CompletionResult(completed=True)


def _submission_collection() -> Collection:
    existing = Collection.objects.filter(name=SUBMISSION_COLLECTION).first()
    if existing is not None:
        return existing
    return Collection.get_first_root_node().add_child(name=SUBMISSION_COLLECTION)


def story_submit(
    *,
    user: User,
    index: StoryIndexPage,
    title: str,
    text: str,
    images: list[CheckedImage],
    token: uuid.UUID,
    place: str = "",
) -> StorySubmission:
    """Create a draft story owned by the submitter and start its moderation workflow.

    The text is sanitised before it is stored; images (already checked) go to a collection
    of their own. A repeated `token` returns the first submission instead of a second story.
    """
    existing = StorySubmission.objects.filter(token=token, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            collection = _submission_collection()
            image_model = get_image_model()
            body = [{"type": "rich_text", "value": sanitise_story_html(text)}]
            for number, checked in enumerate(images, start=1):
                image = image_model(
                    title=f"{title}（{number}）",
                    file=story_image_file(checked),
                    collection=collection,
                    uploaded_by_user=user,
                )
                image.save()
                body.append(
                    {
                        "type": "image",
                        "value": {
                            "image": image.pk,
                            "alt_text": "",
                            "caption": "",
                            "attribution": "",
                        },
                    }
                )
            page = StoryPage(
                # Titles repeat ("我家的家训"); the one-time key keeps slugs unique.
                title=title,
                slug=f"submission-{token.hex[:12]}",
                summary=text_summary(text),
                place=place,
                body=body,
                live=False,
                owner=user,
            )
            index.add_child(instance=page)
            page.save_revision(user=user)
            # Without an active workflow the story simply stays a draft for editors.
            workflow = page.get_workflow()
            if workflow is not None:
                workflow.start(page, user)
            return StorySubmission.objects.create(user=user, page=page, token=token)
    except IntegrityError:
        # The same form was submitted twice at once: the other request's story stands.
        return StorySubmission.objects.get(token=token)


def text_summary(text: str, length: int = 120) -> str:
    plain = " ".join(strip_tags(text).split())
    return plain if len(plain) <= length else plain[: length - 1] + "…"
