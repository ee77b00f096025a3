"""Real server processes for tests that need one: uvicorn started from our own
interpreter, as production serves the site, against the test database.

Used by the two-process contest test, the phone's browser test and the journeys."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A loaded CI machine can take a minute or more to import Wagtail and Channels.
START_SECONDS = 180


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    """The URL of the PostgreSQL test database this test runs in, for a server process."""
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


def uvicorn_start(port: int, env: dict) -> subprocess.Popen:
    """Start `uvicorn config.asgi:application` on 127.0.0.1:PORT and return once it
    accepts connections; a process that dies first raises with its output."""
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
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(process.stdout.read().decode())
        with closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the server on {port} did not start")
        time.sleep(0.2)


def processes_stop(processes: list[subprocess.Popen], timeout: float = 30) -> None:
    """Terminate, then kill what a busy machine keeps past uvicorn's graceful shutdown:
    the test is over."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
