"""知识竞赛 load: N phones and a host play one contest over K uvicorn processes.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench contest --players 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qlxt REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m bench contest --players 500 --processes 2

Builds a throwaway database (with DATABASE_URL on PostgreSQL: a fresh database on that
server, dropped afterwards; otherwise a temporary SQLite file), migrates it, adds a bank
of questions, a unit and a host, and starts K uvicorn processes (`--ws websockets`, as
tests/quizzes/contests/test_two_processes.py) sharing it and the Redis channel layer of
REDIS_URL, which is required. Then N players connect with the `websockets` client,
spread round-robin over the processes, the host on the first; every player answers every
question at a random moment before its deadline (about 70 % right; one in twenty sends
its answer twice, as a phone retrying on a bad network would), and the host moves on
from each reveal and leaderboard while the server's clock ends reading and answering.

Printed: the delay of every delivery of every phase-change `state` (the server's
`sent_at` at the change against the client's receipt, one machine clock), the answers
stored, lost (sent before the question closed, yet no stored row) and duplicated
(stored rows beyond one per player and question), each process's peak memory (VmHWM)
and CPU time, the queries one process spends reading a phase change for all its phones,
and last:

    players=N answers=A lost=L duplicates=D broadcast_p99_ms=P

Goal (docs/benchmarks.md): 500 players, p99 ≤ 250 ms, 0 lost, 0 duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TAG = "竞赛基准"
UNIT_CODE = "BENCH-C"
# Players answer no later than this before the deadline, so an answer that arrives late
# is the server's delay, not a client that chose the last millisecond.
ANSWER_MARGIN = 1.0
RIGHT_SHARE = 0.7
RETRY_SHARE = 0.05
# Joins in flight at once: a hall does not join in one millisecond either.
JOINS_AT_ONCE = 50


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench contest")
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--clients",
        type=int,
        default=4,
        help="client processes the phones are spread over (default 4)",
    )
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--reading-seconds", type=int, default=1)
    parser.add_argument("--answer-seconds", type=int, default=5)
    parser.add_argument(
        "--port", type=int, default=0, help="first server port (default: free ports)"
    )
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    if min(args.players, args.processes, args.questions, args.clients) < 1:
        parser.error(
            "--players, --processes, --clients and --questions must be at least 1"
        )
    if args.answer_seconds <= ANSWER_MARGIN + 0.5:
        parser.error(f"--answer-seconds must be more than {ANSWER_MARGIN + 0.5:g}")
    return args


# --- the database -------------------------------------------------------------------


def _configure(tmp: Path) -> str:
    """Django set up against a bench database to be created; returns the vendor."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        # Not the configured SQLite file: a temporary one of its own.
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'contest.sqlite3'}"
    redis_db = (urlsplit(os.environ["REDIS_URL"]).path or "/0").strip("/") or "0"
    # The test settings put the cache and channel layer on Redis database
    # TEST_REDIS_DB_BASE: make that REDIS_URL's own database.
    os.environ["TEST_REDIS_DB_BASE"] = redis_db
    os.environ.pop("PYTEST_XDIST_WORKER", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    options = database.setdefault("OPTIONS", {})
    # This process only builds the throwaway database (the servers keep the durable
    # defaults): a migration that waits for the disk on each of its hundreds of commits
    # takes minutes on a busy machine.
    if database["ENGINE"].endswith("sqlite3"):
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
        database.setdefault("TEST", {})["NAME"] = str(tmp / "contest.sqlite3")
        return "sqlite"
    options["options"] = "-c synchronous_commit=off"
    database.setdefault("TEST", {})["NAME"] = f"bench_contest_{os.getpid()}"
    return "postgresql"


def _server_database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


def _build(args) -> dict:
    """The bank, a unit, the host and the contest; the host's session cookie."""
    from django.conf import settings
    from django.test import Client

    from quizzes.contests.services import contest_create
    from quizzes.models import Option, Question, QuestionStatus
    from units.models import Role, Unit, UnitKind
    from units.services import person_create

    for i in range(args.questions):
        question = Question(
            code=f"CB{i:03d}",
            stem=f"<p>竞赛基准题{i + 1}</p>",
            status=QuestionStatus.ACTIVE,
        )
        question.options = [
            Option(text=text, is_correct=j == 0, sort_order=j)
            for j, text in enumerate("甲乙丙丁")
        ]
        question.tags.add(TAG)
        question.save()
    unit = Unit.add_root(
        instance=Unit(
            code=UNIT_CODE, name="竞赛基准单元", kind=UnitKind.objects.get(name="其他")
        )
    )
    host = person_create(
        username="bench-host", unit=unit, role=Role.EDITOR, full_name="主持人"
    )
    contest = contest_create(
        host=host,
        title="竞赛负载基准",
        tag=TAG,
        question_count=args.questions,
        reading_seconds=args.reading_seconds,
        answer_seconds=args.answer_seconds,
    )
    client = Client()
    client.force_login(host)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "contest": contest.pk,
        "pin": contest.pin,
        "keys": {q.position: q.correct_keys for q in contest.questions.all()},
        "cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
    }


