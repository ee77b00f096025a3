"""The downloadable import templates for units and people: Chinese headers the importers
read, a notes sheet, no example row, and a file name browsers decode."""

import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tabular.importing import import_file
from tests.factories import make_person
from units.imports import PersonImporter, UnitImporter
from units.models import Role, Unit, UnitKind, User

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _download(client, name):
    response = client.get(reverse(f"units_admin:{name}"))
    assert response.status_code == 200
    return response


def _sheets(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def test_the_units_template_is_a_header_row_and_a_notes_sheet(admin_client):
    response = _download(admin_client, "unit_template")
    assert response["Content-Type"] == XLSX
    sheets = _sheets(response)
    assert list(sheets) == ["清廉单元", "填写说明"]
    assert sheets["清廉单元"] == [["编码", "名称", "类型", "上级编码", "人数"]]
    notes = dict(sheets["填写说明"][1:])
    assert sheets["填写说明"][0] == ["列名", "说明"]
    assert list(notes) == ["编码", "名称", "类型", "上级编码", "人数"]
    assert "可选：机关、企业、学校、医院、村居、家庭、中介、其他。" in notes["类型"]


def test_the_units_template_lists_the_kinds_this_database_has(admin_client):
    UnitKind.objects.create(name="金融", sort_order=65)
    notes = dict(_sheets(_download(admin_client, "unit_template"))["填写说明"][1:])
    assert (
        "可选：机关、企业、学校、医院、村居、家庭、中介、金融、其他。" in notes["类型"]
    )


def test_the_template_keeps_codes_as_text_so_leading_zeros_survive(admin_client):
    workbook = load_workbook(
        io.BytesIO(_download(admin_client, "unit_template").content)
    )
    sheet = workbook.worksheets[0]
    assert sheet.column_dimensions["A"].number_format == "@"  # 编码
    assert sheet.column_dimensions["D"].number_format == "@"  # 上级编码
    assert sheet.column_dimensions["E"].number_format == "General"  # 人数


def test_template_file_names_are_chinese_and_rfc_6266_encoded(admin_client):
    units = _download(admin_client, "unit_template")
    assert units["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('清廉单元导入模板.xlsx')}"
    )
    people = _download(admin_client, "person_template")
    assert people["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('人员导入模板.xlsx')}"
    )


def test_the_untouched_units_template_imports_nothing_and_says_the_file_is_empty(
    admin_client,
):
    data = _download(admin_client, "unit_template").content
    before = Unit.objects.count()
    report = import_file(UnitImporter(), data=data, filename="t.xlsx", dry_run=False)
    assert [str(e) for e in report.errors] == ["文件：文件中没有数据行。"]
    assert not report.applied and Unit.objects.count() == before


def test_the_untouched_template_uploaded_on_the_import_page_is_refused_plainly(
    admin_client,
):
    data = _download(admin_client, "unit_template").content
    response = admin_client.post(
        reverse("units_admin:unit_import"),
        {"file": SimpleUploadedFile("清廉单元导入模板.xlsx", data)},
    )
    html = response.content.decode()
    assert "文件：文件中没有数据行。" in html
    assert 'name="token"' not in html


def _filled(data, *rows):
    workbook = load_workbook(io.BytesIO(data))
    for row in rows:
        workbook.worksheets[0].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_units_template_filled_in_imports_and_its_notes_are_ignored(admin_client):
    data = _filled(
        _download(admin_client, "unit_template").content,
        ["007", "城西街道", "其他", "YK", None],
        ["007-01", "西山社区", "村居", "007", 260],
    )
    report = import_file(UnitImporter(), data=data, filename="t.xlsx", dry_run=False)
    assert [str(e) for e in report.errors] == []
    assert report.created == 2
    community = Unit.objects.get(code="007-01")
    assert community.headcount == 260 and community.get_parent().code == "007"


def test_the_people_template_is_a_header_row_and_a_notes_sheet(admin_client):
    sheets = _sheets(_download(admin_client, "person_template"))
    assert list(sheets) == ["人员", "填写说明"]
    assert sheets["人员"] == [["用户名", "姓名", "单元编码", "角色", "邮箱", "手机号"]]
    notes = dict(sheets["填写说明"][1:])
    assert notes["角色"].startswith("可选：学员、单元管理员、测评管理员、内容编辑；")


def test_the_untouched_people_template_imports_nothing(admin_client):
    data = _download(admin_client, "person_template").content
    report = import_file(PersonImporter(), data=data, filename="t.xlsx", dry_run=False)
    assert [str(e) for e in report.errors] == ["文件：文件中没有数据行。"]
    assert User.objects.count() == 1  # the administrator who downloaded it


def test_the_people_template_filled_in_imports(admin_client):
    data = _filled(
        _download(admin_client, "person_template").content,
        ["wang5", "王五", "YK-GS-01", "单元管理员", None, "13800000000"],
    )
    report = import_file(PersonImporter(), data=data, filename="t.xlsx", dry_run=False)
    assert [str(e) for e in report.errors] == []
    wang = User.objects.get(username="wang5")
    assert wang.role == Role.UNIT_MANAGER and wang.phone == "13800000000"


def test_import_pages_and_listings_link_to_their_templates(admin_client):
    for page, template in (
        ("units_admin:unit_import", "units_admin:unit_template"),
        ("units_unit:index", "units_admin:unit_template"),
        ("units_admin:person_import", "units_admin:person_template"),
        ("units_person:index", "units_admin:person_template"),
    ):
        html = admin_client.get(reverse(page)).content.decode()
        assert f'href="{reverse(template)}"' in html, page


def test_the_import_page_explains_the_template_columns(admin_client):
    html = admin_client.get(reverse("units_admin:unit_import")).content.decode()
    assert "<code>上级编码</code>" in html
    assert "可选：机关、企业、学校、医院、村居、家庭、中介、其他。" in html


def test_only_those_who_may_import_can_download_the_templates(client, city):
    manager = make_person(
        "mgr",
        unit=Unit.objects.get(code="YK-GS"),
        role=Role.UNIT_MANAGER,
    )
    client.force_login(manager)
    for name in ("unit_template", "person_template"):
        refused = client.get(reverse(f"units_admin:{name}"))
        # Wagtail turns a refusal in its admin into a redirect to the dashboard.
        assert (refused.status_code, refused["Location"]) == (302, "/admin/"), name
