"""Every admin view, listed in a menu or not, keeps data outside the reader's scope out.

The test walks the whole admin URL conf (Django's resolver, recursively) and opens every
named view as each role, filling its arguments with the ids of objects outside the
reader's scope: a unit of another town and a person living there. No answer may carry
that unit's name or that person's name or email, whatever its status. (The logout view
is left out: it would end the walk's session.)
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import (
    NoReverseMatch,
    URLPattern,
    URLResolver,
    get_resolver,
    reverse,
)

from surveys.services import campaign_create, campaign_open
from tests.factories import make_person, make_unit
from tests.surveys.conftest import add_responses, make_survey
from units.models import Role

pytestmark = pytest.mark.django_db

FOREIGN_UNIT_NAME = "外镇保密村"
FOREIGN_EMAIL = "outsider@example.org"
FOREIGN_PERSON = "外镇张某"


@pytest.fixture
def world(db):
    root = make_unit("RC", name="测试市", kind_name="其他")
    home = make_unit("RC-H", parent=root, name="本镇", kind_name="其他")
    village = make_unit("RC-H-1", parent=home, name="本镇一村", kind_name="村居")
    away = make_unit("RC-W", parent=root, name="外镇", kind_name="其他")
    foreign = make_unit(
        "RC-W-1", parent=away, name=FOREIGN_UNIT_NAME, kind_name="村居", headcount=9
    )
    outsider = make_person("outsider", unit=foreign)
    outsider.email, outsider.full_name = FOREIGN_EMAIL, FOREIGN_PERSON
    outsider.save(update_fields=["email", "full_name"])
    campaign = campaign_open(
        campaign=campaign_create(survey=make_survey(), title="测评", root_unit=root)
    )
    add_responses(campaign, "RC-W-1", 6, R1="A", S1="5", T1="外镇意见")
    add_responses(campaign, "RC-H-1", 6, R1="A", S1="5", T1="本镇意见")
    people = {
        "learner": make_person("learner", unit=village),
        "unit_manager": make_person(
            "um", unit=village, role=Role.UNIT_MANAGER, managed_unit=home
        ),
        "campaign_manager": make_person("cm", unit=village, role=Role.CAMPAIGN_MANAGER),
        "editor": make_person("ed", unit=village, role=Role.EDITOR),
        "administrator": make_person("adm", unit=village, role=Role.ADMINISTRATOR),
    }
    return {
        "people": people,
        "ids": {
            "pk": [foreign.pk, outsider.pk],
            "campaign_id": [campaign.pk],
            "unit_code": ["RC-W-1"],
            "file_format": ["svg"],
        },
    }


# What each role must never see. Campaign managers read every unit's figures, but
# nobody's account but their own.
PERSON = (FOREIGN_PERSON, FOREIGN_EMAIL)
FORBIDDEN = {
    "learner": (FOREIGN_UNIT_NAME, *PERSON),
    "unit_manager": (FOREIGN_UNIT_NAME, *PERSON),
    "campaign_manager": PERSON,
    "editor": (FOREIGN_UNIT_NAME, *PERSON),
}


def _admin_views(patterns, namespace=""):
    """(name, converter kwargs) of every named view under /admin/."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _admin_views(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and "logout" not in (
            pattern.name or "logout"
        ):
            kwargs = re.findall(r"<(?:(\w+):)?(\w+)>", str(pattern.pattern))
            yield f"{namespace}{pattern.name}", kwargs


def _urls(ids):
    """Each admin view's URL once per foreign object its arguments can name."""
    seen = set()
    for name, kwargs in _admin_views(get_resolver().url_patterns):
        choices = [[]]
        for converter, key in kwargs:
            default = [1] if converter in ("int", "") else ["x"]
            if converter == "slug":
                default = ["x"]
            values = ids.get(key) or ([ids["pk"][0]] if key.endswith("_id") else None)
            choices = [c + [(key, v)] for c in choices for v in (values or default)]
        for choice in choices:
            try:
                url = reverse(name, kwargs=dict(choice))
            except NoReverseMatch:  # a regex argument our values do not fit
                url = ""
            if url.startswith("/admin/") and url not in seen:
                seen.add(url)
                yield url


@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_no_admin_view_shows_data_outside_the_scope(world, role):
    client = Client(raise_request_exception=False)
    client.force_login(world["people"][role])
    leaks, opened = [], 0
    for url in _urls(world["ids"]):
        # A search for the outsider and the foreign unit's code, where a view reads them.
        reply = client.get(url, {"q": "outsider", "unit": "RC-W-1"})
        if role != "learner":  # a learner is sent to the login page; others stay in
            assert "/login/" not in reply.get("Location", ""), url
        opened += 1
        body = reply.content.decode(errors="replace")
        found = [marker for marker in FORBIDDEN[role] if marker in body]
        if found:
            leaks.append((url, reply.status_code, found))
    assert opened > 250
    assert leaks == []


def test_the_walk_does_reach_the_data_as_an_administrator(world):
    """The same walk as an administrator finds both markers, so the test above has
    teeth: the URLs and arguments do reach the foreign unit and person."""
    client = Client(raise_request_exception=False)
    client.force_login(world["people"]["administrator"])
    found = set()
    for url in _urls(world["ids"]):
        if not url.startswith(("/admin/users/", "/admin/units_", "/admin/surveys/")):
            continue
        body = client.get(url, {"q": "outsider"}).content.decode(errors="replace")
        found |= {m for m in (FOREIGN_UNIT_NAME, *PERSON) if m in body}
    assert found == {FOREIGN_UNIT_NAME, *PERSON}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/",
        "/admin/users/?q=outsider",
    ],
)
def test_unit_managers_get_404_from_wagtails_user_admin(client, world, url):
    client.force_login(world["people"]["unit_manager"])
    assert client.get(url).status_code == 404


def test_unit_inspect_outside_the_subtree_is_404(client, world):
    client.force_login(world["people"]["unit_manager"])
    foreign, _person = world["ids"]["pk"]
    assert client.get(f"/admin/units_unit/inspect/{foreign}/").status_code == 404
    own = world["people"]["unit_manager"].managed_unit_id
    assert client.get(f"/admin/units_unit/inspect/{own}/").status_code == 200
