"""Budgets for anonymous links and the anomaly flags (docs/metrics.md, Anonymous links).

Budget per (campaign, unit link, network address) per 24 h: max(30, the unit's snapshot
headcount) accepted answers; per device cookie: 5 per campaign. Flags per unit:
`over_headcount`, `burst` (more than max(20, headcount / 3) online answers within 10
minutes), `one_network` (more than 80% of ≥ 30 answers from one network).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from surveys import ratelimit
from surveys.exports import report_csv
from surveys.models import CampaignUnit, NetworkTally, Response
from surveys.selectors import scorecard_compute, scorecard_for, survey_questions
from surveys.services import (
    answers_parse,
    campaign_close,
    campaign_create,
    campaign_open,
    invitation_codes_issue,
    response_submit,
)
from tests.surveys.conftest import add_responses
from tests.surveys.respondent import post_answers
from units.models import Unit
from units.permissions import Scope
from units.selectors import unit_subtree

pytestmark = pytest.mark.django_db

GOOD = {"q_R1": "A", "q_R2": ["A", "B"], "q_S1": "5", "q_S2": "0"}
NETWORK_PAGE = "此链接收到的来自您所在网络的答卷已超过本单元的人数"


def _link(campaign, code="YK-GS-01"):
    token = CampaignUnit.objects.get(campaign=campaign, unit__code=code).token
    return f"/surveys/u/{token}/"


def _answer(client, url, *, address=None, key=None, data=GOOD):
    extra = {"REMOTE_ADDR": address} if address else {}
    return post_answers(client, url, data, key=key, **extra)


def _fresh_phone(address="10.1.2.3"):
    """A respondent with a brand-new device cookie."""
    client = Client(REMOTE_ADDR=address)
    client.cookies[ratelimit.DEVICE_COOKIE] = ratelimit.new_device_id()
    return client


def _flags(report, code):
    return {r["unit_code"]: r for r in report["units"]}[code]["flags"]


def _headcount(campaign, code, headcount):
    CampaignUnit.objects.filter(campaign=campaign, unit__code=code).update(
        headcount=headcount
    )


# --- budgets ----------------------------------------------------------------------------


def test_an_office_of_three_hundred_on_one_network_is_accepted_then_flagged(campaign):
    _headcount(campaign, "YK-GS-01", 400)
    url = _link(campaign)
    with TestCase.captureOnCommitCallbacks(execute=True) as committed:
        for _i in range(300):
            assert _answer(_fresh_phone(), url).status_code == 302
    assert Response.objects.filter(campaign=campaign).count() == 300
    assert len(committed) >= 300
    flags = _flags(scorecard_compute(campaign=campaign), "YK-GS-01")
    assert flags == ["burst", "one_network"]
    for _i in range(100):
        assert _answer(_fresh_phone(), url).status_code == 302
    refused = _answer(_fresh_phone(), url)
    assert refused.status_code == 429
    assert NETWORK_PAGE in refused.content.decode()
    assert Response.objects.filter(campaign=campaign).count() == 400


def test_six_cookieless_phones_on_different_networks_are_all_accepted(campaign):
    url = _link(campaign)
    for i in range(6):
        assert _answer(Client(), url, address=f"10.0.0.{i + 1}").status_code == 302
    assert Response.objects.count() == 6


def test_cookieless_clients_of_one_network_share_its_budget_of_the_unit(campaign):
    # 纪委 has 30 people: the network budget is max(30, 30) = 30 a day.
    url = _link(campaign, "YK-JG-01")
    for _i in range(30):
        assert _answer(Client(), url).status_code == 302
    assert _answer(Client(), url).status_code == 429
    assert _answer(Client(), url, address="10.9.9.9").status_code == 302
    assert _answer(Client(), _link(campaign, "YK-GS-02")).status_code == 302


def test_a_small_unit_still_gets_thirty_answers_from_one_network(campaign):
    _headcount(campaign, "YK-GS-02", 4)
    url = _link(campaign, "YK-GS-02")
    for _i in range(30):
        assert _answer(Client(), url).status_code == 302
    assert _answer(Client(), url).status_code == 429


def test_a_validation_error_does_not_use_the_budget(campaign):
    phone = _fresh_phone()
    url = _link(campaign)
    for _i in range(5):
        assert _answer(phone, url, data={"q_R2": "A"}).status_code == 400
    for _i in range(5):
        assert _answer(phone, url).status_code == 302
    assert _answer(phone, url).status_code == 429


def test_a_replayed_submission_counts_once(campaign):
    phone = _fresh_phone()
    url = _link(campaign)
    key = uuid.uuid4()
    for _i in range(5):
        assert _answer(phone, url, key=key).status_code == 302
    for _i in range(4):
        assert _answer(phone, url).status_code == 302
    assert Response.objects.count() == 5
    assert _answer(phone, url).status_code == 429


def test_a_submission_refused_by_a_closed_campaign_gives_its_slot_back(
    campaign, monkeypatch
):
    from surveys.services import SubmissionError
    from surveys.views import respond

    phone = _fresh_phone()
    url = _link(campaign)

    def closed_meanwhile(**kwargs):
        raise SubmissionError("本测评活动当前不接受答卷。")

    monkeypatch.setattr(respond, "response_submit", closed_meanwhile)
    for _i in range(6):
        assert _answer(phone, url).status_code == 302
    monkeypatch.undo()
    for _i in range(5):
        assert _answer(phone, url).status_code == 302
    assert Response.objects.count() == 5


def test_refusals_are_logged_with_context_but_never_the_address(campaign, caplog):
    _headcount(campaign, "YK-JG-01", 0)
    url = _link(campaign, "YK-JG-01")
    for _i in range(30):
        _answer(Client(), url, address="203.0.113.77")
    with caplog.at_level(logging.INFO, logger="surveys"):
        assert _answer(Client(), url, address="203.0.113.77").status_code == 429
    (record,) = [r for r in caplog.records if r.name == "surveys"]
    message = record.getMessage()
    assert message == (
        f"Submission refused: network_budget (campaign {campaign.pk},"
        " mode anonymous, unit YK-JG-01)"
    )
    assert "203.0.113.77" not in message


def test_the_refusal_page_reads_in_english_too(campaign):
    _headcount(campaign, "YK-JG-01", 0)
    url = _link(campaign, "YK-JG-01")
    english = Client()
    english.cookies["django_language"] = "en"
    for _i in range(30):
        _answer(english, url)
    page = _answer(english, url).content.decode()
    assert (
        "This link has received more answers from your network than the unit has"
        " people." in page
    )


@pytest.fixture
def coded(city, survey):
    return campaign_open(
        campaign=campaign_create(
            survey=survey, title="邀请码测评", root_unit=city, mode="codes"
        )
    )


def test_wrong_codes_are_limited_per_network_without_a_cookie(coded, monkeypatch):
    monkeypatch.setattr(ratelimit, "CODE_ADDRESS_LIMIT", 3)
    url = f"/surveys/{coded.pk}/code/"
    for _i in range(3):
        reply = Client().post(url, {"code": "WRONG123"}, REMOTE_ADDR="10.1.1.1")
        assert "邀请码无效或已使用" in reply.content.decode()
    reply = Client().post(url, {"code": "WRONG123"}, REMOTE_ADDR="10.1.1.1")
    assert "尝试次数过多" in reply.content.decode()
    other = Client().post(url, {"code": "WRONG123"}, REMOTE_ADDR="10.2.2.2")
    assert "邀请码无效或已使用" in other.content.decode()


def test_valid_codes_from_one_network_do_not_count_as_attempts(coded, monkeypatch):
    monkeypatch.setattr(ratelimit, "CODE_ADDRESS_LIMIT", 3)
    codes = invitation_codes_issue(
        campaign=coded, unit=Unit.objects.get(code="YK-GS-01"), count=6
    )
    url = f"/surveys/{coded.pk}/code/"
    for code in codes:
        assert Client().post(url, {"code": code}).status_code == 302


# --- flags ------------------------------------------------------------------------------


def _submit(campaign, code, count, *, network="", start=None, step=timedelta(0)):
    """`count` online answers to one unit, optionally through one network and
    arriving at chosen times (start, start + step, …), each committed in turn: the
    `burst` flag is counted once an answer has committed."""
    unit = Unit.objects.get(code=code)
    questions = survey_questions(survey_id=campaign.survey_id)
    answers, errors = answers_parse(
        questions=questions, values={"R1": ["A"], "S1": ["5"]}
    )
    assert not errors
    for i in range(count):
        arrival = timezone.now() if start is None else start + i * step
        with (
            mock.patch("surveys.services.timezone.now", return_value=arrival),
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            response, created = response_submit(
                campaign=campaign,
                unit=unit,
                answers=answers,
                idempotency_key=uuid.uuid4(),
                network=network,
            )
        assert created
        assert response.completed_at == arrival


def test_over_headcount_flags_the_unit_its_rollups_and_its_kind(scored):
    report = scorecard_compute(campaign=scored)
    assert _flags(report, "YK-JG-01") == ["over_headcount"]  # 31 of 30
    assert _flags(report, "YK-JG") == ["over_headcount"]  # the office has no one else
    assert _flags(report, "YK-GS-01") == []
    assert _flags(report, "YK") == []
    kinds = {r["unit_kind"]: r["flags"] for r in report["kinds"]}
    assert kinds == {"村居": [], "机关": ["over_headcount"], "其他": []}


def test_burst_is_more_than_a_third_of_the_headcount_within_ten_minutes(campaign):
    # 胡库村 has 100 people: more than max(20, 33) = 33 answers within 10 minutes.
    start = timezone.now() - timedelta(hours=2)
    _submit(campaign, "YK-GS-01", 33, start=start, step=timedelta(seconds=18))
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == []
    _submit(campaign, "YK-GS-01", 1, start=start + timedelta(seconds=599))
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == ["burst"]


def test_burst_needs_more_than_twenty_in_a_small_unit(campaign):
    # 纪委 has 30 people: max(20, 10) = 20.
    start = timezone.now() - timedelta(hours=2)
    _submit(campaign, "YK-JG-01", 20, start=start, step=timedelta(seconds=1))
    assert "burst" not in _flags(scorecard_compute(campaign=campaign), "YK-JG-01")
    _submit(campaign, "YK-JG-01", 1, start=start + timedelta(seconds=30))
    assert "burst" in _flags(scorecard_compute(campaign=campaign), "YK-JG-01")


def test_answers_spread_over_more_than_ten_minutes_are_no_burst(campaign):
    start = timezone.now() - timedelta(hours=2)
    # 34 answers 20 s apart span 11 minutes: never 34 within 10.
    _submit(campaign, "YK-GS-01", 34, start=start, step=timedelta(seconds=20))
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == []


def test_a_pile_of_paper_questionnaires_is_no_burst(campaign):
    add_responses(campaign, "YK-GS-01", 60, R1="A", S1="5")
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == []


def test_one_network_is_more_than_eighty_percent_of_at_least_thirty(campaign):
    old = timezone.now() - timedelta(days=2)
    hour = timedelta(hours=1)
    # 24 of 30 (80%) from the office is not more than 80%.
    _submit(campaign, "YK-GS-01", 24, network="office", start=old, step=hour)
    _submit(campaign, "YK-GS-01", 6, network="homes", start=old, step=hour)
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == []
    _submit(campaign, "YK-GS-01", 1, network="office", start=old, step=hour)
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == ["one_network"]


def test_one_network_needs_thirty_responses(campaign):
    old = timezone.now() - timedelta(days=2)
    _submit(
        campaign, "YK-GS-01", 29, network="office", start=old, step=timedelta(hours=1)
    )
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == []


def test_paper_questionnaires_count_in_the_share_of_one_network(campaign):
    old = timezone.now() - timedelta(days=2)
    _submit(
        campaign, "YK-GS-01", 30, network="office", start=old, step=timedelta(hours=1)
    )
    add_responses(campaign, "YK-GS-01", 10, R1="A", S1="5")
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == []  # 30 of 40


def test_network_tallies_hold_counts_only_and_no_address(campaign):
    url = _link(campaign)
    for _i in range(3):
        _answer(_fresh_phone("198.51.100.7"), url)
    _answer(_fresh_phone("198.51.100.8"), url)
    assert {f.name for f in NetworkTally._meta.get_fields()} == {
        "id",
        "campaign_unit",
        "address_hash",
        "count",
    }
    tallies = list(NetworkTally.objects.values_list("address_hash", "count"))
    assert sorted(count for _hash, count in tallies) == [1, 3]
    assert "198.51.100" not in str(tallies)


def test_network_hashes_differ_between_campaigns(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.7")
    assert ratelimit.network_hash(request, campaign_id=1) != ratelimit.network_hash(
        request, campaign_id=2
    )


def test_closing_keeps_the_flags_and_forgets_the_network_hashes(campaign):
    old = timezone.now() - timedelta(days=2)
    _submit(
        campaign, "YK-GS-01", 31, network="office", start=old, step=timedelta(hours=1)
    )
    _submit(campaign, "YK-GS-01", 2, network="home", start=old, step=timedelta(hours=1))
    closed = campaign_close(campaign=campaign)
    assert _flags(scorecard_for(campaign=closed), "YK-GS-01") == ["one_network"]
    assert list(NetworkTally.objects.values_list("address_hash", "count")) == [("", 31)]
    town = Unit.objects.get(code="YK-GS")
    scope = Scope(
        unit_ids=frozenset(unit_subtree(root=town).values_list("id", flat=True))
    )
    scoped = scorecard_for(campaign=closed, scope=scope)
    assert _flags(scoped, "YK-GS-01") == ["one_network"]


def test_flags_are_in_the_csv_export_and_the_api(scored, client, admin_user):
    from surveys.services import api_token_issue

    csv = report_csv(scorecard_compute(campaign=scored)).decode("utf-8-sig")
    header, *lines = csv.splitlines()
    assert header.endswith(",satisfaction_status,flags")
    assert next(line for line in lines if line.startswith("YK-JG-01,")).endswith(
        ",over_headcount"
    )
    _token, key = api_token_issue(user=admin_user, name="bi")
    reply = client.get(
        f"/api/v1/campaigns/{scored.pk}/scorecard",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    ).json()
    rows = {r["unit_code"]: r for r in reply["units"]}
    assert rows["YK-JG-01"]["flags"] == ["over_headcount"]
    assert rows["YK-GS-01"]["flags"] == []


def test_the_scorecard_page_shows_the_flags_beside_the_unit(scored, client, admin_user):
    client.force_login(admin_user)
    html = client.get(
        f"/admin/surveys/campaigns/{scored.pk}/scorecard/?unit=YK-JG"
    ).content.decode()
    assert 'data-flag="over_headcount"' in html
    assert "参与人数超过单元人数" in html


def test_a_burst_is_kept_as_a_tally_without_address_or_time(campaign):
    start = timezone.now() - timedelta(hours=2)
    _submit(campaign, "YK-JG-01", 21, start=start, step=timedelta(seconds=1))
    link = CampaignUnit.objects.get(campaign=campaign, unit__code="YK-JG-01")
    assert list(
        NetworkTally.objects.filter(campaign_unit=link).values_list(
            "address_hash", "count"
        )
    ) == [(ratelimit.BURST_TALLY, 1)]
    # Later answers of the same burst add nothing; the flag stays once earned.
    _submit(campaign, "YK-JG-01", 3, start=start + timedelta(seconds=30))
    assert NetworkTally.objects.filter(campaign_unit=link).count() == 1
    assert _flags(scorecard_compute(campaign=campaign), "YK-JG-01") == ["burst"]


def test_closing_keeps_the_burst_flag_apart_from_the_network_peak(campaign):
    start = timezone.now() - timedelta(hours=2)
    _submit(campaign, "YK-GS-01", 34, network="office", start=start)
    closed = campaign_close(campaign=campaign)
    assert _flags(scorecard_for(campaign=closed), "YK-GS-01") == [
        "burst",
        "one_network",
    ]
    assert sorted(NetworkTally.objects.values_list("address_hash", "count")) == [
        ("", 34),
        (ratelimit.BURST_TALLY, 1),
    ]


def test_answers_stored_before_the_counting_get_their_burst_from_the_migration(
    campaign,
):
    """Campaigns that were running when burst moved to submission time: the migration
    finds their bursts in the completion times, as the scorecard's window query did."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("surveys.migrations.0005_burst_tallies")
    unit = Unit.objects.get(code="YK-GS-01")
    questions = survey_questions(survey_id=campaign.survey_id)
    answers, _errors = answers_parse(questions=questions, values={"R1": ["A"]})
    start = timezone.now() - timedelta(days=1)
    # Without committing, as before: nothing counted them.
    for i in range(34):
        response, _created = response_submit(
            campaign=campaign, unit=unit, answers=answers, idempotency_key=uuid.uuid4()
        )
        Response.objects.filter(pk=response.pk).update(
            completed_at=start + i * timedelta(seconds=18)
        )
    add_responses(campaign, "YK-GS-02", 60, R1="A")  # paper: never a burst
    assert _flags(scorecard_compute(campaign=campaign), "YK-GS-01") == []
    # The migration only uses the schema editor's connection (SQLite refuses a real
    # schema editor inside the test's transaction).
    editor = SimpleNamespace(connection=connection)
    migration.burst_tallies(apps, editor)
    migration.burst_tallies(apps, editor)  # idempotent
    report = scorecard_compute(campaign=campaign)
    assert _flags(report, "YK-GS-01") == ["burst"]
    assert _flags(report, "YK-GS-02") == ["over_headcount"]
    assert NetworkTally.objects.filter(address_hash=ratelimit.BURST_TALLY).count() == 1
