"""Report statistics against hand-computed values on a small fixture.

Eight people take a three-question quiz once (pass mark 60); p5 retakes and passes.

        Q1(A)  Q2(AC)  Q3(A)  score  unit
  p1    A ✓    AC ✓    A ✓    100    YK-GS-01
  p2    A ✓    AC ✓    B ✗    66.7   YK-GS-01
  p3    A ✓    A  ✗    A ✓    66.7   YK-GS-01
  p4    B ✗    AC ✓    A ✓    66.7   YK-GS-02
  p5    A ✓    B  ✗    C ✗    33.3   YK-GS-02   (second attempt: 100)
  p6    C ✗    –  ✗    A ✓    33.3   YK-GS-02
  p7    B ✗    A  ✗    B ✗    0      YK-JG-01
  p8    A ✓    AC ✓    A ✓    100    YK-JG-01

n = 8 first attempts, k = round(0.27 × 8) = 2. Upper: p1, p8 (100, earlier first).
Lower: p7 (0), then p6 (33.3, later submission ranks lower than p5).
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from quizzes import charts, reports
from quizzes.models import QuestionKind
from quizzes.services import attempt_start, attempt_submit
from tests.factories import make_person
from units.models import Role, Unit
from units.permissions import scorecard_scope

from .conftest import make_question, make_quiz

ANSWERS = {
    "p1": ("YK-GS-01", ["A"], ["A", "C"], ["A"]),
    "p2": ("YK-GS-01", ["A"], ["A", "C"], ["B"]),
    "p3": ("YK-GS-01", ["A"], ["A"], ["A"]),
    "p4": ("YK-GS-02", ["B"], ["A", "C"], ["A"]),
    "p5": ("YK-GS-02", ["A"], ["B"], ["C"]),
    "p6": ("YK-GS-02", ["C"], [], ["A"]),
    "p7": ("YK-JG-01", ["B"], ["A"], ["B"]),
    "p8": ("YK-JG-01", ["A"], ["A", "C"], ["A"]),
}


@pytest.fixture
def taken(practice, city):
    q2 = make_question(
        "Q2",
        kind=QuestionKind.MULTIPLE,
        options=[("甲", True, ""), ("乙", False, ""), ("丙", True, "")],
    )
    quiz = make_quiz(
        practice, [make_question("Q1"), q2, make_question("Q3")], pass_mark=60
    )
    base = timezone.now() - timedelta(hours=1)
    people = {}
    for i, (name, (code, *answers)) in enumerate(ANSWERS.items()):
        person = make_person(name, unit=Unit.objects.get(code=code))
        people[name] = person
        at = base + timedelta(minutes=i)
        attempt = attempt_start(quiz=quiz, user=person, now=at)
        attempt_submit(
            attempt=attempt,
            answers=dict(enumerate(answers, start=1)),
            now=at + timedelta(seconds=30),
        )
    retake = attempt_start(
        quiz=quiz, user=people["p5"], now=base + timedelta(minutes=20)
    )
    attempt_submit(
        attempt=retake,
        answers={1: ["A"], 2: ["A", "C"], 3: ["A"]},
        now=base + timedelta(minutes=21),
    )
    return quiz


def test_group_size_rounds_half_up():
    assert [reports.group_size(n) for n in (4, 8, 10, 50, 100)] == [1, 2, 3, 14, 27]


def test_quiz_summary(taken, admin_user, django_assert_max_num_queries):
    scope = scorecard_scope(admin_user)
    with django_assert_max_num_queries(3):
        summary = next(
            q for q in reports.quiz_summaries(scope=scope) if q.pk == taken.pk
        )
    assert (summary.attempt_count, summary.participants, summary.passed_people) == (
        9,
        8,
        6,
    )
    assert summary.pass_rate == pytest.approx(0.75)
    assert summary.mean_score == pytest.approx(466.7 / 8)
    assert summary.distribution == [
        ("0–60", 3),
        ("60–70", 3),
        ("70–80", 0),
        ("80–90", 0),
        ("90–100", 3),
    ]


def test_item_facility_discrimination_and_options(
    taken, admin_user, django_assert_max_num_queries
):
    scope = scorecard_scope(admin_user)
    with django_assert_max_num_queries(6):
        stats = {s.code: s for s in reports.item_statistics(scope=scope, quiz=taken)}
    q1, q2, q3 = stats["Q1"], stats["Q2"], stats["Q3"]
    assert (q1.asked, q1.correct, q1.facility) == (8, 5, 0.625)
    assert (q2.correct, q2.facility, q2.unanswered) == (4, 0.5, 1)
    assert q3.facility == 0.625
    assert q1.discrimination == pytest.approx(1.0)  # upper 2/2, lower 0/2
    assert q2.discrimination == pytest.approx(1.0)  # upper 2/2, lower 0/2
    assert q3.discrimination == pytest.approx(0.5)  # upper 2/2, lower 1/2 (p6)
    assert [(letter, n) for letter, _t, n in q1.options] == [
        ("A", 5),
        ("B", 2),
        ("C", 1),
    ]
    assert [(letter, n) for letter, _t, n in q2.options] == [
        ("A", 6),
        ("B", 1),
        ("C", 4),
    ]
    assert q2.correct_keys == "AC"


def test_unit_rollup_against_target(taken, admin_user, django_assert_max_num_queries):
    scope = scorecard_scope(admin_user)
    with django_assert_max_num_queries(4):
        units = {u.code: u for u in reports.unit_rollup(scope=scope, quiz=taken)}
    gs1, gs2, gs, jg1, yk = (
        units[c] for c in ("YK-GS-01", "YK-GS-02", "YK-GS", "YK-JG-01", "YK")
    )
    # Three people are no sample: 样本不足, not 达标 (docs/metrics.md, Quizzes).
    assert (gs1.participants, gs1.passed_people, gs1.pass_rate, gs1.status) == (
        3,
        3,
        1.0,
        "insufficient_sample",
    )
    assert gs1.mean_score == pytest.approx((100 + 66.7 + 66.7) / 3)
    assert gs1.participation_rate == pytest.approx(3 / 100)
    assert (gs2.participants, gs2.passed_people, gs2.status) == (
        3,
        2,
        "insufficient_sample",
    )
    assert (gs.participants, gs.passed_people, gs.subtree_headcount) == (6, 5, 150)
    assert gs.pass_rate == pytest.approx(5 / 6)
    assert (jg1.participants, jg1.pass_rate, jg1.mean_score) == (2, 0.5, 50.0)
    assert (yk.participants, yk.passed_people, yk.subtree_headcount) == (8, 6, 180)
    assert yk.parent_code is None and gs1.parent_code == "YK-GS"


def test_unit_manager_sees_own_subtree_only(taken):
    manager = make_person(
        "gsm",
        unit=Unit.objects.get(code="YK-GS"),
        role=Role.UNIT_MANAGER,
        managed_unit=Unit.objects.get(code="YK-GS"),
    )
    scope = scorecard_scope(manager)
    summary = next(q for q in reports.quiz_summaries(scope=scope) if q.pk == taken.pk)
    assert (summary.participants, summary.passed_people) == (6, 5)
    codes = {u.code for u in reports.unit_rollup(scope=scope, quiz=taken)}
    assert codes == {"YK-GS", "YK-GS-01", "YK-GS-02"}
    stats = {s.code: s for s in reports.item_statistics(scope=scope, quiz=taken)}
    assert stats["Q1"].asked == 6 and stats["Q1"].correct == 4


def test_report_pages_and_export(client, taken, admin_user):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(admin_user)
    assert "75.0%" in client.get("/admin/quizzes/reports/").content.decode()
    html = client.get(f"/admin/quizzes/reports/{taken.pk}/").content.decode()
    assert "0.63" in html and "胡库村" in html
    response = client.get(f"/admin/quizzes/reports/{taken.pk}/export/")
    book = load_workbook(BytesIO(response.content))
    units = list(book.worksheets[2].iter_rows(values_only=True))
    assert units[0][:2] == ("unit_code", "unit_name")
    yk = next(r for r in units if r[0] == "YK")
    assert yk[5] == 8 and yk[8] == pytest.approx(0.75)


def test_learner_and_editor_cannot_see_reports(client, taken):
    client.force_login(make_person("ed", role=Role.EDITOR))
    response = client.get("/admin/quizzes/reports/")
    # The admin turns PermissionDenied into a redirect to its dashboard.
    assert response.status_code == 302 and response.url == "/admin/"


def _take(quiz, person, answers, at):
    attempt = attempt_start(quiz=quiz, user=person, now=at)
    attempt_submit(
        attempt=attempt,
        answers=dict(enumerate(answers, start=1)),
        now=at + timedelta(seconds=30),
    )


def test_unit_rollup_counts_a_person_who_moved_once_per_subtree(taken, admin_user):
    """Attempts stay with the unit the person had when starting. p9 fails in YK-GS-01,
    moves to YK-GS-02 and passes; p10 passes in YK-GS-01, moves to YK-JG-01 and passes
    again. Each unit counts them, but YK-GS and YK count each of them once."""
    base = timezone.now() - timedelta(minutes=30)
    gs1, gs2, jg1 = (
        Unit.objects.get(code=c) for c in ("YK-GS-01", "YK-GS-02", "YK-JG-01")
    )
    p9, p10 = make_person("p9", unit=gs1), make_person("p10", unit=gs1)
    _take(taken, p9, (["B"], ["B"], ["B"]), base)
    _take(taken, p10, (["A"], ["A", "C"], ["A"]), base + timedelta(minutes=1))
    p9.unit, p10.unit = gs2, jg1
    p9.save(update_fields=["unit"])
    p10.save(update_fields=["unit"])
    _take(taken, p9, (["A"], ["A", "C"], ["A"]), base + timedelta(minutes=2))
    _take(taken, p10, (["A"], ["A", "C"], ["B"]), base + timedelta(minutes=3))

    scope = scorecard_scope(admin_user)
    units = {u.code: u for u in reports.unit_rollup(scope=scope, quiz=taken)}
    rows = {
        code: (units[code].participants, units[code].passed_people)
        for code in ("YK-GS-01", "YK-GS-02", "YK-GS", "YK-JG-01", "YK-JG", "YK")
    }
    assert rows == {
        "YK-GS-01": (5, 4),  # p1–p3, p9 (failed here), p10
        "YK-GS-02": (4, 3),  # p4–p6, p9 (passed here)
        "YK-GS": (8, 7),  # p1–p6, p9, p10
        "YK-JG-01": (3, 2),  # p7, p8, p10
        "YK-JG": (3, 2),
        "YK": (10, 8),
    }
    # First attempts only: p9's 0 and p10's 100 are both in YK-GS-01.
    assert units["YK-GS-01"].mean_score == pytest.approx(
        (100 + 66.7 + 66.7 + 0 + 100) / 5
    )
    assert units["YK-GS-02"].mean_score == pytest.approx((66.7 + 33.3 + 33.3) / 3)
    assert units["YK"].mean_score == pytest.approx((466.7 + 100) / 10)
    assert units["YK"].pass_rate == pytest.approx(8 / 10)
    assert units["YK-JG-01"].mean_score == pytest.approx(50.0)


def test_unit_rollup_query_count_does_not_grow_with_units(
    taken, admin_user, django_assert_num_queries
):
    scope = scorecard_scope(admin_user)
    with django_assert_num_queries(3):
        reports.unit_rollup(scope=scope, quiz=taken)
    town = Unit.objects.get(code="YK-GS")
    for i in range(3, 13):
        town.refresh_from_db()
        village = town.add_child(
            instance=Unit(code=f"YK-GS-{i:02d}", name=f"村{i}", kind=town.kind)
        )
        _take(
            taken,
            make_person(f"v{i}", unit=village),
            (["A"], ["A", "C"], ["A"]),
            timezone.now() - timedelta(minutes=40 - i),
        )
    with django_assert_num_queries(3):
        units = reports.unit_rollup(scope=scope, quiz=taken)
    assert len(units) == 16
    assert {u.code: u.participants for u in units}["YK-GS"] == 16


@pytest.fixture
def town_manager(city):
    return make_person(
        "gsm",
        unit=Unit.objects.get(code="YK-GS-01"),
        role=Role.UNIT_MANAGER,
        managed_unit=Unit.objects.get(code="YK-GS"),
    )


def test_unit_manager_export_has_no_answer_key_column(client, taken, town_manager):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(town_manager)
    response = client.get(f"/admin/quizzes/reports/{taken.pk}/export/")
    book = load_workbook(BytesIO(response.content))
    items = list(book.worksheets[1].iter_rows(values_only=True))
    assert items[0][:5] == ("question_code", "key_version", "stem", "asked", "correct")
    q1 = next(r for r in items if r[0] == "Q1")
    # Over the town's subtree only: six first attempts, four right.
    assert q1[3:5] == (6, 4)
    units = list(book.worksheets[2].iter_rows(values_only=True))
    assert [r[0] for r in units[1:]] == ["YK-GS", "YK-GS-01", "YK-GS-02"]


def test_campaign_manager_export_keeps_the_answer_key(client, taken):
    from io import BytesIO

    from openpyxl import load_workbook

    manager = make_person(
        "cm", unit=Unit.objects.get(code="YK-JG-01"), role=Role.CAMPAIGN_MANAGER
    )
    client.force_login(manager)
    response = client.get(f"/admin/quizzes/reports/{taken.pk}/export/")
    items = list(load_workbook(BytesIO(response.content)).worksheets[1].values)
    assert items[0][:4] == ("question_code", "key_version", "stem", "correct_keys")
    assert next(r for r in items if r[0] == "Q2")[3] == "AC"


def test_unit_manager_report_page_shows_no_answer_key(client, taken, town_manager):
    client.force_login(town_manager)
    html = client.get(f"/admin/quizzes/reports/{taken.pk}/").content.decode()
    assert "胡库村" in html and "纪委" not in html
    assert "<td>AC</td>" not in html and ">答案<" not in html


def test_report_scope_follows_a_changed_managed_unit(client, taken, town_manager):
    client.force_login(town_manager)
    town_manager.managed_unit = Unit.objects.get(code="YK-JG")
    town_manager.save(update_fields=["managed_unit"])
    html = client.get(f"/admin/quizzes/reports/{taken.pk}/").content.decode()
    assert "纪委" in html and "胡库村" not in html


# Every submitted attempt of the fixture by ten-point bin: p7 0; p5 and p6 33.3; p2, p3
# and p4 66.7; p1, p8 and p5's retake 100.
HISTOGRAM = [
    (0, 10, 1),
    (10, 20, 0),
    (20, 30, 0),
    (30, 40, 2),
    (40, 50, 0),
    (50, 60, 0),
    (60, 70, 3),
    (70, 80, 0),
    (80, 90, 0),
    (90, 101, 3),
]


def _bars(svg: str) -> list[tuple[int, int]]:
    return [
        (int(low), int(n))
        for low, n in re.findall(r'data-low="(\d+)" data-count="(\d+)"', svg)
    ]


def test_score_histogram_counts_every_submitted_attempt_in_one_query(
    taken, admin_user, django_assert_num_queries
):
    scope = scorecard_scope(admin_user)
    with django_assert_num_queries(1):
        bins = reports.score_histogram(scope=scope, quiz=taken)
    assert bins == HISTOGRAM
    assert sum(n for _low, _high, n in bins) == 9  # the summary's attempt count


def test_score_histogram_follows_the_unit_managers_scope(taken, town_manager):
    bins = reports.score_histogram(scope=scorecard_scope(town_manager), quiz=taken)
    # YK-GS only: p7 (0) and p8 (100) are in YK-JG-01.
    assert [n for _low, _high, n in bins] == [0, 0, 0, 2, 0, 0, 3, 0, 0, 2]


def test_histogram_bars_match_the_counts_and_scale_to_the_tallest():
    svg = str(
        charts.score_histogram(HISTOGRAM, pass_mark=60, title="分数分布", chart_id="t")
    )
    assert _bars(svg) == [(low, n) for low, _high, n in HISTOGRAM]
    heights = {
        int(low): float(h)
        for low, h in re.findall(r'data-low="(\d+)"[^>]*height="([\d.]+)"', svg)
    }
    assert heights[60] == heights[90] > 0 and heights[10] == 0
    assert heights[30] == pytest.approx(heights[60] * 2 / 3)
    # Bars from the pass mark up are green, below it grey.
    colours = dict(re.findall(r'data-low="(\d+)"[^>]*fill="(#[0-9a-f]+)"', svg))
    assert colours["60"] == colours["90"] == "#1f6f5c" and colours["30"] != "#1f6f5c"


def test_histogram_is_accessible_and_readable_on_a_phone():
    svg = str(
        charts.score_histogram(
            HISTOGRAM, pass_mark=60, title="分数<分布>", chart_id="quiz-7-scores"
        )
    )
    assert 'role="img"' in svg
    assert 'aria-labelledby="quiz-7-scores-title quiz-7-scores-desc"' in svg
    assert '<title id="quiz-7-scores-title">分数&lt;分布&gt;</title>' in svg
    desc = re.search(r'<desc id="quiz-7-scores-desc">(.*?)</desc>', svg).group(1)
    assert desc.startswith("0–10 分：1 次；10–20 分：0 次；") and desc.endswith(
        "90–100 分：3 次"
    )
    assert min(int(s) for s in re.findall(r'font-size="(\d+)"', svg)) >= 12
    # Drawn at a phone's width, so a 390 px screen barely shrinks it.
    assert re.search(r'viewBox="0 0 (\d+) \d+" width="(\d+)"', svg).groups() == (
        "360",
        "360",
    )
    # Both axes: counts 0–3 on the left, score edges 0…100 below, and the pass mark.
    assert re.findall(r'class="quiz-chart__tick"[^>]*>(\d+)<', svg) == [
        "0",
        "1",
        "2",
        "3",
        *[str(edge) for edge in range(0, 101, 10)],
    ]
    assert "及格线 60" in svg


def test_report_page_draws_the_histogram_with_a_working_export_button(
    client, taken, admin_user
):
    client.force_login(admin_user)
    html = client.get(f"/admin/quizzes/reports/{taken.pk}/").content.decode()
    assert _bars(html) == [(low, n) for low, _high, n in HISTOGRAM]
    assert f'aria-labelledby="quiz-{taken.pk}-scores-title' in html
    # Wagtail's own button markup and an icon that exists (no legacy icon-font class).
    assert (
        'class="button button-small bicolor button--icon" '
        f'href="/admin/quizzes/reports/{taken.pk}/export/"'
    ) in html
    assert '<use href="#icon-download">' in html and 'icon icon-download"' not in html
    # Codes are kept whole: the item table's first column and unit codes do not wrap.
    assert '<table class="listing quiz-items">' in html
    assert 'href="/static/quizzes/report.css"' in html
    css = (Path(__file__).parents[2] / "quizzes/static/quizzes/report.css").read_text()
    assert ".quiz-items td:first-child" in css and "white-space: nowrap" in css
