"""Results of a contest (players, questions, units) on the results page and in the xlsx
export, with points worked out by hand from docs/metrics.md (T = 20 s, streak bonus on)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from quizzes.contests import selectors
from quizzes.contests.services import (
    answer_submit,
    contest_next,
    contest_skip,
    contest_start,
    player_join,
)
from tests.factories import make_person
from units.models import Role, Unit

from .conftest import T0, seconds

PASSWORD = "pw-Test-12345"


def _answer(contest, player, after, choice):
    return answer_submit(
        contest_id=contest.pk,
        player=player,
        position=contest.current_index,
        choice=choice,
        received_at=contest.phase_started_at + after,
    )


@pytest.fixture
def played(contest, host):
    """Three players over three questions; the third is skipped after one answer.

    Q1: 甲 right at 0.4 s → 1000 (full points up to 0.5 s); 乙 right at 1.3 s →
        round half up of 1000 × (1 − 1.3/40) = 967.5 → 968; 丙 wrong → 0.
    Q2: 甲 right at 10 s → 750 + streak bonus 100 (second in a row) = 850; 乙 wrong;
        丙 right at 0.2 s → 1000, flagged as too fast.
    Q3: 甲 right at 2 s (950 + 200), then the host skips it: it counts nowhere.
    Totals: 甲 1850 (2 right), 丙 1000 (1 right, 1 fast), 乙 968 (1 right).
    Units: 胡库村 (甲, 乙) 2818 over 2 = 1409; 示范村 (丙) 1000.
    """
    units = {u.code: u for u in Unit.objects.all()}
    jia = make_person("jia", unit=units["YK-GS-01"])
    a = player_join(contest=contest, user=jia).player
    # A typed name that would be a formula in Excel: it must stay text.
    b = player_join(
        contest=contest, display_name="=HYPERLINK(1)", unit=units["YK-GS-01"]
    ).player
    c = player_join(contest=contest, display_name="丙", unit=units["YK-GS-02"]).player
    contest = contest_start(contest=contest, user=host, now=T0)
    contest = contest_next(contest=contest, user=host, now=T0 + seconds(5))
    _answer(contest, a, seconds(0.4), "A")
    _answer(contest, b, seconds(1.3), "A")
    _answer(contest, c, seconds(3), "B")
    for step in range(3):  # reveal, leaderboard, Q2 reading
        contest = contest_next(contest=contest, user=host, now=T0 + seconds(30 + step))
    contest = contest_next(contest=contest, user=host, now=T0 + seconds(40))
    _answer(contest, a, seconds(10), "A")
    _answer(contest, b, seconds(4), "C")
    _answer(contest, c, seconds(0.2), "A")
    for step in range(3):
        contest = contest_next(contest=contest, user=host, now=T0 + seconds(70 + step))
    contest = contest_next(contest=contest, user=host, now=T0 + seconds(80))
    _answer(contest, a, seconds(2), "A")
    contest = contest_skip(contest=contest, user=host, now=T0 + seconds(85))
    assert contest.phase == "podium"
    return contest


def test_players_are_ranked_with_points_correct_and_fast_flags(played):
    rows = [
        (p["rank"], p["name"], p["unit"], p["points"], p["correct"], p["fast"])
        for p in selectors.results_players(contest=played)
    ]
    assert rows == [
        (1, "姓名jia", "胡库村", 1850, 2, 0),
        (2, "丙", "示范村", 1000, 1, 1),
        (3, "=HYPERLINK(1)", "胡库村", 968, 1, 0),
    ]


def test_questions_show_answers_correct_and_the_correct_share(played):
    rows = [
        (q["number"], q["skipped"], q["answered"], q["correct"], q["correct_rate"])
        for q in selectors.results_questions(contest=played)
    ]
    assert rows == [
        (1, False, 3, 2, pytest.approx(2 / 3)),
        (2, False, 3, 2, pytest.approx(2 / 3)),
        (3, True, 1, 1, 1.0),
    ]


def test_units_have_players_total_and_average(played):
    rows = [
        (u["unit_code"], u["players"], u["total"], u["average"])
        for u in selectors.unit_ranking(contest=played)
    ]
    assert rows == [("YK-GS-01", 2, 2818, 1409), ("YK-GS-02", 1, 1000, 1000)]


def test_the_results_page_shows_the_three_tables(client, played, host):
    client.force_login(host)
    response = client.get(reverse("quizzes_admin:contest_results", args=[played.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert [p["points"] for p in response.context["players"]] == [1850, 1000, 968]
    assert "=HYPERLINK(1)" in html
    assert "1409.0" in html and "2818" in html
    assert "66.7%" in html  # 2 of 3 right on questions 1 and 2
    assert "已跳过" in html


def test_the_export_has_players_questions_and_units(client, played, host):
    client.force_login(host)
    response = client.get(
        reverse("quizzes_admin:contest_results_export", args=[played.pk])
    )
    assert response.status_code == 200
    assert f"contest-{played.pk}-results-" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["选手", "题目", "单元"]
    players = list(book["选手"].iter_rows(values_only=True))
    assert players[0] == (
        "名次",
        "姓名",
        "登录",
        "单元编码",
        "单元",
        "得分",
        "答对题数",
        "作答题数",
        "过快作答",
    )
    assert players[1:] == [
        (1, "姓名jia", "是", "YK-GS-01", "胡库村", 1850, 2, 2, 0),
        (2, "丙", "否", "YK-GS-02", "示范村", 1000, 1, 2, 1),
        (3, "=HYPERLINK(1)", "否", "YK-GS-01", "胡库村", 968, 1, 2, 0),
    ]
    # Text, never a formula.
    assert book["选手"]["B4"].data_type == "s"
    questions = list(book["题目"].iter_rows(values_only=True))
    assert questions[0][3] == "答案"  # an editor sees the key
    assert [(q[0], q[3], q[4], q[5], q[6]) for q in questions[1:]] == [
        (1, "A", "否", 3, 2),
        (2, "A", "否", 3, 2),
        (3, "A", "是", 1, 1),
    ]
    assert questions[1][7] == pytest.approx(2 / 3)
    units = list(book["单元"].iter_rows(values_only=True))
    assert units[1:] == [
        (1, "YK-GS-01", "胡库村", 2, 2818, 1409),
        (2, "YK-GS-02", "示范村", 1, 1000, 1000),
    ]


def test_a_unit_manager_hosts_results_without_answer_keys(client, bank, city):
    from quizzes.contests.services import contest_create

    manager = make_person(
        "mgr",
        unit=Unit.objects.get(code="YK-GS"),
        role=Role.UNIT_MANAGER,
        managed_unit=Unit.objects.get(code="YK-GS"),
    )
    contest = contest_create(host=manager, title="镇竞赛", tag="竞赛")
    client.force_login(manager)
    page = client.get(reverse("quizzes_admin:contest_results", args=[contest.pk]))
    assert page.status_code == 200 and page.context["answer_keys"] is False
    response = client.get(
        reverse("quizzes_admin:contest_results_export", args=[contest.pk])
    )
    book = load_workbook(io.BytesIO(response.content))
    header = next(book["题目"].iter_rows(values_only=True))
    assert "答案" not in header
    assert [r[0] for r in book["题目"].iter_rows(min_row=2, values_only=True)] == [
        1,
        2,
        3,
    ]


def test_another_host_cannot_see_or_export_the_results(client, played, city):
    other = make_person(
        "other", unit=Unit.objects.get(code="YK-JG-01"), role=Role.EDITOR
    )
    client.force_login(other)
    for name in ("contest_results", "contest_results_export"):
        response = client.get(reverse(f"quizzes_admin:{name}", args=[played.pk]))
        assert response.status_code == 403
    missing = client.get(reverse("quizzes_admin:contest_results", args=[99999]))
    assert missing.status_code == 404
