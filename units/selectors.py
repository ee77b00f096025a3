"""Reads about units and people. Aggregates run in SQL; a subtree is a path prefix."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import Unit, UnitKind, User


def unit_get_by_code(*, code: str) -> Unit | None:
    return Unit.objects.filter(code=code).select_related("kind").first()


def unit_subtree(*, root: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=root.path)


def unit_subtree_headcount(*, root: Unit) -> int:
    """Σ headcount over the subtree: a unit's headcount is its own people only."""
    return unit_subtree(root=root).aggregate(total=Coalesce(Sum("headcount"), 0))[
        "total"
    ]


def units_with_subtree_headcount(
    *, queryset: QuerySet[Unit] | None = None
) -> QuerySet[Unit]:
    """Annotate each unit with `subtree_headcount` in one query (correlated subquery)."""
    queryset = Unit.objects.all() if queryset is None else queryset
    subtree_sum = (
        Unit.objects.filter(path__startswith=OuterRef("path"))
        .order_by()
        .values(group=Value(1))
        .annotate(total=Sum("headcount"))
        .values("total")
    )
    return queryset.annotate(
        subtree_headcount=Coalesce(
            Subquery(subtree_sum, output_field=IntegerField()), 0
        )
    )


def unit_parent_codes(*, queryset: QuerySet[Unit]) -> dict[int, str | None]:
    """Parent code for each unit in `queryset`, found from paths in one extra query."""
    units = list(queryset.select_related(None).only("id", "path", "depth"))
    parent_paths = {u.path[: -Unit.steplen] for u in units if u.depth > 1}
    codes = dict(Unit.objects.filter(path__in=parent_paths).values_list("path", "code"))
    return {
        u.id: codes.get(u.path[: -Unit.steplen]) if u.depth > 1 else None for u in units
    }


def unit_kinds() -> QuerySet[UnitKind]:
    return UnitKind.objects.all()


def people_in_subtree(*, root: Unit) -> QuerySet[User]:
    return User.objects.filter(unit__path__startswith=root.path)


def people_not_activated(*, queryset: QuerySet[User]) -> QuerySet[User]:
    """People who never set a password (imported, waiting for an activation code)."""
    return queryset.filter(_not_activated_q())


def people_activated(*, queryset: QuerySet[User]) -> QuerySet[User]:
    return queryset.exclude(_not_activated_q())


def _not_activated_q() -> Q:
    # Django marks an unusable password with this prefix.
    return Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)
