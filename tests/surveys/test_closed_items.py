"""A closed campaign's per-item recognition figures stay attached to their questions
after the survey gains a recognition question or has its questions reordered (the
structure lock allows both).

Responses store one bit per recognition item, by the item's position among the
survey's recognition items. Closed campaigns are not rescored, so their bits keep the
positions the items had at closing. Figures from the `scored` fixture (conftest.py),
counted by hand:

  whole campaign: R1 answered 73, right 69 (33 + 2 + 3 + 31); R2 73, 67 (33 + 3 + 31)
  YK-GS subtree:  R1 42, 38; R2 42, 36; 43 respondents, recognising 36 (33 + 3)
  YK-GS-01:       R1 39, 35; R2 39, 33
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import F
from openpyxl import load_workbook

from surveys.models import Option, Question, QuestionKind
from surveys.services import api_token_issue, campaign_close, campaigns_rescore
from tests.factories import make_person
from units.models import Role, Unit

pytestmark = pytest.mark.django_db

CAMPAIGN = {"R1": (73, 69), "R2": (73, 67)}
TOWN = {"R1": (42, 38), "R2": (42, 36)}
VILLAGE = {"R1": (39, 35), "R2": (39, 33)}


@pytest.fixture
def manager(city):
    return make_person(
        "cm", unit=Unit.objects.get(code="YK-JG-01"), role=Role.CAMPAIGN_MANAGER
    )


@pytest.fixture
def town_manager(city):
    return make_person(
        "gsm",
        unit=Unit.objects.get(code="YK-GS-01"),
        role=Role.UNIT_MANAGER,
        managed_unit=Unit.objects.get(code="YK-GS"),
    )


def add_recognition_question_first(survey) -> None:
    """A new recognition item R0 placed before R1 and R2, as the question form saves
    it (the form rescores the open campaigns after saving)."""
    Question.objects.filter(survey=survey).update(sort_order=F("sort_order") + 1)
    question = Question.objects.create(
        survey=survey,
        code="R0",
        kind=QuestionKind.RECOGNITION,
        text="新题",
        sort_order=0,
    )
    Option.objects.create(question=question, code="A", label="是", is_correct=True)
    Option.objects.create(question=question, code="B", label="否", sort_order=1)
    campaigns_rescore(survey=survey)


def swap_recognition_questions(survey) -> None:
    """R2 moved before R1."""
    Question.objects.filter(survey=survey, code="R1").update(sort_order=1)
    Question.objects.filter(survey=survey, code="R2").update(sort_order=0)
    campaigns_rescore(survey=survey)


@pytest.fixture(params=[add_recognition_question_first, swap_recognition_questions])
def restructured(request, scored):
    closed = campaign_close(campaign=scored)
    request.param(closed.survey)
    return closed


def _items(rows) -> dict:
    return {i["code"]: (i["answered"], i["correct"]) for i in rows}


def _sheet(data: bytes, name: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True)[name].values)


def test_admin_scorecard_page_of_a_closed_campaign(
    client, manager, town_manager, restructured
):
    url = f"/admin/surveys/campaigns/{restructured.pk}/scorecard/"
    client.force_login(manager)
    assert _items(client.get(url).context["items"]) == CAMPAIGN
    assert _items(client.get(f"{url}?unit=YK-GS-01").context["items"]) == VILLAGE
    client.force_login(town_manager)
    page = client.get(url)
    assert _items(page.context["items"]) == TOWN
    assert page.context["row"]["recognising"] == 36


def test_campaign_report_json_of_a_closed_campaign(restructured):
    out = io.StringIO()
    call_command("campaign_report", restructured.pk, stdout=out)
    report = json.loads(out.getvalue())
    assert _items(report["items"]) == CAMPAIGN
    assert [i["text"] for i in report["items"]] == [
        "胡公为官一任，为百姓做了哪件事？",
        "以下哪些是清廉单元？",
    ]


def test_api_scorecard_of_a_closed_campaign(
    client, admin_user, town_manager, restructured
):
    url = f"/api/v1/campaigns/{restructured.pk}/scorecard"
    _token, key = api_token_issue(user=admin_user, name="bi")
    data = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert _items(data["items"]) == CAMPAIGN
    _token, key = api_token_issue(user=town_manager, name="bi")
    data = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert _items(data["items"]) == TOWN
    town = next(r for r in data["units"] if r["unit_code"] == "YK-GS")
    assert (town["respondents"], town["recognising"]) == (43, 36)


def test_exports_of_a_closed_campaign(client, manager, town_manager, restructured):
    url = f"/admin/surveys/campaigns/{restructured.pk}/export/"
    client.force_login(town_manager)
    assert _items(client.get(f"{url}?format=json").json()["items"]) == TOWN
    sheets = client.get(f"{url}?format=xlsx").content
    header, *rows = _sheet(sheets, "items")
    assert {r[0]: (r[2], r[3]) for r in rows} == TOWN
    client.force_login(manager)
    sheets = client.get(f"{url}?format=xlsx").content
    header, *rows = _sheet(sheets, "items")
    assert {r[0]: (r[2], r[3]) for r in rows} == CAMPAIGN
    # The questions sheet counts answer rows by question: R1's options as answered.
    header, *rows = _sheet(sheets, "questions")
    r1 = {r[4]: r[7] for r in rows if r[0] == "R1"}
    assert r1 == {"A": 69, "B": 4, "C": 0}


def test_open_campaigns_follow_the_new_order(scored):
    """Open campaigns are rescored on save, so their bits follow the survey as it is."""
    from surveys.selectors import scorecard_compute

    swap_recognition_questions(scored.survey)
    items = scorecard_compute(campaign=scored)["items"]
    assert [i["code"] for i in items] == ["R2", "R1"]
    assert _items(items) == CAMPAIGN


def test_the_frozen_scorecard_lists_the_items_in_bit_order(scored):
    closed = campaign_close(campaign=scored)
    frozen = closed.frozen_scorecard["items"]
    assert [(i["code"], i["answered"], i["correct"]) for i in frozen] == [
        ("R1", 73, 69),
        ("R2", 73, 67),
    ]
    assert frozen[0]["rate"] == pytest.approx(69 / 73)


def test_closing_rescores_so_the_frozen_order_is_the_bit_order(scored):
    """Even if the order changed behind the services' back while open, closing stores
    masks and item list that agree."""
    Question.objects.filter(survey=scored.survey, code="R2").update(sort_order=0)
    Question.objects.filter(survey=scored.survey, code="R1").update(sort_order=1)
    closed = campaign_close(campaign=scored)
    frozen = closed.frozen_scorecard["items"]
    assert [i["code"] for i in frozen] == ["R2", "R1"]
    assert _items(frozen) == CAMPAIGN


def test_closed_campaigns_are_never_rescored(scored):
    from django.core.exceptions import ValidationError

    from surveys.services import responses_score

    closed = campaign_close(campaign=scored)
    with pytest.raises(ValidationError, match="已结束的测评活动不再重新计分"):
        responses_score(campaign=closed)
