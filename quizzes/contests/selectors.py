"""Reads of a live contest: rankings, a player's own standing, the host's counters.

Everything is aggregated in the database. Skipped questions and removed players count
nowhere; "number correct" is kept beside the points, never folded into them.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime

from django.conf import settings
from django.db.models import Count, F, IntegerField, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, Rank

from ..models.questions import QuestionKind
from .models import Contest, ContestAnswer, ContestQuestion, Phase, Player

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


# --- what each screen is sent -------------------------------------------------------

# The key and the explanation are shown from these phases on, never before.
KEY_PHASES = (Phase.REVEAL, Phase.LEADERBOARD, Phase.PODIUM)


def options_for_player(*, question: ContestQuestion, player: Player) -> list[dict]:
    """The question's options in this player's own order, without the key: the same
    order on every reconnect (seeded by a keyed hash), a different one for each
    player, so a neighbour's screen gives nothing away. 对/错 and pinned options keep
    their place."""
    options = [{"key": o["key"], "text": o["text"]} for o in question.options]
    if question.kind == QuestionKind.TRUE_FALSE:
        return options
    seed = hmac.new(
        settings.SECRET_KEY.encode(),
        f"contest-options:{question.contest_id}:{question.pk}:{player.pk}".encode(),
        hashlib.sha256,
    ).digest()
    pinned = {o["key"] for o in question.options if o.get("pin")}
    free = [o for o in options if o["key"] not in pinned]
    random.Random(seed).shuffle(free)  # noqa: S311 - an order, not a secret
    return free + [o for o in options if o["key"] in pinned]


def _common(*, contest: Contest, now: datetime) -> dict:
    ends_in = None
    if contest.phase_ends_at is not None:
        # Relative to the server's clock: a phone's own clock may be minutes off.
        until = contest.paused_at or now
        ends_in = max(0.0, (contest.phase_ends_at - until).total_seconds())
    return {
        "contest": contest.pk,
        "title": contest.title,
        "phase": contest.phase,
        "paused": contest.paused_at is not None,
        "index": contest.current_index,
        "count": ContestQuestion.objects.filter(contest=contest).count(),
        "answer_seconds": contest.answer_seconds,
        "ends_in": ends_in,
    }


def _current(contest: Contest) -> ContestQuestion | None:
    if contest.phase == Phase.LOBBY:
        return None
    return ContestQuestion.objects.filter(
        contest=contest, position=contest.current_index
    ).first()


def player_state(*, contest: Contest, player: Player, now: datetime) -> dict:
    """Everything a phone shows now: the phase, the question (its options in this
    player's order once answering opens), the player's own answer and standing, and —
    only once the question has closed — the key and the explanation."""
    state = {"type": "state", **_common(contest=contest, now=now)}
    state["me"] = player_standing(contest=contest, player=player)
    question = _current(contest)
    if question is None or question.skipped:
        return state
    shown = {"index": question.position, "kind": question.kind, "stem": question.stem}
    if contest.phase != Phase.READING:
        shown["options"] = options_for_player(question=question, player=player)
    state["question"] = shown
    answer = ContestAnswer.objects.filter(question=question, player=player).first()
    state["answer"] = {"choice": answer.choice} if answer else None
    if contest.phase in KEY_PHASES:
        shown["correct_keys"] = question.correct_keys
        shown["explanation"] = question.explanation
        if answer is not None:
            state["answer"].update(correct=answer.correct, points=answer.points)
    return state


def host_state(*, contest: Contest, now: datetime) -> dict:
    """What the projector shows now: PIN and players in the lobby, the question (the key
    only once closed), answered n/N, the bars per option after the reveal, the top 20
    and the unit ranking on the leaderboard and podium."""
    state = {"type": "state", "pin": contest.pin, **_common(contest=contest, now=now)}
    players = Player.objects.filter(contest=contest, removed=False)
    state["players"] = players.count()
    if contest.phase == Phase.LOBBY:
        state["names"] = list(
            players.order_by("-joined_at").values_list("display_name", flat=True)[:50]
        )
    question = _current(contest)
    if question is not None:
        state["question"] = {
            "index": question.position,
            "kind": question.kind,
            "stem": question.stem,
            "options": [{"key": o["key"], "text": o["text"]} for o in question.options],
            "skipped": question.skipped,
        }
        state["answered"] = answered_count(contest=contest)["answered"]
        if contest.phase in KEY_PHASES:
            state["question"].update(
                correct_keys=question.correct_keys,
                explanation=question.explanation,
                rule=question.rule,
            )
            state["option_counts"] = option_counts(question=question)
    if contest.phase in (Phase.LEADERBOARD, Phase.PODIUM):
        state["leaderboard"] = leaderboard(contest=contest)
        state["units"] = unit_ranking(contest=contest)
    return state
