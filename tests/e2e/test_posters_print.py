"""Posters as they come out of a printer: the page printed to A4 PDF by the machine's
Chromium, rasterised, and every QR code decoded back to its unit's link.

Needs Debian's `chromium` (and `fonts-noto-cjk` for the Chinese text), which `.ci/run`
installs; Playwright drives it, with no browser download. In CI (the CI variable set) a
missing browser fails the test; on a developer machine without it the test is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from surveys.models import CampaignUnit
from surveys.services import (
    QuestionSpec,
    campaign_create,
    campaign_open,
    survey_create,
)
from tests.e2e.shoot import ARGS, CHROMIUM
from tests.factories import make_person, make_unit
from units.models import Role, Unit

# live_server serves from another thread, so the data must be committed: transactional.
live_db = pytest.mark.django_db(transaction=True)

# 300 dpi: a print shop's resolution, so a module of the 80 mm code is about 20 px.
DPI = 300


def _need_browser():
    missing = [
        what
        for what, ok in (
            (CHROMIUM, Path(CHROMIUM).exists()),
            ("playwright", _importable("playwright")),
            ("pypdfium2", _importable("pypdfium2")),
            ("zxing-cpp", _importable("zxingcpp")),
        )
        if not ok
    ]
    if not missing:
        return
    reason = "posters print test needs " + ", ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason + " (installed by .ci/run)")
    pytest.skip(reason)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.fixture
def posters_campaign(city):
    # Village names as long as real ones, and more units than one screen of posters.
    town = Unit.objects.get(code="YK-GS")
    for i in range(3):
        make_unit(
            f"YK-GS-1{i}",
            parent=town,
            name=f"古山镇第{i + 1}股份经济合作社社区居民委员会",
            kind_name="村居",
            headcount=20 + i,
        )
    survey = survey_create(
        title="清廉单元认知度调查",
        questions=[
            QuestionSpec(
                "R1", "recognition", "胡公是谁？", [("A", "胡则")], {"A"}, True
            )
        ],
    )
    return campaign_open(
        campaign=campaign_create(survey=survey, title="2026 清廉测评", root_unit=city)
    )


def _print_posters_pdf(url: str, session_cookie: dict) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN")
            context.add_cookies([session_cookie])
            page = context.new_page()
            reply = page.goto(url)
            assert reply is not None and reply.status == 200, url
            page.wait_for_load_state("networkidle")
            return page.pdf(format="A4", print_background=True)
        finally:
            browser.close()


def _decode_pages(pdf: bytes) -> list[list[str]]:
    # pypdfium2 rather than poppler's pdftoppm: a PyPI wheel carrying PDFium (Chromium's
    # own PDF renderer), so it installs with the other test requirements and renders
    # in-process to a PIL image, without another apt package, subprocess or temp files.
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        found = []
        for page in document:
            image = page.render(scale=DPI / 72).to_pil().convert("L")
            codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            found.append([code.text for code in codes])
        return found
    finally:
        document.close()


def _admin_session_cookie(live_server) -> dict:
    admin = make_person(
        "poster-admin", unit=Unit.objects.get(code="YK-JG-01"), role=Role.ADMINISTRATOR
    )
    client = Client()
    client.force_login(admin)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@live_db
def test_every_printed_poster_qr_code_decodes_to_its_units_link(
    live_server, posters_campaign
):
    _need_browser()
    session_cookie = _admin_session_cookie(live_server)
    with override_settings(SITE_BASE_URL=live_server.url):
        # Every ORM read happens before Playwright starts: its sync API runs an event
        # loop in this thread, where Django refuses database calls.
        expected = [
            f"{live_server.url}/surveys/u/{token}/"
            for token in CampaignUnit.objects.filter(
                campaign=posters_campaign, headcount__gt=0
            )
            .order_by("unit__path")
            .values_list("token", flat=True)
        ]
        pdf = _print_posters_pdf(
            f"{live_server.url}/admin/surveys/campaigns/{posters_campaign.pk}/posters/",
            session_cookie,
        )

    assert len(expected) == 6
    # One A4 page per unit with people, each carrying exactly its own unit's link.
    assert _decode_pages(pdf) == [[link] for link in expected]


@live_db
def test_copy_button_puts_the_units_link_on_the_clipboard(
    live_server, posters_campaign
):
    from playwright.sync_api import sync_playwright

    _need_browser()
    session_cookie = _admin_session_cookie(live_server)
    first = (
        CampaignUnit.objects.filter(campaign=posters_campaign, headcount__gt=0)
        .order_by("unit__path")
        .select_related("unit")
        .first()
    )
    url = (
        f"{live_server.url}/admin/surveys/campaigns/{posters_campaign.pk}/distribution/"
    )
    with override_settings(SITE_BASE_URL=live_server.url):
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=ARGS, headless=True
            )
            try:
                context = browser.new_context(
                    locale="zh-CN", viewport={"width": 390, "height": 844}
                )
                context.grant_permissions(
                    ["clipboard-read", "clipboard-write"], origin=live_server.url
                )
                context.add_cookies([session_cookie])
                page = context.new_page()
                page.goto(url)
                button = page.get_by_role(
                    "button", name=f"复制{first.unit.name}的链接", exact=True
                )
                button.click()
                status = page.locator(".sv-copy__status").first
                status.wait_for(state="visible")
                feedback = status.text_content()
                copied = page.evaluate("navigator.clipboard.readText()")
            finally:
                browser.close()

    assert feedback == "已复制"
    assert copied == f"{live_server.url}/surveys/u/{first.token}/"
