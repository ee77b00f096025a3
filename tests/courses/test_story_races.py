"""A story form posted several times at once makes one story and clear answers; stories
whose one-time keys share a prefix still get slugs of their own."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from wagtail.images import get_image_model

from courses import services
from courses.models import StoryPage, StorySubmission
from tests.factories import make_person
from units.models import Unit

from .conftest import restore_wagtail_roots
from .test_submissions import upload

TEXT = "奶奶常说：不是自己的不要拿，答应别人的要做到，吃饭不要剩。"
PARALLEL_POSTS = 5

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time, so parallel posts cannot overlap",
)


@pytest.fixture
def stories(request):
    # After an earlier transactional test's flush, Wagtail's root page is gone.
    restore_wagtail_roots()
    return request.getfixturevalue("learning")["story_index"]


def _form(token, title="奶奶的三句话"):
    return {
        "token": str(token),
        "title": title,
        "place": "",
        "text": TEXT,
        "images": [upload()],
    }


def _post_in_parallel(users_and_forms):
    barrier = threading.Barrier(len(users_and_forms))
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def post(user, data):
        try:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            barrier.wait(timeout=10)
            response = client.post(reverse("courses:story_submit"), data)
            answers.append((response.status_code, response.get("Location", "")))
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=pair) for pair in users_and_forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return answers


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_form_posted_five_times_at_once_makes_one_story(stories):
    learner = make_person("villager", unit=Unit.objects.get(code="YK-GS-01"))
    token = uuid.uuid4()
    answers = _post_in_parallel(
        [(learner, _form(token)) for _ in range(PARALLEL_POSTS)]
    )
    assert answers == [(302, reverse("courses:my_submissions"))] * PARALLEL_POSTS
    submission = StorySubmission.objects.get()
    assert submission.token == token and submission.user == learner
    assert StoryPage.objects.filter(live=False).count() == 1
    assert get_image_model().objects.filter(collection__name="故事投稿").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_five_learners_submitting_at_once_each_get_their_story(stories):
    unit = Unit.objects.get(code="YK-GS-01")
    learners = [make_person(f"villager{n}", unit=unit) for n in range(PARALLEL_POSTS)]
    answers = _post_in_parallel([(p, _form(uuid.uuid4())) for p in learners])
    assert answers == [(302, reverse("courses:my_submissions"))] * PARALLEL_POSTS
    assert StorySubmission.objects.count() == PARALLEL_POSTS
    assert StoryPage.objects.filter(live=False).count() == PARALLEL_POSTS


@pytest.mark.django_db
def test_tokens_sharing_their_first_12_hex_digits_make_different_slugs(
    stories, villager
):
    first = uuid.UUID("0123456789ab" + "0" * 20)
    second = uuid.UUID("0123456789ab" + "f" * 20)
    slugs = [
        services.story_submit(
            user=villager,
            index=stories,
            title="我家的家训",
            text=TEXT,
            images=[],
            token=token,
        ).page.slug
        for token in (first, second)
    ]
    assert slugs == [f"submission-{first.hex}", f"submission-{second.hex}"]
    assert StorySubmission.objects.count() == 2


@pytest.mark.django_db
def test_another_persons_token_is_refused_with_a_message(
    client, stories, villager, official
):
    token = uuid.uuid4()
    services.story_submit(
        user=official,
        index=stories,
        title="我家的家训",
        text=TEXT,
        images=[],
        token=token,
    )
    client.force_login(villager)
    response = client.post(reverse("courses:story_submit"), _form(token))
    assert response.status_code == 409
    assert "这份表单已经提交过，请刷新页面后重新填写。" in response.content.decode()
    assert StorySubmission.objects.get().user == official
