"""Redis stopped and started again while respondents submit through a unit link and a
manager watches the live scorecard: two uvicorn workers share the test database and a
private Redis (cache and channel layer). Every answer a respondent saw accepted is
stored once, no page fails, and the open scorecard shows the final count by itself
once Redis is back. While Redis is out the open scorecard says that live updates are
paused."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from surveys.models import CampaignUnit, Response
from surveys.services import campaign_create, campaign_open
from tests.factories import make_person, make_unit
from tests.surveys.conftest import make_survey
from units.models import Role, Unit

from .clients import ScorecardWatcher, submit
from .conftest import server_env, shared_database_url

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

UNIT = "YK-GS-09"
BEFORE, DURING, AFTER = 3.0, 5.0, 3.0
# The push after the last answer: the channel layer re-joins within a retry interval
# (1 s here), the consumer waits a coalescing second, then reads the scorecard.
PUSH_TIMEOUT = 10.0


class NoticeWatcher(ScorecardWatcher):
    """Also records when the server says that live updates are paused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.paused: list[tuple[float, str]] = []

    def _received(self, message: dict) -> None:
        if message.get("type") == "paused":
            self.paused.append((time.monotonic(), message["notice"]))
        super()._received(message)


def _submit_for(seconds: float, base: str, path: str, into: list) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        into.append(submit(base, path))


def test_redis_restart_during_a_submission_load_loses_nothing(
    city, redis_server, uvicorn, report
):
    if connection.vendor != "postgresql":
        pytest.skip("the server processes need the test database on PostgreSQL")
    # A unit large enough that its link's budget (its headcount) never refuses.
    make_unit(
        UNIT,
        parent=Unit.objects.get(code="YK-GS"),
        name="故障村",
        kind_name="村居",
        headcount=5000,
    )
    campaign = campaign_open(
        campaign=campaign_create(survey=make_survey(), title="故障测评", root_unit=city)
    )
    token = CampaignUnit.objects.get(campaign=campaign, unit__code=UNIT).token
    path = f"/surveys/u/{token}/"
    manager = make_person(
        "fault-cm", unit=Unit.objects.get(code="YK-JG-01"), role=Role.CAMPAIGN_MANAGER
    )
    browser = Client()
    browser.force_login(manager)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"

    server = uvicorn(
        server_env(
            DATABASE_URL=shared_database_url(),
            REDIS_URL=redis_server.url,
            CACHE_KEY_PREFIX="faults",
        ),
        workers=2,
    )
    watcher = NoticeWatcher(
        f"ws://127.0.0.1:{server.port}/ws/surveys/campaigns/{campaign.pk}/"
        f"?unit={UNIT}&lang=zh-hans",
        cookie=cookie,
        origin=server.base,
        unit=UNIT,
    )
    watcher.start()
    try:
        assert watcher.wait_for(lambda p: p[1] == 0, PUSH_TIMEOUT), "no first push"
        before, during, after = [], [], []
        _submit_for(BEFORE, server.base, path, before)
        stopped = time.monotonic()
        redis_server.stop()
        _submit_for(DURING, server.base, path, during)
        redis_server.start()
        restarted = time.monotonic()
        _submit_for(AFTER, server.base, path, after)
        last = time.monotonic()
        submissions = before + during + after
        accepted = [s.key for s in submissions if s.accepted]
        final = watcher.wait_for(
            lambda p: p[0] > last and p[1] == len(accepted), PUSH_TIMEOUT
        )
        # A live push well into the outage would mean the test never stopped Redis
        # (one already on its way when Redis stopped lands up to a second later).
        pushed_during = [p for p in watcher.pushes if stopped + 2.5 < p[0] < restarted]
    finally:
        watcher.stop()

    def slowest(group):
        return round(max((s.finished - s.started for s in group), default=0), 2)

    first_after = next((p for p in watcher.pushes if p[0] > restarted), None)
    report(
        "redis-submissions",
        accepted_before=sum(s.accepted for s in before),
        accepted_during_outage=sum(s.accepted for s in during),
        accepted_after=sum(s.accepted for s in after),
        slowest_before_s=slowest(before),
        slowest_during_s=slowest(during),
        slowest_after_s=slowest(after),
        outage_seconds=round(restarted - stopped, 1),
        first_push_after_restart_s=round(first_after[0] - restarted, 1)
        if first_after
        else None,
        final_push_after_last_answer_s=round(final[0] - last, 1) if final else None,
        scorecard_connections=watcher.connections,
        paused_notice_after_stop_s=round(watcher.paused[0][0] - stopped, 1)
        if watcher.paused
        else None,
    )
    statuses = [status for s in submissions for status in s.statuses]
    failures = [s for s in statuses if not isinstance(s, int) or s >= 500]
    assert not failures, f"{len(failures)} failed requests: {failures[:5]}"
    assert all(s.accepted for s in submissions), [
        s.statuses for s in submissions if not s.accepted
    ][:5]
    assert during, "no submission while Redis was down"
    stored = list(
        Response.objects.filter(campaign=campaign, unit__code=UNIT).values_list(
            "idempotency_key", flat=True
        )
    )
    assert sorted(str(k) for k in stored) == sorted(accepted)
    assert all(
        r.completed_at
        for r in Response.objects.filter(campaign=campaign).only("completed_at")
    )
    assert not pushed_during
    assert watcher.connections == 1, "the scorecard socket was closed and reopened"
    assert [t for t, _notice in watcher.paused if stopped < t < restarted], (
        "the open scorecard was not told that live updates are paused"
    )
    assert watcher.paused[0][1].startswith("实时更新暂停")
    assert final is not None, (
        f"no push with {len(accepted)} after Redis returned; last pushes "
        f"{[(round(t - last, 1), n) for t, n, _ in watcher.pushes[-3:]]}"
    )
