"""What quizzes add to the home page and to 我的 (through home's section hooks)."""

from __future__ import annotations

from home.selectors import Section

from . import selectors
from .models import QuizIndexPage

HOME_LIMIT = 4


def home_section(request, page):
    quizzes = selectors.quiz_list_for(user=request.user, limit=HOME_LIMIT)
    if not quizzes:
        return None
    index = QuizIndexPage.objects.live().first()
    return Section(
        order=20,
        template="quizzes/home_section.html",
        context={"quizzes": quizzes, "index_url": index.url if index else ""},
    )


def me_section(request):
    if not request.user.is_authenticated:
        return None
    return Section(
        order=20,
        template="quizzes/me_section.html",
        context={
            "attempts": selectors.my_recent_attempts(user=request.user),
            "certificates": list(selectors.my_certificates(user=request.user)[:10]),
        },
    )
