"""Importing questions: the template (xlsx, csv), GIFT and Aiken; every error kind writes
nothing and says what is wrong."""

import hashlib
import html
import io
from pathlib import Path

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


# --- Moodle's own fixtures (tests/quizzes/fixtures/README.md) ------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _bank() -> dict[str, tuple[str, str, list[tuple[str, bool, str]]]]:
    return {
        q.code: (
            q.kind,
            html.unescape(q.stem_text),
            [(o.text, o.is_correct, o.feedback) for o in q.options.all()],
        )
        for q in Question.objects.prefetch_related("options")
    }


# Every question of Moodle's questions.gift.txt the bank cannot hold, by the line it
# starts on, as GIFT types Moodle reads them.
MOODLE_GIFT_REFUSED = [
    (2, "问答题（essay）"),
    (5, "配对题（matching）"),
    (31, "数值题（numerical）"),
    (34, "填空题（short answer"),
]
TSL = "GIFT-0F7F724F93"  # sha1 of the stem "TSL is blablabla."
MOODLE_GIFT_IMPORTED = {
    "Q2": (
        QuestionKind.SINGLE,
        "What's between orange and green in the spectrum?",
        [
            ("yellow", True, "right; good!"),
            ("red", False, "wrong, it's yellow"),
            ("blue", False, "wrong, it's yellow"),
        ],
    ),
    # ~%50% ~%-100% ~%50% ~%-100%: the positive weights make 100%, so both are keys.
    "colours": (
        QuestionKind.MULTIPLE,
        "What's between orange and green in the spectrum?",
        [
            ("yellow", True, "right; good!"),
            ("red", False, "wrong"),
            ("off-beige", True, "right; good!"),
            ("blue", False, "wrong"),
        ],
    ),
    # {FALSE#wrong#right}: the first feedback is for 对 (the wrong answer). The text
    # after the braces is kept, with Moodle's blank where the answers stood.
    "Q1": (
        QuestionKind.TRUE_FALSE,
        '42 is the Absolute Answer to everything._____";',
        [
            ("对", False, "42 is the Ultimate Answer."),
            ("错", True, "You gave the right answer."),
        ],
    ),
    # Two questions named "2-08 TSL" (not a valid code) with the same text.
    TSL: (
        QuestionKind.TRUE_FALSE,
        "TSL is blablabla.",
        [("对", True, ""), ("错", False, "")],
    ),
    f"{TSL}-2": (
        QuestionKind.TRUE_FALSE,
        "TSL is blablabla.",
        [("对", True, ""), ("错", False, "")],
    ),
}


@pytest.mark.django_db
def test_moodle_gift_fixture_refuses_every_unsupported_type_with_its_line():
    report = questions_import(
        data=_fixture("moodle_questions.gift.txt"),
        filename="questions.gift.txt",
        file_format="gift",
        dry_run=False,
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (line, "GIFT") for line, _type in MOODLE_GIFT_REFUSED
    ]
    for error, (_line, kind) in zip(report.errors, MOODLE_GIFT_REFUSED, strict=True):
        assert error.message.startswith(f"不支持的 GIFT 题型：{kind}"), error.message
    assert "Which is the best animal?" in report.errors[3].message
    assert "--skip-unsupported" in report.notes[-1]
    assert not Question.objects.exists() and not Option.objects.exists()


@pytest.mark.django_db
def test_moodle_gift_short_answer_is_never_a_multiple_choice_question():
    """{=Frog =%50%Cat =%0%*} is a short-answer question in Moodle: it used to become a
    multiple-choice question with Frog and Cat correct and "*" as an option."""
    report = questions_import(
        data=_fixture("moodle_questions.gift.txt"),
        filename="questions.gift.txt",
        file_format="gift",
        dry_run=False,
        skip_unsupported=True,
    )
    assert report.applied
    assert not Question.objects.filter(code="Shortanswer").exists()
    assert not Option.objects.filter(text__in=["Frog", "Cat", "*"]).exists()


