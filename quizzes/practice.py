"""Writes for 每日一练 (daily practice): the day's draw, answers, and completion.

A practice is a short set (PRACTICE_SIZE questions) of the bank's active questions, one
per learner per day (Asia/Shanghai). The draw takes, in this order:

1. new questions: never answered by this learner, in a practice or a submitted quiz;
2. questions whose latest practice answer was wrong, once that answer is at least
   `WRONG_AGAIN_AFTER` old, the oldest first;
3. then the rest of what the learner has seen, least recently answered first (a wrong
   answer younger than `WRONG_AGAIN_AFTER` waits).

Options are shuffled as in quizzes. The learner answers one question at a time and sees its feedback straight away; the key
of a question reaches the browser only after it is answered. Completing the day's set
awards the daily practice points once (points.services).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Random
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from points.models import Reason
from points.services import points_award

from .models import (
    AttemptItem,
    AttemptState,
    Practice,
    PracticeItem,
    Question,
    QuestionKind,
    QuestionStatus,
)
from .services import question_snapshot_options

PRACTICE_SIZE = 5
PRACTICE_TIMEZONE = ZoneInfo("Asia/Shanghai")
WRONG_AGAIN_AFTER = timedelta(days=1)
# Radio values are this keyed hash of (practice, position, option), never the bank's
# letter: the page source must not tell which option is which.
VALUE_SALT = "quizzes.practice-option"
VALUE_LENGTH = 16


class PracticeError(Exception):
    """The practice cannot go on (empty bank, no choice made); the message is for users."""


def practice_day(*, now: datetime | None = None) -> date:
    """The practice day of `now`: a calendar day in Asia/Shanghai."""
    return timezone.localdate(now or timezone.now(), timezone=PRACTICE_TIMEZONE)


def option_value(*, practice_id, position: int, key: str) -> str:
    """The opaque form value of bank option `key` at item `position` of a practice."""
    return salted_hmac(VALUE_SALT, f"{practice_id}:{position}:{key}").hexdigest()[
        :VALUE_LENGTH
    ]


def _eligible(*, user) -> QuerySet[Question]:
    questions = Question.objects.filter(status=QuestionStatus.ACTIVE)
    # As in quizzes: a question aimed at some unit kinds is only for people of those.
    kinds = Question.target_kinds.through.objects.filter(question_id=OuterRef("pk"))
    kind_id = user.unit.kind_id if getattr(user, "unit", None) else None
    return questions.filter(~Exists(kinds) | Exists(kinds.filter(unitkind_id=kind_id)))


def practice_draw(*, user, now: datetime, size: int = PRACTICE_SIZE) -> list[Question]:
    """The questions of a new practice, in the order described above (one query)."""
    answered = PracticeItem.objects.filter(
        practice__user=user, question=OuterRef("pk"), answered_at__isnull=False
    ).order_by("-answered_at")
    in_quiz = AttemptItem.objects.filter(
        attempt__user=user,
        attempt__state=AttemptState.SUBMITTED,
        question=OuterRef("pk"),
    )
    wait_until = now - WRONG_AGAIN_AFTER
    questions = (
        _eligible(user=user)
        .annotate(
            last_answered=Subquery(answered.values("answered_at")[:1]),
            last_correct=Subquery(answered.values("is_correct")[:1]),
            in_quiz=Exists(in_quiz),
        )
        .annotate(
            tier=Case(
                When(Q(last_answered__isnull=True, in_quiz=False), then=Value(1)),
                When(
                    Q(last_correct=False, last_answered__lte=wait_until), then=Value(2)
                ),
                When(Q(last_correct=False), then=Value(9)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .exclude(tier=9)
        .prefetch_related("options")
        .order_by("tier", F("last_answered").asc(nulls_first=True), Random())
    )
    return list(questions[:size])


def _snapshot(*, practice: Practice, position: int, question: Question) -> PracticeItem:
    options, correct = question_snapshot_options(question=question, shuffle=True)
    return PracticeItem(
        practice=practice,
        position=position,
        question=question,
        kind=question.kind,
        stem=question.stem,
        options=options,
        correct_keys=correct,
        explanation=question.explanation,
        rule=question.rule_citation,
        lesson_id=question.lesson_id,
    )


def practice_start(*, user, now: datetime | None = None) -> Practice:
    """Today's practice of `user`: the one already drawn, or a new draw.

    One per person and day is a database constraint: when two requests draw at once,
    the loser returns the winner's practice.
    """
    now = now or timezone.now()
    day = practice_day(now=now)
    existing = Practice.objects.filter(user=user, day=day).first()
    if existing is not None:
        return existing
    questions = practice_draw(user=user, now=now)
    if not questions:
        raise PracticeError(_("题库里暂时没有可练习的题目。"))
    try:
        with transaction.atomic():
            practice = Practice.objects.create(
                user=user,
                unit_id=user.unit_id,
                day=day,
                started_at=now,
                question_count=len(questions),
            )
            PracticeItem.objects.bulk_create(
                _snapshot(practice=practice, position=i, question=q)
                for i, q in enumerate(questions, start=1)
            )
    except IntegrityError:
        winner = Practice.objects.filter(user=user, day=day).first()
        if winner is None:
            raise
        return winner
    return practice


@dataclass(frozen=True)
class AnswerResult:
    item: PracticeItem
    completed: bool
    points: int = 0


def _chosen_keys(*, item: PracticeItem, practice_id, values: Sequence[str]) -> str:
    by_value = {
        option_value(practice_id=practice_id, position=item.position, key=o["key"]): o[
            "key"
        ]
        for o in item.options
    }
    keys = sorted({by_value[v] for v in values if v in by_value})
    if item.kind != QuestionKind.MULTIPLE and len(keys) != 1:
        return ""
    return "".join(keys)


def practice_answer(
    *,
    practice: Practice,
    position: int,
    values: Sequence[str],
    now: datetime | None = None,
) -> AnswerResult:
    """Record the answer to one item (form values → option keys) and, with the last
    item, complete the practice and award its points.

    Idempotent: an item keeps its first answer; answering it again changes nothing.
    """
    now = now or timezone.now()
    item = PracticeItem.objects.filter(practice=practice, position=position).first()
    if item is None:
        raise PracticeError(_("这道题不在今天的练习里。"))
    chosen = _chosen_keys(item=item, practice_id=practice.pk, values=values)
    if not chosen and item.answered_at is None:
        raise PracticeError(_("请先选择答案。"))
    with transaction.atomic():
        PracticeItem.objects.filter(pk=item.pk, answered_at__isnull=True).update(
            chosen_keys=chosen,
            is_correct=chosen == item.correct_keys,
            answered_at=now,
        )
        item.refresh_from_db()
        counts = PracticeItem.objects.filter(practice=practice).aggregate(
            open=Count("pk", filter=Q(answered_at__isnull=True)),
            correct=Count("pk", filter=Q(is_correct=True)),
        )
        if counts["open"]:
            return AnswerResult(item=item, completed=False)
        completed = Practice.objects.filter(
            pk=practice.pk, completed_at__isnull=True
        ).update(completed_at=now, correct_count=counts["correct"])
        points = 0
        if completed:
            points = points_award(
                user_id=practice.user_id,
                reason=Reason.DAILY_PRACTICE,
                key=practice.day.isoformat(),
                now=now,
            )
    practice.refresh_from_db()
    return AnswerResult(item=item, completed=True, points=points)
