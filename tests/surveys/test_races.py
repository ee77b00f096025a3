"""Submissions and closing meet on the campaign row lock, over two real connections.

A submission re-checks the campaign under a shared lock (`FOR SHARE`) and closing takes
it exclusively (`FOR UPDATE`), so nothing lands in a closed campaign after its scorecard
froze, while ordinary submissions never wait for each other. PostgreSQL only: SQLite has
one writer at a time, so there is no race to test.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection, connections, transaction

from surveys.models import Campaign, CampaignState, Response
from surveys.selectors import survey_questions
from surveys.services import (
    SubmissionError,
    answers_parse,
    campaign_close,
    response_submit,
)
from units.models import Unit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL"
    ),
]

TIMEOUT = 10


class Worker(threading.Thread):
    """Runs `target` on its own database connection and keeps its result or error."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target = target
        self.result = None
        self.error: BaseException | None = None

    def run(self):
        try:
            self.result = self.target()
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            self.error = exc
        finally:
            connections.close_all()


def _wait_for_a_lock_waiter() -> None:
    """Until another connection of this test database waits for a lock."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("no connection waited for the campaign lock")


def _submit(campaign, *, network=""):
    unit = Unit.objects.get(code="YK-GS-01")
    answers, errors = answers_parse(
        questions=survey_questions(survey_id=campaign.survey_id),
        values={"R1": ["A"], "S1": ["5"]},
    )
    assert not errors
    return response_submit(
        campaign=campaign,
        unit=unit,
        answers=answers,
        idempotency_key=uuid.uuid4(),
        network=network,
    )


def _frozen_participants(campaign, code="YK-GS-01") -> int:
    frozen = Campaign.objects.get(pk=campaign.pk).frozen_scorecard
    return {r["unit_code"]: r for r in frozen["units"]}[code]["participants"]


def test_closing_waits_for_a_submission_in_flight_and_freezes_it_in(campaign):
    submitted, finish = threading.Event(), threading.Event()

    def submit_and_hold():
        with transaction.atomic():
            _submit(campaign)
            submitted.set()
            assert finish.wait(TIMEOUT)

    submission = Worker(submit_and_hold)
    submission.start()
    assert submitted.wait(TIMEOUT)
    closing = Worker(lambda: campaign_close(campaign=campaign))
    closing.start()
    _wait_for_a_lock_waiter()
    assert closing.is_alive()
    finish.set()
    submission.join(TIMEOUT)
    closing.join(TIMEOUT)
    assert submission.error is None and closing.error is None
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.CLOSED
    assert _frozen_participants(campaign) == 1
    assert Response.objects.filter(campaign=campaign).count() == 1


def test_a_submission_arriving_while_closing_is_refused(campaign):
    closed, finish = threading.Event(), threading.Event()

    def close_and_hold():
        with transaction.atomic():
            campaign_close(campaign=Campaign.objects.get(pk=campaign.pk))
            closed.set()
            assert finish.wait(TIMEOUT)

    closing = Worker(close_and_hold)
    closing.start()
    assert closed.wait(TIMEOUT)
    # `campaign` was read while open: only the re-check under the lock can refuse.
    submission = Worker(lambda: _submit(campaign))
    submission.start()
    _wait_for_a_lock_waiter()
    assert submission.is_alive()
    finish.set()
    closing.join(TIMEOUT)
    submission.join(TIMEOUT)
    assert closing.error is None
    assert isinstance(submission.error, SubmissionError)
    assert not Response.objects.filter(campaign=campaign).exists()
    assert _frozen_participants(campaign) == 0


def test_two_submissions_hold_the_shared_lock_at_once(campaign):
    first_holds, second_done = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            _submit(campaign, network="home-a")
            first_holds.set()
            # Only returns True if the second commits while this one is still open.
            return second_done.wait(TIMEOUT)

    def second():
        assert first_holds.wait(TIMEOUT)
        _submit(campaign, network="home-b")
        second_done.set()

    workers = [Worker(first), Worker(second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(2 * TIMEOUT)
    assert [w.error for w in workers] == [None, None]
    assert workers[0].result is True
    assert Response.objects.filter(campaign=campaign).count() == 2
