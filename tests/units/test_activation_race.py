"""One activation code, used by several requests at once (a double click, two tabs, a
script): exactly one activates the account, every other one is told the code was just
used — never a server error."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from tests.factories import make_person
from units.models import ActivationCode, Unit
from units.services import (
    ActivationCodeSpent,
    activation_code_find,
    activation_code_redeem,
    activation_codes_issue,
)

pytestmark = pytest.mark.django_db

PARALLEL = 6
NEW_PASSWORD = "New-pass-2026!"


def newcomer_with_code():
    person = make_person("wang5", unit=Unit.objects.get(code="YK-GS-01"))
    person.set_unusable_password()
    person.save()
    [(_, code, _)] = activation_codes_issue(people=[person])
    return person, code


def test_redeeming_a_spent_code_raises_code_spent(city):
    person, code = newcomer_with_code()
    found = activation_code_find(username="wang5", code=code)
    activation_code_redeem(activation=found, password=NEW_PASSWORD)
    with pytest.raises(ActivationCodeSpent):
        activation_code_redeem(activation=found, password="Other-pass-2026!")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time, so parallel activations cannot overlap",
)
def test_six_parallel_activations_with_one_code_activate_once(city):
    person, code = newcomer_with_code()
    barrier = threading.Barrier(PARALLEL)
    replies: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def activate(number):
        try:
            client = Client(raise_request_exception=False, REMOTE_ADDR="10.0.0.1")
            data = {
                "username": "wang5",
                "code": code,
                "password1": f"{NEW_PASSWORD}{number}",
                "password2": f"{NEW_PASSWORD}{number}",
            }
            barrier.wait(timeout=10)
            reply = client.post("/accounts/activate/", data)
            replies.append((reply.status_code, reply.content.decode()))
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=activate, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    statuses = sorted(status for status, _ in replies)
    # A request that arrives after the winner committed finds no usable code at all
    # (200, the form's own "wrong or used code"); one that raced it gets 409.
    assert statuses.count(302) == 1
    assert all(status in (200, 409) for status in statuses if status != 302)
    for status, text in replies:
        if status == 409:
            assert "该激活码已被使用" in text
        if status == 200:
            assert "激活码已使用" in text
    assert ActivationCode.objects.get().used_at is not None
    person.refresh_from_db()
    assert (
        sum(person.check_password(f"{NEW_PASSWORD}{n}") for n in range(PARALLEL)) == 1
    )
