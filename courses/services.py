"""Writes for learning: opening and completing lessons, media play reports, and story
submissions into the moderation workflow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    Page,
)

from points.models import Reason
from points.services import points_award
from units.models import Role, User
from units.permissions import ROLE_GROUPS

from .models import (
    LessonPage,
    LessonProgress,
    StoryIndexPage,
    StoryPage,
    StorySubmission,
)
from .sanitising import CheckedImage, sanitise_story_html, story_image_file
from .storage import PENDING_PREFIX, is_pending_photo

# Players allow up to 2× speed, so play is credited at most twice as fast as the server's
# clock runs; a step a little beyond that (network delay) is still play, not a seek.
MAX_PLAYBACK_RATE = 2.0
BEACON_SLACK_SECONDS = 3.0
MEDIA_COMPLETION_SHARE = 0.9
# Photos of stories awaiting moderation, and of published ones.
PENDING_COLLECTION = "故事投稿"
PUBLISHED_COLLECTION = "故事投稿（已发布）"
EDITOR_IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")


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
        points_award(
            user_id=user.pk, reason=Reason.LESSON_COMPLETED, key=lesson.pk, now=now
        )
    return CompletionResult(completed=True)


class StoryTokenTaken(Exception):
    """The form's one-time key already belongs to another person's submission."""


def _collection(name: str) -> tuple[Collection, bool]:
    existing = Collection.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    return Collection.get_first_root_node().add_child(name=name), True


def story_pending_collection() -> Collection:
    """Photos of stories awaiting moderation: private to editors (and administrators,
    who pass every check). Wagtail's admin image API skips collections whose view
    restriction a user fails; its chooser and listing need a collection permission."""
    collection, created = _collection(PENDING_COLLECTION)
    if created:
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.GROUPS
        )
        editors = Group.objects.filter(name=ROLE_GROUPS[Role.EDITOR]).first()
        if editors is not None:
            restriction.groups.add(editors)
            for permission in Permission.objects.filter(
                content_type__app_label="wagtailimages",
                codename__in=EDITOR_IMAGE_PERMISSIONS,
            ):
                GroupCollectionPermission.objects.get_or_create(
                    group=editors, collection=collection, permission=permission
                )
    return collection


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

    The text is sanitised before it is stored; images (already checked) stay private
    until the story is approved (story_photos_publish). A repeated `token` returns the
    first submission instead of a second story; another person's token is refused.
    """
    with transaction.atomic():
        # Submissions queue on the story index's row: a form posted several times at
        # once must make one story, and two stories must not take the same tree path.
        # Only after the lock may the token be looked up, or both would miss it.
        parent = Page.objects.select_for_update().get(pk=index.pk)
        existing = StorySubmission.objects.filter(token=token).first()
        if existing is not None:
            if existing.user_id != user.pk:
                raise StoryTokenTaken
            return existing
        collection = story_pending_collection()
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
            # Titles repeat ("我家的家训"); the whole one-time key keeps slugs unique
            # (a prefix of it need not be).
            title=title,
            slug=f"submission-{token.hex}",
            summary=text_summary(text),
            place=place,
            body=body,
            live=False,
            owner=user,
        )
        parent.add_child(instance=page)
        page.save_revision(user=user)
        # Without an active workflow the story simply stays a draft for editors.
        workflow = page.get_workflow()
        if workflow is not None:
            workflow.start(page, user)
        return StorySubmission.objects.create(user=user, page=page, token=token)


def _photo_file_publish(image) -> None:
    """Rename a pending photo's file to a public name, which moves it into MEDIA_ROOT
    (see courses.storage); its renditions, private too, are made again on demand."""
    old_name = image.file.name
    if not is_pending_photo(old_name):
        return
    # Now, not after commit as Wagtail would: a pending file must not outlive this.
    for rendition in image.renditions.all():
        rendition.file.delete(save=False)
    image.renditions.all().delete()
    path = PurePosixPath(old_name)
    public_name = path.with_name(path.name.replace(PENDING_PREFIX, "story-", 1))
    with default_storage.open(old_name, "rb") as handle:
        # Same pixels, so the stored width, height and hash stay right.
        image.file.name = default_storage.save(str(public_name), handle)
    default_storage.delete(old_name)


def story_photos_publish(*, page: StoryPage) -> int:
    """The photos of a story that was just published leave moderation: their files move
    to public storage and they move to the public collection. Returns how many moved."""
    ids = {page.cover_id} | {
        block.value["image"].pk
        for block in page.body
        if block.block_type == "image" and block.value.get("image") is not None
    }
    pending = get_image_model().objects.filter(
        pk__in=ids - {None}, collection__name=PENDING_COLLECTION
    )
    if not pending:
        return 0
    published, _ = _collection(PUBLISHED_COLLECTION)
    moved = 0
    for image in pending:
        _photo_file_publish(image)
        image.collection = published
        image.save()
        moved += 1
    return moved


def text_summary(text: str, length: int = 120) -> str:
    plain = " ".join(strip_tags(text).split())
    return plain if len(plain) <= length else plain[: length - 1] + "…"
