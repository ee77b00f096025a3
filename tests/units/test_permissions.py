"""The permission matrix (units/permissions.py): who may see and change what."""

import pytest
from wagtail.permissions import policy_registry

from tests.factories import make_person
from units import permissions as perms
from units.models import Role, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(city):
    village = Unit.objects.get(code="YK-GS-01")
    office = Unit.objects.get(code="YK-JG-01")
    return {
        "learner": make_person("learner", unit=village, role=Role.LEARNER),
        "town_manager": make_person(
            "town_manager",
            unit=office,
            role=Role.UNIT_MANAGER,
            managed_unit=Unit.objects.get(code="YK-GS"),
        ),
        "office_manager": make_person(
            "office_manager", unit=office, role=Role.UNIT_MANAGER
        ),
        "campaign": make_person("campaign", unit=office, role=Role.CAMPAIGN_MANAGER),
        "editor": make_person("editor", unit=office, role=Role.EDITOR),
        "admin": make_person("admin", unit=office, role=Role.ADMINISTRATOR),
    }


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


ALL = ["YK", "YK-GS", "YK-GS-01", "YK-GS-02", "YK-JG", "YK-JG-01"]


def scope_codes(scope):
    """The unit codes a Scope allows, asked through `allows` and `filter` alike."""
    via_filter = codes(scope.filter(Unit.objects.all(), field="pk"))
    via_allows = sorted(u.code for u in Unit.objects.all() if scope.allows(u.pk))
    assert via_filter == via_allows
    return via_filter


@pytest.mark.parametrize(
    "who, visible",
    [
        ("learner", ["YK-GS-01"]),
        ("town_manager", ["YK-GS", "YK-GS-01", "YK-GS-02"]),
        ("office_manager", ["YK-JG-01"]),
        ("campaign", ALL),
        ("editor", []),
        ("admin", ALL),
    ],
)
def test_units_visible_to_each_role(people, who, visible):
    user = people[who]
    assert scope_codes(perms.unit_scope(user)) == visible
    assert codes(perms.units_visible_to(user)) == visible
    # The admin asks the same through the registered Wagtail policy.
    policy = policy_registry.get_by_type(Unit)
    assert codes(policy.instances_user_has_permission_for(user, "view")) == (
        visible if who != "learner" else []
    )
    for unit in Unit.objects.all():
        assert policy.user_has_permission_for_instance(user, "view", unit) == (
            unit.code in visible and who != "learner"
        )


@pytest.mark.parametrize(
    "who, scorecards, is_global, roots",
    [
        ("learner", [], False, []),
        ("town_manager", ["YK-GS", "YK-GS-01", "YK-GS-02"], False, ["YK-GS"]),
        ("office_manager", ["YK-JG-01"], False, ["YK-JG-01"]),
        ("campaign", ALL, True, []),
        ("editor", [], False, []),
        ("admin", ALL, True, []),
    ],
)
def test_scorecard_scope_of_each_role(people, who, scorecards, is_global, roots):
    scope = perms.scorecard_scope(people[who])
    assert scope_codes(scope) == scorecards
    assert scope.is_global == is_global
    assert scope.is_empty == (not scorecards)
    assert codes(Unit.objects.filter(pk__in=scope.roots)) == roots
    assert perms.suppresses_small_cells(scope) == (not is_global)


def test_scope_is_read_from_the_database_not_from_the_user_object(people):
    """A WebSocket keeps the user object it connected with: the scope must not."""
    manager = people["town_manager"]
    stale = type(manager).objects.get(pk=manager.pk)
    manager.managed_unit = Unit.objects.get(code="YK-JG")
    manager.save(update_fields=["managed_unit"])
    assert scope_codes(perms.scorecard_scope(stale)) == ["YK-JG", "YK-JG-01"]
    manager.role = Role.LEARNER
    manager.save(update_fields=["role"])
    assert perms.scorecard_scope(stale).is_empty


