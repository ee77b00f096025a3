"""The permission matrix (units/permissions.py): who may see and change what."""

import pytest

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
    assert codes(perms.units_visible_to(user)) == visible
    for unit in Unit.objects.all():
        assert perms.can_view_unit(user, unit) == (unit.code in visible)


@pytest.mark.parametrize(
    "who, scorecards",
    [
        ("learner", []),
        ("town_manager", ["YK-GS", "YK-GS-01", "YK-GS-02"]),
        ("campaign", ALL),
        ("editor", []),
        ("admin", ALL),
    ],
)
def test_scorecards_visible_to_each_role(people, who, scorecards):
    user = people[who]
    assert codes(perms.scorecard_units_for(user)) == scorecards
    for unit in Unit.objects.all():
        assert perms.can_view_scorecard(user, unit) == (unit.code in scorecards)


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
    assert perms.can_view_person(people["town_manager"], people["learner"])
    assert not perms.can_view_person(people["town_manager"], people["campaign"])
    assert not perms.can_change_person(people["town_manager"], people["learner"])


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
