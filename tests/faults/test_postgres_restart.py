"""PostgreSQL restarted while respondents submit: a private cluster (initdb in a
temporary directory, run as the postgres user), two uvicorn workers on it, and
respondents who press 提交 again with the same form until it is accepted. While the
database is down the server answers a clear 503 page; afterwards every accepted answer
is stored exactly once (the form's idempotency key makes a retry safe)."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import psycopg
import pytest
import requests
from django.db import connection

from surveys.models import CampaignUnit, Response
from surveys.services import campaign_create, campaign_open
from tests.factories import make_unit
from tests.surveys.conftest import make_survey

from .clients import submit
from .conftest import server_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

UNIT = "YK-GZ"
CLIENTS = 3
BEFORE, DOWN, AFTER = 2.0, 3.0, 3.0


def _copy_test_database(cluster, name: str) -> None:
    """The test database (migrated, with this test's rows) copied into the private
    cluster: the same schema as a fresh install, in seconds instead of a migrate."""
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    dump = subprocess.run(  # noqa: S603 - the cluster's own pg_dump
        [str(cluster.bindir / "pg_dump"), "--no-owner", "--no-privileges"]
        + ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
        + ["-U", db["USER"], db["NAME"]],
        env=env,
        capture_output=True,
        check=True,
        timeout=120,
    )
    subprocess.run(  # noqa: S603 - the cluster's own psql
        [str(cluster.bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1"]
        + ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", name],
        input=dump.stdout,
        capture_output=True,
        check=True,
        timeout=120,
    )


def test_postgres_restart_during_a_submission_load_loses_and_duplicates_nothing(
    city, postgres_cluster, uvicorn, report
):
    if connection.vendor != "postgresql":
        pytest.skip("the private cluster is filled from the PostgreSQL test database")
    unit = make_unit(UNIT, parent=city, name="故障村", kind_name="村居", headcount=5000)
    campaign = campaign_open(
        campaign=campaign_create(survey=make_survey(), title="故障测评", root_unit=city)
    )
    token = CampaignUnit.objects.get(campaign=campaign, unit=unit).token
    postgres_cluster.createdb("qlxt_faults")
    _copy_test_database(postgres_cluster, "qlxt_faults")
    url = postgres_cluster.url("qlxt_faults")
    # No Redis: this test is about the database; the cache stays in each process.
    # Each worker pools its connections as production does (config.settings.base
    # database_pool): connections broken by the restart must be replaced, not reused.
    # A request waits at most a second for a connection, less than the outage, so the
    # page polled during it meets the database down.
    server = uvicorn(
        server_env(
            DATABASE_URL=url,
            REDIS_URL="",
            DATABASE_POOL_MAX_SIZE="5",
            DATABASE_POOL_TIMEOUT="1",
        ),
        workers=2,
    )
    path = f"/surveys/u/{token}/"

    submissions, lock = [], threading.Lock()
    window: dict[str, float] = {}
    end = time.monotonic() + BEFORE + DOWN + AFTER + 2

    def respondent() -> None:
        while time.monotonic() < end:
            # Retrying for up to 30 s: longer than the restart takes.
            done = submit(server.base, path, retry_until=time.monotonic() + 30)
            with lock:
                submissions.append(done)

    def restart() -> None:
        time.sleep(BEFORE)
        window["stop"] = time.monotonic()
        postgres_cluster.stop()
        window["stopped"] = time.monotonic()
        time.sleep(DOWN)
        window["start"] = time.monotonic()
        postgres_cluster.start()
        window["started"] = time.monotonic()

    threads = [threading.Thread(target=respondent) for _ in range(CLIENTS)]
    threads.append(threading.Thread(target=restart))
    for thread in threads:
        thread.start()
    # While the database is down, the page a person sees: poll it once it is stopped.
    while "stopped" not in window:
        time.sleep(0.05)
    page = requests.get(server.base + path, timeout=10)
    for thread in threads:
        thread.join(timeout=60)

    statuses = [status for s in submissions for status in s.statuses]
    assert all(s.accepted for s in submissions), [
        s.statuses for s in submissions if not s.accepted
    ]
    assert 500 not in statuses, server.output()[-3000:]
    assert all(isinstance(s, int) for s in statuses), statuses
    assert statuses.count(503) >= 1, "no request met the database down"
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    body = page.content.decode()
    assert "服务暂时不可用" in body and "Service temporarily unavailable" in body
    assert "Traceback" not in body and "OperationalError" not in body

    accepted = sorted(s.key for s in submissions)
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        stored = sorted(
            str(key)
            for (key,) in db.execute(
                f"SELECT idempotency_key FROM {Response._meta.db_table}"  # noqa: S608 - table name from the model
                " WHERE campaign_id = %s AND completed_at IS NOT NULL",
                [campaign.pk],
            )
        )
    assert len(set(accepted)) == len(accepted)
    assert stored == accepted  # none lost, none twice

    retried = [s for s in submissions if 503 in s.statuses]
    first_after = min(
        (s.finished for s in submissions if s.finished > window["started"]),
        default=None,
    )
    report(
        "postgres-restart",
        accepted=len(accepted),
        stored=len(stored),
        answered_503=statuses.count(503),
        submissions_retried=len(retried),
        stop_seconds=round(window["stopped"] - window["stop"], 1),
        down_seconds=round(window["started"] - window["stopped"], 1),
        first_accept_after_start_s=round(first_after - window["started"], 1)
        if first_after
        else None,
    )