def test_scope_holds_unit_ids_so_a_sibling_inserted_before_it_changes_nothing(people):
    """Units are ordered by code: a new sibling that sorts first shifts the paths of
    every unit after it, so a scope kept as a path would point at another subtree."""
    from tests.factories import make_unit

    scope = perms.scorecard_scope(people["town_manager"])
    town = Unit.objects.get(code="YK-GS")
    before = town.path
    make_unit("YK-AA", parent=Unit.objects.get(code="YK"), kind_name="其他")
    town.refresh_from_db()
    assert town.path != before
    assert scope_codes(scope) == ["YK-GS", "YK-GS-01", "YK-GS-02"]
    assert scope_codes(perms.scorecard_scope(people["town_manager"])) == [
        "YK-GS",
        "YK-GS-01",
        "YK-GS-02",
    ]


def test_scope_filters_any_unit_foreign_key(people):
    scope = perms.scorecard_scope(people["town_manager"])
    names = scope.filter(type(people["learner"]).objects.all()).values_list(
        "username", flat=True
    )
    assert sorted(names) == ["learner"]
    assert perms.Scope.everything().filter(Unit.objects.all()).count() == len(ALL)


MATRIX = {
    # role: (change units, import people, edit content, manage campaigns)
    "learner": (False, False, False, False),
    "town_manager": (False, False, False, False),
    "campaign": (False, False, False, True),
    "editor": (False, False, True, False),
    "admin": (True, True, True, True),
}


@pytest.mark.parametrize("who", MATRIX)
def test_role_capabilities(people, who):
    user = people[who]
    assert (
        perms.can_change_units(user),
        perms.can_import_people(user),
        perms.can_edit_content(user),
        perms.can_manage_campaigns(user),
    ) == MATRIX[who]


def test_unit_manager_sees_only_people_in_the_managed_subtree(people):
    visible = set(
        perms.people_visible_to(people["town_manager"]).values_list(
            "username", flat=True
        )
    )
    assert visible == {"learner"}
    policy = policy_registry.get_by_type(type(people["learner"]))
    manager = people["town_manager"]
    assert policy.user_has_permission_for_instance(manager, "view", people["learner"])
    assert not policy.user_has_permission_for_instance(
        manager, "view", people["campaign"]
    )
    assert not perms.can_change_person(manager, people["learner"])


@pytest.mark.parametrize(
    "who, keys, user_admin",
    [
        ("learner", False, False),
        ("town_manager", False, False),
        ("campaign", True, False),
        ("editor", True, False),
        ("admin", True, True),
    ],
)
def test_answer_keys_and_wagtail_user_admin(people, who, keys, user_admin):
    assert perms.can_see_answer_keys(people[who]) == keys
    assert perms.can_use_wagtail_user_admin(people[who]) == user_admin


def test_people_change_only_themselves_unless_administrator(people):
    assert perms.can_change_person(people["learner"], people["learner"])
    assert not perms.can_change_person(people["learner"], people["editor"])
    assert perms.can_change_person(people["admin"], people["learner"])


def test_inactive_and_anonymous_users_may_do_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    admin = people["admin"]
    admin.is_active = False
    admin.save()
    for user in (admin, AnonymousUser()):
        assert not perms.can_change_units(user)
        assert codes(perms.units_visible_to(user)) == []
        assert perms.scorecard_scope(user).is_empty
        assert not perms.can_manage_campaigns(user)


def test_roles_are_mirrored_in_django_flags_and_groups(people):
    admin, editor, learner = people["admin"], people["editor"], people["learner"]
    assert admin.is_superuser and admin.is_staff
    assert editor.is_staff and not editor.is_superuser
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]
    assert editor.has_perm("wagtailadmin.access_admin")
    assert not learner.is_staff and not learner.groups.exists()


def test_a_unit_manager_without_managed_unit_manages_their_own_unit(people):
    assert people["office_manager"].scope_unit.code == "YK-JG-01"
