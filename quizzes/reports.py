"""Report reads (selectors) for the admin: per quiz, per question, per unit. All SQL.

Definitions (docs/quizzes.md):
- Scored attempts are submitted ones; expired attempts are not scored.
- Item statistics and mean scores use each person's *first* submitted attempt of the quiz,
  so practising many times does not weigh a person more.
- Facility index p = correct / times asked (an unanswered item counts as wrong).
- Discrimination index D = p(upper) − p(lower), where the upper and lower groups are the
  k = round(0.27 × n) first attempts with the highest and lowest scores (ties broken by
  earlier submission); n < 4 gives no D.
- Per unit (subtree rollup): participants = distinct people with a submitted attempt;
  pass rate = people who passed at least once / participants; mean score over first
  attempts; status 达标 when pass rate ≥ the quiz's target.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from units.models import Unit
from units.permissions import can_manage_campaigns, scorecard_units_for
from units.selectors import unit_parent_codes, units_with_subtree_headcount

from .models import (
    Attempt,
    AttemptChoice,
    AttemptItem,
    AttemptState,
    Question,
    QuizPage,
)
from .models.questions import OPTION_KEYS

# Score bands for the distribution, as [low, high) on the 0–100 scale.
SCORE_BANDS = ((0, 60), (60, 70), (70, 80), (80, 90), (90, 101))
GROUP_SHARE = Decimal("0.27")
MIN_FOR_DISCRIMINATION = 4


def scored_attempts(*, user, quiz: QuizPage | None = None) -> QuerySet[Attempt]:
    """Submitted attempts the user may report on: all for campaign managers and
    administrators, their subtree's for unit managers."""
    attempts = Attempt.objects.filter(state=AttemptState.SUBMITTED)
    if quiz is not None:
        attempts = attempts.filter(quiz=quiz)
    if not can_manage_campaigns(user):
        attempts = attempts.filter(unit__in=scorecard_units_for(user))
    return attempts


def _band_label(low: int, high: int) -> str:
    return f"{low}–{min(high, 100)}" if high <= 100 else f"{low}–100"


def quiz_summaries(*, user, quiz: QuizPage | None = None) -> list[QuizPage]:
    """Every quiz (or just `quiz`) with attempts, participants, passed people, pass rate,
    first-attempt mean and the score distribution — one query."""
    scope = Q(attempts__in=scored_attempts(user=user))
    bands = {
        f"band_{low}": Count(
            "attempts",
            filter=scope & Q(attempts__score__gte=low, attempts__score__lt=high),
        )
        for low, high in SCORE_BANDS
    }
    quizzes = QuizPage.objects.order_by("path")
    if quiz is not None:
        quizzes = quizzes.filter(pk=quiz.pk)
    quizzes = list(
        quizzes.annotate(
            attempt_count=Count("attempts", filter=scope),
            participants=Count("attempts__user", filter=scope, distinct=True),
            passed_people=Count(
                "attempts__user", filter=scope & Q(attempts__passed=True), distinct=True
            ),
            mean_score=Avg(
                "attempts__score", filter=scope & Q(attempts__is_first=True)
            ),
            **bands,
        )
    )
    for row in quizzes:
        row.pass_rate = (
            row.passed_people / row.participants if row.participants else None
        )
        row.distribution = [
            (_band_label(low, high), getattr(row, f"band_{low}"))
            for low, high in SCORE_BANDS
        ]
    return quizzes


