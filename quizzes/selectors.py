"""Reads for quizzes: lists, attempts, reports. Aggregates run in SQL."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .models import Attempt, AttemptState


def learning_activity_user_ids(*, start: datetime, end: datetime) -> QuerySet:
    """Ids of people with a submitted quiz attempt completed in [start, end).

    Unioned with lesson completions into learning participation (METRICS.md); unordered,
    because SQLite refuses ORDER BY inside a compound (UNION) query.
    """
    return (
        Attempt.objects.filter(
            state=AttemptState.SUBMITTED, submitted_at__gte=start, submitted_at__lt=end
        )
        .order_by()
        .values_list("user_id", flat=True)
    )
