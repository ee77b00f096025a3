"""WebSocket routes of this app (gathered by config.routing)."""

from django.urls import path

from .consumers import ScorecardConsumer

websocket_urlpatterns = [
    path("ws/surveys/campaigns/<int:campaign_id>/", ScorecardConsumer.as_asgi()),
]
