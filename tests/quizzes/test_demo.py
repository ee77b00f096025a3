"""The demo bank and quizzes load once and only once, with cited rules."""

import io

import pytest

from quizzes import demo
from quizzes.demo_questions import QUESTIONS
from quizzes.models import Question, QuizPage
from quizzes.services import attempt_start
from tests.factories import make_person


def test_demo_bank_has_at_least_40_questions_each_with_a_rule():
    assert len(QUESTIONS) >= 40
    assert len({q[0] for q in QUESTIONS}) == len(QUESTIONS)
    assert all(q[7] for q in QUESTIONS)
    # 第97条 is not verified: receiving gifts is cited by name only.
    assert all(q[8] != "第97条" for q in QUESTIONS)


def test_demo_loads_idempotently_and_both_quizzes_can_start(practice):
    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    assert Question.objects.count() == len(QUESTIONS)
    assert QuizPage.objects.count() == 2
    person = make_person()
    for quiz in QuizPage.objects.all():
        attempt = attempt_start(quiz=quiz, user=person)
        assert attempt.question_count in (8, 10)


@pytest.mark.parametrize(
    "code", ["JR-001", "WX-001", "GC-001", "QS-001", "WD-003", "YQ-001"]
)
def test_topics_are_covered(practice, code):
    assert any(q[0] == code for q in QUESTIONS)
