"""Report reads (selectors) for the admin: per quiz, per question, per unit. All SQL.

Definitions (docs/quizzes.md):
- Scored attempts are submitted ones; expired attempts are not scored.
- Item statistics and mean scores use each person's *first* submitted attempt of the quiz,
  so practising many times does not weigh a person more.
- Facility index p = correct / times asked (an unanswered item counts as wrong).
- Discrimination index D = p(upper) − p(lower), where the upper and lower groups are the
  k = round(0.27 × n) first attempts with the highest and lowest scores (ties broken by
  earlier submission); n < 4 gives no D.
- Item analysis reads the key, stem and options from the attempts' snapshots; a question
  whose key changed is reported once per key version.
- Per unit (subtree rollup): participants = distinct people with a submitted attempt;
  pass rate = people who passed at least once / participants, with a Wilson 95%
  interval; mean score over first attempts; status as docs/metrics.md: 样本不足 below 30
  participants, else 达标 / 未达标 / 待确认 from the interval against the quiz's target.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Left
from django.utils.html import strip_tags

from surveys import scoring
from units.models import Unit
from units.permissions import Scope
from units.selectors import units_with_subtree_headcount

from .models import (
    Attempt,
    AttemptChoice,
    AttemptItem,
    AttemptState,
    QuizPage,
)

# Score bands for the distribution, as [low, high) on the 0–100 scale.
SCORE_BANDS = ((0, 60), (60, 70), (70, 80), (80, 90), (90, 101))
GROUP_SHARE = Decimal("0.27")
MIN_FOR_DISCRIMINATION = 4


def scored_attempts(*, scope: Scope, quiz: QuizPage | None = None) -> QuerySet[Attempt]:
    """Submitted attempts in the reader's scope (units.permissions.scorecard_scope): all
    for campaign managers and administrators, their subtree's for unit managers."""
    attempts = Attempt.objects.filter(state=AttemptState.SUBMITTED)
    if quiz is not None:
        attempts = attempts.filter(quiz=quiz)
    return scope.filter(attempts)


def _band_label(low: int, high: int) -> str:
    return f"{low}–{min(high, 100)}" if high <= 100 else f"{low}–100"


def quiz_summaries(*, scope: Scope, quiz: QuizPage | None = None) -> list[QuizPage]:
    """Every quiz (or just `quiz`) with attempts, participants, passed people, pass rate,
    first-attempt mean and the score distribution — one query."""
    scope = Q(attempts__in=scored_attempts(scope=scope))
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
    # 1, 2, … in the order the answer keys were first asked; `versions` > 1 when the
    # key changed during the quiz's life and the question is reported once per key.
    version: int = 1
    versions: int = 1


def item_statistics(
    *, scope: Scope, quiz: QuizPage, answer_keys: bool = True
) -> list[ItemStat]:
    """Facility and discrimination of every question asked in `quiz` (first attempts in
    `scope`), with how often each option was chosen.

    The key, stem and option texts come from the attempts' own snapshots, never from
    today's bank: a key edited after people answered must not rescore them. A question
    whose key changed is one row per key version (items grouped by code and snapshot
    key), labelled from that version's latest snapshot. Four queries whatever the
    number of people. `answer_keys=False` leaves `correct_keys` empty (readers who may
    not see the bank's answers: units.permissions.can_see_answer_keys)."""
    first = scored_attempts(scope=scope, quiz=quiz).filter(is_first=True)
    n = first.count()
    k = group_size(n) if n >= MIN_FOR_DISCRIMINATION else 0
    upper = first.order_by("-score", "submitted_at", "pk").values("pk")[:k]
    lower = first.order_by("score", "-submitted_at", "-pk").values("pk")[:k]
    rows = list(
        AttemptItem.objects.filter(attempt__in=first.values("pk"))
        .values("question_code", "correct_keys")
        .annotate(
            asked=Count("pk"),
            correct=Count("pk", filter=Q(is_correct=True)),
            unanswered=Count("pk", filter=Q(chosen_keys="")),
            upper_n=Count("pk", filter=Q(attempt__in=upper)),
            upper_correct=Count("pk", filter=Q(attempt__in=upper, is_correct=True)),
            lower_n=Count("pk", filter=Q(attempt__in=lower)),
            lower_correct=Count("pk", filter=Q(attempt__in=lower, is_correct=True)),
            first_asked=Min("attempt__started_at"),
            sample=Max("pk"),
        )
        .order_by("question_code", "first_asked", "correct_keys")
    )
    chosen = (
        AttemptChoice.objects.filter(item__attempt__in=first.values("pk"))
        .values("item__question_code", "item__correct_keys", "key")
        .annotate(times=Count("pk"))
        .order_by()
    )
    times = {
        (c["item__question_code"], c["item__correct_keys"], c["key"]): c["times"]
        for c in chosen
    }
    samples = AttemptItem.objects.in_bulk([r["sample"] for r in rows], field_name="pk")
    versions = Counter(r["question_code"] for r in rows)
    seen: Counter = Counter()
    stats = []
    for r in rows:
        code, key = r["question_code"], r["correct_keys"]
        seen[code] += 1
        snapshot = samples[r["sample"]]
        discrimination = None
        if k and r["upper_n"] and r["lower_n"]:
            discrimination = (
                r["upper_correct"] / r["upper_n"] - r["lower_correct"] / r["lower_n"]
            )
        stats.append(
            ItemStat(
                code=code,
                stem=strip_tags(snapshot.stem).strip(),
                correct_keys=key if answer_keys else "",
                asked=r["asked"],
                correct=r["correct"],
                facility=r["correct"] / r["asked"] if r["asked"] else None,
                discrimination=discrimination,
                # Bank letter order, whatever order each learner saw.
                options=[
                    (o["key"], o["text"], times.get((code, key, o["key"]), 0))
                    for o in sorted(snapshot.options, key=lambda o: o["key"])
                ],
                unanswered=r["unanswered"],
                version=seen[code],
                versions=versions[code],
            )
        )
    return stats


