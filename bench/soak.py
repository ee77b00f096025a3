"""Soak: a bounded mixed load on loopback for M minutes, `python -m bench soak` (`make soak`).

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench soak --minutes 10
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qlxt REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m bench soak --minutes 10 --workers 2

Builds its own site: a fresh database (with DATABASE_URL on PostgreSQL: a new database on
that server, dropped afterwards; otherwise a temporary SQLite file), `migrate`,
`load_demo` (the real demo content) and `collectstatic`, then serves it as production
does — uvicorn `--workers N` under config.settings.production (DEBUG off, manifest static
files, the X-Forwarded-Proto header nginx adds), the Redis of REDIS_URL (required: the
live scorecard and contests cross worker processes through it) and the background-task
worker beside it. For the whole duration, at a steady modest rate:

- learners: log in, open 学习 (the learn index), a course and a lesson, mark it done, take
  and hand in a quiz, answer daily practice questions;
- respondents: each with fresh cookies, through the demo campaign's unit links, never more
  of them per unit than its headcount leaves room for;
- managers: the scorecard page, the campaign dashboard, xlsx and csv exports; and a live
  scorecard WebSocket held open the whole time, whose pushes must keep arriving while
  answers come in;
- a 知识竞赛 played again and again: a host socket and `--players` phones (the protocol of
  docs/contests.md, played by bench/contest.py's host and players).

Every HTTP response is counted by status; a 5xx, a connection error, a WebSocket the server
closed unexpectedly, a contest phone that never saw the podium and a live scorecard silent
for LIVE_SILENCE_SECONDS while answers arrived are errors. Each uvicorn worker's RSS is
read every 10 s. Printed at the end: a table per minute (requests, errors, p50/p95 latency,
RSS of each worker) and last

    soak minutes=M requests=R errors=E rss_growth_max_pct=G

where G is the largest growth of any worker's RSS from the end of minute 2 to the end of
the last minute. Exits non-zero when E > 0 or G ≥ 10.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORT = 8180
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
RSS_EVERY = 10.0
BASELINE_MINUTE = 2
RSS_GROWTH_LIMIT = 10.0
# The live scorecard coalesces a second and pushes on every answer; a minute of silence
# while respondents kept answering means the pushes stopped.
LIVE_SILENCE_SECONDS = 60.0
LEARNERS = 12
PASSWORD = "soak-pass-2026"  # noqa: S105 - a throwaway site's accounts
# Seconds a simulated person waits between two requests (a reader, not a crawler).
THINK = (0.5, 1.5)
CONTESTS = 40


def _parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench soak")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--learners", type=int, default=3, help="learner threads")
    parser.add_argument("--respondents", type=int, default=2, help="respondent threads")
    parser.add_argument("--managers", type=int, default=1, help="manager threads")
    parser.add_argument("--players", type=int, default=30, help="contest phones")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--_prepare", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.workers < 1:
        parser.error("--minutes must be positive and --workers at least 1")
    return args


# ------------------------------------------------------------------- pure figures


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def rss_at_minutes(
    samples: list[tuple[float, int, int]], minutes: int
) -> dict[int, dict[int, int]]:
    """The last RSS sample (kB) of each worker in each minute: minute m (from 1) covers
    [(m − 1)·60 s, m·60 s) of the load. `samples` are (seconds, pid, kB)."""
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for at, pid, kb in sorted(samples):
        minute = min(minutes, int(at // 60) + 1)
        table[minute][pid] = kb
    return dict(table)


def rss_growth_pct(
    by_minute: dict[int, dict[int, int]], baseline_minute: int = BASELINE_MINUTE
) -> float:
    """Largest growth (%) of any worker's RSS from the end of `baseline_minute` (or the
    first minute sampled, in a shorter run) to the end of the last minute. A worker
    that is missing at the end (it died and was replaced) counts as unbounded growth."""
    if not by_minute:
        return 0.0
    last = max(by_minute)
    first = min(by_minute)
    start = baseline_minute if baseline_minute in by_minute else first
    if start >= last:
        start = first
    growth = 0.0
    for pid, kb in by_minute[start].items():
        end = by_minute[last].get(pid)
        if end is None:
            return float("inf")
        growth = max(growth, (end - kb) / kb * 100)
    return growth


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.0f}"


def format_table(
    per_minute: dict[int, dict], by_minute: dict[int, dict[int, int]], pids: list[int]
) -> str:
    """A Markdown table, one row per minute: requests, errors, p50/p95 latency (ms) and
    the RSS (MB) of each worker at the end of the minute."""
    head = "| minute | requests | errors | p50 ms | p95 ms |" + "".join(
        f" worker {n + 1} RSS MB |" for n in range(len(pids))
    )
    rule = "|---" * (5 + len(pids)) + "|"
    lines = [head, rule]
    for minute in sorted(set(per_minute) | set(by_minute)):
        row = per_minute.get(minute, {})
        latencies = row.get("latencies", [])
        rss = by_minute.get(minute, {})
        cells = [
            str(minute),
            str(row.get("requests", 0)),
            str(row.get("errors", 0)),
            _ms(percentile(latencies, 0.5)),
            _ms(percentile(latencies, 0.95)),
            *(f"{rss[pid] / 1024:.0f}" if pid in rss else "—" for pid in pids),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_last_line(minutes: float, requests: int, errors: int, growth: float) -> str:
    return (
        f"soak minutes={minutes:g} requests={requests} errors={errors} "
        f"rss_growth_max_pct={growth:.1f}"
    )


# ------------------------------------------------------------------- counting


@dataclass
class Tally:
    """Everything the load saw, by minute of the load. Thread-safe."""

    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    per_minute: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)
    by_kind: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    minutes: int = 1

    def _row(self) -> dict:
        minute = min(self.minutes, int((time.monotonic() - self.started) // 60) + 1)
        return self.per_minute.setdefault(
            minute, {"requests": 0, "errors": 0, "latencies": []}
        )

    def response(self, kind: str, status: int, seconds: float, what: str) -> None:
        with self.lock:
            row = self._row()
            row["requests"] += 1
            row["latencies"].append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            key = f"{kind} {status}"
            self.by_kind[key] = self.by_kind.get(key, 0) + 1
            if status >= 500:
                row["errors"] += 1
                self.problems.append(f"{status} {what}")

    def error(self, what: str) -> None:
        with self.lock:
            row = self._row()
            row["errors"] += 1
            self.problems.append(what)

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.by_kind[key] = self.by_kind.get(key, 0) + n


# ------------------------------------------------------------------- an HTTP person

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
INPUT = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.I)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def forms_in(html: str) -> list[dict]:
    """Every form of a page: action, method, hidden inputs and answer fields (name →
    [(type, value)] in page order)."""
    found = []
    for attributes, body in FORM.findall(html):
        attrs = {k.lower(): unescape(v) for k, v in ATTR.findall(attributes)}
        hidden: dict[str, str] = {}
        fields: dict[str, list[tuple[str, str]]] = {}
        for tag, inner in INPUT.findall(body):
            a = {k.lower(): unescape(v) for k, v in ATTR.findall(inner)}
            name = a.get("name")
            kind = tag.lower() if tag.lower() != "input" else a.get("type", "text")
            if not name or kind in ("submit", "button"):
                continue
            if kind == "hidden":
                hidden[name] = a.get("value", "")
            else:
                fields.setdefault(name, []).append((kind, a.get("value", "")))
        found.append(
            {
                "action": attrs.get("action", ""),
                "method": attrs.get("method", "get").lower(),
                "hidden": hidden,
                "fields": fields,
            }
        )
    return found


def fill(fields: dict, rng: random.Random, text: str) -> list[tuple[str, str]]:
    answer = []
    for name, inputs in fields.items():
        kind = inputs[0][0]
        values = [v for _k, v in inputs if v]
        if kind == "radio" and values:
            answer.append((name, rng.choice(values)))
        elif kind == "checkbox" and values:
            for value in rng.sample(values, k=min(len(values), rng.choice((1, 2)))):
                answer.append((name, value))
        elif kind in ("textarea", "text"):
            answer.append((name, text))
    return answer


class Person:
    """One cookie jar on one kept-alive connection, following redirects like a browser."""

    def __init__(self, port: int, tally: Tally, kind: str):
        self.port, self.tally, self.kind = port, tally, kind
        self.jar: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn:
            self.conn.close()
            self.conn = None

    def _once(self, method, path, body=None, extra=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {**PROXY_HEADERS, **(extra or {})}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            self.tally.error(f"connection error {method} {path}: {error!r}")
            return None
        self.tally.response(
            self.kind,
            response.status,
            time.perf_counter() - started,
            f"{method} {path}",
        )
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.jar[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response, data

    def get(self, path: str, *, follow: bool = True):
        """(status, final path, body) or None on a connection error."""
        for _ in range(5):
            got = self._once("GET", path)
            if got is None:
                return None
            status, response, data = got
            if follow and status in (301, 302, 303) and response.getheader("Location"):
                path = self._local(response.getheader("Location"), path)
                continue
            return status, path, data
        return status, path, data

    def post(self, path: str, data: list[tuple[str, str]], referer: str):
        origin = f"https://{HOST}:{self.port}"
        got = self._once(
            "POST",
            path,
            body=urllib.parse.urlencode(data),
            extra={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + referer,
            },
        )
        if got is None:
            return None
        status, response, body = got
        if status in (301, 302, 303) and response.getheader("Location"):
            return self.get(self._local(response.getheader("Location"), path))
        return status, path, body

    @staticmethod
    def _local(location: str, current: str) -> str:
        parts = urlsplit(urllib.parse.urljoin(current, location))
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def submit(self, page: tuple, match: str, rng, text: str = "", extra=()):
        """Post the form of `page` whose action contains `match` and that has the most
        answer fields (so never the header's log-out or language form by mistake)."""
        _status, path, body = page
        forms = [
            form
            for form in forms_in(body.decode(errors="replace"))
            if form["method"] == "post" and match in (form["action"] or path)
        ]
        if not forms:
            return None
        form = max(forms, key=lambda f: len(f["fields"]))
        action = self._local(form["action"] or path, path)
        data = [*form["hidden"].items(), *fill(form["fields"], rng, text)]
        return self.post(action, [*data, *extra], path)

    def log_in(self, username: str, password: str) -> bool:
        page = self.get("/accounts/login/")
        if page is None or page[0] != 200:
            return False
        done = self.submit(
            page,
            "/accounts/login/",
            random.Random(),
            extra=[("username", username), ("password", password)],
        )
        return done is not None and "/accounts/login/" not in done[1]


def _think(rng: random.Random, stop: threading.Event) -> None:
    stop.wait(rng.uniform(*THINK))


# ------------------------------------------------------------------- the load


def learner_loop(n, port, site, tally, stop, seed) -> None:
    rng = random.Random(seed)  # noqa: S311 - load generation
    learners = site["learners"]
    rounds = 0
    person = None
    while not stop.is_set():
        # A fresh log-in every few rounds: the password check is real CPU work.
        if person is None or rounds % 5 == 0:
            if person:
                person.close()
            person = Person(port, tally, "learner")
            username = learners[(n + rounds) % len(learners)]
            if not person.log_in(username, PASSWORD):
                tally.error(f"learner {username} could not log in")
                stop.wait(5)
                continue
        rounds += 1
        for path in ("/learn/", rng.choice(site["courses"])):
            person.get(path)
            _think(rng, stop)
        lesson = person.get(rng.choice(site["lessons"]))
        _think(rng, stop)
        if lesson and lesson[0] == 200:
            person.submit(lesson, "/complete/", rng)
            _think(rng, stop)
        quiz = person.get(rng.choice(site["quizzes"]))
        if quiz and quiz[0] == 200:
            attempt = person.submit(quiz, "start/", rng)
            _think(rng, stop)
            if attempt and attempt[0] == 200 and "/attempts/" in attempt[1]:
                person.submit(attempt, "", rng, text="廉洁")
                _think(rng, stop)
        practice = person.get("/practice/daily/")
        for _ in range(3):
            if stop.is_set() or not practice or practice[0] != 200:
                break
            html = practice[2].decode(errors="replace")
            if "/practice/daily/answer/" in html:
                practice = person.submit(practice, "/practice/daily/answer/", rng)
            elif "/practice/daily/start/" in html:
                practice = person.submit(practice, "/practice/daily/start/", rng)
            else:
                break
            _think(rng, stop)
    if person:
        person.close()


def respondent_loop(port, site, tally, stop, seed, paths, lock) -> None:
    rng = random.Random(seed)  # noqa: S311 - load generation
    number = 0
    while not stop.is_set():
        with lock:
            path = paths.pop() if paths else None
        if path is None:
            tally.count("respondents: every unit link at its headcount")
            stop.wait(5)
            continue
        number += 1
        person = Person(port, tally, "respondent")
        page = person.get(path)
        if page and page[0] == 200:
            stop.wait(rng.uniform(2, 4))  # reading and ticking a 10-question form
            done = person.submit(page, "", rng, text=f"浸泡测试答卷 {seed}-{number}")
            if done and done[0] == 200 and "/thanks/" in done[1]:
                tally.count("respondents answered")
                site["answered_at"].append(time.monotonic())
        person.close()
        _think(rng, stop)


def manager_loop(port, site, tally, stop, seed) -> None:
    rng = random.Random(seed)  # noqa: S311 - load generation
    campaign = site["campaign"]
    base = f"/admin/surveys/campaigns/{campaign}"
    person = Person(port, tally, "manager")
    if not person.log_in(site["manager"], site["manager_password"]):
        tally.error("the manager could not log in")
        return
    pages = [
        f"{base}/scorecard/",
        f"{base}/scorecard/?unit={site['manager_unit']}",
        f"{base}/",
        "/admin/surveys/scorecards/",
    ]
    exports = [f"{base}/export/?format=xlsx", f"{base}/export/?format=csv&by=kind"]
    rounds = 0
    while not stop.is_set():
        rounds += 1
        person.get(rng.choice(pages))
        if rounds % 4 == 0:
            person.get(rng.choice(exports))
        stop.wait(rng.uniform(2, 4))
    person.close()


async def live_scorecard(port, site, tally, stop) -> None:
    """The manager's live scorecard socket, open for the whole run; pushes must keep
    arriving while respondents answer."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidMessage

    url = (
        f"ws://{HOST}:{port}/ws/surveys/campaigns/{site['campaign']}/"
        f"?unit={site['manager_unit']}&lang=zh-hans"
    )
    last_push = time.monotonic()
    silent_reported = 0.0
    while not stop.is_set():
        try:
            async with connect(
                url,
                origin=f"http://{HOST}:{port}",
                additional_headers={"Cookie": site["manager_cookie"]},
                open_timeout=60,
            ) as ws:
                while not stop.is_set():
                    try:
                        text = await asyncio.wait_for(ws.recv(), 5)
                    except TimeoutError:
                        text = None
                    now = time.monotonic()
                    if text is not None:
                        message = json.loads(text)
                        tally.count("live scorecard pushes")
                        if message.get("notice"):
                            tally.error(f"live scorecard notice: {message['notice']}")
                        last_push = now
                        continue
                    answered = [t for t in site["answered_at"] if t > last_push + 3]
                    if (
                        answered
                        and now - last_push > LIVE_SILENCE_SECONDS
                        and now - silent_reported > LIVE_SILENCE_SECONDS
                    ):
                        silent_reported = now
                        tally.error(
                            f"live scorecard silent for {now - last_push:.0f} s while "
                            f"{len(answered)} answers arrived"
                        )
        except ConnectionClosed as closed:
            tally.error(f"live scorecard socket closed by the server: {closed!r}")
        except (OSError, InvalidHandshake, InvalidMessage, TimeoutError) as error:
            tally.error(f"live scorecard socket could not connect: {error!r}")
        # As the page's script does: open the socket again, a moment later.
        await asyncio.sleep(5)


async def contests(port, site, tally, stop, players) -> None:
    """Contests back to back: a host and `players` phones each, over every worker."""
    import multiprocessing

    from bench import contest as play

    pause = 3.0
    for game in site["contests"]:
        if stop.is_set():
            return
        hall = play.Hall(
            keys={int(k): v for k, v in game["keys"].items()},
            answer_seconds=site["answer_seconds"],
            rng=random.Random(game["contest"]),  # noqa: S311 - load generation
            # The host and the phones share this process here.
            shared=play._Shared(multiprocessing.get_context("spawn"), players),
        )
        gate = asyncio.Semaphore(play.JOINS_AT_ONCE)
        ws, origin = f"ws://{HOST}:{port}", f"http://{HOST}:{port}"
        phones = [
            asyncio.ensure_future(
                play._player(
                    n,
                    f"{ws}/ws/contests/play/{game['pin']}/",
                    origin,
                    hall,
                    gate,
                )
            )
            for n in range(players)
        ]
        host = asyncio.ensure_future(
            play._host(
                f"{ws}/ws/contests/{game['contest']}/host/",
                origin,
                site["host_cookie"],
                hall,
                pause=1.0,
            )
        )
        started = time.monotonic()
        try:
            await asyncio.wait_for(host, 300)
        except Exception as error:  # noqa: BLE001 - every failure is counted
            tally.error(f"contest {game['contest']} host: {error!r}")
        done, waiting = await asyncio.wait(phones, timeout=15)
        for task in waiting:
            task.cancel()
        failed = [t for t in done if t.exception() is not None]
        for task in failed[:3]:
            tally.error(f"contest {game['contest']} phone: {task.exception()!r}")
        if len(failed) > 3:
            tally.error(
                f"contest {game['contest']}: {len(failed) - 3} more phones failed"
            )
        if hall.podium < players and not failed:
            tally.error(
                f"contest {game['contest']}: {players - hall.podium} phones never "
                "saw the podium"
            )
        tally.count("contests played")
        tally.count("contest answers stored", hall.replies.get("stored", 0))
        tally.count("contest state deliveries", len(hall.delays_ms))
        if hall.delays_ms:
            site["contest_delays"].extend(hall.delays_ms)
        site["contest_seconds"].append(time.monotonic() - started)
        for _ in range(int(pause * 10)):
            if stop.is_set():
                return
            await asyncio.sleep(0.1)
    tally.count("contests: all prepared contests played")


def sockets_thread(port, site, tally, stop, players) -> None:
    async def both():
        tasks = [
            asyncio.ensure_future(live_scorecard(port, site, tally, stop)),
            asyncio.ensure_future(contests(port, site, tally, stop, players)),
        ]
        for task in asyncio.as_completed(tasks):
            try:
                await task
            except Exception as error:  # noqa: BLE001 - every failure is counted
                tally.error(f"websocket client failed: {error!r}")

    asyncio.run(both())


# ------------------------------------------------------------------- the site


def _prepare(out: Path) -> None:
    """In the soak site's database, after migrate and load_demo: learners with a known
    password, a bank and CONTESTS contests in the lobby, cookies of the host and the
    manager, and the paths the load uses."""
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from bench import contest as play
    from courses.models import CoursePage, LessonPage
    from quizzes.contests.services import contest_create
    from quizzes.models import QuizPage
    from surveys.models import Campaign, Response
    from units.models import Role, Unit, User
    from units.services import person_create

    unit = Unit.objects.filter(code__startswith="YK-").order_by("path").first()
    learners = []
    for n in range(LEARNERS):
        username = f"soak-learner-{n}"
        person_create(
            username=username,
            unit=unit,
            role=Role.LEARNER,
            full_name=f"浸泡学员{n}",
            password=PASSWORD,
        )
        learners.append(username)
    questions = argparse.Namespace(
        questions=4, reading_seconds=1, answer_seconds=4, seed=1
    )
    first = play._build(questions)
    host = User.objects.get(username="bench-host")
    games = [first]
    for n in range(CONTESTS - 1):
        game = contest_create(
            host=host,
            title=f"浸泡竞赛 {n + 2}",
            tag=play.TAG,
            question_count=questions.questions,
            reading_seconds=questions.reading_seconds,
            answer_seconds=questions.answer_seconds,
        )
        games.append(
            {
                "contest": game.pk,
                "pin": game.pin,
                "keys": {q.position: q.correct_keys for q in game.questions.all()},
            }
        )
    manager = User.objects.get(username="yk_manager")
    client = Client()
    client.force_login(manager)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    campaign = Campaign.objects.order_by("pk").first()
    answered = dict(
        Response.objects.filter(campaign=campaign)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
    )
    links = [
        {
            "url": f"/surveys/u/{member.token}/",
            "room": member.headcount - answered.get(member.unit_id, 0),
        }
        for member in campaign.campaign_units.all()
        if member.headcount
    ]
    site = {
        "learners": learners,
        "courses": [p.url for p in CoursePage.objects.live()],
        "lessons": [p.url for p in LessonPage.objects.live()],
        "quizzes": [p.url for p in QuizPage.objects.live()],
        "campaign": campaign.pk,
        "links": [link for link in links if link["room"] > 0],
        "manager": "yk_manager",
        "manager_password": os.environ["DEMO_ADMIN_PASSWORD"],
        "manager_unit": manager.scope_unit.code,
        "manager_cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
        "host_cookie": first["cookie"],
        "answer_seconds": questions.answer_seconds,
        "contests": [
            {"contest": g["contest"], "pin": g["pin"], "keys": g["keys"]} for g in games
        ],
    }
    out.write_text(json.dumps(site, ensure_ascii=False), encoding="utf-8")


def _database(tmp: Path) -> tuple[str, str | None]:
    """The soak site's database URL, and the PostgreSQL admin URL to drop it with."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'soak.sqlite3'}", None
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'qlxt'}_soak_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), admin


