"""每日一练 pages: today's practice, one question at a time, feedback after each answer.
Thin: quizzes.practice writes, quizzes.practice_selectors reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from points.models import PointsEntry, PointsRules, Reason

from . import practice as services
from . import practice_selectors as selectors


def _position(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def practice_page(request):
    practice = selectors.practice_today_for(user=request.user)
    context = {
        "practice": practice,
        "size": services.PRACTICE_SIZE,
        "daily_points": PointsRules.load(request).daily_practice,
    }
    if practice is not None:
        answered = _position(request.GET.get("answered"))
        context |= {
            "question": selectors.practice_next_question(practice=practice),
            "answered_count": selectors.practice_answered_count(practice=practice),
            # Only answered items have feedback; any other position shows nothing.
            "feedback": selectors.practice_feedback(
                practice=practice, position=answered
            )
            if answered and not practice.is_completed
            else [],
            "review": selectors.practice_feedback(practice=practice)
            if practice.is_completed
            else [],
            "points_entry": PointsEntry.objects.filter(
                user=request.user,
                reason=Reason.DAILY_PRACTICE,
                key=practice.day.isoformat(),
            ).first(),
        }
    return render(request, "quizzes/practice.html", context)


@login_required
@require_POST
def practice_begin(request):
    try:
        services.practice_start(user=request.user)
    except services.PracticeError as exc:
        messages.error(request, str(exc))
    return redirect("quizzes:practice")


@login_required
@require_POST
def practice_submit(request):
    practice = selectors.practice_today_for(user=request.user)
    position = _position(request.POST.get("position"))
    if practice is None or position is None:
        return redirect("quizzes:practice")
    try:
        services.practice_answer(
            practice=practice,
            position=position,
            values=request.POST.getlist("answer"),
        )
    except services.PracticeError as exc:
        messages.error(request, str(exc))
        return redirect("quizzes:practice")
    return redirect(f"{reverse('quizzes:practice')}?answered={position}")
