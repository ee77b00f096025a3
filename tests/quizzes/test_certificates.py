"""Certificates: the holder's page (issuer, date, score, verification code, QR, download
and share), the public check that shows only the quiz, date, score and a masked name,
the PNG at its old address, and the migration that gives earlier certificates codes."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from PIL import Image

from quizzes.certificates import certificate_issue, name_mask
from quizzes.models import Attempt, AttemptState, Certificate
from tests.courses.conftest import restore_wagtail_roots
from tests.factories import make_person

from .conftest import make_question, make_quiz

pytestmark = pytest.mark.django_db

SUBMITTED_AT = datetime(2026, 3, 8, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def quiz(practice):
    return make_quiz(practice, [make_question("C1"), make_question("C2")], pass_mark=60)


@pytest.fixture
def holder(city):
    from units.models import Unit

    person = make_person("zhangsm", unit=Unit.objects.get(code="YK-GS-01"))
    person.full_name = "张三明"
    person.save(update_fields=["full_name"])
    return person


def _attempt(quiz, person, *, passed=True, number=1, score=85.0, state=None):
    return Attempt.objects.create(
        quiz=quiz,
        user=person,
        number=number,
        state=state or AttemptState.SUBMITTED,
        submitted_at=SUBMITTED_AT,
        question_count=2,
        correct_count=2 if passed else 0,
        score=score if passed else 0.0,
        passed=passed,
        is_first=number == 1,
    )


def _page_url(quiz, attempt):
    return f"{quiz.url}attempts/{attempt.pk}/certificate/page/"


def _verify_url(code):
    return reverse("quizzes:certificate_verify", args=[code])


def _text(response):
    return " ".join(
        BeautifulSoup(response.content, "html.parser").get_text(" ").split()
    )


def test_the_certificate_page_shows_issuer_holder_date_score_and_code(
    client, quiz, holder
):
    attempt = _attempt(quiz, holder)
    client.force_login(holder)

    response = client.get(_page_url(quiz, attempt))

    assert response.status_code == 200
    certificate = Certificate.objects.get(attempt=attempt)
    page = BeautifulSoup(response.content, "html.parser")
    card = page.select_one("article.certificate")
    assert card.select_one(".certificate__issuer").get_text() == "清廉学堂"
    assert card.select_one(".certificate__holder").get_text() == "张三明"
    facts = {
        div.dt.get_text(): div.dd.get_text(strip=True)
        for div in card.select(".certificate__facts div")
    }
    assert facts == {
        "成绩": "85 分",
        "日期": "2026年3月8日",
        "颁发机构": "清廉学堂",
        "验证码": certificate.display_code,
    }
    assert len(certificate.code) == 12
    assert certificate.display_code == "-".join(
        [certificate.code[:4], certificate.code[4:8], certificate.code[8:]]
    )
    assert card.select_one(".certificate__qr svg") is not None
    verify = f"http://testserver{_verify_url(certificate.display_code)}"
    assert page.select_one("#verify-link")["value"] == verify
    share = page.select_one("[data-share]")
    assert share["data-share-url"] == verify
    download = page.select_one("a[download]")
    assert download["href"] == f"{quiz.url}attempts/{attempt.pk}/certificate/"
    # Sharing is a script file, never inline script.
    assert all(script.has_attr("src") for script in page.select("script"))


def test_the_issuer_is_a_setting_kept_on_the_certificate(
    client, quiz, holder, settings
):
    attempt = _attempt(quiz, holder)
    settings.CERTIFICATE_ISSUER = "永康市纪委监委"
    client.force_login(holder)
    client.get(_page_url(quiz, attempt))
    settings.CERTIFICATE_ISSUER = "另一机构"

    html = client.get(_page_url(quiz, attempt)).content.decode()

    assert "永康市纪委监委" in html and "另一机构" not in html
    assert Certificate.objects.filter(attempt=attempt).count() == 1


def test_opening_the_page_again_keeps_the_code(client, quiz, holder):
    attempt = _attempt(quiz, holder)
    client.force_login(holder)
    client.get(_page_url(quiz, attempt))
    first = Certificate.objects.get(attempt=attempt).code
    client.get(_page_url(quiz, attempt))
    assert list(Certificate.objects.values_list("code", flat=True)) == [first]


def test_a_failed_or_someone_elses_attempt_has_no_certificate_page(
    client, quiz, holder
):
    failed = _attempt(quiz, holder, passed=False)
    client.force_login(holder)
    assert client.get(_page_url(quiz, failed)).status_code == 404

    passed = _attempt(quiz, holder, number=2)
    client.force_login(make_person("other"))
    assert client.get(_page_url(quiz, passed)).status_code == 404
    assert Certificate.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_log_in(client, quiz, holder):
    attempt = _attempt(quiz, holder)
    response = client.get(_page_url(quiz, attempt))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_genuine_code_shows_quiz_date_score_and_masked_name_only(
    client, quiz, holder
):
    attempt = _attempt(quiz, holder)
    certificate = certificate_issue(attempt=attempt)

    response = client.get(_verify_url(certificate.display_code))

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    page = BeautifulSoup(response.content, "html.parser")
    facts = {
        div.dt.get_text(): div.dd.get_text(strip=True)
        for div in page.select(".verify__facts div")
    }
    assert facts == {
        "验证码": certificate.display_code,
        "持证人": "张*明",
        "测验": "八项规定测验",
        "日期": "2026年3月8日",
        "成绩": "85 分",
    }
    assert "真实有效" in _text(response)
    text = response.content.decode()
    for private in ("张三明", "zhangsm", "胡库村", "YK-GS-01", str(attempt.pk)):
        assert private not in text


def test_a_code_typed_in_lower_case_without_dashes_is_found(client, quiz, holder):
    certificate = certificate_issue(attempt=_attempt(quiz, holder))
    response = client.get(_verify_url(certificate.code.lower()))
    assert response.status_code == 200 and "张*明" in response.content.decode()


def test_an_unknown_code_is_not_genuine_with_a_404(client, quiz, holder):
    certificate_issue(attempt=_attempt(quiz, holder))

    response = client.get(_verify_url("ABCD-EFGH-JKMN"))

    assert response.status_code == 404
    text = _text(response)
    assert "未通过验证" in text
    assert "没有找到验证码为 ABCD-EFGH-JKMN 的证书" in text
    assert "这不是本平台颁发的真实证书" in text
    assert "张" not in BeautifulSoup(response.content, "html.parser").main.get_text()


def test_the_lookup_form_sends_a_typed_code_to_its_check(client, quiz, holder):
    certificate = certificate_issue(attempt=_attempt(quiz, holder))
    lookup = reverse("quizzes:certificate_lookup")
    assert client.get(lookup).status_code == 200
    response = client.get(lookup, {"code": f" {certificate.display_code.lower()} "})
    assert response.status_code == 302
    assert response.url == _verify_url(certificate.code)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三明", "张*明"),
        ("张三", "张*"),
        ("欧阳小明", "欧**明"),
        ("李", "*"),
        ("Ann Lee", "A*****e"),
    ],
)
def test_names_are_masked_keeping_first_and_last_character(name, masked):
    assert name_mask(name=name) == masked


def test_the_png_keeps_its_old_address_and_carries_the_code(client, quiz, holder):
    attempt = _attempt(quiz, holder)
    client.force_login(holder)

    response = client.get(f"{quiz.url}attempts/{attempt.pk}/certificate/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1600, 1131)
    code = Certificate.objects.get(attempt=attempt).code
    assert f"certificate-{code}.png" in response["Content-Disposition"]


def test_the_review_of_a_passed_attempt_links_to_the_certificate_page(
    client, quiz, holder
):
    attempt = _attempt(quiz, holder)
    client.force_login(holder)
    page = BeautifulSoup(
        client.get(f"{quiz.url}attempts/{attempt.pk}/review/").content, "html.parser"
    )
    links = [a["href"] for a in page.select("a") if a.get_text() == "查看结业证书"]
    assert links == [_page_url(quiz, attempt)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_earlier_passed_attempts_the_number_their_png_showed(
    request, client
):
    restore_wagtail_roots()
    quiz = make_quiz(request.getfixturevalue("practice"), [make_question("M1")])
    holder, other = make_person("holder"), make_person("other")
    executor = MigrationExecutor(connection)
    leaves = [n for n in executor.loader.graph.leaf_nodes() if n[0] == "quizzes"]
    before = ("quizzes", "0005_daily_practice")
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model(
            "quizzes", "Attempt"
        )

        def attempt(person, number, *, state="submitted", passed=True):
            return old.objects.create(
                quiz_id=quiz.pk,
                user_id=person.pk,
                number=number,
                state=state,
                submitted_at=SUBMITTED_AT if state == "submitted" else None,
                score=90.0 if passed else 10.0,
                passed=passed,
            ).pk

        passed = [attempt(holder, 1), attempt(other, 1)]
        failed = attempt(holder, 2, passed=False)
        open_one = attempt(holder, 3, state="in_progress", passed=False)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)

    codes = dict(Certificate.objects.values_list("attempt_id", "code"))
    assert codes == {pk: pk.hex[:12].upper() for pk in passed}
    assert failed not in codes and open_one not in codes
    first = Certificate.objects.get(attempt_id=passed[0])
    assert first.holder_name == "姓名holder" and first.issuer == "清廉学堂"
    assert first.issued_at == SUBMITTED_AT
    # The number printed on the old PNG now verifies it.
    response = client.get(_verify_url(passed[0].hex[:12].upper()))
    assert response.status_code == 200 and "姓******r" in response.content.decode()
