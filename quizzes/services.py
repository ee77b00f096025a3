"""Writes for quizzes: starting, submitting and expiring attempts, and saving questions.

Scoring rules: every question is worth the same; a multiple-choice question is correct only
when exactly its correct set is chosen; an unanswered question is wrong. A submission
arriving after the deadline plus `GRACE` is not counted: the attempt is closed as expired.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from points.models import Reason
from points.services import points_award

from .models import (
    Attempt,
    AttemptChoice,
    AttemptItem,
    AttemptState,
    Question,
    QuestionKind,
    QuestionStatus,
    QuizPage,
    QuizQuestion,
    SelectionMode,
)
from .models.questions import OPTION_KEYS

# Network latency and a slow phone should not cost a learner their answers.
GRACE = timedelta(seconds=30)

_shuffler = random.SystemRandom()


class AttemptError(Exception):
    """The attempt cannot start (limit reached, no questions); the message is for users."""


def _draw_questions(*, quiz: QuizPage, user) -> list[Question]:
    if quiz.mode == SelectionMode.FIXED:
        links = (
            QuizQuestion.objects.filter(
                page=quiz, question__status=QuestionStatus.ACTIVE
            )
            .select_related("question")
            .prefetch_related("question__options")
            .order_by("sort_order", "pk")
        )
        return [link.question for link in links]
    questions = Question.objects.filter(status=QuestionStatus.ACTIVE)
    if quiz.draw_tag:
        questions = questions.filter(
            Exists(
                Question.tags.through.objects.filter(
                    content_object_id=OuterRef("pk"), tag__name=quiz.draw_tag
                )
            )
        )
    if quiz.draw_difficulty:
        questions = questions.filter(difficulty=quiz.draw_difficulty)
    # A question aimed at some unit kinds is drawn only for people of those kinds.
    kinds = Question.target_kinds.through.objects.filter(question_id=OuterRef("pk"))
    kind_id = user.unit.kind_id if getattr(user, "unit", None) else None
    questions = questions.filter(
        ~Exists(kinds) | Exists(kinds.filter(unitkind_id=kind_id))
    )
    return list(questions.prefetch_related("options").order_by("?")[: quiz.draw_count])


def shuffled_options(options: list, *, pinned) -> list:
    """A random order of `options` with the pinned ones (以上都对…) kept last, in their
    own order."""
    free = [o for o in options if not pinned(o)]
    _shuffler.shuffle(free)
    return free + [o for o in options if pinned(o)]


def question_snapshot_options(
    *, question: Question, shuffle: bool
) -> tuple[list[dict], str]:
    """What an attempt, a daily practice or a contest keeps of a bank question's options:
    `(options, correct_keys)`, each option `{"key", "text", "feedback"}` in the order
    shown, keys being the bank's letters. Shuffled when asked, so letters say nothing
    about the key — except that 对 stays before 错 (a shuffled true/false pair only
    confuses, it hides nothing) and pinned options (以上都对) stay last."""
    options = [
        {
            "key": OPTION_KEYS[i],
            "text": o.text,
            "feedback": o.feedback,
            "correct": o.is_correct,
            "pin": o.pin_last,
        }
        for i, o in enumerate(question.options.all())
    ]
    correct = "".join(o["key"] for o in options if o["correct"])
    if shuffle and question.kind != QuestionKind.TRUE_FALSE:
        options = shuffled_options(options, pinned=lambda o: o["pin"])
    return [{k: o[k] for k in ("key", "text", "feedback")} for o in options], correct


def _snapshot(*, attempt: Attempt, position: int, question: Question, shuffle: bool):
    options, correct = question_snapshot_options(question=question, shuffle=shuffle)
    return AttemptItem(
        attempt=attempt,
        position=position,
        question=question,
        question_code=question.code,
        kind=question.kind,
        stem=question.stem,
        image_id=question.image_id,
        options=options,
        correct_keys=correct,
        explanation=question.explanation,
        rule=question.rule_citation,
        lesson_id=question.lesson_id,
    )


def attempt_expire_if_due(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Close an open attempt whose deadline (plus grace) has passed; nothing is scored."""
    now = now or timezone.now()
    if attempt.is_open and attempt.deadline and now > attempt.deadline + GRACE:
        Attempt.objects.filter(pk=attempt.pk, state=AttemptState.IN_PROGRESS).update(
            state=AttemptState.EXPIRED, score=0
        )
        attempt.refresh_from_db()
    return attempt


