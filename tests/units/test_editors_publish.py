"""On a fresh install an editor publishes: the Editors group (the editor role's group)
may publish, lock and unlock pages from the root down; Wagtail's initial data alone
keeps publishing for Moderators."""

import pytest
from wagtail.models import Page

from tests.factories import make_person, make_unit
from units.models import Role

pytestmark = pytest.mark.django_db


def test_an_editor_may_publish_any_page_and_a_learner_may_not():
    office = make_unit("ED-1", name="宣传部")
    editor = make_person("editor", unit=office, role=Role.EDITOR)
    learner = make_person("learner", unit=office)
    page = Page.objects.get(depth=2)  # the site's home page from Wagtail's initial data
    editor_perms = page.permissions_for_user(editor)
    assert editor_perms.can_publish() is True
    assert editor_perms.can_lock() is True
    assert page.permissions_for_user(learner).can_publish() is False
