"""A real site for the journeys: the demo a new user gets from `make run`, served by
uvicorn against PostgreSQL and Redis as production serves it, driven by Debian's Chromium
at phone size.

The site runs in its own database (the test database's name + ``_journeys``), migrated
and filled by `load_demo` once per session, and dropped at the end; the journeys read
what they stored there with plain SQL. They run in CI's PostgreSQL + Redis pass; on
SQLite or without Redis they are skipped (a server process cannot share the SQLite test
database, and the live scorecard and contests need the Redis layer across processes).

To iterate on one journey against a site you already run, set JOURNEYS_BASE_URL and
JOURNEYS_DATABASE_URL (the demo password is ``DEMO_ADMIN_PASSWORD``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.e2e.shoot import ARGS, CHROMIUM
from tests.servers import ROOT, free_port, processes_stop, uvicorn_start

SHOTS = ROOT / "var" / "shots" / "journeys"
PASSWORD = "journeys-demo-2026"  # noqa: S105 - a throwaway demo site's password
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.xdist_group("journeys")


def _need(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"journeys need {what} (installed by .ci/run)")
    pytest.skip(f"journeys need {what}")


class Site:
    """The served demo site: its address and a SQL connection to its database."""

    def __init__(self, base_url: str, database_url: str, password: str):
        import psycopg

        self.base_url = base_url.rstrip("/")
        self.database_url = database_url
        self.password = password
        self._db = psycopg.connect(database_url, autocommit=True)

    def url(self, path: str) -> str:
        return self.base_url + path

    def sql(self, query: str, *params):
        with self._db.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def one(self, query: str, *params):
        rows = self.sql(query, *params)
        assert rows, f"no row for {query} {params}"
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def close(self):
        self._db.close()


def _server_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(scope="session")
def site():
    if os.environ.get("JOURNEYS_BASE_URL"):
        running = Site(
            os.environ["JOURNEYS_BASE_URL"],
            os.environ["JOURNEYS_DATABASE_URL"],
            os.environ.get("DEMO_ADMIN_PASSWORD", PASSWORD),
        )
        yield running
        running.close()
        return
    server = _server_url()
    if not server or not os.environ.get("REDIS_URL"):
        pytest.skip(
            "journeys run in the PostgreSQL + Redis pass: a served site cannot share "
            "the SQLite test database, and live pages need the Redis layer"
        )
    _need(CHROMIUM, Path(CHROMIUM).exists())
    import psycopg

    parts = urlsplit(server)
    name = f"{parts.path.lstrip('/') or 'qlxt'}_journeys_{os.getpid()}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    database_url = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    # Its own Redis database, so the suite's cache flushes never touch the site's keys.
    redis = urlsplit(os.environ["REDIS_URL"])._replace(path="/14")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url,
        "REDIS_URL": urlunsplit(redis),
        "CACHE_KEY_PREFIX": name,
        "DEMO_ADMIN_PASSWORD": PASSWORD,
        "MEDIA_ROOT": str(ROOT / "var" / "journeys-media" / str(os.getpid())),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run(  # noqa: S603 - our own manage.py
            manage + command, cwd=ROOT, env=env, check=True, capture_output=True
        )
    worker = subprocess.Popen(  # noqa: S603 - the background-task worker, as make run
        manage + ["db_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes = [worker]
    try:
        port = free_port()
        processes.append(uvicorn_start(port, env))
        served = Site(f"http://127.0.0.1:{port}", database_url, PASSWORD)
        yield served
        served.close()
    finally:
        processes_stop(processes, timeout=15)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def browser(site):
    # Per test, not per session: Playwright's sync API runs an event loop in this
    # thread while it is open, and later tests on the same worker that call
    # async_to_sync would fail while it ran.
    _need(CHROMIUM, Path(CHROMIUM).exists())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def phone(browser):
    """A fresh phone: its own cookies, Chinese locale, touch."""
    contexts = []

    def new():
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=1,
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    """Save what the person sees now, as var/shots/journeys/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def log_in(page, site: Site, username: str, next_path: str = "/") -> None:
    page.goto(site.url(f"/accounts/login/?next={next_path}"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.password)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
