"""Taking a quiz: scoring, timing, attempt limits, snapshots and double submission."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import AttemptChoice, AttemptState, QuestionKind, SelectionMode
from quizzes.services import AttemptError, attempt_start, attempt_submit
from tests.factories import make_person

from .conftest import make_question, make_quiz


def _multi():
    return make_question(
        "M1",
        kind=QuestionKind.MULTIPLE,
        options=[
            ("甲", True, ""),
            ("乙", False, ""),
            ("丙", True, ""),
            ("丁", False, ""),
        ],
    )


@pytest.fixture
def quiz(practice):
    return make_quiz(
        practice, [make_question("S1"), _multi(), make_question("S2")], pass_mark=60
    )


def test_multiple_choice_is_correct_only_with_exactly_the_correct_set(quiz, city):
    person = make_person()
    attempt = attempt_start(quiz=quiz, user=person)
    attempt = attempt_submit(attempt=attempt, answers={1: ["A"], 2: ["A"], 3: ["B"]})
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.correct_count == 1
    assert attempt.score == pytest.approx(33.3)
    assert not attempt.passed


def test_full_correct_set_scores_and_passes(quiz):
    attempt = attempt_start(quiz=quiz, user=make_person())
    attempt = attempt_submit(
        attempt=attempt, answers={1: ["A"], 2: ["C", "A"], 3: ["A"]}
    )
    assert (attempt.correct_count, attempt.score, attempt.passed) == (3, 100.0, True)
    assert attempt.is_first


def test_pass_mark_is_inclusive(quiz):
    quiz.pass_mark = 66
    quiz.save()
    attempt = attempt_start(quiz=quiz, user=make_person())
    attempt = attempt_submit(attempt=attempt, answers={1: ["A"], 2: ["A", "C"]})
    # 2 of 3 = 66.7 ≥ 66 passes; an unanswered question counts as wrong.
    assert (attempt.correct_count, attempt.passed) == (2, True)


def test_single_choice_with_two_options_sent_counts_as_unanswered(quiz):
    attempt = attempt_start(quiz=quiz, user=make_person())
    attempt = attempt_submit(attempt=attempt, answers={1: ["A", "B"]})
    item = attempt.items.get(position=1)
    assert (item.chosen_keys, item.is_correct) == ("", False)


def test_double_submit_stores_one_attempt(quiz):
    attempt = attempt_start(quiz=quiz, user=make_person())
    first = attempt_submit(attempt=attempt, answers={1: ["A"], 2: ["A", "C"], 3: ["A"]})
    again = attempt_submit(attempt=attempt, answers={1: ["B"], 2: ["B"], 3: ["B"]})
    assert again.score == first.score == 100.0
    assert AttemptChoice.objects.filter(item__attempt=attempt).count() == 4
    assert quiz.attempts.count() == 1


def test_submission_within_grace_counts(quiz):
    quiz.time_limit_minutes = 10
    quiz.save()
    start = timezone.now()
    attempt = attempt_start(quiz=quiz, user=make_person(), now=start)
    attempt = attempt_submit(
        attempt=attempt,
        answers={1: ["A"]},
        now=start + timedelta(minutes=10, seconds=25),
    )
    assert attempt.state == AttemptState.SUBMITTED and attempt.correct_count == 1


def test_submission_after_deadline_and_grace_is_not_counted(quiz):
    quiz.time_limit_minutes = 10
    quiz.save()
    start = timezone.now()
    attempt = attempt_start(quiz=quiz, user=make_person(), now=start)
    attempt = attempt_submit(
        attempt=attempt,
        answers={1: ["A"], 2: ["A", "C"], 3: ["A"]},
        now=start + timedelta(minutes=10, seconds=31),
    )
    assert attempt.state == AttemptState.EXPIRED
    assert attempt.score == 0 and not attempt.passed
    assert not AttemptChoice.objects.filter(item__attempt=attempt).exists()


def test_attempt_limit_counts_expired_attempts(quiz):
    quiz.max_attempts = 2
    quiz.time_limit_minutes = 1
    quiz.save()
    person = make_person()
    start = timezone.now()
    first = attempt_start(quiz=quiz, user=person, now=start)
    attempt_submit(attempt=first, answers={}, now=start)
    later = start + timedelta(minutes=5)
    second = attempt_start(quiz=quiz, user=person, now=later)
    # Abandoned past its deadline: starting again closes it, and the limit is reached.
    with pytest.raises(AttemptError, match="最多可作答 2 次"):
        attempt_start(quiz=quiz, user=person, now=later + timedelta(minutes=5))
    second.refresh_from_db()
    assert second.state == AttemptState.EXPIRED


def test_starting_twice_resumes_the_open_attempt(quiz):
    person = make_person()
    assert attempt_start(quiz=quiz, user=person) == attempt_start(
        quiz=quiz, user=person
    )


def test_editing_a_question_does_not_change_a_past_attempt(quiz):
    attempt = attempt_start(quiz=quiz, user=make_person())
    attempt_submit(attempt=attempt, answers={1: ["A"]})
    question = quiz.quiz_questions.first().question
    question.stem = "<p>改过的题干</p>"
    option = question.options.first()
    option.is_correct = False
    option.save()
    question.save()
    item = attempt.items.get(position=1)
    assert item.stem == "<p>S1题干</p>" and item.correct_keys == "A" and item.is_correct


def test_options_are_shuffled_and_the_order_is_stored(practice):
    question = make_question("SH", options=[(f"项{i}", i == 0, "") for i in range(6)])
    quiz = make_quiz(practice, [question], slug="shuffle")
    orders = {
        tuple(
            o["key"]
            for o in attempt_start(quiz=quiz, user=make_person()).items.get().options
        )
        for _ in range(8)
    }
    assert len(orders) > 1  # 8 draws of 720 orders: all equal with chance 720^-7
    assert all(sorted(order) == list("ABCDEF") for order in orders)


def test_random_draw_respects_tag_difficulty_and_count(practice):
    for i in range(5):
        make_question(f"T{i}", tags=("宴请",), difficulty=1)
    make_question("HARD", tags=("宴请",), difficulty=3)
    make_question("OTHER", tags=("公车",), difficulty=1)
    quiz = make_quiz(
        practice,
        [],
        slug="draw",
        mode=SelectionMode.RANDOM,
        draw_tag="宴请",
        draw_difficulty=1,
        draw_count=3,
    )
    attempt = attempt_start(quiz=quiz, user=make_person())
    codes = list(attempt.items.values_list("question_code", flat=True))
    assert len(codes) == 3 and all(c.startswith("T") for c in codes)


def test_quiz_without_questions_cannot_start(practice):
    quiz = make_quiz(practice, [], slug="empty")
    with pytest.raises(AttemptError, match="没有可用的题目"):
        attempt_start(quiz=quiz, user=make_person())


def test_random_draw_skips_questions_aimed_at_other_unit_kinds(practice, city):
    from tests.factories import kind
    from units.models import Unit

    village = make_question("VILLAGE", tags=("村务",))
    village.target_kinds.set([kind("村居")])
    village.save()
    school = make_question("SCHOOL", tags=("村务",))
    school.target_kinds.set([kind("学校")])
    school.save()
    make_question("ALL", tags=("村务",))
    quiz = make_quiz(
        practice,
        [],
        slug="kinds",
        mode=SelectionMode.RANDOM,
        draw_tag="村务",
        draw_count=10,
    )
    person = make_person(unit=Unit.objects.get(code="YK-GS-01"))
    attempt = attempt_start(quiz=quiz, user=person)
    assert set(attempt.items.values_list("question_code", flat=True)) == {
        "VILLAGE",
        "ALL",
    }
