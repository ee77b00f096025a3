"""A respondent scans a unit's link on a phone, answers, submits; goes back and submits
the same page again: one response is stored, and the second press lands on the thanks
page instead of an error."""

from __future__ import annotations

import re

import pytest

from .conftest import shot

pytestmark = pytest.mark.xdist_group("journeys")


def _fill_survey(page):
    """Answer every question as a person would: the first choice of each group, a line
    of text in the open question."""
    form = page.locator("form.survey-form")
    names = form.locator("input[type=radio], input[type=checkbox]").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        form.locator(f"input[name='{name}']").first.check()
    for area in form.locator("textarea").all():
        area.fill("希望多讲讲身边的清廉故事。")
    return len(names)


def test_respondent_submits_once_even_after_going_back(site, phone):
    campaign = site.one("SELECT id FROM surveys_campaign ORDER BY id LIMIT 1")
    unit, token, name = site.one(
        "SELECT cu.unit_id, cu.token, u.name FROM surveys_campaignunit cu "
        "JOIN units_unit u ON u.id = cu.unit_id WHERE cu.campaign_id = %s "
        "AND cu.headcount > 50 ORDER BY u.path DESC LIMIT 1",
        campaign,
    )

    def stored():
        return site.one(
            "SELECT count(*) FROM surveys_response WHERE campaign_id = %s AND unit_id = %s",
            campaign,
            unit,
        )

    before = stored()
    page = phone()
    page.goto(site.url(f"/surveys/u/{token}/"))
    assert name in page.locator("main").inner_text()
    shot(page, "respondent-form")
    key = page.locator("input[name=idempotency_key]").input_value()
    answered = _fill_survey(page)
    assert answered >= 5
    page.locator("form.survey-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/thanks/"))
    shot(page, "respondent-thanks")
    assert stored() == before + 1
    assert (
        site.one(
            "SELECT count(*) FROM surveys_response WHERE idempotency_key = %s", key
        )
        == 1
    )

    # Back (the browser may show its copy of the form, or load the page again) and
    # press submit again: still one response, and the person is told it is in.
    page.go_back()
    page.wait_for_load_state()
    if page.locator("form.survey-form").count():
        _fill_survey(page)
        page.locator("form.survey-form button[type=submit]").click()
        page.wait_for_load_state()
    shot(page, "respondent-second-press")
    assert re.search("提交成功|已提交", page.locator("main").inner_text())
    assert stored() == before + 1
