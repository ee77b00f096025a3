"""Mounted at /api/v1/ by config.urls."""

from django.urls import path

from .api import api

urlpatterns = [path("", api.urls)]
