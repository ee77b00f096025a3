"""The read-only API: tokens and sessions, same shape as the JSON report, scopes → 404."""

from __future__ import annotations

import pytest

from surveys.services import api_token_issue, api_token_revoke
from tests.factories import make_person
from units.models import Role, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_manager(city):
    return make_person(
        "gsm",
        unit=Unit.objects.get(code="YK-GS-01"),
        role=Role.UNIT_MANAGER,
        managed_unit=Unit.objects.get(code="YK-GS"),
    )


def _bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_openapi_schema_is_served(client, db):
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200
    paths = reply.json()["paths"]
    assert "/api/v1/campaigns/{campaign_id}/scorecard" in paths


def test_requests_without_credentials_are_refused(client, scored):
    assert client.get("/api/v1/campaigns").status_code == 401
    assert client.get("/api/v1/campaigns", **_bearer("qlxt_wrong")).status_code == 401


def test_token_reads_the_scorecard_in_the_report_shape(client, admin_user, scored):
    _token, key = api_token_issue(user=admin_user, name="bi")
    reply = client.get(f"/api/v1/campaigns/{scored.pk}/scorecard", **_bearer(key))
    data = reply.json()
    assert set(data) == {"campaign", "units", "kinds", "items"}
    gs01 = next(r for r in data["units"] if r["unit_code"] == "YK-GS-01")
    assert gs01["recognising"] == 33
    assert gs01["recognition_ci_low"] == pytest.approx(0.6805000953869541)
    assert {i["code"]: i["correct"] for i in data["items"]} == {"R1": 69, "R2": 67}


def test_revoked_token_no_longer_works(client, admin_user, scored):
    token, key = api_token_issue(user=admin_user, name="bi")
    api_token_revoke(token=token)
    assert client.get("/api/v1/campaigns", **_bearer(key)).status_code == 401


def test_session_auth_works_for_logged_in_managers(client, admin_user, scored):
    client.force_login(admin_user)
    assert [c["id"] for c in client.get("/api/v1/campaigns").json()] == [scored.pk]


def test_unit_manager_gets_their_subtree_only(client, town_manager, scored):
    _token, key = api_token_issue(user=town_manager, name="镇报表")
    data = client.get(f"/api/v1/campaigns/{scored.pk}/scorecard", **_bearer(key)).json()
    assert [r["unit_code"] for r in data["units"]] == ["YK-GS", "YK-GS-01", "YK-GS-02"]


def test_unit_manager_asking_for_another_subtree_gets_404(client, town_manager, scored):
    _token, key = api_token_issue(user=town_manager, name="镇报表")
    reply = client.get(
        f"/api/v1/campaigns/{scored.pk}/distributions?unit=YK-JG-01", **_bearer(key)
    )
    assert reply.status_code == 404


def test_campaign_outside_the_scope_is_404(client, scored, survey):
    from surveys.services import campaign_create, campaign_open
    from tests.factories import make_unit

    km = make_unit("KM", kind_name="其他")
    other = campaign_open(
        campaign=campaign_create(survey=survey, title="昆明", root_unit=km)
    )
    outsider = make_person("kmm", unit=km, role=Role.UNIT_MANAGER, managed_unit=km)
    _token, key = api_token_issue(user=outsider, name="x")
    assert (
        client.get(
            f"/api/v1/campaigns/{scored.pk}/scorecard", **_bearer(key)
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/campaigns/{other.pk}/scorecard", **_bearer(key)
        ).status_code
        == 200
    )


def test_distributions_hidden_for_small_units_from_unit_managers(
    client, town_manager, scored
):
    _token, key = api_token_issue(user=town_manager, name="镇报表")
    small = client.get(
        f"/api/v1/campaigns/{scored.pk}/distributions?unit=YK-GS-02", **_bearer(key)
    ).json()
    assert small == {
        "unit_code": "YK-GS-02",
        "respondents": 3,
        "hidden": True,
        "questions": [],
    }
    # 胡库村 has 40, but the town minus 胡库村 would be 示范村's 3: hidden as well.
    large = client.get(
        f"/api/v1/campaigns/{scored.pk}/distributions?unit=YK-GS-01", **_bearer(key)
    ).json()
    assert (large["hidden"], large["questions"]) == (True, [])
    town = client.get(
        f"/api/v1/campaigns/{scored.pk}/distributions?unit=YK-GS", **_bearer(key)
    ).json()
    s1 = next(q for q in town["questions"] if q["code"] == "S1")
    assert {o["code"]: o["count"] for o in s1["options"]}["5"] == 34
    r1 = next(q for q in town["questions"] if q["code"] == "R1")
    # No answer keys for unit managers.
    assert {o["is_correct"] for o in r1["options"]} == {None}


def test_learners_see_no_campaigns(client, city, scored):
    learner = make_person("someone", unit=Unit.objects.get(code="YK-GS-01"))
    _token, key = api_token_issue(user=learner, name="x")
    assert client.get("/api/v1/campaigns", **_bearer(key)).json() == []
    assert (
        client.get(f"/api/v1/campaigns/{scored.pk}", **_bearer(key)).status_code == 404
    )


def test_api_scorecard_query_count(
    client, admin_user, scored, django_assert_max_num_queries
):
    _token, key = api_token_issue(user=admin_user, name="bi")
    # 10 since the scorecard reads its flag counters and its item masks in queries of
    # their own (5 instead of 3: tests/surveys/test_scorecard.py), which made it faster.
    with django_assert_max_num_queries(10):
        assert (
            client.get(
                f"/api/v1/campaigns/{scored.pk}/scorecard", **_bearer(key)
            ).status_code
            == 200
        )


def test_campaign_fields_in_the_api(client, admin_user, scored):
    client.force_login(admin_user)
    body = client.get(f"/api/v1/campaigns/{scored.pk}").json()
    assert body == {
        "id": scored.pk,
        "title": scored.title,
        "description": scored.description,
        "survey_id": scored.survey_id,
        "root_unit_code": scored.root_unit.code,
        "mode": scored.mode,
        "state": scored.state,
        "starts_on": scored.starts_on.isoformat() if scored.starts_on else None,
        "ends_on": scored.ends_on.isoformat() if scored.ends_on else None,
        "participation_target": float(scored.participation_target),
        "recognition_target": float(scored.recognition_target),
        "satisfaction_target": float(scored.satisfaction_target),
        "recognition_threshold": float(scored.recognition_threshold),
    }
