"""The question bank in the admin: who may use it, and answer keys checked on save."""

import pytest

from quizzes.models import Question
from tests.factories import make_person
from units.models import Role

URL = "/admin/snippets/quizzes/question/"


def _form(kind, corrects):
    data = {
        "code": "ADMIN-1",
        "kind": kind,
        "status": "active",
        "stem": '{"blocks":[{"key":"a","text":"题干","type":"unstyled","depth":0,'
        '"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "explanation": "",
        "rule_name": "",
        "rule_article": "",
        "difficulty": "2",
        "tags": "",
        "options-TOTAL_FORMS": str(len(corrects)),
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }
    for i, correct in enumerate(corrects):
        data |= {
            f"options-{i}-text": f"选项{i}",
            f"options-{i}-feedback": "",
            f"options-{i}-ORDER": str(i + 1),
            f"options-{i}-id": "",
        }
        if correct:
            data[f"options-{i}-is_correct"] = "on"
    return data


@pytest.fixture
def editor(db, city):
    return make_person("bank-editor", role=Role.EDITOR)


def test_editor_sees_the_bank_and_a_learner_does_not(client, editor):
    client.force_login(editor)
    assert client.get(URL).status_code == 200
    client.force_login(make_person("bank-learner"))
    assert client.get(URL).status_code == 302


def test_single_choice_with_two_correct_options_is_refused(client, editor):
    client.force_login(editor)
    response = client.post(f"{URL}add/", _form("single", [True, True, False]))
    assert "单选题和判断题必须正好有一个正确答案" in response.content.decode()
    assert not Question.objects.exists()


def test_multiple_choice_with_one_correct_option_is_refused(client, editor):
    client.force_login(editor)
    response = client.post(f"{URL}add/", _form("multiple", [True, False, False]))
    assert "多选题至少要有两个正确答案" in response.content.decode()
    assert not Question.objects.exists()


def test_valid_question_is_saved_with_its_options(client, editor):
    client.force_login(editor)
    response = client.post(f"{URL}add/", _form("multiple", [True, False, True]))
    assert response.status_code == 302
    question = Question.objects.get(code="ADMIN-1")
    assert [o.is_correct for o in question.options.all()] == [True, False, True]
