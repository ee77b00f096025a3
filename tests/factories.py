"""Factories shared by every app's tests: units, kinds and people.

Units are tree nodes, so they are made through the service (`unit_create`) rather than
`Model.objects.create`.
"""

from __future__ import annotations

import factory

from units.models import Role, Unit, UnitKind, User
from units.services import person_create, unit_create


def kind(name: str = "机关") -> UnitKind:
    """A kind the data migration created: looked up, never made here, so that every test
    sees the kinds a fresh install has (UnitKindFactory makes a city's own extra kinds)."""
    return UnitKind.objects.get(name=name)


_counter = iter(range(1, 10**9))


def make_unit(
    code: str | None = None,
    *,
    parent: Unit | None = None,
    kind_name: str = "机关",
    headcount: int = 0,
    name: str | None = None,
) -> Unit:
    code = code or f"U{next(_counter):05d}"
    return unit_create(
        code=code,
        name=name or f"单元{code}",
        kind=kind(kind_name),
        headcount=headcount,
        parent=parent,
    )


def make_person(
    username: str | None = None,
    *,
    unit: Unit | None = None,
    role: str = Role.LEARNER,
    managed_unit: Unit | None = None,
    password: str = "pw-Test-12345",
) -> User:
    username = username or f"user{next(_counter)}"
    return person_create(
        username=username,
        unit=unit,
        role=role,
        full_name=f"姓名{username}",
        password=password,
        managed_unit=managed_unit,
    )


class UnitKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitKind
        django_get_or_create = ("name",)

    name = "机关"
