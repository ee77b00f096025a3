"""Quiz admin pages that are not snippet listings (mounted under /admin/quizzes/)."""

from django.urls import path

from . import admin_views as views
from .contests import admin_views as contests

app_name = "quizzes_admin"

urlpatterns = [
    path("import/", views.QuestionImportView.as_view(), name="import"),
    path("template/", views.question_template, name="template"),
    path("export/", views.question_export, name="export"),
    path("reports/", views.report_index, name="reports"),
    path("reports/<int:quiz_id>/", views.report_detail, name="report"),
    path("reports/<int:quiz_id>/export/", views.report_export, name="report_export"),
    path("contests/", contests.contest_list, name="contests"),
    path("contests/new/", contests.contest_new, name="contest_new"),
    path(
        "contests/<int:contest_id>/screen/",
        contests.contest_screen,
        name="contest_screen",
    ),
    path(
        "contests/<int:contest_id>/results/",
        contests.contest_results,
        name="contest_results",
    ),
    path(
        "contests/<int:contest_id>/results/export/",
        contests.contest_results_export,
        name="contest_results_export",
    ),
]
