"""The read-only API against its own OpenAPI schema: schemathesis generates requests for
every operation, valid and malformed (unknown campaigns, ids that are not numbers, odd
query strings), and runs every check on the answers; none may fail, so every status the
API gives is documented (401, 404, 422 included) and every body matches its schema.

Driven through hypothesis directly rather than schemathesis' pytest plugin, whose
subtest machinery does not run under this pytest; the operations and checks are the
same."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from surveys.services import api_token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's own test client stops a request from closing the database connection
    (the test's transaction lives on it); a WSGI app called directly would close it at
    request start, and every answer would be the 503 page."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["unit_manager_A", "administrator"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(towns, role, mode):
    _token, key = api_token_issue(user=towns["people"][role], name="st")
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", get_wsgi_application()
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    real = towns["campaign"]["A"].pk
    calls = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def run(case):
            # Real ids as well as generated ones, so the 200 answers are checked too.
            params = case.path_parameters or {}
            if mode == GenerationMode.POSITIVE and params.get("campaign_id") in (0, 1):
                params["campaign_id"] = real
            case.call_and_validate(headers=headers)
            calls.append(case.operation.label)

        run()
    assert set(calls) == {op.label for op in operations}
