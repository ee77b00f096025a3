"""Measured side by side with Wagtail's form builder: `python -m bench compare [--quick]`.

Builds, in a temporary directory, our site (migrate + load_demo, then an anonymous
campaign of the demo survey's ten questions twice over — 20 questions — across the demo's
永康 units) and a baseline: a stock `wagtail start` site in its own virtualenv with the
same Wagtail version (bench/compare_baseline.py), one FormPage of the same 20 questions
and a plain page with the same text and images as our demo lesson. Both are served the
same way (uvicorn, 2 workers, DEBUG off, SQLite), one at a time, and driven by the same
load tools at the same concurrency:

- survey page and lesson page: Debian's `wrk` (plain GETs, where a Python client would
  be the bottleneck);
- submissions: a Python client (threads, http.client), each respondent with a fresh
  cookie jar loading the form, reading its CSRF token and fields, posting a full answer;
  afterwards rows are counted in both databases (lost and duplicated answers);
- scorecard: bench.scorecard's dataset (50,000 respondents × 20 answers) and
  `scorecard_compute`, against the form builder's statistics (every FormSubmission's JSON
  read and counted per question and option) over the same answers, in the baseline venv;
- peak memory (VmHWM) of a uvicorn worker after the survey load.

Prints one table (ours, baseline, ratio per row) and, last, the line
`ratios: survey_page=R1 submit=R2 scorecard=R3 lesson=R4` (ours ÷ baseline).

The baseline venv is kept under var/bench-baseline/ (git-ignored), keyed by the Wagtail
version, so reruns skip the install. Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_SCRIPT = Path(__file__).resolve().with_name("compare_baseline.py")
HOST = "127.0.0.1"
OURS_PORT = 8120
BASELINE_PORT = 8121
CONCURRENCY = 16
# Both sites get the header nginx adds in production: ours then treats the request as
# HTTPS (no redirect, secure cookies), the stock site ignores it.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
CAMPAIGN_TITLE = "对比基准：清廉单元满意度与认知度调查（20 题）"
CACHE = ROOT / "var" / "bench-compare"
# What our built demo site and the scorecard dataset depend on: when none of these files
# changed, the site and dataset built by an earlier run are reused.
OUR_SITE_INPUTS = [
    "*/migrations/*.py",
    "*/demo*.py",
    "home/management/commands/load_demo.py",
    "site/fixtures",
    "site/static",
    "*/static/*",
    "config/settings",
    "requirements.txt",
]
SCORECARD_INPUTS = [
    "*/migrations/*.py",
    "bench/scorecard.py",
    "bench/_setup.py",
    "surveys/services.py",
    "surveys/scoring.py",
    "tests/factories.py",
]
GOALS = {"survey_page": 3.0, "submit": 2.0, "scorecard": 20.0, "lesson": 2.0}
CACHED_LESSON_GOAL = 1000.0


# ---------------------------------------------------------------------------- output


@dataclass
class Row:
    key: str
    label: str
    unit: str
    ours: float | None
    baseline: float | None
    higher_is_better: bool = True
    goal: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Ours ÷ baseline for rates; baseline ÷ ours for times and memory, so that a
        ratio above 1 always means we are ahead."""
        if not self.ours or not self.baseline:
            return None
        if self.higher_is_better:
            return self.ours / self.baseline
        return self.baseline / self.ours


