"""Endpoints of the learning app that are not pages. The course index itself is the
CourseIndexPage at /learn/, so no empty path here."""

from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("my-learning/", views.my_learning, name="my_learning"),
    path(
        "lessons/<int:page_id>/complete/", views.lesson_complete, name="lesson_complete"
    ),
    path("api/lessons/<int:page_id>/media/", views.media_report, name="media_report"),
    path("story-submissions/", views.my_submissions, name="my_submissions"),
    path("story-submissions/new/", views.story_submit, name="story_submit"),
    path("pending-photos/<path:name>", views.pending_photo, name="pending_photo"),
]
