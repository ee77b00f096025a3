"""Who may see and change what: the one place where roles become permissions.

Views, admin viewsets, API endpoints, WebSocket consumers and commands ask this module;
none of them test roles themselves. Which units a reader may see is a `Scope`: every unit,
or a set of unit ids read from the database each time it is resolved (on every request
and before every live push), never a tree path and never kept from one request to the
next, because unit paths move when a sibling is inserted (the tree is ordered by code)
and a manager's scope unit can change while a dashboard stays open.
The matrix is pinned by tests/units/test_permissions.py, through the functions below.

| subject                      | learner  | unit manager | campaign manager | editor | administrator |
|------------------------------|----------|--------------|------------------|--------|---------------|
| view unit (`unit_scope`)     | own unit | subtree      | all              | –      | all           |
| add/change/delete unit       | –        | –            | –                | –      | all           |
| view person                  | self     | subtree      | self             | self   | all           |
| change person                | self*    | –            | –                | –      | all           |
| Wagtail's own user admin     | –        | –            | –                | –      | yes           |
| import units / people        | –        | –            | –                | –      | yes           |
| edit learning content        | –        | –            | –                | yes    | yes           |
| manage campaigns             | –        | –            | yes              | –      | yes           |
| figures (`scorecard_scope`)† | –        | subtree      | all              | –      | all           |
| distributions, free text‡    | –        | suppressed   | all              | –      | all           |
| answer keys in exports       | –        | –            | yes              | yes    | yes           |

*self: own profile fields only (name, email, phone, password), never role or unit.
†scorecards, the API, the live scorecard, quiz reports and every export: rows, `items`
and quiz item statistics are computed over the scope, so a unit manager's figures come
from their subtree only. Outside the scope an object is a 404.
‡for a limited scope, per-question counts and free text follow complementary suppression
(surveys.suppression, docs/metrics.md "Privacy and small cells"): a subtree's distributions
are shown only when it and what subtraction leaves of it have 0 or ≥ 5 respondents, and the
free text of a unit with fewer than 5 respondents of its own never appears in a list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
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
GLOBAL_ROLES = (Role.ADMINISTRATOR, Role.CAMPAIGN_MANAGER)


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


# --- scope --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The units a reader may see: every unit (`unit_ids is None`) or these ids.

    `roots` are the topmost units of a limited scope (a unit manager's scope unit): the
    subtree whose figures `items` and the small-cell rule start from. A global scope has
    none: its top is whatever tree is being read (a campaign's root).
    """

    unit_ids: frozenset[int] | None = frozenset()
    roots: frozenset[int] = frozenset()

    @classmethod
    def everything(cls) -> Scope:
        return cls(unit_ids=None)

    @property
    def is_global(self) -> bool:
        return self.unit_ids is None

    @property
    def is_empty(self) -> bool:
        return self.unit_ids is not None and not self.unit_ids

    def allows(self, unit_id: int | None) -> bool:
        if self.unit_ids is None:
            return True
        return unit_id is not None and unit_id in self.unit_ids

    def filter(self, queryset: QuerySet, *, field: str = "unit") -> QuerySet:
        """`queryset` limited to rows whose `field` (a unit foreign key, or "pk" for a
        queryset of units) is in the scope."""
        if self.unit_ids is None:
            return queryset
        return queryset.filter(**{f"{field}__in": self.unit_ids})


NOTHING = Scope()


def _fresh(user) -> dict | None:
    """The user's role and scope unit as the database has them now (one query): a
    WebSocket keeps the user it connected with, and an administrator may have changed
    the role or the managed unit since."""
    if not _active(user):
        return None
    return (
        User.objects.filter(pk=user.pk, is_active=True)
        .annotate(root_id=Coalesce(F("managed_unit_id"), F("unit_id")))
        .values("role", "is_superuser", "unit_id", "root_id")
        .first()
    )


def _subtree(root_id: int | None) -> Scope:
    if root_id is None:
        return NOTHING
    root_path = Unit.objects.filter(pk=root_id).values("path")
    ids = Unit.objects.filter(path__startswith=Subquery(root_path)).values_list(
        "id", flat=True
    )
    return Scope(unit_ids=frozenset(ids), roots=frozenset({root_id}))


