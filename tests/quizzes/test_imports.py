"""Importing questions: the template (xlsx, csv), GIFT and Aiken; every error kind writes
nothing and says what is wrong."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from quizzes.imports import parse_answer, questions_import
from quizzes.models import Option, Question, QuestionKind

HEADERS = [
    "编号",
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "答案",
    "解析",
    "依据",
    "难度",
    "标签",
]


def _csv(*rows, headers=HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _row(
    code="Q1",
    kind="单选",
    stem="题干",
    a="甲",
    b="乙",
    c="丙",
    d="",
    answer="B",
    difficulty="易",
    tags="宴请、八项规定",
    rule="《中国共产党纪律处分条例》",
):
    return [code, kind, stem, a, b, c, d, answer, "解析", rule, difficulty, tags]


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("AC", "AC"),
        ("A,C", "AC"),
        ("A、C", "AC"),
        ("ＡＣ", "AC"),
        ("a c", "AC"),
        ("Ｂ", "B"),
    ],
)
def test_answer_spellings(text, keys):
    assert parse_answer(text) == (keys, False)


@pytest.mark.parametrize(
    ("text", "key"), [("对", "A"), ("√", "A"), ("错", "B"), ("×", "B")]
)
def test_true_false_spellings(text, key):
    assert parse_answer(text) == (key, True)


@pytest.mark.django_db
def test_csv_template_creates_questions_with_options_tags_and_rule():
    data = _csv(
        _row(),
        _row("Q2", "多选", answer="A、C"),
        _row("Q3", "判断", a="", b="", c="", answer="×", rule="《廉洁自律准则》第二条"),
    )
    report = questions_import(data=data, filename="bank.csv", dry_run=False)
    assert report.ok and report.applied and report.created == 3
    q1 = Question.objects.get(code="Q1")
    assert [o.is_correct for o in q1.options.all()] == [False, True, False]
    assert sorted(t.name for t in q1.tags.all()) == ["八项规定", "宴请"]
    assert q1.difficulty == 1 and q1.stem == "<p>题干</p>"
    q2 = Question.objects.get(code="Q2")
    assert q2.kind == QuestionKind.MULTIPLE
    assert [o.is_correct for o in q2.options.all()] == [True, False, True]
    q3 = Question.objects.get(code="Q3")
    assert [(o.text, o.is_correct) for o in q3.options.all()] == [
        ("对", False),
        ("错", True),
    ]
    assert (q3.rule_name, q3.rule_article) == ("《廉洁自律准则》", "第二条")


@pytest.mark.django_db
def test_xlsx_template_imports_and_reimport_updates():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(_row())
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert questions_import(
        data=buffer.getvalue(), filename="q.xlsx", dry_run=False
    ).applied
    again = _csv(_row(stem="新题干", answer="C"))
    report = questions_import(data=again, filename="q.csv", dry_run=False)
    assert report.updated == 1 and Question.objects.count() == 1
    q = Question.objects.get()
    assert q.stem == "<p>新题干</p>" and [o.is_correct for o in q.options.all()] == [
        False,
        False,
        True,
    ]


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    report = questions_import(data=_csv(_row()), filename="q.csv", dry_run=True)
    assert report.ok and report.created == 1 and not Question.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "message"),
    [
        (_row(code=""), "编号不能为空"),
        (_row(code="坏 编号"), "编号只能包含"),
        (_row(stem=""), "题干不能为空"),
        (_row(kind="问答"), "未知题型“问答”"),
        (_row(answer=""), "答案不能为空"),
        (_row(answer="E"), "答案“E”不是有效的选项字母"),
        (_row(answer="AB"), "单选题只能有一个答案"),
        (_row(kind="多选", answer="A"), "多选题至少要有两个答案"),
        (_row(answer="AA", kind="多选"), "答案中有重复的字母"),
        (_row(kind="判断", a="", b="", c="", answer="C"), "判断题的答案应为"),
        (_row(kind="判断", answer="对"), "判断题必须正好有两个选项"),
        (_row(b="", c="", answer="A"), "至少需要两个选项"),
        (_row(b="", c="丙", answer="A"), "选项不能跳空"),
        (_row(difficulty="超难"), "未知难度“超难”"),
    ],
)
def test_each_bad_row_is_reported_and_nothing_is_written(row, message):
    data = _csv(_row("GOOD"), row)
    report = questions_import(data=data, filename="q.csv", dry_run=False)
    assert not report.ok
    assert any(message in e.message and e.row == 3 for e in report.errors), (
        report.errors
    )
    assert not Question.objects.exists() and not Option.objects.exists()


@pytest.mark.django_db
def test_duplicate_code_in_file_is_reported():
    report = questions_import(
        data=_csv(_row(), _row()), filename="q.csv", dry_run=False
    )
    assert [str(e) for e in report.errors] == [
        "第 3 行（编号）：编号“Q1”与第 2 行重复。"
    ]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_missing_column_is_reported():
    data = _csv(["Q1", "题干"], headers=["编号", "题干"])
    report = questions_import(data=data, filename="q.csv", dry_run=False)
    assert "缺少必需的列：答案" in report.errors[0].message
    assert not Question.objects.exists()


GIFT = """// 八项规定练习
$CATEGORY: $course$/节日礼品

