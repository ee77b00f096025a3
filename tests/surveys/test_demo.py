"""The demo campaign: labelled as demo data, deterministic, idempotent."""

import io

import pytest

from surveys import demo
from surveys.models import Answer, Campaign, Response
from surveys.selectors import scorecard_compute

pytestmark = pytest.mark.django_db


def test_demo_load_is_labelled_deterministic_and_idempotent(monkeypatch):
    from units import demo as units_demo

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-2026")
    units_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    campaign = Campaign.objects.get(title=demo.CAMPAIGN_TITLE)
    # Managers read the label in the title on every scorecard; the description is what
    # respondents read, so it carries no notes for editors.
    assert "演示数据" in campaign.title
    assert "演示" not in campaign.description
    responses, answers = Response.objects.count(), Answer.objects.count()
    assert responses > 1000
    demo.load(stdout=io.StringIO())
    assert (Response.objects.count(), Answer.objects.count()) == (responses, answers)
    assert Campaign.objects.count() == 2
    root = scorecard_compute(campaign=campaign)["units"][0]
    assert root["unit_code"] == "YK"
    assert root["participants"] == responses
