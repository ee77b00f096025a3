"""Reads for quizzes: lists, attempts, reports. Aggregates run in SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from django.db.models.functions import Coalesce

from .models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Option,
    Question,
    QuestionKind,
    QuestionStatus,
    QuizPage,
    QuizQuestion,
    SelectionMode,
)
from .models.questions import OPTION_KEYS


def learning_activity_user_ids(*, start: datetime, end: datetime) -> QuerySet:
    """Ids of people with a submitted quiz attempt completed in [start, end).

    Unioned with lesson completions into learning participation (docs/metrics.md); unordered,
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


def attempt_questions(
    *, attempt: Attempt, chosen: Mapping[int, Sequence[str]] | None = None
) -> list[dict]:
    """What the answer form may show: stem and option texts, never keys' correctness,
    feedback or explanations (they reach the browser only after submission). Each
    option's form value is its opaque per-attempt token (models.attempts.option_token);
    `chosen` (position → posted values) keeps a re-shown form's answers ticked."""
    chosen = chosen or {}
    items = attempt.items.select_related("image")
    questions = []
    for item in items:
        ticked = set(chosen.get(item.position, ()))
        options = []
        for i, o in enumerate(item.options):
            token = item.token_for(o["key"])
            options.append(
                {
                    "value": token,
                    "text": o["text"],
                    "label": OPTION_KEYS[i],
                    "checked": token in ticked,
                }
            )
        questions.append(
            {
                "position": item.position,
                "kind": item.kind,
                "stem": item.stem,
                "image": item.image,
                "options": options,
                "answered": bool(ticked),
            }
        )
    return questions


def review_options(*, item) -> list[dict]:
    """An answered snapshot item's options as the review shows them (quiz attempts and
    daily practice alike): letter as shown, chosen, correct, feedback."""
    chosen, correct = set(item.chosen_keys), set(item.correct_keys)
    return [
        o
        | {
            "label": OPTION_KEYS[i],
            "chosen": o["key"] in chosen,
            "correct": o["key"] in correct,
        }
        for i, o in enumerate(item.options)
    ]


def attempt_review(*, attempt: Attempt) -> list[AttemptItem]:
    """Every item with the option feedback, explanation, rule and lesson link."""
    items = list(attempt.items.select_related("image", "lesson"))
    for item in items:
        item.review_options = review_options(item=item)
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


# Above this share on one letter, guessing that letter beats chance noticeably (the
# four-option norm is 25%); test-writing guides flag such banks.
POSITION_SHARE_LIMIT = 0.4


def answer_position_shares() -> list[dict]:
    """Where the keys of active single-choice questions sit: per letter A, B, … the
    number of keys, their share and whether it is over POSITION_SHARE_LIMIT. A letter is
    the option's place in the editor's order (sort order, then id) — one query."""
    earlier = (
        Option.objects.filter(question=OuterRef("question"))
        .filter(
            Q(sort_order__lt=OuterRef("sort_order"))
            | Q(sort_order=OuterRef("sort_order"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Option.objects.filter(
            is_correct=True,
            question__status=QuestionStatus.ACTIVE,
            question__kind=QuestionKind.SINGLE,
        )
        .annotate(place=Coalesce(Subquery(earlier, output_field=IntegerField()), 0))
        .values("place")
        .annotate(count=Count("pk"))
        .order_by("place")
    )
    counts = {r["place"]: r["count"] for r in rows}
    total = sum(counts.values())
    places = max([3, *counts]) + 1
    return [
        {
            "position": OPTION_KEYS[place],
            "count": counts.get(place, 0),
            "share": counts.get(place, 0) / total if total else None,
            "flagged": bool(total)
            and counts.get(place, 0) / total > POSITION_SHARE_LIMIT,
        }
        for place in range(min(places, len(OPTION_KEYS)))
    ]
