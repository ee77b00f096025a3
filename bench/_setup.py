"""Shared set-up of the benchmarks: Django, and a throwaway database beside the real one."""

import os


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
