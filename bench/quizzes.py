"""Quiz benchmark: 100 units, 5,000 learners, one 20-question quiz taken by everyone.

    DATABASE_URL=sqlite:///var/quizzes.sqlite3 .venv/bin/python -m bench.quizzes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qlxt_quizzes .venv/bin/python -m bench.quizzes

Builds a throwaway database next to the configured one (`bench_<name>`), fills it with
generated attempts (fixed seed), then times the three admin reports (quiz summaries, item
analysis, unit rollup) and one start + submit of a new attempt, with their query counts.
Goal (PostgreSQL, the production database): each report ≤ 1 s; a submission ≤ 0.1 s in
a fixed number of queries.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from bench._setup import configure_database, throwaway_database, time_call, village_tree

UNITS = 100
LEARNERS = 5_000
QUESTIONS = 20


def _quiz():
    from wagtail.models import Page

    from home.models import HomePage
    from quizzes.models import (
        Option,
        Question,
        QuestionStatus,
        QuizIndexPage,
        QuizPage,
        QuizQuestion,
    )

    questions = []
    for i in range(QUESTIONS):
        q = Question(
            code=f"B{i:03d}", stem=f"<p>基准题{i}</p>", status=QuestionStatus.ACTIVE
        )
        q.options = [
            Option(text=t, is_correct=j == 0, sort_order=j)
            for j, t in enumerate("甲乙丙丁")
        ]
        q.save()
        questions.append(q)
    home = Page.get_first_root_node().add_child(
        instance=HomePage(title="基准", slug="bench")
    )
    index = home.add_child(instance=QuizIndexPage(title="练", slug="practice"))
    quiz = QuizPage(title="基准测验", slug="bench-quiz", pass_mark=60)
    quiz.quiz_questions = [
        QuizQuestion(question=q, sort_order=i) for i, q in enumerate(questions)
    ]
    index.add_child(instance=quiz)
    return quiz, questions


def _fill(quiz, questions, units, rng):
    from django.utils import timezone

    from quizzes.models import Attempt, AttemptChoice, AttemptItem
    from units.models import User

    User.objects.bulk_create(
        # "!" marks an unusable password, as Django does.
        User(username=f"b{i}", unit=units[i % len(units)], password="!")  # noqa: S106
        for i in range(LEARNERS)
    )
    users = list(
        User.objects.filter(username__startswith="b").values_list("pk", "unit_id")
    )
    now = timezone.now()
    attempts, skills = [], {}
    for n, (user_id, unit_id) in enumerate(users):
        skill = rng.random()
        correct = [rng.random() < 0.4 + 0.5 * skill for _ in questions]
        score = round(100 * sum(correct) / len(questions), 1)
        moment = now - timedelta(minutes=n)
        attempt = Attempt(
            quiz=quiz,
            user_id=user_id,
            unit_id=unit_id,
            number=1,
            state="submitted",
            started_at=moment,
            submitted_at=moment,
            question_count=len(questions),
            correct_count=sum(correct),
            score=score,
            passed=score >= 60,
            is_first=True,
        )
        attempts.append(attempt)
        skills[attempt.pk] = correct
    Attempt.objects.bulk_create(attempts, batch_size=1000)
    options = [{"key": k, "text": k, "feedback": ""} for k in "ABCD"]
    items = [
        AttemptItem(
            attempt=a,
            position=i + 1,
            question=q,
            question_code=q.code,
            kind="single",
            stem=q.stem,
            options=options,
            correct_keys="A",
            chosen_keys="A" if skills[a.pk][i] else rng.choice("BCD"),
            is_correct=skills[a.pk][i],
        )
        for a in attempts
        for i, q in enumerate(questions)
    ]
    AttemptItem.objects.bulk_create(items, batch_size=2000)
    AttemptChoice.objects.bulk_create(
        (AttemptChoice(item=item, key=item.chosen_keys) for item in items),
        batch_size=2000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    configure_database()

    from django.db import connection, transaction

    from quizzes import reports
    from quizzes.models import AttemptItem
    from quizzes.services import attempt_start, attempt_submit
    from units.models import Role
    from units.permissions import scorecard_scope
    from units.services import person_create

    started = time.perf_counter()
    with throwaway_database(keep=args.keep):
        rng = random.Random(4)
        with transaction.atomic():
            root, units = village_tree(towns=9, units_per_town=UNITS // 9)
            quiz, questions = _quiz()
            _fill(quiz, questions, units, rng)
            admin = person_create(
                username="bench-admin", unit=root, role=Role.ADMINISTRATOR
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        built = time.perf_counter() - started
        scope = scorecard_scope(admin)
        print(f"backend: {connection.vendor}")
        print(
            f"data: {len(units)} leaf units, {LEARNERS} learners, "
            f"{AttemptItem.objects.count()} answered items (built in {built:.1f} s)"
        )
        for label, fn in (
            ("quiz_summaries", lambda: reports.quiz_summaries(scope=scope)),
            (
                "item_statistics",
                lambda: reports.item_statistics(scope=scope, quiz=quiz),
            ),
            ("unit_rollup", lambda: reports.unit_rollup(scope=scope, quiz=quiz)),
        ):
            median, worst, queries = time_call(fn, args.runs)
            print(
                f"{label}: median {median:.3f} s, worst {worst:.3f} s, {queries} queries"
            )
        learners = iter(
            person_create(username=f"new{i}", unit=units[0]) for i in range(100)
        )

        def take():
            attempt = attempt_start(quiz=quiz, user=next(learners))
            attempt_submit(attempt=attempt, answers={i: ["A"] for i in range(1, 21)})

        median, worst, queries = time_call(take, min(args.runs * 4, 50))
        print(
            f"start + submit (20 questions): median {median:.3f} s, worst {worst:.3f} s, "
            f"{queries} queries"
        )


if __name__ == "__main__":
    main()
