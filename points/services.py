"""Writes for points: awarding them, once per person and thing."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .models import PointsEntry, PointsRules


def points_award(
    *, user_id: int, reason: str, key: str, now: datetime | None = None
) -> int:
    """Award the points today's rules give for `reason`, unless this person already has
    them for `key`. Returns the points the rules give (0 when the rule gives 0).

    Called from inside the completing transaction (lesson, quiz, practice), once that
    transaction has claimed the completion, so the points and what earned them are
    written together or not at all. Two queries: quiz submission pins its query count.
    """
    # The rules' row exists once an administrator has saved them; until then, defaults.
    rules = PointsRules.objects.first() or PointsRules()
    points = rules.points_for(reason)
    if not points:
        return 0
    # The unique constraint keeps an award single when a completion is repeated; the
    # second insert is ignored instead of raising inside the caller's transaction.
    PointsEntry.objects.bulk_create(
        [
            PointsEntry(
                user_id=user_id,
                reason=reason,
                key=str(key),
                points=points,
                awarded_at=now or timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
    return points
