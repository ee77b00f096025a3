"""`manage.py load_demo`: the seed figures, the demo accounts, and idempotency."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from units.models import Unit, User

pytestmark = pytest.mark.django_db


def test_units_demo_matches_the_yongkang_seed_figures_and_is_idempotent(monkeypatch):
    from units.demo import load as load_units

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-2026")
    load_units(stdout=io.StringIO())
    load_units(stdout=io.StringIO())
    root = Unit.objects.get(code="YK")
    kinds = dict(
        Unit.objects.filter(path__startswith=root.path)
        .order_by()
        .values_list("kind__name")
        .annotate(n=Count("id"))
    )
    assert {k: kinds[k] for k in ("机关", "学校", "医院", "企业", "村居")} == {
        "机关": 3,
        "学校": 8,
        "医院": 3,
        "企业": 9,
        "村居": 48,
    }
    assert Unit.objects.get(code="YK-GS-01").name == "胡库村"
    assert Unit.objects.filter(code__startswith="KM").exists()
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1
    assert User.objects.get(username="yk_manager").scope_unit == root


def test_generated_password_is_printed_once_and_never_changed_by_a_rerun(monkeypatch):
    from units.demo import load as load_units

    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    first = io.StringIO()
    load_units(stdout=first)
    password = first.getvalue().split("shown once: ")[1].split()[0]
    assert User.objects.get(username="admin").check_password(password)
    second = io.StringIO()
    load_units(stdout=second)
    assert "shown once" not in second.getvalue()
    assert User.objects.get(username="admin").check_password(password)


def test_load_demo_runs_twice_without_duplicating_anything(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-2026")
    call_command("load_demo", stdout=io.StringIO())
    from wagtail.models import Page

    counts = (Unit.objects.count(), User.objects.count(), Page.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Unit.objects.count(), User.objects.count(), Page.objects.count()) == counts
