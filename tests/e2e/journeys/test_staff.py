"""Staff at work, in the Wagtail admin on a phone: a clerk imports a paper file with a
bad row, reads the report, fixes the row and imports; an editor publishes a lesson; a
unit manager watches the scorecard change while a response arrives."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from .conftest import log_in, shot

pytestmark = pytest.mark.xdist_group("journeys")

ANSWERS = {
    "R1": "A",
    "R2": "B",
    "R3": "A|C",
    "R4": "A",
    "S1": "5",
    "S2": "4",
    "S3": "",
    "S4": "3",
    "P1": "B",
    "T1": "纸质问卷意见",
}


def _paper_file(template: bytes, units: list[str]) -> bytes:
    """The downloaded template, filled in as a clerk types the paper sheets."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for unit in units:
        sheet.append(
            [unit if name == "unit_code" else ANSWERS.get(name, "") for name in header]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_clerk_imports_paper_questionnaires_after_fixing_a_bad_row(
    site, phone, tmp_path
):
    campaign = site.one("SELECT id FROM surveys_campaign ORDER BY id LIMIT 1")

    def paper_rows():
        return site.one(
            "SELECT count(*) FROM surveys_response WHERE campaign_id = %s AND source = 'paper'",
            campaign,
        )

    before = paper_rows()
    page = phone()
    import_path = f"/admin/surveys/campaigns/{campaign}/import/"
    log_in(page, site, "campaign", import_path)
    page.goto(site.url(import_path))
    with page.expect_download() as download:
        page.get_by_role("link", name="下载模板").click()
    template = open(download.value.path(), "rb").read()  # noqa: SIM115 - read once

    bad = tmp_path / "纸质问卷.xlsx"
    bad.write_bytes(_paper_file(template, ["YK-DC-04", "NO-SUCH-UNIT", "YK-DC-04"]))
    page.set_input_files("input[type=file]", bad)
    page.get_by_role("button", name="检查（不写入）").click()
    page.wait_for_load_state()
    report = page.locator("main").inner_text()
    assert "NO-SUCH-UNIT" in report
    # Row 4 of the sheet: the header, the skipped row of question texts, then the data.
    assert "第 4 行" in report, report
    shot(page, "clerk-paper-bad-row")
    assert paper_rows() == before

    good = tmp_path / "纸质问卷-改正.xlsx"
    good.write_bytes(_paper_file(template, ["YK-DC-04", "YK-DC-05", "YK-DC-04"]))
    page.goto(site.url(import_path))
    page.set_input_files("input[type=file]", good)
    page.get_by_role("button", name="检查（不写入）").click()
    page.wait_for_load_state()
    shot(page, "clerk-paper-checked")
    assert paper_rows() == before
    page.locator(
        "main button[type=submit]", has_text=re.compile("导入|确认")
    ).last.click()
    page.wait_for_load_state()
    shot(page, "clerk-paper-imported")
    assert paper_rows() == before + 3


def test_editor_publishes_a_lesson_in_the_wagtail_admin(site, phone):
    lesson_id, url_path = site.one(
        "SELECT p.id, p.url_path FROM wagtailcore_page p JOIN courses_lessonpage l "
        "ON l.page_ptr_id = p.id WHERE p.live ORDER BY p.path DESC LIMIT 1"
    )
    public_path = "/" + url_path.split("/", 2)[2]  # without the site root's slug
    summary = "编辑在手机上修改并发布的摘要：廉洁从点滴做起。"
    page = phone()
    edit_path = f"/admin/pages/{lesson_id}/edit/"
    log_in(page, site, "editor", edit_path)
    page.goto(site.url(edit_path))
    page.fill("#id_summary", summary)
    page.locator("footer .w-dropdown__toggle, .footer .w-dropdown__toggle").last.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    shot(page, "editor-published")
    assert (
        site.one(
            "SELECT summary FROM courses_lessonpage WHERE page_ptr_id = %s", lesson_id
        )
        == summary
    )

    reader = phone()  # an anonymous reader sees the new text at once
    reader.goto(site.url(public_path))
    assert summary in reader.locator("main").inner_text()
    shot(reader, "editor-published-lesson")


def _participants(page) -> int:
    text = page.locator("[data-live-part=cards] .sv-card").first.inner_text()
    return int(
        re.search(r"(\d[\d,]*)\s*/\s*[\d,]+\s*人", text).group(1).replace(",", "")
    )


def test_manager_scorecard_updates_live_while_a_response_arrives(site, phone):
    from .test_respondent import _fill_survey

    campaign = site.one("SELECT id FROM surveys_campaign ORDER BY id LIMIT 1")
    token = site.one(
        "SELECT cu.token FROM surveys_campaignunit cu JOIN units_unit u ON u.id = cu.unit_id "
        "WHERE cu.campaign_id = %s AND u.code LIKE 'YK-%%' AND cu.headcount > 50 "
        "ORDER BY u.path LIMIT 1 OFFSET 3",
        campaign,
    )
    manager = phone()
    path = f"/admin/surveys/campaigns/{campaign}/scorecard/"
    log_in(manager, site, "yk_manager", path)
    manager.goto(site.url(path))
    manager.locator("[data-live-status]").wait_for()
    before = _participants(manager)
    manager.evaluate("() => { window.__sameDocument = true; }")
    # The live socket is open before the answer arrives (the page says so itself).
    manager.wait_for_function(
        "() => document.querySelector('[data-live-campaign]') !== null"
    )
    manager.wait_for_timeout(1500)

    respondent = phone()
    respondent.goto(site.url(f"/surveys/u/{token}/"))
    _fill_survey(respondent)
    respondent.locator("form.survey-form button[type=submit]").click()
    respondent.wait_for_url(re.compile(r"/thanks/"))

    manager.wait_for_function(
        """(n) => {
            const card = document.querySelector('[data-live-part=cards] .sv-card');
            const m = card && card.innerText.match(/(\\d[\\d,]*)\\s*\\/\\s*[\\d,]+\\s*人/);
            return m && Number(m[1].replace(/,/g, '')) === n;
        }""",
        arg=before + 1,
        timeout=20_000,
    )
    assert manager.evaluate("() => window.__sameDocument === true")  # no reload
    assert _participants(manager) == before + 1
    shot(manager, "manager-scorecard-live")
