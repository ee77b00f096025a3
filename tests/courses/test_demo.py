"""The demo content: enough courses, lessons and stories, shippable media, idempotent."""

from __future__ import annotations

import io

import pytest
from wagtail.images import get_image_model
from wagtailmedia.models import get_media_model

from courses import demo
from courses.models import (
    CourseIndexPage,
    CoursePage,
    LessonPage,
    StoryIndexPage,
    StoryPage,
)
from home import demo as home_demo
from units import demo as units_demo


@pytest.fixture
def demo_site(db, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-2026")
    out = io.StringIO()
    units_demo.load(stdout=out)
    home_demo.load(stdout=out)
    demo.load(stdout=out)
    return out


def test_demo_has_three_courses_of_four_lessons_and_three_stories(demo_site):
    index = CourseIndexPage.objects.get()
    assert index.url == "/learn/"
    courses = CoursePage.objects.live().child_of(index)
    assert courses.count() >= 3
    for course in courses:
        assert LessonPage.objects.live().child_of(course).count() >= 4
    assert set(StoryPage.objects.live().values_list("figure", flat=True)) >= {
        "胡则（胡公）",
        "聂耳（聂守信）",
        "潘国诏",
    }
    for story in StoryPage.objects.live():
        assert len(story.sources) >= 1


def test_demo_lessons_carry_title_cards_and_one_narration(demo_site):
    lessons = LessonPage.objects.live()
    assert not lessons.filter(cover__isnull=True).exists()
    narrated = [
        lesson
        for lesson in lessons
        if any(block.block_type == "audio" for block in lesson.body)
    ]
    assert len(narrated) == 1
    audio = next(b for b in narrated[0].body if b.block_type == "audio").value
    assert audio["audio"].duration > 30
    assert "身丁钱" in audio["transcript"]


def test_loading_the_demo_twice_changes_nothing(demo_site):
    counts = (
        LessonPage.objects.count(),
        StoryPage.objects.count(),
        get_image_model().objects.count(),
        get_media_model().objects.count(),
    )
    out = io.StringIO()
    demo.load(stdout=out)
    assert "学习：已存在" in out.getvalue()
    assert counts == (
        LessonPage.objects.count(),
        StoryPage.objects.count(),
        get_image_model().objects.count(),
        get_media_model().objects.count(),
    )


def test_unverified_claims_are_marked_or_left_out(demo_site):
    text = " ".join(
        str(block.value)
        for page in [*LessonPage.objects.all(), *StoryPage.objects.all()]
        for block in page.body
    )
    assert "胡公大帝" not in text  # unverified title: left out
    assert "据王芳回忆" in text
    pan = StoryPage.objects.get(figure="潘国诏")
    assert "据地方资料记载" in str(pan.body[0].value)


def test_demo_editors_can_approve_submitted_stories(demo_site):
    from units.models import User

    editor = User.objects.get(username="editor")
    index = StoryIndexPage.objects.get()
    [task] = index.get_workflow().tasks.all()
    assert task.specific.groups.filter(pk__in=editor.groups.all()).exists()
