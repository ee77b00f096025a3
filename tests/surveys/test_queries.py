"""Queries per request on the respondent path (docs/benchmarks.md, "Serving and the
survey path"): the anonymous unit link's page and its submission. Exact numbers: a
query more is a regression to look at, a query less an improvement to pin here."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from surveys import questionnaire, ratelimit
from surveys.models import Answer, CampaignUnit, NetworkTally, Response
from tests.surveys.respondent import form_values

pytestmark = pytest.mark.django_db

GOOD = {"q_R1": "A", "q_R2": ["A", "B"], "q_S1": "5", "q_S2": "0"}

# The page: the link with its campaign, survey and unit (1). The questions come from the
# worker's memory under the survey's revision (surveys.questionnaire); before, they were
# two queries more on every request. No session, no user, no per-question query.
PAGE_QUERIES = 1
# The first request of a worker for a survey revision reads the questions with their
# sections and their options.
FIRST_READ_EXTRA = 2
# A submission: the page's 1, the idempotency key (2), then in one transaction the
# campaign's shared lock (3), the response with its scores computed from the answers in
# memory (4; they were a set-based UPDATE of their own), its answer rows (5) and the
# network's tally (6); after commit the burst window (7). Savepoints and the
# transaction's own statements are not counted here. On PostgreSQL the shared lock is
# a SELECT … FOR SHARE followed by the read of the row (services.campaign_lock): one more.
SUBMIT_QUERIES = 7 + (connection.vendor == "postgresql")
# The first answer from a network creates its tally row in a savepoint of its own.
FIRST_ON_NETWORK_EXTRA = 1


def _url(campaign, code="YK-GS-01"):
    token = CampaignUnit.objects.get(campaign=campaign, unit__code=code).token
    return f"/surveys/u/{token}/"


def _phone(address="10.1.2.3"):
    client = Client(REMOTE_ADDR=address)
    client.cookies[ratelimit.DEVICE_COOKIE] = ratelimit.new_device_id()
    return client


def _statements(captured):
    return [
        q["sql"]
        for q in captured
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN"))
    ]


def _submission(campaign):
    key = uuid.uuid4()
    return {
        **form_values(GOOD, campaign=campaign, key=key),
        "idempotency_key": str(key),
    }


def test_the_anonymous_page_takes_one_query_whatever_the_number_of_questions(
    campaign,
):
    url = _url(campaign)
    _phone().get(url)  # this worker now holds the questions
    with CaptureQueriesContext(connection) as page:
        response = _phone().get(url)
    assert response.status_code == 200
    assert len(_statements(page)) == PAGE_QUERIES
    assert "django_session" not in " ".join(_statements(page))
    body = response.content.decode()
    assert body.count('name="q_') >= 5
    assert 'name="idempotency_key"' in body


def test_the_first_page_of_a_worker_reads_the_questions_once(campaign):
    url = _url(campaign)
    questionnaire.forget_forms()
    with CaptureQueriesContext(connection) as first:
        assert _phone().get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert _phone().get(url).status_code == 200
    assert len(_statements(first)) == PAGE_QUERIES + FIRST_READ_EXTRA
    assert len(_statements(second)) == PAGE_QUERIES


def test_a_submission_takes_seven_queries_eight_on_postgresql(campaign):
    url = _url(campaign)
    _phone().post(url, _submission(campaign))  # the network's tally row exists now
    data = _submission(campaign)
    with (
        CaptureQueriesContext(connection) as submit,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = _phone().post(url, data)
    assert response.status_code == 302
    statements = _statements(submit)
    assert len(statements) == SUBMIT_QUERIES, "\n".join(s[:160] for s in statements)
    stored = Response.objects.get(idempotency_key=data["idempotency_key"])
    assert stored.completed_at is not None and stored.recognition_correct == 2
    assert (stored.satisfaction_answers, stored.satisfaction_points) == (1, 100)
    assert Answer.objects.filter(response=stored).count() == 5
    assert NetworkTally.objects.get().count == 2


def test_the_first_answer_from_a_network_adds_its_tally_row(campaign):
    url, data = _url(campaign), _submission(campaign)
    _phone().get(url)  # this worker now holds the questions
    with (
        CaptureQueriesContext(connection) as submit,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = _phone().post(url, data)
    assert response.status_code == 302
    assert len(_statements(submit)) == SUBMIT_QUERIES + FIRST_ON_NETWORK_EXTRA
    assert NetworkTally.objects.get().count == 1


def test_a_replay_takes_the_page_queries_and_the_key_only(campaign):
    url = _url(campaign)
    data = _submission(campaign)
    phone = _phone()
    assert phone.post(url, data).status_code == 302
    with CaptureQueriesContext(connection) as replay:
        again = phone.post(url, data)
    assert again.status_code == 302
    assert len(_statements(replay)) == PAGE_QUERIES + 1
    assert Response.objects.count() == 1
