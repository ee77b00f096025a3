"""Scorecard benchmark: 200 units, 50,000 respondents, 1,000,000 answers.

    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python -m bench.scorecard
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qlxt_surveys .venv/bin/python -m bench.scorecard

Builds a throwaway database next to the configured one (`bench_<name>`), fills it with
generated data (fixed seed), then times `scorecard_compute` (the live scorecard: every
unit's subtree rollup, kinds, items) and counts its queries. Goal: ≤ 0.5 s, with a query
count that does not depend on the number of units.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import timedelta

from bench._setup import configure_database, throwaway_database

UNITS = 200
RESPONDENTS = 50_000
ANSWERS_PER_RESPONDENT = 20  # 8 single recognition + 2 × 2 multiple + 8 satisfaction


def _build_tree():
    from tests.factories import kind
    from units.models import Unit

    village, office, other = kind("村居"), kind("机关"), kind("其他")
    root = Unit.add_root(
        instance=Unit(code="B", name="基准市", kind=other, headcount=0)
    )
    units = [root]
    towns = 9
    per_town = (UNITS - 1 - towns) // towns
    for t in range(towns):
        root.refresh_from_db()
        town = root.add_child(
            instance=Unit(code=f"B-{t:02d}", name=f"镇{t:02d}", kind=other)
        )
        units.append(town)
        for u in range(per_town):
            town.refresh_from_db()
            units.append(
                town.add_child(
                    instance=Unit(
                        code=f"B-{t:02d}-{u:02d}",
                        name=f"单元{t:02d}{u:02d}",
                        kind=village if u % 3 else office,
                        headcount=300,
                    )
                )
            )
    while len(units) < UNITS:
        root.refresh_from_db()
        units.append(
            root.add_child(
                instance=Unit(
                    code=f"B-X{len(units)}", name="直属单元", kind=office, headcount=120
                )
            )
        )
    return root, units


def _survey():
    from surveys.services import QuestionSpec, survey_create

    specs = [
        QuestionSpec(
            f"R{i}",
            "recognition",
            f"认知题{i}",
            [("A", "甲"), ("B", "乙"), ("C", "丙")],
            {"A"},
            True,
        )
        for i in range(1, 9)
    ]
    specs += [
        QuestionSpec(
            f"M{i}",
            "recognition",
            f"多选认知题{i}",
            [("A", "甲"), ("B", "乙"), ("C", "丙")],
            {"A", "B"},
            True,
        )
        for i in range(1, 3)
    ]
    specs += [
        QuestionSpec(f"S{i}", "satisfaction", f"满意度题{i}", [], set(), True)
        for i in range(1, 9)
    ]
    return survey_create(title="基准问卷", questions=specs)


def _fill(campaign, units, rng) -> None:
    from django.db import connection
    from django.utils import timezone

    from surveys.models import Answer, Option, Response

    options = {
        (q, c): (qid, oid)
        for q, c, qid, oid in Option.objects.filter(
            question__survey=campaign.survey
        ).values_list("question__code", "code", "question_id", "id")
    }
    leaves = [u for u in units if u.headcount]
    now = timezone.now()
    response_rows = []
    for i in range(RESPONDENTS):
        unit = leaves[i % len(leaves)]
        moment = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
        response_rows.append(
            (
                campaign.pk,
                unit.pk,
                str(uuid.UUID(int=rng.getrandbits(128))),
                "web",
                moment,
                moment,
            )
        )
    table = Response._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (campaign_id, unit_id, idempotency_key, source, started_at, completed_at)"  # noqa: S608
            " VALUES (%s, %s, %s, %s, %s, %s)",
            response_rows,
        )
    ids = list(
        Response.objects.filter(campaign=campaign)
        .order_by("id")
        .values_list("id", flat=True)
    )

    def answer_rows():
        for response_id in ids:
            skill = rng.random()
            for i in range(1, 9):
                code = "A" if rng.random() < 0.6 + 0.4 * skill else rng.choice("BC")
                yield (response_id, campaign.pk, *options[(f"R{i}", code)])
            for i in range(1, 3):
                pair = (
                    ("A", "B")
                    if rng.random() < 0.5 + 0.5 * skill
                    else rng.choice([("A", "C"), ("B", "C")])
                )
                for code in pair:
                    yield (response_id, campaign.pk, *options[(f"M{i}", code)])
            for i in range(1, 9):
                yield (
                    response_id,
                    campaign.pk,
                    *options[(f"S{i}", rng.choice("5554432100"[: 6 + int(4 * skill)]))],
                )

    table = Answer._meta.db_table
    columns = "response_id, campaign_id, question_id, option_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {table} ({columns}, text) FROM STDIN"
            ) as copy:
                for row in answer_rows():
                    copy.write_row((*row, ""))
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}, text) VALUES (%s, %s, %s, %s, '')",  # noqa: S608
                list(answer_rows()),
            )
    from surveys.services import responses_score

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    responses_score(campaign=campaign)
    print(
        f"scoring {len(ids)} responses from their answers: {time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    configure_database()

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from surveys.models import Answer, Response
    from surveys.selectors import scorecard_compute
    from surveys.services import campaign_create, campaign_open

    started = time.perf_counter()
    with throwaway_database(keep=args.keep):
        rng = random.Random(5)
        with transaction.atomic():
            root, units = _build_tree()
            survey = _survey()
            campaign = campaign_open(
                campaign=campaign_create(
                    survey=survey, title="基准测评", root_unit=root
                )
            )
            _fill(campaign, units, rng)
        built = time.perf_counter() - started
        counts = (
            campaign.campaign_units.count(),
            Response.objects.filter(campaign=campaign).count(),
            Answer.objects.filter(campaign=campaign).count(),
        )
        scorecard_compute(campaign=campaign)  # warm caches, as a server would be
        timings = []
        for _run in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                report = scorecard_compute(campaign=campaign)
                timings.append(time.perf_counter() - t0)
        root_row = report["units"][0]
        print(f"backend: {connection.vendor}")
        print(
            f"data: {counts[0]} units, {counts[1]} respondents, {counts[2]} answers (built in {built:.1f} s)"
        )
        print(
            f"scorecard_compute: median {statistics.median(timings):.3f} s, best {min(timings):.3f} s, "
            f"worst {max(timings):.3f} s over {args.runs} runs"
        )
        print(f"queries per scorecard: {len(queries)}")
        print(
            f"rows: {len(report['units'])} units, {len(report['kinds'])} kinds, {len(report['items'])} items; "
            f"root participants {root_row['participants']}, recognition {root_row['recognition_rate']:.4f}, "
            f"satisfaction {root_row['satisfaction_rate']:.4f}"
        )


if __name__ == "__main__":
    main()
