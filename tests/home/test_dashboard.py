"""The admin dashboard starts each role's day: open campaigns with participation against
the target and days left, the weakest units of the reader's scope, drafts awaiting review.

Figures over tests/surveys/conftest.py's campaign (target 85%): 胡库村 40 / 100,
示范村 3 / 50 (plus an unfinished draft, which does not count), 纪委 31 / 30; the town
and the city's own units have nobody on the roster.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from home.selectors import open_campaign_days, pages_awaiting_review, weakest_units
from surveys.selectors import scorecard_for
from surveys.services import campaign_create, campaign_open
from tests.factories import make_person
from tests.surveys.conftest import add_responses, make_survey
from units.models import Role, Unit
from units.permissions import Scope, scorecard_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(city):
    campaign = campaign_create(
        survey=make_survey(), title="2026 清廉测评", root_unit=city
    )
    campaign.ends_on = timezone.localdate() + timedelta(days=6)
    campaign.save(update_fields=["ends_on"])
    campaign = campaign_open(campaign=campaign)
    add_responses(campaign, "YK-GS-01", 40, R1="A", R2="A|B")
    add_responses(campaign, "YK-GS-02", 3, R1="A", R2="A|B")
    from surveys.models import Response

    Response.objects.create(campaign=campaign, unit=Unit.objects.get(code="YK-GS-02"))
    add_responses(campaign, "YK-JG-01", 31, R1="A", R2="A|B")
    return campaign


@pytest.fixture
def town_manager(city):
    return make_person(
        "gs_boss",
        unit=Unit.objects.get(code="YK-GS-01"),
        role=Role.UNIT_MANAGER,
        managed_unit=Unit.objects.get(code="YK-GS"),
    )


@pytest.fixture
def campaign_manager(city):
    return make_person(
        "cm", unit=Unit.objects.get(code="YK-JG-01"), role=Role.CAMPAIGN_MANAGER
    )


@pytest.fixture
def editor(city):
    return make_person("ed", unit=Unit.objects.get(code="YK-JG-01"), role=Role.EDITOR)


def _panel(html: str, panel_id: str) -> str | None:
    """The text of one dashboard panel, tags stripped, or None when it is not there."""
    match = re.search(rf'id="{panel_id}-section".*?</section>', html, flags=re.DOTALL)
    if match is None:
        return None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


# --- selectors ----------------------------------------------------------------------


def test_open_campaign_shows_participation_against_target_and_days_left(campaign):
    (day,) = open_campaign_days(scope=Scope.everything())
    assert (day.participants, day.headcount) == (74, 180)
    assert day.rate == pytest.approx(74 / 180)
    assert (day.target, day.status, day.gap, day.days_left) == (0.85, "not_met", 79, 6)


def test_campaign_figures_equal_the_scorecard_root(campaign):
    (day,) = open_campaign_days(scope=Scope.everything())
    root = scorecard_for(campaign=campaign)["units"][0]
    assert root["unit_code"] == "YK"
    assert (day.participants, day.headcount) == (
        root["participants"],
        root["headcount"],
    )


def test_unit_manager_sees_campaign_figures_of_their_subtree(campaign, town_manager):
    (day,) = open_campaign_days(scope=scorecard_scope(town_manager))
    assert (day.participants, day.headcount, day.gap) == (43, 150, 85)


def test_days_left_counts_the_end_date_as_the_last_day(campaign):
    today = timezone.localdate()
    campaign.ends_on = today
    campaign.save(update_fields=["ends_on"])
    assert open_campaign_days(scope=Scope.everything())[0].days_left == 0
    campaign.ends_on = None
    campaign.save(update_fields=["ends_on"])
    assert open_campaign_days(scope=Scope.everything())[0].days_left is None


def test_closed_and_draft_campaigns_are_not_on_the_dashboard(campaign, city):
    campaign_create(survey=campaign.survey, title="草稿活动", root_unit=city)
    campaign.state = "closed"
    campaign.save(update_fields=["state"])
    assert open_campaign_days(scope=Scope.everything()) == []
    assert weakest_units(scope=Scope.everything()) == []


def test_weakest_units_of_a_subtree_lowest_rate_first(campaign, town_manager):
    rows = weakest_units(scope=scorecard_scope(town_manager))
    assert [(r.unit.code, r.participants, r.headcount, r.gap) for r in rows] == [
        ("YK-GS-02", 3, 50, 40),
        ("YK-GS-01", 40, 100, 45),
    ]
    assert [round(r.rate, 3) for r in rows] == [0.06, 0.4]


def test_weakest_units_leave_out_units_with_nobody_on_the_roster(campaign):
    codes = [r.unit.code for r in weakest_units(scope=Scope.everything())]
    assert codes == ["YK-GS-02", "YK-GS-01", "YK-JG-01"]


def test_weakest_units_keep_the_limit_per_campaign(campaign):
    assert [r.unit.code for r in weakest_units(scope=Scope.everything(), limit=1)] == [
        "YK-GS-02"
    ]


def test_dashboard_reads_cost_a_fixed_number_of_queries(
    campaign, django_assert_num_queries
):
    with django_assert_num_queries(3):
        open_campaign_days(scope=Scope.everything())
    with django_assert_num_queries(1):
        weakest_units(scope=Scope.everything())


# --- the panels ---------------------------------------------------------------------


def test_campaign_manager_dashboard_shows_open_campaigns(
    client, campaign, campaign_manager
):
    client.force_login(campaign_manager)
    html = client.get("/admin/").content.decode()
    panel = _panel(html, "open-campaigns")
    assert "2026 清廉测评" in panel
    assert "74 / 180 人" in panel
    assert "41.1% / 85.0%" in panel
    assert "未达标" in panel
    assert "距目标还差 79 人" in panel
    assert "还剩 6 天" in panel
    assert _panel(html, "awaiting-moderation") is None


def test_unit_manager_dashboard_shows_their_weakest_units_in_order(
    client, campaign, town_manager
):
    client.force_login(town_manager)
    html = client.get("/admin/").content.decode()
    assert "古山镇 · 进行中的测评" in html
    assert "43 / 150 人" in _panel(html, "open-campaigns")
    weakest = _panel(html, "weakest-units")
    assert "古山镇 · 参与率最低的单元" in weakest
    assert weakest.index("示范村") < weakest.index("胡库村")
    assert "6.0% / 85.0%" in weakest and "40.0% / 85.0%" in weakest
    assert "纪委" not in weakest


def test_dashboard_without_open_campaigns_says_so(client, city, campaign_manager):
    client.force_login(campaign_manager)
    html = client.get("/admin/").content.decode()
    assert "目前没有进行中的测评活动。" in _panel(html, "open-campaigns")
    assert "进行中的测评里还没有可排名的单元" in _panel(html, "weakest-units")


def test_editor_dashboard_lists_story_submissions_awaiting_review(
    client, site_home, city, editor
):
    from courses.models import StoryIndexPage
    from courses.services import story_submit

    index = site_home.add_child(instance=StoryIndexPage(title="家风故事", slug="s"))
    learner = make_person("hk", unit=Unit.objects.get(code="YK-GS-01"))
    story_submit(
        user=learner,
        index=index,
        title="外婆的账本",
        text="外婆记了四十年的账。",
        images=[],
        token=uuid.uuid4(),
    )
    total, rows = pages_awaiting_review()
    assert total == 1
    assert [(r.page.title, r.submitted_by, r.is_story_submission) for r in rows] == [
        ("外婆的账本", learner, True)
    ]
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    panel = _panel(html, "awaiting-moderation")
    assert "共 1 篇在审核流程中" in panel
    assert "外婆的账本" in panel and "学员投稿" in panel and "姓名hk" in panel
    assert _panel(html, "open-campaigns") is None


def test_editor_dashboard_with_nothing_to_review_says_so(client, site_home, editor):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert "没有等待审核的页面或学员投稿。" in _panel(html, "awaiting-moderation")
