"""Views for tests/config/test_http.py: each tells which thread and connection served it."""

import threading
import time

from django.db import connection
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def where(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse(
        {
            "thread": threading.get_ident(),
            "thread_name": threading.current_thread().name,
            "connection": id(connection.connection),
        }
    )


def slow(request):
    time.sleep(0.1)
    return JsonResponse({"thread": threading.get_ident()})


def boom(request):
    raise RuntimeError("a view that fails")


@csrf_exempt
def echo(request):
    return HttpResponse(str(len(request.body)))


def stream(request):
    return StreamingHttpResponse(f"part {i};" for i in range(5))


urlpatterns = [
    path("where/", where),
    path("slow/", slow),
    path("boom/", boom),
    path("echo/", echo),
    path("stream/", stream),
]
