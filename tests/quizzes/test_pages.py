"""The learner's pages: list, quiz, answer form, review and certificate."""

import re

import pytest

from quizzes.models import Attempt, AttemptState
from quizzes.models.attempts import option_token
from quizzes.services import attempt_start, attempt_submit
from tests.factories import make_person

from .conftest import make_question, make_quiz


@pytest.fixture
def quiz(practice):
    questions = [
        make_question(
            f"P{i}",
            options=[
                (f"P{i}对项", True, f"P{i}对项的反馈秘密"),
                (f"P{i}错项", False, f"P{i}错项反馈"),
            ],
            explanation=f"P{i}解析秘密",
        )
        for i in range(1, 6)
    ]
    return make_quiz(practice, questions, pass_mark=60)


@pytest.fixture
def learner(city):
    from units.models import Unit

    return make_person("xueyuan", unit=Unit.objects.get(code="YK-GS-01"))


def _take_url(quiz, attempt):
    return f"{quiz.url}attempts/{attempt.pk}/"


def _value(attempt, position, key):
    return option_token(attempt_id=attempt.pk, position=position, key=key)


def test_practice_index_lists_live_quizzes(client, quiz):
    response = client.get("/practice/")
    assert response.status_code == 200
    assert quiz.title in response.content.decode()


def test_answer_form_never_contains_the_key_feedback_or_explanation(
    client, quiz, learner
):
    client.force_login(learner)
    response = client.post(f"{quiz.url}start/")
    attempt = Attempt.objects.get(user=learner)
    assert response.url == _take_url(quiz, attempt)
    html = client.get(response.url).content.decode()
    assert "P1对项" in html and "P1错项" in html
    for secret in ("反馈", "解析秘密", "correct", "is_correct", "正确答案"):
        assert secret not in html
    # Option values are opaque per attempt; nothing marks which one is right.
    assert set(re.findall(r'name="q1" value="([^"]*)"', html)) == {
        _value(attempt, 1, "A"),
        _value(attempt, 1, "B"),
    }


def test_quiz_page_renders_in_bounded_queries(
    client, quiz, learner, django_assert_max_num_queries
):
    client.force_login(learner)
    client.get(quiz.url)
    with django_assert_max_num_queries(14):
        assert client.get(quiz.url).status_code == 200


def test_answer_form_renders_in_bounded_queries(
    client, quiz, learner, django_assert_max_num_queries
):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    with django_assert_max_num_queries(14):
        assert client.get(_take_url(quiz, attempt)).status_code == 200


def test_submission_is_scored_in_bounded_queries(
    client, quiz, learner, django_assert_max_num_queries
):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    answers = {f"q{i}": _value(attempt, i, "A") for i in range(1, 6)}
    # 2 of them award the quiz's points (the rules, the ledger row).
    with django_assert_max_num_queries(23):
        response = client.post(_take_url(quiz, attempt), answers)
    assert response.url == f"{_take_url(quiz, attempt)}review/"
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score, attempt.passed) == (
        AttemptState.SUBMITTED,
        100.0,
        True,
    )


def test_double_post_of_the_form_stores_one_scored_attempt(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_start(quiz=quiz, user=learner)
    first = {"q1": _value(attempt, 1, "A"), "q2": _value(attempt, 2, "A")}
    client.post(_take_url(quiz, attempt), first | {"confirm_unanswered": "1"})
    client.post(
        _take_url(quiz, attempt),
        {f"q{i}": _value(attempt, i, "A") for i in range(1, 6)},
    )
    attempt.refresh_from_db()
    assert Attempt.objects.filter(user=learner).count() == 1
    assert attempt.correct_count == 2


def test_review_shows_feedback_for_the_chosen_option_explanation_and_rule(
    client, quiz, learner
):
    client.force_login(learner)
    attempt = attempt_submit(
        attempt=attempt_start(quiz=quiz, user=learner), answers={1: ["B"], 2: ["A"]}
    )
    html = client.get(f"{_take_url(quiz, attempt)}review/").content.decode()
    assert "P1错项反馈" in html  # chosen wrong option's feedback
    assert "P1对项的反馈秘密" not in html  # feedback only for what was chosen
    assert "P1解析秘密" in html and "《中国共产党纪律处分条例》" in html
    assert "未作答" in html


def test_another_persons_attempt_is_not_found(client, quiz, learner):
    attempt = attempt_start(quiz=quiz, user=learner)
    client.force_login(make_person("other"))
    assert client.get(_take_url(quiz, attempt)).status_code == 404
    assert client.get(f"{_take_url(quiz, attempt)}review/").status_code == 404


def test_pass_yields_a_png_certificate(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_submit(
        attempt=attempt_start(quiz=quiz, user=learner),
        answers={i: ["A"] for i in range(1, 6)},
    )
    response = client.get(f"{_take_url(quiz, attempt)}certificate/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_fail_has_no_certificate(client, quiz, learner):
    client.force_login(learner)
    attempt = attempt_submit(
        attempt=attempt_start(quiz=quiz, user=learner), answers={1: ["A"]}
    )
    assert not attempt.passed
    assert client.get(f"{_take_url(quiz, attempt)}certificate/").status_code == 404


def test_anonymous_visitor_is_sent_to_login_to_start(client, quiz):
    response = client.post(f"{quiz.url}start/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_me_page_lists_attempts_and_certificates(client, quiz, learner):
    client.force_login(learner)
    attempt_submit(
        attempt=attempt_start(quiz=quiz, user=learner),
        answers={i: ["A"] for i in range(1, 6)},
    )
    html = client.get("/me/").content.decode()
    assert "我的练习" in html and "certificate/" in html


def test_practice_index_renders_in_bounded_queries(
    client, practice, learner, django_assert_max_num_queries
):
    for i in range(4):
        make_quiz(
            practice, [make_question(f"L{i}")], slug=f"list-{i}", title=f"测验{i}"
        )
    client.force_login(learner)
    client.get("/practice/")
    with django_assert_max_num_queries(12):
        html = client.get("/practice/").content.decode()
    assert all(f"测验{i}" in html for i in range(4))


def test_review_links_to_the_lesson_that_teaches_it(client, practice, learner):
    question = make_question("LINKED")
    question.lesson = practice  # any live page will do
    question.save()
    quiz = make_quiz(practice, [question], slug="linked")
    client.force_login(learner)
    attempt = attempt_submit(attempt=attempt_start(quiz=quiz, user=learner), answers={})
    html = client.get(f"{_take_url(quiz, attempt)}review/").content.decode()
    assert "去学习" in html and f'href="{practice.url}"' in html
