"""Writes of a live contest: create, the host's controls, joining and answering.

Every phase change is a compare-and-set on the contest row (`UPDATE … WHERE phase = …
AND current_index = …`): two server processes, or a host's double click racing the
countdown, can never both move the contest on. Answers are inserts under the unique
constraint; the database, not a list in memory, decides which answer was first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Role, Unit
from units.permissions import role_of

from ..models.pages import QuizPage
from ..models.questions import OPTION_KEYS, Question, QuestionKind, QuestionStatus
from ..services import _draw_questions
from . import live, scoring
from .models import LIVE_PHASES, Contest, ContestAnswer, ContestQuestion, Phase, Player

HOST_ROLES = (Role.EDITOR, Role.UNIT_MANAGER, Role.ADMINISTRATOR)
PIN_ATTEMPTS = 20
# A round trip longer than this is a bad network or a phone holding back its pongs to
# gain time; either way no more than half of it is taken off an answer.
RTT_CAP = timedelta(seconds=2)
TOKEN_SALT = "quizzes.contests.player"  # noqa: S105 - a signing salt, not a secret
# A token outlives any contest day, not the contest's records.
TOKEN_MAX_AGE = 2 * 24 * 3600

_random = random.SystemRandom()


class ContestError(Exception):
    """The request cannot be done now; `code` is stable for clients, the message is
    for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class AnswerRejected(ContestError):
    pass


@dataclass(frozen=True)
class Joined:
    player: Player
    token: str
    rejoined: bool


# --- hosting ------------------------------------------------------------------------


def can_host(user) -> bool:
    return role_of(user) in HOST_ROLES