def _figure(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def format_table(rows: list[Row]) -> str:
    """A Markdown table (pasteable into docs/benchmarks.md) of every row."""
    lines = [
        "| measurement | ours | baseline | ratio (≥ 1 = ours ahead) | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = row.ratio
        goal = f"≥ {row.goal:g}×" if row.goal else ""
        met = (
            ""
            if not row.goal or ratio is None
            else ("yes" if ratio >= row.goal else "NO")
        )
        lines.append(
            f"| {row.label} | {_figure(row.ours)} {row.unit} | {_figure(row.baseline)} {row.unit} "
            f"| {'—' if ratio is None else f'{ratio:.2f}×'} | {goal} | {met} |"
            + (f" {row.note}" if row.note else "")
        )
    return "\n".join(lines)


def format_ratios(rows: list[Row]) -> str:
    by_key = {row.key: row.ratio for row in rows}
    parts = []
    for key in ("survey_page", "submit", "scorecard", "lesson"):
        ratio = by_key.get(key)
        parts.append(f"{key}={'n/a' if ratio is None else f'{ratio:.2f}'}")
    return "ratios: " + " ".join(parts)


# ----------------------------------------------------------------- our side (Django)


def survey_questions_spec(survey) -> list[dict]:
    """The survey's questions as the baseline's FormPage needs them: text, option labels
    in order, several answers allowed or not, required."""
    from surveys.selectors import survey_questions

    spec = []
    for question in survey_questions(survey_id=survey.pk):
        options = list(question.options.all()) if question.has_options else []
        spec.append(
            {
                "code": question.code,
                "text": question.text,
                "options": [str(o.label) for o in options],
                "multiple": question.kind == "multiple"
                or (
                    question.kind == "recognition"
                    and sum(1 for o in options if o.is_correct) > 1
                ),
                "required": question.required,
            }
        )
    return spec


def twenty_questions():
    """The demo survey's ten questions twice over (as bench/paper.py): 20 questions."""
    from surveys.demo import QUESTIONS
    from surveys.services import QuestionSpec

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
    return [*QUESTIONS, *second]


def _prepare(out: Path) -> None:
    """In our site's database (after migrate and load_demo): the benchmark's campaign,
    its unit links, and the demo lesson's rendered body and image files."""
    import django

    django.setup()
    from django.conf import global_settings, settings
    from django.test import Client

    from courses.models import LessonPage
    from surveys.demo import CAMPAIGN_DESCRIPTION
    from surveys.models import CampaignMode, Survey
    from surveys.services import campaign_create, campaign_open, survey_create
    from units.models import Unit

    survey = Survey.objects.filter(title=CAMPAIGN_TITLE).first() or survey_create(
        title=CAMPAIGN_TITLE, questions=twenty_questions()
    )
    campaign = campaign_open(
        campaign=campaign_create(
            survey=survey,
            title=CAMPAIGN_TITLE,
            description=CAMPAIGN_DESCRIPTION,
            root_unit=Unit.objects.get(code="YK"),
            mode=CampaignMode.ANONYMOUS,
        )
    )
    links = [
        {"url": f"/surveys/u/{member.token}/", "headcount": member.headcount}
        for member in campaign.campaign_units.select_related("unit").order_by(
            "unit__path"
        )
        if member.headcount
    ]
    lesson = LessonPage.objects.live().order_by("path").first()
    client = Client(headers={"x-forwarded-proto": "https"})
    page = client.get(lesson.url, secure=True)
    html = page.content.decode()
    media = settings.MEDIA_URL
    images = sorted(set(re.findall(rf'src="({re.escape(media)}[^"]+)"', html)))
    # The plain page carries the lesson's text and the same pictures: the cover as the
    # lesson page shows it, then the body as its blocks render.
    body = "".join(f'<p><img src="{src}" alt=""></p>' for src in images[:1])
    body += str(lesson.body)
    out.write_text(
        json.dumps(
            {
                "campaign_id": campaign.pk,
                "questions": survey_questions_spec(survey),
                "survey_title": campaign.title,
                "description": CAMPAIGN_DESCRIPTION,
                "links": links,
                "lesson": {
                    "url": lesson.url,
                    "title": lesson.title,
                    "body_html": body,
                    "images": [src[len(media) :] for src in images],
                    "status": page.status_code,
                },
                # Settings of a page cache, once one lands: any CACHE setting that is
                # neither Django's own nor the Redis key prefix.
                "cache_settings": sorted(
                    name
                    for name in dir(settings)
                    if "CACHE" in name
                    and name.isupper()
                    and not hasattr(global_settings, name)
                    and name != "CACHE_KEY_PREFIX"
                ),
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


def _scorecard(out: Path, runs: int) -> None:
    """bench.scorecard's dataset in a SQLite database beside the configured one (built
    once and kept in `out`, the cache directory): time scorecard_compute, and write the
    same answers as JSON lines (question text → option label or labels) for the
    baseline's FormSubmissions."""
    from bench import scorecard
    from bench._setup import configure_database

    configure_database()
    from django.db import connection, transaction

    from surveys.models import Answer, Campaign
    from surveys.selectors import scorecard_compute
    from surveys.services import campaign_create, campaign_open

    done = out / "scorecard.done"
    bench_db = Path(connection.settings_dict["TEST"]["NAME"])
    built = 0.0
    if done.exists() and bench_db.exists():
        connection.close()
        connection.settings_dict["NAME"] = str(bench_db)
        campaign = Campaign.objects.select_related("survey").get(title="基准测评")
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        rng = random.Random(5)  # noqa: S311 - the same fixed seed as bench.scorecard
        started = time.perf_counter()
        with transaction.atomic():
            root, units = scorecard._build_tree()
            campaign = campaign_open(
                campaign=campaign_create(
                    survey=scorecard._survey(), title="基准测评", root_unit=root
                )
            )
            scorecard._fill(campaign, units, rng)
        built = time.perf_counter() - started
        # A server's database has its write-ahead log checkpointed long since: read the
        # million rows from the database file, not from a 100 MB log.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    questions = survey_questions_spec(campaign.survey)
    if not done.exists():
        _export_answers(campaign, questions, out / "answers.jsonl")
        done.write_text("1")
    scorecard_compute(campaign=campaign)  # warm caches, as a server would be
    timings, cpu = [], []
    for _run in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        report = scorecard_compute(campaign=campaign)
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    result = {
        "vendor": connection.vendor,
        "median": statistics.median(timings),
        "cpu": statistics.median(cpu),
        "best": min(timings),
        "worst": max(timings),
        "built": built,
        "answers": Answer.objects.filter(campaign=campaign).count(),
        "respondents": report["units"][0]["participants"],
        "questions": questions,
    }
    (out / "scorecard.json").write_text(
        json.dumps(result, ensure_ascii=False), encoding="utf-8"
    )


def _export_answers(campaign, questions: list[dict], path: Path) -> None:
    from surveys.models import Answer

    multiple = {q["text"] for q in questions if q["multiple"]}
    rows = (
        Answer.objects.filter(campaign=campaign)
        .order_by("response_id", "question__sort_order", "option__sort_order")
        .values_list("response_id", "question__text", "option__label")
    )
    with path.open("w", encoding="utf-8") as lines:
        current, data = None, {}
        for response_id, text, label in rows.iterator(chunk_size=20000):
            if response_id != current:
                if data:
                    lines.write(json.dumps(data, ensure_ascii=False) + "\n")
                current, data = response_id, {}
            if text in multiple:
                data.setdefault(text, []).append(label)
            else:
                data[text] = label
        if data:
            lines.write(json.dumps(data, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------ orchestration


def _run(cmd: list[str], *, env=None, cwd=None, quiet=True) -> str:
    result = subprocess.run(  # noqa: S603 - fixed commands of this tool
        cmd,
        env=env,
        cwd=cwd,
        check=False,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if quiet else None,
    )
    if result.returncode:
        sys.stdout.write(result.stdout[-4000:])
        raise SystemExit(f"failed ({result.returncode}): {' '.join(cmd)}")
    return result.stdout


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def source_key(pathspecs: list[str]) -> str:
    """A digest of the tracked files matching `pathspecs`, as they are on disk."""
    listed = subprocess.run(  # noqa: S603
        ["git", "ls-files", "--", *pathspecs],  # noqa: S607
        cwd=ROOT,
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    ).stdout.split()
    digest = hashlib.sha256()
    for name in sorted(listed):
        path = ROOT / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def wagtail_version() -> str:
    from importlib.metadata import version

    return version("wagtail")


def server_version() -> str:
    from importlib.metadata import version

    return version("uvicorn")


def baseline_python(log) -> Path:
    """The baseline venv (Wagtail of our version and uvicorn), created once per version
    under var/bench-baseline/."""
    version = wagtail_version()
    server = server_version()
    # The same server stack as ours: uvicorn[standard] (uvloop and httptools) of our
    # version; plain uvicorn would parse HTTP in pure Python (h11) on asyncio's loop.
    venv = ROOT / "var" / "bench-baseline" / f"venv-wagtail-{version}-uvicorn-{server}"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if not stamp.exists():
        log(
            f"baseline venv: installing wagtail=={version} and "
            f"uvicorn[standard]=={server} into {venv}"
        )
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)])
        _run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                f"wagtail=={version}",
                f"uvicorn[standard]=={server}",
            ]
        )
        stamp.write_text(version)
    return python


def our_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "PYTHONPATH")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS=f"{HOST},localhost,testserver",
        DATABASE_URL=f"sqlite:///{tmp / 'ours.sqlite3'}",
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
        SITE_BASE_URL=f"https://{HOST}:{OURS_PORT}",
        LOG_LEVEL="WARNING",
        DEMO_ADMIN_PASSWORD=secrets.token_urlsafe(12),
    )
    return env


