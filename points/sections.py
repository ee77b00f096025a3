"""What points add to the home page and to 我的 (through home's section hooks): today's
practice, the learner's points and their unit's place, and the top units."""

from __future__ import annotations

from home.selectors import Section
from quizzes.practice import PRACTICE_SIZE
from quizzes.practice_selectors import practice_answered_count, practice_today_for
from units.permissions import Scope

from . import selectors
from .models import PointsRules


def _today(request) -> dict:
    practice = practice_today_for(user=request.user)
    return {
        "practice": practice,
        "answered": practice_answered_count(practice=practice) if practice else 0,
        "size": PRACTICE_SIZE,
        "daily_points": PointsRules.load(request).daily_practice,
    }


def home_section(request, page):
    return Section(
        order=15,
        template="points/home_section.html",
        context=_today(request)
        | {
            "ranking": selectors.unit_ranking(
                scope=Scope.everything(), limit=selectors.HOME_RANKING
            )
        },
    )


def me_section(request):
    if not request.user.is_authenticated:
        return None
    return Section(
        order=5,
        template="points/me_section.html",
        context=_today(request)
        | {
            "mine": selectors.my_points(user=request.user),
            "history": list(selectors.points_history(user=request.user, limit=5)),
        },
    )