@pytest.mark.django_db
def test_moodle_gift_fixture_with_skip_imports_the_rest_and_lists_the_skipped():
    data = _fixture("moodle_questions.gift.txt")
    report = questions_import(
        data=data,
        filename="questions.gift.txt",
        file_format="gift",
        dry_run=False,
        skip_unsupported=True,
    )
    assert report.ok and report.applied and report.created == 5
    assert _bank() == MOODLE_GIFT_IMPORTED
    assert Question.objects.get(code="Q1").explanation == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )
    assert [(s.row, s.column) for s in report.skipped] == [
        (line, "GIFT") for line, _kind in MOODLE_GIFT_REFUSED
    ]
    for skipped, (_line, kind) in zip(report.skipped, MOODLE_GIFT_REFUSED, strict=True):
        assert skipped.message.startswith(f"不支持的 GIFT 题型：{kind}")
    assert report.notes == [f"已跳过：{s}" for s in report.skipped]
    # The same file again: the same codes, so it updates and never duplicates.
    again = questions_import(
        data=data,
        filename="questions.gift.txt",
        file_format="gift",
        dry_run=False,
        skip_unsupported=True,
    )
    assert (again.created, again.updated) == (0, 5)
    assert _bank() == MOODLE_GIFT_IMPORTED


@pytest.mark.django_db
def test_moodle_gift_category_fixture_reads_html_text_and_the_category():
    report = questions_import(
        data=_fixture("moodle_questions_in_category.gift.txt"),
        filename="questions_in_category.gift.txt",
        file_format="gift",
        dry_run=False,
        skip_unsupported=True,
    )
    assert report.applied and report.created == 2
    assert [s.row for s in report.skipped] == [5, 22]
    assert report.skipped[0].message.startswith(
        "不支持的 GIFT 题型：配对题（matching）"
    )
    assert report.skipped[1].message.startswith(
        "不支持的 GIFT 题型：填空题（short answer，学员输入答案）。"
    )
    assert "Anyone who uses Moodle is a" in report.skipped[1].message
    greeting = Question.objects.get(code="Greeting")
    # [html]: tags dropped, the link's address kept, <br /> as a new paragraph.
    assert greeting.stem == (
        "<p>Listen to this greeting:（http://demo.moodle.net/file.php/5/media/"
        "bonjour.mp3）</p><p>What language is being spoken?</p>"
    )
    assert [(o.text, o.is_correct) for o in greeting.options.all()] == [
        ("English", False),
        ("French", True),
        ("German", False),
        ("Spanish", False),
    ]
    assert [t.name for t in greeting.tags.all()] == ["Default for New Features"]
    acronym = Question.objects.exclude(code="Greeting").get()
    assert acronym.kind == QuestionKind.TRUE_FALSE and acronym.code.startswith("GIFT-")
    assert acronym.stem_text == (
        "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ("=甲 ~%50%乙 ~丙", "本题只能选一项（有 = 选项），得分的选项为 100%、50%"),
        ("=甲 =乙 ~丙", "得分的选项为 100%、100%"),
        ("~%50%甲 ~%30%乙 ~丙", "正权重 50%、30% 合计 80%，应合计 100%"),
        ("~%60%甲 ~%60%乙 ~丙", "正权重 60%、60% 合计 120%，应合计 100%"),
    ],
)
def test_gift_partial_credit_that_does_not_make_100_is_refused_with_the_reason(
    answers, reason
):
    text = f"::OK:: 好题 {{=甲 ~乙}}\n\n::PART:: 部分得分 {{{answers}}}\n"
    report = questions_import(data=text.encode(), filename="x.gift", dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [(3, "GIFT")]
    assert report.errors[0].message.startswith("部分得分无法表示")
    assert reason in report.errors[0].message, report.errors[0].message
    assert not Question.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "kind", "keys"),
    [
        ("~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~丁", QuestionKind.MULTIPLE, "ABC"),
        ("~%50%甲 ~%-50%乙 ~%50%丙", QuestionKind.MULTIPLE, "AC"),
        ("~%100%甲 ~乙", QuestionKind.SINGLE, "A"),
        ("~甲 =%100%乙", QuestionKind.SINGLE, "B"),
    ],
)
def test_gift_weights_that_make_100_become_the_correct_options(answers, kind, keys):
    text = f"::W:: 权重 {{{answers}}}\n"
    report = questions_import(data=text.encode(), filename="x.gift", dry_run=False)
    assert report.applied, report.errors
    question = Question.objects.get(code="W")
    assert question.kind == kind
    assert (
        "".join(
            "ABCDEF"[i] for i, o in enumerate(question.options.all()) if o.is_correct
        )
        == keys
    )


