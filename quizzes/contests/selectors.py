"""Reads of a live contest: rankings, a player's own standing, the host's counters.

Everything is aggregated in the database. Skipped questions and removed players count
nowhere; "number correct" is kept beside the points, never folded into them.
"""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, Rank

from .models import Contest, ContestAnswer, ContestQuestion, Player

LEADERBOARD_SIZE = 20

_counted = Q(answers__question__skipped=False)


def _standings(*, contest: Contest):
    return Player.objects.filter(contest=contest, removed=False).annotate(
        points=Coalesce(
            Sum("answers__points", filter=_counted),
            Value(0),
            output_field=IntegerField(),
        ),
        correct=Count("answers", filter=_counted & Q(answers__correct=True)),
    )


def leaderboard(*, contest: Contest, limit: int = LEADERBOARD_SIZE) -> list[dict]:
    """The top players by points; equal points share a rank (1, 2, 2, 4)."""
    rows = (
        _standings(contest=contest)
        .annotate(rank=Window(Rank(), order_by=F("points").desc()))
        .select_related("unit")
        .order_by("-points", "joined_at", "pk")[:limit]
    )
    return [
        {
            "rank": p.rank,
            "player": p.pk,
            "name": p.display_name,
            "unit": p.unit.name if p.unit else "",
            "points": p.points,
            "correct": p.correct,
        }
        for p in rows
    ]


def player_standing(*, contest: Contest, player: Player) -> dict:
    """A player's own points, number correct and rank (1 + players with more points),
    for the phone's footer whether or not they are in the top 20."""
    standings = _standings(contest=contest)
    own = standings.filter(pk=player.pk).values("points", "correct").first() or {
        "points": 0,
        "correct": 0,
    }
    ahead = standings.filter(points__gt=own["points"]).count()
    return {
        "rank": ahead + 1,
        "points": own["points"],
        "correct": own["correct"],
        "players": standings.count(),
    }


def unit_ranking(*, contest: Contest) -> list[dict]:
    """Per unit: the players who played (answered at least one counted question), their
    total points and the average per player, best average first (docs/metrics.md)."""
    rows = (
        ContestAnswer.objects.filter(
            contest=contest,
            question__skipped=False,
            player__removed=False,
            player__unit__isnull=False,
        )
        .values(unit_code=F("player__unit__code"), unit_name=F("player__unit__name"))
        .annotate(players=Count("player", distinct=True), total=Sum("points"))
    )
    ranking = [{**r, "average": r["total"] / r["players"]} for r in rows]
    ranking.sort(key=lambda u: (-u["average"], -u["total"], u["unit_code"]))
    return ranking


def answered_count(*, contest: Contest) -> dict:
    """Answered n of N players on the current question, for the host's counter."""
    answered = ContestAnswer.objects.filter(
        contest=contest,
        question__position=contest.current_index,
        player__removed=False,
    ).count()
    players = Player.objects.filter(contest=contest, removed=False).count()
    return {"answered": answered, "players": players}


def option_counts(*, question: ContestQuestion) -> dict[str, int]:
    """How many players chose each option, for the bars after the reveal."""
    counts = dict.fromkeys((o["key"] for o in question.options), 0)
    rows = (
        ContestAnswer.objects.filter(question=question, player__removed=False)
        .values("choice")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        for key in row["choice"]:
            counts[key] = counts.get(key, 0) + row["n"]
    return counts
