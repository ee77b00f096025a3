"""Reads for quizzes: lists, attempts, reports. Aggregates run in SQL."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from .models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Question,
    QuestionStatus,
    QuizPage,
    QuizQuestion,
    SelectionMode,
)
from .models.questions import OPTION_KEYS


def learning_activity_user_ids(*, start: datetime, end: datetime) -> QuerySet:
    """Ids of people with a submitted quiz attempt completed in [start, end).

    Unioned with lesson completions into learning participation (METRICS.md); unordered,
    because SQLite refuses ORDER BY inside a compound (UNION) query.
    """
    return (
        Attempt.objects.filter(
            state=AttemptState.SUBMITTED, submitted_at__gte=start, submitted_at__lt=end
        )
        .order_by()
        .values_list("user_id", flat=True)
    )


def quiz_list_for(*, user, index=None, limit: int | None = None) -> list[QuizPage]:
    """Live quizzes (under `index` if given), each with `question_total` and, for a
    signed-in person, `my_attempts` and `my_best` — one query."""
    quizzes = QuizPage.objects.live().public().order_by("path")
    if index is not None:
        quizzes = quizzes.child_of(index)
    quizzes = quizzes.annotate(
        fixed_total=Count(
            "quiz_questions",
            filter=Q(quiz_questions__question__status=QuestionStatus.ACTIVE),
        )
    )
    if user.is_authenticated:
        mine = Attempt.objects.filter(quiz=OuterRef("pk"), user=user).order_by()
        quizzes = quizzes.annotate(
            my_attempts=Subquery(
                mine.values("quiz").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            my_best=Subquery(
                mine.filter(state=AttemptState.SUBMITTED)
                .values("quiz")
                .annotate(best=Max("score"))
                .values("best")[:1],
                output_field=FloatField(),
            ),
            my_passed=Exists(mine.filter(passed=True)),
        )
    return list(quizzes[:limit] if limit else quizzes)


def quiz_attempts_for(*, user, quiz: QuizPage) -> QuerySet[Attempt]:
    if not user.is_authenticated:
        return Attempt.objects.none()
    return Attempt.objects.filter(quiz=quiz, user=user).order_by("-number")


def attempt_for(*, user, quiz: QuizPage, attempt_id) -> Attempt | None:
    """The person's own attempt of this quiz, or None (others' attempts are invisible)."""
    if not user.is_authenticated:
        return None
    attempt = Attempt.objects.filter(pk=attempt_id, quiz=quiz, user=user).first()
    if attempt is not None:
        attempt.quiz = quiz  # the page being served: saves fetching it again
    return attempt


def attempt_questions(*, attempt: Attempt) -> list[dict]:
    """What the answer form may show: stem and option texts, never keys' correctness,
    feedback or explanations (they reach the browser only after submission)."""
    items = attempt.items.select_related("image")
    return [
        {
            "position": item.position,
            "kind": item.kind,
            "stem": item.stem,
            "image": item.image,
            "options": [
                {"key": o["key"], "text": o["text"], "label": OPTION_KEYS[i]}
                for i, o in enumerate(item.options)
            ],
        }
        for item in items
    ]


def attempt_review(*, attempt: Attempt) -> list[AttemptItem]:
    """Every item with the option feedback, explanation, rule and lesson link."""
    items = list(attempt.items.select_related("image", "lesson"))
    for item in items:
        chosen = set(item.chosen_keys)
        correct = set(item.correct_keys)
        item.review_options = [
            o
            | {
                "label": OPTION_KEYS[i],
                "chosen": o["key"] in chosen,
                "correct": o["key"] in correct,
            }
            for i, o in enumerate(item.options)
        ]
    return items


def my_certificates(*, user) -> QuerySet[Attempt]:
    return (
        Attempt.objects.filter(user=user, passed=True, state=AttemptState.SUBMITTED)
        .select_related("quiz")
        .order_by("-submitted_at")
    )


def my_recent_attempts(*, user, limit: int = 5) -> list[Attempt]:
    return list(
        Attempt.objects.filter(user=user)
        .select_related("quiz")
        .order_by("-started_at")[:limit]
    )


def quiz_question_total(*, quiz: QuizPage) -> int:
    """How many questions an attempt will ask (a random draw may find fewer than asked)."""
    if quiz.mode == SelectionMode.FIXED:
        return QuizQuestion.objects.filter(
            page=quiz, question__status=QuestionStatus.ACTIVE
        ).count()
    questions = Question.objects.filter(status=QuestionStatus.ACTIVE)
    if quiz.draw_tag:
        questions = questions.filter(tags__name=quiz.draw_tag)
    if quiz.draw_difficulty:
        questions = questions.filter(difficulty=quiz.draw_difficulty)
    return min(quiz.draw_count, questions.distinct().count())