def _drop(database_url: str, admin: str | None) -> None:
    if admin is None:
        return
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_env(tmp: Path, database_url: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS=f"{HOST},localhost",
        DATABASE_URL=database_url,
        # As docs/deploy.md has production (DATABASE_CONN_MAX_AGE=0) unless set.
        DATABASE_CONN_MAX_AGE=os.environ.get("DATABASE_CONN_MAX_AGE", "0"),
        MEDIA_ROOT=str(tmp / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp / "private-media"),
        STATIC_ROOT=str(tmp / "static"),
        SITE_BASE_URL=f"https://{HOST}:{port}",
        CACHE_KEY_PREFIX=f"soak{os.getpid()}",
        LOG_LEVEL="WARNING",
        DEMO_ADMIN_PASSWORD=secrets.token_urlsafe(12),
    )
    return env


def _run(cmd: list[str], env: dict, log) -> None:
    result = subprocess.run(  # noqa: S603 - our own manage.py and module
        cmd, cwd=ROOT, env=env, text=True, capture_output=True, check=False
    )
    if result.returncode:
        sys.stdout.write((result.stdout + result.stderr)[-4000:])
        raise SystemExit(f"failed ({result.returncode}): {' '.join(cmd)}")
    log(f"done: {' '.join(cmd[1:4])}")


