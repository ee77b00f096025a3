"""Respondent pages: the list of one's open surveys, the questionnaire in its three modes
(anonymous unit link, identified, invitation code), thank-you and unavailable pages."""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import option_order, ratelimit
from ..models import (
    Campaign,
    CampaignMode,
    CampaignState,
    CampaignUnit,
    InvitationCode,
    Response,
)
from ..selectors import open_campaign_rows, survey_form
from ..services import (
    SubmissionError,
    answers_parse,
    campaign_accepts_answers,
    invitation_code_check,
    response_save_draft,
    response_submit,
)

CODE_SESSION_KEY = "surveys_code_{}"
# The thank-you page names its campaign, so only a browser that has just answered it may
# see it: otherwise walking the ids would list every campaign's title, drafts included.
# A signed cookie rather than the session: nothing about the respondent is stored.
ANSWERED_COOKIE = "sv_answered"
ANSWERED_SALT = "surveys.thanks"
ANSWERED_SECONDS = 24 * 3600
ANSWERED_KEEP = 20

# Refusals are logged with the campaign, unit and reason, never with the address or the
# device cookie (an anonymous campaign stores nothing that identifies a respondent).
logger = logging.getLogger("surveys")


def index(request):
    rows = open_campaign_rows(user=request.user)
    for row in rows:
        row["url"] = answer_url(row["campaign"])
    return TemplateResponse(request, "surveys/index.html", {"rows": rows})


def answer_url(campaign: Campaign) -> str:
    if campaign.mode == CampaignMode.IDENTIFIED:
        return reverse("surveys:identified", args=[campaign.pk])
    if campaign.mode == CampaignMode.CODES:
        return reverse("surveys:code", args=[campaign.pk])
    return reverse("surveys:unit_link", args=[campaign.unit_token])


def _unavailable(request, campaign: Campaign):
    today = timezone.localdate()
    if campaign.state == CampaignState.DRAFT or (
        campaign.starts_on and campaign.starts_on > today
    ):
        reason = "not_open"
    else:
        reason = "closed"
    return TemplateResponse(
        request, "surveys/unavailable.html", {"campaign": campaign, "reason": reason}
    )


def unit_link(request, token: str):
    """The QR code's target: the unit comes from the link, never from the person."""
    member = get_object_or_404(
        CampaignUnit.objects.select_related("campaign__survey", "unit"), token=token
    )
    campaign = member.campaign
    if campaign.mode == CampaignMode.IDENTIFIED:
        return redirect("surveys:identified", campaign_id=campaign.pk)
    if campaign.mode == CampaignMode.CODES:
        return redirect("surveys:code", campaign_id=campaign.pk)
    if not campaign_accepts_answers(campaign=campaign):
        return _unavailable(request, campaign)
    if (
        request.method == "GET"
        and campaign.pk in _answered(request)
        and request.GET.get("another") != "1"
    ):
        # This browser has just answered (the back button, a second scan): say so
        # instead of a fresh form whose new key would store a second response. A
        # shared phone passes on to the next person with the button on this page.
        return TemplateResponse(
            request,
            "surveys/thanks.html",
            {"campaign": campaign, "already": True, "another_url": "?another=1"},
        )
    return _questionnaire(request, campaign=campaign, unit=member.unit, link=member)


def identified(request, campaign_id: int):
    campaign = get_object_or_404(
        Campaign.objects.select_related("survey"),
        pk=campaign_id,
        mode=CampaignMode.IDENTIFIED,
    )
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not campaign_accepts_answers(campaign=campaign):
        return _unavailable(request, campaign)
    user = request.user
    if not (
        user.unit_id
        and CampaignUnit.objects.filter(
            campaign=campaign, unit_id=user.unit_id
        ).exists()
    ):
        return TemplateResponse(
            request,
            "surveys/unavailable.html",
            {"campaign": campaign, "reason": "not_member"},
            status=403,
        )
    existing = Response.objects.filter(campaign=campaign, user=user).first()
    if existing and existing.completed_at:
        return _to_thanks(request, campaign)
    return _questionnaire(
        request, campaign=campaign, unit=user.unit, user=user, draft=existing
    )


