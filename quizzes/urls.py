from django.urls import path, re_path

from . import views_certificates

app_name = "quizzes"

urlpatterns: list = [
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
