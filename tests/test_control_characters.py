"""Invisible control characters: forms and imports refuse them with a clear message
(tab and line breaks stay allowed in free text), exports never fail on text stored
before, and a NUL in a survey link is a 404, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from django.db import connection
from openpyxl import load_workbook

from courses.forms import StorySubmissionForm
from surveys.imports import paper_import
from surveys.models import Answer, CampaignUnit, Response
from surveys.services import campaign_create, campaign_open
from tabular.importing import import_file
from tests.factories import make_person
from tests.surveys.conftest import make_survey
from units.forms import UnitForm
from units.imports import PersonImporter
from units.models import Unit, User

SINGLE_LINE = "含有不可见的控制字符（U+0001），请删除后再提交；此项不能换行。"
FREE_TEXT = "含有不可见的控制字符（U+0000），请删除后再提交；只可使用换行和制表符。"


@pytest.fixture
def campaign(city):
    campaign = campaign_create(survey=make_survey(), title="测评", root_unit=city)
    return campaign_open(campaign=campaign)


@pytest.fixture
def learner(city):
    return make_person("xiaoli", unit=Unit.objects.get(code="YK-GS-01"))


@pytest.mark.parametrize(
    ("name", "char"),
    [("张\x01三", "U+0001"), ("张\x0b三", "U+000B"), ("张\n三", "U+000A")],
)
def test_the_profile_form_refuses_a_name_with_a_control_character(
    client, learner, name, char
):
    client.force_login(learner)
    page = client.post("/accounts/profile/", {"full_name": name, "email": ""})
    assert page.status_code == 200
    assert SINGLE_LINE.replace("U+0001", char) in page.content.decode()
    assert User.objects.get(username="xiaoli").full_name == "姓名xiaoli"


def test_the_unit_form_refuses_a_name_with_a_control_character(city):
    form = UnitForm(
        data={
            "code": "YK-X",
            "name": "新\x1f单元",
            "kind": Unit.objects.get(code="YK-JG-01").kind_id,
            "headcount": 5,
        }
    )
    assert not form.is_valid()
    assert form.errors["name"] == [SINGLE_LINE.replace("U+0001", "U+001F")]


def test_the_story_form_refuses_control_characters_but_keeps_line_breaks():
    data = {
        "token": str(uuid.uuid4()),
        "title": "家\x01风",
        "place": "古山镇",
        "text": "第一段，讲讲我家的家风家训。\n\n\t第二段，背后的故事很长很长。",
    }
    form = StorySubmissionForm(data=data)
    assert not form.is_valid()
    assert list(form.errors) == ["title"]
    assert form.errors["title"] == [SINGLE_LINE]
    form = StorySubmissionForm(data={**data, "title": "家风", "text": "正文\x07" * 10})
    assert not form.is_valid()
    assert form.errors["text"] == [FREE_TEXT.replace("U+0000", "U+0007")]


STORED = ["张\x01三", "李\x0b四", "王\x1f五"]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_exports_do_not_fail_on_names_stored_before_the_forms_refused_them(
    client, admin_user, file_format
):
    unit = Unit.objects.get(code="YK-GS-01")
    names = STORED + (["赵\x00六"] if connection.vendor == "sqlite" else [])
    for number, name in enumerate(names):
        person = make_person(f"p{number}", unit=unit)
        User.objects.filter(pk=person.pk).update(full_name=name)
    client.force_login(admin_user)
    response = client.get(f"/admin/units/people/export/?format={file_format}")
    assert response.status_code == 200
    if file_format == "xlsx":
        rows = (
            load_workbook(io.BytesIO(response.content))
            .worksheets[0]
            .iter_rows(values_only=True)
        )
    else:
        rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    exported = {row[0]: row[1] for row in rows}
    assert [exported[f"p{n}"] for n in range(len(names))] == [
        "张三",
        "李四",
        "王五",
        *(["赵六"] if connection.vendor == "sqlite" else []),
    ]


@pytest.mark.parametrize("text", ["张\x01三", "张\x00三"])
def test_a_people_file_with_a_control_character_is_refused_and_writes_nothing(
    city, text
):
    data = f"username,name,unit_code\nli,{text},YK-GS-01\nwang,王五,YK-GS-01\n"
    report = import_file(
        PersonImporter(), data=data.encode(), filename="p.csv", dry_run=False
    )
    char = "U+0001" if "\x01" in text else "U+0000"
    assert [str(e) for e in report.errors] == [
        f"第 2 行（name）：含有不可见的控制字符（{char}），请删除后重新导入。"
    ]
    assert not User.objects.filter(username__in=["li", "wang"]).exists()


def test_a_people_file_may_carry_tabs_and_line_breaks_in_a_cell(city):
    data = 'username,name,unit_code\nli,"张\t三\n",YK-GS-01\n'.encode()
    report = import_file(PersonImporter(), data=data, filename="p.csv", dry_run=False)
    assert report.errors == [] and report.applied


def test_a_paper_file_with_a_nul_in_a_text_answer_is_refused(campaign):
    data = "unit_code,R1,S1,T1\nYK-GS-01,A,5,建议\x00多公开\n".encode()
    report = paper_import(campaign=campaign, data=data, filename="p.csv", dry_run=False)
    assert [str(e) for e in report.errors] == [
        "第 2 行（T1）：含有不可见的控制字符（U+0000），请删除后重新导入。"
    ]
    assert Response.objects.count() == 0


def _answers(client, url: str, text: str) -> dict:
    """The questionnaire's own key and first R1 option (options may be sent as
    opaque tokens), a satisfaction answer and `text` for the free-text question."""
    html = client.get(url).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    option = re.search(r'name="q_R1" value="([^"]+)"', html).group(1)
    return {"q_R1": option, "q_S1": "5", "q_T1": text, "idempotency_key": key}


def test_a_survey_answer_with_a_nul_is_refused_with_a_message(client, campaign):
    token = CampaignUnit.objects.get(campaign=campaign, unit__code="YK-GS-01").token
    url = f"/surveys/u/{token}/"
    page = client.post(url, _answers(client, url, "多公开\x00"))
    assert page.status_code == 400  # the questionnaire again, with the message
    assert FREE_TEXT in page.content.decode()
    assert Response.objects.filter(completed_at__isnull=False).count() == 0
    # Line breaks and tabs are what free text is made of.
    page = client.post(url, _answers(client, url, "多公开\r\n\t少开会"))
    assert page.status_code == 302
    assert Answer.objects.get(question__code="T1").text == "多公开\r\n\t少开会"


@pytest.mark.parametrize("path", ["/surveys/u/%00/", "/surveys/u/a%00b/"])
def test_a_survey_link_with_a_nul_is_not_found(client, campaign, path):
    assert client.get(path).status_code == 404
