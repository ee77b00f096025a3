"""Who may see and change what: the one place where roles become permissions.

Views, admin viewsets, API endpoints and commands ask this module; none of them test roles
themselves. The matrix is pinned by tests/units/test_permissions.py.

| subject                 | learner   | unit manager   | campaign manager | editor | administrator |
|-------------------------|-----------|----------------|------------------|--------|---------------|
| view unit               | own unit  | subtree        | all              | –      | all           |
| add/change/delete unit  | –         | –              | –                | –      | all           |
| view person             | self      | subtree        | –                | –      | all           |
| change person           | self*     | –              | –                | –      | all           |
| import units / people   | –         | –              | –                | –      | yes           |
| edit learning content   | –         | –              | –                | yes    | yes           |
| manage campaigns        | –         | –              | yes              | –      | yes           |
| view unit scorecard     | –         | subtree        | all              | –      | all           |

*self: own profile fields only (name, email, phone, password), never role or unit.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from wagtail.permission_policies.base import BasePermissionPolicy

from .models import Role, Unit, User

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ALL_ACTIONS = (VIEW, ADD, CHANGE, DELETE)

# Roles that need the Wagtail admin, and the Django group each role is kept in so that
# Wagtail's own permission checks (pages, snippets, images) see the role too.
ADMIN_ROLES = {
    Role.UNIT_MANAGER,
    Role.CAMPAIGN_MANAGER,
    Role.EDITOR,
    Role.ADMINISTRATOR,
}
ROLE_GROUPS = {
    Role.UNIT_MANAGER: "单元管理员",
    Role.CAMPAIGN_MANAGER: "测评管理员",
    Role.EDITOR: "Editors",
}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def role_of(user) -> str | None:
    if not _active(user):
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return user.role


def is_administrator(user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR


def _subtree_q(root: Unit | None, prefix: str = "") -> Q:
    if root is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}path__startswith": root.path})


# --- units --------------------------------------------------------------------------


def units_visible_to(user) -> QuerySet[Unit]:
    role = role_of(user)
    units = Unit.objects.all()
    if role in (Role.ADMINISTRATOR, Role.CAMPAIGN_MANAGER):
        return units
    if role == Role.UNIT_MANAGER:
        return units.filter(_subtree_q(user.scope_unit))
    if role == Role.LEARNER and user.unit_id:
        return units.filter(pk=user.unit_id)
    return units.none()


def can_view_unit(user, unit: Unit) -> bool:
    role = role_of(user)
    if role in (Role.ADMINISTRATOR, Role.CAMPAIGN_MANAGER):
        return True
    if role == Role.UNIT_MANAGER:
        scope = user.scope_unit
        return bool(scope and unit.path.startswith(scope.path))
    if role == Role.LEARNER:
        return unit.pk == user.unit_id
    return False


def can_change_units(user) -> bool:
    return is_administrator(user)


# --- people -------------------------------------------------------------------------


def people_visible_to(user) -> QuerySet[User]:
    role = role_of(user)
    people = User.objects.all()
    if role == Role.ADMINISTRATOR:
        return people
    if role == Role.UNIT_MANAGER:
        return people.filter(_subtree_q(user.scope_unit, "unit__"))
    if role is not None:
        return people.filter(pk=user.pk)
    return people.none()


def can_view_person(user, person: User) -> bool:
    if not _active(user):
        return False
    if person.pk == user.pk or is_administrator(user):
        return True
    if role_of(user) == Role.UNIT_MANAGER:
        scope = user.scope_unit
        return bool(scope and person.unit and person.unit.path.startswith(scope.path))
    return False


def can_change_person(user, person: User) -> bool:
    return is_administrator(user) or (_active(user) and person.pk == user.pk)


def can_import_people(user) -> bool:
    return is_administrator(user)


# --- content, campaigns, scorecards ---------------------------------------------------


def can_edit_content(user) -> bool:
    return role_of(user) in (Role.EDITOR, Role.ADMINISTRATOR)


def can_manage_campaigns(user) -> bool:
    return role_of(user) in (Role.CAMPAIGN_MANAGER, Role.ADMINISTRATOR)


def can_view_scorecard(user, unit: Unit) -> bool:
    role = role_of(user)
    if role in (Role.ADMINISTRATOR, Role.CAMPAIGN_MANAGER):
        return True
    if role == Role.UNIT_MANAGER:
        scope = user.scope_unit
        return bool(scope and unit.path.startswith(scope.path))
    return False


def scorecard_units_for(user) -> QuerySet[Unit]:
    """Units whose scorecards `user` may read (used to scope reports and the API)."""
    role = role_of(user)
    if role in (Role.ADMINISTRATOR, Role.CAMPAIGN_MANAGER):
        return Unit.objects.all()
    if role == Role.UNIT_MANAGER:
        return Unit.objects.filter(_subtree_q(user.scope_unit))
    return Unit.objects.none()


def needs_admin_access(role: str) -> bool:
    return role in ADMIN_ROLES


# --- Wagtail admin policies -----------------------------------------------------------


def _administrators() -> QuerySet[User]:
    # Only administrators may change units or people, so only they hold any permission
    # that Wagtail asks "who has?" about (e.g. for notifications).
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(role=Role.ADMINISTRATOR)
    )


class UnitPermissionPolicy(BasePermissionPolicy):
    """Lets the Wagtail admin ask this module about units."""

    def user_has_permission(self, user, action):
        if action == VIEW:
            return role_of(user) in (
                Role.ADMINISTRATOR,
                Role.CAMPAIGN_MANAGER,
                Role.UNIT_MANAGER,
            )
        return can_change_units(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == VIEW:
            return can_view_unit(user, instance)
        return can_change_units(user)

    def instances_user_has_permission_for(self, user, action):
        if action == VIEW:
            return units_visible_to(user)
        return Unit.objects.all() if can_change_units(user) else Unit.objects.none()

    def users_with_any_permission(self, actions):
        return _administrators()


class PersonPermissionPolicy(BasePermissionPolicy):
    """Lets the Wagtail admin ask this module about people."""

    def user_has_permission(self, user, action):
        if action == VIEW:
            return role_of(user) in (Role.ADMINISTRATOR, Role.UNIT_MANAGER)
        return is_administrator(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == VIEW:
            return can_view_person(user, instance)
        return is_administrator(user)

    def instances_user_has_permission_for(self, user, action):
        if action == VIEW:
            return people_visible_to(user)
        return User.objects.all() if is_administrator(user) else User.objects.none()

    def users_with_any_permission(self, actions):
        return _administrators()
