"""The units and people pages of the Wagtail admin: listings scoped by role, import
preview and confirm, exports, activation codes."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person
from units.models import Role, Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_unit_tree_listing_shows_subtree_headcounts(admin_client):
    html = admin_client.get(reverse("units_unit:index")).content.decode()
    assert "永康市" in html and "胡库村" in html
    # 永康市's own headcount is 0, its subtree 180.
    assert ">180<" in html.replace(" ", "").replace("\n", "")


def test_unit_listing_filters_by_parent_and_kind(admin_client):
    town = Unit.objects.get(code="YK-GS")
    html = admin_client.get(
        reverse("units_unit:index_results"), {"parent": town.pk}
    ).content.decode()
    assert "胡库村" in html and "示范村" in html and "纪委" not in html
    village_kind = Unit.objects.get(code="YK-GS-01").kind_id
    html = admin_client.get(
        reverse("units_unit:index_results"), {"kind": village_kind}
    ).content.decode()
    assert "胡库村" in html and "纪委" not in html


def test_unit_listing_search_matches_chinese_names_and_codes(admin_client):
    html = admin_client.get(
        reverse("units_unit:index_results"), {"q": "胡库"}
    ).content.decode()
    assert "胡库村" in html and "示范村" not in html


def test_unit_listing_query_count_does_not_grow_with_units(
    admin_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        admin_client.get(reverse("units_unit:index"))


def test_unit_manager_sees_only_their_subtree_and_cannot_edit(client, city):
    manager = make_person(
        "mgr",
        unit=Unit.objects.get(code="YK-JG-01"),
        role=Role.UNIT_MANAGER,
        managed_unit=Unit.objects.get(code="YK-GS"),
    )
    client.force_login(manager)
    html = client.get(reverse("units_unit:index")).content.decode()
    assert "胡库村" in html and "纪委" not in html
    village = Unit.objects.get(code="YK-GS-01")
    assert client.get(reverse("units_unit:edit", args=[village.pk])).status_code in (
        302,
        403,
    )
    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    refused = client.get(reverse("units_admin:unit_import"))
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")


def test_learner_cannot_open_the_admin(client, city):
    client.force_login(make_person("l1", unit=Unit.objects.get(code="YK-GS-01")))
    response = client.get(reverse("units_unit:index"))
    assert response.status_code == 302


def test_creating_a_unit_in_the_admin_places_it_in_the_tree(admin_client):
    town = Unit.objects.get(code="YK-GS")
    response = admin_client.post(
        reverse("units_unit:add"),
        {
            "code": "YK-GS-03",
            "name": "新村",
            "kind": town.kind_id,
            "headcount": "25",
            "parent": town.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Unit.objects.get(code="YK-GS-03").get_parent().code == "YK-GS"


def test_moving_a_unit_under_its_descendant_is_refused_in_the_form(admin_client):
    town = Unit.objects.get(code="YK-GS")
    village = Unit.objects.get(code="YK-GS-01")
    response = admin_client.post(
        reverse("units_unit:edit", args=[town.pk]),
        {
            "code": "YK-GS",
            "name": "古山镇",
            "kind": town.kind_id,
            "headcount": "0",
            "parent": village.pk,
        },
    )
    assert response.status_code == 200
    assert Unit.objects.get(code="YK-GS").get_parent().code == "YK"


def test_import_preview_then_confirm(admin_client):
    upload = SimpleUploadedFile(
        "units.csv",
        "code,name,kind,parent_code,headcount\nYK-GS-03,新村,村居,YK-GS,40\n".encode(),
    )
    url = reverse("units_admin:unit_import")
    preview = admin_client.post(url, {"file": upload})
    html = preview.content.decode()
    assert "将新增 1 条" in html and "确认导入" in html
    assert not Unit.objects.filter(code="YK-GS-03").exists()
    token = preview.context["token"]
    done = admin_client.post(url, {"token": token})
    assert done.status_code == 302
    assert Unit.objects.get(code="YK-GS-03").headcount == 40


def test_import_preview_lists_every_error_and_offers_no_confirm(admin_client):
    upload = SimpleUploadedFile(
        "units.csv",
        "code,name,kind,parent_code,headcount\nA,甲,银行,,1\nB,乙,村居,NOPE,1\n".encode(),
    )
    html = admin_client.post(
        reverse("units_admin:unit_import"), {"file": upload}
    ).content.decode()
    assert "发现 2 处错误" in html
    assert "第 2 行（kind）" in html and "第 3 行（parent_code）" in html
    assert "确认导入" not in html


def test_confirm_with_a_forged_token_is_refused(admin_client):
    response = admin_client.post(
        reverse("units_admin:unit_import"), {"token": "../../etc/passwd"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_unit_export_round_trips_through_the_importer(admin_client):
    response = admin_client.get(reverse("units_admin:unit_export"), {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {
        "code": "YK",
        "name": "永康市",
        "kind": "其他",
        "parent_code": "",
        "headcount": "0",
    }
    assert {
        "code": "YK-GS-01",
        "parent_code": "YK-GS",
        "headcount": "100",
    }.items() <= next(r for r in rows if r["code"] == "YK-GS-01").items()


def test_people_export_xlsx(admin_client, city):
    make_person("zhang3", unit=Unit.objects.get(code="YK-GS-01"))
    response = admin_client.get(
        reverse("units_admin:person_export"), {"format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("username", "name", "unit_code", "role", "email", "phone")
    assert ("zhang3", "姓名zhang3", "YK-GS-01", "learner") == rows[1][:4]


def test_activation_codes_are_issued_once_and_let_people_set_a_password(
    admin_client, client
):
    person = User.objects.create(
        username="new1", unit=Unit.objects.get(code="YK-GS-01")
    )
    person.set_unusable_password()
    person.save()
    response = admin_client.post(
        reverse("units_admin:activation_codes"),
        {"unit": Unit.objects.get(code="YK").pk},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["username"] for r in rows] == ["new1"]
    code = rows[0]["code"]
    assert code not in str(list(person.activation_codes.values()))

    form = {
        "username": "new1",
        "code": code,
        "password1": "Qinglian-2026!",
        "password2": "Qinglian-2026!",
    }
    client.logout()
    done = client.post(reverse("accounts:activate"), form)
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Qinglian-2026!")
    # A spent code cannot be used again.
    client.logout()
    again = client.post(reverse("accounts:activate"), form)
    assert "激活码已使用、已过期" in again.content.decode()


def test_activation_with_a_wrong_code_is_refused(client, city):
    User.objects.create(username="new2")
    response = client.post(
        reverse("accounts:activate"),
        {"username": "new2", "code": "AAAAA-BBBBB", "password1": "x", "password2": "x"},
    )
    assert "用户名或激活码不正确" in response.content.decode()


def test_people_are_managed_in_one_place_not_in_wagtails_user_screens(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert '"/admin/users/"' not in html and '"/admin/groups/"' in html
    assert reverse("units_person:index") in html


def test_previewed_uploads_wait_outside_the_public_media_folder(admin_client, settings):
    upload = SimpleUploadedFile(
        "units.csv",
        "code,name,kind,parent_code,headcount\nYK-GS-03,新村,村居,YK-GS,40\n".encode(),
    )
    preview = admin_client.post(reverse("units_admin:unit_import"), {"file": upload})
    token = preview.context["token"]
    assert (settings.IMPORT_UPLOAD_ROOT / token).is_file()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not list(media.rglob(token))
    admin_client.post(reverse("units_admin:unit_import"), {"token": token})
    assert not (settings.IMPORT_UPLOAD_ROOT / token).exists()


def test_uploads_never_confirmed_are_swept_after_a_day(admin_client, settings):
    import os
    import time

    settings.IMPORT_UPLOAD_ROOT.mkdir(parents=True)
    stale = settings.IMPORT_UPLOAD_ROOT / "0123abcd.csv"
    stale.write_text("old roster")
    day_old = time.time() - 25 * 3600
    os.utime(stale, (day_old, day_old))
    upload = SimpleUploadedFile(
        "units.csv", "code,name,kind,parent_code,headcount\nX1,新,村居,,1\n".encode()
    )
    admin_client.post(reverse("units_admin:unit_import"), {"file": upload})
    assert not stale.exists()
