"""Writes for points: awarding them, once per person and thing."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PointsEntry, PointsRules


def points_award(
    *, user_id: int, reason: str, key: str, now: datetime | None = None
) -> PointsEntry | None:
    """Award the points today's rules give for `reason`, unless this person already has
    them for `key`. Returns the new row, or None when nothing was written (already
    awarded, or the rule gives 0).

    Called from inside the completing transaction (lesson, quiz, practice), so the points
    and what earned them are written together or not at all.
    """
    points = PointsRules.load().points_for(reason)
    if not points:
        return None
    try:
        # A savepoint: a parallel award of the same thing must not break the caller's
        # transaction, only lose the race.
        with transaction.atomic():
            return PointsEntry.objects.create(
                user_id=user_id,
                reason=reason,
                key=str(key),
                points=points,
                awarded_at=now or timezone.now(),
            )
    except IntegrityError:
        return None
