"""Content-Security-Policy: one policy for the public site and respondent pages, another
for the Wagtail admin, chosen by path (settings CONTENT_SECURITY_POLICY and
CONTENT_SECURITY_POLICY_ADMIN; docs/deploy.md).

The public policy allows scripts from our own static files only. Wagtail 8 still writes
inline <script> blocks in the page editor (InlinePanel, the date and time widgets) and
style attributes in its own templates, without nonces, so the admin policy has to allow
'unsafe-inline' there; everything else stays as strict as on the public site.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


def is_admin_path(path: str) -> bool:
    return path.startswith(settings.CSP_ADMIN_PREFIX)


class SitePolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if parts.config is None and is_admin_path(request.path_info):
            parts.config = dict(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        # Live scorecards and contests talk over a WebSocket to this same host. Older
        # browsers do not count ws:/wss: as 'self', so the socket's own origin is named:
        # wss: behind TLS, ws: in development, never any other host.
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        update["connect-src"] = [f"{scheme}://{request.get_host()}"]
        parts.update = update
        return parts
