"""The database down or restarting: requests get a 503 page that says so, not a 500.

While PostgreSQL restarts (a failover, an upgrade, `pg_ctl restart`) every query fails
with OperationalError or InterfaceError. That is an outage, not a bug: the person is told
the service is briefly unavailable and to try again (a questionnaire they submit again
keeps its idempotency key, so a retry never stores a second response), and the log gets
one warning line per request instead of a traceback. Django closes the broken
connection at the end of the request (and CONN_HEALTH_CHECKS checks a persistent one
before reuse), so the next request after the restart connects afresh.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.deprecation import MiddlewareMixin

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def unavailable_response() -> HttpResponse:
    # Rendered without the request: context processors would query the database.
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """Turns a database connection failure raised by a view (or by rendering its
    template) into the 503 page. Other exceptions go on to the 500 handler."""

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning(
            "Database unavailable, answered 503 for %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        )
        return unavailable_response()