def workers_of(pid: int) -> list[int]:
    """The uvicorn master's worker processes (not multiprocessing's resource tracker,
    which is a child too)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        pids = [int(p) for p in children.read_text().split()]
    except OSError:
        return []
    workers = []
    for child in pids:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command or b"uvicorn" in command:
            workers.append(child)
    return workers


def rss_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) if match else None


def _serve(args, env: dict, logs: Path) -> list[subprocess.Popen]:
    log = open(logs / "server.log", "wb")  # noqa: SIM115 - lives as long as the servers
    # bin/serve is the production server command (docs/deploy.md): uvicorn's own
    # worker supervision, --proxy-headers, --lifespan off, no access log.
    server = subprocess.Popen(  # noqa: S603 - the shipped server command
        ["/bin/sh", str(ROOT / "bin" / "serve"), "--ws", "websockets"],
        cwd=ROOT,
        env={
            **env,
            "PY": sys.executable,
            "HOST": HOST,
            "PORT": str(args.port),
            "WEB_CONCURRENCY": str(args.workers),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(  # noqa: S603 - the background-task worker, as make run
        [sys.executable, "manage.py", "db_worker", "--backend", "background"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return [server, worker]


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _ready(args, server: subprocess.Popen, logs: Path) -> list[int]:
    """Wait until every worker answers; returns the worker pids."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("uvicorn stopped:\n" + (logs / "server.log").read_text())
        try:
            conn = http.client.HTTPConnection(HOST, args.port, timeout=10)
            conn.request("GET", "/learn/", headers=PROXY_HEADERS)
            status = conn.getresponse().status
            conn.close()
            if status == 200 and len(workers_of(server.pid)) == args.workers:
                for _ in range(10 * args.workers):
                    conn = http.client.HTTPConnection(HOST, args.port, timeout=30)
                    conn.request("GET", "/", headers=PROXY_HEADERS)
                    conn.getresponse().read()
                    conn.close()
                return workers_of(server.pid)
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("uvicorn did not answer in 300 s")


