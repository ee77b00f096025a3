"""A learner on a phone: reads a lesson (and is told when it is too early to mark it
done), then takes a quiz, is warned about unanswered questions, reads the feedback and
checks the certificate the pass earned."""

from __future__ import annotations

import re

import pytest

from .conftest import log_in, shot

pytestmark = pytest.mark.xdist_group("journeys")

LESSON = "/learn/hu-gong/hu-ze-life/"
QUIZ = "/practice/integrity-basics/"


def _user_id(site, username):
    return site.one("SELECT id FROM units_user WHERE username = %s", username)


def test_learner_reads_a_lesson_and_is_told_when_it_is_too_early(site, phone):
    page = phone()
    log_in(page, site, "learner", LESSON)
    page.goto(site.url(LESSON))
    learner = _user_id(site, "learner")
    lesson = site.one(
        "SELECT page_ptr_id FROM courses_lessonpage lp "
        "JOIN wagtailcore_page p ON p.id = lp.page_ptr_id "
        "WHERE p.url_path LIKE %s",
        "%/hu-ze-life/",
    )
    site.sql(
        "DELETE FROM courses_lessonprogress WHERE user_id = %s AND lesson_id = %s",
        learner,
        lesson,
    )
    page.reload()

    page.get_by_role("button", name="我已学完").click()
    status = page.locator("#finish-status")
    status.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('#finish-status').textContent.trim().length > 0"
    )
    assert re.search(r"\d+\s*秒", status.inner_text()), status.inner_text()
    shot(page, "learner-lesson-too-early")
    assert site.one(
        "SELECT completed_at IS NULL FROM courses_lessonprogress "
        "WHERE user_id = %s AND lesson_id = %s",
        learner,
        lesson,
    )

    # The minimum reading time passes (the record's first opening moves back).
    site.sql(
        "UPDATE courses_lessonprogress SET started_at = started_at - interval '1 hour' "
        "WHERE user_id = %s AND lesson_id = %s",
        learner,
        lesson,
    )
    page.get_by_role("button", name="我已学完").click()
    page.get_by_text("已学完", exact=True).wait_for()
    shot(page, "learner-lesson-done")
    assert site.one(
        "SELECT completed_at IS NOT NULL FROM courses_lessonprogress "
        "WHERE user_id = %s AND lesson_id = %s",
        learner,
        lesson,
    )


def _answer_correctly(page, site, attempt_id, skip_position):
    """Tick the right options of every question but one, read from the attempt's own
    snapshot (the options a page shows are in the attempt's order)."""
    items = site.sql(
        "SELECT position, options, correct_keys FROM quizzes_attemptitem "
        "WHERE attempt_id = %s ORDER BY position",
        attempt_id,
    )
    for position, options, keys in items:
        if position == skip_position:
            continue
        fieldset = page.locator(f"#question-{position}")
        for option in options:
            if option["key"] in keys:
                fieldset.locator(".option", has_text=option["text"]).first.click()
    return len(items)


def test_learner_takes_a_quiz_reads_feedback_and_verifies_the_certificate(site, phone):
    page = phone()
    log_in(page, site, "learner", QUIZ)
    learner = _user_id(site, "learner")
    page.goto(site.url(QUIZ))
    page.locator(
        "form button[type=submit]", has_text=re.compile("开始答题|再练一次|继续作答")
    ).click()
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f-]{36}/$"))
    attempt_id = re.search(r"/attempts/([0-9a-f-]{36})/", page.url).group(1)
    assert (
        site.one("SELECT user_id FROM quizzes_attempt WHERE id = %s", attempt_id)
        == learner
    )

    # Hand in with one question blank: the page says how many and offers to go back.
    total = _answer_correctly(page, site, attempt_id, skip_position=2)
    page.locator(".quiz-form__submit").click()
    warning = page.locator(".unanswered-check")
    warning.wait_for(state="visible")
    assert "还有 1 题未作答" in warning.inner_text()
    shot(page, "learner-quiz-unanswered")
    assert (
        site.one("SELECT state FROM quizzes_attempt WHERE id = %s", attempt_id)
        == "in_progress"
    )

    # Back to the blank question, answer it, hand in.
    page.locator(".unanswered-check__back").click()
    options, keys = site.one(
        "SELECT options, correct_keys FROM quizzes_attemptitem "
        "WHERE attempt_id = %s AND position = 2",
        attempt_id,
    )
    for option in options:
        if option["key"] in keys:
            page.locator("#question-2 .option", has_text=option["text"]).first.click()
    page.locator(".quiz-form__submit").click()
    page.wait_for_url(re.compile(r"/review/"))
    state, correct, passed = site.one(
        "SELECT state, correct_count, passed FROM quizzes_attempt WHERE id = %s",
        attempt_id,
    )
    assert (state, correct, passed) == ("submitted", total, True)
    body = page.locator("main").inner_text()
    assert f"{total}" in body
    # Feedback that teaches: every question's explanation is on the review page.
    explanation = site.one(
        "SELECT explanation FROM quizzes_attemptitem WHERE attempt_id = %s "
        "AND explanation <> '' ORDER BY position LIMIT 1",
        attempt_id,
    )
    assert explanation[:20] in body
    shot(page, "learner-quiz-review")

    page.get_by_role("link", name="查看结业证书").click()
    code = page.locator(".certificate__code").first.inner_text().strip()
    stored = site.one(
        "SELECT code FROM quizzes_certificate WHERE attempt_id = %s", attempt_id
    )
    assert code.replace("-", "") == stored.replace("-", "")
    shot(page, "learner-certificate")
    verify_url = page.locator("#verify-link").input_value()
    checker = phone()  # someone else, not logged in, opens the link on the certificate
    checker.goto(verify_url)
    assert "真实有效" in checker.locator(".verify").inner_text()
    shot(checker, "learner-certificate-verified")
