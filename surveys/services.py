"""Writes: surveys, campaigns (open, close), invitation codes, responses, API tokens."""

from __future__ import annotations

import functools
import itertools
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from home.validators import control_character, describe
from units.models import Unit

from . import live
from .models import (
    SATISFACTION_SCALE,
    Answer,
    ApiToken,
    Campaign,
    CampaignMode,
    CampaignState,
    CampaignUnit,
    InvitationCode,
    NetworkTally,
    Option,
    Question,
    QuestionKind,
    Response,
    ResponseSource,
    Section,
    Survey,
)
from .option_order import label_pins_last
from .questionnaire import FormOption, FormQuestion, form_questions, response_scores
from .ratelimit import BURST_TALLY
from .selectors import BURST_MINIMUM, BURST_WINDOW_SECONDS, survey_has_collected_data

logger = logging.getLogger("surveys")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class SubmissionError(Exception):
    """A response that cannot be stored (closed campaign, spent code, …)."""


# --- surveys --------------------------------------------------------------------------


def question_options_ensure(*, question: Question) -> None:
    """Satisfaction questions always carry the built-in six-level scale."""
    if question.kind != QuestionKind.SATISFACTION:
        return
    existing = {o.code: o for o in question.options.all()}
    for order, (code, label, value) in enumerate(SATISFACTION_SCALE):
        option = existing.get(code)
        if option is None:
            Option.objects.create(
                question=question,
                code=code,
                label=str(label),
                value=value,
                sort_order=order,
            )
        elif option.value != value:
            option.value = value
            option.save(update_fields=["value"])
    Option.objects.filter(question=question).exclude(
        code__in=[c for c, _label, _v in SATISFACTION_SCALE]
    ).delete()


STRUCTURE_LOCKED = gettext_lazy(
    "该问卷已有答卷，不能删除题目或选项，也不能修改题目的所属问卷、编码、题型和选项编码；"
    "如需调整，请导出问卷结构，修改后作为新问卷导入。"
)


def question_change_check(
    *, question: Question, survey_id: int, code: str, kind: str, options: dict[int, str]
) -> None:
    """Refuse an edit that would change what stored answers mean, once the survey has
    collected data (selectors.survey_has_collected_data). `options` maps each existing
    option kept by the edit (pk) to its new code; a stored option missing from it is
    being deleted. Wording, the required flag and correct answers stay editable: scores
    are recomputed from the answer rows (campaigns_rescore)."""
    if question.pk is None:
        return
    stored = (
        Question.objects.filter(pk=question.pk)
        .values_list("survey_id", "code", "kind")
        .first()
    )
    if stored is None or not survey_has_collected_data(survey_id=stored[0]):
        return
    stored_options = dict(
        Option.objects.filter(question_id=question.pk).values_list("pk", "code")
    )
    if (
        (survey_id, code, kind) != stored
        or stored_options.keys() - options.keys()
        or any(options[pk] != old for pk, old in stored_options.items())
    ):
        raise ValidationError(STRUCTURE_LOCKED, code="structure_locked")


def question_delete_check(*, question: Question) -> None:
    """Refuse deleting a question of a survey that has collected data."""
    if survey_has_collected_data(survey_id=question.survey_id):
        raise ValidationError(STRUCTURE_LOCKED, code="structure_locked")


@dataclass
class QuestionSpec:
    code: str
    kind: str
    text: str
    options: list[tuple[str, str]]
    correct: set[str]
    required: bool
    section: str = ""


@transaction.atomic
def survey_create(
    *, title: str, description: str = "", questions: Iterable[QuestionSpec]
) -> Survey:
    survey = Survey.objects.create(title=title, description=description)
    sections: dict[str, object] = {}
    for order, spec in enumerate(questions):
        section = None
        if spec.section:
            if spec.section not in sections:
                sections[spec.section] = Section.objects.create(
                    survey=survey, title=spec.section, sort_order=len(sections)
                )
            section = sections[spec.section]
        question = Question.objects.create(
            survey=survey,
            section=section,
            code=spec.code,
            kind=spec.kind,
            text=spec.text,
            required=spec.required,
            sort_order=order,
        )
        if spec.kind == QuestionKind.SATISFACTION:
            question_options_ensure(question=question)
        else:
            Option.objects.bulk_create(
                Option(
                    question=question,
                    code=code,
                    label=label,
                    is_correct=code in spec.correct,
                    sort_order=i,
                    pin_last=label_pins_last(label),
                )
                for i, (code, label) in enumerate(spec.options)
            )
    return survey


