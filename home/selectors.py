"""Reads for the site shell: sections that apps contribute to the home page and "我的".

An app registers a hook returning a `Section` (or None to show nothing):

    @hooks.register("home_sections")
    def courses_on_home(request, page): return Section(order=10, template=..., context={...})

so the site shell never imports the feature apps. The admin dashboard does (below): it
is where each role's figures and queues from several apps meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, FloatField, OuterRef, Subquery, Sum, Window
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils import timezone
from wagtail import hooks
from wagtail.models import Page, WorkflowState

from courses.demo import COLLECTION as DEMO_COLLECTION
from courses.models import CoursePage, LessonPage, StoryPage, StorySubmission
from surveys import scoring
from surveys.models import Campaign, CampaignState, CampaignUnit, Response
from surveys.selectors import campaigns_visible_to
from units.models import Unit
from units.permissions import Scope


@dataclass(order=True)
class Section:
    order: int
    template: str = field(compare=False)
    context: dict = field(default_factory=dict, compare=False)


def _collect(hook_name: str, **kwargs) -> list[Section]:
    sections = [fn(**kwargs) for fn in hooks.get_hooks(hook_name)]
    return sorted(s for s in sections if s is not None)


def home_sections(*, request, page) -> list[Section]:
    return _collect("home_sections", request=request, page=page)


def me_sections(*, request) -> list[Section]:
    return _collect("me_sections", request=request)


def search_pages(*, query: str) -> list:
    """Live public pages matching `query`, best first (Chinese-aware: courses/search.py)."""
    from courses.search import search_pages as search_chinese

    pages = Page.objects.live().public().specific()
    return list(search_chinese(queryset=pages, query=query)[:200])


# --- the admin dashboard: what each role starts the day with -----------------------
# Registered as Wagtail home panels in home/wagtail_hooks.py. Figures follow docs/metrics.md
# (participation = completed responses / snapshot headcount, target per campaign) and
# are read through the reader's Scope, so a unit manager's come from their subtree only.

WEAKEST_UNITS = 5
AWAITING_REVIEW = 10


@dataclass(frozen=True)
class CampaignDay:
    """One open campaign as a reader sees it: over the whole campaign for a global
    scope, over the reader's subtree for a unit manager."""

    campaign: Campaign
    headcount: int
    participants: int
    rate: float | None
    target: float
    status: str | None
    gap: int
    days_left: int | None


@dataclass(frozen=True)
class WeakUnit:
    campaign: Campaign
    unit: Unit
    headcount: int
    participants: int
    rate: float
    gap: int


def _days_left(*, ends_on: date | None, today: date) -> int | None:
    # The end date is the last day answers are accepted (surveys.selectors
    # .campaigns_open_for), so 0 means "today is the last day".
    return None if ends_on is None else (ends_on - today).days


def open_campaign_days(*, scope: Scope, today: date | None = None) -> list[CampaignDay]:
    """The open campaigns `scope` may read, soonest end first, each with participation
    against its target and the days left (three queries)."""
    if scope.is_empty:
        return []
    today = today or timezone.localdate()
    campaigns = list(
        campaigns_visible_to(scope=scope)
        .filter(state=CampaignState.OPEN)
        .order_by(F("ends_on").asc(nulls_last=True), "title", "pk")
    )
    if not campaigns:
        return []
    headcounts = dict(
        scope.filter(CampaignUnit.objects.filter(campaign__in=campaigns).order_by())
        .values("campaign")
        .annotate(total=Sum("headcount"))
        .values_list("campaign", "total")
    )
    participants = dict(
        scope.filter(
            Response.objects.filter(
                campaign__in=campaigns, completed_at__isnull=False
            ).order_by()
        )
        .values("campaign")
        .annotate(total=Count("id"))
        .values_list("campaign", "total")
    )
    days = []
    for campaign in campaigns:
        heads = headcounts.get(campaign.pk) or 0
        done = participants.get(campaign.pk, 0)
        target = campaign.participation_target
        days.append(
            CampaignDay(
                campaign=campaign,
                headcount=heads,
                participants=done,
                rate=scoring.ratio(done, heads),
                target=float(target),
                status=scoring.participation_status(done, heads, target),
                gap=scoring.participation_gap(done, heads, target),
                days_left=_days_left(ends_on=campaign.ends_on, today=today),
            )
        )
    return days