class Server:
    """uvicorn with 2 workers, started and stopped by this tool."""

    def __init__(self, python: Path, app: str, port: int, *, cwd: Path, env: dict):
        self.port = port
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(python),
                "-m",
                "uvicorn",
                app,
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                "2",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            env=env,
            start_new_session=True,
        )

    def wait(self, path: str) -> None:
        # Django, Wagtail and Channels take a while to import on a busy machine.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                status, _headers, _body = request("GET", self.port, path)
                if status < 500:
                    # Both workers must have started (and warmed) before measuring.
                    for _ in range(20):
                        request("GET", self.port, path)
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"server on port {self.port} did not answer {path}")

    def workers(self) -> list[int]:
        """The worker processes (not multiprocessing's resource tracker, also a child)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [
            int(pid)
            for pid in children.read_text().split()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def cpu_seconds(self) -> list[float]:
        """CPU time (user + system) of each worker so far."""
        tick = os.sysconf("SC_CLK_TCK")
        seconds = []
        for pid in self.workers():
            # Fields after the command name (which may hold spaces): utime is the 12th.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds.append((int(fields[11]) + int(fields[12])) / tick)
        return seconds

    def peak_memory_mb(self) -> float:
        """Largest VmHWM (peak resident set) among the worker processes."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return max(peaks) if peaks else 0.0

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def request(method, port, path, *, headers=None, body=None, connection=None):
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response.status, response, data


