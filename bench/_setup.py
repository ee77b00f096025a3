"""Shared set-up of the benchmarks: Django, and a throwaway database beside the real one."""

import os
import statistics
import time
from contextlib import contextmanager


def configure_database() -> None:
    """Set up Django and point the test-database name at `bench_<name>`, so a benchmark
    builds and drops its own database and never touches the configured one."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    name = str(database["NAME"])
    if database["ENGINE"].endswith("sqlite3"):
        if name in ("", ":memory:") or "memory" in name:
            raise SystemExit(
                "Set DATABASE_URL to a SQLite file (an in-memory database is not a fair test)."
            )
        bench_name = os.path.join(
            os.path.dirname(name), "bench_" + os.path.basename(name)
        )
    else:
        bench_name = f"bench_{name}"
    database.setdefault("TEST", {})["NAME"] = bench_name


@contextmanager
def throwaway_database(*, keep: bool = False):
    """Create the bench database (see configure_database), and drop it afterwards unless
    `keep` is set, so a benchmark never leaves gigabytes behind."""
    from django.db import connection

    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        if not keep:
            creation.destroy_test_db(original_name, verbosity=0)


def time_call(fn, runs: int) -> tuple[float, float, int]:
    """Median and worst seconds of `runs` calls after one warm-up, and queries per call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            fn()
            timings.append(time.perf_counter() - t0)
    return statistics.median(timings), max(timings), len(queries)


def village_tree(*, towns: int, units_per_town: int):
    """A city of `towns` towns, each with `units_per_town` 村居 of 60 people.

    Returns (root, leaf units)."""
    from tests.factories import kind
    from units.models import Unit

    root = Unit.add_root(instance=Unit(code="B", name="基准市", kind=kind("其他")))
    units = []
    for t in range(towns):
        root.refresh_from_db()
        town = root.add_child(
            instance=Unit(code=f"B-{t}", name=f"镇{t}", kind=kind("其他"))
        )
        for u in range(units_per_town):
            town.refresh_from_db()
            units.append(
                town.add_child(
                    instance=Unit(
                        code=f"B-{t}-{u:02d}",
                        name=f"村{t}{u:02d}",
                        kind=kind("村居"),
                        headcount=60,
                    )
                )
            )
    return root, units
