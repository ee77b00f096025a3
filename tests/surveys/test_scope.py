"""One Scope for every surface, and small cells private against subtraction.

The worked example of docs/metrics.md: a town (own unit 0 respondents) with villages of
20, 20 and 3. For the town's manager the village of 3 is hidden, and so is one village
of 20 (the later by code, SX-T-2), or the town minus the visible villages would be the
village of 3. Every surface gives the same answer: the scorecard page, the API's
scorecard and distributions, the xlsx, csv and json exports.

Answers: SX-T-1 × 20 (R1=A ✓, S1=5, T1 一村建议), SX-T-2 × 20 (R1=B, S1=4, T1 二村建议),
SX-T-3 × 3 (R1=C, S1=1, T1 三村的投诉原话).
"""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from surveys.selectors import ITEM_FIELDS, UNIT_FIELDS
from surveys.services import api_token_issue, campaign_create, campaign_open
from tests.factories import make_person, make_unit
from units.models import Role, Unit

from .conftest import add_responses, make_survey

pytestmark = pytest.mark.django_db

COMPLAINT = "三村的投诉原话"


@pytest.fixture
def town_tree(db):
    root = make_unit("SX", name="示范县", kind_name="其他")
    town = make_unit("SX-T", parent=root, name="和美镇", kind_name="其他")
    for code, name, headcount in (
        ("SX-T-1", "一村", 40),
        ("SX-T-2", "二村", 40),
        ("SX-T-3", "三村", 10),
    ):
        make_unit(code, parent=town, name=name, kind_name="村居", headcount=headcount)
    return root


@pytest.fixture
def town_campaign(town_tree):
    campaign = campaign_create(
        survey=make_survey(), title="和美镇测评", root_unit=town_tree
    )
    campaign = campaign_open(campaign=campaign)
    add_responses(campaign, "SX-T-1", 20, R1="A", S1="5", T1="一村建议")
    add_responses(campaign, "SX-T-2", 20, R1="B", S1="4", T1="二村建议")
    add_responses(campaign, "SX-T-3", 3, R1="C", S1="1", T1=COMPLAINT)
    return campaign


def _manager(code: str, username: str = "mgr"):
    unit = Unit.objects.get(code=code)
    return make_person(username, unit=unit, role=Role.UNIT_MANAGER, managed_unit=unit)


@pytest.fixture
def town_manager(town_campaign):
    return _manager("SX-T")


def _api(client, user, path):
    _token, key = api_token_issue(user=user, name="报表")
    reply = client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert reply.status_code == 200, reply.content
    return reply.json()


def _export(client, user, campaign, file_format):
    client.force_login(user)
    reply = client.get(
        f"/admin/surveys/campaigns/{campaign.pk}/export/?format={file_format}"
    )
    assert reply.status_code == 200
    return reply.content


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}


def _s1_counts(questions):
    s1 = next(q for q in questions if q["code"] == "S1")
    return {o["code"]: o["count"] for o in s1["options"] if o["count"]}


# --- the worked example, surface by surface --------------------------------------------


@pytest.mark.parametrize(
    "code, shown",
    [("SX-T", True), ("SX-T-1", True), ("SX-T-2", False), ("SX-T-3", False)],
)
def test_page_shows_the_town_and_one_village_of_twenty(
    client, town_campaign, town_manager, code, shown
):
    client.force_login(town_manager)
    html = client.get(
        f"/admin/surveys/campaigns/{town_campaign.pk}/scorecard/?unit={code}"
    ).content.decode()
    assert ("各题分布和文字意见不予显示" not in html) == shown
    assert ("认知题逐题正确率" in html) == shown
    # The village of 3's own words never appear, not even in the town's list.
    assert COMPLAINT not in html


def test_page_hidden_notice_names_the_reason(client, town_campaign, town_manager):
    client.force_login(town_manager)
    url = f"/admin/surveys/campaigns/{town_campaign.pk}/scorecard/?unit="
    big = client.get(url + "SX-T-2").content.decode()
    small = client.get(url + "SX-T-3").content.decode()
    assert "相减推算" in big and "答卷少于 5 份，为保护作答人" in small


