"""The respondent's pages keep a survey's questions in worker memory under the survey's
revision (surveys.questionnaire): every change to the survey shows on the next page, and
a submission is scored in memory exactly as responses_score scores it in SQL."""

from __future__ import annotations

import random
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import questionnaire
from surveys.models import CampaignUnit, Option, Question, Response, Section, Survey
from surveys.selectors import survey_form, survey_questions
from surveys.services import (
    QuestionSpec,
    answers_parse,
    campaign_create,
    campaign_open,
    response_submit,
    responses_score,
    survey_create,
)
from units.models import Unit

from .test_structure_lock import edit, manager  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

# The score columns a response carries, as the in-memory scoring names them.
SCORE_COLUMNS = list(questionnaire.ResponseScores().columns())


def _page(client, campaign, code="YK-GS-01") -> str:
    token = CampaignUnit.objects.get(campaign=campaign, unit__code=code).token
    response = client.get(f"/surveys/u/{token}/")
    assert response.status_code == 200
    return response.content.decode()


def _fresh(survey: Survey) -> Survey:
    return Survey.objects.get(pk=survey.pk)


def test_the_form_is_read_once_per_revision(campaign):
    survey = _fresh(campaign.survey)
    questionnaire.forget_forms()
    with CaptureQueriesContext(connection) as first:
        form = survey_form(survey=survey)
    reread = _fresh(survey)
    with CaptureQueriesContext(connection) as again:
        assert survey_form(survey=reread) is form
    assert (len(first), len(again)) == (2, 0)
    assert [q.code for q in form] == ["R1", "R2", "S1", "S2", "T1"]
    assert [o.code for o in form[0].options] == ["A", "B", "C"]
    assert form[0].section_title == "认知" and form[4].section_title == ""


def test_the_form_is_immutable(campaign):
    form = survey_form(survey=campaign.survey)
    with pytest.raises(AttributeError):
        form[0].text = "改过的题干"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        form[0].options[0].is_correct = True  # type: ignore[misc]


@pytest.mark.parametrize(
    "change",
    [
        "question_text",
        "option_label",
        "correct_answer",
        "section_title",
        "survey_saved",
        "question_added",
        "option_deleted",
        "question_deleted",
    ],
)
def test_every_change_to_the_survey_gives_it_a_new_revision(campaign, change):
    survey = _fresh(campaign.survey)
    before = survey.revision
    old_form = survey_form(survey=survey)
    r1 = Question.objects.get(survey=survey, code="R1")
    if change == "question_text":
        r1.text = "新的题干"
        r1.save()
    elif change == "option_label":
        option = r1.options.get(code="B")
        option.label = "修建水利"
        option.save()
    elif change == "correct_answer":
        option = r1.options.get(code="B")
        option.is_correct = True
        option.save()
    elif change == "section_title":
        section = Section.objects.get(survey=survey, title="认知")
        section.title = "认知题"
        section.save()
    elif change == "survey_saved":
        survey.save()
    elif change == "question_added":
        Question.objects.create(survey=survey, code="N1", kind="text", text="新题")
    elif change == "option_deleted":
        r1.options.get(code="C").delete()
    elif change == "question_deleted":
        Question.objects.get(survey=survey, code="T1").delete()
    after = _fresh(survey)
    assert after.revision not in ("", before)
    new_form = survey_form(survey=after)
    assert new_form is not old_form
    if change != "survey_saved":
        assert new_form != old_form
        assert new_form == questionnaire.form_questions(
            survey_questions(survey_id=survey.pk)
        )


def test_a_reworded_question_shows_on_the_next_page(client, campaign):
    assert "奏免丁钱" in _page(client, campaign)
    option = Option.objects.get(question__survey=campaign.survey, label="奏免丁钱")
    option.label = "奏免身丁钱"
    option.save()
    page = _page(client, campaign)
    assert "奏免身丁钱" in page and "奏免丁钱" not in page


