"""Public account pages: log in, profile, password."""

import pytest
from django.urls import reverse

from tests.factories import make_person
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_lands_on_me(client, city):
    make_person(
        "zhang3", unit=Unit.objects.get(code="YK-GS-01"), password="Pw-2026-abc!"
    )
    response = client.post(
        reverse("accounts:login"), {"username": "zhang3", "password": "Pw-2026-abc!"}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("home:me"))


def test_login_with_a_wrong_password_says_so(client, city):
    make_person("zhang3", unit=Unit.objects.get(code="YK-GS-01"))
    response = client.post(
        reverse("accounts:login"), {"username": "zhang3", "password": "nope"}
    )
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.content.decode()


def test_profile_changes_name_but_never_role_or_unit(client, city):
    person = make_person("zhang3", unit=Unit.objects.get(code="YK-GS-01"))
    client.force_login(person)
    client.post(
        reverse("accounts:profile"),
        {
            "full_name": "张三",
            "email": "",
            "phone": "",
            "role": "administrator",
            "unit": Unit.objects.get(code="YK").pk,
        },
    )
    person.refresh_from_db()
    assert person.full_name == "张三"
    assert person.role == "learner" and person.unit.code == "YK-GS-01"
    assert not person.is_superuser


def test_me_shows_the_person_and_their_unit(client, city):
    person = make_person("zhang3", unit=Unit.objects.get(code="YK-GS-01"))
    client.force_login(person)
    html = client.get(reverse("home:me")).content.decode()
    assert "姓名zhang3" in html and "胡库村" in html and "学员" in html


def test_issue_activation_codes_command_covers_only_people_not_yet_activated(
    city, tmp_path
):
    import csv
    import io

    from django.core.management import call_command

    from units.models import User

    waiting = User.objects.create(
        username="new1", unit=Unit.objects.get(code="YK-GS-01")
    )
    waiting.set_unusable_password()
    waiting.save()
    make_person("active1", unit=Unit.objects.get(code="YK-GS-02"))
    out = tmp_path / "codes.csv"
    call_command(
        "issue_activation_codes",
        "--unit",
        "YK-GS",
        "-o",
        str(out),
        stderr=io.StringIO(),
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["username"] for r in rows] == ["new1"]
    assert len(rows[0]["code"]) == 11 and rows[0]["unit_code"] == "YK-GS-01"