def _subtree_paths(path: str) -> list[str]:
    """The paths of `path`'s unit and of each of its ancestors (materialised path)."""
    return [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]


def _rolled_up_counts(*, attempts: QuerySet[Attempt]) -> dict[str, dict[str, float]]:
    """Participants, passed people, Σ first-attempt score and number of first attempts
    for every subtree that has attempts, keyed by the subtree root's path.

    One grouped query counts each unit's own attempts; the counts are then added up the
    tree along the paths over those unit rows. Distinct people per unit add up because
    an attempt belongs to one unit; the only person counted in two units is one who
    moved between attempts, so a second query lists those few people's units and their
    extra counts are taken off every subtree holding two of them.
    """
    per_unit = (
        attempts.filter(unit__isnull=False)
        .values("unit__path")
        .annotate(
            participants=Count("user", distinct=True),
            passed_people=Count("user", filter=Q(passed=True), distinct=True),
            score_sum=Sum("score", filter=Q(is_first=True)),
            scored=Count("score", filter=Q(is_first=True)),
        )
        .order_by()
    )
    totals: dict[str, dict[str, float]] = defaultdict(
        lambda: dict.fromkeys(
            ("participants", "passed_people", "score_sum", "scored"), 0
        )
    )
    for row in per_unit:
        for path in _subtree_paths(row["unit__path"]):
            total = totals[path]
            total["participants"] += row["participants"]
            total["passed_people"] += row["passed_people"]
            total["score_sum"] += row["score_sum"] or 0
            total["scored"] += row["scored"]

    movers = (
        attempts.filter(unit__isnull=False)
        .values("user")
        .annotate(units=Count("unit", distinct=True))
        .filter(units__gt=1)
        .values("user")
    )
    seen: dict[int, tuple[Counter, Counter]] = defaultdict(
        lambda: (Counter(), Counter())
    )
    for row in (
        attempts.filter(unit__isnull=False, user__in=movers)
        .values("user", "unit__path")
        .annotate(passes=Count("pk", filter=Q(passed=True)))
        .order_by()
    ):
        took, passed = seen[row["user"]]
        subtrees = _subtree_paths(row["unit__path"])
        took.update(subtrees)
        if row["passes"]:
            passed.update(subtrees)
    for took, passed in seen.values():
        for path, units in took.items():
            totals[path]["participants"] -= units - 1
        for path, units in passed.items():
            totals[path]["passed_people"] -= units - 1
    return totals


def unit_rollup(*, scope: Scope, quiz: QuizPage) -> list[Unit]:
    """Each unit in `scope` with subtree headcount, participants, passed people, mean
    first-attempt score and pass rate against the quiz's target — three queries, however
    many units (per-unit counts, people who moved, units with headcounts and parents)."""
    totals = _rolled_up_counts(
        attempts=Attempt.objects.filter(quiz=quiz, state=AttemptState.SUBMITTED)
    )
    parent = Unit.objects.filter(
        path=Left(OuterRef("path"), (OuterRef("depth") - 1) * Unit.steplen)
    ).values("code")[:1]
    units = list(
        units_with_subtree_headcount(
            queryset=scope.filter(Unit.objects.all(), field="pk")
        )
        .select_related("kind")
        .annotate(parent_code=Subquery(parent))
        .order_by("path")
    )
    target = Decimal(quiz.target_pass_rate) / 100
    for unit in units:
        total = totals.get(unit.path)
        unit.participants = int(total["participants"]) if total else 0
        unit.passed_people = int(total["passed_people"]) if total else 0
        # Σ score / Σ first attempts over the subtree, not a mean of unit means.
        unit.mean_score = (
            total["score_sum"] / total["scored"] if total and total["scored"] else None
        )
        unit.pass_rate = (
            unit.passed_people / unit.participants if unit.participants else None
        )
        unit.participation_rate = (
            unit.participants / unit.subtree_headcount
            if unit.subtree_headcount
            else None
        )
        # A pass rate is a sample of the unit's people (docs/metrics.md, Quizzes): with
        # its Wilson interval against the target, and 样本不足 below 30 participants
        # rather than 达标 on the strength of one person.
        unit.pass_ci_low, unit.pass_ci_high = scoring.wilson(
            unit.pass_rate, unit.participants
        )
        unit.status = (
            None
            if unit.pass_rate is None
            else scoring.sample_status(
                unit.pass_ci_low, unit.pass_ci_high, unit.participants, target
            )
        )
    return units


# Ten-point bins for the report's histogram, [low, high); the last one holds 100.
HISTOGRAM_BINS = tuple(
    (low, low + 10 if low < 90 else 101) for low in range(0, 100, 10)
)


def score_histogram(*, scope: Scope, quiz: QuizPage) -> list[tuple[int, int, int]]:
    """(low, high, attempts) per ten-point bin over the same attempts as the summary's
    score distribution (every submitted attempt in `scope`) — one query."""
    counts = scored_attempts(scope=scope, quiz=quiz).aggregate(
        **{
            f"bin_{low}": Count("pk", filter=Q(score__gte=low, score__lt=high))
            for low, high in HISTOGRAM_BINS
        }
    )
    return [(low, high, counts[f"bin_{low}"]) for low, high in HISTOGRAM_BINS]
