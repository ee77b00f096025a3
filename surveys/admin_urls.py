"""Admin pages of campaigns beyond their listings (mounted under /admin/surveys/)."""

from django.urls import path

from .views import admin as views
from .views import paper

app_name = "surveys_admin"

urlpatterns = [
    path("campaigns/<int:campaign_id>/", views.dashboard, name="dashboard"),
    path("campaigns/<int:campaign_id>/open/", views.open_campaign, name="open"),
    path("campaigns/<int:campaign_id>/close/", views.close_campaign, name="close"),
    path(
        "campaigns/<int:campaign_id>/distribution/",
        views.distribution,
        name="distribution",
    ),
    path(
        "campaigns/<int:campaign_id>/qr/<str:unit_code>.<str:file_format>",
        views.qr_code,
        name="qr",
    ),
    path("campaigns/<int:campaign_id>/posters/", views.posters, name="posters"),
    path("campaigns/<int:campaign_id>/codes/", views.codes, name="codes"),
    path(
        "campaigns/<int:campaign_id>/import/",
        views.ResponseImportView.as_view(),
        name="import_responses",
    ),
    path(
        "campaigns/<int:campaign_id>/paper-template.xlsx",
        paper.paper_template,
        name="paper_template",
    ),
    path("campaigns/<int:campaign_id>/export/", views.export, name="export"),
    path("campaigns/<int:campaign_id>/scorecard/", views.scorecard, name="scorecard"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("survey-import/", views.SurveyImportView.as_view(), name="survey_import"),
    path("survey-export/<int:survey_id>/", views.survey_export, name="survey_export"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
]
