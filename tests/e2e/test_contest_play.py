"""A phone plays a live contest in a real browser against a real ASGI server: joins by
name and unit from the projector's QR link, gets the question when the host starts,
taps the right answer, sees the reveal with the points the server stored, and after a
reload gets the same score back from its kept token.

The site is served by uvicorn (development settings) against the test database, with
the Redis channel layer so the host's moves made here (through the services) reach the
server's sockets. It runs on PostgreSQL with REDIS_URL set and is skipped otherwise: a
server process cannot share the SQLite test database (in memory), nor this process's
in-memory channel layer.
Needs Debian's `chromium` and Playwright, as tests/e2e/test_posters_print.py; in CI a
missing browser fails the test. Each phase is screenshot at 390×844 into var/shots/.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from quizzes.contests.models import Contest, ContestAnswer, Player
from quizzes.contests.services import (
    contest_create,
    contest_end,
    contest_next,
    contest_start,
)
from tests.e2e.shoot import ARGS, CHROMIUM
from tests.factories import make_person
from tests.quizzes.conftest import make_question
from tests.quizzes.contests.conftest import four_options
from tests.servers import free_port, processes_stop, test_database_url, uvicorn_start
from units.models import Role, Unit

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots" / "contest-play"
PHONE = {"width": 390, "height": 844}


def _need_browser():
    missing = [
        what
        for what, ok in (
            (CHROMIUM, Path(CHROMIUM).exists()),
            ("playwright", _importable("playwright")),
        )
        if not ok
    ]
    if not missing:
        return
    reason = "contest play test needs " + ", ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason + " (installed by .ci/run)")
    pytest.skip(reason)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.fixture
def bank(city):
    return [
        make_question(
            f"JS-{i:02d}", options=four_options(f"JS-{i:02d}"), tags=("竞赛",)
        )
        for i in range(1, 4)
    ]


@pytest.fixture
def host(city):
    return make_person("host", unit=Unit.objects.get(code="YK-JG-01"), role=Role.EDITOR)


@pytest.fixture
def server(transactional_db):
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip(
            "needs PostgreSQL and REDIS_URL: the served site must share the test "
            "database and hear the host's moves over the Redis channel layer"
        )
    _need_browser()
    env = {
        **os.environ,
        # Development settings, for their static files served from the apps (the test
        # settings serve only collected ones), on the test database and on this
        # process's Redis database, so the host's moves made here reach the server.
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0][
            "address"
        ],
    }
    port = free_port()
    process = uvicorn_start(port, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        processes_stop([process], timeout=15)


def test_a_phone_joins_answers_sees_its_points_and_gets_them_back_after_a_reload(
    server, bank, host
):
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API holds an event loop in this thread, where neither the ORM
    # nor the services' broadcast (async_to_sync) may run: the host's moves and the
    # reads of what the server stored go through one other thread.
    host_thread = ThreadPoolExecutor(max_workers=1)

    def elsewhere(fn, *args, **kwargs):
        return host_thread.submit(fn, *args, **kwargs).result(timeout=30)

    contest = contest_create(
        host=host,
        title="清廉知识竞赛",
        tag="竞赛",
        question_count=3,
        reading_seconds=3,
        answer_seconds=30,
    )
    first = contest.questions.get(position=0)
    right = next(o["text"] for o in first.options if o["key"] == first.correct_keys)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport=PHONE,
                device_scale_factor=1,
                locale="zh-CN",
                is_mobile=True,
                has_touch=True,
            )
            page = context.new_page()
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type == "error" else None,
            )

            def shot(name):
                page.screenshot(path=str(SHOTS / f"{name}.png"))

            # The projector's QR link: straight to the name and unit.
            page.goto(f"{server}/contests/join/?pin={contest.pin}")
            assert page.url == f"{server}/contests/play/{contest.pin}/"
            page.get_by_label("姓名或昵称").fill("王小明")
            page.get_by_role("combobox", name="所在单元").fill("胡库")
            option = page.get_by_role("option", name="胡库村 永康市 › 古山镇 › 胡库村")
            option.click()
            expect(page.locator("#cp-unit-chosen")).to_have_text(
                "已选：永康市 › 古山镇 › 胡库村"
            )
            shot("01-join")
            page.get_by_role("button", name="加入竞赛").click()

            screen = page.locator("#cp-screen")
            expect(screen).to_have_attribute("data-phase", "lobby")
            expect(page.locator(".cp-count")).to_have_text("已有 1 人加入")
            expect(page.locator("#cp-me-unit")).to_have_text("永康市 › 古山镇 › 胡库村")
            shot("02-lobby")

            elsewhere(contest_start, contest=contest, user=host)
            expect(screen).to_have_attribute("data-phase", "reading")
            expect(page.locator("#cp-screen-title")).to_have_text("即将作答")
            expect(page.locator(".cp-stem")).to_have_text(first.stem)
            shot("03-reading")

            # The server's own countdown opens the answers after the reading seconds.
            expect(screen).to_have_attribute("data-phase", "answering", timeout=15000)
            buttons = page.locator(".cp-option")
            expect(buttons).to_have_count(4)
            shot("04-answering")
            buttons.filter(has_text=right).click()

            # The only player has answered: the server closes the question at once.
            expect(screen).to_have_attribute("data-phase", "reveal", timeout=15000)
            shot("05-reveal")
            answer = elsewhere(ContestAnswer.objects.get, contest=contest)
            assert answer.correct and answer.points > 500
            expect(page.locator("#cp-screen-title")).to_have_text("回答正确")
            expect(page.locator(".cp-key")).to_contain_text(right)
            expect(page.locator(".cp-points")).to_have_text(
                f"本题得分 +{answer.points}"
            )
            expect(page.locator(".cp-standing")).to_have_text(
                f"总分 {answer.points} · 第 1 名 / 共 1 人"
            )
            expect(page.locator(".cp-explanation")).to_have_text(first.explanation)

            # The server moved the contest on: the host reads it afresh, as a page would.
            elsewhere(_host_move, contest_next, contest.pk, host)
            expect(screen).to_have_attribute("data-phase", "leaderboard")
            shot("06-leaderboard")

            # A reload (or a dropped network): the kept token brings the score back.
            page.reload()
            expect(screen).to_have_attribute("data-phase", "leaderboard")
            expect(page.locator(".cp-big")).to_have_text(
                f"你的排名：第 1 名 · {answer.points} 分"
            )
            expect(page.locator("#cp-me-score")).to_have_text(f"{answer.points} 分")
            expect(page.locator("#cp-me-name")).to_have_text("王小明")
            shot("07-reloaded")

            elsewhere(_host_move, contest_end, contest.pk, host)
            expect(screen).to_have_attribute("data-phase", "podium")
            expect(page.locator(".cp-standing")).to_have_text(
                f"总分 {answer.points} 分 · 答对 1 题"
            )
            shot("08-podium")
        finally:
            browser.close()
            # Its own connection, or the test database could not be dropped.
            elsewhere(connections.close_all)
            host_thread.shutdown()

    player = Player.objects.get(contest=contest)
    assert (player.display_name, player.unit.code) == ("王小明", "YK-GS-01")
    assert Player.objects.filter(contest=contest).count() == 1
    assert problems == []


def _host_move(move, contest_id, host):
    return move(contest=Contest.objects.get(pk=contest_id), user=host)