# --- the servers --------------------------------------------------------------------


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _key_prefix() -> str:
    return f"bench-contest-{os.getpid()}"


def _start_servers(args, database_url: str, logs: Path) -> list[dict]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        # As production has it (config/settings/production.py): a pool of connections
        # per process, never one per call. SQLite ignores it.
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_POOL_MAX_SIZE": os.environ.get("DATABASE_POOL_MAX_SIZE", "20"),
        # Keys of this run only: every throwaway database numbers its contest 1, and the
        # group of an earlier run still lists that run's dead channels for a day, which
        # every phase change would write to.
        "CACHE_KEY_PREFIX": _key_prefix(),
    }
    servers = []
    for i in range(args.processes):
        port = args.port + i if args.port else _free_port()
        log = open(logs / f"server-{port}.log", "wb")  # noqa: SIM115 - closed in _stop
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--ws",
                "websockets",
                "--lifespan",
                "off",
                "--no-access-log",
                # As bin/serve: no per-message compression.
                "--ws-per-message-deflate",
                "false",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append({"port": port, "process": process, "log": log})
    try:
        for server in servers:
            _wait_for(server)
    except BaseException:
        _stop(servers)
        raise
    return servers


def _wait_for(server: dict, timeout: float = 240) -> None:
    # Generous: Django starting on a busy machine can take a minute.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server["process"].poll() is not None:
            raise SystemExit(
                f"server on {server['port']} stopped:\n{_log_tail(server)}"
            )
        with closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", server["port"])) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"server on {server['port']} did not start:\n{_log_tail(server)}")