def test_an_answer_key_corrected_in_the_admin_scores_the_next_answer_by_it(
    client,
    manager,  # noqa: F811 - the fixture
    campaign,
):
    survey = _fresh(campaign.survey)
    survey_form(survey=survey)  # kept under the old revision
    client.force_login(manager)
    r1 = survey.questions.get(code="R1")
    reply = edit(client, r1, {"A.is_correct": None, "B.is_correct": "on"})
    assert reply.status_code == 302
    survey = _fresh(survey)
    form = survey_form(survey=survey)
    assert [o.code for o in form[0].options if o.is_correct] == ["B"]
    answers, errors = answers_parse(questions=form, values={"R1": ["B"], "S1": ["5"]})
    assert not errors
    stored, _created = response_submit(
        campaign=campaign,
        unit=Unit.objects.get(code="YK-GS-01"),
        answers=answers,
        idempotency_key=uuid.uuid4(),
        questions=form,
    )
    stored.refresh_from_db()
    assert (stored.recognition_correct, stored.recognition_correct_mask) == (1, 1)


def test_two_surveys_never_share_a_revision(db):
    spec = [QuestionSpec("T1", "text", "建议", [], set(), False)]
    first = survey_create(title="一", questions=spec)
    second = survey_create(title="二", questions=spec)
    assert first.revision and second.revision and first.revision != second.revision


# --- scoring in memory ----------------------------------------------------------------

MANY = [
    QuestionSpec(
        "R1", "recognition", "单选认知", [("A", "甲"), ("B", "乙")], {"A"}, True
    ),
    QuestionSpec(
        "R2",
        "recognition",
        "多选认知",
        [("A", "甲"), ("B", "乙"), ("C", "丙"), ("D", "丁")],
        {"A", "C"},
        False,
    ),
    # No correct answer: not an item, so it takes no bit.
    QuestionSpec(
        "R3", "recognition", "无答案", [("A", "甲"), ("B", "乙")], set(), False
    ),
    QuestionSpec("S1", "satisfaction", "满意一", [], set(), False),
    QuestionSpec("M1", "multiple", "多选", [("A", "甲"), ("B", "乙")], set(), False),
    QuestionSpec(
        "R4", "recognition", "第三项", [("A", "甲"), ("B", "乙")], {"B"}, False
    ),
    QuestionSpec("S2", "satisfaction", "满意二", [], set(), False),
    QuestionSpec("T1", "text", "建议", [], set(), False),
]


def _random_values(rng: random.Random, form) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for question in form:
        if rng.random() < 0.25:
            continue
        codes = [o.code for o in question.options]
        if question.kind == "text":
            values[question.code] = ["意见"]
        elif question.kind == "multiple" or (
            question.kind == "recognition" and question.correct_count > 1
        ):
            values[question.code] = rng.sample(codes, rng.randint(1, len(codes)))
        else:
            values[question.code] = [rng.choice(codes)]
    return values


def test_scores_computed_in_memory_equal_the_set_based_update(city):
    survey = survey_create(title="计分", questions=MANY)
    campaign = campaign_open(
        campaign=campaign_create(
            survey=survey, title="计分测评", root_unit=Unit.objects.get(code="YK")
        )
    )
    form = survey_form(survey=_fresh(survey))
    unit = Unit.objects.get(code="YK-GS-01")
    rng = random.Random(13)
    for _ in range(120):
        answers, errors = answers_parse(
            questions=form, values=_random_values(rng, form), complete=False
        )
        assert not errors, errors
        response_submit(
            campaign=campaign,
            unit=unit,
            answers=answers,
            idempotency_key=uuid.uuid4(),
            questions=form,
        )
    in_memory = list(
        Response.objects.filter(campaign=campaign)
        .order_by("id")
        .values_list(*SCORE_COLUMNS)
    )
    assert any(row[0] == 3 for row in in_memory) and any(row[3] for row in in_memory)
    Response.objects.filter(campaign=campaign).update(**dict.fromkeys(SCORE_COLUMNS, 0))
    responses_score(campaign=campaign)
    in_sql = list(
        Response.objects.filter(campaign=campaign)
        .order_by("id")
        .values_list(*SCORE_COLUMNS)
    )
    assert in_memory == in_sql


def test_model_questions_and_form_questions_parse_alike(campaign):
    values = {"R1": ["a"], "R2": ["A", "B"], "S1": ["满意"], "T1": ["好"]}
    from_models = answers_parse(
        questions=survey_questions(survey_id=campaign.survey_id), values=values
    )
    from_form = answers_parse(
        questions=survey_form(survey=campaign.survey), values=values
    )
    assert from_models == from_form
