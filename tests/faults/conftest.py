"""Servers the fault tests start, stop and start again themselves: a private
redis-server, a private PostgreSQL cluster and uvicorn processes, each on a spare port
of its own, never the machine's shared Redis or PostgreSQL.

The binaries come from the system (CI installs redis-server and PostgreSQL). Without
them a test is skipped with the reason; in CI (CI set) a missing binary is a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
# Spare ports, clear of the usual 6379 / 5432 / 8000: the first free one is taken.
REDIS_PORTS = range(6391, 6400)
POSTGRES_PORTS = range(55431, 55440)
HTTP_PORTS = range(8160, 8170)
# Loading Django in a fresh process takes a few seconds, far more on a busy machine.
STARTUP_SECONDS = 90


def missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (CI installs it)")
    pytest.skip(f"needs {what}")


def free_port(ports: range, taken: set[int] = frozenset()) -> int:
    # pytest-xdist workers start from different ends of the range so that two of them
    # probing at once rarely pick the same port.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    order = list(ports)
    if worker % 2:
        order.reverse()
    for port in order:
        if port in taken:
            continue
        with closing(socket.socket()) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {ports.start}–{ports.stop - 1}")


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"exited with {process.returncode}: {output[-2000:]}")
        with closing(socket.socket()) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


class RedisServer:
    """A redis-server that keeps nothing on disk, so a restart starts empty, as a
    crashed production Redis without persistence would."""

    def __init__(self, binary: str, port: int):
        self.binary, self.port = binary, port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed arguments
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", tempfile.gettempdir()],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.process, timeout=10)

    def stop(self) -> None:
        """SIGTERM: Redis closes every connection and exits (nothing saved)."""
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server")
    server = RedisServer(binary, free_port(REDIS_PORTS))
    server.start()
    yield server
    server.stop()


def postgres_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """A throwaway cluster in a temporary directory. PostgreSQL refuses to run as root,
    so as root it runs as the `postgres` system user, who then owns the directory."""

    def __init__(self, bindir: Path, port: int):
        self.bindir, self.port = bindir, port
        self.directory = Path(tempfile.mkdtemp(prefix="qlxt-faults-pg-"))
        self.data = self.directory / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603 - the cluster's own binaries
            [*self.as_user, *args],
            check=True,
            capture_output=True,
            timeout=timeout,
            cwd=self.directory,
        )

    def _ctl(self, *args: str) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", *args)

    def init(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off"
        )
        self._ctl("-o", options, "-l", str(self.directory / "log"), "start")

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut, their transactions roll back."""
        self._ctl("-m", "fast", "stop")

    def createdb(self, name: str) -> None:
        self._run(
            str(self.bindir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            name,
        )

    def destroy(self) -> None:
        try:
            self._ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def postgres_cluster():
    bindir = postgres_bin()
    if bindir is None:
        missing("PostgreSQL's server binaries (initdb, pg_ctl)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing("runuser (to run PostgreSQL as the postgres user)")
    cluster = PostgresCluster(bindir, free_port(POSTGRES_PORTS))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def server_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONUNBUFFERED": "1",
        # The circuit (config.outages) probes Redis again after one second, not five,
        # so a test sees recovery quickly.
        "REDIS_RETRY_SECONDS": "1",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    env.update(extra)
    return env


class Uvicorn:
    def __init__(self, port: int, env: dict[str, str], workers: int = 1):
        self.port, self.env, self.workers = port, env, workers
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "uvicorn", "config.asgi:application"]
            + ["--host", "127.0.0.1", "--port", str(self.port)]
            + ["--workers", str(self.workers), "--ws", "websockets"]
            + ["--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        # Bound early by the supervisor; ready once a worker has loaded Django and
        # answers (any status: the database may be the thing under test).
        try:
            wait_for_port(self.port, self.process, timeout=STARTUP_SECONDS)
        except RuntimeError as error:
            raise RuntimeError(f"uvicorn: {error}\n{self.output()[-2000:]}") from None
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                requests.get(self.base + "/", timeout=STARTUP_SECONDS)
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError(self.output()[-2000:]) from None
                time.sleep(0.2)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.process = None


@pytest.fixture
def uvicorn():
    started: list[Uvicorn] = []
    taken: set[int] = set()

    def start(env: dict[str, str], workers: int = 1) -> Uvicorn:
        port = free_port(HTTP_PORTS, taken)
        taken.add(port)
        server = Uvicorn(port, env, workers)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


def shared_database_url() -> str:
    """The URL of pytest-django's test database, for server processes to share it."""
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def report(request):
    """Prints a test's measured figures (shown with -s, and in the captured output of a
    failure) so docs/faults.md can quote them."""

    def emit(name: str, **figures) -> None:
        line = " ".join(f"{key}={value}" for key, value in figures.items())
        print(f"\n[faults] {name}: {line}")  # noqa: T201 - the figures are the point

    return emit
