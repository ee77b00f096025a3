"""A small campaign over the shared `city` fixture, with figures computed by hand.

Survey: R1 recognition single (A correct), R2 recognition multiple (A and B correct),
S1, S2 satisfaction, T1 optional text. Threshold 0.8 of 2 items → both must be correct.

YK-GS-01 胡库村 (headcount 100), 40 respondents:
  recognition: 33 × (R1=A, R2=A|B) ✓; 4 × (R1=B, R2=A) ✗; 2 × (R1=A, R2=A|B|C) ✗;
               1 × nothing ✗                      → recognising 33
  satisfaction: 34 × (5, 4); 3 × (3, 0); 2 × (1, 2); 1 × (0, 0)
               → answers 68+3+4 = 75, positive 68, points 34×175+3×50+2×25 = 6150,
                 n = 39 (the 不了解-only person is not in the base)
YK-GS-02 示范村 (headcount 50): 3 respondents, all ✓, S1=4 only; plus 1 unfinished draft
YK-JG-01 纪委 (headcount 30): 31 respondents (participation above 100%), all ✓, S1=S2=3
"""

from __future__ import annotations

import pytest

from surveys.models import Response
from surveys.selectors import survey_questions
from surveys.services import (
    QuestionSpec,
    answers_parse,
    campaign_create,
    campaign_open,
    responses_import,
    responses_score,
    survey_create,
)
from units.models import Unit

SPECS = [
    QuestionSpec(
        "R1",
        "recognition",
        "胡公为官一任，为百姓做了哪件事？",
        [("A", "奏免丁钱"), ("B", "修建长城"), ("C", "开凿运河")],
        {"A"},
        True,
        "认知",
    ),
    QuestionSpec(
        "R2",
        "recognition",
        "以下哪些是清廉单元？",
        [("A", "清廉机关"), ("B", "清廉学校"), ("C", "清廉赌场")],
        {"A", "B"},
        False,
        "认知",
    ),
    QuestionSpec(
        "S1", "satisfaction", "您对本单元清廉建设是否满意？", [], set(), True, "满意度"
    ),
    QuestionSpec(
        "S2", "satisfaction", "您对办事公开是否满意？", [], set(), False, "满意度"
    ),
    QuestionSpec("T1", "text", "您的建议", [], set(), False, ""),
]


def make_survey(title="清廉单元满意度与认知度调查"):
    return survey_create(title=title, questions=SPECS)


def add_responses(campaign, unit_code, count, **values):
    unit = Unit.objects.get(code=unit_code)
    questions = survey_questions(survey_id=campaign.survey_id)
    parsed = {code: value.split("|") for code, value in values.items() if value}
    answers, errors = answers_parse(questions=questions, values=parsed, complete=False)
    assert not errors, errors
    responses_import(campaign=campaign, rows=[(unit, answers)] * count)


@pytest.fixture
def survey(db):
    return make_survey()


@pytest.fixture
def campaign(city, survey):
    campaign = campaign_create(survey=survey, title="2026 清廉测评", root_unit=city)
    return campaign_open(campaign=campaign)


@pytest.fixture
def scored(campaign):
    add_responses(campaign, "YK-GS-01", 33, R1="A", R2="A|B")
    add_responses(campaign, "YK-GS-01", 4, R1="B", R2="A")
    add_responses(campaign, "YK-GS-01", 2, R1="A", R2="A|B|C")
    add_responses(campaign, "YK-GS-01", 1)
    # Satisfaction answers go to the same 40 people, added as separate answer rows below.
    gs01 = list(
        Response.objects.filter(campaign=campaign, unit__code="YK-GS-01").order_by("id")
    )
    from surveys.models import Answer, Option

    options = {
        (o.question.code, o.code): o for o in Option.objects.select_related("question")
    }
    plan = [("5", "4")] * 34 + [("3", "0")] * 3 + [("1", "2")] * 2 + [("0", "0")]
    Answer.objects.bulk_create(
        Answer(
            response=r,
            campaign=campaign,
            question=options[(q, v)].question,
            option=options[(q, v)],
        )
        for r, (s1, s2) in zip(gs01, plan, strict=True)
        for q, v in (("S1", s1), ("S2", s2))
    )
    # Answers written behind the services' back must be scored like any others.
    responses_score(campaign=campaign, response_ids=[r.pk for r in gs01])
    add_responses(campaign, "YK-GS-02", 3, R1="A", R2="B|A", S1="4")
    Response.objects.create(campaign=campaign, unit=Unit.objects.get(code="YK-GS-02"))
    add_responses(campaign, "YK-JG-01", 31, R1="A", R2="A|B", S1="3", S2="3")
    return campaign
