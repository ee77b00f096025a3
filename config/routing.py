"""WebSocket routes of every app, gathered in one list for config.asgi."""

from quizzes.routing import websocket_urlpatterns as quiz_ws
from surveys.routing import websocket_urlpatterns as survey_ws

websocket_urlpatterns = [*quiz_ws, *survey_ws]
