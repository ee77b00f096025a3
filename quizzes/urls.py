from django.urls import path, re_path

from . import views_certificates, views_practice

app_name = "quizzes"

urlpatterns: list = [
    path("daily/", views_practice.practice_page, name="practice"),
    path("daily/start/", views_practice.practice_begin, name="practice_start"),
    path("daily/answer/", views_practice.practice_submit, name="practice_answer"),
    path(
        "certificates/",
        views_certificates.certificate_lookup,
        name="certificate_lookup",
    ),
    # Public: anyone holding a certificate's code (typed, or from its QR) may check it.
    re_path(
        r"^certificates/(?P<code>[0-9A-Za-z-]{8,40})/$",
        views_certificates.certificate_verify,
        name="certificate_verify",
    ),
]