def wrk(url: str, seconds: int, *, unique_query: bool = False) -> dict:
    """Requests per second by wrk (2 threads, CONCURRENCY connections); with
    `unique_query` every request carries its own query string, so no cache can answer."""
    cmd = [
        "wrk",
        "-t2",
        f"-c{CONCURRENCY}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        "X-Forwarded-Proto: https",
    ]
    script = None
    if unique_query:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(
            "local n = 0\nrequest = function()\n  n = n + 1\n"
            '  return wrk.format(nil, wrk.path .. "?n=" .. n .. "-" .. math.random(1e9))\nend\n'
        )
        script.close()
        cmd += ["-s", script.name]
    output = _run([*cmd, url])
    if script:
        os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:(.*)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    return {
        "rate": rate,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
        "p99": p99.group(1) if p99 else "",
    }


def balanced_wrk(server: Server, url: str, seconds: int, log, **kwargs) -> dict:
    """wrk against `server`, repeated (at most 4 times) until both workers served.

    wrk opens its connections at once, and a worker's event loop may accept every
    pending connection when it wakes, so one worker can take all 16 keep-alive
    connections and the run measures one core of two: on asyncio's loop the same site
    gave 105 and 196 req/s on alternate runs. A run counts when the less busy worker
    did at least a quarter of the CPU work; the same rule for both sites."""
    for attempt in range(1, 5):
        before = server.cpu_seconds()
        result = wrk(url, seconds, **kwargs)
        used = [
            after - b for after, b in zip(server.cpu_seconds(), before, strict=True)
        ]
        share = min(used) / sum(used) if sum(used) else 0.0
        result |= {"attempts": attempt, "balance": share, "cpu": sum(used)}
        if share >= 0.25:
            return result
        log(f"  one worker took {1 - share:.0%} of the CPU at {url}; again")
    return result


# ------------------------------------------------------------------ the respondents


