"""Reads: scorecards, items, trends and distributions, aggregated in SQL (docs/metrics.md).

A scorecard costs a fixed number of queries whatever the number of units: the campaign's
recognition items, its units, the counters behind their anomaly flags (one grouped query),
one aggregate over its responses grouped by unit, and the distribution of the responses'
recognition masks for the item rates.
Subtree rollups then add those per-unit sums along the tree paths (Σ participants /
Σ headcount, never an average of rates); item rates come from the same sums.

The per-respondent verdicts (how many recognition items exactly right, which ones,
satisfaction answers and points) are derived from the answer rows in SQL when answers are
written (services.responses_score), so a scorecard reads one row per respondent rather
than every answer: 50,000 respondents instead of a million answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Count,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from units.models import Unit
from units.permissions import Scope, suppresses_small_cells

from . import questionnaire, scoring
from .models import (
    Answer,
    Campaign,
    CampaignState,
    CampaignUnit,
    NetworkTally,
    Question,
    QuestionKind,
    Response,
    Survey,
)
from .questionnaire import FormQuestion, form_questions
from .ratelimit import BURST_TALLY
from .suppression import shown_subtrees

UNIT_FIELDS = [
    "unit_code",
    "unit_name",
    "unit_kind",
    "parent_code",
    "headcount",
    "participants",
    "participation_rate",
    "participation_status",
    "participation_gap",
    "respondents",
    "recognising",
    "recognition_rate",
    "recognition_ci_low",
    "recognition_ci_high",
    "recognition_status",
    "recognition_gap",
    "satisfaction_rate",
    "satisfaction_ci_low",
    "satisfaction_ci_high",
    "satisfaction_index",
    "satisfaction_status",
    "flags",
]
KIND_FIELDS = ["unit_kind"] + UNIT_FIELDS[4:]
ITEM_FIELDS = ["code", "text", "answered", "correct", "rate"]

# Anomaly flags (docs/metrics.md, Anonymous links), in the order rows list them.
FLAG_OVER_HEADCOUNT = "over_headcount"
FLAG_BURST = "burst"
FLAG_ONE_NETWORK = "one_network"
BURST_MINIMUM = 20
BURST_WINDOW_SECONDS = 600
ONE_NETWORK_MINIMUM = 30


@dataclass
class Totals:
    """Additive counts of one unit (own responses), or summed over a subtree or kind.
    `item_answered[i]` / `item_correct[i]` count respondents per recognition item."""

    respondents: int = 0
    recognising: int = 0
    satisfaction_respondents: int = 0
    satisfaction_answers: int = 0
    satisfaction_positive: int = 0
    satisfaction_points: int = 0
    item_answered: list[int] = field(default_factory=list)
    item_correct: list[int] = field(default_factory=list)

    def add(self, other: Totals) -> None:
        # Spelled out rather than a getattr/setattr loop over the names: a scorecard
        # adds every unit into each of its ancestors, hundreds of calls a read.
        self.respondents += other.respondents
        self.recognising += other.recognising
        self.satisfaction_respondents += other.satisfaction_respondents
        self.satisfaction_answers += other.satisfaction_answers
        self.satisfaction_positive += other.satisfaction_positive
        self.satisfaction_points += other.satisfaction_points
        for name in ("item_answered", "item_correct"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if len(mine) < len(theirs):
                mine.extend([0] * (len(theirs) - len(mine)))
            for i, value in enumerate(theirs):
                mine[i] += value


def recognition_items(*, campaign: Campaign) -> QuerySet[Question]:
    """Recognition questions that have a correct answer (only those can be scored), in
    the order that gives each its bit when responses are scored (readers of stored
    masks go through mask_items: a closed campaign's bits may follow an older order)."""
    return (
        Question.objects.filter(
            survey_id=campaign.survey_id, kind=QuestionKind.RECOGNITION
        )
        .filter(options__is_correct=True)
        .distinct()
        .order_by("sort_order", "id")
    )


@dataclass(frozen=True)
class FrozenItem:
    """A recognition item as a closed campaign's frozen scorecard lists it."""

    code: str
    text: str


def mask_items(*, campaign: Campaign) -> list[Question | FrozenItem]:
    """The recognition items in the order of the bits of the campaign's stored masks.

    Open campaigns are rescored whenever a question is saved, so their bits follow the
    survey's current items. A closed campaign is never rescored: its bits keep the item
    order of the moment it closed, which its frozen scorecard lists (closing rescores
    first, so that list is the bit order by construction). The survey may since have
    gained recognition items or been reordered — the structure lock allows both — so
    reading a closed campaign's masks by the current items would give one question's
    figures to another. Storing a position per question would need a migration and
    never-reused numbering; refusing additions would block legitimate survey growth.
    """
    frozen = campaign.frozen_scorecard
    if campaign.state == CampaignState.CLOSED and frozen:
        return [FrozenItem(code=i["code"], text=i["text"]) for i in frozen["items"]]
    return list(recognition_items(campaign=campaign))


def _score_aggregates(*, need: int) -> dict:
    """Aggregates over the responses' score columns (see services.responses_score).

    The per-item counts are not among them: see item_counts."""
    # COUNT(*) and COUNT(1), not COUNT(id): SQLite then counts rows without reading the
    # key from each index entry — a fifth of this query's time over 50,000 responses.
    # (Django allows no filter on COUNT(*).)
    return {
        "respondents": Count("*"),
        "recognising": Count(Value(1), filter=Q(recognition_correct__gte=need)),
        "satisfaction_respondents": Count(
            Value(1), filter=Q(satisfaction_answers__gt=0)
        ),
        "sat_answers": Coalesce(Sum("satisfaction_answers"), 0),
        "sat_positive": Coalesce(Sum("satisfaction_positive"), 0),
        "sat_points": Coalesce(Sum("satisfaction_points"), 0),
    }


def _totals(row: dict, item_count: int) -> Totals:
    return Totals(
        respondents=row["respondents"],
        recognising=row["recognising"] if item_count else 0,
        satisfaction_respondents=row["satisfaction_respondents"],
        satisfaction_answers=int(row["sat_answers"]),
        satisfaction_positive=int(row["sat_positive"]),
        satisfaction_points=int(row["sat_points"]),
    )


def _completed(campaign: Campaign) -> QuerySet[Response]:
    return Response.objects.filter(
        campaign=campaign, completed_at__isnull=False
    ).order_by()


def unit_totals(*, campaign: Campaign, item_count: int) -> dict[int, Totals]:
    """Every unit's own totals (responses attributed to that unit itself): one query over
    one row per respondent, read from the index `response_unit_scores` alone. The
    per-item counts are left to item_counts: as 2 × items bit expressions per
    response they were two thirds of this query's time."""
    need = scoring.required_correct(campaign.recognition_threshold, item_count)
    rows = (
        _completed(campaign).values("unit_id").annotate(**_score_aggregates(need=need))
    )
    return {row["unit_id"]: _totals(row, item_count) for row in rows}


def item_counts(
    *, campaign: Campaign, item_count: int, roots: list[Unit] | None = None
) -> Totals:
    """Respondents answering each recognition item, and answering it exactly right, over
    the subtrees of `roots` (None: the whole campaign), as `item_answered` and
    `item_correct` of a Totals.

    One query over the distinct (answered mask, correct mask) pairs with their number of
    respondents — at most a few thousand pairs, whatever the number of responses, read
    from the index `response_item_masks` — whose bits are then added up here. Exact,
    and cheaper than taking every response's bits apart in SQL."""
    totals = Totals(item_answered=[0] * item_count, item_correct=[0] * item_count)
    if not item_count or roots == []:
        return totals
    responses = _completed(campaign)
    if roots is not None:
        within = Q()
        for root in roots:
            within |= Q(unit__path__startswith=root.path)
        responses = responses.filter(within)
    pairs = responses.values_list(
        "recognition_answered_mask", "recognition_correct_mask"
    ).annotate(n=Count("*"))
    by_answered: dict[int, int] = {}
    by_correct: dict[int, int] = {}
    for answered, correct, n in pairs:
        by_answered[answered] = by_answered.get(answered, 0) + n
        by_correct[correct] = by_correct.get(correct, 0) + n
    for masks, counts in (
        (by_answered, totals.item_answered),
        (by_correct, totals.item_correct),
    ):
        for mask, n in masks.items():
            for i in range(item_count):
                if mask >> i & 1:
                    counts[i] += n
    return totals


def item_rows(*, items: list[Question | FrozenItem], totals: Totals) -> list[dict]:
    """Each recognition item's rate = respondents answering it exactly right / answering it."""
    rows = []
    for i, question in enumerate(items):
        answered = totals.item_answered[i] if i < len(totals.item_answered) else 0
        correct = totals.item_correct[i] if i < len(totals.item_correct) else 0
        rows.append(
            {
                "code": question.code,
                "text": question.text,
                "answered": answered,
                "correct": correct,
                "rate": scoring.ratio(correct, answered),
            }
        )
    return rows


def item_rates(*, campaign: Campaign, root: Unit | None = None) -> list[dict]:
    """Each recognition item's rate over `root`'s subtree (at most two queries)."""
    items = mask_items(campaign=campaign)
    totals = item_counts(
        campaign=campaign,
        item_count=len(items),
        roots=None if root is None or root.pk == campaign.root_unit_id else [root],
    )
    return item_rows(items=items, totals=totals)


def metrics_row(
    *, totals: Totals, headcount: int, campaign: Campaign, item_count: int
) -> dict:
    """The docs/metrics.md figures for one unit, subtree or kind from its summed counts."""
    participants = totals.respondents
    respondents = totals.respondents
    row: dict = {
        "headcount": headcount,
        "participants": participants,
        "participation_rate": scoring.ratio(participants, headcount),
        "participation_status": scoring.participation_status(
            participants, headcount, campaign.participation_target
        ),
        "participation_gap": scoring.participation_gap(
            participants, headcount, campaign.participation_target
        ),
        "respondents": respondents,
    }
    if item_count:
        rate = scoring.ratio(totals.recognising, respondents)
        low, high = scoring.wilson(rate, respondents)
        row |= {
            "recognising": totals.recognising,
            "recognition_rate": rate,
            "recognition_ci_low": low,
            "recognition_ci_high": high,
            "recognition_status": scoring.sample_status(
                low, high, respondents, campaign.recognition_target
            ),
            "recognition_gap": scoring.recognition_gap(
                totals.recognising, respondents, campaign.recognition_target
            ),
        }
    else:
        row |= dict.fromkeys(
            [
                "recognising",
                "recognition_rate",
                "recognition_ci_low",
                "recognition_ci_high",
                "recognition_status",
                "recognition_gap",
            ]
        )
    n = totals.satisfaction_respondents
    rate = scoring.ratio(totals.satisfaction_positive, totals.satisfaction_answers)
    low, high = scoring.wilson(rate, n)
    row |= {
        "satisfaction_rate": rate,
        "satisfaction_ci_low": low,
        "satisfaction_ci_high": high,
        "satisfaction_index": scoring.ratio(
            totals.satisfaction_points, totals.satisfaction_answers
        ),
        "satisfaction_status": scoring.sample_status(
            low, high, n, campaign.satisfaction_target
        ),
        "flags": [FLAG_OVER_HEADCOUNT] if participants > headcount else [],
    }
    return row


@dataclass(frozen=True, slots=True)
class MemberKind:
    """A unit kind as a scorecard groups by it (hashable: the kinds table's key)."""

    id: int
    name: str
    sort_order: int


@dataclass(frozen=True, slots=True)
class MemberUnit:
    id: int
    path: str
    code: str
    name: str
    kind: MemberKind


@dataclass(frozen=True, slots=True)
class Member:
    """A campaign unit as the scorecard reads it: the attributes of CampaignUnit it
    uses (`pk`, `unit_id`, `headcount`, `unit.path/code/name/kind`) and its anomaly
    counters. Read-only rows rather than model instances: a campaign over 1,000 units
    built 3,000 model objects (campaign unit, unit, kind) a read, a tenth of the
    scorecard's time at a million answers."""

    pk: int
    unit_id: int
    headcount: int
    unit: MemberUnit
    network_peak: int = 0
    burst: bool = False


def scorecard_members(*, campaign: Campaign) -> list[Member]:
    """The campaign's units for a scorecard, in tree order, each given the counters
    behind its anomaly flags: `burst` and `network_peak` (the largest number of link
    answers from any one network), both from models.NetworkTally. The burst is counted
    when answers land (services._burst_check), so reading it is part of one grouped
    query over the campaign's tallies; two queries in all. As correlated subqueries in
    the units' query they cost two index searches per unit, most of that query's time."""
    counters = {
        row["campaign_unit_id"]: row
        for row in NetworkTally.objects.filter(campaign_unit__campaign=campaign)
        .order_by()
        .values("campaign_unit_id")
        .annotate(
            peak=Max("count", filter=~Q(address_hash=BURST_TALLY)),
            bursts=Count("id", filter=Q(address_hash=BURST_TALLY)),
        )
    }
    kinds: dict[int, MemberKind] = {}
    members = []
    for (
        pk,
        unit_id,
        headcount,
        path,
        code,
        name,
        kind_id,
        kind_name,
        kind_order,
    ) in (
        CampaignUnit.objects.filter(campaign=campaign)
        .order_by("unit__path")
        .values_list(
            "pk",
            "unit_id",
            "headcount",
            "unit__path",
            "unit__code",
            "unit__name",
            "unit__kind_id",
            "unit__kind__name",
            "unit__kind__sort_order",
        )
    ):
        kind = kinds.get(kind_id)
        if kind is None:
            kind = kinds[kind_id] = MemberKind(kind_id, kind_name, kind_order)
        row = counters.get(pk)
        members.append(
            Member(
                pk=pk,
                unit_id=unit_id,
                headcount=headcount,
                unit=MemberUnit(unit_id, path, code, name, kind),
                network_peak=(row["peak"] or 0) if row else 0,
                burst=bool(row and row["bursts"]),
            )
        )
    return members


def unit_flags(*, member: Member, own: Totals, row: dict) -> list[str]:
    """A unit row's flags: `over_headcount` from the row's (subtree) figures, `burst` and
    `one_network` from what reached the unit's own link. None of them comes from a link
    between a response and a device: only counts per unit and per network."""
    flags = list(row["flags"])
    if member.burst:
        flags.append(FLAG_BURST)
    # More than 80% from one network: peak / respondents > 4 / 5, in integers.
    if own.respondents >= ONE_NETWORK_MINIMUM and 5 * member.network_peak > (
        4 * own.respondents
    ):
        flags.append(FLAG_ONE_NETWORK)
    return flags


def campaign_summary(*, campaign: Campaign) -> dict:
    return {
        "id": campaign.pk,
        "title": campaign.title,
        "description": campaign.description,
        "survey_id": campaign.survey_id,
        "root_unit_code": campaign.root_unit.code,
        "mode": campaign.mode,
        "state": campaign.state,
        "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else None,
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else None,
        "opened_at": campaign.opened_at.isoformat() if campaign.opened_at else None,
        "closed_at": campaign.closed_at.isoformat() if campaign.closed_at else None,
        "participation_target": float(campaign.participation_target),
        "recognition_target": float(campaign.recognition_target),
        "satisfaction_target": float(campaign.satisfaction_target),
        "recognition_threshold": float(campaign.recognition_threshold),
    }


@dataclass(frozen=True)
class Detail:
    """Which subtrees' distributions (per-question and per-item counts, free text) a
    reader may see: docs/metrics.md, "Privacy and small cells".

    `shown` holds unit codes; None means every one (administrators and campaign
    managers). `quiet` holds the units whose free text never appears in a list: fewer
    than MIN_RESPONDENTS_FOR_DETAIL respondents of their own.
    """

    shown: frozenset[str] | None = None
    quiet: frozenset[int] = frozenset()

    def shows(self, code: str) -> bool:
        return self.shown is None or code in self.shown


def scope_tops(*, members: list[Member], scope: Scope) -> list[Member]:
    """The topmost campaign units in `scope`: the campaign's root for a global scope,
    otherwise the units in scope whose parent is not (a unit manager's subtree meets a
    campaign's tree in one subtree, so this is one unit, or none)."""
    allowed = {m.unit.path for m in members if scope.allows(m.unit_id)}
    step = Unit.steplen
    return [
        m
        for m in members
        if m.unit.path in allowed and m.unit.path[:-step] not in allowed
    ]


def _detail(
    *,
    members: list[Member],
    own: dict[int, Totals],
    tops: list[Member],
    scope: Scope,
) -> Detail:
    if not suppresses_small_cells(scope):
        return Detail()
    respondents = {
        m.unit.path: own.get(m.unit_id, Totals()).respondents for m in members
    }
    shown: set[str] = set()
    for top in tops:
        shown |= shown_subtrees(
            own=respondents, top=top.unit.path, steplen=Unit.steplen
        )
    return Detail(
        shown=frozenset(m.unit.code for m in members if m.unit.path in shown),
        quiet=frozenset(
            m.unit_id
            for m in members
            if 0 < respondents[m.unit.path] < scoring.MIN_RESPONDENTS_FOR_DETAIL
        ),
    )


def scorecard_compute(*, campaign: Campaign, scope: Scope | None = None) -> dict:
    """The live scorecard report (see _scorecard); every unit when `scope` is None."""
    return _scorecard(campaign=campaign, scope=scope or Scope.everything())[0]


def _scorecard(*, campaign: Campaign, scope: Scope) -> tuple[dict, Detail]:
    """The live scorecard, `{"campaign", "units", "kinds", "items"}` (docs/metrics.md names),
    and which of its units' distributions the reader may see.

    `scope` limits rows to its units (a unit manager's view; None: every unit); subtree
    rows still roll up the whole subtree under each visible unit. `items` are computed
    over the scope's top, and left out when the small-cell rule hides that subtree.
    """
    items = mask_items(campaign=campaign)
    item_count = len(items)
    members = scorecard_members(campaign=campaign)
    own = unit_totals(campaign=campaign, item_count=item_count)
    by_path = {m.unit.path: m for m in members}
    step = Unit.steplen

    # [totals, headcount] per unit path, over its subtree.
    subtree: dict[str, list] = {m.unit.path: [Totals(), 0] for m in members}
    empty = Totals()
    for member in members:
        totals = own.get(member.unit_id)
        path = member.unit.path
        # Add this unit's own counts to itself and to every ancestor in the campaign
        # (most units of a large campaign have no answers: only their headcount).
        for end in range(len(path), 0, -step):
            acc = subtree.get(path[:end])
            if acc is not None:
                if totals is not None:
                    acc[0].add(totals)
                acc[1] += member.headcount

    unit_rows, kind_totals = [], {}
    for member in members:
        if not scope.allows(member.unit_id):
            continue
        path = member.unit.path
        parent = by_path.get(path[:-step])
        acc, heads = subtree[path]
        totals = own.get(member.unit_id)
        row = {
            "unit_code": member.unit.code,
            "unit_name": member.unit.name,
            "unit_kind": member.unit.kind.name,
            "parent_code": parent.unit.code if parent else None,
        } | metrics_row(
            totals=acc, headcount=heads, campaign=campaign, item_count=item_count
        )
        row["flags"] = unit_flags(member=member, own=totals or empty, row=row)
        unit_rows.append(row)
        kind = kind_totals.get(member.unit.kind)
        if kind is None:
            kind = kind_totals[member.unit.kind] = [Totals(), 0]
        if totals is not None:
            kind[0].add(totals)
        kind[1] += member.headcount

    kind_rows = [
        {"unit_kind": kind.name}
        | metrics_row(totals=t, headcount=h, campaign=campaign, item_count=item_count)
        for kind, (t, h) in sorted(
            kind_totals.items(), key=lambda kv: (kv[0].sort_order, kv[0].name)
        )
    ]
    tops = scope_tops(members=members, scope=scope)
    detail = _detail(members=members, own=own, tops=tops, scope=scope)
    # Items over the reader's scope: the whole campaign, or a unit manager's subtree.
    shown_tops = [t for t in tops if detail.shows(t.unit.code)]
    item_list = []
    if shown_tops:
        whole = any(t.unit_id == campaign.root_unit_id for t in shown_tops)
        item_totals = item_counts(
            campaign=campaign,
            item_count=item_count,
            roots=None if whole else [t.unit for t in shown_tops],
        )
        item_list = item_rows(items=items, totals=item_totals)
    report = {
        "campaign": campaign_summary(campaign=campaign),
        "units": unit_rows,
        "kinds": kind_rows,
        "items": item_list,
    }
    return report, detail


def scorecard_read(*, campaign: Campaign, scope: Scope) -> tuple[dict, Detail]:
    """The scorecard as `scope` sees it, frozen at closing, live while open, and which
    of its units' distributions that reader may see.

    A limited scope reading a closed campaign gets it computed for their scope: after
    closing nothing it is computed from can change (the headcount snapshot, the
    responses and their scores, the targets are all locked), so it equals the frozen one.
    """
    frozen = campaign.frozen_scorecard
    if campaign.state == CampaignState.CLOSED and frozen:
        if scope.is_global:
            return frozen, Detail()
        report, detail = _scorecard(campaign=campaign, scope=scope)
        return report | {"campaign": frozen["campaign"]}, detail
    return _scorecard(campaign=campaign, scope=scope)


def scorecard_for(*, campaign: Campaign, scope: Scope | None = None) -> dict:
    """The scorecard report alone (see scorecard_read); every unit when `scope` is None."""
    return scorecard_read(campaign=campaign, scope=scope or Scope.everything())[0]


def trend(*, campaign: Campaign, root: Unit | None = None) -> list[dict]:
    """Completed responses per local day in `root`'s subtree, with the running total."""
    root = root or campaign.root_unit
    headcount = sum(
        m.headcount
        for m in CampaignUnit.objects.filter(
            campaign=campaign, unit__path__startswith=root.path
        ).only("headcount")
    )
    days = (
        Response.objects.filter(
            campaign=campaign,
            completed_at__isnull=False,
            unit__path__startswith=root.path,
        )
        .annotate(day=TruncDate("completed_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    rows, running = [], 0
    for day in days:
        running += day["n"]
        rows.append(
            {
                "date": day["day"].isoformat()
                if isinstance(day["day"], date)
                else str(day["day"]),
                "participants": day["n"],
                "cumulative": running,
                "participation_rate": scoring.ratio(running, headcount),
            }
        )
    return rows


def distributions(
    *,
    campaign: Campaign,
    root: Unit | None = None,
    with_text: bool = True,
    quiet_units: frozenset[int] = frozenset(),
    answer_keys: bool = True,
) -> list[dict]:
    """Per question in `root`'s subtree: option counts, text answers, number summaries.

    Free text from `quiet_units` is left out of the lists (Detail.quiet), and
    `answer_keys=False` gives `is_correct` as None (units.permissions.can_see_answer_keys).
    """
    root = root or campaign.root_unit
    completed = Q(
        response__completed_at__isnull=False,
        response__unit__path__startswith=root.path,
    )
    option_counts = dict(
        Answer.objects.filter(completed, campaign=campaign, option__isnull=False)
        .values("option_id")
        .annotate(n=Count("id"))
        .values_list("option_id", "n")
    )
    answered = dict(
        Answer.objects.filter(completed, campaign=campaign)
        .values("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question_id", "n")
    )
    texts: dict[int, list[str]] = {}
    if with_text:
        for question_id, text in (
            Answer.objects.filter(completed, campaign=campaign)
            .exclude(text="")
            .exclude(response__unit_id__in=quiet_units)
            .order_by("-response__completed_at")
            .values_list("question_id", "text")[:2000]
        ):
            texts.setdefault(question_id, []).append(text)
    questions = (
        Question.objects.filter(survey_id=campaign.survey_id)
        .prefetch_related("options")
        .order_by("sort_order", "id")
    )
    result = []
    for question in questions:
        n = answered.get(question.pk, 0)
        result.append(
            {
                "code": question.code,
                "kind": question.kind,
                "text": question.text,
                "answered": n,
                "options": [
                    {
                        "code": o.code,
                        "label": o.label,
                        "is_correct": o.is_correct if answer_keys else None,
                        "count": option_counts.get(o.pk, 0),
                        "share": scoring.ratio(option_counts.get(o.pk, 0), n),
                    }
                    for o in question.options.all()
                ],
                "texts": texts.get(question.pk, [])[:200],
            }
        )
    return result


def campaigns_open_for(*, user) -> QuerySet[Campaign]:
    """Campaigns open now whose tree includes the user's unit, each annotated with
    `unit_token`, the link token of that unit (anonymous campaigns are answered through it,
    so the response stays unlinked to the person even when they are logged in)."""
    if not (user.is_authenticated and user.unit_id):
        return Campaign.objects.none()
    today = timezone.localdate()
    token = CampaignUnit.objects.filter(campaign=OuterRef("pk"), unit_id=user.unit_id)
    return (
        Campaign.objects.filter(
            state=CampaignState.OPEN,
            campaign_units__unit_id=user.unit_id,
        )
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=today))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .annotate(unit_token=Subquery(token.values("token")[:1]))
        .select_related("survey")
        .order_by("-opened_at")
    )


def open_campaign_rows(*, user) -> list[dict]:
    """The user's open campaigns with whether they have submitted (identified mode) or
    saved a draft; two queries."""
    campaigns = list(campaigns_open_for(user=user))
    done, drafts = set(), set()
    if campaigns:
        for campaign_id, completed in Response.objects.filter(
            user=user, campaign__in=campaigns
        ).values_list("campaign_id", "completed_at"):
            (done if completed else drafts).add(campaign_id)
    return [
        {"campaign": c, "done": c.pk in done, "draft": c.pk in drafts}
        for c in campaigns
    ]


def campaigns_visible_to(*, scope: Scope) -> QuerySet[Campaign]:
    """Campaigns whose scorecard a reader with `scope` may open: every one for a global
    scope, otherwise the started ones with at least one unit in the scope."""
    campaigns = Campaign.objects.select_related("survey", "root_unit")
    if scope.is_global:
        return campaigns
    in_scope = scope.filter(CampaignUnit.objects.all()).values("campaign_id")
    return campaigns.exclude(state=CampaignState.DRAFT).filter(pk__in=in_scope)


def survey_has_collected_data(*, survey_id: int) -> bool:
    """True once a campaign of the survey has started (open or closed) or holds any
    response: stored answers then refer to its questions and options by their codes."""
    started = Campaign.objects.filter(survey_id=survey_id).exclude(
        state=CampaignState.DRAFT
    )
    return (
        started.exists()
        or Response.objects.filter(campaign__survey_id=survey_id).exists()
    )


def survey_form(*, survey: Survey) -> tuple[FormQuestion, ...]:
    """The survey's questions for the respondent's pages, from this worker's memory when
    it holds them for the survey's current revision (`survey` as just read, e.g. with
    the link), else in two queries (surveys.questionnaire)."""
    key = (survey.pk, survey.revision)
    form = questionnaire.cached_form(key)
    if form is None:
        form = form_questions(survey_questions(survey_id=survey.pk))
        questionnaire.keep_form(key, form)
    return form


def survey_questions(*, survey_id: int) -> list[Question]:
    return list(
        Question.objects.filter(survey_id=survey_id)
        .select_related("section")
        .prefetch_related("options")
        .order_by("sort_order", "id")
    )


STRUCTURE_COLUMNS = [
    "code",
    "kind",
    "text",
    "options",
    "correct",
    "required",
    "section",
]


def survey_structure_rows(*, survey_id: int) -> list[list]:
    """The survey as the import format reads it (one row per question), for round trips.
    Satisfaction options are built in, so they are left out."""
    rows = []
    for question in survey_questions(survey_id=survey_id):
        options = list(question.options.all())
        builtin = question.kind == QuestionKind.SATISFACTION
        rows.append(
            [
                question.code,
                question.kind,
                question.text,
                "" if builtin else "|".join(f"{o.code}:{o.label}" for o in options),
                "|".join(o.code for o in options if o.is_correct),
                1 if question.required else 0,
                question.section.title if question.section else "",
            ]
        )
    return rows
