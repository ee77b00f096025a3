"""Login throttling: 10 wrong passwords for one username from one address lock that pair
out for 15 minutes on every login path and on account activation; the right password is
refused meanwhile, another username from the same address still logs in, and the lock
lifts after the cool-off (or with `manage.py axes_reset`)."""

import io
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import AsyncClient, Client
from django.utils import timezone

from tests.factories import make_person
from units.models import Unit
from units.services import activation_codes_issue

pytestmark = pytest.mark.django_db

PASSWORD = "Pw-2026-abc!"
OFFICE = "10.20.30.40"
LOGIN_PATHS = ["/accounts/login/", "/admin/login/", "/_util/login/"]


@pytest.fixture
def people(city, site_home):
    unit = Unit.objects.get(code="YK-JG-01")
    # Both may log in to the admin, so /admin/login/ lets either of them in.
    return (
        make_person("zhang3", unit=unit, role="editor", password=PASSWORD),
        make_person("li4", unit=unit, role="editor", password=PASSWORD),
    )


def post_login(path, username, password, address=OFFICE):
    client = Client(REMOTE_ADDR=address)
    return client.post(path, {"username": username, "password": password})


def fail_ten_times(path, username="zhang3", address=OFFICE):
    replies = [post_login(path, username, "wrong", address) for _ in range(10)]
    return [r.status_code for r in replies]


def logged_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_the_right_password_works_before_any_failure(people, path):
    assert logged_in(post_login(path, "zhang3", PASSWORD))


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_ten_wrong_passwords_then_the_right_one_is_refused(people, path):
    codes = fail_ten_times(path)
    assert codes[:9] == [200] * 9
    assert codes[9] == 429
    reply = post_login(path, "zhang3", PASSWORD)
    assert reply.status_code == 429
    assert "_auth_user_id" not in reply.client.session
    assert "尝试次数过多" in reply.content.decode()


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_another_username_from_the_same_address_still_logs_in(people, path):
    fail_ten_times(path)
    assert logged_in(post_login(path, "li4", PASSWORD))


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_the_same_username_from_another_address_still_logs_in(people, path):
    fail_ten_times(path)
    assert logged_in(post_login(path, "zhang3", PASSWORD, address="10.99.0.1"))


def test_nine_failures_do_not_lock(people):
    for _ in range(9):
        post_login("/accounts/login/", "zhang3", "wrong")
    assert logged_in(post_login("/accounts/login/", "zhang3", PASSWORD))


def test_failures_on_different_login_pages_add_up(people):
    for path in LOGIN_PATHS:
        for _ in range(3):
            post_login(path, "zhang3", "wrong")
    post_login("/accounts/login/", "zhang3", "wrong")
    assert post_login("/admin/login/", "zhang3", PASSWORD).status_code == 429


def test_the_lock_lifts_after_the_fifteen_minute_cool_off(people):
    fail_ten_times("/accounts/login/")
    fourteen = timezone.now() - timedelta(minutes=14)
    AccessAttempt.objects.update(attempt_time=fourteen)
    assert post_login("/accounts/login/", "zhang3", PASSWORD).status_code == 429
    # That refused attempt restarted the cool-off; let a full 15 minutes pass.
    sixteen = timezone.now() - timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=sixteen)
    assert logged_in(post_login("/accounts/login/", "zhang3", PASSWORD))


def test_axes_reset_lifts_every_lock(people):
    fail_ten_times("/accounts/login/")
    call_command("axes_reset", stdout=io.StringIO())
    assert logged_in(post_login("/accounts/login/", "zhang3", PASSWORD))


def test_a_successful_login_clears_earlier_failures(people):
    for _ in range(9):
        post_login("/accounts/login/", "zhang3", "wrong")
    assert logged_in(post_login("/accounts/login/", "zhang3", PASSWORD))
    for _ in range(9):
        post_login("/accounts/login/", "zhang3", "wrong")
    assert logged_in(post_login("/accounts/login/", "zhang3", PASSWORD))


def test_the_lockout_page_is_in_english_for_english_readers(people):
    fail_ten_times("/accounts/login/")
    client = Client(REMOTE_ADDR=OFFICE, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    reply = client.post(
        "/accounts/login/", {"username": "zhang3", "password": PASSWORD}
    )
    text = reply.content.decode()
    assert reply.status_code == 429
    assert "Too many attempts" in text and "15 minutes" in text


def test_the_failure_record_keeps_no_password(people):
    post_login("/accounts/login/", "zhang3", "s3cret-guess")
    assert "s3cret-guess" not in AccessAttempt.objects.get().post_data


def test_the_lockout_page_is_served_under_asgi_too(people):
    # Axes' middleware takes another path under ASGI (uvicorn, daphne).
    async def attempts():
        client = AsyncClient(REMOTE_ADDR=OFFICE)
        for _ in range(10):
            await client.post(
                "/accounts/login/", {"username": "zhang3", "password": "wrong"}
            )
        return await client.post(
            "/accounts/login/", {"username": "zhang3", "password": PASSWORD}
        )

    reply = async_to_sync(attempts)()
    assert reply.status_code == 429
    assert "尝试次数过多" in reply.content.decode()


# --- activation codes --------------------------------------------------------------


@pytest.fixture
def newcomer(city):
    person = make_person("wang5", unit=Unit.objects.get(code="YK-GS-01"))
    person.set_unusable_password()
    person.save()
    [(_, code, _)] = activation_codes_issue(people=[person])
    return person, code


def post_activate(username, code, address=OFFICE):
    client = Client(REMOTE_ADDR=address)
    return client.post(
        "/accounts/activate/",
        {
            "username": username,
            "code": code,
            "password1": "New-pass-2026!",
            "password2": "New-pass-2026!",
        },
    )


def test_ten_wrong_activation_codes_lock_out_even_the_right_code(newcomer):
    person, code = newcomer
    codes = [post_activate("wang5", "WRONG-CODE1").status_code for _ in range(10)]
    assert codes == [200] * 9 + [429]
    reply = post_activate("wang5", code)
    assert reply.status_code == 429
    assert "尝试次数过多" in reply.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_wrong_activation_codes_for_one_username_do_not_block_another(newcomer, city):
    other = make_person("zhao6", unit=Unit.objects.get(code="YK-GS-02"))
    [(_, other_code, _)] = activation_codes_issue(people=[other])
    for _ in range(10):
        post_activate("wang5", "WRONG-CODE1")
    reply = post_activate("zhao6", other_code)
    assert reply.status_code == 302


def test_the_right_code_after_nine_wrong_ones_activates(newcomer):
    person, code = newcomer
    for _ in range(9):
        post_activate("wang5", "WRONG-CODE1")
    assert post_activate("wang5", code).status_code == 302
    person.refresh_from_db()
    assert person.check_password("New-pass-2026!")


def test_wrong_activation_codes_count_towards_the_login_lock(newcomer):
    person, _code = newcomer
    person.set_password(PASSWORD)
    person.save()
    for _ in range(5):
        post_activate("wang5", "WRONG-CODE1")
    for _ in range(5):
        post_login("/accounts/login/", "wang5", "wrong")
    assert post_login("/accounts/login/", "wang5", PASSWORD).status_code == 429