# --- campaigns ------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    survey: Survey,
    title: str,
    root_unit: Unit,
    mode: str = CampaignMode.ANONYMOUS,
    description: str = "",
    target: Decimal | None = None,
    starts_on=None,
    ends_on=None,
) -> Campaign:
    campaign = Campaign(
        survey=survey,
        title=title,
        description=description,
        root_unit=root_unit,
        mode=mode,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    if target is not None:
        campaign.participation_target = target
        campaign.recognition_target = target
        campaign.satisfaction_target = target
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_open(*, campaign: Campaign) -> Campaign:
    """Snapshot every subtree unit's headcount and give it a link token, then open."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.DRAFT:
        raise ValidationError(_("只有草稿状态的测评活动可以开始。"))
    units = Unit.objects.filter(path__startswith=campaign.root_unit.path).only(
        "id", "headcount"
    )
    members = CampaignUnit.objects.bulk_create(
        CampaignUnit(
            campaign=campaign,
            unit=unit,
            headcount=unit.headcount,
            token=secrets.token_urlsafe(16),
        )
        for unit in units
    )
    campaign.state = CampaignState.OPEN
    campaign.opened_at = timezone.now()
    campaign.save(update_fields=["state", "opened_at"])
    logger.info(
        "campaign opened: id=%s root=%s units=%d headcount=%d",
        campaign.pk,
        campaign.root_unit.code,
        len(members),
        sum(m.headcount for m in members),
    )
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign) -> Campaign:
    """Stop answering and store the scorecard as it stands, so history cannot drift."""
    from .selectors import scorecard_compute

    # Exclusive: waits for submissions in flight (they hold the shared lock), and those
    # arriving now wait for this and then find the campaign closed.
    campaign = campaign_lock(campaign_id=campaign.pk, exclusive=True)
    if campaign.state != CampaignState.OPEN:
        raise ValidationError(_("只有进行中的测评活动可以结束。"))
    # The frozen item list becomes the bit order of these responses' masks for good
    # (selectors.mask_items): rescoring now makes that true whatever path last edited
    # the survey, at the cost of one set-based UPDATE (seconds for 50,000 responses).
    responses_score(campaign=campaign)
    campaign.frozen_scorecard = scorecard_compute(campaign=campaign)
    campaign.state = CampaignState.CLOSED
    campaign.closed_at = timezone.now()
    campaign.frozen_scorecard["campaign"]["state"] = campaign.state
    campaign.frozen_scorecard["campaign"]["closed_at"] = campaign.closed_at.isoformat()
    campaign.save(update_fields=["frozen_scorecard", "state", "closed_at"])
    network_tallies_forget(campaign=campaign)
    logger.info(
        "campaign closed: id=%s respondents=%s",
        campaign.pk,
        sum(
            row["participants"]
            for row in campaign.frozen_scorecard["units"]
            if row["parent_code"] is None
        ),
    )
    return campaign


def network_tallies_forget(*, campaign: Campaign) -> None:
    """Keep each unit's largest network tally — all the `one_network` flag reads — and
    drop the address hashes, which a closed campaign no longer needs for anything."""
    tallies = NetworkTally.objects.filter(campaign_unit__campaign=campaign).exclude(
        address_hash=BURST_TALLY
    )
    peaks = list(
        tallies.order_by()
        .values("campaign_unit_id")
        .annotate(peak=Max("count"))
        .values_list("campaign_unit_id", "peak")
    )
    tallies.delete()
    NetworkTally.objects.bulk_create(
        NetworkTally(campaign_unit_id=pk, address_hash="", count=peak)
        for pk, peak in peaks
    )


def campaign_lock(*, campaign_id: int, exclusive: bool = False) -> Campaign:
    """Re-read the campaign under a row lock held to the end of the caller's transaction.

    Submissions and paper imports take a shared lock (PostgreSQL `FOR SHARE`): they do
    not wait for each other, but closing (`exclusive`, `FOR UPDATE`) waits for those in
    flight and they wait for it, so nothing lands after the scorecard froze. Django has
    no `FOR SHARE`, hence the raw statement. SQLite has one writer at a time anyway.
    """
    if exclusive:
        return Campaign.objects.select_for_update().get(pk=campaign_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {Campaign._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608 - table name from the model
                [campaign_id],
            )
    return Campaign.objects.get(pk=campaign_id)


def campaign_accepts_answers(*, campaign: Campaign) -> bool:
    today = timezone.localdate()
    return (
        campaign.state == CampaignState.OPEN
        and (campaign.starts_on is None or campaign.starts_on <= today)
        and (campaign.ends_on is None or campaign.ends_on >= today)
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def invitation_codes_issue(*, campaign: Campaign, unit: Unit, count: int) -> list[str]:
    """New one-time codes for `unit`. The plain codes are returned once (for printing);
    only their hashes are stored."""
    if not CampaignUnit.objects.filter(campaign=campaign, unit=unit).exists():
        raise ValidationError(_("该单元不在本测评活动范围内。"))
    codes = set()
    while len(codes) < count:
        codes.add(_new_code())
    InvitationCode.objects.bulk_create(
        InvitationCode(
            campaign=campaign, unit=unit, code_hash=InvitationCode.hash_code(c)
        )
        for c in codes
    )
    return sorted(codes)


def invitation_code_check(*, campaign: Campaign, code_hash: str) -> Unit | None:
    """The unit of an unspent code (given by its hash) of this campaign, or None."""
    found = (
        InvitationCode.objects.filter(
            campaign=campaign, code_hash=code_hash, spent=False
        )
        .select_related("unit")
        .first()
    )
    return found.unit if found else None


# --- answers and responses --------------------------------------------------------------


@dataclass
class CleanAnswer:
    """One answer row to write; only the ids of `question` and `option` are stored."""

    question: Question | FormQuestion
    option: Option | FormOption | None = None
    text: str = ""
    number: Decimal | None = None


def _match_option(question: FormQuestion, value: str) -> FormOption | None:
    value = value.strip()
    for option in question.options:
        if option.code.upper() == value.upper() or option.label == value:
            return option
    return None


def answers_parse(
    *,
    questions: Iterable[Question | FormQuestion],
    values: dict[str, list[str]],
    complete: bool = True,
) -> tuple[list[CleanAnswer], dict[str, str]]:
    """Turn raw values (question code → strings: option codes or labels, or one text/number)
    into answers, with an error message per question code. `complete` checks required
    questions (a draft may be incomplete). Model instances (survey_questions) are read
    as FormQuestions, which the answers then refer to."""
    answers: list[CleanAnswer] = []
    errors: dict[str, str] = {}
    for question in form_questions(questions):
        raw = [v.strip() for v in values.get(question.code, []) if v and v.strip()]
        if not raw:
            if complete and question.required:
                errors[question.code] = _("此题必答。")
            continue
        if question.has_options:
            if (
                question.kind in (QuestionKind.SINGLE, QuestionKind.SATISFACTION)
                and len(raw) > 1
            ):
                errors[question.code] = _("此题只能选一项。")
                continue
            chosen, bad = [], []
            for value in raw:
                option = _match_option(question, value)
                (bad if option is None else chosen).append(option or value)
            if bad:
                errors[question.code] = _(
                    "没有这个选项：%(values)s（可选：%(choices)s）。"
                ) % {
                    "values": "、".join(bad),
                    "choices": "、".join(
                        f"{o.code} {o.label}" for o in question.options
                    ),
                }
                continue
            if len({o.pk for o in chosen}) != len(chosen):
                errors[question.code] = _("同一选项选了两次。")
                continue
            if question.kind == QuestionKind.RECOGNITION and len(chosen) > 1:
                if question.correct_count <= 1:
                    errors[question.code] = _("此题只能选一项。")
                    continue
            answers += [CleanAnswer(question=question, option=o) for o in chosen]
        elif question.kind == QuestionKind.NUMBER:
            try:
                number = Decimal(raw[0].replace(",", ""))
            except InvalidOperation:
                errors[question.code] = _("请输入数字。")
                continue
            if not number.is_finite() or abs(number) >= Decimal("1e10"):
                errors[question.code] = _("请输入合理范围内的数字。")
                continue
            answers.append(CleanAnswer(question=question, number=number))
        elif char := control_character(raw[0], free_text=True):
            # PostgreSQL refuses NUL outright; the rest would break the exports.
            errors[question.code] = _(
                "含有不可见的控制字符（%(char)s），请删除后再提交；"
                "只可使用换行和制表符。"
            ) % {"char": describe(char)}
        else:
            answers.append(CleanAnswer(question=question, text=raw[0][:4000]))
    return answers, errors


def _answer_rows(response: Response, answers: Iterable[CleanAnswer]) -> list[Answer]:
    return [
        Answer(
            response=response,
            campaign_id=response.campaign_id,
            question_id=a.question.pk,
            option_id=a.option.pk if a.option is not None else None,
            text=a.text,
            number=a.number,
        )
        for a in answers
    ]


def response_submit(
    *,
    campaign: Campaign,
    unit: Unit,
    answers: list[CleanAnswer],
    idempotency_key: uuid.UUID,
    user=None,
    code_hash: str = "",
    network: str = "",
    link: CampaignUnit | None = None,
    questions: Iterable[Question | FormQuestion] | None = None,
    replay_checked: bool = False,
) -> tuple[Response, bool]:
    """Store one completed response; returns (response, created).

    Replaying the same idempotency key, or a person answering twice in an identified
    campaign, returns the stored response instead of adding one. In codes mode the code is
    spent in the same transaction; nothing links the response to it. `network` (an
    anonymous link's keyed address hash, ratelimit.network_hash) adds one to that
    network's tally for the unit, in the same transaction. Once committed, the unit's
    `burst` flag is updated (_burst_check).

    What the caller has at hand saves queries: `link` (the unit's CampaignUnit),
    `questions` (all of the campaign's survey's questions: selectors.survey_form, or
    survey_questions), from which the response's scores are computed in memory and
    written with it instead of by responses_score's UPDATE afterwards, and
    `replay_checked` when it has just looked the idempotency key up itself. A replay
    racing past that look-up still ends in the unique key (IntegrityError below).
    """
    scores = None
    if questions is not None:
        form = form_questions(questions)
        if sum(1 for q in form if q.is_item) > MAX_RECOGNITION_ITEMS:
            raise ValidationError(
                _("认知题不能超过 %(n)s 道。") % {"n": MAX_RECOGNITION_ITEMS}
            )
        scores = response_scores(
            questions=form,
            chosen=[
                (a.question.pk, a.option.pk if a.option is not None else None)
                for a in answers
            ],
        ).columns()
    if not campaign_accepts_answers(campaign=campaign):
        raise SubmissionError(_("本测评活动当前不接受答卷。"))
    if not replay_checked:
        existing = Response.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            # The state read before may be stale: re-check under the shared lock, which
            # closing takes exclusively, so a response either lands before the
            # scorecard freezes or is refused. Submissions do not wait for each other.
            current = campaign_lock(campaign_id=campaign.pk)
            if not campaign_accepts_answers(campaign=current):
                raise SubmissionError(_("本测评活动当前不接受答卷。"))
            if campaign.mode == CampaignMode.CODES:
                spent = InvitationCode.objects.filter(
                    campaign=campaign,
                    code_hash=code_hash,
                    unit=unit,
                    spent=False,
                ).update(spent=True)
                if spent != 1:
                    raise SubmissionError(_("邀请码无效或已使用。"))
            response = None
            if campaign.mode == CampaignMode.IDENTIFIED:
                response = (
                    Response.objects.select_for_update()
                    .filter(campaign=campaign, user=user)
                    .first()
                )
                if response is not None and response.completed_at is not None:
                    return response, False
            now = timezone.now()
            if response is None:
                response = Response.objects.create(
                    campaign=campaign,
                    unit=unit,
                    user=user if campaign.mode == CampaignMode.IDENTIFIED else None,
                    idempotency_key=idempotency_key,
                    started_at=now,
                    completed_at=now,
                    **(scores or {}),
                )
            else:
                response.answers.all().delete()
                response.idempotency_key = idempotency_key
                response.completed_at = now
                for name, value in (scores or {}).items():
                    setattr(response, name, value)
                response.save(
                    update_fields=["idempotency_key", "completed_at", *(scores or {})]
                )
            Answer.objects.bulk_create(_answer_rows(response, answers))
            if scores is None:
                responses_score(campaign=campaign, response_ids=[response.pk])
            if link is None:
                link = CampaignUnit.objects.only("id", "headcount").get(
                    campaign=campaign, unit=unit
                )
            if network:
                # Last, so the tally row (shared by everyone on that network) stays
                # locked for as short a time as possible.
                _network_tally_add(link_id=link.pk, address_hash=network)
            live.announce_after_commit(campaign_id=campaign.pk, unit_id=unit.pk)
            transaction.on_commit(
                functools.partial(
                    _burst_check,
                    link_id=link.pk,
                    headcount=link.headcount,
                    campaign_id=campaign.pk,
                    unit_id=unit.pk,
                    at=now,
                ),
                # The answer is stored by then: a failing flag check is logged, and
                # the respondent still gets the thank-you page.
                robust=True,
            )
    except IntegrityError:
        # A concurrent replay of the same key (or same person) won the race.
        existing = Response.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None and user is not None:
            existing = Response.objects.filter(campaign=campaign, user=user).first()
        if existing is None:
            raise
        return existing, False
    return response, True


def _network_tally_add(*, link_id: int, address_hash: str) -> None:
    tallies = NetworkTally.objects.filter(
        campaign_unit_id=link_id, address_hash=address_hash
    )
    if tallies.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            NetworkTally.objects.create(
                campaign_unit_id=link_id, address_hash=address_hash, count=1
            )
    except IntegrityError:
        # Another answer from the same network created the row first.
        tallies.update(count=F("count") + 1)


def burst_limit(*, headcount: int) -> int:
    """More online answers than this within BURST_WINDOW_SECONDS flag the unit."""
    return max(BURST_MINIMUM, headcount // 3)


def _burst_check(
    *, link_id: int, headcount: int, campaign_id: int, unit_id: int, at
) -> None:
    """The `burst` flag (docs/metrics.md): more than burst_limit online answers reached
    the unit within 10 minutes. Counted when an answer lands, over the window that ends
    with it; once crossed, the unit keeps a NetworkTally row under BURST_TALLY, which
    the scorecard reads with the other counters instead of sorting every response.

    Run after commit: of two answers committing side by side, the one counting later
    sees both, so a crossing is never missed. Paper imports never come here."""
    recent = Response.objects.filter(
        campaign_id=campaign_id,
        unit_id=unit_id,
        source=ResponseSource.WEB,
        completed_at__gt=at - timedelta(seconds=BURST_WINDOW_SECONDS),
        completed_at__lte=at,
    ).count()
    if recent > burst_limit(headcount=headcount):
        NetworkTally.objects.bulk_create(
            [NetworkTally(campaign_unit_id=link_id, address_hash=BURST_TALLY, count=1)],
            ignore_conflicts=True,
        )


@transaction.atomic
def response_save_draft(
    *, campaign: Campaign, user, unit: Unit, answers: list[CleanAnswer]
) -> Response:
    """Identified mode only: keep unfinished answers so the person can resume later."""
    if campaign.mode != CampaignMode.IDENTIFIED or user is None:
        raise SubmissionError(_("只有实名测评可以保存草稿。"))
    if not campaign_accepts_answers(campaign=campaign):
        raise SubmissionError(_("本测评活动当前不接受答卷。"))
    response, _created = Response.objects.select_for_update().get_or_create(
        campaign=campaign, user=user, defaults={"unit": unit}
    )
    if response.completed_at is not None:
        raise SubmissionError(_("您已提交过本问卷。"))
    response.answers.all().delete()
    Answer.objects.bulk_create(_answer_rows(response, answers))
    return response


# Rows written per round; responses_score gets the batch's ids as parameters (three
# times), well under SQLite's and PostgreSQL's limits.
IMPORT_BATCH = 5000


def responses_import(
    *, campaign: Campaign, rows: Iterable[tuple[Unit, Iterable[CleanAnswer]]]
) -> int:
    """Paper questionnaires: each row becomes one completed response, all of them in
    one transaction (the caller's, or this one).

    Under the campaign's shared row lock (campaign_lock) the campaign must still be
    open, so an import cannot land after closing froze the scorecard; imports and
    submissions do not wait for each other. `rows` is read once, in batches: responses
    by bulk_create (their ids come back), answer rows by one executemany per batch —
    a 50,000-row file has a million of them, and model instances would cost more than
    the data — then each batch is scored set-based.
    """
    with transaction.atomic():
        locked = campaign_lock(campaign_id=campaign.pk, exclusive=False)
        if locked.state != CampaignState.OPEN:
            raise SubmissionError(_("只能向进行中的测评活动导入答卷。"))
        now = timezone.now()
        total, unit_ids = 0, set()
        rows = iter(rows)
        while batch := list(itertools.islice(rows, IMPORT_BATCH)):
            ids = _paper_responses_insert(
                campaign_id=locked.pk, unit_ids=[unit.pk for unit, _a in batch], now=now
            )
            _answers_insert(
                [
                    (
                        response_id,
                        locked.pk,
                        a.question.pk,
                        a.option.pk if a.option is not None else None,
                        a.text,
                        a.number,
                    )
                    for response_id, (_unit, answers) in zip(ids, batch, strict=True)
                    for a in answers
                ]
            )
            responses_score(campaign=locked, response_ids=ids)
            unit_ids.update(unit.pk for unit, _answers in batch)
            total += len(ids)
    for unit_id in unit_ids:
        live.announce_after_commit(campaign_id=campaign.pk, unit_id=unit_id)
    return total


def _paper_responses_insert(*, campaign_id: int, unit_ids: list[int], now) -> list[int]:
    """Insert completed paper responses, one per unit id given; their ids, in order.

    Plain multi-row INSERT … RETURNING: bulk_create compiles each statement through
    every field of the model, which took longer than writing the rows. Score columns
    keep their database default (0) until responses_score fills them; ids are matched
    to rows by the fresh idempotency keys, not by the order rows come back in.
    """
    field = Response._meta.get_field
    moment = field("completed_at").get_db_prep_value(now, connection)
    prepare_key = field("idempotency_key").get_db_prep_value
    keys = [prepare_key(uuid.uuid4(), connection) for _ in unit_ids]
    columns = "campaign_id, unit_id, idempotency_key, source, started_at, completed_at"
    # SQLite allows 999 parameters a statement; PostgreSQL has no such setting.
    step = (connection.features.max_query_params or 6000) // 6
    found: dict = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), step):
            chunk = range(start, min(start + step, len(keys)))
            params: list = []
            for i in chunk:
                params += [
                    campaign_id,
                    unit_ids[i],
                    keys[i],
                    ResponseSource.PAPER.value,
                    moment,
                    moment,
                ]
            cursor.execute(
                f"INSERT INTO {Response._meta.db_table} ({columns}) VALUES "  # noqa: S608 - table and column names from the model
                + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
                + " RETURNING id, idempotency_key",
                params,
            )
            found.update((key, pk) for pk, key in cursor.fetchall())
    return [found[key] for key in keys]


def _answers_insert(params: list[tuple]) -> None:
    """Insert answer rows given as (response, campaign, question, option, text, number).

    PostgreSQL takes them by COPY: as single INSERTs, even pipelined, a million rows
    kept the server busy for a minute. SQLite's executemany is already one prepared
    statement run in a loop inside the library."""
    if not params:
        return
    table = Answer._meta.db_table
    columns = "response_id, campaign_id, question_id, option_id, text, number"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            return
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608 - table name from model metadata
            params,
        )


# --- API tokens -----------------------------------------------------------------------


def api_token_issue(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the key is returned once and only its hash is kept."""
    key = f"qlxt_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:8], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


# --- per-response scores ------------------------------------------------------------

MAX_RECOGNITION_ITEMS = 62  # one bit each in a signed 64-bit integer


def responses_score(
    *, campaign: Campaign, response_ids: list[int] | None = None
) -> None:
    """Recompute the derived score columns of responses from their answer rows, in SQL.

    Per recognition item the verdict is "exactly the correct set chosen" (docs/metrics.md): the
    number of chosen options equals the size of the correct set and all of them are
    correct. Satisfaction counts exclude 不了解 (value 0); points are 100/75/50/25/0.
    One set-based UPDATE … FROM (grouped answers), so its cost does not depend on
    per-row plans. Only ids and small integers from the survey are written into the
    statement; everything else is a parameter.
    """
    from django.db import connection

    from .selectors import recognition_items

    if campaign.state == CampaignState.CLOSED:
        # Its masks must keep the item order recorded at closing (selectors.mask_items).
        raise ValidationError(_("已结束的测评活动不再重新计分。"))
    # One response written with its answers at hand is scored by
    # questionnaire.response_scores, in memory, by the same rules.
    items = list(recognition_items(campaign=campaign).prefetch_related("options"))
    satisfaction = list(
        Option.objects.filter(
            question__survey_id=campaign.survey_id,
            question__kind=QuestionKind.SATISFACTION,
            value__gte=1,
        ).values_list("id", "value")
    )
    if len(items) > MAX_RECOGNITION_ITEMS:
        raise ValidationError(
            _("认知题不能超过 %(n)s 道。") % {"n": MAX_RECOGNITION_ITEMS}
        )
    answer, response = Answer._meta.db_table, Response._meta.db_table
    ids = list(response_ids) if response_ids is not None else None
    if ids == []:
        return

    def only(alias: str) -> tuple[str, list]:
        if ids is None:
            return "", []
        return f" AND {alias} IN ({','.join(['%s'] * len(ids))})", list(ids)

    params: list = []
    if items:
        correct_ids = ",".join(
            str(o.pk) for q in items for o in q.options.all() if o.is_correct
        )
        item_ids = ",".join(str(q.pk) for q in items)
        bit = " ".join(f"WHEN {q.pk} THEN {1 << i}" for i, q in enumerate(items))
        size = " ".join(
            f"WHEN {q.pk} THEN {sum(1 for o in q.options.all() if o.is_correct)}"
            for q in items
        )
        where, extra = only("a.response_id")
        recognition = (
            "LEFT JOIN (SELECT response_id, SUM(ok) AS correct, SUM(ok * bit) AS correct_mask,"  # noqa: S608
            " SUM(bit) AS answered_mask FROM ("
            f" SELECT a.response_id, CASE a.question_id {bit} END AS bit,"
            f" CASE WHEN COUNT(*) = CASE a.question_id {size} END"
            f" AND SUM(CASE WHEN a.option_id IN ({correct_ids}) THEN 1 ELSE 0 END) = COUNT(*)"
            " THEN 1 ELSE 0 END AS ok"
            f" FROM {answer} a WHERE a.campaign_id = %s AND a.question_id IN ({item_ids}){where}"
            " GROUP BY a.response_id, a.question_id) v GROUP BY response_id"
            ") rv ON rv.response_id = r.id"
        )
        params += [campaign.pk, *extra]
        recognition_columns = (
            "COALESCE(rv.correct, 0) AS correct, COALESCE(rv.correct_mask, 0) AS correct_mask,"
            " COALESCE(rv.answered_mask, 0) AS answered_mask"
        )
    else:
        recognition = ""
        recognition_columns = "0 AS correct, 0 AS correct_mask, 0 AS answered_mask"
    if satisfaction:
        base = ",".join(str(pk) for pk, _value in satisfaction)
        positive = ",".join(str(pk) for pk, value in satisfaction if value >= 4)
        points = " ".join(
            f"WHEN {pk} THEN {(value - 1) * 25}" for pk, value in satisfaction
        )
        where, extra = only("a.response_id")
        satisfied = (
            "LEFT JOIN (SELECT a.response_id, COUNT(*) AS answers,"  # noqa: S608
            f" SUM(CASE WHEN a.option_id IN ({positive}) THEN 1 ELSE 0 END) AS positive,"
            f" SUM(CASE a.option_id {points} END) AS points"
            f" FROM {answer} a WHERE a.campaign_id = %s AND a.option_id IN ({base}){where}"
            " GROUP BY a.response_id) sv ON sv.response_id = r.id"
        )
        params += [campaign.pk, *extra]
        satisfaction_columns = (
            "COALESCE(sv.answers, 0) AS answers, COALESCE(sv.positive, 0) AS positive,"
            " COALESCE(sv.points, 0) AS points"
        )
    else:
        satisfied = ""
        satisfaction_columns = "0 AS answers, 0 AS positive, 0 AS points"
    where, extra = only("r.id")
    params += [campaign.pk, *extra]
    sql = (
        f"UPDATE {response} SET recognition_correct = s.correct,"  # noqa: S608
        " recognition_correct_mask = s.correct_mask,"
        " recognition_answered_mask = s.answered_mask,"
        " satisfaction_answers = s.answers, satisfaction_positive = s.positive,"
        " satisfaction_points = s.points"
        f" FROM (SELECT r.id AS response_id, {recognition_columns}, {satisfaction_columns}"
        f" FROM {response} r {recognition} {satisfied}"
        f" WHERE r.campaign_id = %s{where}) s"
        f" WHERE {response}.id = s.response_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def campaigns_rescore(*, survey: Survey) -> None:
    """After a survey's questions or correct answers change, rescore its campaigns' open
    data. Closed campaigns keep their frozen scorecard."""
    for campaign in Campaign.objects.filter(survey=survey, state=CampaignState.OPEN):
        responses_score(campaign=campaign)
