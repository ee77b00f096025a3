"""URLs of the units admin pages that are not plain listings (mounted under /admin/units/)."""

from django.urls import path

from .views import admin as views

app_name = "units_admin"

urlpatterns = [
    path("import/", views.UnitImportView.as_view(), name="unit_import"),
    path("import/template/", views.unit_template, name="unit_template"),
    path(
        "import/jobs/<uuid:job_id>/",
        views.unit_import_job_status,
        name="unit_import_job",
    ),
    path("export/", views.unit_export, name="unit_export"),
    path("people/import/", views.PersonImportView.as_view(), name="person_import"),
    path("people/import/template/", views.person_template, name="person_template"),
    path("people/export/", views.person_export, name="person_export"),
    path("people/activation-codes/", views.activation_codes, name="activation_codes"),
]
