"""Learner-facing views, reached through QuizPage's routes. Thin: services write,
selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors, services
from .models import AttemptState


def _login_required(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def quiz_overview(request, *, quiz):
    attempts = list(selectors.quiz_attempts_for(user=request.user, quiz=quiz))
    used = len(attempts)
    open_attempt = next(
        (a for a in attempts if a.state == AttemptState.IN_PROGRESS), None
    )
    can_start = (
        open_attempt is not None or not quiz.max_attempts or used < quiz.max_attempts
    )
    return quiz.render(
        request,
        context_overrides={
            "attempts": [a for a in attempts if a.state != AttemptState.IN_PROGRESS],
            "open_attempt": open_attempt,
            "can_start": can_start,
            "attempts_left": (quiz.max_attempts - used) if quiz.max_attempts else None,
            "question_total": selectors.quiz_question_total(quiz=quiz),
        },
    )


def attempt_begin(request, *, quiz):
    if (response := _login_required(request)) is not None:
        return response
    if request.method != "POST":
        return redirect(quiz.url)
    try:
        attempt = services.attempt_start(quiz=quiz, user=request.user)
    except services.AttemptError as exc:
        messages.error(request, str(exc))
        return redirect(quiz.url)
    return redirect(
        quiz.url + quiz.reverse_subpage("take", kwargs={"attempt_id": attempt.pk})
    )


def _own_attempt(request, quiz, attempt_id):
    attempt = selectors.attempt_for(user=request.user, quiz=quiz, attempt_id=attempt_id)
    if attempt is None:
        raise Http404
    return attempt


def _review_url(quiz, attempt):
    return quiz.url + quiz.reverse_subpage("review", kwargs={"attempt_id": attempt.pk})


def _take_page(
    request, *, quiz, attempt, posted=None, unanswered=0, bad=(), status=200
):
    remaining = (
        max(0, int((attempt.deadline - timezone.now()).total_seconds()))
        if attempt.deadline
        else None
    )
    questions = selectors.attempt_questions(attempt=attempt, chosen=posted)
    response = quiz.render(
        request,
        template="quizzes/attempt_take.html",
        context_overrides={
            "attempt": attempt,
            "questions": questions,
            "first_unanswered": next(
                (q["position"] for q in questions if not q["answered"]), None
            ),
            "remaining_seconds": remaining,
            "unanswered": unanswered,
            "invalid_positions": list(bad),
        },
    )
    response.status_code = status
    return response


def attempt_take(request, *, quiz, attempt_id):
    if (response := _login_required(request)) is not None:
        return response
    attempt = _own_attempt(request, quiz, attempt_id)
    if request.method == "POST" and attempt.is_open:
        posted = {
            item_position: request.POST.getlist(f"q{item_position}")
            for item_position in range(1, attempt.question_count + 1)
        }
        try:
            answers = services.attempt_answers_from_form(attempt=attempt, posted=posted)
        except services.AnswerError as exc:
            return _take_page(
                request,
                quiz=quiz,
                attempt=attempt,
                posted=posted,
                bad=exc.positions,
                status=400,
            )
        unanswered = sum(1 for keys in answers.values() if not keys)
        # Ask once before scoring blanks as wrong, unless time is up (the timer's own
        # submit confirms: waiting for a click then would lose every answer).
        if (
            unanswered
            and request.POST.get("confirm_unanswered") != "1"
            and not (attempt.deadline and timezone.now() >= attempt.deadline)
        ):
            return _take_page(
                request,
                quiz=quiz,
                attempt=attempt,
                posted=posted,
                unanswered=unanswered,
            )
        attempt = services.attempt_submit(attempt=attempt, answers=answers)
        if attempt.state == AttemptState.EXPIRED:
            messages.error(request, _("已超过作答时间，本次答案不计分。"))
            return redirect(quiz.url)
        return redirect(_review_url(quiz, attempt))
    attempt = services.attempt_expire_if_due(attempt=attempt)
    if attempt.state == AttemptState.SUBMITTED:
        return redirect(_review_url(quiz, attempt))
    if attempt.state == AttemptState.EXPIRED:
        messages.error(request, _("已超过作答时间，本次答案不计分。"))
        return redirect(quiz.url)
    return _take_page(request, quiz=quiz, attempt=attempt)


def attempt_review(request, *, quiz, attempt_id):
    if (response := _login_required(request)) is not None:
        return response
    attempt = _own_attempt(request, quiz, attempt_id)
    if attempt.state != AttemptState.SUBMITTED:
        return redirect(quiz.url)
    return quiz.render(
        request,
        template="quizzes/attempt_review.html",
        context_overrides={
            "attempt": attempt,
            "items": selectors.attempt_review(attempt=attempt),
            "certificate_url": quiz.url
            + quiz.reverse_subpage("certificate", kwargs={"attempt_id": attempt.pk})
            if attempt.passed
            else "",
        },
    )