::GIFT-001:: 春节前，管理服务对象快递来两箱酒，你应当？ {
  ~收下，下次回礼#回礼也不能抵消收受。
  =婉拒，无法退回的登记上交#正确：按规定处理。
  ~分给同事#仍是收受。
  ####管理服务对象赠送的礼品不能收受。
}

::GIFT-002:: 下列哪些属于“五小”行为？ {
  ~%50%收受小礼品
  ~%50%吃拿小便宜
  ~%-100%按规定公务接待
}

::GIFT-003:: 公车可以用于接送子女上学。 {F#公车私用违反规定。}

节日期间可以用公款购买月饼送人吗？ {FALSE}
"""


@pytest.mark.django_db
def test_gift_file_imports_single_multiple_and_true_false():
    report = questions_import(data=GIFT.encode(), filename="bank.gift", dry_run=False)
    assert report.ok, report.errors
    assert report.created == 4
    q1 = Question.objects.get(code="GIFT-001")
    options = list(q1.options.all())
    assert [o.is_correct for o in options] == [False, True, False]
    assert options[1].feedback == "正确：按规定处理。"
    assert q1.explanation == "管理服务对象赠送的礼品不能收受。"
    assert [t.name for t in q1.tags.all()] == ["节日礼品"]
    q2 = Question.objects.get(code="GIFT-002")
    assert q2.kind == QuestionKind.MULTIPLE
    assert [o.is_correct for o in q2.options.all()] == [True, True, False]
    q3 = Question.objects.get(code="GIFT-003")
    assert q3.kind == QuestionKind.TRUE_FALSE
    assert [(o.text, o.is_correct) for o in q3.options.all()] == [
        ("对", False),
        ("错", True),
    ]
    untitled = Question.objects.exclude(code__startswith="GIFT-0").get()
    assert untitled.code.startswith("GIFT-")
    # Same file again: stable codes, so it updates rather than duplicates.
    again = questions_import(data=GIFT.encode(), filename="bank.gift", dry_run=False)
    assert again.updated == 4 and Question.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("::G1:: 题干 { =甲 ~乙\n", "找不到成对的答案花括号", 1),
        (
            "::G1:: 题干 {=甲 ~乙}\n\n::G2:: 配对 { =甲 -> 乙 =丙 -> 丁 }",
            "不支持的 GIFT 题型",
            3,
        ),
        ("::G1:: 题干 {~甲 ~乙}", "没有标出正确答案", 1),
        ("::G1:: 题干 {}", "不支持的 GIFT 题型", 1),
    ],
)
def test_gift_errors_point_to_the_line_and_write_nothing(text, message, line):
    report = questions_import(data=text.encode(), filename="x.gift", dry_run=False)
    assert any(message in e.message and e.row == line for e in report.errors), (
        report.errors
    )
    assert not Question.objects.exists()


AIKEN = """春节前收到管理服务对象送来的购物卡，正确的做法是？
A. 收下后不使用
B) 当场婉拒，无法退回的按规定登记上交
C. 转送给亲友
ANSWER: B