def group_size(n: int) -> int:
    """k = round(0.27 n), halves rounded up."""
    return int((GROUP_SHARE * n).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass
class ItemStat:
    code: str
    stem: str
    correct_keys: str
    asked: int
    correct: int
    facility: float | None
    discrimination: float | None
    options: list[tuple[str, str, int]]  # (letter, text, times chosen)
    unanswered: int


def item_statistics(*, user, quiz: QuizPage) -> list[ItemStat]:
    """Facility and discrimination of every question asked in `quiz` (first attempts),
    with how often each option was chosen. Three queries whatever the number of people."""
    first = scored_attempts(user=user, quiz=quiz).filter(is_first=True)
    n = first.count()
    k = group_size(n) if n >= MIN_FOR_DISCRIMINATION else 0
    upper = first.order_by("-score", "submitted_at", "pk").values("pk")[:k]
    lower = first.order_by("score", "-submitted_at", "-pk").values("pk")[:k]
    rows = (
        AttemptItem.objects.filter(attempt__in=first.values("pk"))
        .values("question_code")
        .annotate(
            asked=Count("pk"),
            correct=Count("pk", filter=Q(is_correct=True)),
            unanswered=Count("pk", filter=Q(chosen_keys="")),
            upper_n=Count("pk", filter=Q(attempt__in=upper)),
            upper_correct=Count("pk", filter=Q(attempt__in=upper, is_correct=True)),
            lower_n=Count("pk", filter=Q(attempt__in=lower)),
            lower_correct=Count("pk", filter=Q(attempt__in=lower, is_correct=True)),
        )
        .order_by("question_code")
    )
    chosen = (
        AttemptChoice.objects.filter(item__attempt__in=first.values("pk"))
        .values("item__question_code", "key")
        .annotate(times=Count("pk"))
        .order_by()
    )
    times = {(c["item__question_code"], c["key"]): c["times"] for c in chosen}
    rows = list(rows)
    bank = {
        q.code: q
        for q in Question.objects.filter(
            code__in=[r["question_code"] for r in rows]
        ).prefetch_related("options")
    }
    stats = []
    for r in rows:
        code = r["question_code"]
        question = bank.get(code)
        options = list(question.options.all()) if question else []
        discrimination = None
        if k and r["upper_n"] and r["lower_n"]:
            discrimination = (
                r["upper_correct"] / r["upper_n"] - r["lower_correct"] / r["lower_n"]
            )
        stats.append(
            ItemStat(
                code=code,
                stem=question.stem_text if question else "",
                correct_keys="".join(
                    OPTION_KEYS[i] for i, o in enumerate(options) if o.is_correct
                ),
                asked=r["asked"],
                correct=r["correct"],
                facility=r["correct"] / r["asked"] if r["asked"] else None,
                discrimination=discrimination,
                options=[
                    (OPTION_KEYS[i], o.text, times.get((code, OPTION_KEYS[i]), 0))
                    for i, o in enumerate(options)
                ],
                unanswered=r["unanswered"],
            )
        )
    return stats


def unit_rollup(*, user, quiz: QuizPage) -> list[Unit]:
    """Each visible unit with subtree headcount, participants, passed people, mean
    first-attempt score and pass rate against the quiz's target — one query (+ parents)."""
    attempts = Attempt.objects.filter(
        quiz=quiz, state=AttemptState.SUBMITTED, unit__path__startswith=OuterRef("path")
    ).order_by()

    def per_subtree(queryset, aggregate, output):
        return Subquery(
            queryset.values(group=Value(1)).annotate(v=aggregate).values("v"),
            output_field=output,
        )

    units = (
        units_with_subtree_headcount(queryset=scorecard_units_for(user))
        .select_related("kind")
        .annotate(
            participants=Coalesce(
                per_subtree(attempts, Count("user", distinct=True), IntegerField()), 0
            ),
            passed_people=Coalesce(
                per_subtree(
                    attempts.filter(passed=True),
                    Count("user", distinct=True),
                    IntegerField(),
                ),
                0,
            ),
            mean_score=per_subtree(
                attempts.filter(is_first=True), Avg("score"), FloatField()
            ),
        )
        .order_by("path")
    )
    units = list(units)
    parents = unit_parent_codes(
        queryset=Unit.objects.filter(pk__in=[u.pk for u in units])
    )
    target = quiz.target_pass_rate / 100
    for unit in units:
        unit.parent_code = parents.get(unit.pk)
        unit.pass_rate = (
            unit.passed_people / unit.participants if unit.participants else None
        )
        unit.participation_rate = (
            unit.participants / unit.subtree_headcount
            if unit.subtree_headcount
            else None
        )
        if unit.pass_rate is None:
            unit.status = None
        else:
            unit.status = "met" if unit.pass_rate >= target else "not_met"
    return units
