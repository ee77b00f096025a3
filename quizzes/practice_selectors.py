"""Reads for 每日一练: today's practice, the question to answer, feedback, and the
practice's part in learning participation."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import Practice, PracticeItem
from .models.questions import OPTION_KEYS
from .practice import option_value, practice_day
from .selectors import review_options


def practice_activity_user_ids(*, start: datetime, end: datetime) -> QuerySet:
    """Ids of people who completed a daily practice in [start, end), for learning
    participation (docs/metrics.md); unordered, as SQLite wants inside a UNION."""
    return (
        Practice.objects.filter(completed_at__gte=start, completed_at__lt=end)
        .order_by()
        .values_list("user_id", flat=True)
    )


def practice_today_for(*, user, now: datetime | None = None) -> Practice | None:
    if not user.is_authenticated:
        return None
    return Practice.objects.filter(
        user=user, day=practice_day(now=now or timezone.now())
    ).first()


def practice_next_question(*, practice: Practice) -> dict | None:
    """The first unanswered item as the form may show it: stem and option texts with
    opaque values — never the key, feedback or explanation."""
    item = practice.items.filter(answered_at__isnull=True).order_by("position").first()
    if item is None:
        return None
    return {
        "position": item.position,
        "kind": item.kind,
        "stem": item.stem,
        "options": [
            {
                "value": option_value(
                    practice_id=practice.pk, position=item.position, key=o["key"]
                ),
                "text": o["text"],
                "label": OPTION_KEYS[i],
            }
            for i, o in enumerate(item.options)
        ],
    }


def practice_feedback(*, practice: Practice, position: int | None = None) -> list:
    """Answered items (one, or all when `position` is None) with what the review shows:
    each option marked chosen and correct, its feedback, the explanation and rule."""
    items = practice.items.filter(answered_at__isnull=False).select_related("lesson")
    if position is not None:
        items = items.filter(position=position)
    items = list(items)
    for item in items:
        item.review_options = review_options(item=item)
    return items


def practice_answered_count(*, practice: Practice) -> int:
    return PracticeItem.objects.filter(
        practice=practice, answered_at__isnull=False
    ).count()
