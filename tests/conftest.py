"""Fixtures shared by the whole suite."""

import shutil
from importlib import import_module

import pytest

from tests.factories import make_person, make_unit
from units.models import Role


@pytest.fixture(autouse=True)
def _kinds_after_a_flush(request):
    """Run the default-kinds data migration again before each transactional test.

    A transactional test ends with a flush that empties every table, rows written by data
    migrations included, so the next one would start with less than a fresh install has.
    Only transactional tests need this: every other test sees the migrated database as is.
    (Django's serialized_rollback would restore every table, but restoring this project's
    database on PostgreSQL fails on a duplicate content type.)
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get(
        "transaction", bool(marker.args and marker.args[0])
    )
    if not (transactional or "transactional_db" in request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    migration = import_module("units.migrations.0002_default_unit_kinds")
    migration.add_default_kinds(apps, None)


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "import-uploads"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's default language (zh-hans). A request or consumer
    that activates English leaves it active in its thread, and a later test on the same
    worker would otherwise read English messages where it asserts Chinese ones."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def city(db):
    """永康市 → 古山镇 → 胡库村 / 示范村, and 市直机关 → 纪委: a small tree for most tests."""
    root = make_unit("YK", name="永康市", kind_name="其他")
    town = make_unit("YK-GS", parent=root, name="古山镇", kind_name="其他")
    make_unit("YK-GS-01", parent=town, name="胡库村", kind_name="村居", headcount=100)
    make_unit("YK-GS-02", parent=town, name="示范村", kind_name="村居", headcount=50)
    office = make_unit("YK-JG", parent=root, name="市直机关", kind_name="其他")
    make_unit("YK-JG-01", parent=office, name="纪委", kind_name="机关", headcount=30)
    return root


@pytest.fixture
def admin_user(db, city):
    from units.models import Unit

    return make_person(
        "root", unit=Unit.objects.get(code="YK-JG-01"), role=Role.ADMINISTRATOR
    )


@pytest.fixture
def site_home(db):
    """A home page as the default site's root, for tests that build page trees."""
    from wagtail.models import Page, Site

    from home.models import HomePage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="清廉学堂", slug="qlxt-home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    return home
