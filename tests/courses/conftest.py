"""Learning fixtures: a site with the course index, one course of three lessons, the story
index with one story, and learners in the `city` tree."""

from __future__ import annotations

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import Page

from courses.models import (
    CourseIndexPage,
    CoursePage,
    LessonPage,
    StoryIndexPage,
    StoryPage,
)
from tests.factories import kind, make_person
from units.models import Unit


def restore_wagtail_roots() -> None:
    """What Wagtail's own migrations create, for transactional tests that follow a flush:
    the default locale, the root page, the root collection and the Editors group with its image permissions
    on the root collection."""
    from django.conf import settings
    from django.contrib.auth.models import Group, Permission
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, GroupCollectionPermission, Locale

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    editors, _ = Group.objects.get_or_create(name="Editors")
    for codename in ("add_image", "change_image", "choose_image"):
        GroupCollectionPermission.objects.get_or_create(
            group=editors,
            collection=root,
            permission=Permission.objects.get(
                content_type__app_label="wagtailimages", codename=codename
            ),
        )


def make_image(title: str = "图", size=(64, 36)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 111, 92)).save(buffer, format="PNG")
    image = get_image_model()(title=title, file=ImageFile(buffer, name=f"{title}.png"))
    image.save()
    return image


def publish(page: Page) -> Page:
    page.save_revision().publish()
    return page


def make_lesson(
    course: CoursePage,
    slug: str,
    *,
    minutes: int = 2,
    body=None,
    kinds=(),
    tags=(),
    title: str | None = None,
) -> LessonPage:
    lesson = LessonPage(
        title=title or f"微课{slug}",
        slug=slug,
        summary=f"{slug}摘要",
        estimated_minutes=minutes,
        body=body or [{"type": "rich_text", "value": f"<p>{slug}正文</p>"}],
    )
    course.add_child(instance=lesson)
    if kinds:
        lesson.target_unit_kinds.set(kinds)
    if tags:
        lesson.tags.set(list(tags))
    return publish(lesson)


@pytest.fixture
def learning(site_home, city):
    """/learn/ → 课程甲 (3 lessons: a 2-minute for 村居, a 4-minute for everyone, a
    2-minute for 机关) and /stories/ → one story."""
    index = publish(
        site_home.add_child(instance=CourseIndexPage(title="微课堂", slug="learn"))
    )
    course = CoursePage(title="课程甲", slug="course-a", summary="课程甲摘要")
    publish(index.add_child(instance=course))
    lessons = [
        make_lesson(course, "l1", minutes=2, kinds=[kind("村居")]),
        make_lesson(course, "l2", minutes=4),
        make_lesson(course, "l3", minutes=2, kinds=[kind("机关")]),
    ]
    stories = publish(
        site_home.add_child(instance=StoryIndexPage(title="家风故事", slug="stories"))
    )
    story = StoryPage(
        title="故事甲",
        slug="story-a",
        summary="故事摘要",
        figure="人物甲",
        body=[{"type": "rich_text", "value": "<p>故事正文</p>"}],
    )
    publish(stories.add_child(instance=story))
    return {
        "index": index,
        "course": course,
        "lessons": lessons,
        "story_index": stories,
        "story": story,
    }


@pytest.fixture
def villager(city):
    return make_person("villager", unit=Unit.objects.get(code="YK-GS-01"))


@pytest.fixture
def official(city):
    return make_person("official", unit=Unit.objects.get(code="YK-JG-01"))