@require_http_methods(["GET", "POST"])
def code_entry(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id, mode=CampaignMode.CODES)
    if not campaign_accepts_answers(campaign=campaign):
        return _unavailable(request, campaign)
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "").strip()
        attempt = ratelimit.code_attempt_reserve(request, campaign_id=campaign.pk)
        # Only the hash is kept in the session, like in the database.
        code_hash = InvitationCode.hash_code(code)
        unit = (
            None
            if attempt.refused
            else invitation_code_check(campaign=campaign, code_hash=code_hash)
        )
        if unit is not None:
            attempt.release()  # only wrong codes count against the limit
            request.session[CODE_SESSION_KEY.format(campaign.pk)] = code_hash
            return redirect("surveys:code_answer", campaign_id=campaign.pk)
        if attempt.refused:
            logger.info(
                "Invitation code refused: too many wrong codes (campaign %s, per %s)",
                campaign.pk,
                attempt.refused,
            )
            error = _("尝试次数过多，请稍后再试。")
        else:
            error = _("邀请码无效或已使用，请核对后重新输入。")
    return TemplateResponse(
        request, "surveys/code.html", {"campaign": campaign, "error": error}
    )


def code_answer(request, campaign_id: int):
    campaign = get_object_or_404(
        Campaign.objects.select_related("survey"),
        pk=campaign_id,
        mode=CampaignMode.CODES,
    )
    if not campaign_accepts_answers(campaign=campaign):
        return _unavailable(request, campaign)
    code_hash = request.session.get(CODE_SESSION_KEY.format(campaign.pk), "")
    unit = (
        invitation_code_check(campaign=campaign, code_hash=code_hash)
        if code_hash
        else None
    )
    if unit is None:
        if request.method == "POST" and _replayed(request):
            return _to_thanks(request, campaign)
        messages.error(request, _("请先输入邀请码。"))
        return redirect("surveys:code", campaign_id=campaign.pk)
    return _questionnaire(request, campaign=campaign, unit=unit, code_hash=code_hash)


def thanks(request, campaign_id: int):
    if campaign_id not in _answered(request):
        raise Http404
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return TemplateResponse(request, "surveys/thanks.html", {"campaign": campaign})


def _answered(request) -> list[int]:
    """Campaigns this browser answered within the last day (newest first)."""
    try:
        value = request.get_signed_cookie(
            ANSWERED_COOKIE, salt=ANSWERED_SALT, max_age=ANSWERED_SECONDS
        )
    except (KeyError, signing.BadSignature):
        return []
    return [int(part) for part in value.split(",") if part.isdecimal()]


