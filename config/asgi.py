"""ASGI entry point: HTTP through Django, WebSockets through each app's routing."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from config.http import get_application  # noqa: E402

# Django must be set up before the routing modules import models. HTTP goes through
# Django's own handler with our middleware run synchronously in a fixed set of threads
# (config/http.py says why).
django_http_app = get_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from courses.asgi import LessonCacheApp  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Stored lesson pages are answered before the handler (courses.asgi).
        "http": LessonCacheApp(django_http_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