def weakest_units(*, scope: Scope, limit: int = WEAKEST_UNITS) -> list[WeakUnit]:
    """Per open campaign, the `limit` units of `scope` with the lowest participation,
    lowest rate first (a tie: more people on the roster first).

    Each unit counts its own responses over its own snapshot headcount, as docs/metrics.md
    groups by unit kind: a town's subtree rollup never ranks beside its own villages,
    and every response counts once. Units with nobody on the roster have no rate and
    are left out. One query: a window numbers the units within each campaign.
    """
    if scope.is_empty:
        return []
    campaigns = campaigns_visible_to(scope=scope).filter(state=CampaignState.OPEN)
    own = (
        Response.objects.filter(
            campaign=OuterRef("campaign"),
            unit=OuterRef("unit"),
            completed_at__isnull=False,
        )
        .order_by()
        .values("unit")
        .annotate(total=Count("id"))
        .values("total")
    )
    rate = Cast(F("participants"), FloatField()) / Cast(F("headcount"), FloatField())
    rows = (
        scope.filter(
            CampaignUnit.objects.filter(
                campaign__in=campaigns.values("pk"), headcount__gt=0
            )
        )
        .select_related("unit", "campaign")
        .annotate(participants=Coalesce(Subquery(own), 0))
        .annotate(rate=rate)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("campaign_id")],
                order_by=[F("rate").asc(), F("headcount").desc(), F("unit__code")],
            )
        )
        .filter(place__lte=limit)
        .order_by("campaign__ends_on", "campaign__title", "campaign_id", "place")
    )
    return [
        WeakUnit(
            campaign=row.campaign,
            unit=row.unit,
            headcount=row.headcount,
            participants=row.participants,
            rate=row.participants / row.headcount,
            gap=scoring.participation_gap(
                row.participants, row.headcount, row.campaign.participation_target
            ),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class AwaitingReview:
    page: Page
    submitted_by: object
    submitted_at: object
    task_name: str
    is_story_submission: bool


def pages_awaiting_review(
    *, limit: int = AWAITING_REVIEW
) -> tuple[int, list[AwaitingReview]]:
    """Pages in a moderation workflow now (learners' story submissions among them),
    oldest first, and how many there are in all (three queries)."""
    states = WorkflowState.objects.active().filter(
        base_content_type=ContentType.objects.get_for_model(Page)
    )
    total = states.count()
    rows = list(
        states.select_related("requested_by", "current_task_state__task").order_by(
            "created_at", "pk"
        )[:limit]
    )
    ids = [int(s.object_id) for s in rows]
    pages = Page.objects.in_bulk(ids)
    stories = set(
        StorySubmission.objects.filter(page_id__in=ids).values_list(
            "page_id", flat=True
        )
    )
    awaiting = [
        AwaitingReview(
            page=pages[int(s.object_id)],
            submitted_by=s.requested_by,
            submitted_at=s.created_at,
            task_name=(
                s.current_task_state.task.name if s.current_task_state_id else ""
            ),
            is_story_submission=int(s.object_id) in stories,
        )
        for s in rows
        if int(s.object_id) in pages
    ]
    return total, awaiting


def demo_pages_to_check() -> list[Page]:
    """Live pages that still use a drawn demo cover: written from public sources for the
    demo, so editors check their text and replace their sources before real use."""
    pages = []
    for model in (CoursePage, LessonPage, StoryPage):
        pages += model.objects.filter(
            cover__collection__name=DEMO_COLLECTION
        ).values_list("pk", flat=True)
    return list(Page.objects.filter(pk__in=pages).order_by("path"))


def is_demo_page(*, page: Page) -> bool:
    """Whether `page` still uses a drawn demo cover (see demo_pages_to_check)."""
    cover = getattr(page.specific_deferred, "cover", None)
    return cover is not None and cover.collection.name == DEMO_COLLECTION
