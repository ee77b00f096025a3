"""An import is written once, however often its preview is confirmed (a double click,
two tabs): the confirm claims the stored upload first, and a second confirm is told the
file has been imported already."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client

from surveys.models import Response
from surveys.services import campaign_create, campaign_open
from tests.surveys.conftest import make_survey

ROWS = 10
PAPER = ("unit_code,R1,S1\n" + "YK-GS-01,A,5\n" * ROWS).encode()
ALREADY = "此文件已导入（或正在导入），没有再导入一次。"


@pytest.fixture
def campaign(city):
    campaign = campaign_create(survey=make_survey(), title="纸质问卷", root_unit=city)
    return campaign_open(campaign=campaign)


def _preview(client, campaign) -> tuple[str, str]:
    url = f"/admin/surveys/campaigns/{campaign.pk}/import/"
    html = client.post(
        url, {"file": SimpleUploadedFile("p.csv", PAPER)}
    ).content.decode()
    assert f"将新增 {ROWS} 条" in html
    return url, html.split('name="token" value="')[1].split('"')[0]


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_confirming_a_preview_twice_imports_it_once(client, admin_user, campaign):
    client.force_login(admin_user)
    url, token = _preview(client, campaign)
    first = client.post(url, {"token": token}, follow=True)
    assert any(m.startswith("导入完成") for m in _messages(first))
    second = client.post(url, {"token": token}, follow=True)
    assert _messages(second) == [ALREADY]
    assert Response.objects.filter(campaign=campaign).count() == ROWS


def test_a_confirm_of_an_unknown_upload_says_it_expired(client, admin_user, campaign):
    client.force_login(admin_user)
    url = f"/admin/surveys/campaigns/{campaign.pk}/import/"
    response = client.post(url, {"token": "0" * 32 + ".csv"}, follow=True)
    assert _messages(response) == ["上传的文件已失效，请重新上传。"]
    assert Response.objects.count() == 0


def test_a_failed_confirm_can_be_previewed_and_confirmed_again(
    client, admin_user, campaign
):
    client.force_login(admin_user)
    url, token = _preview(client, campaign)
    campaign.state = "closed"
    campaign.save(update_fields=["state"])
    failed = client.post(url, {"token": token})
    assert "只能向进行中的测评活动导入答卷。" in failed.content.decode()
    # Nothing was imported, so the file is not "already imported".
    again = client.post(url, {"token": token}, follow=True)
    assert _messages(again) == ["上传的文件已失效，请重新上传。"]
    assert Response.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel writers need PostgreSQL"
)
def test_two_confirms_at_the_same_moment_import_once(admin_user, campaign):
    preview_client = Client()
    preview_client.force_login(admin_user)
    url, token = _preview(preview_client, campaign)
    start = threading.Barrier(2)
    outcomes: list = []

    def confirm():
        client = Client()
        client.force_login(admin_user)
        try:
            start.wait(10)
            outcomes.append(client.post(url, {"token": token}, follow=True))
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(not isinstance(o, BaseException) for o in outcomes), outcomes
    assert [o.status_code for o in outcomes] == [200, 200]
    messages = sorted(m for o in outcomes for m in _messages(o))
    assert len(messages) == 2 and ALREADY in messages
    assert any(m.startswith("导入完成") for m in messages)
    assert Response.objects.filter(campaign=campaign).count() == ROWS