def main(argv=None) -> int:
    args = _parse(argv)
    if args._prepare:
        _prepare(Path(args._prepare))
        return 0
    if not os.environ.get("REDIS_URL"):
        print(
            "bench soak needs REDIS_URL (the live scorecard and contests cross worker "
            "processes through the Redis channel layer), e.g. "
            "REDIS_URL=redis://127.0.0.1:6379/0; 需要设置 REDIS_URL。",
            file=sys.stderr,
        )
        return 2
    begun = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - begun:6.1f} s] {message}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    database_url, admin = _database(tmp)
    processes: list[subprocess.Popen] = []
    try:
        env = site_env(tmp, database_url, args.port)
        log(f"site database {database_url.split('@')[-1]}; Redis {env['REDIS_URL']}")
        manage = [sys.executable, "manage.py"]
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["load_demo"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            _run([*manage, *command], env, log)
        _run(
            [sys.executable, "-m", "bench.soak", "--_prepare", str(tmp / "site.json")],
            env,
            log,
        )
        site = json.loads((tmp / "site.json").read_text(encoding="utf-8"))
        processes = _serve(args, env, tmp)
        pids = _ready(args, processes[0], tmp)
        log(f"uvicorn --workers {args.workers} on {args.port}: workers {pids}")
        result = _load(args, site, processes[0], pids, log)
    finally:
        _stop(processes)
        if (tmp / "server.log").exists():
            # uvicorn's own notices (a worker that died and was replaced) and errors;
            # not the line each WebSocket logs when it opens and closes.
            noise = (
                "connection open",
                "connection closed",
                "WebSocket /ws/",
                "DeprecationWarning",
                "warnings.warn(",
            )
            lines = (tmp / "server.log").read_text(errors="replace").splitlines()
            tail = [line for line in lines if not any(n in line for n in noise)][-40:]
            if tail:
                print("server log (last lines):\n" + "\n".join(tail))
        _drop(database_url, admin)
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _load(args, site, server, pids, log) -> int:
    minutes = max(1, round(args.minutes + 0.4999))
    tally = Tally(minutes=minutes)
    stop = threading.Event()
    site["answered_at"] = []
    site["contest_delays"] = []
    site["contest_seconds"] = []
    rng = random.Random(args.seed)  # noqa: S311 - load generation
    paths = [link["url"] for link in site["links"] for _ in range(link["room"])]
    rng.shuffle(paths)
    lock = threading.Lock()
    samples: list[tuple[float, int, int]] = []
    replaced: list[str] = []

    def sample() -> None:
        while True:
            now = time.monotonic() - tally.started
            current = workers_of(server.pid)
            for pid in pids:
                if pid not in current and f"worker {pid}" not in replaced:
                    replaced.append(f"worker {pid}")
                    tally.error(f"uvicorn worker {pid} is gone")
                kb = rss_kb(pid)
                if kb is not None:
                    samples.append((now, pid, kb))
            if stop.wait(RSS_EVERY):
                return

    threads = [threading.Thread(target=sample, daemon=True)]
    for n in range(args.learners):
        threads.append(
            threading.Thread(
                target=learner_loop,
                args=(n, args.port, site, tally, stop, args.seed + n),
            )
        )
    for n in range(args.respondents):
        threads.append(
            threading.Thread(
                target=respondent_loop,
                args=(args.port, site, tally, stop, args.seed + 100 + n, paths, lock),
            )
        )
    for n in range(args.managers):
        threads.append(
            threading.Thread(
                target=manager_loop,
                args=(args.port, site, tally, stop, args.seed + 200 + n),
            )
        )
    threads.append(
        threading.Thread(
            target=sockets_thread, args=(args.port, site, tally, stop, args.players)
        )
    )
    log(
        f"load for {args.minutes:g} min: {args.learners} learners, {args.respondents} "
        f"respondents, {args.managers} manager(s), a live scorecard, contests of "
        f"{args.players} phones; {len(paths)} respondents' places left in the units"
    )
    for thread in threads:
        thread.start()
    load_begun = time.monotonic()
    end = tally.started + args.minutes * 60
    try:
        while time.monotonic() < end:
            time.sleep(min(30, max(0.1, end - time.monotonic())))
            with tally.lock:
                done = sum(r["requests"] for r in tally.per_minute.values())
                errors = sum(r["errors"] for r in tally.per_minute.values())
            log(f"{done} requests, {errors} errors")
    finally:
        # The last sample is taken at the end of the load, before anything stops.
        now = time.monotonic() - tally.started
        for pid in pids:
            kb = rss_kb(pid)
            if kb is not None:
                samples.append((min(now, minutes * 60 - 0.001), pid, kb))
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    seconds = time.monotonic() - load_begun

    by_minute = rss_at_minutes(samples, minutes)
    growth = rss_growth_pct(by_minute)
    requests = sum(r["requests"] for r in tally.per_minute.values())
    errors = sum(r["errors"] for r in tally.per_minute.values())
    print()
    print(format_table(tally.per_minute, by_minute, pids))
    print()
    print(f"{requests / seconds:.1f} requests/s over {seconds:.0f} s")
    print(
        "statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.statuses.items()))
    )
    print("by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.by_kind.items())))
    delays = site["contest_delays"]
    if delays:
        print(
            f"contest phase-change deliveries {len(delays)}: p50 "
            f"{percentile(delays, 0.5):.0f} ms, p99 {percentile(delays, 0.99):.0f} ms; "
            f"a game took {min(site['contest_seconds']):.0f}–"
            f"{max(site['contest_seconds']):.0f} s"
        )
    try:
        print(f"load average at the end: {' '.join(map(str, os.getloadavg()))}")
    except OSError:
        pass
    for problem in tally.problems[:30]:
        print(f"error: {problem}")
    if len(tally.problems) > 30:
        print(f"… and {len(tally.problems) - 30} more errors")
    print(format_last_line(args.minutes, requests, errors, growth))
    return 1 if errors or growth >= RSS_GROWTH_LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
