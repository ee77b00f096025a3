"""WebSocket routes of this app (gathered by config.routing)."""

websocket_urlpatterns: list = []