亲属在本人分管领域承揽工程，应当？
A. 不必报告
B. 主动报告并回避
ANSWER: B
"""


@pytest.mark.django_db
def test_aiken_file_imports_single_choice_questions():
    report = questions_import(data=AIKEN.encode(), filename="bank.txt", dry_run=False)
    assert report.ok, report.errors
    first = Question.objects.get(stem__contains="购物卡")
    assert first.kind == QuestionKind.SINGLE and first.code.startswith("AIKEN-")
    assert [o.is_correct for o in first.options.all()] == [False, True, False]
    assert first.options.all()[1].text == "当场婉拒，无法退回的按规定登记上交"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("题干\nA. 甲\nB. 乙\n", "缺少 ANSWER: 行", 1),
        ("题干\nA. 甲\nB. 乙\nANSWER: D\n", "答案“D”不是有效的选项字母", 1),
        (
            "第一题\nA. 甲\nB. 乙\nANSWER: A\n\n题干\nA. 甲\nANSWER: A\n",
            "至少需要两个选项",
            6,
        ),
    ],
)
def test_aiken_errors_point_to_the_line_and_write_nothing(text, message, line):
    report = questions_import(data=text.encode(), filename="x.txt", dry_run=False)
    assert any(message in e.message and e.row == line for e in report.errors), (
        report.errors
    )
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_command_imports_and_dry_run(tmp_path, capsys):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    call_command("import_questions", str(path), "--dry-run")
    assert not Question.objects.exists()
    call_command("import_questions", str(path), "--format", "gift")
    assert Question.objects.count() == 4


@pytest.mark.django_db
def test_command_fails_with_non_zero_exit_and_writes_nothing(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_bytes(_csv(_row("OK"), _row("BAD", answer="Z")))
    with pytest.raises(CommandError, match="1 处错误，未写入任何题目"):
        call_command("import_questions", str(path))
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_template_download_is_an_xlsx_with_chinese_headers(client, city):
    from openpyxl import load_workbook

    from tests.factories import make_person
    from units.models import Role

    client.force_login(make_person("editor1", role=Role.EDITOR))
    response = client.get("/admin/quizzes/template/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    assert (
        headers[:3] == ["编号", "题型", "题干"]
        and "选项F" in headers
        and "标签" in headers
    )
    # The template's example row imports cleanly.
    report = questions_import(data=response.content, filename="t.xlsx", dry_run=True)
    assert report.ok, report.errors


@pytest.mark.django_db
def test_learner_cannot_download_template_or_import(client, city):
    from tests.factories import make_person

    client.force_login(make_person("plain"))
    assert client.get("/admin/quizzes/template/").status_code in (302, 403)
    assert client.get("/admin/quizzes/import/").status_code in (302, 403)


@pytest.mark.django_db
def test_admin_import_previews_then_writes_on_confirm(client, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_person
    from units.models import Role

    client.force_login(make_person("editor2", role=Role.EDITOR))
    upload = SimpleUploadedFile("bank.gift", GIFT.encode())
    response = client.post("/admin/quizzes/import/", {"file": upload, "format": ""})
    assert response.status_code == 200 and not Question.objects.exists()
    token = response.context["token"]
    assert token.endswith(".gift") and response.context["report"].created == 4
    response = client.post("/admin/quizzes/import/", {"token": token})
    assert response.status_code == 302 and Question.objects.count() == 4


@pytest.mark.django_db
def test_admin_import_with_a_bad_row_offers_no_confirm(client, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_person
    from units.models import Role

    client.force_login(make_person("editor3", role=Role.EDITOR))
    upload = SimpleUploadedFile("bank.csv", _csv(_row(), _row("Q2", answer="Z")))
    response = client.post("/admin/quizzes/import/", {"file": upload, "format": ""})
    html = response.content.decode()
    assert "答案“Z”不是有效的选项字母" in html and not response.context["token"]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_admin_import_page_describes_every_template_column(client, city):
    from tests.factories import make_person
    from units.models import Role

    client.force_login(make_person("editor4", role=Role.EDITOR))
    html = client.get("/admin/quizzes/import/").content.decode()
    for column in (
        "编号",
        "题型",
        "题干",
        "选项A…选项F",
        "答案",
        "解析",
        "依据",
        "难度",
        "标签",
    ):
        assert f"<code>{column}</code>" in html


@pytest.mark.django_db
def test_bank_export_reimports_unchanged(client, city):
    from tests.factories import make_person
    from units.models import Role

    questions_import(data=GIFT.encode(), filename="bank.gift", dry_run=False)
    before = {
        q.code: (
            q.kind,
            q.explanation,
            [(o.text, o.is_correct, o.feedback) for o in q.options.all()],
        )
        for q in Question.objects.all()
    }
    client.force_login(make_person("editor5", role=Role.EDITOR))
    exported = client.get("/admin/quizzes/export/").content
    report = questions_import(data=exported, filename="bank.xlsx", dry_run=False)
    assert report.ok and report.updated == 4, report.errors
    after = {
        q.code: (
            q.kind,
            q.explanation,
            [(o.text, o.is_correct, o.feedback) for o in q.options.all()],
        )
        for q in Question.objects.all()
    }
    assert after == before
