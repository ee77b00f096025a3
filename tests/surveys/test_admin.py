"""Admin pages: campaign management, distribution, codes, scorecard scope and privacy."""

from __future__ import annotations

import pytest

from surveys.models import ApiToken, Campaign, InvitationCode
from tests.factories import make_person
from units.models import Role, Unit

pytestmark = pytest.mark.django_db


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


@pytest.fixture
def village_manager(city):
    unit = Unit.objects.get(code="YK-GS-02")
    return make_person("sfm", unit=unit, role=Role.UNIT_MANAGER, managed_unit=unit)


def test_campaign_listing_and_dashboard_for_campaign_managers(client, manager, scored):
    client.force_login(manager)
    listing = client.get("/admin/surveys/campaign/")
    assert listing.status_code == 200
    assert "2026 清廉测评" in listing.content.decode()
    dashboard = client.get(f"/admin/surveys/campaigns/{scored.pk}/").content.decode()
    assert "已收答卷" in dashboard and ">74<" in dashboard


def test_unit_managers_cannot_manage_campaigns(client, town_manager, scored):
    client.force_login(town_manager)
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message.
    for page in ("", "distribution/", "posters/"):
        reply = client.get(f"/admin/surveys/campaigns/{scored.pk}/{page}")
        assert reply.status_code == 302 and reply["Location"] == "/admin/"


def test_create_then_open_a_campaign_in_the_admin(client, manager, survey, city):
    client.force_login(manager)
    reply = client.post(
        "/admin/surveys/campaign/new/",
        {
            "title": "古山测评",
            "description": "",
            "survey": survey.pk,
            "root_unit": Unit.objects.get(code="YK-GS").pk,
            "mode": "anonymous",
            "starts_on": "",
            "ends_on": "",
            "participation_target": "0.85",
            "recognition_target": "0.85",
            "satisfaction_target": "0.85",
            "recognition_threshold": "0.8",
        },
    )
    assert reply.status_code == 302, reply.content.decode()[:2000]
    campaign = Campaign.objects.get(title="古山测评")
    assert campaign.state == "draft"
    client.post(f"/admin/surveys/campaigns/{campaign.pk}/open/")
    campaign.refresh_from_db()
    assert campaign.state == "open"
    assert campaign.campaign_units.count() == 3


def test_distribution_lists_every_unit_with_link_and_qr(client, manager, campaign):
    client.force_login(manager)
    html = client.get(
        f"/admin/surveys/campaigns/{campaign.pk}/distribution/?all=1"
    ).content.decode()
    for member in campaign.campaign_units.all():
        assert f"http://testserver/surveys/u/{member.token}/" in html
    assert html.count("<svg") >= 6