def _resolve(user, *, learner_own_unit: bool) -> Scope:
    row = _fresh(user)
    if row is None:
        return NOTHING
    role = Role.ADMINISTRATOR if row["is_superuser"] else row["role"]
    if role in GLOBAL_ROLES:
        return Scope.everything()
    if role == Role.UNIT_MANAGER:
        return _subtree(row["root_id"])
    if role == Role.LEARNER and learner_own_unit and row["unit_id"]:
        unit_id = row["unit_id"]
        return Scope(unit_ids=frozenset({unit_id}), roots=frozenset({unit_id}))
    return NOTHING


def unit_scope(user) -> Scope:
    """The units `user` may see in listings, choices and inspect views."""
    return _resolve(user, learner_own_unit=True)


def scorecard_scope(user) -> Scope:
    """The units whose figures `user` may read: scorecards, the API, the live scorecard,
    quiz reports and exports."""
    return _resolve(user, learner_own_unit=False)


def request_scorecard_scope(request) -> Scope:
    """`scorecard_scope` once per request, for the menu items that all ask it while one
    admin page renders (kept on the request object, so never beyond that request)."""
    scope = getattr(request, "_scorecard_scope", None)
    if scope is None:
        scope = request._scorecard_scope = scorecard_scope(request.user)
    return scope


def suppresses_small_cells(scope: Scope) -> bool:
    """Distributions and free text follow the small-cell rule for every limited scope;
    administrators and campaign managers (global) see them all."""
    return not scope.is_global


# --- units --------------------------------------------------------------------------


def units_visible_to(user) -> QuerySet[Unit]:
    return unit_scope(user).filter(Unit.objects.all(), field="pk")


def can_change_units(user) -> bool:
    return is_administrator(user)


# --- people -------------------------------------------------------------------------


def people_visible_to(user) -> QuerySet[User]:
    role = role_of(user)
    people = User.objects.all()
    if role == Role.ADMINISTRATOR:
        return people
    if role == Role.UNIT_MANAGER:
        return unit_scope(user).filter(people)
    if role is not None:
        return people.filter(pk=user.pk)
    return people.none()


def can_change_person(user, person: User) -> bool:
    return is_administrator(user) or (_active(user) and person.pk == user.pk)


def can_import_people(user) -> bool:
    return is_administrator(user)


def can_use_wagtail_user_admin(user) -> bool:
    # People are managed under 清廉单元 → 人员, scoped and with roles kept in step;
    # Wagtail's own user screens list and search every account.
    return is_administrator(user)


# --- content, campaigns, scorecards ---------------------------------------------------


def can_edit_content(user) -> bool:
    return role_of(user) in (Role.EDITOR, Role.ADMINISTRATOR)


def can_manage_campaigns(user) -> bool:
    return role_of(user) in GLOBAL_ROLES


def can_see_answer_keys(user) -> bool:
    """Correct answers travel with question banks and surveys, never to unit managers:
    their exports would hand the key to the people they lead."""
    return role_of(user) in (Role.CAMPAIGN_MANAGER, Role.EDITOR, Role.ADMINISTRATOR)


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
            return role_of(user) in (*GLOBAL_ROLES, Role.UNIT_MANAGER)
        return can_change_units(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == VIEW:
            return self.user_has_permission(user, VIEW) and unit_scope(user).allows(
                instance.pk
            )
        return can_change_units(user)

    def instances_user_has_permission_for(self, user, action):
        if action == VIEW:
            if not self.user_has_permission(user, VIEW):
                return Unit.objects.none()
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
            return (
                self.user_has_permission(user, VIEW)
                and people_visible_to(user).filter(pk=instance.pk).exists()
            )
        return is_administrator(user)

    def instances_user_has_permission_for(self, user, action):
        if action == VIEW:
            if not self.user_has_permission(user, VIEW):
                return User.objects.none()
            return people_visible_to(user)
        return User.objects.all() if is_administrator(user) else User.objects.none()

    def users_with_any_permission(self, actions):
        return _administrators()
