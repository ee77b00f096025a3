"""One open attempt per person and quiz: parallel starts, the constraint behind it, and
the data migration that closes the duplicates older code left behind."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from quizzes.models import Attempt, AttemptState
from quizzes.services import attempt_start
from tests.courses.conftest import restore_wagtail_roots
from tests.factories import make_person

from .conftest import make_question, make_quiz

pytestmark = pytest.mark.django_db

PARALLEL_STARTS = 10


@pytest.fixture
def quiz(request):
    # After an earlier transactional test's flush, Wagtail's root page is gone.
    restore_wagtail_roots()
    practice = request.getfixturevalue("practice")
    return make_quiz(practice, [make_question("S1"), make_question("S2")])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time, so parallel starts cannot overlap",
)
def test_ten_parallel_starts_by_one_learner_open_one_attempt(quiz):
    """Every start first looks for an open attempt and finds none; then they go on one
    after another, so later ones count the attempts after the first has committed (the
    interleaving that let two open attempts through)."""
    person = make_person("learner")
    all_looked = threading.Barrier(PARALLEL_STARTS)
    results: list[str] = []
    errors: list[BaseException] = []

    def start(order: int):
        looked = False

        def after_the_open_check(execute, sql, params, many, context):
            nonlocal looked
            result = execute(sql, params, many, context)
            if (
                not looked
                and '"quizzes_attempt"' in sql
                and AttemptState.IN_PROGRESS in (params or ())
            ):
                looked = True
                all_looked.wait(timeout=10)
                time.sleep(order * 0.03)
            return result

        try:
            with connection.execute_wrapper(after_the_open_check):
                results.append(str(attempt_start(quiz=quiz, user=person).pk))
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=start, args=(order,))
        for order in range(PARALLEL_STARTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    open_attempts = Attempt.objects.filter(
        quiz=quiz, user=person, state=AttemptState.IN_PROGRESS
    )
    assert open_attempts.count() == 1
    assert results == [str(open_attempts.get().pk)] * PARALLEL_STARTS
    assert Attempt.objects.filter(quiz=quiz, user=person).count() == 1


def test_the_database_refuses_a_second_open_attempt(quiz):
    person = make_person("learner")
    first = attempt_start(quiz=quiz, user=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(quiz=quiz, user=person, number=first.number + 1)


def test_a_closed_attempt_does_not_block_a_new_open_one(quiz):
    person = make_person("learner")
    first = attempt_start(quiz=quiz, user=person)
    Attempt.objects.filter(pk=first.pk).update(state=AttemptState.EXPIRED, score=0)
    second = attempt_start(quiz=quiz, user=person)
    assert second.pk != first.pk and second.number == 2 and second.is_open


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_newest_open_attempt_and_expires_the_others(quiz):
    executor = MigrationExecutor(connection)
    executor.migrate([("quizzes", "0001_initial")])
    try:
        learner, other = make_person("learner"), make_person("other")
        start = timezone.now() - timedelta(hours=1)

        def attempt(person, number, minutes, state=AttemptState.IN_PROGRESS):
            return Attempt.objects.create(
                quiz=quiz,
                user=person,
                number=number,
                state=state,
                started_at=start + timedelta(minutes=minutes),
            )

        submitted = attempt(learner, 1, 0, AttemptState.SUBMITTED)
        Attempt.objects.filter(pk=submitted.pk).update(score=80.0)
        older = [attempt(learner, 2, 5), attempt(learner, 3, 6)]
        newest = attempt(learner, 4, 7)
        alone = attempt(other, 1, 1)
    finally:
        executor.loader.build_graph()
        # Back to the latest migrations, not just 0003: later tests need their tables.
        executor.migrate(
            [n for n in executor.loader.graph.leaf_nodes() if n[0] == "quizzes"]
        )

    states = dict(Attempt.objects.values_list("pk", "state"))
    assert states == {
        submitted.pk: AttemptState.SUBMITTED,
        older[0].pk: AttemptState.EXPIRED,
        older[1].pk: AttemptState.EXPIRED,
        newest.pk: AttemptState.IN_PROGRESS,
        alone.pk: AttemptState.IN_PROGRESS,
    }
    assert Attempt.objects.get(pk=older[0].pk).score == 0
    assert Attempt.objects.get(pk=submitted.pk).score == 80.0
    assert attempt_start(quiz=quiz, user=learner).pk == newest.pk
