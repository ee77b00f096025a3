"""Distribution: unit links, QR codes, posters and the links file (page and command).

The browser-printed A4 check (every QR code decoded from the PDF) is in
tests/e2e/test_posters_print.py; these tests pin the HTML, files and command output."""

from __future__ import annotations

import io
import re

import pytest
import segno
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from surveys.models import CampaignUnit
from tests.factories import make_person
from units.models import Role, Unit

pytestmark = pytest.mark.django_db

BASE = "https://qinglian.example.org"


@pytest.fixture
def manager(city):
    return make_person(
        "cm", unit=Unit.objects.get(code="YK-JG-01"), role=Role.CAMPAIGN_MANAGER
    )


@pytest.fixture
def public_base(settings):
    settings.SITE_BASE_URL = BASE


def _link(campaign, code: str) -> str:
    token = CampaignUnit.objects.get(campaign=campaign, unit__code=code).token
    return f"{BASE}/surveys/u/{token}/"


def _page(client, user, url: str) -> str:
    client.force_login(user)
    reply = client.get(url)
    assert reply.status_code == 200
    return reply.content.decode()


# The fixture tree: 永康市 (0) → 古山镇 (0) → 胡库村 100, 示范村 50; 市直机关 (0) → 纪委 30.
PEOPLE = ["YK-GS-01", "YK-GS-02", "YK-JG-01"]
EVERY = ["YK", "YK-GS", "YK-GS-01", "YK-GS-02", "YK-JG", "YK-JG-01"]


def test_poster_qr_codes_scale_to_their_frame_with_a_quiet_zone(
    client, manager, campaign, public_base
):
    html = _page(client, manager, f"/admin/surveys/campaigns/{campaign.pk}/posters/")
    svgs = re.findall(r"<svg[^>]*>", html)
    assert len(svgs) == 3
    link = _link(campaign, "YK-GS-01")
    width, _height = segno.make(link, error="m").symbol_size(scale=1, border=0)
    # No pixel size of its own (a fixed size larger than the frame was clipped), and a
    # viewBox of the symbol plus 4 modules of quiet zone on each side.
    assert all("width=" not in svg and "height=" not in svg for svg in svgs)
    assert f'viewBox="0 0 {width + 8} {width + 8}"' in svgs[0]
    assert "width: min(80mm, 100%)" in html


def test_posters_skip_units_with_headcount_zero(client, manager, campaign):
    html = _page(client, manager, f"/admin/surveys/campaigns/{campaign.pk}/posters/")
    assert html.count('<section class="poster">') == 3
    assert "胡库村" in html and "纪委" in html
    assert "古山镇" not in html and "永康市" not in html


def test_posters_of_every_unit_when_asked(client, manager, campaign):
    html = _page(
        client, manager, f"/admin/surveys/campaigns/{campaign.pk}/posters/?all=1"
    )
    assert html.count('<section class="poster">') == 6
    assert "古山镇" in html


def test_poster_of_one_unit(client, manager, campaign, public_base):
    html = _page(
        client,
        manager,
        f"/admin/surveys/campaigns/{campaign.pk}/posters/?unit=YK-GS-02",
    )
    assert html.count('<section class="poster">') == 1
    assert _link(campaign, "YK-GS-02") in html


def test_distribution_lists_units_with_people_and_says_how_many_are_left_out(
    client, manager, campaign, public_base
):
    html = _page(
        client, manager, f"/admin/surveys/campaigns/{campaign.pk}/distribution/"
    )
    for code in PEOPLE:
        assert f'value="{_link(campaign, code)}"' in html
    for code in ("YK", "YK-GS", "YK-JG"):
        assert _link(campaign, code) not in html
    assert "另有 3 个人数为 0 的单元没有列出" in html
    assert '<input type="checkbox" name="all" value="1">' in html


def test_distribution_lists_every_unit_when_the_box_is_ticked(
    client, manager, campaign, public_base
):
    html = _page(
        client, manager, f"/admin/surveys/campaigns/{campaign.pk}/distribution/?all=1"
    )
    for code in EVERY:
        assert f'value="{_link(campaign, code)}"' in html
    assert 'name="all" value="1" checked' in html
    assert "没有列出" not in html
    # Downloads and posters keep the choice.
    assert "?all=1&amp;format=csv" in html
    assert f"/admin/surveys/campaigns/{campaign.pk}/posters/?all=1" in html


def test_distribution_has_an_accessible_copy_button_per_link(client, manager, campaign):
    html = _page(
        client, manager, f"/admin/surveys/campaigns/{campaign.pk}/distribution/"
    )
    buttons = re.findall(r"<button type=\"button\"[^>]*data-copy-target[^>]*>", html)
    assert len(buttons) == 3
    assert 'aria-label="复制胡库村的链接"' in html
    assert 'data-copied-label="已复制"' in html
    assert html.count('role="status" aria-live="polite"') == 3
    # The site keeps its scripts in static files, not inline.
    assert re.search(r'<script src="[^"]*surveys/copy\.js" defer></script>', html)


