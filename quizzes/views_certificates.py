"""Certificates: the holder's page and picture (sub-routes of the quiz page), and the
public check of a code. Thin: quizzes.certificates issues and finds them."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from . import selectors
from .certificates import (
    certificate_by_code,
    certificate_issue,
    certificate_png,
    certificate_qr,
    code_normalise,
    name_mask,
)
from .models import AttemptState


def _passed_attempt(request, *, quiz, attempt_id):
    attempt = selectors.attempt_for(user=request.user, quiz=quiz, attempt_id=attempt_id)
    if attempt is None or attempt.state != AttemptState.SUBMITTED or not attempt.passed:
        raise Http404
    return attempt


def _verify_url(request, certificate) -> str:
    return request.build_absolute_uri(
        reverse("quizzes:certificate_verify", args=[certificate.display_code])
    )


def certificate_page(request, *, quiz, attempt_id):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    attempt = _passed_attempt(request, quiz=quiz, attempt_id=attempt_id)
    certificate = certificate_issue(attempt=attempt)
    verify_url = _verify_url(request, certificate)
    return quiz.render(
        request,
        template="quizzes/certificate.html",
        context_overrides={
            "attempt": attempt,
            "certificate": certificate,
            "verify_url": verify_url,
            "qr_svg": certificate_qr(url=verify_url).svg_inline(
                scale=4, omitsize=True, dark="#1b5e3f", title=verify_url
            ),
            "png_url": quiz.url
            + quiz.reverse_subpage(
                "certificate_png", kwargs={"attempt_id": attempt.pk}
            ),
            "png_name": f"certificate-{certificate.code}.png",
        },
    )


def certificate_picture(request, *, quiz, attempt_id):
    """The certificate as a PNG, at the address certificates have always had."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    attempt = _passed_attempt(request, quiz=quiz, attempt_id=attempt_id)
    certificate = certificate_issue(attempt=attempt)
    png = certificate_png(
        name=certificate.holder_name,
        quiz_title=quiz.title,
        score=attempt.score,
        when=attempt.submitted_at,
        code=certificate.display_code,
        issuer=certificate.issuer,
        verify_url=_verify_url(request, certificate),
        lookup_url=request.build_absolute_uri(reverse("quizzes:certificate_lookup")),
    )
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = content_disposition_header(
        False, f"certificate-{certificate.code}.png"
    )
    response["Cache-Control"] = "private"
    return response


@require_GET
def certificate_lookup(request):
    """A code typed from paper: on to its check page (which says if it is unknown)."""
    code = code_normalise(code=request.GET.get("code", ""))[:40]
    if not code:
        return render(request, "quizzes/certificate_verify.html", {"lookup": True})
    return redirect("quizzes:certificate_verify", code=code)


@require_GET
def certificate_verify(request, code: str):
    """Public: is this a genuine certificate? Shows the quiz, date, score and the
    holder's masked name, and nothing else about the person."""
    certificate = certificate_by_code(code=code)
    if certificate is None:
        response = render(
            request,
            "quizzes/certificate_verify.html",
            {"code": code, "genuine": False},
            status=404,
        )
    else:
        attempt = certificate.attempt
        response = render(
            request,
            "quizzes/certificate_verify.html",
            {
                "code": certificate.display_code,
                "genuine": True,
                "quiz_title": attempt.quiz.title,
                "issued_on": attempt.submitted_at,
                "score": attempt.score,
                "holder": name_mask(name=certificate.holder_name),
                "issuer": certificate.issuer,
            },
        )
    # Scanned codes should not end up in search engines or shared caches.
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
