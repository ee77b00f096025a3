"""The 503 page a database outage gets (config.unavailable), without stopping a real
database: a query that fails as one does while PostgreSQL restarts."""

from __future__ import annotations

import logging

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.http import HttpResponse
from django.urls import path

from surveys.models import CampaignUnit
from tests.surveys.conftest import campaign, survey  # noqa: F401 - fixtures


def _raising(error):
    def view(request):
        raise error

    return view


urlpatterns = [
    path("operational/", _raising(OperationalError("server closed the connection"))),
    path("interface/", _raising(InterfaceError("connection already closed"))),
    path("bug/", _raising(ValueError("a bug"))),
    path("fine/", lambda request: HttpResponse("fine")),
]


@pytest.fixture
def raising_urls(settings):
    settings.ROOT_URLCONF = __name__


def _unavailable(reply) -> str:
    assert reply.status_code == 503
    assert reply["Retry-After"] == "5"
    assert reply["Cache-Control"] == "no-store"
    body = reply.content.decode()
    assert "<h1>服务暂时不可用</h1>" in body
    assert "Service temporarily unavailable" in body
    assert "Traceback" not in body and "closed" not in body
    return body


@pytest.mark.parametrize("url", ["/operational/", "/interface/"])
def test_a_database_connection_error_answers_the_503_page(
    client, raising_urls, url, caplog
):
    caplog.set_level(logging.WARNING, logger="config.unavailable")
    _unavailable(client.get(url))
    [record] = [r for r in caplog.records if r.name == "config.unavailable"]
    assert record.getMessage().startswith(
        f"Database unavailable, answered 503 for GET {url}"
    )
    assert record.exc_info is None  # one line, no traceback


def test_other_errors_still_answer_500(client, raising_urls):
    client.raise_request_exception = False
    reply = client.get("/bug/")
    assert reply.status_code == 500
    assert "服务器出错了" in reply.content.decode()
    assert client.get("/fine/").content == b"fine"


@pytest.mark.django_db(transaction=True)
def test_the_questionnaire_and_its_submission_answer_503_while_queries_fail(
    client,
    campaign,  # noqa: F811
    monkeypatch,
):
    token = CampaignUnit.objects.get(campaign=campaign, unit__code="YK-GS-01").token

    def down(self, *args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", down)
    _unavailable(client.get(f"/surveys/u/{token}/"))
    _unavailable(client.post(f"/surveys/u/{token}/", {"q_S1": "5"}))