def test_qr_code_downloads_as_svg_and_png(client, manager, campaign):
    client.force_login(manager)
    svg = client.get(f"/admin/surveys/campaigns/{campaign.pk}/qr/YK-GS-01.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(f"/admin/surveys/campaigns/{campaign.pk}/qr/YK-GS-01.png")
    assert png.content.startswith(b"\x89PNG")


def test_posters_have_one_page_per_unit(client, manager, campaign):
    client.force_login(manager)
    html = client.get(
        f"/admin/surveys/campaigns/{campaign.pk}/posters/?all=1"
    ).content.decode()
    assert html.count('<section class="poster">') == 6
    assert "胡库村" in html and "匿名作答" in html


def test_code_sheet_shows_codes_once_and_stores_hashes(client, manager, city, survey):
    from surveys.services import campaign_create, campaign_open

    coded = campaign_open(
        campaign=campaign_create(
            survey=survey, title="码", root_unit=city, mode="codes"
        )
    )
    client.force_login(manager)
    unit = Unit.objects.get(code="YK-JG-01")
    sheet = client.post(
        f"/admin/surveys/campaigns/{coded.pk}/codes/", {"unit": unit.pk, "count": 3}
    )
    html = sheet.content.decode()
    assert html.count('class="slip"') == 3
    stored = list(InvitationCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 3
    assert all(len(h) == 64 and h not in html for h in stored)


def test_scorecard_page_for_a_campaign_manager(
    client, manager, scored, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(26):
        page = client.get(f"/admin/surveys/campaigns/{scored.pk}/scorecard/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "永康市（含下级单元）" in html
    assert "41.1%" in html  # 74 / 180
    assert "数据异常：超过 100%" not in html.split("下级单元")[0]
    assert html.count("<svg") >= 4
    assert "按单元类型" in html


def test_scorecard_marks_participation_above_100_percent(client, manager, scored):
    client.force_login(manager)
    html = client.get(
        f"/admin/surveys/campaigns/{scored.pk}/scorecard/?unit=YK-JG"
    ).content.decode()
    assert "103.3%" in html and "数据异常：超过 100%" in html


def test_unit_manager_sees_only_their_subtree(client, town_manager, scored):
    client.force_login(town_manager)
    page = client.get(f"/admin/surveys/campaigns/{scored.pk}/scorecard/")
    html = page.content.decode()
    assert "古山镇（含下级单元）" in html
    assert "纪委" not in html
    assert (
        client.get(
            f"/admin/surveys/campaigns/{scored.pk}/scorecard/?unit=YK-JG-01"
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/admin/surveys/campaigns/{scored.pk}/scorecard/?unit=YK"
        ).status_code
        == 404
    )


def test_small_units_hide_distributions_and_text_from_unit_managers(
    client, village_manager, manager, scored
):
    client.force_login(village_manager)
    html = client.get(
        f"/admin/surveys/campaigns/{scored.pk}/scorecard/"
    ).content.decode()
    assert "答卷少于 5 份" in html
    assert "非常满意" not in html
    # Participation counts stay visible.
    assert "3 / 50 人" in html
    client.force_login(manager)
    html = client.get(
        f"/admin/surveys/campaigns/{scored.pk}/scorecard/?unit=YK-GS-02"
    ).content.decode()
    assert "非常满意" in html


def test_unit_manager_export_is_scoped(client, town_manager, scored):
    client.force_login(town_manager)
    data = client.get(
        f"/admin/surveys/campaigns/{scored.pk}/export/?format=csv"
    ).content.decode("utf-8-sig")
    codes = [line.split(",")[0] for line in data.splitlines()[1:]]
    assert codes == ["YK-GS", "YK-GS-01", "YK-GS-02"]


def test_scorecards_list_for_unit_managers(client, town_manager, scored):
    client.force_login(town_manager)
    html = client.get("/admin/surveys/scorecards/").content.decode()
    assert "2026 清廉测评" in html


def test_api_token_is_shown_once_and_stored_hashed(client, town_manager):
    client.force_login(town_manager)
    html = client.post("/admin/surveys/api-tokens/", {"name": "报表"}).content.decode()
    token = ApiToken.objects.get()
    key = html.split('readonly value="')[1].split('"')[0]
    assert key.startswith("qlxt_") and token.key_hash == ApiToken.hash_key(key)
    assert key not in client.get("/admin/surveys/api-tokens/").content.decode()


def test_revoking_a_token_by_a_malformed_or_foreign_id_is_not_found(
    client, town_manager, admin_user
):
    from surveys.services import api_token_issue

    theirs, _key = api_token_issue(user=admin_user, name="别人的")
    client.force_login(town_manager)
    for bad in ("abc", "1e3", "-1", str(theirs.pk)):
        reply = client.post("/admin/surveys/api-tokens/", {"revoke": bad})
        assert reply.status_code == 404, bad
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_paper_import_in_the_admin_previews_then_writes(client, manager, campaign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(manager)
    url = f"/admin/surveys/campaigns/{campaign.pk}/import/"
    upload = SimpleUploadedFile("p.csv", "unit_code,R1,S1\nYK-GS-01,A,5\n".encode())
    preview = client.post(url, {"file": upload}).content.decode()
    assert "将新增 1 条" in preview
    token = preview.split('name="token" value="')[1].split('"')[0]
    assert campaign.responses.count() == 0
    client.post(url, {"token": token})
    assert campaign.responses.count() == 1


def test_open_campaign_keeps_its_survey_root_and_mode(client, manager, campaign):
    client.force_login(manager)
    data = {
        "title": "改名",
        "description": "",
        "survey": campaign.survey_id,
        "root_unit": Unit.objects.get(code="YK-GS").pk,
        "mode": "identified",
        "starts_on": "",
        "ends_on": "",
        "participation_target": "0.9",
        "recognition_target": "0.85",
        "satisfaction_target": "0.85",
        "recognition_threshold": "0.8",
    }
    client.post(f"/admin/surveys/campaign/edit/{campaign.pk}/", data)
    campaign.refresh_from_db()
    assert campaign.title == "改名"
    assert (campaign.root_unit.code, campaign.mode) == ("YK", "anonymous")


def test_admin_page_query_counts_do_not_grow_with_units(
    client, manager, scored, django_assert_max_num_queries
):
    from surveys.models import CampaignUnit
    from tests.factories import make_unit

    client.force_login(manager)
    town = Unit.objects.get(code="YK-GS")
    for i in range(15):
        unit = make_unit(f"YK-GS-Y{i:02d}", parent=town, kind_name="村居", headcount=5)
        CampaignUnit.objects.create(
            campaign=scored, unit=unit, headcount=5, token=f"y{i}"
        )
    pages = {
        f"/admin/surveys/campaigns/{scored.pk}/scorecard/?unit=YK-GS": 26,
        f"/admin/surveys/campaigns/{scored.pk}/distribution/": 14,
        f"/admin/surveys/campaigns/{scored.pk}/posters/": 12,
        "/admin/surveys/campaign/": 14,
        "/admin/surveys/scorecards/": 13,
    }
    for url, limit in pages.items():
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200


def test_small_units_get_no_per_question_data_in_a_unit_managers_export(
    client, village_manager, manager, scored
):
    import io

    from openpyxl import load_workbook

    def sheets(user):
        client.force_login(user)
        data = client.get(
            f"/admin/surveys/campaigns/{scored.pk}/export/?format=xlsx"
        ).content
        book = load_workbook(io.BytesIO(data))
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}

    # The village has 3 respondents: its manager gets the scorecard, not the answers.
    village = sheets(village_manager)
    assert [row[0] for row in village["units"][1:]] == ["YK-GS-02"]
    assert len(village.get("questions", [()])) <= 1
    # A campaign manager still gets every question's counts.
    assert len(sheets(manager)["questions"]) > 1


def test_small_units_hide_item_counts_from_unit_managers(
    client, village_manager, scored
):
    client.force_login(village_manager)
    html = client.get(
        f"/admin/surveys/campaigns/{scored.pk}/scorecard/"
    ).content.decode()
    assert "认知题逐题正确率" not in html


def test_dashboard_shows_targets_as_percentages(client, manager, scored):
    client.force_login(manager)
    dashboard = client.get(f"/admin/surveys/campaigns/{scored.pk}/").content.decode()
    assert "参与率 85.0%，认知度 85.0%，满意度 85.0%；认知达标线 80.0%" in dashboard
    assert "0.85" not in dashboard


def test_opening_and_closing_a_campaign_is_logged_with_context(survey, city, caplog):
    import logging

    from surveys.services import campaign_close, campaign_create, campaign_open

    campaign = campaign_create(survey=survey, root_unit=city, title="日志测评")
    with caplog.at_level(logging.INFO, logger="surveys"):
        campaign_open(campaign=campaign)
        campaign_close(campaign=campaign)
    messages = [r.getMessage() for r in caplog.records if r.name == "surveys"]
    assert (
        f"campaign opened: id={campaign.pk} root=YK units=6 headcount=180" in messages
    )
    assert f"campaign closed: id={campaign.pk} respondents=0" in messages