def _to_thanks(request, campaign: Campaign):
    """The redirect after an answer was stored (or found stored), marking the browser
    as one that may see this campaign's thank-you page."""
    answered = [campaign.pk, *(i for i in _answered(request) if i != campaign.pk)]
    response = redirect("surveys:thanks", campaign_id=campaign.pk)
    response.set_signed_cookie(
        ANSWERED_COOKIE,
        ",".join(str(i) for i in answered[:ANSWERED_KEEP]),
        salt=ANSWERED_SALT,
        max_age=ANSWERED_SECONDS,
        path=reverse("surveys:index"),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def _replayed(request) -> bool:
    key = _key(request.POST.get("idempotency_key", ""))
    return key is not None and Response.objects.filter(idempotency_key=key).exists()


def _key(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _draft_values(draft: Response | None) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    if draft is None:
        return values
    for code, option, text, number in draft.answers.values_list(
        "question__code", "option__code", "text", "number"
    ):
        value = option or text or ("" if number is None else f"{number.normalize():f}")
        values.setdefault(code, []).append(value)
    return values


def _refused(request, *, campaign, unit, reason: str, status: int):
    logger.info(
        "Submission refused: %s (campaign %s, mode %s, unit %s)",
        reason,
        campaign.pk,
        campaign.mode,
        unit.code,
    )
    return TemplateResponse(
        request,
        "surveys/unavailable.html",
        {
            "campaign": campaign,
            "unit": unit,
            "reason": reason,
            "device_limit": ratelimit.DEVICE_LIMIT,
        },
        status=status,
    )


def _questionnaire(
    request, *, campaign, unit, user=None, code_hash="", draft=None, link=None
):
    """`link` is the unit's CampaignUnit when answering through its anonymous link: such
    answers are budgeted (ratelimit) and counted per network for the flags."""
    # The campaign was read with its survey (select_related): its revision finds the
    # questions in this worker's memory without a query.
    questions = survey_form(survey=campaign.survey)
    errors: dict[str, str] = {}
    values = _draft_values(draft)
    key = uuid.uuid4()
    status = 200
    forged: set[str] = set()
    if request.method == "POST":
        key = _key(request.POST.get("idempotency_key", "")) or uuid.uuid4()
        # Recognition options come back as opaque tokens (option_order): decode them
        # with the same seed that drew the form; anything else is refused.
        values, forged = option_order.decoded_values(
            questions=questions,
            values={q.code: request.POST.getlist(f"q_{q.code}") for q in questions},
            seed=option_order.respondent_seed(
                campaign=campaign, user=user, nonce=str(key)
            ),
        )
        if "save" in request.POST and user is not None:
            answers, errors = answers_parse(
                questions=questions, values=values, complete=False
            )
            errors |= dict.fromkeys(forged, _("此题的答案无法识别，请重新选择。"))
            if not errors:
                response_save_draft(
                    campaign=campaign, user=user, unit=unit, answers=answers
                )
                messages.success(request, _("已保存，可稍后继续作答。"))
                return redirect(request.path)
        else:
            answers, errors = answers_parse(questions=questions, values=values)
            errors |= dict.fromkeys(forged, _("此题的答案无法识别，请重新选择。"))
            if not errors:
                existing = Response.objects.filter(idempotency_key=key).first()
                if existing is not None:
                    return _to_thanks(request, campaign)
                reservation = None
                if link is not None:
                    reservation = ratelimit.submission_reserve(
                        request,
                        campaign_id=campaign.pk,
                        link_id=link.pk,
                        headcount=link.headcount,
                    )
                    if reservation.refused:
                        return _refused(
                            request,
                            campaign=campaign,
                            unit=unit,
                            reason=f"{reservation.refused}_budget",
                            status=429,
                        )
                created = False
                try:
                    _response, created = response_submit(
                        campaign=campaign,
                        unit=unit,
                        answers=answers,
                        idempotency_key=key,
                        user=user,
                        code_hash=code_hash,
                        network=ratelimit.network_hash(request, campaign_id=campaign.pk)
                        if link is not None
                        else "",
                        link=link,
                        questions=questions,
                        # Looked up just above, before the budget was touched.
                        replay_checked=True,
                    )
                except SubmissionError as exc:
                    logger.info(
                        "Submission refused: %s (campaign %s, mode %s, unit %s)",
                        exc,
                        campaign.pk,
                        campaign.mode,
                        unit.code,
                    )
                    messages.error(request, str(exc))
                    return redirect(request.path)
                finally:
                    # Budgets count accepted answers: a replay stored nothing new.
                    if reservation is not None and not created:
                        reservation.release()
                request.session.pop(CODE_SESSION_KEY.format(campaign.pk), None)
                return _to_thanks(request, campaign)
        status = 400
    blocks = _blocks(
        questions,
        values,
        errors,
        seed=option_order.respondent_seed(campaign=campaign, user=user, nonce=str(key)),
        shuffle=campaign.shuffle_options,
    )
    answered = sum(
        1 for q in questions if any(v.strip() for v in values.get(q.code, []))
    )
    response = TemplateResponse(
        request,
        "surveys/questionnaire.html",
        {
            "campaign": campaign,
            "unit": unit,
            "blocks": blocks,
            "errors": [(q, errors[q.code]) for q in questions if q.code in errors],
            "idempotency_key": key,
            "total": len(questions),
            "answered": answered,
            "percent": round(100 * answered / len(questions)) if questions else 0,
            "can_save": user is not None,
            "action": request.path,
        },
        status=status,
    )
    if user is None and not ratelimit.device_id(request):
        response.set_cookie(
            ratelimit.DEVICE_COOKIE,
            ratelimit.new_device_id(),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _blocks(questions, values, errors, *, seed: str, shuffle: bool):
    """Questions grouped by section in order, each with its chosen values, error and
    options as shown (value, label, checked; option_order for recognition items)."""
    blocks: list[dict] = []
    for number, question in enumerate(questions, start=1):
        title = question.section_title
        if not blocks or blocks[-1]["title"] != title:
            blocks.append({"title": title, "items": []})
        chosen = [v.strip() for v in values.get(question.code, []) if v]
        blocks[-1]["items"].append(
            {
                "number": number,
                "question": question,
                "chosen": chosen,
                "value": chosen[0] if chosen else "",
                "error": errors.get(question.code, ""),
                "options": [
                    {
                        "value": value,
                        "label": option.label,
                        "checked": option.code in chosen,
                    }
                    for value, option in option_order.displayed_options(
                        question=question, seed=seed, shuffle=shuffle
                    )
                ]
                if question.has_options
                else [],
                "multiple": question.kind == "multiple"
                or (question.kind == "recognition" and question.correct_count > 1),
            }
        )
    return blocks
