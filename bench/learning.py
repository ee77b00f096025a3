"""Learning benchmark: 99 units, 5,000 learners, 20 courses of 5 lessons, ~30,000 records.

    DATABASE_URL=sqlite:///var/courses.sqlite3 .venv/bin/python -m bench.learning
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qlxt_courses .venv/bin/python -m bench.learning

Builds a throwaway database next to the configured one (`bench_<name>`), fills it with
generated progress records (fixed seed), then times learning participation for the city and
for every unit (one query), a learner's 我的学习 reads, a lesson page render, and the Chinese
site search, with their query counts. Goals (SQLite and PostgreSQL): participation per unit
≤ 0.5 s in one query; a lesson page ≤ 0.1 s; a search ≤ 0.2 s.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from bench._setup import configure_database, throwaway_database, time_call, village_tree

UNITS_PER_TOWN = 11
TOWNS = 9
LEARNERS = 5_000
COURSES = 20
LESSONS_PER_COURSE = 5
WORDS = [
    "胡公",
    "家训",
    "聂耳",
    "红包",
    "八项规定",
    "家风",
    "清廉",
    "为民",
    "礼品",
    "公车",
]


def _pages(rng):
    from wagtail.models import Page, Site

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from home.models import HomePage

    home = Page.get_first_root_node().add_child(
        instance=HomePage(title="基准", slug="bench")
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    index = home.add_child(instance=CourseIndexPage(title="微课堂", slug="learn"))
    lessons = []
    for c in range(COURSES):
        course = index.add_child(
            instance=CoursePage(
                title=f"课程{c}{rng.choice(WORDS)}", slug=f"c{c}", summary="基准课程"
            )
        )
        for n in range(LESSONS_PER_COURSE):
            words = "，".join(rng.sample(WORDS, 3))
            lessons.append(
                course.add_child(
                    instance=LessonPage(
                        title=f"微课{c}-{n}",
                        slug=f"l{n}",
                        summary=words,
                        estimated_minutes=3,
                        body=[
                            {
                                "type": "rich_text",
                                "value": f"<p>本课讲{words}。</p>" * 20,
                            }
                        ],
                    )
                )
            )
    return lessons


def _fill(units, lessons, rng):
    from django.utils import timezone

    from courses.models import LessonProgress
    from units.models import User

    User.objects.bulk_create(
        # "!" marks an unusable password, as Django does.
        User(username=f"b{i}", unit=units[i % len(units)], password="!")  # noqa: S106
        for i in range(LEARNERS)
    )
    now = timezone.now()
    records = []
    for user_id in User.objects.filter(username__startswith="b").values_list(
        "pk", flat=True
    ):
        for lesson in rng.sample(lessons, 6):
            opened = now - timedelta(
                days=rng.randint(0, 60), minutes=rng.randint(0, 600)
            )
            done = opened + timedelta(minutes=3) if rng.random() < 0.7 else None
            records.append(
                LessonProgress(
                    user_id=user_id,
                    lesson_id=lesson.pk,
                    started_at=opened,
                    last_seen_at=opened,
                    completed_at=done,
                )
            )
    LessonProgress.objects.bulk_create(records, batch_size=2000)
    return now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    configure_database()

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from courses import selectors
    from courses.models import LessonProgress
    from home.selectors import search_pages
    from units.models import Unit, User

    started = time.perf_counter()
    with throwaway_database(keep=args.keep):
        rng = random.Random(3)
        with transaction.atomic():
            root, units = village_tree(towns=TOWNS, units_per_town=UNITS_PER_TOWN)
            lessons = _pages(rng)
            now = _fill(units, lessons, rng)
        call_command("update_index", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        built = time.perf_counter() - started
        print(f"backend: {connection.vendor}")
        print(
            f"data: {len(units)} leaf units, {LEARNERS} learners, {len(lessons)} lessons, "
            f"{LessonProgress.objects.count()} progress records (built in {built:.1f} s)"
        )
        start, end = now - timedelta(days=30), now + timedelta(days=1)
        learner = User.objects.get(username="b7")
        client = Client()
        client.force_login(learner)
        lesson_url = lessons[7].url
        for label, fn in (
            (
                "learning_participation (city)",
                lambda: selectors.learning_participation(
                    root=root, start=start, end=end
                ),
            ),
            (
                "learning_participation_by_unit (all units)",
                lambda: list(
                    selectors.learning_participation_by_unit(
                        units=Unit.objects.all(), start=start, end=end
                    )
                ),
            ),
            ("my_learning", lambda: selectors.my_learning(user=learner)),
            ("lesson page GET", lambda: client.get(lesson_url)),
            ("search 胡公", lambda: search_pages(query="胡公")),
            ("search 八项规定", lambda: search_pages(query="八项规定")),
        ):
            median, worst, queries = time_call(fn, args.runs)
            print(
                f"{label}: median {median:.3f} s, worst {worst:.3f} s, {queries} queries"
            )
        print(f"search 胡公 finds {len(search_pages(query='胡公'))} pages")


if __name__ == "__main__":
    main()