def test_page_town_list_keeps_the_texts_of_large_villages(
    client, town_campaign, town_manager
):
    client.force_login(town_manager)
    html = client.get(
        f"/admin/surveys/campaigns/{town_campaign.pk}/scorecard/?unit=SX-T"
    ).content.decode()
    assert "一村建议" in html and "二村建议" in html


def test_api_distributions_follow_the_worked_example(
    client, town_campaign, town_manager
):
    base = f"/campaigns/{town_campaign.pk}/distributions?unit="
    hidden = {
        code: _api(client, town_manager, base + code)["hidden"]
        for code in ("SX-T", "SX-T-1", "SX-T-2", "SX-T-3")
    }
    assert hidden == {"SX-T": False, "SX-T-1": False, "SX-T-2": True, "SX-T-3": True}
    town = _api(client, town_manager, base + "SX-T")
    village = _api(client, town_manager, base + "SX-T-1")
    # Town − visible village = 23 people: nothing smaller than 5 to recover.
    assert _s1_counts(town["questions"]) == {"5": 20, "4": 20, "1": 3}
    assert _s1_counts(village["questions"]) == {"5": 20}
    texts = next(q for q in town["questions"] if q["code"] == "T1")["texts"]
    assert sorted(set(texts)) == ["一村建议", "二村建议"]
    assert _api(client, town_manager, base + "SX-T-2")["questions"] == []


def test_api_scorecard_items_are_over_the_managers_town(
    client, town_campaign, town_manager
):
    report = _api(client, town_manager, f"/campaigns/{town_campaign.pk}/scorecard")
    assert [r["unit_code"] for r in report["units"]] == [
        "SX-T",
        "SX-T-1",
        "SX-T-2",
        "SX-T-3",
    ]
    # Headline figures of hidden villages stay: they are not distributions.
    small = report["units"][-1]
    assert (small["respondents"], small["recognising"]) == (3, 0)
    assert {i["code"]: (i["answered"], i["correct"]) for i in report["items"]} == {
        "R1": (43, 20),
        "R2": (0, 0),
    }


def test_json_export_equals_the_api_scorecard(client, town_campaign, town_manager):
    api = _api(client, town_manager, f"/campaigns/{town_campaign.pk}/scorecard")
    exported = json.loads(_export(client, town_manager, town_campaign, "json"))
    assert exported["units"] == api["units"]
    assert exported["items"] == api["items"]


def test_csv_export_has_the_rows_and_no_per_question_data(
    client, town_campaign, town_manager
):
    lines = (
        _export(client, town_manager, town_campaign, "csv")
        .decode("utf-8-sig")
        .splitlines()
    )
    assert lines[0].split(",") == UNIT_FIELDS
    assert [line.split(",")[0] for line in lines[1:]] == [
        "SX-T",
        "SX-T-1",
        "SX-T-2",
        "SX-T-3",
    ]
    assert COMPLAINT not in "\n".join(lines)


def test_xlsx_export_has_the_towns_questions_without_answer_keys(
    client, town_campaign, town_manager
):
    sheets = _sheets(_export(client, town_manager, town_campaign, "xlsx"))
    header, *rows = sheets["questions"]
    assert "is_correct" not in header
    s1 = {r[4]: r[header.index("count")] for r in rows if r[0] == "S1" and r[4]}
    assert {k: v for k, v in s1.items() if v} == {"5": 20, "4": 20, "1": 3}
    assert sheets["items"][0] == tuple(ITEM_FIELDS)
    assert [(r[0], r[2], r[3]) for r in sheets["items"][1:]] == [
        ("R1", 43, 20),
        ("R2", 0, 0),
    ]
    assert COMPLAINT not in repr(sheets)


