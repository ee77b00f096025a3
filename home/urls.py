from django.urls import path

from . import views

app_name = "home"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("search/", views.search, name="search"),
]
