"""Background tasks of the units app, run by `manage.py db_worker --backend background`."""

from __future__ import annotations

from django_tasks import task

from .services import unit_import_job_run


@task(backend="background")
def unit_import_job(job_id: str) -> str:
    """Check or write one large units file (UnitImportJob); returns its final state."""
    return unit_import_job_run(job_id=job_id)
