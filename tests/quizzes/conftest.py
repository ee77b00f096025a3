"""Quiz fixtures: a home page with the /practice/ index, a small bank and a quiz."""

from __future__ import annotations

import pytest

from quizzes.models import (
    Option,
    Question,
    QuestionKind,
    QuestionStatus,
    QuizIndexPage,
    QuizPage,
    QuizQuestion,
)


def make_question(
    code: str,
    *,
    kind: str = QuestionKind.SINGLE,
    options: list[tuple[str, bool, str]] | None = None,
    tags: tuple[str, ...] = (),
    difficulty: int = 2,
    status: str = QuestionStatus.ACTIVE,
    explanation: str = "",
) -> Question:
    options = options or [
        (f"{code}甲", True, f"{code}甲反馈"),
        (f"{code}乙", False, f"{code}乙反馈"),
        (f"{code}丙", False, f"{code}丙反馈"),
    ]
    question = Question(
        code=code,
        kind=kind,
        stem=f"<p>{code}题干</p>",
        explanation=explanation or f"{code}解析",
        rule_name="《中国共产党纪律处分条例》",
        difficulty=difficulty,
        status=status,
    )
    question.options = [
        Option(text=t, is_correct=c, feedback=f, sort_order=i)
        for i, (t, c, f) in enumerate(options)
    ]
    # Cluster tags are written when the question is saved.
    question.tags.add(*tags)
    question.save()
    return question


@pytest.fixture
def practice(site_home):
    return site_home.add_child(instance=QuizIndexPage(title="练一练", slug="practice"))


def make_quiz(index: QuizIndexPage, questions: list[Question], **fields) -> QuizPage:
    quiz = QuizPage(
        title=fields.pop("title", "八项规定测验"),
        slug=fields.pop("slug", "bxgd"),
        **fields,
    )
    quiz.quiz_questions = [
        QuizQuestion(question=q, sort_order=i) for i, q in enumerate(questions)
    ]
    index.add_child(instance=quiz)
    return quiz