def attempt_start(*, quiz: QuizPage, user, now: datetime | None = None) -> Attempt:
    """Resume the person's open attempt, or start a new one if the limit allows."""
    now = now or timezone.now()
    open_attempt = Attempt.objects.filter(
        quiz=quiz, user=user, state=AttemptState.IN_PROGRESS
    ).first()
    if open_attempt is not None:
        open_attempt = attempt_expire_if_due(attempt=open_attempt, now=now)
        if open_attempt.is_open:
            return open_attempt
    used = Attempt.objects.filter(quiz=quiz, user=user).count()
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise AttemptError(
            _("本测验最多可作答 %(n)s 次，你已用完。") % {"n": quiz.max_attempts}
        )
    questions = _draw_questions(quiz=quiz, user=user)
    if not questions:
        raise AttemptError(_("本测验暂时没有可用的题目。"))
    deadline = (
        now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes
        else None
    )
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                quiz=quiz,
                user=user,
                unit_id=user.unit_id,
                number=used + 1,
                started_at=now,
                deadline=deadline,
                question_count=len(questions),
            )
            AttemptItem.objects.bulk_create(
                _snapshot(
                    attempt=attempt,
                    position=i,
                    question=q,
                    shuffle=quiz.shuffle_options,
                )
                for i, q in enumerate(questions, start=1)
            )
    except IntegrityError:
        # The same person pressed "start" twice at once and the other request won
        # (one open attempt per person and quiz is a database constraint): resume it.
        winner = Attempt.objects.filter(
            quiz=quiz, user=user, state=AttemptState.IN_PROGRESS
        ).first()
        if winner is None:
            raise
        return winner
    return attempt


class AnswerError(Exception):
    """A posted value matches no option of its question (forged or from another
    attempt); `positions` lists the items concerned."""

    def __init__(self, positions: list[int]):
        super().__init__(positions)
        self.positions = positions


def attempt_answers_from_form(
    *, attempt: Attempt, posted: Mapping[int, Sequence[str]]
) -> dict[int, list[str]]:
    """Map the form's opaque values (item position → values) back to bank option keys.

    Raises AnswerError naming every item with a value that is not one of its options.
    """
    answers: dict[int, list[str]] = {}
    bad = []
    for item in attempt.items.all():
        keys = item.keys_by_token()
        values = [v for v in posted.get(item.position, ()) if v]
        if any(v not in keys for v in values):
            bad.append(item.position)
        answers[item.position] = [keys[v] for v in values if v in keys]
    if bad:
        raise AnswerError(bad)
    return answers


def _clean_choice(item: AttemptItem, chosen: Sequence[str]) -> str:
    valid = {o["key"] for o in item.options}
    keys = sorted({k for k in chosen if k in valid})
    if item.kind != "multiple":
        keys = keys[:1] if len(keys) == 1 else []
    return "".join(keys)


def attempt_submit(
    *,
    attempt: Attempt,
    answers: Mapping[int, Sequence[str]],
    now: datetime | None = None,
) -> Attempt:
    """Score and close an attempt. `answers` maps item position → chosen option keys.

    Idempotent: only the request that moves the attempt out of "in progress" writes; a
    repeated submission returns the attempt as first stored.
    """
    now = now or timezone.now()
    late = bool(attempt.deadline and now > attempt.deadline + GRACE)
    with transaction.atomic():
        claimed = Attempt.objects.filter(
            pk=attempt.pk, state=AttemptState.IN_PROGRESS
        ).update(
            state=AttemptState.EXPIRED if late else AttemptState.SUBMITTED,
            submitted_at=None if late else now,
            score=0 if late else None,
        )
        if not claimed or late:
            attempt.refresh_from_db()
            return attempt
        items = list(attempt.items.all())
        choices = []
        correct = 0
        for item in items:
            item.chosen_keys = _clean_choice(item, answers.get(item.position, ()))
            item.is_correct = item.chosen_keys == item.correct_keys
            correct += item.is_correct
            choices += [AttemptChoice(item=item, key=k) for k in item.chosen_keys]
        AttemptItem.objects.bulk_update(items, ["chosen_keys", "is_correct"])
        AttemptChoice.objects.bulk_create(choices)
        total = len(items)
        quiz = attempt.quiz
        attempt.state = AttemptState.SUBMITTED
        attempt.submitted_at = now
        attempt.correct_count = correct
        attempt.score = round(100 * correct / total, 1) if total else 0
        attempt.passed = bool(total) and correct * 100 >= quiz.pass_mark * total
        attempt.is_first = (
            not Attempt.objects.filter(
                quiz_id=attempt.quiz_id,
                user_id=attempt.user_id,
                state=AttemptState.SUBMITTED,
            )
            .filter(~Q(pk=attempt.pk), is_first=True)
            .exists()
        )
        attempt.save(update_fields=["correct_count", "score", "passed", "is_first"])
        if attempt.passed:
            points_award(
                user_id=attempt.user_id, reason=Reason.QUIZ_PASSED, key=quiz.pk, now=now
            )
    return attempt
