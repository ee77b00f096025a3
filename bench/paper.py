"""Paper questionnaire import benchmark: 50,000 rows of the 20-question demo survey.

    .venv/bin/python -m bench paper
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qlxt .venv/bin/python -m bench paper

Builds a throwaway database next to the configured one (`bench_<name>`), a city of 200
村居, the demo survey's questions twice over (20 columns: the demo survey's ten, and the
same ten again with codes ending in `_2`), and an xlsx file as clerks type it (fixed
seed): the paper template's two header rows, then 50,000 questionnaires with blank cells,
several marks on single-choice items (多选无效), multiple choice written `A|B`, `AB`,
`A,B` or `A、B`, and labels instead of codes here and there. Then it runs
`manage.py import_responses` on that file in its own process (wall and CPU time, peak
RSS, against `manage.py check` for Django's own start-up), checks what was stored, and
imports the file again into a second campaign in this process under tracemalloc for
its peak Python memory. Goal: ≥ 2,000 responses/s, memory bounded.

`--rows N` changes the file size; `--profile` prints a cProfile of a third import.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench._setup import configure_database, throwaway_database

ROWS = 50_000
MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
UNITS_PER_TOWN = 20
TOWNS = 10
SEPARATORS = ("", "|", ",", "、")  # AB, A|B, A,B, A、B


def _survey():
    from surveys.demo import QUESTIONS
    from surveys.services import QuestionSpec, survey_create

    second = [
        QuestionSpec(
            f"{q.code}_2",
            q.kind,
            f"{q.text}（第二轮）",
            q.options,
            q.correct,
            q.required,
            q.section,
        )
        for q in QUESTIONS
    ]
    return survey_create(title="纸质问卷基准", questions=[*QUESTIONS, *second])


def _cell(rng, question, counts):
    """One typed cell: mostly a valid mark, sometimes blank or several marks."""
    options = list(question.options.all())
    roll = rng.random()
    if roll < 0.05:
        return ""
    if question.kind == "text":
        return rng.choice(["", "", "", "希望多开展廉洁文化活动。"])
    multiple = question.kind == "multiple" or (
        question.kind == "recognition" and sum(o.is_correct for o in options) > 1
    )
    if multiple:
        chosen = sorted(rng.sample([o.code for o in options], rng.randint(1, 3)))
        return rng.choice(SEPARATORS).join(chosen)
    if roll < 0.08:
        counts[question.code] = counts.get(question.code, 0) + 1
        return rng.choice(SEPARATORS).join(o.code for o in rng.sample(options, 2))
    option = rng.choice(options)
    return option.label if rng.random() < 0.1 else option.code


def _write_file(path: Path, *, campaign, units, rows: int) -> dict[str, int]:
    """The paper template's two header rows, then `rows` questionnaires; returns the
    number of double-marked single-choice cells per question code."""
    from openpyxl import Workbook

    from surveys.selectors import survey_questions

    rng = random.Random(20261122)  # noqa: S311 - generated test data
    questions = survey_questions(survey_id=campaign.survey_id)
    counts: dict[str, int] = {}
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["unit_code", *(q.code for q in questions)])
    sheet.append(["单元编码", *(q.text for q in questions)])
    codes = [u.code for u in units]
    for _ in range(rows):
        sheet.append([rng.choice(codes), *(_cell(rng, q, counts) for q in questions)])
    book.save(path)
    return counts


def _campaign(root, survey, title):
    from surveys.services import campaign_create, campaign_open

    return campaign_open(
        campaign=campaign_create(survey=survey, title=title, root_unit=root)
    )


def _import(campaign, path: Path) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("import_responses", str(campaign.pk), str(path), stdout=out)
    return out.getvalue()


def _child_environment() -> dict[str, str]:
    """The environment of a `manage.py` run against the bench database."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        url = f"sqlite:///{Path(name).resolve()}"
    else:
        url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    return os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }


def _manage(*args: str) -> tuple[str, float, float, int]:
    """Run manage.py in its own process: (output, wall s, CPU s, peak RSS in kB of
    the largest child so far)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(MANAGE), *args],
        env=_child_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, wall, cpu, after.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    configure_database()
    from bench._setup import village_tree

    with throwaway_database(), tempfile.TemporaryDirectory() as folder:
        from surveys.models import Answer, Response

        root, units = village_tree(towns=TOWNS, units_per_town=UNITS_PER_TOWN)
        survey = _survey()
        campaign = _campaign(root, survey, "纸质问卷基准")
        path = Path(folder) / "paper.xlsx"
        t0 = time.perf_counter()
        counts = _write_file(path, campaign=campaign, units=units, rows=args.rows)
        print(
            f"file: {args.rows} rows × {survey.questions.count()} questions,"
            f" {path.stat().st_size / 1e6:.1f} MB, written in"
            f" {time.perf_counter() - t0:.1f} s; double marks {sum(counts.values())}"
        )
        _out, started, _cpu, rss_idle = _manage("check")
        output, wall, cpu, rss = _manage(
            "import_responses", str(campaign.pk), str(path)
        )
        stored = Response.objects.filter(campaign=campaign).count()
        answers = Answer.objects.filter(campaign=campaign).count()
        print(output.strip())
        print(
            f"manage.py import_responses: {wall:.1f} s wall ({stored / wall:,.0f}"
            f" responses/s), {cpu:.1f} s CPU ({stored / cpu:,.0f} responses/s),"
            f" Django start-up included (manage.py check: {started:.1f} s);"
            f" stored {stored} responses, {answers} answer rows"
        )
        print(
            f"peak RSS {rss / 1024:.0f} MB (manage.py check alone:"
            f" {rss_idle / 1024:.0f} MB)"
        )
        if stored != args.rows:
            raise SystemExit(f"expected {args.rows} responses, stored {stored}")
        second = _campaign(root, survey, "纸质问卷基准（内存）")
        tracemalloc.start()
        _import(second, path)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"tracemalloc peak of an import in this process: {peak / 1e6:.1f} MB")
        if args.profile:
            third = _campaign(root, survey, "纸质问卷基准（剖析）")
            profiler = cProfile.Profile()
            profiler.runcall(_import, third, path)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
