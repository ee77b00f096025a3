"""Demo content for 练一练: the scenario question bank, the /practice/ index and two quizzes.

Idempotent: questions are matched by code and pages by slug; existing ones are left as the
editors may have changed them.
"""

from __future__ import annotations

from django.utils.html import escape

from home.models import HomePage

from .demo_questions import QUESTIONS
from .models import (
    Option,
    Question,
    QuestionStatus,
    QuizIndexPage,
    QuizPage,
    QuizQuestion,
    SelectionMode,
)

INDEX_INTRO = "<p>用情景题检验清廉知识：每道题答完都有解析、依据和延伸学习。</p>"
# The intro of earlier demo loads also spoke to editors, on a page learners read; the
# editors' note now lives on their dashboard (home.wagtail_hooks).
LEGACY_INDEX_INTRO = (
    "<p>用情景题检验清廉知识：每道题答完都有解析、依据和延伸学习。"
    "本题库为平台自带的示例题，编辑可在后台“练习 › 题库”中修改、停用或批量导入。</p>"
)
FIXED_CODES = [
    "BX-001",
    "BX-003",
    "WX-002",
    "JR-001",
    "JR-003",
    "YQ-001",
    "YQ-003",
    "GC-001",
    "QS-001",
    "WD-001",
]


def _load_questions() -> tuple[int, int]:
    existing = set(Question.objects.values_list("code", flat=True))
    created = 0
    for (
        code,
        kind,
        tags,
        difficulty,
        stem,
        options,
        explanation,
        rule,
        article,
    ) in QUESTIONS:
        if code in existing:
            continue
        question = Question(
            code=code,
            kind=kind,
            stem=f"<p>{escape(stem)}</p>",
            explanation=explanation,
            rule_name=rule,
            rule_article=article,
            difficulty=difficulty,
            status=QuestionStatus.ACTIVE,
        )
        question.options = [
            Option(text=text, is_correct=correct, feedback=feedback, sort_order=i)
            for i, (text, correct, feedback) in enumerate(options)
        ]
        question.tags.add(*tags)
        question.save()
        created += 1
    return created, len(QUESTIONS) - created


def _index() -> QuizIndexPage | None:
    index = QuizIndexPage.objects.first()
    if index is not None:
        if index.intro == LEGACY_INDEX_INTRO:
            index.intro = INDEX_INTRO
            index.save_revision().publish()
        return index
    home = HomePage.objects.first()
    if home is None:
        return None
    index = home.add_child(
        instance=QuizIndexPage(title="练一练", slug="practice", intro=INDEX_INTRO)
    )
    index.save_revision().publish()
    return index


def _quiz(index: QuizIndexPage, slug: str, **fields) -> bool:
    if QuizPage.objects.filter(slug=slug).exists():
        return False
    codes = fields.pop("codes", [])
    quiz = QuizPage(slug=slug, **fields)
    by_code = Question.objects.in_bulk(codes, field_name="code")
    quiz.quiz_questions = [
        QuizQuestion(question=by_code[c], sort_order=i) for i, c in enumerate(codes)
    ]
    index.add_child(instance=quiz)
    quiz.save_revision().publish()
    return True


def load(*, stdout) -> None:
    created, kept = _load_questions()
    stdout.write(f"练习：题库新增 {created} 题，已有 {kept} 题")
    index = _index()
    if index is None:
        stdout.write("练习：没有首页，跳过测验页面")
        return
    made = [
        _quiz(
            index,
            "integrity-basics",
            title="节日廉洁与八项规定（固定 10 题）",
            intro="<p>10 道情景题，15 分钟内完成，60 分及格，最多作答 3 次。合格可下载结业证书。</p>",
            mode=SelectionMode.FIXED,
            codes=FIXED_CODES,
            time_limit_minutes=15,
            max_attempts=3,
            pass_mark=60,
        ),
        _quiz(
            index,
            "daily-practice",
            title="清廉情景随机练",
            intro="<p>每次从题库随机抽 8 道题，不限时、不限次数，适合每天练一练。</p>",
            mode=SelectionMode.RANDOM,
            draw_count=8,
            pass_mark=75,
        ),
    ]
    stdout.write(f"练习：测验页面新增 {sum(made)} 个")
