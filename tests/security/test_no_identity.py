"""An anonymous answer through a unit link leaves no trace of who gave it.

Every table's rows are read before the visit and after it; whatever the two requests
(open the link, submit the answers) wrote is searched for the respondent's address, user
agent and cookie values, plain and under the usual unsalted hashes, and for any user.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from surveys.models import Response
from tests.security.conftest import unit_link
from tests.surveys.respondent import form_values

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "Mozilla/5.0 (Linux; Android 14) QLXT-Probe/7f3a9c2e"
GOOD = {"q_R1": "A", "q_R2": ["A", "B"], "q_S1": "5", "q_S2": "4", "q_T1": "多公开"}


def _rows() -> dict[str, Counter]:
    tables = connection.introspection.table_names()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        snapshot = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - our own table names
            columns = [c[0] for c in cursor.description]
            snapshot[table] = Counter(
                tuple(zip(columns, map(str, row), strict=True))
                for row in cursor.fetchall()
            )
    return snapshot


def _written(before, after) -> dict[str, list[dict]]:
    return {
        table: [dict(row) for row in (rows - before.get(table, Counter()))]
        for table, rows in after.items()
        if rows - before.get(table, Counter())
    }


def _needles(values):
    for value in values:
        yield value, value
        for name in ("md5", "sha1", "sha256"):
            yield f"{name}({value})", hashlib.new(name, value.encode()).hexdigest()


def test_anonymous_submission_stores_no_identity(towns):
    campaign, unit = towns["campaign"]["A"], towns["unit"]["A"]
    client = Client(
        REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=FORWARDED, HTTP_USER_AGENT=AGENT
    )
    before = _rows()
    url = unit_link(campaign, unit)
    page = client.get(url)
    assert page.status_code == 200
    # Not post_answers: reading the test client's .session would itself write a session.
    key = uuid.uuid4()
    values = form_values(GOOD, campaign=campaign, key=key)
    reply = client.post(url, {**values, "idempotency_key": str(key)})
    assert reply.status_code == 302, reply.content[:500]
    assert reply["Location"] == f"/surveys/{campaign.pk}/thanks/"
    written = _written(before, _rows())

    # The answer was stored: the diff does see what the request wrote.
    (new_response,) = written[Response._meta.db_table]
    response = Response.objects.get(pk=int(new_response["id"]))
    assert response.campaign == campaign and response.unit == unit
    assert response.user_id is None and response.completed_at is not None
    assert "surveys_answer" in written

    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    assert cookies, "the link sets its cookies (device id, CSRF token)"
    needles = list(
        _needles([ADDRESS, FORWARDED, AGENT, "QLXT-Probe", *cookies.values()])
    )
    found = [
        (table, column, label)
        for table, rows in written.items()
        for row in rows
        for column, value in row.items()
        for label, needle in needles
        if needle and needle in value
    ]
    assert found == []
    # No user, no session, no login record: nothing ties the answer to a person.
    assert not {"units_user", "django_session", "axes_accessattempt"} & set(written)
    people = [
        (table, column)
        for table, rows in written.items()
        for row in rows
        for column, value in row.items()
        if column in {"user_id", "owner_id", "person_id"} and value != "None"
    ]
    assert people == []