def can_control(*, contest: Contest, user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR or (
        can_host(user) and contest.host_id == user.pk
    )


def _require_host(*, contest: Contest, user) -> None:
    if not can_control(contest=contest, user=user):
        raise ContestError("forbidden", _("只有本场竞赛的主持人可以操作。"))


def _tag_questions(*, tag: str, count: int) -> list[Question]:
    questions = Question.objects.filter(status=QuestionStatus.ACTIVE).filter(
        Exists(
            Question.tags.through.objects.filter(
                content_object_id=OuterRef("pk"), tag__name=tag
            )
        )
    )
    return list(questions.prefetch_related("options").order_by("?")[:count])


def _snapshot(
    *, contest: Contest, position: int, question: Question
) -> ContestQuestion:
    options = [
        {"key": OPTION_KEYS[i], "text": o.text, "pin": o.pin_last}
        for i, o in enumerate(question.options.all())
    ]
    correct = "".join(
        OPTION_KEYS[i] for i, o in enumerate(question.options.all()) if o.is_correct
    )
    return ContestQuestion(
        contest=contest,
        position=position,
        question=question,
        question_code=question.code,
        kind=question.kind,
        stem=question.stem_text,
        options=options,
        correct_keys=correct,
        explanation=question.explanation,
        rule=question.rule_citation,
    )


def source_questions(
    *, quiz: QuizPage | None, tag: str, question_count: int
) -> list[Question]:
    """The questions a contest from this source would get: a quiz's questions as the quiz
    would draw them, or up to `question_count` active questions of a bank tag."""
    if quiz is not None:
        # No person's unit kind: questions aimed at some kinds stay out of a mixed hall.
        return _draw_questions(quiz=quiz, user=None)
    return _tag_questions(tag=tag, count=question_count)


def source_question_count(
    *, quiz: QuizPage | None = None, tag: str = "", question_count: int = 10
) -> int:
    """How many questions a contest from this source would get, for the create form to
    show before the host commits to it. Drawn the same way as `contest_create` draws, so
    the number shown is the number played (a random quiz: its draw count, or fewer when
    the bank holds fewer)."""
    return len(source_questions(quiz=quiz, tag=tag, question_count=question_count))


def _new_pin() -> str:
    return f"{_random.randrange(10**6):06d}"


def contest_create(
    *,
    host,
    title: str,
    quiz: QuizPage | None = None,
    tag: str = "",
    question_count: int = 10,
    answer_seconds: int = 20,
    reading_seconds: int = 5,
    streak_bonus: bool = True,
    late_join_until: int = 0,
) -> Contest:
    """A contest in the lobby with its questions copied from a quiz or a bank tag, and a
    6-digit PIN no other live contest holds."""
    if not can_host(host):
        raise ContestError("forbidden", _("只有内容编辑或单元管理员可以主持竞赛。"))
    if (quiz is None) == (not tag):
        raise ContestError("source", _("请选择一个测验或一个题库标签。"))
    questions = source_questions(quiz=quiz, tag=tag, question_count=question_count)
    if not questions:
        raise ContestError("empty", _("所选测验或标签下没有启用的题目。"))
    if late_join_until > len(questions):
        raise ContestError(
            "late_join",
            _("迟到加入的题号不能超过题目数（%(count)s 题）。")
            % {"count": len(questions)},
        )
    for _attempt in range(PIN_ATTEMPTS):
        try:
            with transaction.atomic():
                contest = Contest.objects.create(
                    title=title,
                    source_quiz=quiz,
                    source_tag=tag,
                    host=host,
                    pin=_new_pin(),
                    answer_seconds=answer_seconds,
                    reading_seconds=reading_seconds,
                    streak_bonus=streak_bonus,
                    late_join_until=late_join_until,
                )
                ContestQuestion.objects.bulk_create(
                    _snapshot(contest=contest, position=i, question=q)
                    for i, q in enumerate(questions)
                )
                return contest
        except IntegrityError:
            # Another live contest drew the same PIN: draw again.
            continue
    raise ContestError("pin", _("暂时无法分配房间码，请稍后再试。"))


def contest_by_pin(*, pin: str) -> Contest | None:
    return Contest.objects.filter(pin=pin, phase__in=LIVE_PHASES).first()


def _question_count(contest: Contest) -> int:
    return ContestQuestion.objects.filter(contest=contest).count()


def _move(
    *,
    contest: Contest,
    to: str,
    index: int | None = None,
    now: datetime,
    expect: dict | None = None,
    **fields,
) -> Contest:
    """Compare-and-set the contest from the phase and index it was read with to `to`
    (and whatever else `expect` names). Raises `stale` when someone else moved it
    first."""
    index = contest.current_index if index is None else index
    ends_at = None
    if to == Phase.READING and contest.reading_seconds:
        ends_at = now + timedelta(seconds=contest.reading_seconds)
    elif to == Phase.ANSWERING:
        ends_at = now + contest.answer_time
    values = {
        "phase": to,
        "current_index": index,
        "phase_started_at": now,
        "phase_ends_at": ends_at,
        "paused_at": None,
        **fields,
    }
    with transaction.atomic():
        moved = Contest.objects.filter(
            pk=contest.pk,
            phase=contest.phase,
            current_index=contest.current_index,
            **(expect or {}),
        ).update(**values)
        if not moved:
            raise ContestError("stale", _("竞赛状态已变化，请刷新。"))
        question = ContestQuestion.objects.filter(contest=contest, position=index)
        if to == Phase.ANSWERING:
            question.update(opened_at=now, closed_at=ends_at)
        elif contest.phase == Phase.ANSWERING:
            # Closed now, whether the countdown ran out or the host moved on early.
            ContestQuestion.objects.filter(
                contest=contest, position=contest.current_index, closed_at__gt=now
            ).update(closed_at=now)
        live.phase_changed_after_commit(contest_id=contest.pk, phase=to, index=index)
    for name, value in values.items():
        setattr(contest, name, value)
    return contest


def _reading_or_podium(*, contest: Contest, index: int, now: datetime) -> Contest:
    if index >= _question_count(contest):
        return _move(contest=contest, to=Phase.PODIUM, now=now, ended_at=now)
    return _move(contest=contest, to=Phase.READING, index=index, now=now)


def contest_start(*, contest: Contest, user, now: datetime | None = None) -> Contest:
    _require_host(contest=contest, user=user)
    if contest.phase != Phase.LOBBY:
        raise ContestError("phase", _("竞赛已经开始。"))
    now = now or timezone.now()
    contest = _move(contest=contest, to=Phase.READING, index=0, now=now, started_at=now)
    if contest.reading_seconds == 0:
        contest = _move(contest=contest, to=Phase.ANSWERING, now=now)
    return contest


_NEXT = {
    Phase.READING: Phase.ANSWERING,
    Phase.ANSWERING: Phase.REVEAL,
    Phase.REVEAL: Phase.LEADERBOARD,
}


def contest_next(*, contest: Contest, user, now: datetime | None = None) -> Contest:
    """The host's 下一步: reading → answering → reveal → leaderboard → the next
    question's reading, or the podium after the last question."""
    _require_host(contest=contest, user=user)
    now = now or timezone.now()
    if contest.phase == Phase.LOBBY:
        return contest_start(contest=contest, user=user, now=now)
    if contest.phase == Phase.PODIUM:
        raise ContestError("phase", _("竞赛已经结束。"))
    if contest.phase == Phase.LEADERBOARD:
        return _reading_or_podium(
            contest=contest, index=contest.current_index + 1, now=now
        )
    return _move(contest=contest, to=_NEXT[contest.phase], now=now)


def contest_tick(*, contest: Contest, now: datetime | None = None) -> Contest:
    """Move on from a timed phase once its time is up (or, while answering, once every
    player has answered). Every process with a socket of the contest calls it a few
    times a second; only one move succeeds. The move also requires the contest to be
    unpaused with the deadline it was read with, so a tick read just before the host
    paused (or resumed, which moves the deadline) cannot end the phase early."""
    now = now or timezone.now()
    if contest.paused_at is not None or contest.phase not in (
        Phase.READING,
        Phase.ANSWERING,
    ):
        return contest
    due = contest.phase_ends_at is not None and contest.phase_ends_at <= now
    if not due and contest.phase == Phase.ANSWERING:
        players = Player.objects.filter(contest=contest, removed=False).count()
        answered = ContestAnswer.objects.filter(
            contest=contest,
            question__position=contest.current_index,
            player__removed=False,
        ).count()
        due = players > 0 and answered >= players
    if not due:
        return contest
    try:
        return _move(
            contest=contest,
            to=_NEXT[contest.phase],
            now=now,
            expect={"paused_at__isnull": True, "phase_ends_at": contest.phase_ends_at},
        )
    except ContestError:
        return Contest.objects.get(pk=contest.pk)


def contest_pause(*, contest: Contest, user, now: datetime | None = None) -> Contest:
    """Freeze the countdown; answers wait until the host resumes."""
    _require_host(contest=contest, user=user)
    if contest.phase == Phase.PODIUM or contest.paused_at is not None:
        raise ContestError("phase", _("现在不能暂停。"))
    now = now or timezone.now()
    moved = Contest.objects.filter(
        pk=contest.pk, phase=contest.phase, paused_at__isnull=True
    ).update(paused_at=now)
    if not moved:
        raise ContestError("stale", _("竞赛状态已变化，请刷新。"))
    contest.paused_at = now
    live.phase_changed_after_commit(
        contest_id=contest.pk, phase=contest.phase, index=contest.current_index
    )
    return contest


def contest_resume(*, contest: Contest, user, now: datetime | None = None) -> Contest:
    """Go on from the pause: the countdown and the question's open time move by the
    pause, so nobody's answer time counts the minutes the hall waited."""
    _require_host(contest=contest, user=user)
    if contest.paused_at is None:
        raise ContestError("phase", _("竞赛没有暂停。"))
    now = now or timezone.now()
    shift = now - contest.paused_at
    ends_at = contest.phase_ends_at + shift if contest.phase_ends_at else None
    with transaction.atomic():
        moved = Contest.objects.filter(
            pk=contest.pk, phase=contest.phase, paused_at=contest.paused_at
        ).update(paused_at=None, phase_ends_at=ends_at)
        if not moved:
            raise ContestError("stale", _("竞赛状态已变化，请刷新。"))
        if contest.phase == Phase.ANSWERING:
            question = ContestQuestion.objects.get(
                contest=contest, position=contest.current_index
            )
            question.opened_at += shift
            question.closed_at = ends_at
            question.save(update_fields=["opened_at", "closed_at"])
        live.phase_changed_after_commit(
            contest_id=contest.pk, phase=contest.phase, index=contest.current_index
        )
    contest.paused_at, contest.phase_ends_at = None, ends_at
    return contest


def contest_skip(*, contest: Contest, user, now: datetime | None = None) -> Contest:
    """Drop the current question (a mistake in it, a broken projector): it scores
    nothing, breaks no streak, and play goes on with the next one."""
    _require_host(contest=contest, user=user)
    if contest.phase not in (Phase.READING, Phase.ANSWERING):
        raise ContestError("phase", _("只能跳过正在进行的题目。"))
    now = now or timezone.now()
    with transaction.atomic():
        ContestQuestion.objects.filter(
            contest=contest, position=contest.current_index
        ).update(skipped=True)
        return _reading_or_podium(
            contest=contest, index=contest.current_index + 1, now=now
        )


def contest_end(*, contest: Contest, user, now: datetime | None = None) -> Contest:
    _require_host(contest=contest, user=user)
    if contest.phase == Phase.PODIUM:
        raise ContestError("phase", _("竞赛已经结束。"))
    now = now or timezone.now()
    return _move(contest=contest, to=Phase.PODIUM, now=now, ended_at=now)


def player_remove(*, contest: Contest, user, player: Player) -> Player:
    """Take a player out (an offensive name, a second phone): they can no longer answer
    or rejoin, and leave every ranking; their stored answers stay for the record."""
    _require_host(contest=contest, user=user)
    if player.contest_id != contest.pk:
        raise ContestError("player", _("没有这位选手。"))
    with transaction.atomic():
        Player.objects.filter(pk=player.pk).update(removed=True)
        # Everyone re-reads: the removed phone learns it at once, the host's lists and
        # counts drop the player. Not a phase change; removals are rare.
        live.phase_changed_after_commit(
            contest_id=contest.pk, phase=contest.phase, index=contest.current_index
        )
    player.removed = True
    return player


# --- players ------------------------------------------------------------------------


def join_open(*, contest: Contest) -> bool:
    """In the lobby, and through question `late_join_until` (1-based) once started."""
    if contest.phase == Phase.LOBBY:
        return True
    return contest.phase != Phase.PODIUM and (
        contest.current_index + 1 <= contest.late_join_until
    )


def player_token(*, player: Player) -> str:
    return signing.dumps({"c": player.contest_id, "p": player.pk}, salt=TOKEN_SALT)


def player_from_token(*, contest: Contest, token: str) -> Player | None:
    """The player a token was given to, in this contest, unless removed."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != contest.pk:
        return None
    return Player.objects.filter(
        pk=data.get("p"), contest=contest, removed=False
    ).first()


def player_join(
    *,
    contest: Contest,
    user=None,
    display_name: str = "",
    unit: Unit | None = None,
    now: datetime | None = None,
) -> Joined:
    """Join, or rejoin: a logged-in person always gets their own player back (with
    their score), even after joining has closed; a guest gives a name and a unit."""
    authenticated = user is not None and user.is_authenticated
    if authenticated:
        existing = Player.objects.filter(contest=contest, user=user).first()
        if existing is not None:
            if existing.removed:
                raise ContestError("removed", _("你已被主持人移出本场竞赛。"))
            return Joined(existing, player_token(player=existing), rejoined=True)
    if not join_open(contest=contest):
        raise ContestError("locked", _("本场竞赛已停止加入。"))
    if authenticated:
        display_name = user.get_full_name()
        unit = user.unit
    else:
        display_name = " ".join(display_name.split())[:32]
        if not display_name:
            raise ContestError("name", _("请填写姓名或昵称。"))
        if unit is None:
            raise ContestError("unit", _("请选择所在单元。"))
    try:
        with transaction.atomic():
            player = Player.objects.create(
                contest=contest,
                user=user if authenticated else None,
                display_name=display_name,
                unit=unit,
                joined_at=now or timezone.now(),
            )
            live.host_refresh_after_commit(
                contest_id=contest.pk, phase=contest.phase, index=contest.current_index
            )
    except IntegrityError:
        # The same person joined from a second tab at the same moment.
        player = Player.objects.get(contest=contest, user=user)
        return Joined(player, player_token(player=player), rejoined=True)
    return Joined(player, player_token(player=player), rejoined=False)


def player_set_rtt(*, player: Player, rtt: timedelta) -> Player:
    rtt = max(timedelta(0), min(rtt, RTT_CAP))
    Player.objects.filter(pk=player.pk).update(rtt=rtt)
    player.rtt = rtt
    return player


def _clean_choice(*, question: ContestQuestion, choice: str) -> str:
    keys = {o["key"] for o in question.options}
    chosen = sorted(set(choice or ""))
    if not chosen or not set(chosen) <= keys:
        raise AnswerRejected("invalid", _("请选择一个选项。"))
    if question.kind != QuestionKind.MULTIPLE and len(chosen) != 1:
        raise AnswerRejected("invalid", _("本题只能选一个选项。"))
    return "".join(chosen)


def _streak_before(*, question: ContestQuestion, player: Player) -> int:
    """The player's run of correct answers up to the previous played question; a
    skipped question is passed over, an unanswered one ends the run. One query: the
    previous played question with the player's streak on it."""
    previous = (
        ContestQuestion.objects.filter(
            contest_id=question.contest_id,
            position__lt=question.position,
            skipped=False,
        )
        .order_by("-position")
        .annotate(
            player_streak=Subquery(
                ContestAnswer.objects.filter(
                    question=OuterRef("pk"), player=player
                ).values("streak")[:1]
            )
        )
        .values_list("player_streak", flat=True)
        .first()
    )
    return previous or 0


def answer_submit(
    *,
    contest_id: int,
    player: Player,
    position: int,
    choice: str,
    received_at: datetime,
) -> ContestAnswer:
    """Store one answer to the current question, timed by `received_at` (the server's
    clock when the message arrived). Rejects closed and non-current questions, removed
    players, a paused contest and second answers."""
    contest = Contest.objects.get(pk=contest_id)
    if (
        player.contest_id != contest.pk
        or Player.objects.filter(pk=player.pk, removed=True).exists()
    ):
        raise AnswerRejected("removed", _("你已被主持人移出本场竞赛。"))
    if contest.phase != Phase.ANSWERING or position != contest.current_index:
        raise AnswerRejected("closed", _("本题已停止作答。"))
    if contest.paused_at is not None:
        raise AnswerRejected("paused", _("竞赛已暂停。"))
    question = ContestQuestion.objects.get(contest=contest, position=position)
    if (
        question.skipped
        or question.closed_at is None
        or received_at > question.closed_at
    ):
        raise AnswerRejected("closed", _("本题已停止作答。"))
    chosen = _clean_choice(question=question, choice=choice)
    correct = chosen == question.correct_keys
    t = scoring.corrected_time(
        received_at=received_at,
        opened_at=question.opened_at,
        rtt=player.rtt,
        T=contest.answer_seconds,
    )
    streak = _streak_before(question=question, player=player) + 1 if correct else 0
    counted = streak if contest.streak_bonus else 0
    points = scoring.contest_points(
        correct=correct, t=t, T=contest.answer_seconds, streak=counted
    )
    try:
        with transaction.atomic():
            return ContestAnswer.objects.create(
                contest=contest,
                question=question,
                player=player,
                received_at=received_at,
                choice=chosen,
                correct=correct,
                answer_time=t,
                points=points,
                bonus=scoring.streak_bonus(streak=counted) if correct else 0,
                streak=streak,
                flagged_fast=scoring.is_fast(t=t),
            )
    except IntegrityError:
        raise AnswerRejected("duplicate", _("每题只能作答一次。")) from None
