from django.urls import path, re_path

from . import views_certificates, views_practice
from .contests import views_player

app_name = "quizzes"

# Mounted at the site root (config/urls.py): the practice pages live under practice/,
# the live contests a hall joins by PIN under contests/.
urlpatterns: list = [
    path("practice/daily/", views_practice.practice_page, name="practice"),
    path("practice/daily/start/", views_practice.practice_begin, name="practice_start"),
    path(
        "practice/daily/answer/", views_practice.practice_submit, name="practice_answer"
    ),
    path(
        "practice/certificates/",
        views_certificates.certificate_lookup,
        name="certificate_lookup",
    ),
    # Public: anyone holding a certificate's code (typed, or from its QR) may check it.
    re_path(
        r"^practice/certificates/(?P<code>[0-9A-Za-z-]{8,40})/$",
        views_certificates.certificate_verify,
        name="certificate_verify",
    ),
    # Live contests, public: a phone joins by the projector's PIN (or its QR code).
    path("contests/join/", views_player.contest_join, name="contest_join"),
    re_path(
        r"^contests/play/(?P<pin>[0-9]{6})/$",
        views_player.contest_play,
        name="contest_play",
    ),
    re_path(
        r"^contests/play/(?P<pin>[0-9]{6})/units/$",
        views_player.contest_units,
        name="contest_units",
    ),
]