def test_campaign_managers_see_every_distribution_and_the_keys(client, town_campaign):
    manager = make_person(
        "cm", unit=Unit.objects.get(code="SX"), role=Role.CAMPAIGN_MANAGER
    )
    base = f"/campaigns/{town_campaign.pk}/distributions?unit="
    small = _api(client, manager, base + "SX-T-3")
    assert small["hidden"] is False
    assert _s1_counts(small["questions"]) == {"1": 3}
    texts = next(q for q in small["questions"] if q["code"] == "T1")["texts"]
    assert texts == [COMPLAINT] * 3
    r1 = next(q for q in small["questions"] if q["code"] == "R1")
    assert [o["is_correct"] for o in r1["options"]] == [True, False, False]
    header = _sheets(_export(client, manager, town_campaign, "xlsx"))["questions"][0]
    assert "is_correct" in header


# --- a whole scope below 5 ----------------------------------------------------------


def test_a_scope_of_three_gets_no_item_counts_anywhere(client, town_campaign):
    manager = _manager("SX-T-3", "small")
    report = _api(client, manager, f"/campaigns/{town_campaign.pk}/scorecard")
    assert [r["unit_code"] for r in report["units"]] == ["SX-T-3"]
    assert report["units"][0]["respondents"] == 3
    assert report["items"] == []
    assert json.loads(_export(client, manager, town_campaign, "json"))["items"] == []
    sheets = _sheets(_export(client, manager, town_campaign, "xlsx"))
    assert sheets["items"] == [tuple(ITEM_FIELDS)]
    assert len(sheets["questions"]) == 1


# --- three levels -------------------------------------------------------------------


@pytest.fixture
def county(db):
    """QC (own 0) → QC-A (own 0) → 20, 20; QC-B (own 0) → 2, 10."""
    root = make_unit("QC", name="清城", kind_name="其他")
    for town_code, villages in (("QC-A", (20, 20)), ("QC-B", (2, 10))):
        town = make_unit(town_code, parent=root, kind_name="其他")
        for i, _n in enumerate(villages, start=1):
            make_unit(f"{town_code}-{i}", parent=town, kind_name="村居", headcount=30)
    campaign = campaign_open(
        campaign=campaign_create(survey=make_survey(), title="清城测评", root_unit=root)
    )
    for town_code, villages in (("QC-A", (20, 20)), ("QC-B", (2, 10))):
        for i, n in enumerate(villages, start=1):
            add_responses(
                campaign, f"{town_code}-{i}", n, S1="5", T1=f"{town_code}-{i}意见"
            )
    return campaign


def test_three_levels_city_minus_towns_minus_villages(client, county):
    manager = _manager("QC", "city")
    base = f"/campaigns/{county.pk}/distributions?unit="
    hidden = {
        code: _api(client, manager, base + code)["hidden"]
        for code in ("QC", "QC-A", "QC-A-1", "QC-A-2", "QC-B", "QC-B-1", "QC-B-2")
    }
    # QC-B-1 (2) is hidden; then QC-B minus QC-B-2 would be those 2, so QC-B-2 too.
    assert hidden == {
        "QC": False,
        "QC-A": False,
        "QC-A-1": False,
        "QC-A-2": False,
        "QC-B": False,
        "QC-B-1": True,
        "QC-B-2": True,
    }
    town_b = _api(client, manager, base + "QC-B")
    texts = next(q for q in town_b["questions"] if q["code"] == "T1")["texts"]
    assert set(texts) == {"QC-B-2意见"}
    client.force_login(manager)
    page = client.get(
        f"/admin/surveys/campaigns/{county.pk}/scorecard/?unit=QC-B-2"
    ).content.decode()
    assert "相减推算" in page


def test_a_town_manager_in_the_county_gets_the_same_cells_from_their_top(
    client, county
):
    """QC-B's manager starts the rule from QC-B: the same two villages are hidden, and
    their town's items are shown (12 respondents)."""
    manager = _manager("QC-B", "townb")
    base = f"/campaigns/{county.pk}/distributions?unit="
    assert [
        _api(client, manager, base + c)["hidden"] for c in ("QC-B", "QC-B-1", "QC-B-2")
    ] == [False, True, True]
    report = _api(client, manager, f"/campaigns/{county.pk}/scorecard")
    assert [(i["code"], i["answered"]) for i in report["items"]] == [
        ("R1", 0),
        ("R2", 0),
    ]
    assert [r["unit_code"] for r in report["units"]] == ["QC-B", "QC-B-1", "QC-B-2"]
