"""The Content-Security-Policy in a real browser: the key public and respondent pages,
a learner's own pages, and the admin's scorecard, page editor and preview load with
no CSP violation at all (securitypolicyviolation events and console reports).

Needs Debian's `chromium` driven by Playwright, like the posters test: in CI (the CI
variable set) a missing browser fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.shoot import ARGS, CHROMIUM
from tests.security.conftest import build_towns, unit_link

# live_server serves from another thread, so the data must be committed: transactional.
live_db = pytest.mark.django_db(transaction=True)


@pytest.fixture
def towns(transactional_db):
    return build_towns()


# Registered before any page script runs; the browser reports every blocked resource,
# inline script, style or eval here.
RECORDER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") +
                    " " + (e.sourceFile || "") + ":" + (e.lineNumber || 0));
});
"""


def _need_browser():
    import importlib.util

    missing = [
        what
        for what, ok in (
            (CHROMIUM, Path(CHROMIUM).exists()),
            ("playwright", importlib.util.find_spec("playwright") is not None),
        )
        if not ok
    ]
    if not missing:
        return
    reason = "CSP browser test needs " + ", ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason + " (installed by .ci/run)")
    pytest.skip(reason)


def _session(live_server, user) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def _violations(live_server, paths, user=None, actions=None) -> dict[str, list[str]]:
    from playwright.sync_api import sync_playwright

    found = {}
    # Before Playwright starts its event loop: Django refuses ORM calls inside one.
    cookie = _session(live_server, user) if user is not None else None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN")
            if cookie is not None:
                context.add_cookies([cookie])
            context.add_init_script(RECORDER)
            for path in paths:
                page = context.new_page()
                console = []
                page.on(
                    "console",
                    lambda m, c=console: (
                        c.append(m.text)
                        if "Content Security Policy" in m.text
                        else None
                    ),
                )
                reply = page.goto(live_server.url + path)
                assert reply is not None and reply.status < 400, (path, reply.status)
                assert "Content-Security-Policy" in {
                    k.title(): v for k, v in reply.headers.items()
                }
                page.wait_for_load_state("networkidle")
                if actions and path in actions:
                    actions[path](page)
                    page.wait_for_timeout(300)
                found[path] = page.evaluate("window.__csp") + console
                page.close()
        finally:
            browser.close()
    return found


def _answer_questionnaire(page):
    # The respondent script runs: ticking an answer moves the progress bar.
    page.locator("input[type=radio]").first.check()
    assert page.locator(".survey-progress [data-answered]").inner_text() == "1"
    assert page.locator(".survey-progress rect").get_attribute("width") != "0"


@live_db
def test_public_and_respondent_pages_run_without_csp_violations(live_server, towns):
    _need_browser()
    campaign, unit = towns["campaign"]["A"], towns["unit"]["A"]
    link = unit_link(campaign, unit)
    paths = [
        "/accounts/login/",
        "/accounts/activate/",
        "/search/?q=清廉",
        "/surveys/",
        "/practice/certificates/",
        "/contests/join/",
        link,
    ]
    found = _violations(live_server, paths, actions={link: _answer_questionnaire})
    assert set(found) == set(paths)
    assert {p: v for p, v in found.items() if v} == {}


@live_db
def test_a_learners_pages_run_without_csp_violations(live_server, towns):
    _need_browser()
    paths = ["/me/", "/learn/my-learning/", "/practice/daily/", "/accounts/profile/"]
    found = _violations(live_server, paths, user=towns["people"]["learner"])
    assert {p: v for p, v in found.items() if v} == {}


@live_db
def test_the_admin_scorecard_and_editor_run_without_csp_violations(live_server, towns):
    _need_browser()
    from wagtail.models import Page

    from home.models import HomePage

    campaign = towns["campaign"]["A"]
    # A transactional test starts without the migrations' page tree or locale: make them.
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root")
    )
    page = root.add_child(instance=HomePage(title="清廉学堂", slug="csp-home"))
    paths = [
        "/admin/",
        f"/admin/surveys/campaigns/{campaign.pk}/",
        f"/admin/pages/{page.pk}/edit/",
        f"/admin/pages/{page.pk}/",
    ]
    found = _violations(live_server, paths, user=towns["people"]["administrator"])
    assert {p: v for p, v in found.items() if v} == {}
