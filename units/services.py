"""Writes about units and people: creating and moving units, roles, activation codes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ActivationCode, Role, Unit, UnitKind, User
from .permissions import ROLE_GROUPS, needs_admin_access

DEFAULT_KINDS = ["机关", "企业", "学校", "医院", "村居", "家庭", "中介", "其他"]
# Unambiguous characters only: people type these codes from paper.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# A unit's own people: a city district is far below this, and a typo such as 1e30 is refused
# with a clear message instead of overflowing the database column.
HEADCOUNT_MAX = 10_000_000


# --- units -------------------------------------------------------------------------


def unit_kinds_seed() -> None:
    """Make sure every default kind exists, leaving existing kinds as they are.

    A fresh install gets these kinds from migration 0002; load_demo calls this too because
    the demo tree uses every default kind, even where an administrator removed one."""
    for order, name in enumerate(DEFAULT_KINDS):
        UnitKind.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


def _would_cycle(unit: Unit, parent: Unit | None) -> bool:
    return parent is not None and parent.path.startswith(unit.path)


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: UnitKind,
    headcount: int = 0,
    parent: Unit | None = None,
) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, headcount=headcount)
    if parent is None:
        return Unit.add_root(instance=unit)
    parent.refresh_from_db()
    return parent.add_child(instance=unit)


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    name: str,
    kind: UnitKind,
    headcount: int,
    parent: Unit | None,
    code: str | None = None,
) -> Unit:
    """Change a unit's fields and, when `parent` differs, move its whole subtree."""
    unit.refresh_from_db()
    if _would_cycle(unit, parent):
        raise ValidationError(_("不能把单元移动到它自己或它的下级单元之下。"))
    current_parent = unit.get_parent()
    unit.name, unit.kind, unit.headcount = name, kind, headcount
    if code:
        unit.code = code
    unit.save(update_fields=["name", "kind", "headcount", "code"])
    if (current_parent.pk if current_parent else None) != (
        parent.pk if parent else None
    ):
        if parent is None:
            first_root = Unit.get_first_root_node()
            unit.move(first_root, pos="sorted-sibling")
        else:
            parent.refresh_from_db()
            unit.move(parent, pos="sorted-child")
        unit.refresh_from_db()
    return unit


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    unit.refresh_from_db()
    if User.objects.filter(unit__path__startswith=unit.path).exists():
        raise ValidationError(_("该单元或其下级单元还有人员，不能删除。"))
    unit.delete()


# --- people ------------------------------------------------------------------------


def _role_group(role: str) -> Group | None:
    name = ROLE_GROUPS.get(role)
    if name is None:
        return None
    group, created = Group.objects.get_or_create(name=name)
    if created or not group.permissions.exists():
        access = Permission.objects.filter(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        group.permissions.add(*access)
    return group


@transaction.atomic
def person_set_role(
    *, person: User, role: str, managed_unit: Unit | None = None
) -> User:
    """Give `person` a role, keeping Django's flags and groups in step with it."""
    if role not in Role.values:
        raise ValidationError(_("未知角色：%(role)s") % {"role": role})
    person.role = role
    person.is_superuser = role == Role.ADMINISTRATOR
    person.is_staff = needs_admin_access(role)
    person.managed_unit = managed_unit if role == Role.UNIT_MANAGER else None
    person.save(update_fields=["role", "is_superuser", "is_staff", "managed_unit"])
    role_group_names = set(ROLE_GROUPS.values())
    person.groups.remove(*person.groups.filter(name__in=role_group_names))
    group = _role_group(role)
    if group is not None:
        person.groups.add(group)
    return person


@transaction.atomic
def person_create(
    *,
    username: str,
    unit: Unit | None,
    role: str = Role.LEARNER,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    password: str | None = None,
    managed_unit: Unit | None = None,
) -> User:
    """Create a person. Without a password the account has none usable: the person sets
    one with an activation code (activation_codes_issue)."""
    person = User(
        username=username, unit=unit, full_name=full_name, email=email, phone=phone
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    return person_set_role(person=person, role=role, managed_unit=managed_unit)


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def activation_codes_issue(*, people) -> list[tuple[User, str, datetime]]:
    """Issue a fresh one-time code to each person, voiding earlier unused ones.

    Returns (person, code, expires_at); the codes are not stored and cannot be shown again.
    """
    now = timezone.now()
    expires = now + timedelta(days=settings.ACTIVATION_CODE_DAYS)
    issued = []
    people = list(people)
    ActivationCode.objects.filter(user__in=people, used_at__isnull=True).delete()
    for person in people:
        code = _new_code()
        ActivationCode.objects.create(
            user=person,
            code_hash=ActivationCode.hash_code(code),
            created_at=now,
            expires_at=expires,
        )
        issued.append((person, code, expires))
    return issued


class ActivationCodeSpent(ValidationError):
    """The code was used (or expired) between the form's check and the redemption."""


def activation_code_find(*, username: str, code: str) -> ActivationCode | None:
    found = (
        ActivationCode.objects.select_related("user")
        .filter(code_hash=ActivationCode.hash_code(code), user__username=username)
        .first()
    )
    return found if found and found.usable and found.user.is_active else None


@transaction.atomic
def activation_code_redeem(*, activation: ActivationCode, password: str) -> User:
    """Spend the code and set the person's password; a second use raises
    ActivationCodeSpent.

    The code is claimed by one conditional UPDATE: of several requests racing with the
    same code, exactly one changes the row; the others change nothing and are told so."""
    now = timezone.now()
    claimed = ActivationCode.objects.filter(
        pk=activation.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        raise ActivationCodeSpent(_("激活码已使用或已过期。"))
    person = User.objects.get(pk=activation.user_id)
    person.set_password(password)
    person.save(update_fields=["password"])
    return person
