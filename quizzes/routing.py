"""WebSocket routes of this app (gathered by config.routing)."""

from django.urls import path, re_path

from .contests.consumers import HostConsumer, PlayerConsumer

websocket_urlpatterns = [
    path("ws/contests/<int:contest_id>/host/", HostConsumer.as_asgi()),
    re_path(r"^ws/contests/play/(?P<pin>[0-9]{6})/$", PlayerConsumer.as_asgi()),
]
