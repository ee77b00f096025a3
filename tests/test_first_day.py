"""The first real campaign on a new server, from migrations alone (no demo, no fixture):
import the unit tree and the people, import the survey, open a campaign, answer online
through a unit's link, type in paper questionnaires, and read the scorecard."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from surveys.models import Campaign, CampaignUnit, Response
from tests.surveys.respondent import post_answers
from units.models import Unit, UnitKind, User

pytestmark = pytest.mark.django_db

DEFAULT_KINDS = {"机关", "企业", "学校", "医院", "村居", "家庭", "中介", "其他"}

# As the organisation department sends it: Chinese headers, GBK, children before parents.
UNITS_CSV = """编码,名称,类型,上级编码,人数
LS-XC-01,新村村,村居,LS-XC,40
LS-XC-02,老街社区,村居,LS-XC,30
LS-XC,新城镇,其他,LS,0
LS,立山市,其他,,0
LS-ZX,立山中学,学校,LS,25
"""

PEOPLE_CSV = """用户名,姓名,单元编码,角色
zhangsan,张三,LS-XC-01,学员
lisi,李四,LS,单元管理员
"""

SURVEY_CSV = """code,kind,text,options,correct,required,section
R1,recognition,胡则奏请免除的是哪一项？,A:身丁钱|B:盐税|C:田赋,A,1,认知
R2,recognition,以下哪些属于清廉单元？,A:清廉机关|B:清廉学校|C:私人会所,A|B,1,认知
S1,satisfaction,您对本单元清廉建设是否满意？,,,1,满意度
"""

# Paper: a blank cell (unanswered although R2 is required online) and a double mark on
# the single-choice R1 (多选无效: stored as unanswered).
PAPER_CSV = """unit_code,R1,R2,S1
LS-XC-02,A,A|B,5
LS-XC-02,,A|B,4
LS-XC-02,A|B,A|B,5
"""


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_a_fresh_install_runs_its_first_campaign_without_demo_data(client, tmp_path):
    assert Unit.objects.count() == 0
    assert set(UnitKind.objects.values_list("name", flat=True)) == DEFAULT_KINDS

    call_command("import_units", _write(tmp_path, "units.csv", UNITS_CSV, "gbk"))
    call_command("import_people", _write(tmp_path, "people.csv", PEOPLE_CSV))
    assert Unit.objects.get(code="LS-XC-01").get_parent().code == "LS-XC"
    assert User.objects.get(username="zhangsan").unit.code == "LS-XC-01"

    out = io.StringIO()
    call_command(
        "import_survey",
        _write(tmp_path, "survey.csv", SURVEY_CSV),
        title="立山市清廉单元调查",
        stdout=out,
    )
    from surveys.models import Survey

    survey = Survey.objects.get(title="立山市清廉单元调查")
    out = io.StringIO()
    call_command(
        "open_campaign",
        survey=survey.pk,
        root="LS",
        title="2026 立山清廉测评",
        stdout=out,
    )
    campaign = Campaign.objects.get(pk=int(out.getvalue().strip().splitlines()[-1]))

    token = CampaignUnit.objects.get(campaign=campaign, unit__code="LS-XC-01").token
    for answer in ("A", "A", "B"):
        client.cookies.clear()
        page = client.get(f"/surveys/u/{token}/")
        assert page.status_code == 200
        reply = post_answers(
            client,
            f"/surveys/u/{token}/",
            {"q_R1": answer, "q_R2": ["A", "B"], "q_S1": "5"},
        )
        assert reply.status_code == 302, reply.content.decode()[:500]

    call_command(
        "import_responses", campaign.pk, _write(tmp_path, "paper.csv", PAPER_CSV)
    )
    assert Response.objects.filter(campaign=campaign).count() == 6

    out = io.StringIO()
    call_command("campaign_report", campaign.pk, stdout=out)
    report = json.loads(out.getvalue())
    rows = {row["unit_code"]: row for row in report["units"]}
    assert rows["LS"]["headcount"] == 95
    assert rows["LS"]["participants"] == 6
    assert rows["LS-XC-01"]["participants"] == 3
    assert rows["LS-XC-01"]["recognising"] == 2
    # Paper: only the first row answered both items right; the blank and the double
    # mark are unanswered, so not correct.
    assert rows["LS-XC-02"]["participants"] == 3
    assert rows["LS-XC-02"]["recognising"] == 1
    assert rows["LS-ZX"]["participants"] == 0
    items = {item["code"]: item for item in report["items"]}
    # R1 answers: three online (A, A, B) and one paper A; the blank and the double mark
    # are not answers.
    assert items["R1"]["answered"] == 4
    assert items["R1"]["correct"] == 3
