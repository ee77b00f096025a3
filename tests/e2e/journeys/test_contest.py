"""A 知识竞赛 in the hall: an editor creates it in the admin and puts the projector
screen up; two phones join from the QR link (one logged in, one with a typed name and a
unit from the tree), answer, see the reveal; the projector shows the answers per option,
the leaderboard and the podium."""

from __future__ import annotations

import re

import pytest

from .conftest import log_in, shot

pytestmark = pytest.mark.xdist_group("journeys")


def test_a_contest_with_a_host_and_two_players(site, browser, phone):
    from playwright.sync_api import expect

    projector = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN"
    ).new_page()
    projector.set_default_timeout(20_000)
    projector.on("dialog", lambda dialog: dialog.accept())
    log_in(projector, site, "editor", "/admin/quizzes/contests/new/")
    projector.goto(site.url("/admin/quizzes/contests/new/"))
    projector.fill("input[name=title]", "八项规定知识竞赛")
    projector.check("input[name=source][value=tag]")
    tag = projector.locator("select[name=tag] option", has_text="八项规定").first
    projector.select_option("select[name=tag]", value=tag.get_attribute("value"))
    projector.fill("input[name=question_count]", "2")
    projector.fill("input[name=reading_seconds]", "2")
    projector.fill("input[name=answer_seconds]", "30")
    projector.locator("main button[type=submit], form button[type=submit]").last.click()
    projector.wait_for_url(re.compile(r"/contests/\d+/screen/"))
    contest = int(re.search(r"/contests/(\d+)/screen/", projector.url).group(1))
    pin = site.one("SELECT pin FROM quizzes_contest WHERE id = %s", contest)
    expect(projector.locator(".cs-pin")).to_have_text(pin)
    assert projector.locator(".cs-lobby svg, .cs-lobby img").count() >= 1  # the QR code

    # Phone 1: a learner who is logged in. Phone 2: a guest with a name and a unit.
    learner = phone()
    log_in(learner, site, "learner", "/")
    learner.goto(site.url(f"/contests/join/?pin={pin}"))
    guest = phone()
    guest.goto(site.url(f"/contests/join/?pin={pin}"))
    guest.get_by_label("姓名或昵称").fill("来宾张三")
    guest.get_by_role("combobox", name="所在单元").fill("古山镇")
    guest.get_by_role("option").first.click()
    guest.get_by_role("button", name="加入竞赛").click()
    for player in (learner, guest):
        expect(player.locator("#cp-screen")).to_have_attribute("data-phase", "lobby")
    expect(projector.locator("#cs-names li")).to_have_count(2)
    shot(guest, "contest-phone-lobby")
    shot(projector, "contest-projector-lobby")

    projector.locator("[data-action=start]").click()
    options, keys = site.one(
        "SELECT options, correct_keys FROM quizzes_contestquestion "
        "WHERE contest_id = %s AND position = 0",
        contest,
    )
    right = [o["text"] for o in options if o["key"] in keys]
    wrong = next(o["text"] for o in options if o["key"] not in keys)
    for player in (learner, guest):
        expect(player.locator("#cp-screen")).to_have_attribute(
            "data-phase", "answering", timeout=20_000
        )
    shot(learner, "contest-phone-answering")
    for player, choices in ((learner, right), (guest, [wrong])):
        for text in choices:
            player.locator(".cp-option", has_text=text).first.click()
        submit = player.get_by_role("button", name="提交", exact=True)
        if submit.count():  # a multiple-choice question: toggles, then 提交
            submit.click()

    # Both answered: the server closes the question; phones and projector reveal.
    for player in (learner, guest):
        expect(player.locator("#cp-screen")).to_have_attribute(
            "data-phase", "reveal", timeout=20_000
        )
    expect(learner.locator("#cp-screen-title")).to_have_text("回答正确")
    expect(guest.locator(".cp-key")).to_contain_text(right[0])
    shot(learner, "contest-phone-reveal")
    rows = site.sql(
        "SELECT p.display_name, a.correct, a.points FROM quizzes_contestanswer a "
        "JOIN quizzes_player p ON p.id = a.player_id WHERE a.contest_id = %s "
        "ORDER BY a.points DESC",
        contest,
    )
    assert len(rows) == 2
    (winner, won, points), (_, lost, zero) = rows
    assert won is True and points > 500 and lost is False and zero == 0
    expect(learner.locator(".cp-points")).to_have_text(f"本题得分 +{points}")
    expect(projector.locator("#cs-explain")).to_be_visible()
    shot(projector, "contest-projector-reveal")

    projector.locator("[data-action=next]").click()  # to the leaderboard
    expect(projector.locator("#cs-board tr").first).to_contain_text(winner)
    expect(projector.locator("#cs-board tr").first).to_contain_text(str(points))
    shot(projector, "contest-projector-leaderboard")

    projector.locator("[data-action=end]").click()  # confirmed by the dialog handler
    for player in (learner, guest):
        expect(player.locator("#cp-screen")).to_have_attribute("data-phase", "podium")
    expect(projector.locator("#cs-podium")).to_be_visible()
    shot(projector, "contest-projector-podium")
    shot(guest, "contest-phone-podium")
    assert (
        site.one("SELECT phase FROM quizzes_contest WHERE id = %s", contest) == "podium"
    )
    projector.context.close()
