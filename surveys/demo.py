"""Demo survey and campaigns for `manage.py load_demo` (idempotent).

The 永康 campaign's responses are SIMULATED (fixed seed) so that the scorecard has
something to show; its title says so wherever managers read figures. Question facts
follow the rules in docs/demo-content.md (confirmed facts only).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from units.models import Unit

from .models import Answer, Campaign, CampaignMode, Option, Response, Survey
from .services import (
    QuestionSpec,
    campaign_create,
    campaign_open,
    responses_score,
    survey_create,
)

SURVEY_TITLE = "清廉单元满意度与认知度调查（演示问卷）"
CAMPAIGN_TITLE = "2026 年永康市清廉单元满意度与认知度调查（演示数据）"
# Respondents read the description; that the answers are simulated is for managers, and
# the campaign's title says so on every scorecard (（演示数据）).
CAMPAIGN_DESCRIPTION = "请根据您的了解和感受如实作答。答卷匿名，只按单元统计。"
SCHOOL_TITLE = "永康中学廉洁教育活动反馈（演示，实名）"

QUESTIONS = [
    QuestionSpec(
        "R1",
        "recognition",
        "北宋明道元年（1032 年）江淮大旱，胡则奏请朝廷免除的是哪一项？",
        [("A", "身丁钱"), ("B", "盐税"), ("C", "田赋"), ("D", "商税")],
        {"A"},
        True,
        "清廉文化认知",
    ),
    QuestionSpec(
        "R2",
        "recognition",
        "胡则（胡公）是哪里人？",
        [
            ("A", "婺州永康（今永康市古山镇胡库村）"),
            ("B", "杭州钱塘"),
            ("C", "温州永嘉"),
            ("D", "福州闽县"),
        ],
        {"A"},
        True,
        "清廉文化认知",
    ),
    QuestionSpec(
        "R3",
        "recognition",
        "以下哪些属于清廉单元建设的类型？",
        [("A", "清廉机关"), ("B", "清廉学校"), ("C", "清廉村居"), ("D", "私人会所")],
        {"A", "B", "C"},
        True,
        "清廉文化认知",
    ),
    QuestionSpec(
        "R4",
        "recognition",
        "违规公款吃喝、超标准接待，违反的是哪一项规定？",
        [("A", "中央八项规定精神"), ("B", "劳动合同法"), ("C", "交通安全法")],
        {"A"},
        True,
        "清廉文化认知",
    ),
    QuestionSpec(
        "S1",
        "satisfaction",
        "您对本单元清廉建设的总体情况是否满意？",
        [],
        set(),
        True,
        "满意度",
    ),
    QuestionSpec(
        "S2",
        "satisfaction",
        "您对本单元办事公开、透明是否满意？",
        [],
        set(),
        True,
        "满意度",
    ),
    QuestionSpec(
        "S3",
        "satisfaction",
        "您对本单元干部职工的工作作风是否满意？",
        [],
        set(),
        True,
        "满意度",
    ),
    QuestionSpec(
        "S4",
        "satisfaction",
        "您对本单元开展的廉洁文化活动是否满意？",
        [],
        set(),
        False,
        "满意度",
    ),
    QuestionSpec(
        "P1",
        "single",
        "您的身份是：",
        [("A", "干部职工"), ("B", "群众"), ("C", "学生"), ("D", "其他")],
        set(),
        False,
        "基本情况",
    ),
    QuestionSpec(
        "T1",
        "text",
        "您对本单元清廉建设有什么意见或建议？",
        [],
        set(),
        False,
        "意见建议",
    ),
]

# Participation range and recognition skill by unit kind: varied enough that the
# scorecard shows every status.
PROFILES = {
    "机关": ((0.88, 1.0), (0.95, 0.995)),
    "学校": ((0.7, 0.95), (0.93, 0.99)),
    "医院": ((0.5, 0.85), (0.9, 0.98)),
    "企业": ((0.3, 0.9), (0.86, 0.97)),
    "村居": ((0.04, 0.2), (0.82, 0.96)),
}
SUGGESTIONS = [
    "希望多开展廉洁文化活动。",
    "办事流程可以再公开一些。",
    "村务公开栏更新及时，点赞。",
    "",
]
DAYS = 13


def load(*, stdout) -> None:
    if not Unit.objects.filter(code="YK").exists():
        stdout.write("调查：没有永康单元树，跳过。")
        return
    survey = Survey.objects.filter(title=SURVEY_TITLE).first()
    if survey is None:
        survey = survey_create(
            title=SURVEY_TITLE,
            description="演示问卷：认知题依据公开资料编写。",
            questions=QUESTIONS,
        )
    if not Campaign.objects.filter(title=CAMPAIGN_TITLE).exists():
        today = timezone.localdate()
        campaign = campaign_create(
            survey=survey,
            title=CAMPAIGN_TITLE,
            description=CAMPAIGN_DESCRIPTION,
            root_unit=Unit.objects.get(code="YK"),
            mode=CampaignMode.ANONYMOUS,
            starts_on=today - timedelta(days=DAYS),
            ends_on=today + timedelta(days=16),
        )
        campaign = campaign_open(campaign=campaign)
        count = _simulate(campaign)
        stdout.write(f"调查：演示测评活动已创建，模拟答卷 {count} 份（演示数据）。")
    if not Campaign.objects.filter(title=SCHOOL_TITLE).exists():
        school = campaign_create(
            survey=survey,
            title=SCHOOL_TITLE,
            description="永康中学成员登录后作答，每人一份，可保存草稿。",
            root_unit=Unit.objects.get(code="YK-XX-01"),
            mode=CampaignMode.IDENTIFIED,
        )
        campaign_open(campaign=school)
        stdout.write("调查：永康中学实名演示活动已创建。")


def _simulate(campaign: Campaign) -> int:
    rng = random.Random(20261121)  # noqa: S311 - simulated demo answers, not security
    options = {
        (question_code, code): (question_id, option_id)
        for question_code, code, question_id, option_id in Option.objects.filter(
            question__survey=campaign.survey
        ).values_list("question__code", "code", "question_id", "id")
    }
    text_question = campaign.survey.questions.get(code="T1")
    members = campaign.campaign_units.select_related("unit__kind").order_by(
        "unit__path"
    )
    start = timezone.make_aware(
        datetime.combine(campaign.starts_on, time(8, 0)),
        timezone.get_current_timezone(),
    )
    plans = []
    for member in members:
        profile = PROFILES.get(member.unit.kind.name)
        if profile is None or not member.headcount:
            continue
        (p_low, p_high), (s_low, s_high) = profile
        participants = round(member.headcount * rng.uniform(p_low, p_high))
        skill = rng.uniform(s_low, s_high)
        mood = rng.uniform(0.8, 0.99)
        for _i in range(participants):
            # Most answers come in the first days after the posters go up.
            day = min(DAYS, int(rng.expovariate(0.35)))
            moment = start + timedelta(days=day, minutes=rng.randint(0, 12 * 60))
            plans.append((member.unit_id, moment, skill, mood))
    responses = Response.objects.bulk_create(
        [
            Response(
                campaign=campaign,
                unit_id=unit_id,
                idempotency_key=uuid.UUID(int=rng.getrandbits(128)),
                started_at=moment - timedelta(minutes=4),
                completed_at=moment,
            )
            for unit_id, moment, _skill, _mood in plans
        ],
        batch_size=2000,
    )
    rows = []
    for response, (_unit, _moment, skill, mood) in zip(responses, plans, strict=True):
        rows += _answers(
            rng, response.pk, campaign.pk, options, text_question.pk, skill, mood
        )
    # ~100k rows: the ORM's per-object overhead would take longer than the data itself,
    # so the answer rows go in through one parameterised executemany.
    table = Answer._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (response_id, campaign_id, question_id, option_id, text, number)"  # noqa: S608 - table name from model metadata
            " VALUES (%s, %s, %s, %s, %s, NULL)",
            rows,
        )
    responses_score(campaign=campaign)
    return len(responses)


def _answers(
    rng, response_id, campaign_id, options, text_question_id, skill, mood
) -> list:
    chosen = []
    for code, correct, wrong in (
        ("R1", ["A"], ["B", "C", "D"]),
        ("R2", ["A"], ["B", "C", "D"]),
        ("R4", ["A"], ["B", "C"]),
    ):
        chosen.append((code, correct if rng.random() < skill else [rng.choice(wrong)]))
    r3 = (
        ["A", "B", "C"]
        if rng.random() < skill
        else rng.choice([["A", "B"], ["A", "C"], ["A", "B", "C", "D"]])
    )
    chosen.append(("R3", r3))
    for code in ("S1", "S2", "S3", "S4"):
        roll = rng.random()
        if roll < 0.04:
            level = "0"
        elif roll < 0.04 + mood * 0.96:
            level = rng.choice(["5", "5", "4"])
        else:
            level = rng.choice(["3", "3", "2", "1"])
        chosen.append((code, [level]))
    chosen.append(("P1", [rng.choice(["A", "B", "B", "C", "D"])]))
    rows = [
        (
            response_id,
            campaign_id,
            options[(code, value)][0],
            options[(code, value)][1],
            "",
        )
        for code, values in chosen
        for value in values
    ]
    suggestion = rng.choice(SUGGESTIONS)
    if suggestion and rng.random() < 0.15:
        rows.append((response_id, campaign_id, text_question_id, None, suggestion))
    return rows
