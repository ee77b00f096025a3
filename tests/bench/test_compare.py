"""`python -m bench compare`: the baseline FormPage asks our demo survey's 20 questions,
and the table and ratios line say what the figures mean. No timing here (bench/)."""

import pytest

from bench import compare, compare_baseline
from surveys.models import SATISFACTION_SCALE, Survey
from surveys.services import survey_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey() -> Survey:
    return survey_create(title="对比基准", questions=compare.twenty_questions())


def test_baseline_form_asks_the_same_twenty_questions(survey):
    spec = compare.survey_questions_spec(survey)
    fields = compare_baseline.form_fields(spec)

    assert len(fields) == 20
    assert [f["label"] for f in fields] == list(
        survey.questions.order_by("sort_order").values_list("text", flat=True)
    )
    # Labels are distinct, so the form builder's clean names (its JSON keys) are too.
    assert len({f["label"] for f in fields}) == 20
    by_label = {f["label"]: f for f in fields}

    r1 = by_label["北宋明道元年（1032 年）江淮大旱，胡则奏请朝廷免除的是哪一项？"]
    assert r1["field_type"] == "radio"
    assert r1["choices"].split("\n") == ["身丁钱", "盐税", "田赋", "商税"]
    assert r1["required"] is True

    # Three right answers: our questionnaire shows checkboxes, so does the baseline.
    r3 = by_label["以下哪些属于清廉单元建设的类型？（第二轮）"]
    assert r3["field_type"] == "checkboxes"
    assert r3["choices"].split("\n") == ["清廉机关", "清廉学校", "清廉村居", "私人会所"]

    s4 = by_label["您对本单元开展的廉洁文化活动是否满意？"]
    assert s4["field_type"] == "radio"
    assert s4["choices"].split("\n") == [
        str(label) for _c, label, _v in SATISFACTION_SCALE
    ]
    assert s4["required"] is False

    t1 = by_label["您对本单元清廉建设有什么意见或建议？（第二轮）"]
    assert t1["field_type"] == "multiline"
    assert t1["choices"] == ""

    assert [f["field_type"] for f in fields].count("radio") == 16
    assert [f["field_type"] for f in fields].count("checkboxes") == 2
    assert [f["field_type"] for f in fields].count("multiline") == 2


def test_ratio_is_ours_ahead_for_rates_and_for_times():
    rate = compare.Row("submit", "submissions", "/s", 300.0, 75.0, goal=2)
    time = compare.Row(
        "scorecard", "scorecard", "s", 0.1, 3.8, higher_is_better=False, goal=20
    )
    memory = compare.Row("memory", "memory", "MB", 200.0, 100.0, higher_is_better=False)
    missing = compare.Row("lesson", "lesson", "req/s", 120.0, None)

    assert rate.ratio == pytest.approx(4.0)
    assert time.ratio == pytest.approx(38.0)
    assert memory.ratio == pytest.approx(0.5)
    assert missing.ratio is None


def test_table_and_ratios_line():
    rows = [
        compare.Row("survey_page", "survey page", "req/s", 150.0, 49.0, goal=3),
        compare.Row("submit", "submissions", "/s", 120.0, 75.0, goal=2),
        compare.Row(
            "scorecard", "scorecard", "s", 0.19, 3.8, higher_is_better=False, goal=20
        ),
        compare.Row("lesson", "lesson", "req/s", 200.0, None, goal=2),
    ]
    table = compare.format_table(rows).splitlines()

    assert table[0].startswith("| measurement | ours | baseline | ratio")
    assert table[2] == "| survey page | 150 req/s | 49.0 req/s | 3.06× | ≥ 3× | yes |"
    assert table[3] == "| submissions | 120 /s | 75.0 /s | 1.60× | ≥ 2× | NO |"
    assert table[4] == "| scorecard | 0.190 s | 3.800 s | 20.00× | ≥ 20× | yes |"
    assert table[5] == "| lesson | 200 req/s | — req/s | — | ≥ 2× |  |"
    assert (
        compare.format_ratios(rows)
        == "ratios: survey_page=3.06 submit=1.60 scorecard=20.00 lesson=n/a"
    )


def test_respondents_stay_within_each_unit_headcount():
    import random

    links = [{"url": "/a/", "headcount": 3}, {"url": "/b/", "headcount": 1}]
    paths = compare.respondent_paths(links, random.Random(1))

    assert sorted(paths) == ["/a/", "/a/", "/a/", "/b/"]


def test_parse_and_fill_a_form():
    import random

    html = (
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;1">'
        '<input type="radio" name="q_R1" value="x1"><input type="radio" name="q_R1" value="x2">'
        '<input type="checkbox" name="q_R3" value="c1"><input type="checkbox" name="q_R3" value="c2">'
        '<textarea name="q_T1" rows="3"></textarea><input type="submit" value="提交"></form>'
    )
    hidden, fields = compare.parse_form(html)

    assert hidden == {"csrfmiddlewaretoken": "tok&1"}
    assert list(fields) == ["q_R1", "q_R3", "q_T1"]
    answer = compare.fill_form(fields, random.Random(3), 42)
    names = [name for name, _value in answer]
    assert names.count("q_R1") == 1
    assert 1 <= names.count("q_R3") <= 2
    assert dict(answer)["q_T1"].startswith("答卷人 42：")
