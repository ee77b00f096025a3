"""Reads for points: a person's total and history, and the ranking of units.

A unit's figures are subtree rollups, like every other unit figure (docs/metrics.md): total =
Σ points of the people of the unit's subtree; per member = total ÷ subtree headcount.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Rank

from units.models import Unit
from units.permissions import Scope
from units.selectors import units_with_subtree_headcount

from .models import PointsEntry

HOME_RANKING = 5


def points_total(*, user) -> int:
    return PointsEntry.objects.filter(user=user).aggregate(
        total=Coalesce(Sum("points"), 0)
    )["total"]


def points_history(*, user, limit: int = 10) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(user=user).order_by("-awarded_at", "-pk")[:limit]


def units_with_points(*, queryset: QuerySet[Unit]) -> QuerySet[Unit]:
    """Each unit annotated with `points_total`, `subtree_headcount` and
    `points_per_member` (None when the headcount is 0), in one query."""
    subtree_points = (
        PointsEntry.objects.filter(user__unit__path__startswith=OuterRef("path"))
        .order_by()
        .values(group=Value(1))
        .annotate(total=Sum("points"))
        .values("total")
    )
    return (
        units_with_subtree_headcount(queryset=queryset)
        .annotate(
            points_total=Coalesce(
                Subquery(subtree_points, output_field=IntegerField()), 0
            )
        )
        .annotate(
            # NULLIF: a unit without people has no per-member figure, not a division
            # by zero.
            points_per_member=Cast("points_total", FloatField())
            / NullIf(F("subtree_headcount"), Value(0))
        )
    )


def _ranked(queryset: QuerySet[Unit]) -> QuerySet[Unit]:
    # Units with people of their own (村、机关、学校…): their rollup is comparable across the
    # tree; a town's rollup would compete with its own villages.
    return (
        units_with_points(queryset=queryset.filter(headcount__gt=0))
        .select_related("kind")
        .annotate(rank=Window(Rank(), order_by=F("points_per_member").desc()))
        .order_by("rank", "-points_total", "code")
    )


def unit_ranking(*, scope: Scope, limit: int | None = None) -> list[Unit]:
    """Units with people in the scope, best points per member first, with `rank` (equal
    figures share a rank) — the ranking shown on the home page and to managers."""
    units = _ranked(scope.filter(Unit.objects.all(), field="pk"))
    return list(units[:limit] if limit else units)


@dataclass(frozen=True)
class MyPoints:
    total: int
    unit: Unit | None
    rank: int | None
    ranked_units: int


def my_points(*, user) -> MyPoints:
    """The person's points, and their unit's place among all units with people."""
    total = points_total(user=user)
    if not user.unit_id:
        return MyPoints(total=total, unit=None, rank=None, ranked_units=0)
    ranked = units_with_points(queryset=Unit.objects.filter(headcount__gt=0))
    unit = ranked.filter(pk=user.unit_id).first()
    if unit is None:
        return MyPoints(total=total, unit=None, rank=None, ranked_units=0)
    # Rank as in unit_ranking: one more than the units with more points per member.
    counts = ranked.aggregate(
        ahead=Count("pk", filter=Q(points_per_member__gt=unit.points_per_member)),
        units=Count("pk"),
    )
    return MyPoints(
        total=total, unit=unit, rank=counts["ahead"] + 1, ranked_units=counts["units"]
    )