def test_distribution_downloads_the_links_as_csv(
    client, manager, campaign, public_base
):
    client.force_login(manager)
    reply = client.get(
        f"/admin/surveys/campaigns/{campaign.pk}/distribution/?format=csv"
    )
    assert reply["Content-Type"] == "text/csv; charset=utf-8"
    disposition = reply["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    # 2026 清廉测评-单元链接-YYYYMMDD.csv, percent-encoded (RFC 6266 / 5987).
    assert "2026%20%E6%B8%85%E5%BB%89%E6%B5%8B%E8%AF%84-" in disposition
    assert disposition.endswith(".csv")
    lines = reply.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "unit_code,unit_name,link",
        f"YK-GS-01,胡库村,{_link(campaign, 'YK-GS-01')}",
        f"YK-GS-02,示范村,{_link(campaign, 'YK-GS-02')}",
        f"YK-JG-01,纪委,{_link(campaign, 'YK-JG-01')}",
    ]


def test_distribution_downloads_every_link_as_xlsx_when_asked(
    client, manager, campaign, public_base
):
    client.force_login(manager)
    reply = client.get(
        f"/admin/surveys/campaigns/{campaign.pk}/distribution/?all=1&format=xlsx"
    )
    assert reply["Content-Type"].startswith("application/vnd.openxmlformats")
    assert reply["Content-Disposition"].endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(reply.content)).active.values)
    assert rows[0] == ("unit_code", "unit_name", "link")
    assert [r[0] for r in rows[1:]] == EVERY
    assert rows[1] == ("YK", "永康市", _link(campaign, "YK"))


def test_command_writes_csv_to_standard_output(campaign, public_base):
    out = io.StringIO()
    call_command("campaign_links", str(campaign.pk), stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines() == [
        "unit_code,unit_name,link",
        f"YK-GS-01,胡库村,{_link(campaign, 'YK-GS-01')}",
        f"YK-GS-02,示范村,{_link(campaign, 'YK-GS-02')}",
        f"YK-JG-01,纪委,{_link(campaign, 'YK-JG-01')}",
    ]


def test_command_with_all_lists_units_with_headcount_zero(campaign, public_base):
    out = io.StringIO()
    call_command(
        "campaign_links", str(campaign.pk), "--all", stdout=out, stderr=io.StringIO()
    )
    rows = out.getvalue().splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == EVERY
    assert rows[0] == f"YK,永康市,{_link(campaign, 'YK')}"


def test_command_writes_xlsx_to_a_file(campaign, public_base, tmp_path):
    target = tmp_path / "链接.xlsx"
    call_command(
        "campaign_links",
        str(campaign.pk),
        "--format",
        "xlsx",
        "-o",
        str(target),
        stderr=io.StringIO(),
    )
    rows = list(load_workbook(target).active.values)
    assert rows == [
        ("unit_code", "unit_name", "link"),
        ("YK-GS-01", "胡库村", _link(campaign, "YK-GS-01")),
        ("YK-GS-02", "示范村", _link(campaign, "YK-GS-02")),
        ("YK-JG-01", "纪委", _link(campaign, "YK-JG-01")),
    ]


def test_command_csv_file_opens_in_excel_and_is_formula_safe(
    campaign, public_base, tmp_path
):
    Unit.objects.filter(code="YK-GS-02").update(name="=HYPERLINK(1)")
    target = tmp_path / "links.csv"
    call_command(
        "campaign_links", str(campaign.pk), "-o", str(target), stderr=io.StringIO()
    )
    data = target.read_bytes()
    assert data.startswith("\ufeff".encode())
    assert f"YK-GS-02,'=HYPERLINK(1),{_link(campaign, 'YK-GS-02')}" in data.decode(
        "utf-8-sig"
    )


def test_command_refuses_xlsx_without_a_file_and_unknown_campaigns(campaign):
    with pytest.raises(CommandError, match="xlsx needs -o FILE"):
        call_command("campaign_links", str(campaign.pk), "--format", "xlsx")
    with pytest.raises(CommandError, match="no campaign 999999"):
        call_command("campaign_links", "999999")


def test_qr_download_has_the_standard_quiet_zone_and_decodes_to_the_link(
    client, manager, campaign, public_base
):
    import zxingcpp
    from PIL import Image

    client.force_login(manager)
    reply = client.get(f"/admin/surveys/campaigns/{campaign.pk}/qr/YK-GS-01.png")
    assert reply["Content-Disposition"] == (
        f'attachment; filename="qr-{campaign.pk}-YK-GS-01.png"'
    )
    link = _link(campaign, "YK-GS-01")
    image = Image.open(io.BytesIO(reply.content))
    modules, _ = segno.make(link, error="m").symbol_size(scale=1, border=0)
    assert image.size == ((modules + 8) * 10, (modules + 8) * 10)
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [link]
