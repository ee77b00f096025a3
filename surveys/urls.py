from django.urls import path

from .views import respond

app_name = "surveys"

urlpatterns = [
    path("", respond.index, name="index"),
    path("u/<slug:token>/", respond.unit_link, name="unit_link"),
    path("<int:campaign_id>/", respond.identified, name="identified"),
    path("<int:campaign_id>/code/", respond.code_entry, name="code"),
    path("<int:campaign_id>/code/answer/", respond.code_answer, name="code_answer"),
    path("<int:campaign_id>/thanks/", respond.thanks, name="thanks"),
]
