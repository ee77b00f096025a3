"""A survey's questions as the respondent's pages use them: plain immutable data, kept in
each worker's memory per survey revision.

Every page load and every submission needs the whole questionnaire (20 questions and
their options in the demo). Read from the database each time they were three queries
and some 155 model instances per request, the largest part of a submission's CPU after
the writes themselves (docs/benchmarks.md, "Compared with Wagtail's form builder").

Invalidation: a survey's `revision` is a fresh random value whenever the survey, one of
its sections, questions or options is saved or deleted (the signals below, wired in
SurveysConfig.ready, as courses.cache does for lessons). The respondent's pages read the
survey row with the link or campaign anyway, so they get its revision without a query
and look the form up under (survey id, revision): a stale entry is never looked up
again, in any worker, and nothing has to be told to forget it. A revision is random
rather than a counter, so that saving a survey instance read before another change
cannot bring back a value an older form was kept under. Changes made with a queryset's
update() or bulk_create() send no signals: code doing that to a survey in use calls
survey_changed itself (services.survey_create only bulk-creates a new survey's options).

A request that read the old revision and then the new questions keeps new data under the
old key; one that read the new revision reads the new questions (the revision changes in
the same transaction as the questions, and is read first). So a form is never older
than the revision it is kept under.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .models import CHOICE_KINDS, Option, Question, QuestionKind, Section, Survey

# Surveys with open campaigns at one time, with room to spare; the least recently used
# form goes first.
FORMS_KEPT = 64


def new_revision() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class FormOption:
    pk: int
    code: str
    label: str
    is_correct: bool
    value: int | None
    pin_last: bool


@dataclass(frozen=True, slots=True)
class FormQuestion:
    """A question with its options in order; `pk` and the options' `pk` are the ids the
    answer rows store."""

    pk: int
    code: str
    kind: str
    text: str
    required: bool
    section_title: str
    options: tuple[FormOption, ...]

    @property
    def has_options(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def correct_count(self) -> int:
        return sum(1 for o in self.options if o.is_correct)

    @property
    def is_item(self) -> bool:
        """A recognition item that can be scored: it has a correct answer."""
        return self.kind == QuestionKind.RECOGNITION and self.correct_count > 0

    @classmethod
    def of(cls, question: Question) -> FormQuestion:
        """From a model instance (options prefetched or not)."""
        return cls(
            pk=question.pk,
            code=question.code,
            kind=question.kind,
            text=question.text,
            required=question.required,
            section_title=question.section.title if question.section_id else "",
            options=tuple(
                FormOption(
                    pk=o.pk,
                    code=o.code,
                    label=o.label,
                    is_correct=o.is_correct,
                    value=o.value,
                    pin_last=o.pin_last,
                )
                for o in question.options.all()
            ),
        )


def form_questions(questions) -> tuple[FormQuestion, ...]:
    """`questions` as FormQuestions: model instances (survey_questions) are converted,
    FormQuestions pass through."""
    return tuple(
        q if isinstance(q, FormQuestion) else FormQuestion.of(q) for q in questions
    )


_forms: OrderedDict[tuple[int, str], tuple[FormQuestion, ...]] = OrderedDict()
_lock = threading.Lock()


def cached_form(key: tuple[int, str]) -> tuple[FormQuestion, ...] | None:
    with _lock:
        form = _forms.get(key)
        if form is not None:
            _forms.move_to_end(key)
        return form


def keep_form(key: tuple[int, str], form: tuple[FormQuestion, ...]) -> None:
    with _lock:
        _forms[key] = form
        _forms.move_to_end(key)
        while len(_forms) > FORMS_KEPT:
            _forms.popitem(last=False)


def forget_forms() -> None:
    """Empty this worker's forms (tests that count the queries of a first read)."""
    with _lock:
        _forms.clear()


def survey_changed(*, survey_ids) -> None:
    """Give the surveys a new revision: their kept forms are not looked up again."""
    Survey.objects.filter(pk__in=survey_ids).update(revision=new_revision())


def _survey_saving(sender, instance: Survey, **kwargs) -> None:
    instance.revision = new_revision()


def _question_saving(sender, instance: Question, **kwargs) -> None:
    # The survey it was stored under loses it when the question moves to another one.
    if instance.pk is not None and not instance._state.adding:
        survey_changed(
            survey_ids=Question.objects.filter(pk=instance.pk).values("survey_id")
        )


def _question_changed(sender, instance: Question, **kwargs) -> None:
    survey_changed(survey_ids=[instance.survey_id])


def _section_changed(sender, instance: Section, **kwargs) -> None:
    survey_changed(survey_ids=[instance.survey_id])


def _option_changed(sender, instance: Option, **kwargs) -> None:
    survey_changed(
        survey_ids=Question.objects.filter(pk=instance.question_id).values("survey_id")
    )


def connect_signals() -> None:
    """Wire the invalidation (SurveysConfig.ready)."""
    from django.db.models.signals import post_delete, post_save, pre_save

    uid = "surveys.questionnaire"
    pre_save.connect(_survey_saving, sender=Survey, dispatch_uid=f"{uid}.survey")
    pre_save.connect(_question_saving, sender=Question, dispatch_uid=f"{uid}.q_pre")
    for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            _question_changed, sender=Question, dispatch_uid=f"{uid}.q_{name}"
        )
        signal.connect(_section_changed, sender=Section, dispatch_uid=f"{uid}.s_{name}")
        signal.connect(_option_changed, sender=Option, dispatch_uid=f"{uid}.o_{name}")


# --- scoring one response in memory ---------------------------------------------------


@dataclass(frozen=True)
class ResponseScores:
    """The derived score columns of models.Response (services.responses_score)."""

    recognition_correct: int = 0
    recognition_correct_mask: int = 0
    recognition_answered_mask: int = 0
    satisfaction_answers: int = 0
    satisfaction_positive: int = 0
    satisfaction_points: int = 0

    def columns(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def response_scores(
    *, questions: tuple[FormQuestion, ...], chosen: list[tuple[int, int | None]]
) -> ResponseScores:
    """The score columns of one response from its answers as (question id, option id)
    pairs, by the rules services.responses_score applies in SQL to answer rows: bit i is
    the i-th recognition item with a correct answer in survey order; an item is right
    when exactly its correct set is chosen; satisfaction counts options of value 1–5
    (不了解 is 0 and left out), positive from 4, points (value − 1) × 25."""
    rows: dict[int, list[int | None]] = {}
    for question_id, option_id in chosen:
        rows.setdefault(question_id, []).append(option_id)
    right = answered_mask = correct_mask = 0
    items = [q for q in questions if q.is_item]
    for i, item in enumerate(items):
        if item.pk not in rows:
            continue
        answered_mask |= 1 << i
        correct = {o.pk for o in item.options if o.is_correct}
        # Answer rows, as the SQL counts them: as many rows as correct options, and
        # every row one of them.
        picked = rows[item.pk]
        if len(picked) == len(correct) and all(o in correct for o in picked):
            correct_mask |= 1 << i
            right += 1
    values = {
        o.pk: o.value
        for q in questions
        if q.kind == QuestionKind.SATISFACTION
        for o in q.options
        if o.value is not None and o.value >= 1
    }
    levels = [values[o] for _q, o in chosen if o in values]
    return ResponseScores(
        recognition_correct=right,
        recognition_correct_mask=correct_mask,
        recognition_answered_mask=answered_mask,
        satisfaction_answers=len(levels),
        satisfaction_positive=sum(1 for v in levels if v >= 4),
        satisfaction_points=sum((v - 1) * 25 for v in levels),
    )