INPUT = re.compile(r"<(input|textarea)\b([^>]*)>", re.I)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def parse_form(html: str) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Hidden inputs (CSRF token, idempotency key) and the answer fields of a form:
    name → [(type, value)] in page order."""
    hidden: dict[str, str] = {}
    fields: dict[str, list[tuple[str, str]]] = {}
    for tag, attributes in INPUT.findall(html):
        attrs = {k.lower(): unescape(v) for k, v in ATTR.findall(attributes)}
        name = attrs.get("name")
        kind = "textarea" if tag.lower() == "textarea" else attrs.get("type", "text")
        if not name or kind in ("submit", "button"):
            continue
        if kind == "hidden":
            hidden[name] = attrs.get("value", "")
        else:
            fields.setdefault(name, []).append((kind, attrs.get("value", "")))
    return hidden, fields


def fill_form(fields, rng, respondent: int) -> list[tuple[str, str]]:
    """A full answer: one option per radio group, one or two per checkbox group, text
    naming the respondent (so duplicates are countable in both databases)."""
    answer = []
    for name, inputs in fields.items():
        kind = inputs[0][0]
        values = [v for _k, v in inputs]
        if kind == "radio":
            answer.append((name, rng.choice(values)))
        elif kind == "checkbox":
            for value in rng.sample(
                values, k=min(len(values), rng.choice((1, 2, 2, 3)))
            ):
                answer.append((name, value))
        else:
            answer.append((name, f"答卷人 {respondent}：希望多开展廉洁文化活动。"))
    return answer


def cookies_from(response, jar: dict) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _sep, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


@dataclass
class SubmitResult:
    accepted: int = 0
    refused: int = 0
    errors: int = 0
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    latencies: list = field(default_factory=list)


def submit_load(
    port: int, paths, seconds: float, *, seed: int, scheme: str
) -> SubmitResult:
    """CONCURRENCY threads of respondents until `seconds` pass or `paths` (one entry per
    respondent) run out. Each respondent: a fresh cookie jar, GET the form, POST it."""
    result = SubmitResult()
    lock = threading.Lock()
    queue = iter(enumerate(paths))
    deadline = time.monotonic() + seconds
    # The origin the browser would send behind TLS: uvicorn honours X-Forwarded-Proto
    # from 127.0.0.1, so both sites take these requests as HTTPS and check the origin.
    origin = f"{scheme}://{HOST}:{port}"

    def respondent_loop(worker: int) -> None:
        rng = random.Random(seed * 1000 + worker)  # noqa: S311 - load generation
        while time.monotonic() < deadline:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            number, path = item
            jar: dict[str, str] = {}
            # A connection of the respondent's own, as each phone opens one. Kept
            # connections would be spread over the workers once, when the load starts,
            # and often all 16 went to one of the two (see balanced_wrk).
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            started = time.perf_counter()
            try:
                status, response, body = request("GET", port, path, connection=conn)
                cookies_from(response, jar)
                hidden, fields = parse_form(body.decode())
                data = [*hidden.items(), *fill_form(fields, rng, number)]
                status, response, body = request(
                    "POST",
                    port,
                    path,
                    connection=conn,
                    body=urllib.parse.urlencode(data),
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
                        "Origin": origin,
                        "Referer": origin + path,
                    },
                )
            except (OSError, http.client.HTTPException):
                conn.close()
                with lock:
                    result.errors += 1
                continue
            conn.close()
            # Success is a redirect, or a page that no longer holds the form (the form
            # builder answers 200 both with its thank-you page and with errors).
            ok = 300 <= status < 400 or (
                200 <= status < 300 and b"csrfmiddlewaretoken" not in body
            )
            with lock:
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if ok:
                    result.accepted += 1
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.refused += 1

    threads = [
        threading.Thread(target=respondent_loop, args=(i,)) for i in range(CONCURRENCY)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def respondent_paths(links: list[dict], rng) -> list[str]:
    """One path per respondent, each unit's link at most its headcount times, shuffled
    as people arrive."""
    paths = [link["url"] for link in links for _ in range(link["headcount"])]
    rng.shuffle(paths)
    return paths


def our_rows(database: Path, campaign_id: int) -> dict:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT COUNT(*) FROM surveys_response WHERE campaign_id = ?",
            (campaign_id,),
        ).fetchone()[0]
        distinct = db.execute(
            "SELECT COUNT(DISTINCT a.text) FROM surveys_answer a"
            " JOIN surveys_question q ON q.id = a.question_id"
            " WHERE a.campaign_id = ? AND q.code = 'T1'",
            (campaign_id,),
        ).fetchone()[0]
    return {"rows": rows, "distinct": distinct}


# ------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short load durations")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory"
    )
    parser.add_argument("--_prepare", help=argparse.SUPPRESS)
    parser.add_argument("--_scorecard", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._prepare:
        _prepare(Path(args._prepare))
        return 0
    if args._scorecard:
        _scorecard(Path(args._scorecard), args.runs)
        return 0
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    get_seconds, submit_seconds, runs = (5, 10, 3) if args.quick else (20, 30, 7)
    begun = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - begun:6.1f} s] {message}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    try:
        rows = _measure(tmp, log, get_seconds, submit_seconds, runs)
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(format_table(rows))
    print(format_ratios(rows))
    return 0


def _measure(
    tmp: Path, log, get_seconds: int, submit_seconds: int, runs: int
) -> list[Row]:
    python = Path(sys.executable)
    base_python = baseline_python(log)
    env = our_env(tmp)

    # Ours: migrate + load_demo + collectstatic, built once per version of the
    # migrations, demo content and static files (var/bench-compare/), then copied.
    built_site = CACHE / f"ours-{source_key(OUR_SITE_INPUTS)}"
    build_env = {**env, "DATABASE_URL": f"sqlite:///{built_site / 'ours.sqlite3'}"}
    build_env.update(
        MEDIA_ROOT=str(built_site / "media"), STATIC_ROOT=str(built_site / "static")
    )
    manage = [str(python), str(ROOT / "manage.py")]
    _run([*manage, "compile_translations"], env=env, cwd=ROOT)
    if not (built_site / "done").exists():
        log(f"ours: migrate, load_demo, collectstatic into {built_site}")
        shutil.rmtree(built_site, ignore_errors=True)
        built_site.mkdir(parents=True)
        for command in (
            ["migrate", "--noinput"],
            ["load_demo"],
            ["collectstatic", "--noinput"],
        ):
            _run([*manage, *command], env=build_env, cwd=ROOT)
        (built_site / "done").write_text("1")
    else:
        log(f"ours: demo site from {built_site}")
    shutil.copy2(built_site / "ours.sqlite3", tmp / "ours.sqlite3")
    shutil.copytree(built_site / "media", tmp / "media")
    env["STATIC_ROOT"] = str(built_site / "static")
    _run(
        [str(python), "-m", "bench.compare", "--_prepare", str(tmp / "ours.json")],
        env=env,
        cwd=ROOT,
    )
    ours = json.loads((tmp / "ours.json").read_text(encoding="utf-8"))

    scorecard_key = source_key(SCORECARD_INPUTS)
    score_dir = CACHE / f"scorecard-{scorecard_key}"
    score_dir.mkdir(parents=True, exist_ok=True)
    log(
        "ours: scorecard dataset (50,000 respondents × 20 answers)"
        + (" from cache" if (score_dir / "scorecard.done").exists() else ", building")
    )
    score_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    score_env["DATABASE_URL"] = f"sqlite:///{score_dir / 'scorecard.sqlite3'}"
    _run(
        [
            str(python),
            "-m",
            "bench.compare",
            "--_scorecard",
            str(score_dir),
            "--runs",
            str(runs),
        ],
        env=score_env,
        cwd=ROOT,
    )
    score = json.loads((score_dir / "scorecard.json").read_text(encoding="utf-8"))

    spec = {
        "survey": {
            "title": ours["survey_title"],
            "description": ours["description"],
            "questions": ours["questions"],
        },
        "stats": {
            "title": "基准测评",
            "description": "",
            "questions": score["questions"],
        },
        "lesson": ours["lesson"],
    }
    base_key = hashlib.sha256(
        json.dumps([spec, scorecard_key, wagtail_version()], sort_keys=True).encode()
        + BASELINE_SCRIPT.read_bytes()
    ).hexdigest()[:16]
    base_dir = CACHE / f"baseline-{base_key}"
    base_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH")
    }
    base_env["DJANGO_SETTINGS_MODULE"] = "mysite.settings.bench"
    baseline = [str(base_python), str(BASELINE_SCRIPT)]
    if not (base_dir / "done").exists():
        log("baseline: wagtail start, FormPages, plain page, migrate, collectstatic")
        shutil.rmtree(base_dir, ignore_errors=True)
        cached_site = base_dir / "site"
        for name in ours["lesson"]["images"]:
            target = cached_site / "media" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(tmp / "media" / name, target)
        spec_file = base_dir / "spec.json"
        spec_file.write_text(
            json.dumps(
                {**spec, "secret_key": secrets.token_urlsafe(48)}, ensure_ascii=False
            ),
            encoding="utf-8",
        )
        built = _last_json(
            _run([*baseline, "build", str(cached_site), str(spec_file)], env=base_env)
        )
        _run(
            [
                str(base_python),
                "manage.py",
                "collectstatic",
                "--noinput",
                "--verbosity",
                "0",
            ],
            env=base_env,
            cwd=cached_site,
        )
        log("baseline: 50,000 FormSubmissions in bulk")
        loaded = _last_json(
            _run(
                [*baseline, "load", str(cached_site), str(score_dir / "answers.jsonl")],
                env=base_env,
            )
        )
        built["loaded_seconds"] = loaded["seconds"]
        (base_dir / "built.json").write_text(json.dumps(built), encoding="utf-8")
        (base_dir / "done").write_text("1")
    else:
        log(f"baseline: site from {base_dir}")
    built = json.loads((base_dir / "built.json").read_text(encoding="utf-8"))
    site = tmp / "baseline"
    shutil.copytree(base_dir / "site", site)
    log("baseline: the form builder's statistics")
    base_stats = _last_json(
        _run([*baseline, "stats", str(site), str(runs)], env=base_env)
    )
    log(
        f"scorecard: ours {score['median']:.3f} s over {score['respondents']} respondents / {score['answers']} answers; "
        f"baseline {base_stats['median']:.3f} s over {base_stats['submissions']} submissions / {base_stats['answers']} answers "
        f"(inserted in bulk in {built['loaded_seconds']:.1f} s)"
    )

    rng = random.Random(2026)  # noqa: S311 - load generation
    figures: dict[str, dict] = {}
    survey_paths = {"ours": ours["links"][0]["url"], "baseline": built["survey_url"]}
    lesson_paths = {"ours": ours["lesson"]["url"], "baseline": built["lesson_url"]}
    servers = {
        "ours": (python, "config.asgi:application", OURS_PORT, ROOT, env),
        "baseline": (
            base_python,
            "mysite.asgi:application",
            BASELINE_PORT,
            site,
            base_env,
        ),
    }
    respondents = respondent_paths(ours["links"], rng)
    for name, (py, app, port, cwd, server_env) in servers.items():
        log(f"{name}: uvicorn --workers 2 on port {port}")
        server = Server(py, app, port, cwd=cwd, env=server_env)
        try:
            server.wait(survey_paths[name])
            got = figures[name] = {}
            got["survey_page"] = balanced_wrk(
                server, f"http://{HOST}:{port}{survey_paths[name]}", get_seconds, log
            )
            paths = (
                respondents
                if name == "ours"
                else [survey_paths[name]] * len(respondents)
            )
            before_each = server.cpu_seconds()
            before = sum(before_each)
            got["submit"] = submit_load(
                port,
                paths,
                submit_seconds,
                seed=7,
                scheme="https",
            )
            after_each = server.cpu_seconds()
            got["submit_cpu"] = sum(after_each) - before
            used = [a - b for a, b in zip(after_each, before_each, strict=True)]
            got["submit_balance"] = min(used) / sum(used) if sum(used) else 0.0
            got["memory"] = server.peak_memory_mb()
            got["lesson"] = balanced_wrk(
                server,
                f"http://{HOST}:{port}{lesson_paths[name]}",
                get_seconds,
                log,
                unique_query=True,
            )
            got["lesson_fixed"] = balanced_wrk(
                server, f"http://{HOST}:{port}{lesson_paths[name]}", get_seconds, log
            )
            status, response, _body = request("GET", port, lesson_paths[name])
            got["lesson_headers"] = {
                k.lower(): v
                for k, v in response.getheaders()
                if k.lower() in ("age", "x-cache", "x-lesson-cache", "cache-control")
            }
            got["lesson_status"] = status
        finally:
            server.stop()
        for key in ("survey_page", "lesson", "lesson_fixed"):
            run = got[key]
            log(
                f"{name}: {key} {run['rate']:.0f}/s, "
                f"{1000 * run['cpu'] / max(1, run['rate'] * get_seconds):.2f} ms of server "
                f"CPU a request, less busy worker {run['balance']:.0%}, "
                f"run {run['attempts']}"
            )
        sub = got["submit"]
        log(
            f"{name}: submissions {1000 * got['submit_cpu'] / max(1, sub.accepted):.1f} ms "
            f"of server CPU a respondent (form and answer), less busy worker "
            f"{got['submit_balance']:.0%}"
        )
        log(
            f"{name}: survey page {got['survey_page']['rate']:.0f}/s, submissions {sub.accepted} accepted "
            f"{sub.refused} refused {sub.errors} errors in {sub.seconds:.1f} s {sub.statuses}, "
            f"lesson {got['lesson']['rate']:.0f}/s (fixed URL {got['lesson_fixed']['rate']:.0f}/s), "
            f"peak worker RSS {got['memory']:.0f} MB"
        )
    counted = {
        "ours": our_rows(tmp / "ours.sqlite3", ours["campaign_id"]),
        "baseline": _last_json(
            _run(
                [str(base_python), str(BASELINE_SCRIPT), "count", str(site)],
                env=base_env,
            )
        ),
    }
    notes = {}
    for name in ("ours", "baseline"):
        sub = figures[name]["submit"]
        rows_now = counted[name]["rows"]
        lost = max(0, sub.accepted - rows_now)
        duplicated = rows_now - counted[name]["distinct"]
        notes[name] = (
            f"{name}: {sub.accepted} accepted, {rows_now} rows, {lost} lost, {duplicated} duplicated, {sub.refused} refused"
        )
        log(notes[name])

    # The lesson cache (courses.cache) answers a repeated GET with X-Lesson-Cache: hit;
    # a cache of another make would show as a setting or an Age / X-Cache header.
    headers = figures["ours"]["lesson_headers"]
    cache_seen = (
        headers.get("x-lesson-cache", "").lower() == "hit"
        or "age" in headers
        or "hit" in headers.get("x-cache", "").lower()
        or bool(ours["cache_settings"])
    )

    def rate(name, key):
        return figures[name][key]["rate"]

    def submit_rate(name):
        sub = figures[name]["submit"]
        return sub.accepted / sub.seconds if sub.seconds else None

    rows = [
        Row(
            "survey_page",
            "survey page (20 questions), anonymous unit link",
            "req/s",
            rate("ours", "survey_page"),
            rate("baseline", "survey_page"),
            goal=GOALS["survey_page"],
        ),
        Row(
            "submit",
            "submissions (GET form + POST, fresh cookies)",
            "/s",
            submit_rate("ours"),
            submit_rate("baseline"),
            goal=GOALS["submit"],
            note=f"({notes['ours']}; {notes['baseline']})",
        ),
        Row(
            "scorecard",
            f"scorecard vs form-builder statistics, {score['answers']:,} answers",
            "s",
            score["median"],
            base_stats["median"],
            higher_is_better=False,
            goal=GOALS["scorecard"],
        ),
        Row(
            "scorecard_cpu",
            "the same, CPU time of the process (SQLite runs in it)",
            "s",
            score["cpu"],
            base_stats["cpu"],
            higher_is_better=False,
        ),
        Row(
            "lesson",
            "lesson page, anonymous, uncached (a query string per request: never cached)",
            "req/s",
            rate("ours", "lesson"),
            rate("baseline", "lesson"),
            goal=GOALS["lesson"],
        ),
        Row(
            "lesson_fixed",
            "lesson page, one URL"
            + (" (page cache detected)" if cache_seen else " (no page cache yet)"),
            "req/s",
            rate("ours", "lesson_fixed"),
            rate("baseline", "lesson_fixed"),
            note=(
                f"(goal cached: ours ≥ {CACHED_LESSON_GOAL:,.0f} req/s — "
                + (
                    "met"
                    if rate("ours", "lesson_fixed") >= CACHED_LESSON_GOAL
                    else "NOT met"
                )
                + ")"
            )
            if cache_seen
            else "",
        ),
        Row(
            "memory",
            "peak RSS of a worker after the survey load",
            "MB",
            figures["ours"]["memory"],
            figures["baseline"]["memory"],
            higher_is_better=False,
        ),
    ]
    return rows


if __name__ == "__main__":
    sys.exit(main())
