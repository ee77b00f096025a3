"""Reads of a live contest: rankings, a player's own standing, the host's counters.

Everything is aggregated in the database. Skipped questions and removed players count
nowhere; "number correct" is kept beside the points, never folded into them.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import random
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Rank

from ..models.questions import QuestionKind, QuestionStatus, QuestionTag
from .models import Contest, ContestAnswer, ContestQuestion, Phase, Player

LEADERBOARD_SIZE = 20
# The lobby lists the latest joiners by name; beyond this the screen shows the count.
LOBBY_SIZE = 50
# A phone has room for the top few beside its own rank.
PLAYER_TOP = 5

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
    return _options_for(question=question, player_id=player.pk)


def _options_for(*, question: ContestQuestion, player_id: int) -> list[dict]:
    options = [{"key": o["key"], "text": o["text"]} for o in question.options]
    if question.kind == QuestionKind.TRUE_FALSE:
        return options
    seed = hmac.new(
        settings.SECRET_KEY.encode(),
        f"contest-options:{question.contest_id}:{question.pk}:{player_id}".encode(),
        hashlib.sha256,
    ).digest()
    pinned = {o["key"] for o in question.options if o.get("pin")}
    free = [o for o in options if o["key"] not in pinned]
    random.Random(seed).shuffle(free)  # noqa: S311 - an order, not a secret
    return free + [o for o in options if o["key"] in pinned]


def _common(*, contest: Contest, now: datetime, count: int | None = None) -> dict:
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
        "count": (
            ContestQuestion.objects.filter(contest=contest).count()
            if count is None
            else count
        ),
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
    question = _current(contest)
    answer = (
        ContestAnswer.objects.filter(question=question, player=player)
        .values(*_ANSWER_FIELDS)
        .first()
        if question is not None
        else None
    )
    return _player_view(
        contest=contest,
        question=question,
        count=None,
        me=player_standing(contest=contest, player=player),
        answer=answer,
        top=_player_top(contest),
        player_id=player.pk,
        now=now,
    )


# What a phone is told of its own answer once the question has closed.
_ANSWER_FIELDS = ("choice", "correct", "points", "bonus", "streak")
# The phases in which a phone shows the top players beside its own rank.
BOARD_PHASES = (Phase.LEADERBOARD, Phase.PODIUM)


def _player_top(contest: Contest) -> list[dict] | None:
    if contest.phase not in BOARD_PHASES:
        return None
    return leaderboard(contest=contest, limit=PLAYER_TOP)


def _player_view(
    *,
    contest: Contest,
    question: ContestQuestion | None,
    count: int | None,
    me: dict,
    answer: dict | None,
    top: list[dict] | None,
    player_id: int,
    now: datetime,
) -> dict:
    state = {"type": "state", **_common(contest=contest, now=now, count=count)}
    state["me"] = me
    if top is not None:
        state["leaderboard"] = top
    if question is None or question.skipped:
        return state
    shown = {"index": question.position, "kind": question.kind, "stem": question.stem}
    if contest.phase != Phase.READING:
        shown["options"] = _options_for(question=question, player_id=player_id)
    state["question"] = shown
    state["answer"] = {"choice": answer["choice"]} if answer else None
    if contest.phase in KEY_PHASES:
        shown["correct_keys"] = question.correct_keys
        shown["explanation"] = question.explanation
        if answer is not None:
            state["answer"].update(
                {k: answer[k] for k in _ANSWER_FIELDS if k != "choice"}
            )
    return state


def host_state(*, contest: Contest, now: datetime) -> dict:
    """What the projector shows now: PIN and players in the lobby, the question (the key
    only once closed), answered n/N, the bars per option after the reveal, the top 20
    and the unit ranking on the leaderboard and podium."""
    state = {"type": "state", "pin": contest.pin, **_common(contest=contest, now=now)}
    # The whole length of a timed phase, for the countdown bar (ends_in is what is left).
    state["phase_seconds"] = {
        Phase.READING: contest.reading_seconds,
        Phase.ANSWERING: contest.answer_seconds,
    }.get(contest.phase)
    players = Player.objects.filter(contest=contest, removed=False)
    state["players"] = players.count()
    if contest.phase == Phase.LOBBY:
        latest = list(
            players.order_by("-joined_at", "-pk").values(
                "pk", "display_name", "unit__name"
            )[:LOBBY_SIZE]
        )
        state["names"] = [p["display_name"] for p in latest]
        # With ids, so the host can remove a player from the lobby list.
        state["lobby"] = [
            {"id": p["pk"], "name": p["display_name"], "unit": p["unit__name"] or ""}
            for p in latest
        ]
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


# --- the fan-out of a phase change --------------------------------------------------


@dataclass(frozen=True)
class PhaseSnapshot:
    """What every phone's state after a phase change is made from, read once per
    server process in a fixed number of queries (phase_snapshot), so a hall of 500
    phones costs six queries per process and phase instead of seven to nine per
    phone. Each socket then makes its own player's state from it in memory
    (`state_for`)."""

    contest: Contest
    count: int
    question: ContestQuestion | None
    # player id → (points, number correct), players not removed
    standings: dict[int, tuple[int, int]]
    removed: frozenset[int]
    # player id → {"choice", "correct", "points", "bonus", "streak"} on the current
    # question
    answers: dict[int, dict]
    # the top PLAYER_TOP on the leaderboard and podium, else None
    top: list[dict] | None
    # every standing player's points, ascending, for ranks by bisection
    points: list[int] = field(default_factory=list)

    def knows(self, player_id: int) -> bool:
        """False for a player who joined after the snapshot was read: their state is
        read on its own (player_state)."""
        return player_id in self.standings or player_id in self.removed

    def is_removed(self, player_id: int) -> bool:
        return player_id in self.removed

    def state_for(self, *, player_id: int, now: datetime) -> dict:
        """The same state player_state returns for this player, without a query."""
        own_points, own_correct = self.standings[player_id]
        ahead = len(self.points) - bisect.bisect_right(self.points, own_points)
        me = {
            "rank": ahead + 1,
            "points": own_points,
            "correct": own_correct,
            "players": len(self.points),
        }
        return _player_view(
            contest=self.contest,
            question=self.question,
            count=self.count,
            me=me,
            answer=self.answers.get(player_id),
            top=self.top,
            player_id=player_id,
            now=now,
        )


def phase_snapshot(*, contest_id: int) -> PhaseSnapshot:
    """Six queries whatever the number of players and phase: the contest, its question
    count, the current question, every standing (with the names the top few need),
    the removed players and the answers to the current question."""
    contest = Contest.objects.get(pk=contest_id)
    count = ContestQuestion.objects.filter(contest=contest).count()
    question = _current(contest)
    rows = list(
        _standings(contest=contest).values(
            "pk", "points", "correct", "display_name", "unit__name", "joined_at"
        )
    )
    standings = {row["pk"]: (row["points"], row["correct"]) for row in rows}
    removed = frozenset(
        Player.objects.filter(contest=contest, removed=True).values_list(
            "pk", flat=True
        )
    )
    answers = (
        {
            row.pop("player_id"): row
            for row in ContestAnswer.objects.filter(question=question).values(
                "player_id", *_ANSWER_FIELDS
            )
        }
        if question is not None
        else {}
    )
    points = sorted(points for points, _correct in standings.values())
    return PhaseSnapshot(
        contest=contest,
        count=count,
        question=question,
        standings=standings,
        removed=removed,
        answers=answers,
        top=_top_of(rows, points) if contest.phase in BOARD_PHASES else None,
        points=points,
    )


def _top_of(rows: list[dict], points: list[int]) -> list[dict]:
    """The top PLAYER_TOP as `leaderboard` ranks them (points, then who joined first;
    equal points share a rank), from the standings already read instead of another
    aggregate query."""
    best = sorted(rows, key=lambda r: (-r["points"], r["joined_at"], r["pk"]))
    return [
        {
            "rank": len(points) - bisect.bisect_right(points, row["points"]) + 1,
            "player": row["pk"],
            "name": row["display_name"],
            "unit": row["unit__name"] or "",
            "points": row["points"],
            "correct": row["correct"],
        }
        for row in best[:PLAYER_TOP]
    ]


# --- results after (or during) a contest --------------------------------------------


def results_players(*, contest: Contest) -> list[dict]:
    """Every player not removed, best first: points, number correct, questions answered,
    answers flagged as too fast, and the rank (equal points share it)."""
    rows = (
        _standings(contest=contest)
        .annotate(
            answered=Count("answers", filter=_counted),
            fast=Count("answers", filter=_counted & Q(answers__flagged_fast=True)),
            rank=Window(Rank(), order_by=F("points").desc()),
        )
        .select_related("unit")
        .order_by("-points", "joined_at", "pk")
    )
    return [
        {
            "rank": p.rank,
            "player": p.pk,
            "name": p.display_name,
            "logged_in": p.user_id is not None,
            "unit_code": p.unit.code if p.unit else "",
            "unit": p.unit.name if p.unit else "",
            "points": p.points,
            "correct": p.correct,
            "answered": p.answered,
            "fast": p.fast,
        }
        for p in rows
    ]


def results_questions(*, contest: Contest) -> list[dict]:
    """Per question in play order: answers received, correct answers and the correct
    share of the answers received (None when nobody answered); skipped ones marked."""
    playing = Q(answers__player__removed=False)
    rows = (
        ContestQuestion.objects.filter(contest=contest)
        .annotate(
            answered=Count("answers", filter=playing),
            right=Count("answers", filter=playing & Q(answers__correct=True)),
        )
        .order_by("position")
    )
    return [
        {
            "number": q.position + 1,
            "code": q.question_code,
            "stem": q.stem,
            "correct_keys": q.correct_keys,
            "skipped": q.skipped,
            "answered": q.answered,
            "correct": q.right,
            "correct_rate": q.right / q.answered if q.answered else None,
        }
        for q in rows
    ]


def bank_tag_counts() -> list[tuple[str, int]]:
    """Each bank tag with its number of active questions, for choosing a contest's
    source; one query."""
    rows = (
        QuestionTag.objects.filter(content_object__status=QuestionStatus.ACTIVE)
        .values("tag__name")
        .annotate(n=Count("content_object_id", distinct=True))
        .order_by("tag__name")
    )
    return [(r["tag__name"], r["n"]) for r in rows]


def contests_for_host(*, user, is_administrator: bool):
    """The contests a host sees in the admin: their own, or every one for an
    administrator; newest first, with player and question counts."""
    contests = (
        Contest.objects.all() if is_administrator else Contest.objects.filter(host=user)
    )
    players = Player.objects.filter(contest=OuterRef("pk"), removed=False)
    questions = ContestQuestion.objects.filter(contest=OuterRef("pk"))
    return (
        contests.select_related("host", "source_quiz")
        .annotate(player_count=_count_of(players), question_count=_count_of(questions))
        .order_by("-created_at", "-pk")
    )


def _count_of(queryset):
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values(group=Value(1))
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def contest_activity_user_ids(*, start: datetime, end: datetime):
    """Ids of logged-in people who answered a contest question in [start, end), for
    learning participation (docs/metrics.md). Typed-name players have no person, so
    they count in the contest's own results only. Unordered, as SQLite wants inside a
    UNION."""
    return (
        ContestAnswer.objects.filter(
            received_at__gte=start,
            received_at__lt=end,
            player__user__isnull=False,
        )
        .order_by()
        .values_list("player__user_id", flat=True)
    )