@pytest.mark.django_db
def test_gift_description_without_answers_is_refused_with_its_line():
    text = "::D1:: 本组题目关于节日礼品。\n\n::G1:: 题干 {=甲 ~乙}\n"
    report = questions_import(data=text.encode(), filename="x.gift", dry_run=False)
    assert [e.row for e in report.errors] == [1]
    assert report.errors[0].message.startswith(
        "不支持的 GIFT 题型：说明文字（description，没有答案，不是题目）"
    )
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_gift_questions_with_the_same_name_get_distinct_stable_codes():
    text = (
        "::Q1:: 第一题 {T}\n\n::Q1:: 第二题 {F}\n\n::坏 名称:: 同一题干 {T}\n\n"
        "::坏 名称:: 同一题干 {F}\n"
    )
    report = questions_import(data=text.encode(), filename="x.gift", dry_run=False)
    assert report.applied, report.errors
    same = f"GIFT-{hashlib.sha1('同一题干'.encode()).hexdigest()[:10].upper()}"  # noqa: S324
    codes = {q.code: q.stem_text for q in Question.objects.all()}
    assert codes == {
        "Q1": "第一题",
        "Q1-2": "第二题",
        same: "同一题干",
        f"{same}-2": "同一题干",
    }
    again = questions_import(data=text.encode(), filename="x.gift", dry_run=False)
    assert (again.created, again.updated) == (0, 4)


@pytest.mark.django_db
def test_skipping_does_not_renumber_the_codes_of_the_others():
    with_essay = "::Q1:: 问答 {}\n\n::Q1:: 判断 {T}\n"
    report = questions_import(
        data=with_essay.encode(),
        filename="x.gift",
        dry_run=False,
        skip_unsupported=True,
    )
    assert report.applied and [s.row for s in report.skipped] == [1]
    assert list(Question.objects.values_list("code", flat=True)) == ["Q1-2"]


@pytest.mark.django_db
def test_skip_does_not_hide_a_broken_gift_question():
    text = "::G1:: 题干 {=甲 ~乙}\n\n::G2:: 题干 { =甲 ~乙\n"
    report = questions_import(
        data=text.encode(), filename="x.gift", dry_run=False, skip_unsupported=True
    )
    assert [(e.row, e.message) for e in report.errors] == [
        (3, "找不到成对的答案花括号 { }。")
    ]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_moodle_aiken_fixture_imports_both_questions_as_written():
    data = _fixture("moodle_questions.aiken.txt")
    report = questions_import(data=data, filename="questions.aiken.txt", dry_run=False)
    assert report.applied and report.created == 2, report.errors
    by_stem = {q.stem_text: q for q in Question.objects.all()}
    first = by_stem["The Moodle project was started by:"]
    assert first.kind == QuestionKind.SINGLE and first.code.startswith("AIKEN-")
    assert [(o.text, o.is_correct) for o in first.options.all()] == [
        ("Petr Skoda", False),
        ("Martin Dougiamas", True),
        ("Eloy Lafuente", False),
        ("Tim Hunt", False),
    ]
    # Aiken text is plain: the markup is shown as written, never run as HTML.
    second = Question.objects.exclude(pk=first.pk).get()
    assert second.stem == (
        "<p>Moodle&#x27;s abilities include handling user input that includes "
        "&lt;html class=&quot;cool&quot;&gt; &amp; images:</p>"
    )
    assert [(o.text, o.is_correct) for o in second.options.all()] == [
        ("True", True),
        ("False", False),
    ]
    again = questions_import(data=data, filename="questions.aiken.txt", dry_run=False)
    assert (again.created, again.updated) == (0, 2)


AIKEN_ERRORS = [
    (1, "至少需要两个选项"),  # "A question with too few answers"
    (5, "选项之前没有题干：A) Question not started"),
    (7, "ANSWER: 行之前没有题干"),
    (14, "缺少 ANSWER: 行"),  # "A question started but not finished"
]


