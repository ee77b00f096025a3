"""Survey structure and paper questionnaire imports, and the scripting commands."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from surveys.imports import SurveyImporter, paper_import, parse_options
from surveys.models import Answer, Campaign, CampaignUnit, Question, Response, Survey
from surveys.services import campaign_close
from tabular.importing import import_file

pytestmark = pytest.mark.django_db

SURVEY_CSV = (
    "code,kind,text,options,correct,required,section\n"
    "R1,recognition,胡公为官一任，为百姓做了哪件事？,A:奏免丁钱|B:修建长城,A,1,认知\n"
    "R2,recognition,哪些是清廉单元？,清廉机关|清廉学校|清廉赌场,A|B,1,认知\n"
    "S1,satisfaction,您是否满意？,,,1,满意度\n"
    "T1,text,建议,,,0,\n"
)


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_parse_options_with_and_without_codes():
    assert parse_options("A:胡则|B：聂耳") == [("A", "胡则"), ("B", "聂耳")]
    assert parse_options("胡则|聂耳|陈亮") == [
        ("A", "胡则"),
        ("B", "聂耳"),
        ("C", "陈亮"),
    ]


def test_import_survey_command_prints_the_new_id_last(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY_CSV, encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_survey",
        str(path),
        "--title",
        "测试问卷",
        stdout=out,
        stderr=io.StringIO(),
    )
    survey = Survey.objects.get(pk=int(out.getvalue().strip().splitlines()[-1]))
    assert survey.title == "测试问卷"
    r2 = survey.questions.get(code="R2")
    assert [
        (o.code, o.label, o.is_correct) for o in r2.options.order_by("sort_order")
    ] == [
        ("A", "清廉机关", True),
        ("B", "清廉学校", True),
        ("C", "清廉赌场", False),
    ]
    s1 = survey.questions.get(code="S1")
    assert [(o.code, o.value) for o in s1.options.order_by("sort_order")] == [
        ("5", 5),
        ("4", 4),
        ("3", 3),
        ("2", 2),
        ("1", 1),
        ("0", 0),
    ]
    assert survey.questions.get(code="T1").required is False
    assert list(survey.sections.values_list("title", flat=True)) == ["认知", "满意度"]


def test_survey_import_reports_every_bad_row_and_writes_nothing():
    data = (
        "code,kind,text,options,correct,required\n"
        "Q1,单选,好题,A:甲|B:乙,,1\n"
        "Q1,single,重复编码,A:甲|B:乙,,1\n"
        "Q3,essay,未知题型,,,1\n"
        "Q4,recognition,缺正确答案,A:甲|B:乙,,1\n"
        "Q5,recognition,答案不在选项,A:甲|B:乙,C,1\n"
        "Q6,satisfaction,满意度带选项,A:甲|B:乙,,1\n"
    ).encode()
    report = import_file(
        SurveyImporter(title="x"), data=data, filename="s.csv", dry_run=False
    )
    messages = [str(e) for e in report.errors]
    assert messages == [
        "第 3 行（code）：编码“Q1”与第 2 行重复。",
        "第 4 行（kind）：未知的题型“essay”，可选：single、multiple、satisfaction、recognition、text、number。",
        "第 5 行（correct）：认知题必须填写正确答案。",
        "第 6 行（correct）：正确答案“C”不是本题的选项编码。",
        "第 7 行（options）：满意度题使用内置选项，文本题和数字题没有选项：请把 options 留空。",
    ]
    assert not Survey.objects.exists() and not Question.objects.exists()


def test_open_campaign_command_snapshots_headcounts_and_prints_id(city, survey):
    out = io.StringIO()
    call_command(
        "open_campaign",
        "--survey",
        str(survey.pk),
        "--root",
        "YK-GS",
        "--title",
        "古山测评",
        "--mode",
        "codes",
        "--target",
        "0.9",
        stdout=out,
        stderr=io.StringIO(),
    )
    campaign = Campaign.objects.get(pk=int(out.getvalue().strip().splitlines()[-1]))
    assert (campaign.state, campaign.mode) == ("open", "codes")
    assert float(campaign.recognition_target) == 0.9
    snapshot = dict(
        CampaignUnit.objects.filter(campaign=campaign).values_list(
            "unit__code", "headcount"
        )
    )
    assert snapshot == {"YK-GS": 0, "YK-GS-01": 100, "YK-GS-02": 50}


def test_open_campaign_rejects_an_unknown_root(city, survey):
    with pytest.raises(CommandError, match="单元不存在"):
        call_command(
            "open_campaign",
            "--survey",
            str(survey.pk),
            "--root",
            "NOPE",
            "--title",
            "x",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Campaign.objects.exists()


PAPER_HEADER = ["unit_code", "R1", "R2", "S1", "S2", "T1"]


def _paper_rows():
    return [
        PAPER_HEADER,
        ["YK-GS-01", "A", "A|B", "5", "4", "=HYPERLINK(1)"],
        ["YK-GS-01", "奏免丁钱", "清廉机关|清廉学校", "非常满意", "", ""],
        ["YK-JG-01", "B", "", "3", "0", "很好"],
    ]


def _csv(rows, encoding="utf-8"):
    text = "\n".join(",".join(r) for r in rows) + "\n"
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("paper.xlsx", lambda: _xlsx(_paper_rows())),
        ("paper.csv", lambda: _csv(_paper_rows())),
        ("paper.csv", lambda: b"\xef\xbb\xbf" + _csv(_paper_rows())),
        ("paper.csv", lambda: _csv(_paper_rows(), "gbk")),
    ],
    ids=["xlsx", "utf8", "utf8-bom", "gbk"],
)
def test_paper_import_in_every_format(campaign, filename, data):
    report = paper_import(
        campaign=campaign, data=data(), filename=filename, dry_run=False
    )
    assert report.ok, report.errors
    assert Response.objects.filter(campaign=campaign, source="paper").count() == 3
    codes = sorted(
        Answer.objects.filter(
            response__unit__code="YK-GS-01", question__code="R2"
        ).values_list("option__code", flat=True)
    )
    assert codes == ["A", "A", "B", "B"]
    assert (
        Answer.objects.get(question__code="T1", response__unit__code="YK-JG-01").text
        == "很好"
    )


def test_paper_import_reports_every_bad_row_and_writes_nothing(campaign):
    rows = [
        PAPER_HEADER,
        ["YK-GS-01", "A", "A|B", "5", "", ""],
        ["NOPE", "A", "", "5", "", ""],
        ["KM-X", "A", "", "5", "", ""],
        ["YK-GS-02", "D", "", "5", "", ""],
        # A blank required item and two marks on a single-choice item are accepted
        # (unanswered, 多选无效); the unknown satisfaction level is not.
        ["YK-GS-02", "", "", "5", "", ""],
        ["YK-GS-02", "A|B", "", "6", "", ""],
        ["NOPE", "B", "", "7", "", ""],
    ]
    from tests.factories import make_unit

    make_unit("KM-X", kind_name="学校")
    report = paper_import(
        campaign=campaign, data=_csv(rows), filename="p.csv", dry_run=False
    )
    assert [str(e) for e in report.errors] == [
        "第 3 行（unit_code）：未知的单元编码“NOPE”。",
        "第 4 行（unit_code）：单元“KM-X”不在本测评活动范围内。",
        "第 5 行（R1）：没有这个选项：D（可选：A 奏免丁钱、B 修建长城、C 开凿运河）。",
        "第 7 行（S1）：没有这个选项：6（可选：5 非常满意、4 满意、3 一般、2 不满意、1 非常不满意、0 不了解）。",
        "第 8 行（unit_code）：未知的单元编码“NOPE”。",
        "第 8 行（S1）：没有这个选项：7（可选：5 非常满意、4 满意、3 一般、2 不满意、1 非常不满意、0 不了解）。",
    ]
    assert not report.applied
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_paper_import_rejects_unknown_question_columns(campaign):
    data = _csv([["unit_code", "R1", "S1", "X9"], ["YK-GS-01", "A", "5", "1"]])
    report = paper_import(campaign=campaign, data=data, filename="p.csv", dry_run=False)
    assert [str(e) for e in report.errors] == [
        "第 1 行：未知的题目编码列：X9（本问卷的题目编码：R1、R2、S1、S2、T1）。"
    ]
    assert not Response.objects.exists()


def test_paper_import_into_a_closed_campaign_is_refused(campaign):
    campaign_close(campaign=campaign)
    data = _csv([["unit_code", "R1", "S1"], ["YK-GS-01", "A", "5"]])
    report = paper_import(campaign=campaign, data=data, filename="p.csv", dry_run=False)
    assert [str(e) for e in report.errors] == ["文件：只能向进行中的测评活动导入答卷。"]


def test_import_responses_command_dry_run_writes_nothing(campaign, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_bytes(_csv(_paper_rows()))
    out = io.StringIO()
    call_command(
        "import_responses", str(campaign.pk), str(path), "--dry-run", stdout=out
    )
    assert "检查通过（未写入）：3 份答卷" in out.getvalue()
    assert not Response.objects.exists()
    call_command("import_responses", str(campaign.pk), str(path), stdout=io.StringIO())
    assert Response.objects.count() == 3


def test_import_responses_command_fails_loudly(campaign, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_bytes(_csv([["unit_code", "R1", "S1"], ["NOPE", "A", "5"]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 处错误，未写入任何答卷"):
        call_command(
            "import_responses",
            str(campaign.pk),
            str(path),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "未知的单元编码“NOPE”" in err.getvalue()
    assert not Response.objects.exists()


def test_campaign_report_json_has_the_metrics_shape(scored):
    out = io.StringIO()
    call_command("campaign_report", str(scored.pk), "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert set(report) == {"campaign", "units", "kinds", "items"}
    gs01 = next(r for r in report["units"] if r["unit_code"] == "YK-GS-01")
    assert gs01["recognising"] == 33 and gs01["participation_gap"] == 45


def test_campaign_report_csv_by_kind(scored):
    out = io.StringIO()
    call_command(
        "campaign_report", str(scored.pk), "--format", "csv", "--by", "kind", stdout=out
    )
    lines = out.getvalue().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("unit_kind,headcount,participants,participation_rate")
    assert any(line.startswith("村居,150,43,") for line in lines)


def test_campaign_report_xlsx_sheets_and_formula_neutralisation(scored, tmp_path):
    from openpyxl import load_workbook

    Question.objects.filter(code="T1").update(text="=cmd|' /C calc'!A0")
    path = tmp_path / "r.xlsx"
    call_command(
        "campaign_report",
        str(scored.pk),
        "--format",
        "xlsx",
        "-o",
        str(path),
        stderr=io.StringIO(),
    )
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "units", "kinds", "items", "questions"]
    # The text as a text cell, never a formula (tabular.exporting).
    cells = [row[2] for row in book["questions"].iter_rows(min_row=2)]
    typed = {(c.value, c.data_type) for c in cells if c.value.startswith("=")}
    assert typed == {("=cmd|' /C calc'!A0", "s")}
    units = list(book["units"].iter_rows(values_only=True))
    assert units[0][0] == "unit_code"
    assert len(units) == 1 + 6


def test_paper_responses_count_in_the_scorecard(campaign):
    data = _csv(_paper_rows())
    paper_import(campaign=campaign, data=data, filename="p.csv", dry_run=False)
    from surveys.selectors import scorecard_compute

    rows = {r["unit_code"]: r for r in scorecard_compute(campaign=campaign)["units"]}
    assert rows["YK-GS-01"]["recognising"] == 2
    assert rows["YK-JG-01"]["recognising"] == 0
    assert rows["YK"]["participants"] == 3


def test_survey_structure_round_trips_through_export_and_import(
    client, admin_user, survey
):
    client.force_login(admin_user)
    exported = client.get(
        f"/admin/surveys/survey-export/{survey.pk}/?format=csv"
    ).content
    assert exported.decode("utf-8-sig").splitlines()[2].startswith("R2,recognition,")
    report = import_file(
        SurveyImporter(title="副本"), data=exported, filename="s.csv", dry_run=False
    )
    assert report.ok, report.errors
    copy = Survey.objects.get(title="副本")

    def shape(s):
        return [
            (
                q.code,
                q.kind,
                q.text,
                q.required,
                [
                    (o.code, o.label, o.is_correct)
                    for o in q.options.order_by("sort_order")
                ],
            )
            for q in s.questions.order_by("sort_order")
        ]

    assert shape(copy) == shape(survey)


SURVEY_IMPORT_URL = "/admin/surveys/survey-import/"


def _upload_survey(client, **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data["file"] = SimpleUploadedFile("s.csv", SURVEY_CSV.encode())
    return client.post(SURVEY_IMPORT_URL, data).content.decode()


def test_survey_import_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert 'name="title"' in client.get(SURVEY_IMPORT_URL).content.decode()
    preview = _upload_survey(client, title="2026 清廉单元调查")
    assert "将新增 4 条" in preview
    assert "确认后将创建问卷“2026 清廉单元调查”。" in preview
    # The form shown again under the preview keeps the title typed.
    assert 'value="2026 清廉单元调查"' in preview
    token = preview.split('name="token" value="')[1].split('"')[0]
    assert not Survey.objects.exists()
    assert client.post(SURVEY_IMPORT_URL, {"token": token}).status_code == 302
    survey = Survey.objects.get()
    assert survey.title == "2026 清廉单元调查"
    assert survey.questions.count() == 4


def test_survey_import_in_the_admin_requires_a_title(client, admin_user):
    client.force_login(admin_user)
    page = _upload_survey(client, title="  ")
    assert "请填写问卷标题。" in page
    assert 'name="token"' not in page
    assert not Survey.objects.exists()


def test_survey_import_confirmation_needs_the_title_of_its_upload(client, admin_user):
    client.force_login(admin_user)
    preview = _upload_survey(client, title="2026 清廉单元调查")
    token = preview.split('name="token" value="')[1].split('"')[0]
    client.logout()
    client.force_login(admin_user)  # a new session knows no title for this token
    reply = client.post(SURVEY_IMPORT_URL, {"token": token}, follow=True)
    assert "上传的文件已失效，请重新上传。" in reply.content.decode()
    assert not Survey.objects.exists()
