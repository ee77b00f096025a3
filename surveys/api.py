"""Read-only JSON API (django-ninja) at /api/v1/, schema at /api/v1/openapi.json.

Authentication: a personal token (`Authorization: Bearer qlxt_…`, issued in the admin)
or the admin session. A token carries its owner's scope; data outside it is a 404, so
the API does not reveal which campaigns or units exist elsewhere.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.security import HttpBearer, django_auth

from units.models import Unit
from units.permissions import Scope, can_see_answer_keys, scorecard_scope

from .models import ApiToken, Campaign
from .selectors import (
    campaign_summary,
    campaigns_visible_to,
    distributions,
    scorecard_read,
)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = (
            ApiToken.objects.filter(
                key_hash=ApiToken.hash_key(token),
                revoked_at__isnull=True,
                user__is_active=True,
            )
            .select_related("user")
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="清廉学堂 API",
    version="1",
    description="Read-only: campaigns, scorecards (docs/metrics.md field names), distributions.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="surveys_api",
    # The interactive docs page would load scripts from a CDN; the schema is enough.
    docs_url=None,
)


class CampaignOut(Schema):
    id: int
    title: str
    description: str
    survey_id: int
    root_unit_code: str
    mode: str
    state: str
    starts_on: date | None
    ends_on: date | None
    participation_target: float
    recognition_target: float
    satisfaction_target: float
    recognition_threshold: float


class RatesOut(Schema):
    headcount: int
    participants: int
    participation_rate: float | None
    participation_status: str | None
    participation_gap: int
    respondents: int
    recognising: int | None
    recognition_rate: float | None
    recognition_ci_low: float | None
    recognition_ci_high: float | None
    recognition_status: str | None
    recognition_gap: int | None
    satisfaction_rate: float | None
    satisfaction_ci_low: float | None
    satisfaction_ci_high: float | None
    satisfaction_index: float | None
    satisfaction_status: str | None
    # Anomaly flags (over_headcount, burst, one_network); absent from scorecards frozen
    # before flags existed.
    flags: list[str] = []


class UnitRowOut(RatesOut):
    unit_code: str
    unit_name: str
    unit_kind: str
    parent_code: str | None


class KindRowOut(RatesOut):
    unit_kind: str


class ItemOut(Schema):
    code: str
    text: str
    answered: int
    correct: int
    rate: float | None


class ScorecardOut(Schema):
    campaign: dict
    units: list[UnitRowOut]
    kinds: list[KindRowOut]
    items: list[ItemOut]


class OptionCountOut(Schema):
    code: str
    label: str
    # None for readers who get no answer keys (unit managers).
    is_correct: bool | None
    count: int
    share: float | None


class QuestionOut(Schema):
    code: str
    kind: str
    text: str
    answered: int
    options: list[OptionCountOut]
    texts: list[str]


class DistributionOut(Schema):
    unit_code: str
    respondents: int
    hidden: bool
    questions: list[QuestionOut]


class ErrorOut(Schema):
    """401 without valid credentials; 404 for a campaign or unit that does not exist
    or lies outside the reader's scope (the two are not told apart)."""

    detail: str


class ValidationErrorOut(Schema):
    """422: a parameter of the wrong type, such as a campaign id that is not a number."""

    detail: list[dict]


# Every answer an operation can give, so clients (and schema checks) know them all.
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _campaign_for(request, campaign_id: int) -> tuple[Campaign, Scope]:
    """The campaign and the reader's scope, resolved for this request; a campaign with
    no unit in that scope is a 404."""
    scope = scorecard_scope(request.auth)
    campaign = get_object_or_404(
        campaigns_visible_to(scope=scope).select_related("root_unit"),
        pk=campaign_id,
    )
    return campaign, scope


@api.get(
    "/campaigns", response={200: list[CampaignOut], 401: ErrorOut}, tags=["campaigns"]
)
def list_campaigns(request):
    scope = scorecard_scope(request.auth)
    return [
        campaign_summary(campaign=c) for c in campaigns_visible_to(scope=scope)[:500]
    ]


@api.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, **ERRORS},
    tags=["campaigns"],
)
def get_campaign(request, campaign_id: int):
    campaign, _scope = _campaign_for(request, campaign_id)
    return campaign_summary(campaign=campaign)


@api.get(
    "/campaigns/{campaign_id}/scorecard",
    response={200: ScorecardOut, **ERRORS},
    tags=["scorecards"],
)
def get_scorecard(request, campaign_id: int):
    """The same shape as `manage.py campaign_report --format json`, over the reader's
    scope; `items` are left out when the small-cell rule hides the scope's top."""
    campaign, scope = _campaign_for(request, campaign_id)
    return scorecard_read(campaign=campaign, scope=scope)[0]


@api.get(
    "/campaigns/{campaign_id}/distributions",
    response={200: DistributionOut, **ERRORS},
    tags=["scorecards"],
)
def get_distributions(request, campaign_id: int, unit: str | None = None):
    """Per-question option counts in a unit's subtree. For unit managers they follow
    complementary suppression (docs/metrics.md, privacy): `hidden` is true and the
    questions are empty for a subtree below 5 respondents and for any whose figures
    would give a small unit's away by subtraction; free text of units below 5 own
    respondents is left out, and so are answer keys."""
    campaign, scope = _campaign_for(request, campaign_id)
    report, detail = scorecard_read(campaign=campaign, scope=scope)
    rows = {r["unit_code"]: r for r in report["units"]}
    code = unit or (report["units"][0]["unit_code"] if report["units"] else "")
    if code not in rows:
        raise Http404
    hidden = not detail.shows(code)
    questions = (
        []
        if hidden
        else distributions(
            campaign=campaign,
            root=get_object_or_404(Unit, code=code),
            quiet_units=detail.quiet,
            answer_keys=can_see_answer_keys(request.auth),
        )
    )
    return {
        "unit_code": code,
        "respondents": rows[code]["respondents"],
        "hidden": hidden,
        "questions": questions,
    }