@pytest.mark.django_db
@pytest.mark.parametrize("skip_unsupported", [False, True])
def test_moodle_aiken_error_fixture_reports_each_broken_question(skip_unsupported):
    """Moodle's own test expects errors for the same four questions (it reports them on
    lines 3, 5, 7 and 18, where it notices) and two good questions. A broken question is
    an error, not an unsupported one: skipping does not hide it."""
    report = questions_import(
        data=_fixture("moodle_aiken_errors.txt"),
        filename="aiken_errors.txt",
        dry_run=False,
        skip_unsupported=skip_unsupported,
    )
    found = sorted((e.row, e.message) for e in report.errors)
    assert [row for row, _m in found] == [row for row, _m in AIKEN_ERRORS]
    for (_row, message), (_line, expected) in zip(found, AIKEN_ERRORS, strict=True):
        assert expected in message, message
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_moodle_aiken_error_fixture_good_questions_parse_without_spaces():
    """The two good questions of aiken_errors.txt, alone: `A)Incorrect` needs no space."""
    lines = _fixture("moodle_aiken_errors.txt").decode().splitlines()
    good = "\n".join(lines[8:12] + [""] + lines[17:21])
    report = questions_import(data=good.encode(), filename="good.txt", dry_run=False)
    assert report.applied, report.errors
    assert {
        q.stem_text: [(o.text, o.is_correct) for o in q.options.all()]
        for q in Question.objects.all()
    } == {
        "A good question": [("Correct", True), ("Incorrect", False)],
        "A second good question": [
            ("Incorrect (No space)", False),
            ("Correct (No space)", True),
        ],
    }


def test_aiken_questions_need_no_blank_line_between_them():
    from quizzes.imports import QuestionImportReport, parse_aiken

    report = QuestionImportReport()
    table = parse_aiken(
        "甲题\nA. 甲\nB. 乙\nANSWER: A\n乙题\nA. 甲\nB. 乙\nANSWER: B", report
    )
    assert report.ok
    assert [(r.number, r.get("题干"), r.get("答案")) for r in table.rows] == [
        (1, "甲题", "A"),
        (5, "乙题", "B"),
    ]


@pytest.mark.django_db
def test_command_skip_unsupported_lists_each_skipped_question(tmp_path, capsys):
    path = tmp_path / "questions.gift"
    path.write_bytes(_fixture("moodle_questions.gift.txt"))
    with pytest.raises(CommandError, match="4 处错误，未写入任何题目"):
        call_command("import_questions", str(path))
    assert "--skip-unsupported" in capsys.readouterr().err
    assert not Question.objects.exists()
    call_command("import_questions", str(path), "--skip-unsupported")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "导入完成：新增 5，更新 0，未变 0，跳过 4"
    assert [line[:12] for line in out[1:]] == [
        "已跳过：第 2 行（GI",
        "已跳过：第 5 行（GI",
        "已跳过：第 31 行（G",
        "已跳过：第 34 行（G",
    ]
    assert Question.objects.count() == 5


@pytest.mark.django_db
def test_admin_import_checkbox_skips_unsupported_and_lists_them(client, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_person
    from units.models import Role

    client.force_login(make_person("editor6", role=Role.EDITOR))
    data = _fixture("moodle_questions.gift.txt")
    refused = client.post(
        "/admin/quizzes/import/",
        {"file": SimpleUploadedFile("q.gift", data), "format": ""},
    )
    html = refused.content.decode()
    assert not refused.context["token"] and "跳过无法导入的题目" in html
    response = client.post(
        "/admin/quizzes/import/",
        {
            "file": SimpleUploadedFile("q.gift", data),
            "format": "",
            "skip_unsupported": "on",
        },
    )
    html = response.content.decode()
    token = response.context["token"]
    assert token and response.context["report"].created == 5
    assert "已跳过：第 34 行（GIFT）：不支持的 GIFT 题型：填空题" in html
    assert '<input type="hidden" name="skip_unsupported" value="True">' in html
    response = client.post(
        "/admin/quizzes/import/", {"token": token, "skip_unsupported": "True"}
    )
    assert response.status_code == 302
    assert sorted(Question.objects.values_list("code", flat=True)) == sorted(
        MOODLE_GIFT_IMPORTED
    )
