"""Question structure freezes once its survey has collected data: no deleted questions
or options, no changed question code, kind or survey, no changed option code. Wording
and correct answers stay editable."""

from __future__ import annotations

import pytest

from surveys.models import Option, Question
from surveys.services import campaign_create
from tests.factories import make_person
from units.models import Role, Unit

from .conftest import add_responses, make_survey

pytestmark = pytest.mark.django_db

LOCKED = "该问卷已有答卷，不能删除题目或选项"


@pytest.fixture
def manager(city):
    return make_person(
        "cm", unit=Unit.objects.get(code="YK-JG-01"), role=Role.CAMPAIGN_MANAGER
    )


def form_data(question: Question, changes: dict) -> dict:
    """The question's edit form as the admin posts it, with `changes` applied: plain
    field names for the question, "<option code>.<field>" for an option; None removes
    the field (an unticked box)."""
    data = {
        "survey": question.survey_id,
        "section": question.section_id or "",
        "code": question.code,
        "kind": question.kind,
        "text": question.text,
        "sort_order": question.sort_order,
    }
    if question.required:
        data["required"] = "on"
    options = list(question.options.order_by("sort_order"))
    data |= {
        "options-TOTAL_FORMS": len(options),
        "options-INITIAL_FORMS": len(options),
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for i, option in enumerate(options):
        prefix = f"options-{i}-"
        data |= {
            f"{prefix}id": option.pk,
            f"{prefix}code": option.code,
            f"{prefix}label": option.label,
            f"{prefix}ORDER": i + 1,
        }
        if option.is_correct:
            data[f"{prefix}is_correct"] = "on"
    for key, value in changes.items():
        if "." in key:
            code, name = key.split(".")
            i = [o.code for o in options].index(code)
            key = f"options-{i}-{name}"
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def structure(survey) -> list:
    return [
        (
            q.pk,
            q.survey_id,
            q.code,
            q.kind,
            q.text,
            sorted((o.pk, o.code, o.label, o.is_correct) for o in q.options.all()),
        )
        for q in Question.objects.filter(survey=survey).order_by("pk")
    ]


def edit(client, question, changes):
    return client.post(
        f"/admin/surveys/question/edit/{question.pk}/", form_data(question, changes)
    )


@pytest.fixture
def answered(campaign):
    add_responses(campaign, "YK-GS-01", 2, R1="A", R2="A|B", S1="5")
    return campaign


def unchanged_edit(client, manager, survey, changes):
    """Posts one edit of R1 and asserts it was refused with the message and that
    nothing in the survey changed."""
    client.force_login(manager)
    before = structure(survey)
    reply = edit(client, survey.questions.get(code="R1"), changes)
    assert reply.status_code == 200
    assert LOCKED in reply.content.decode()
    assert structure(survey) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"code": "R1X"},
        {"kind": "single"},
        {"B.code": "D"},
        {"C.DELETE": "on"},
    ],
    ids=["question-code", "question-kind", "option-code", "option-delete"],
)
def test_structure_changes_are_refused_once_answered(
    client, manager, survey, answered, changes
):
    unchanged_edit(client, manager, survey, changes)


def test_moving_a_question_to_another_survey_is_refused(
    client, manager, survey, answered
):
    other = make_survey("另一份问卷")
    unchanged_edit(client, manager, survey, {"survey": other.pk})


def test_the_edit_form_says_which_fields_are_frozen(client, manager, survey, answered):
    client.force_login(manager)
    question = survey.questions.get(code="R1")
    page = client.get(f"/admin/surveys/question/edit/{question.pk}/").content.decode()
    assert page.count("该问卷已有答卷，不能修改。") == 3  # survey, code, kind


def test_an_open_campaign_without_answers_already_locks_the_structure(
    client, manager, survey, campaign
):
    assert campaign.responses.count() == 0
    unchanged_edit(client, manager, survey, {"code": "R1X"})


def test_deleting_a_question_is_refused_once_answered(
    client, manager, survey, answered
):
    client.force_login(manager)
    question = survey.questions.get(code="T1")  # never answered, still refused
    url = f"/admin/surveys/question/delete/{question.pk}/"
    for reply in (client.get(url, follow=True), client.post(url, follow=True)):
        assert LOCKED in reply.content.decode()
    assert Question.objects.filter(pk=question.pk).exists()


def test_wording_and_answer_key_fixes_still_save(client, manager, survey, answered):
    client.force_login(manager)
    question = survey.questions.get(code="R1")
    reply = edit(
        client,
        question,
        {
            "text": "胡公为官一任，为百姓做了哪一件事？",
            "B.label": "修筑长城",
            "A.is_correct": None,
            "B.is_correct": "on",
        },
    )
    assert reply.status_code == 302
    question.refresh_from_db()
    assert question.text == "胡公为官一任，为百姓做了哪一件事？"
    options = {o.code: (o.label, o.is_correct) for o in question.options.all()}
    assert options == {
        "A": ("奏免丁钱", False),
        "B": ("修筑长城", True),
        "C": ("开凿运河", False),
    }
    # The answer key changed: both respondents chose A, so R1 is now wrong for them.
    assert list(answered.responses.values_list("recognition_correct", flat=True)) == [
        1,
        1,
    ]


def test_a_survey_whose_campaigns_are_drafts_stays_editable(
    client, manager, survey, city
):
    campaign_create(survey=survey, title="草稿活动", root_unit=city)
    client.force_login(manager)
    question = survey.questions.get(code="R1")
    url = f"/admin/surveys/question/edit/{question.pk}/"
    assert "不能修改" not in client.get(url).content.decode()
    option_c = question.options.get(code="C")
    reply = edit(client, question, {"code": "R1X", "C.DELETE": "on"})
    assert reply.status_code == 302
    question.refresh_from_db()
    assert question.code == "R1X"
    assert not Option.objects.filter(pk=option_c.pk).exists()
    delete = client.post(f"/admin/surveys/question/delete/{question.pk}/")
    assert delete.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()
