"""Quiz admin pages that are not snippet listings (mounted under /admin/quizzes/)."""

from django.urls import path

from . import admin_views as views

app_name = "quizzes_admin"

urlpatterns = [
    path("import/", views.QuestionImportView.as_view(), name="import"),
    path("template/", views.question_template, name="template"),
    path("export/", views.question_export, name="export"),
    path("reports/", views.report_index, name="reports"),
    path("reports/<int:quiz_id>/", views.report_detail, name="report"),
    path("reports/<int:quiz_id>/export/", views.report_export, name="report_export"),
]