def _log_tail(server: dict, lines: int = 30) -> str:
    server["log"].flush()
    text = Path(server["log"].name).read_text(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _process_figures(pid: int) -> tuple[float, float]:
    """Peak resident memory (MB) and CPU seconds (user + system) of a process."""
    peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return peak, (int(fields[11]) + int(fields[12])) / ticks


def _forget_keys(prefix: str) -> None:
    """Drop this run's channel-layer keys (groups, queues) from Redis."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _stop(servers: list[dict]) -> None:
    for server in servers:
        if server["process"].poll() is None:
            server["process"].terminate()
    for server in servers:
        try:
            server["process"].wait(timeout=15)
        except subprocess.TimeoutExpired:
            server["process"].kill()
            server["process"].wait()
        server["log"].close()


# --- the hall -----------------------------------------------------------------------


@dataclass
class Sent:
    player: int
    position: int
    at: float


class _Shared:
    """What the client processes share: joins counted across all of them (and the
    moment every player has joined or failed), the projector being on, recording
    started by the host, and the host done."""

    def __init__(self, context, players: int):
        self.players = players
        self.settled = context.Value("i", 0)
        self.all_joined = context.Event()
        self.host_ready = context.Event()
        self.recording = context.Event()
        self.host_done = context.Event()

    def settled_one(self) -> None:
        with self.settled.get_lock():
            self.settled.value += 1
            if self.settled.value == self.players:
                self.all_joined.set()


async def _wait(event, timeout: float) -> None:
    """An event of another process, waited for without blocking this one's loop."""
    deadline = time.monotonic() + timeout
    while not event.is_set():
        if time.monotonic() > deadline:
            raise TimeoutError("waited too long for the other client processes")
        await asyncio.sleep(0.02)


@dataclass
class Hall:
    keys: dict[int, str]
    answer_seconds: int
    rng: random.Random
    delays_ms: list[float] = field(default_factory=list)
    # The same delays by the phase changed to, to tell which change is slow.
    by_phase: dict[str, list[float]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    replies: dict[str, int] = field(default_factory=dict)
    joined: int = 0
    failed: int = 0
    podium: int = 0
    shared: _Shared | None = None

    def delivered(self, message: dict, received: float) -> None:
        # Lobby refreshes (the host hears of each join) are not phase changes.
        if (
            message.get("sent_at") is not None
            and self.shared.recording.is_set()
            and message["phase"] != "lobby"
        ):
            delay = (received - message["sent_at"]) * 1000
            self.delays_ms.append(delay)
            self.by_phase.setdefault(message["phase"], []).append(delay)

    def count(self, what: str) -> None:
        self.replies[what] = self.replies.get(what, 0) + 1


async def _receive(ws) -> tuple[dict, float]:
    text = await ws.recv()
    # The receipt time is taken before parsing, as a phone's would be.
    received = time.time()
    return json.loads(text), received


async def _joined(n: int, url: str, origin: str, gate):
    """A phone's socket, joined, its round trip measured and its first state read."""
    from websockets.asyncio.client import connect

    async with gate:
        ws = await connect(url, origin=origin, open_timeout=300, close_timeout=5)
        player_id = None
        await ws.send(
            json.dumps({"action": "join", "name": f"选手{n}", "unit": UNIT_CODE})
        )
        while True:
            message, _received = await _receive(ws)
            if message["type"] == "joined":
                player_id = message["player"]["id"]
            elif message["type"] == "ping":
                await ws.send(json.dumps({"action": "pong"}))
            elif message["type"] == "state":
                return ws, player_id
            elif message["type"] == "error":
                await ws.close()
                raise RuntimeError(f"player {n} could not join: {message}")


async def _player(n: int, url: str, origin: str, hall: Hall, gate):

    retries = hall.rng.random() < RETRY_SHARE
    try:
        ws, player_id = await _joined(n, url, origin, gate)
    except Exception as error:  # noqa: BLE001 - counted and printed, not hidden
        hall.count(f"join failed ({type(error).__name__})")
        hall.failed += 1
        hall.shared.settled_one()
        return
    hall.joined += 1
    hall.shared.settled_one()

    answered: set[int] = set()
    pending: set[asyncio.Task] = set()

    async def answer(position: int, delay: float):
        await asyncio.sleep(delay)
        key = hall.keys[position]
        right = hall.rng.random() < RIGHT_SHARE
        choice = key if right else next(k for k in "ABCD" if k not in key)
        payload = json.dumps(
            {"action": "answer", "question": position, "choice": choice}
        )
        hall.sent.append(Sent(player_id, position, time.time()))
        await ws.send(payload)
        if retries:
            await ws.send(payload)

    try:
        async for text in ws:
            received = time.time()
            message = json.loads(text)
            kind = message["type"]
            if kind == "state":
                hall.delivered(message, received)
                position = message["index"]
                if message["phase"] == "answering" and position not in answered:
                    answered.add(position)
                    room = (message["ends_in"] or 0) - ANSWER_MARGIN
                    if room > 0:
                        task = asyncio.ensure_future(
                            answer(position, hall.rng.uniform(0.2, max(0.2, room)))
                        )
                        pending.add(task)
                        task.add_done_callback(pending.discard)
                elif message["phase"] == "podium":
                    hall.podium += 1
                    break
            elif kind == "answer":
                hall.count("stored")
            elif kind == "error":
                hall.count(message.get("code", "error"))
    finally:
        for task in pending:
            task.cancel()
        await ws.close()


async def _host(url: str, origin: str, cookie: str, hall: Hall, pause: float):
    from websockets.asyncio.client import connect

    async with connect(
        url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=60
    ) as ws:
        hall.shared.host_ready.set()
        await _wait(hall.shared.all_joined, 1800)
        await asyncio.sleep(0.5)
        hall.shared.recording.set()
        await ws.send(json.dumps({"action": "start"}))
        async for text in ws:
            received = time.time()
            message = json.loads(text)
            if message["type"] != "state":
                continue
            hall.delivered(message, received)
            if message["phase"] in ("reveal", "leaderboard"):
                # The host reads the screen out, then presses 下一步.
                await asyncio.sleep(pause)
                await ws.send(json.dumps({"action": "next"}))
            elif message["phase"] == "podium":
                return


async def _play(args, built: dict, ports: list[int], part: int, shared) -> Hall:
    """Client process `part` of args.clients: the host (in the first) and every
    player whose number falls to this process."""
    hall = Hall(
        keys=built["keys"],
        answer_seconds=args.answer_seconds,
        rng=random.Random(args.seed + part),
        shared=shared,
    )
    gate = asyncio.Semaphore(max(1, JOINS_AT_ONCE // args.clients))

    def where(port: int, path: str) -> tuple[str, str]:
        return f"ws://127.0.0.1:{port}{path}", f"http://127.0.0.1:{port}"

    host = None
    if part == 0:
        host = asyncio.ensure_future(
            _host(
                *where(ports[0], f"/ws/contests/{built['contest']}/host/"),
                built["cookie"],
                hall,
                pause=1.0,
            )
        )
    # The projector is on before the hall joins, as in a real hall.
    await _wait(shared.host_ready, 120)
    players = [
        asyncio.ensure_future(
            _player(
                n,
                *where(ports[n % len(ports)], f"/ws/contests/play/{built['pin']}/"),
                hall,
                gate,
            )
        )
        for n in range(args.players)
        if n % args.clients == part
    ]
    if host is not None:
        try:
            await host
        finally:
            shared.host_done.set()
    else:
        await _wait(shared.host_done, 3600)
    # The podium reaches every phone within moments; a phone that never gets it is
    # a lost delivery and shows in the count of deliveries.
    if players:
        _done, waiting = await asyncio.wait(players, timeout=15)
        for task in waiting:
            task.cancel()
        for task in _done:
            if task.exception() is not None:
                raise task.exception()
    return hall


def _client_process(args, built: dict, ports: list[int], part: int, shared, results):
    """One client process: plays its share of the hall and hands its figures back."""
    try:
        import uvloop

        run = uvloop.run
    except ImportError:  # the stock loop is slower, not wrong
        run = asyncio.run
    try:
        hall = run(_play(args, built, ports, part, shared))
    except BaseException as error:
        shared.host_done.set()
        results.put({"part": part, "error": repr(error)})
        raise
    results.put(
        {
            "part": part,
            "delays_ms": hall.delays_ms,
            "by_phase": hall.by_phase,
            "sent": [(s.player, s.position, s.at) for s in hall.sent],
            "replies": hall.replies,
            "joined": hall.joined,
            "failed": hall.failed,
            "podium": hall.podium,
        }
    )


def _run_client(args, built: dict, ports: list[int]) -> Hall:
    """The hall played from args.clients processes, as phones are separate devices:
    one Python process receiving 500 sockets' messages would itself delay the
    receipts it measures."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    shared = _Shared(context, args.players)
    results = context.Queue()
    processes = [
        context.Process(
            target=_client_process,
            args=(args, built, ports, part, shared, results),
            daemon=True,
        )
        for part in range(args.clients)
    ]
    for process in processes:
        process.start()
    hall = Hall(keys=built["keys"], answer_seconds=args.answer_seconds, rng=None)
    try:
        for _ in processes:
            part = results.get(timeout=3600)
            if "error" in part:
                raise RuntimeError(f"client process {part['part']}: {part['error']}")
            hall.delays_ms += part["delays_ms"]
            for phase, values in part["by_phase"].items():
                hall.by_phase.setdefault(phase, []).extend(values)
            hall.sent += [Sent(*sent) for sent in part["sent"]]
            for what, n in part["replies"].items():
                hall.replies[what] = hall.replies.get(what, 0) + n
            hall.joined += part["joined"]
            hall.failed += part["failed"]
            hall.podium += part["podium"]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    return hall


# --- counting -----------------------------------------------------------------------


def _count(hall: Hall, contest_id: int) -> dict:
    from django.db.models import Count

    from quizzes.contests.models import ContestAnswer, ContestQuestion

    answers = ContestAnswer.objects.filter(contest_id=contest_id)
    stored = answers.count()
    pairs = answers.values("player_id", "question_id").distinct().count()
    per_pair = answers.values("player_id", "question_id").annotate(n=Count("pk"))
    duplicates = sum(row["n"] - 1 for row in per_pair if row["n"] > 1)
    if stored - pairs != duplicates:
        raise RuntimeError("the duplicate count does not add up")
    closed = {
        q.position: q.closed_at.timestamp()
        for q in ContestQuestion.objects.filter(contest_id=contest_id)
        if q.closed_at is not None
    }
    kept = set(answers.values_list("player_id", "question__position"))
    in_time = [s for s in hall.sent if s.at < closed.get(s.position, 0)]
    lost = sum(1 for s in in_time if (s.player, s.position) not in kept)
    return {
        "stored": stored,
        "duplicates": duplicates,
        "lost": lost,
        "sent": len(hall.sent),
        "late": len(hall.sent) - len(in_time),
    }


def _snapshot_queries(contest_id: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quizzes.contests.selectors import phase_snapshot

    with CaptureQueriesContext(connection) as queries:
        phase_snapshot(contest_id=contest_id)
    return len(queries)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    args = _parse()
    if not os.environ.get("REDIS_URL"):
        print(
            "bench contest needs REDIS_URL (the server processes share the contest "
            "through the Redis channel layer), e.g. REDIS_URL=redis://127.0.0.1:6379/0; "
            "需要设置 REDIS_URL。",
            file=sys.stderr,
        )
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-contest-"))
    servers: list[dict] = []
    try:
        vendor = _configure(tmp)
        from django.db import connection

        t0 = time.perf_counter()
        creation = connection.creation
        original_name = connection.settings_dict["NAME"]
        creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=False, serialize=False
        )
        try:
            built = _build(args)
            print(
                f"database {vendor}, migrated and filled in "
                f"{time.perf_counter() - t0:.0f} s; {args.processes} uvicorn "
                f"process(es), Redis {os.environ['REDIS_URL']}",
                flush=True,
            )
            connection.close()
            servers = _start_servers(args, _server_database_url(), tmp)
            ports = [s["port"] for s in servers]
            t1 = time.perf_counter()
            try:
                hall = _run_client(args, built, ports)
            except BaseException:
                for server in servers:
                    print(f"--- server :{server['port']}\n{_log_tail(server)}")
                raise
            played = time.perf_counter() - t1
            figures = [_process_figures(s["process"].pid) for s in servers]
            _stop(servers)
            counted = _count(hall, built["contest"])
            queries = _snapshot_queries(built["contest"])
        finally:
            _stop(servers)
            _forget_keys(_key_prefix())
            connection.close()
            creation.destroy_test_db(original_name, verbosity=0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    delays = hall.delays_ms
    phases = 1 + 4 * args.questions  # reading, answering, reveal, leaderboard…, podium
    print(
        f"played {args.questions} questions with {hall.joined} of {args.players} "
        f"players joined and a host in {played:.0f} s"
    )
    print(
        f"deliveries of phase-change states: {len(delays)} "
        f"(expected {(args.players + 1) * phases}: {phases} changes × "
        f"{args.players + 1} sockets)"
    )
    if delays:
        print(
            "broadcast delay ms: "
            f"min {min(delays):.1f}  median {statistics.median(delays):.1f}  "
            f"p95 {_percentile(delays, 0.95):.1f}  p99 {_percentile(delays, 0.99):.1f}  "
            f"max {max(delays):.1f}"
        )
        for phase, values in sorted(hall.by_phase.items()):
            print(
                f"  {phase}: {len(values)} deliveries, median "
                f"{statistics.median(values):.1f}  p99 {_percentile(values, 0.99):.1f}"
                f"  max {max(values):.1f}"
            )
    print(
        f"answers sent {counted['sent']} (after the close: {counted['late']}), "
        f"stored {counted['stored']}, replies "
        + ", ".join(f"{k} {v}" for k, v in sorted(hall.replies.items()))
    )
    for server, (peak, cpu) in zip(servers, figures, strict=True):
        print(f"process :{server['port']}: RSS peak {peak:.0f} MB, CPU {cpu:.1f} s")
    print(f"queries to read one phase change for all phones of a process: {queries}")
    p99 = _percentile(delays, 0.99) if delays else float("nan")
    print(
        f"players={args.players} answers={counted['stored']} lost={counted['lost']} "
        f"duplicates={counted['duplicates']} broadcast_p99_ms={p99:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
