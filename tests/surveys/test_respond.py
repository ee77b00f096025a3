"""Respondent pages in the three modes, idempotent submission, rate limits, privacy."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from surveys.models import Answer, CampaignUnit, InvitationCode, Response
from surveys.services import (
    campaign_close,
    campaign_create,
    campaign_open,
    invitation_codes_issue,
)
from tests.factories import make_person
from tests.surveys.respondent import form_values, post_answers
from units.models import Unit

pytestmark = pytest.mark.django_db

GOOD = {"q_R1": "A", "q_R2": ["A", "B"], "q_S1": "5", "q_S2": "0", "q_T1": "多公开"}


def _link(campaign, code="YK-GS-01"):
    token = CampaignUnit.objects.get(campaign=campaign, unit__code=code).token
    return f"/surveys/u/{token}/"


def _post(client, url, data=GOOD, key=None):
    return post_answers(client, url, data, key=key)


def test_anonymous_link_shows_the_questionnaire_with_progress(client, campaign):
    page = client.get(_link(campaign))
    html = page.content.decode()
    assert page.status_code == 200
    assert "胡公为官一任，为百姓做了哪件事？" in html
    assert "已答 <span data-answered>0</span> / 5 题" in html
    assert 'type="checkbox" name="q_R2"' in html  # two correct answers → choose several
    assert "sv_device" in page.cookies


def test_anonymous_submission_stores_unit_and_no_person(client, campaign):
    reply = _post(client, _link(campaign))
    assert (
        reply.status_code == 302
        and reply["Location"] == f"/surveys/{campaign.pk}/thanks/"
    )
    response = Response.objects.get()
    assert response.unit.code == "YK-GS-01"
    assert response.user is None
    assert response.completed_at is not None
    assert sorted(
        Answer.objects.filter(question__code="R2").values_list(
            "option__code", flat=True
        )
    ) == ["A", "B"]


def test_double_submission_stores_one_response(client, campaign):
    key = uuid.uuid4()
    first = _post(client, _link(campaign), key=key)
    second = _post(client, _link(campaign), key=key)
    assert first.status_code == second.status_code == 302
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 6


def test_missing_required_answer_is_explained_and_nothing_stored(client, campaign):
    page = _post(client, _link(campaign), data={"q_R2": "A", "q_T1": "x"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "有 2 道题需要修改" in html
    assert "此题必答。" in html
    assert 'value="x"' not in html and ">x</textarea>" in html  # answers are kept
    assert not Response.objects.exists()


def test_single_choice_rejects_two_options(client, campaign):
    page = _post(client, _link(campaign), data={**GOOD, "q_R1": ["A", "B"]})
    assert "此题只能选一项。" in page.content.decode()
    assert not Response.objects.exists()


def test_a_devices_sixth_submission_is_refused(client, campaign):
    client.get(_link(campaign))  # the questionnaire sets the device cookie
    for _i in range(5):
        assert _post(client, _link(campaign)).status_code == 302
    blocked = _post(client, _link(campaign))
    assert blocked.status_code == 429
    assert "这台设备今天提交本调查的次数已达上限" in blocked.content.decode()
    assert "最多提交 5 份答卷" in blocked.content.decode()
    assert Response.objects.count() == 5


def test_rate_limit_never_stores_the_address(client, campaign):
    client.get(_link(campaign))
    _post(client, _link(campaign))
    stored = [str(v) for v in Response.objects.values_list(flat=True)]
    assert "127.0.0.1" not in " ".join(stored)
    field_names = {f.name for f in Response._meta.get_fields()}
    assert not field_names & {"ip", "address", "remote_addr", "device"}


def test_closed_campaign_shows_closed_page(client, campaign):
    link = _link(campaign)
    campaign_close(campaign=campaign)
    page = client.get(link)
    assert "本调查已结束" in page.content.decode()
    assert _post(client, link).status_code == 200
    assert not Response.objects.exists()


def test_campaign_not_started_shows_not_open_page(client, campaign):
    campaign.starts_on = timezone.localdate() + timedelta(days=3)
    campaign.save()
    page = client.get(_link(campaign))
    assert "本调查尚未开始" in page.content.decode()


def test_unknown_link_is_404(client, campaign):
    assert client.get("/surveys/u/nope/").status_code == 404


@pytest.fixture
def identified(city, survey):
    return campaign_open(
        campaign=campaign_create(
            survey=survey, title="实名测评", root_unit=city, mode="identified"
        )
    )


@pytest.fixture
def member(city):
    return make_person("villager", unit=Unit.objects.get(code="YK-GS-01"))


def test_identified_mode_requires_login(client, identified):
    reply = client.get(f"/surveys/{identified.pk}/")
    assert reply.status_code == 302 and reply["Location"].startswith("/accounts/login/")


def test_identified_save_and_resume_then_one_response_each(client, identified, member):
    client.force_login(member)
    url = f"/surveys/{identified.pk}/"
    saved = post_answers(client, url, {"q_R1": "A", "q_T1": "草稿意见", "save": "1"})
    assert saved.status_code == 302
    draft = Response.objects.get()
    assert draft.completed_at is None and draft.user == member
    resumed = client.get(url).content.decode()
    assert "草稿意见</textarea>" in resumed
    r1 = form_values({"q_R1": "A"}, campaign=identified, key="", user_id=member.pk)
    assert f'value="{r1["q_R1"]}" checked' in resumed
    assert _post(client, url).status_code == 302
    assert _post(client, url).status_code == 302  # a new key, the same person
    response = Response.objects.get()
    assert response.completed_at is not None
    assert (
        Answer.objects.filter(response=response, question__code="T1").get().text
        == "多公开"
    )
    assert client.get(url)["Location"] == f"/surveys/{identified.pk}/thanks/"


def test_identified_outside_the_tree_is_refused(client, identified):
    from tests.factories import make_unit

    outsider = make_person("outsider", unit=make_unit("KM", kind_name="其他"))
    client.force_login(outsider)
    assert client.get(f"/surveys/{identified.pk}/").status_code == 403


def test_surveys_index_lists_open_identified_campaigns(client, identified, member):
    client.force_login(member)
    html = client.get("/surveys/").content.decode()
    assert "实名测评" in html and "开始作答" in html
    _post(client, f"/surveys/{identified.pk}/")
    assert "已提交" in client.get("/surveys/").content.decode()


def test_surveys_index_empty_state_for_visitors(client, db):
    html = client.get("/surveys/").content.decode()
    assert "登录后可以查看需要您参加的实名调查" in html


@pytest.fixture
def coded(city, survey):
    return campaign_open(
        campaign=campaign_create(
            survey=survey, title="邀请码测评", root_unit=city, mode="codes"
        )
    )


def test_invitation_code_is_spent_once_and_not_linked(client, coded):
    code = invitation_codes_issue(
        campaign=coded, unit=Unit.objects.get(code="YK-JG-01"), count=2
    )[0]
    assert (
        client.post(f"/surveys/{coded.pk}/code/", {"code": code.lower()}).status_code
        == 302
    )
    assert _post(client, f"/surveys/{coded.pk}/code/answer/").status_code == 302
    response = Response.objects.get()
    assert response.unit.code == "YK-JG-01" and response.user is None
    assert InvitationCode.objects.filter(spent=True).count() == 1
    assert {f.name for f in InvitationCode._meta.get_fields()} == {
        "id",
        "campaign",
        "unit",
        "code_hash",
        "spent",
    }
    again = client.post(f"/surveys/{coded.pk}/code/", {"code": code})
    assert "邀请码无效或已使用" in again.content.decode()


def test_codes_page_without_a_code_goes_back_to_entry(client, coded):
    reply = client.get(f"/surveys/{coded.pk}/code/answer/")
    assert reply["Location"] == f"/surveys/{coded.pk}/code/"


def test_surveys_index_links_anonymous_campaigns_through_the_unit_link(
    client, campaign, member
):
    client.force_login(member)
    html = client.get("/surveys/").content.decode()
    assert _link(campaign) in html


def test_me_page_lists_open_surveys(client, identified, member):
    client.force_login(member)
    html = client.get("/me/").content.decode()
    assert "我的调查" in html and "实名测评" in html


def test_code_typos_do_not_use_up_the_submission_allowance(client, coded):
    from surveys import ratelimit

    for _i in range(ratelimit.DEVICE_LIMIT + 1):
        reply = client.post(f"/surveys/{coded.pk}/code/", {"code": "WRONG123"})
        assert "邀请码无效或已使用" in reply.content.decode()
    code = invitation_codes_issue(
        campaign=coded, unit=Unit.objects.get(code="YK-GS-01"), count=1
    )[0]
    assert client.post(f"/surveys/{coded.pk}/code/", {"code": code}).status_code == 302


def test_surveys_index_query_count(
    client, identified, campaign, member, django_assert_max_num_queries
):
    client.force_login(member)
    with django_assert_max_num_queries(6):
        assert client.get("/surveys/").status_code == 200


def test_the_plain_invitation_code_is_never_kept_in_the_session(client, coded):
    code = invitation_codes_issue(
        campaign=coded, unit=Unit.objects.get(code="YK-GS-01"), count=1
    )[0]
    client.post(f"/surveys/{coded.pk}/code/", {"code": code})
    stored = dict(client.session.items())
    assert code not in str(stored)
    assert InvitationCode.hash_code(code) in stored.values()


def test_thanks_page_names_the_campaign_to_the_browser_that_answered(client, campaign):
    reply = _post(client, _link(campaign))
    page = client.get(reply["Location"])
    assert page.status_code == 200
    assert "您的问卷“2026 清廉测评”已收到。" in page.content.decode()


def test_thanks_page_is_not_found_for_anyone_else(client, campaign):
    from django.test import Client

    _post(client, _link(campaign))
    stranger = Client().get(f"/surveys/{campaign.pk}/thanks/")
    assert stranger.status_code == 404
    assert "2026 清廉测评" not in stranger.content.decode()


def test_thanks_page_of_a_draft_campaign_is_not_found(client, city, survey):
    draft = campaign_create(survey=survey, title="未发布的测评", root_unit=city)
    page = client.get(f"/surveys/{draft.pk}/thanks/")
    assert page.status_code == 404
    assert "未发布的测评" not in page.content.decode()


def test_answering_one_campaign_does_not_open_another_thanks_page(
    client, campaign, identified
):
    _post(client, _link(campaign))
    assert client.get(f"/surveys/{campaign.pk}/thanks/").status_code == 200
    assert client.get(f"/surveys/{identified.pk}/thanks/").status_code == 404


def test_a_forged_answered_cookie_opens_no_thanks_page(client, campaign):
    client.cookies["sv_answered"] = str(campaign.pk)
    assert client.get(f"/surveys/{campaign.pk}/thanks/").status_code == 404


def test_a_replayed_submission_still_reaches_its_thanks_page(client, campaign):
    key = uuid.uuid4()
    _post(client, _link(campaign), key=key)
    client.cookies.pop("sv_answered")
    replay = _post(client, _link(campaign), key=key)
    assert client.get(replay["Location"]).status_code == 200
    assert Response.objects.count() == 1


def test_identified_respondent_returning_reaches_the_thanks_page(
    client, identified, member
):
    from django.test import Client

    client.force_login(member)
    _post(client, f"/surveys/{identified.pk}/")
    other_browser = Client()
    other_browser.force_login(member)
    reply = other_browser.get(f"/surveys/{identified.pk}/")
    page = other_browser.get(reply["Location"])
    assert page.status_code == 200 and "实名测评" in page.content.decode()


def _signed(value: str) -> str:
    from django.http import HttpResponse

    response = HttpResponse()
    response.set_signed_cookie("sv_answered", value, salt="surveys.thanks")
    return response.cookies["sv_answered"].value


def _unsigned(value: str) -> str:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES["sv_answered"] = value
    return request.get_signed_cookie("sv_answered", salt="surveys.thanks")


def test_answered_cookie_is_private_to_surveys_and_lasts_a_day(client, campaign):
    cookie = _post(client, _link(campaign)).cookies["sv_answered"]
    assert cookie["path"] == "/surveys/"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 24 * 3600
    assert _unsigned(cookie.value) == str(campaign.pk)


def test_answered_cookie_keeps_the_newest_twenty_campaigns(client, campaign):
    client.cookies["sv_answered"] = _signed(",".join(map(str, range(1000, 1030))))
    reply = _post(client, _link(campaign))
    kept = _unsigned(reply.cookies["sv_answered"].value).split(",")
    assert kept == [str(campaign.pk)] + [str(i) for i in range(1000, 1019)]


def test_the_link_again_after_answering_says_so_instead_of_a_second_form(
    client, campaign
):
    # The back button or a second scan on the same phone: a fresh form would carry a
    # new key and store a second response; the page says the answers are in instead.
    link = _link(campaign)
    _post(client, link)
    again = client.get(link)
    body = again.content.decode()
    assert again.status_code == 200
    assert "本设备已提交过这份问卷" in body
    assert 'name="idempotency_key"' not in body
    assert Response.objects.filter(campaign=campaign).count() == 1
    # A shared phone hands over to the next person on purpose.
    other = client.get(link + "?another=1")
    assert 'name="idempotency_key"' in other.content.decode()
    _post(client, link)
    assert Response.objects.filter(campaign=campaign).count() == 2
