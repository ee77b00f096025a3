"""Posting a questionnaire as a browser would: recognition items carry the opaque
per-respondent values of the form (surveys.option_order), not option codes."""

from __future__ import annotations

import re
import uuid

from surveys import option_order
from surveys.models import Campaign, CampaignMode, CampaignUnit, Question, QuestionKind


def campaign_for(url: str) -> Campaign:
    if match := re.search(r"/surveys/u/([^/]+)/", url):
        return CampaignUnit.objects.get(token=match[1]).campaign
    return Campaign.objects.get(pk=re.search(r"/surveys/(\d+)/", url)[1])


def form_values(data: dict, *, campaign: Campaign, key, user_id=None) -> dict:
    """`data` with every recognition item's option codes replaced by the values the
    form drawn with `key` (or for the identified person `user_id`) shows."""
    user = None
    if campaign.mode == CampaignMode.IDENTIFIED and user_id is not None:
        user = type("Respondent", (), {"pk": int(user_id)})()
    seed = option_order.respondent_seed(campaign=campaign, user=user, nonce=str(key))
    values = dict(data)
    recognition = Question.objects.filter(
        survey_id=campaign.survey_id, kind=QuestionKind.RECOGNITION
    ).prefetch_related("options")
    for question in recognition:
        field = f"q_{question.code}"
        if field not in values:
            continue
        raw = values[field]
        codes = raw if isinstance(raw, list) else [raw]
        options = {o.code: o for o in question.options.all()}
        tokens = [
            option_order.option_token(seed=seed, question=question, option=options[c])
            if c in options
            else c
            for c in codes
        ]
        values[field] = tokens if isinstance(raw, list) else tokens[0]
    return values


def post_answers(client, url: str, data: dict, *, key=None, **extra):
    key = key or uuid.uuid4()
    values = form_values(
        data,
        campaign=campaign_for(url),
        key=key,
        user_id=client.session.get("_auth_user_id"),
    )
    return client.post(url, {**values, "idempotency_key": str(key)}, **extra)
