"""Measurement integrity: no answer hints in the page, position bias, item analysis from
the attempts' own snapshots, and a warning before handing in blank questions."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes import reports
from quizzes.demo_questions import QUESTIONS
from quizzes.models import Attempt, AttemptState, Option, Question, QuestionKind
from quizzes.models.attempts import option_token
from quizzes.selectors import answer_position_shares
from quizzes.services import attempt_start, attempt_submit
from tests.factories import make_person
from units.models import Unit
from units.permissions import scorecard_scope

from .conftest import make_question, make_quiz

ATTRIBUTE = re.compile(r'\s(value|id|data-[\w-]+)="([^"]*)"')


@pytest.fixture
def quiz(practice):
    questions = [
        make_question(
            f"K{i}",
            options=[
                (f"K{i}甲", False, ""),
                (f"K{i}乙", True, ""),
                (f"K{i}丙", False, ""),
                (f"K{i}丁", False, ""),
            ],
        )
        for i in range(1, 5)
    ]
    return make_quiz(practice, questions, pass_mark=60)


@pytest.fixture
def learner(city):
    return make_person("xueyuan", unit=Unit.objects.get(code="YK-GS-01"))


def _take_url(quiz, attempt):
    return f"{quiz.url}attempts/{attempt.pk}/"


def _option_values(html: str, position: int) -> list[str]:
    return re.findall(rf'name="q{position}" value="([^"]*)"', html)


def _correct_value(attempt, position):
    item = attempt.items.get(position=position)
    return option_token(attempt_id=attempt.pk, position=position, key=item.correct_keys)


def _attributes(html: str, form_only: bool = True) -> list[tuple[str, str]]:
    if form_only:
        html = html[html.index('<form method="post" class="quiz-form"') :]
        html = html[: html.index("</form>")]
    return ATTRIBUTE.findall(html)


# --- Point 1: opaque option values ---------------------------------------------------


def test_two_attempts_show_neither_the_key_nor_bank_codes_and_share_no_value(
    client, quiz, learner
):
    other = make_person("tongshi", unit=learner.unit)
    pages = []
    for person in (learner, other):
        client.force_login(person)
        attempt = attempt_start(quiz=quiz, user=person)
        pages.append(client.get(_take_url(quiz, attempt)).content.decode())
    values = []
    for html in pages:
        attrs = _attributes(html)
        for name, value in attrs:
            # Not the bank letter (the key is B everywhere), not a letter at all.
            assert value not in set("ABCDEF"), (name, value)
            assert not re.search(r"(^|[-_])[A-F]$", value), (name, value)
        assert "correct" not in html and "data-key" not in html
        page_values = [v for p in range(1, 5) for v in _option_values(html, p)]
        assert len(page_values) == 16 and len(set(page_values)) == 16
        assert all(re.fullmatch(r"[0-9a-f]{16}", v) for v in page_values)
        values.append(set(page_values))
    assert not values[0] & values[1]


def test_a_reloaded_attempt_shows_the_same_values(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    first = client.get(_take_url(quiz, attempt)).content.decode()
    again = client.get(_take_url(quiz, attempt_start(quiz=quiz, user=learner)))
    assert _option_values(first, 1) == _option_values(again.content.decode(), 1)


def test_posting_the_opaque_values_scores_correctly(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    html = client.get(_take_url(quiz, attempt)).content.decode()
    answers = {f"q{p}": _correct_value(attempt, p) for p in (1, 2, 3)}
    wrong = next(v for v in _option_values(html, 4) if v != _correct_value(attempt, 4))
    answers["q4"] = wrong
    response = client.post(_take_url(quiz, attempt), answers)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.correct_count, attempt.score) == (
        AttemptState.SUBMITTED,
        3,
        75.0,
    )
    assert attempt.items.get(position=4).chosen_keys in {"A", "C", "D"}


def test_a_forged_value_is_a_validation_error_and_nothing_is_scored(
    client, quiz, learner
):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    answers = {f"q{p}": _correct_value(attempt, p) for p in (1, 2, 3)}
    answers["q4"] = "B"  # the bank letter, as the old page would have sent it
    response = client.post(_take_url(quiz, attempt), answers)
    assert response.status_code == 400
    html = response.content.decode()
    assert "此题的答案无法识别，请重新选择。" in html
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS
    # What was valid stays ticked.
    assert f'value="{_correct_value(attempt, 1)}" checked' in html


def test_another_attempts_value_is_refused(client, quiz, learner):
    other = make_person("tongshi", unit=learner.unit)
    foreign = attempt_start(quiz=quiz, user=other)
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    answers = {f"q{p}": _correct_value(attempt, p) for p in (2, 3, 4)}
    answers["q1"] = _correct_value(foreign, 1)
    assert client.post(_take_url(quiz, attempt), answers).status_code == 400


# --- Point 2: position bias ----------------------------------------------------------


def test_true_false_options_are_never_shuffled(practice, city):
    question = make_question(
        "TF1",
        kind=QuestionKind.TRUE_FALSE,
        options=[("对", True, ""), ("错", False, "")],
    )
    quiz = make_quiz(practice, [question], shuffle_options=True)
    for n in range(12):
        person = make_person(f"tf{n}")
        item = attempt_start(quiz=quiz, user=person).items.get()
        assert [o["text"] for o in item.options] == ["对", "错"]


def test_pinned_option_stays_last_when_shuffled(practice, city):
    question = make_question(
        "PIN1",
        options=[
            ("甲", False, ""),
            ("乙", False, ""),
            ("丙", False, ""),
            ("以上都对", True, ""),
        ],
    )
    Option.objects.filter(question=question, text="以上都对").update(pin_last=True)
    quiz = make_quiz(practice, [question], shuffle_options=True)
    orders = set()
    for n in range(20):
        item = attempt_start(quiz=quiz, user=make_person(f"pin{n}")).items.get()
        texts = [o["text"] for o in item.options]
        assert texts[-1] == "以上都对"
        orders.add(tuple(texts))
    assert len(orders) > 1  # the others are still shuffled


def test_answer_position_shares_flag_a_position_over_40_percent(db):
    for i in range(5):
        correct = 1 if i < 3 else 0  # three keys on B, two on A
        make_question(
            f"POS{i}",
            options=[(f"选项{j}", j == correct, "") for j in range(4)],
        )
    make_question("POSM", kind=QuestionKind.MULTIPLE)  # not single choice: left out
    shares = {row["position"]: row for row in answer_position_shares()}
    assert (shares["A"]["count"], shares["A"]["share"]) == (2, 0.4)
    assert (shares["B"]["count"], shares["B"]["share"]) == (3, 0.6)
    assert (shares["C"]["count"], shares["D"]["count"]) == (0, 0)
    assert [p for p, row in shares.items() if row["flagged"]] == ["B"]


def test_answer_position_report_page(client, admin_user):
    make_question("R1", options=[("甲", False, ""), ("乙", True, "")])
    client.force_login(admin_user)
    response = client.get("/admin/quizzes/answer-positions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "答案位置分布" in html and "100.0%" in html and "超过 40%" in html


def test_demo_bank_has_no_answer_position_over_40_percent():
    keys = Counter(
        "ABCDEF"[[correct for _text, correct, _fb in options].index(True)]
        for _code, kind, _tags, _difficulty, _stem, options, *_rest in QUESTIONS
        if kind == "single"
    )
    total = sum(keys.values())
    assert total >= 20
    assert max(keys.values()) / total <= 0.4, keys


# --- Point 3: item analysis from the snapshot ----------------------------------------


def _submit(quiz, person, answers, *, at):
    attempt = attempt_start(quiz=quiz, user=person, now=at)
    return attempt_submit(attempt=attempt, answers=answers, now=at)


@pytest.fixture
def rekeyed(practice, city):
    """Three people answer S1 (key A) and choose A; the key is then changed to B (and
    the option texts edited); two more people answer, one choosing B, one A.

    Version 1 (key A): asked 3, correct 3, facility 1.0; A chosen 3 times.
    Version 2 (key B): asked 2, correct 1, facility 0.5; A 1, B 1.
    """
    question = make_question(
        "S1", options=[("旧甲", True, ""), ("旧乙", False, ""), ("旧丙", False, "")]
    )
    quiz = make_quiz(practice, [question], pass_mark=60, shuffle_options=False)
    unit = Unit.objects.get(code="YK-GS-01")
    base = timezone.now() - timedelta(hours=2)
    for n in range(3):
        _submit(quiz, make_person(f"v1p{n}", unit=unit), {1: ["A"]}, at=base)
    question = Question.objects.get(code="S1")
    options = list(question.options.all())
    for option, (text, correct) in zip(
        options, [("新甲", False), ("新乙", True), ("新丙", False)], strict=True
    ):
        option.text, option.is_correct = text, correct
        option.save()
    later = base + timedelta(hours=1)
    _submit(quiz, make_person("v2p0", unit=unit), {1: ["B"]}, at=later)
    _submit(quiz, make_person("v2p1", unit=unit), {1: ["A"]}, at=later)
    return quiz


def test_item_analysis_uses_the_key_each_attempt_was_scored_with(rekeyed, admin_user):
    stats = reports.item_statistics(scope=scorecard_scope(admin_user), quiz=rekeyed)
    assert [(s.code, s.version, s.versions) for s in stats] == [
        ("S1", 1, 2),
        ("S1", 2, 2),
    ]
    old, new = stats
    assert (old.correct_keys, old.asked, old.correct, old.facility) == ("A", 3, 3, 1.0)
    assert old.options == [("A", "旧甲", 3), ("B", "旧乙", 0), ("C", "旧丙", 0)]
    assert (new.correct_keys, new.asked, new.correct, new.facility) == ("B", 2, 1, 0.5)
    assert new.options == [("A", "新甲", 1), ("B", "新乙", 1), ("C", "新丙", 0)]


def test_item_analysis_survives_a_deleted_question(rekeyed, admin_user):
    Question.objects.filter(code="S1").delete()
    stats = reports.item_statistics(scope=scorecard_scope(admin_user), quiz=rekeyed)
    assert [(s.correct_keys, s.facility) for s in stats] == [("A", 1.0), ("B", 0.5)]
    assert stats[0].stem == "S1题干"


def test_report_page_labels_each_key_version(client, rekeyed, admin_user):
    client.force_login(admin_user)
    html = client.get(f"/admin/quizzes/reports/{rekeyed.pk}/").content.decode()
    assert "答案第 1 版" in html and "答案第 2 版" in html


def test_report_export_has_one_row_per_key_version(client, rekeyed, admin_user):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(admin_user)
    response = client.get(f"/admin/quizzes/reports/{rekeyed.pk}/export/")
    items = list(load_workbook(BytesIO(response.content)).worksheets[1].values)
    header = items[0]
    rows = [dict(zip(header, row, strict=False)) for row in items[1:]]
    assert [
        (r["question_code"], r["key_version"], r["correct_keys"], r["asked"])
        for r in rows
    ] == [("S1", 1, "A", 3), ("S1", 2, "B", 2)]


def test_unit_below_30_participants_is_insufficient_sample(rekeyed, admin_user):
    units = {
        u.code: u
        for u in reports.unit_rollup(scope=scorecard_scope(admin_user), quiz=rekeyed)
    }
    unit = units["YK-GS-01"]
    # 5 participants, 4 passed (v2p1 chose A after the key moved to B).
    assert (unit.participants, unit.passed_people, unit.status) == (
        5,
        4,
        "insufficient_sample",
    )
    assert units["YK-GS-02"].status is None


def test_unit_with_30_participants_is_judged_on_its_wilson_interval(
    practice, city, admin_user
):
    quiz = make_quiz(practice, [make_question("W1")], pass_mark=60, target_pass_rate=80)
    unit = Unit.objects.get(code="YK-GS-01")
    at = timezone.now() - timedelta(hours=1)
    # 30 people, 29 pass: p = 29/30; Wilson 95% (z = 1.959964) by hand:
    # centre = (p + z²/2n) / (1 + z²/n) = 0.91369, half = 0.08040 → [0.8333, 0.9941];
    # low ≥ 0.80 → met.
    for n in range(30):
        _submit(quiz, make_person(f"w{n}", unit=unit), {1: ["A" if n else "B"]}, at=at)
    units = {
        u.code: u
        for u in reports.unit_rollup(scope=scorecard_scope(admin_user), quiz=quiz)
    }
    row = units["YK-GS-01"]
    assert (row.participants, row.passed_people) == (30, 29)
    assert row.pass_ci_low == pytest.approx(0.8333, abs=1e-4)
    assert row.pass_ci_high == pytest.approx(0.9941, abs=1e-4)
    assert row.status == "met"


# --- Point 4: unanswered questions ---------------------------------------------------


def test_submitting_with_blanks_first_says_how_many_and_keeps_the_answers(
    client, quiz, learner
):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    answers = {"q1": _correct_value(attempt, 1), "q3": _correct_value(attempt, 3)}
    response = client.post(_take_url(quiz, attempt), answers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "还有 2 题未作答。" in html
    assert 'name="confirm_unanswered" value="1"' in html
    assert 'href="#question-2"' in html  # back to the first blank question
    assert f'value="{answers["q1"]}" checked' in html
    assert f'value="{answers["q3"]}" checked' in html
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS


def test_confirming_submits_with_the_blanks_scored_wrong(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    answers = {"q1": _correct_value(attempt, 1), "confirm_unanswered": "1"}
    response = client.post(_take_url(quiz, attempt), answers)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.correct_count, attempt.score) == (
        AttemptState.SUBMITTED,
        1,
        25.0,
    )


def test_a_complete_form_submits_without_asking(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    answers = {f"q{p}": _correct_value(attempt, p) for p in range(1, 5)}
    assert client.post(_take_url(quiz, attempt), answers).status_code == 302


def test_time_up_submits_blanks_without_asking(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=5)
    )
    response = client.post(_take_url(quiz, attempt), {"q1": _correct_value(attempt, 1)})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED and attempt.correct_count == 1
