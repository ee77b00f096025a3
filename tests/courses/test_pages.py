"""Page-type rules, block rendering, and the cost of rendering a lesson."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtailmedia.models import get_media_model

from courses import cache as lesson_cache
from courses.blocks import BaseStreamBlock, RelatedQuizBlock, SourcesStreamBlock
from courses.models import (
    CourseIndexPage,
    CoursePage,
    LessonPage,
    LessonProgress,
    StoryIndexPage,
    StoryPage,
)
from home.models import HomePage
from tests.courses.conftest import make_image, make_lesson

# Queries of a lesson page (docs/benchmarks.md, "Lesson page"), independent of the
# number of images or blocks in the body. A reader of a path not yet known as a
# lesson's: the site, the home page and the lesson (HomePage.route), Wagtail's privacy
# check (2). Once the lesson cache holds the path's routing facts (courses.cache
# LessonRoute): the lesson alone. With the shared parts of the page not yet in the
# cache: the course, neighbours, tags, cover, the body's images in one query and its
# media. A learner: session and user (2), the reading clock (2).
READER_QUERIES = 5
ROUTED_READER_QUERIES = 1
SHARED_PARTS_QUERIES = 6
LEARNER_QUERIES = ROUTED_READER_QUERIES + 4


def test_page_types_form_course_and_story_trees():
    assert CourseIndexPage.allowed_parent_page_models() == [HomePage]
    assert CourseIndexPage.allowed_subpage_models() == [CoursePage]
    assert CoursePage.allowed_parent_page_models() == [CourseIndexPage]
    assert CoursePage.allowed_subpage_models() == [LessonPage]
    assert LessonPage.allowed_parent_page_models() == [CoursePage]
    assert LessonPage.allowed_subpage_models() == []
    assert StoryIndexPage.allowed_subpage_models() == [StoryPage]
    assert StoryPage.allowed_parent_page_models() == [StoryIndexPage]


def test_lessons_only_go_in_courses_and_indexes_are_single(learning, site_home):
    assert LessonPage.can_create_at(learning["course"])
    assert not LessonPage.can_create_at(learning["index"])
    assert not LessonPage.can_create_at(learning["story_index"])
    assert not StoryPage.can_create_at(learning["course"])
    assert not CourseIndexPage.can_create_at(site_home)  # one exists already
    assert not StoryIndexPage.can_create_at(site_home)


def _render(name: str, value) -> str:
    block = BaseStreamBlock.base_blocks[name]
    return block.render(block.to_python(value))


def test_every_block_has_icon_template_description_and_preview():
    for name, block in {
        **BaseStreamBlock.base_blocks,
        **SourcesStreamBlock.base_blocks,
    }.items():
        assert block.meta.icon, name
        assert block.meta.template, name
        assert block.meta.description, name
        if name != "image":  # the image block previews the library's first image
            assert block.meta.preview_value, name


def test_precept_block_renders_an_ordered_list_with_explanations():
    html = _render(
        "precepts",
        {
            "heading": "聂家家规",
            "items": [
                {"text": "一针一线也不拿", "explanation": "不占便宜。"},
                {"text": "作息有定时", "explanation": ""},
            ],
        },
    )
    assert "<h2>聂家家规</h2>" in html
    assert "<li><strong>一针一线也不拿</strong><p>不占便宜。</p></li>" in html
    assert "<li><strong>作息有定时</strong></li>" in html


def test_quote_key_points_reflection_and_quiz_blocks_render():
    assert "—— 据王芳回忆" in _render(
        "quote", {"text": "为官一任", "attribution": "据王芳回忆"}
    )
    points = _render("key_points", {"heading": "要点", "points": ["甲", "乙"]})
    assert "<li>甲</li><li>乙</li>" in points
    reflection = _render("reflection", {"question": "你会怎么做？", "hint": "想想规定"})
    assert "你会怎么做？" in reflection and "<details>" in reflection
    quiz = _render(
        "quiz_link",
        {"title": "红包情景题", "link": "/practice/gifts/", "description": ""},
    )
    assert 'href="/practice/gifts/"' in quiz and "红包情景题" in quiz


def test_quiz_link_accepts_site_paths_and_web_addresses_only():
    block = RelatedQuizBlock()
    for link in ("/practice/x/", "https://example.org/q"):
        block.clean(block.to_python({"title": "练", "link": link, "description": ""}))
    with pytest.raises(ValidationError):
        block.clean(
            block.to_python(
                {"title": "练", "link": "javascript:alert(1)", "description": ""}
            )
        )


@pytest.mark.django_db
def test_image_block_renders_a_rendition_with_alt_text_and_caption():
    image = make_image("史迹馆", size=(1600, 900))
    html = _render(
        "image",
        {
            "image": image.pk,
            "alt_text": "胡则史迹馆外景",
            "caption": "胡则史迹馆",
            "attribution": "清廉学堂",
        },
    )
    assert 'alt="胡则史迹馆外景"' in html
    assert 'width="800"' in html and 'height="450"' in html
    assert "<figcaption>胡则史迹馆" in html


@pytest.mark.django_db
def test_audio_block_renders_player_and_transcript():
    media = get_media_model().objects.create(
        title="朗读", type="audio", duration=10, file="media/n.wav"
    )
    html = _render(
        "audio",
        {"audio": media.pk, "title": "课文朗读", "transcript": "胡则，字子正。"},
    )
    assert "<audio controls" in html and "data-media-report" in html
    assert "media/n.wav" in html
    assert "<summary>文字稿</summary>" in html and "胡则，字子正。" in html


def test_story_page_shows_facts_precepts_and_sources(client, learning):
    story = learning["story"]
    story.era, story.place = "北宋", "永康"
    story.precepts = [
        {
            "type": "precepts",
            "value": {
                "heading": "家训",
                "items": [{"text": "积善兴家", "explanation": ""}],
            },
        }
    ]
    story.sources = [
        {
            "type": "source",
            "value": {
                "title": "《宋史·胡则传》",
                "publisher": "",
                "url": "",
                "note": "",
            },
        }
    ]
    story.save_revision().publish()
    body = client.get(story.url).content.decode()
    assert "<dt>人物</dt><dd>人物甲</dd>" in body
    assert "<dt>年代</dt><dd>北宋</dd>" in body
    assert "积善兴家" in body
    assert "<h2>资料来源</h2>" in body and "《宋史·胡则传》" in body


@pytest.fixture
def rich_lesson(learning):
    images = [make_image(f"图{n}", size=(1600, 900)) for n in range(3)]
    media = get_media_model().objects.create(
        title="朗读", type="audio", duration=10, file="media/n.wav"
    )
    body = [
        {"type": "rich_text", "value": "<p>正文</p>"},
        *(
            {
                "type": "image",
                "value": {
                    "image": i.pk,
                    "alt_text": "图",
                    "caption": "",
                    "attribution": "",
                },
            }
            for i in images
        ),
        {
            "type": "audio",
            "value": {"audio": media.pk, "title": "朗读", "transcript": "稿"},
        },
        {"type": "quote", "value": {"text": "引文", "attribution": ""}},
        {"type": "key_points", "value": {"heading": "要点", "points": ["一", "二"]}},
        {"type": "reflection", "value": {"question": "问", "hint": ""}},
    ]
    lesson = make_lesson(learning["course"], "rich", body=body, tags=["胡公", "家训"])
    lesson.cover = images[0]
    lesson.save_revision().publish()
    return lesson


def test_a_lesson_page_runs_a_fixed_number_of_queries(
    client, rich_lesson, villager, django_assert_num_queries
):
    client.get(rich_lesson.url)  # first view creates the image renditions
    lesson_cache.invalidate()
    # A query string: the whole-page cache does not serve it, so the page is rendered.
    with django_assert_num_queries(READER_QUERIES + SHARED_PARTS_QUERIES):
        client.get(rich_lesson.url + "?from=singlemessage")
    with django_assert_num_queries(ROUTED_READER_QUERIES):
        response = client.get(rich_lesson.url + "?from=timeline")
    body = response.content.decode()
    assert "第 4 / 4 课" in body
    assert body.count('alt="图"') == 3
    client.force_login(villager)
    client.get(rich_lesson.url)
    with django_assert_num_queries(LEARNER_QUERIES):
        response = client.get(rich_lesson.url)
    body = response.content.decode()
    assert "第 4 / 4 课" in body and "我已学完" in body


def test_image_renditions_are_reused_on_the_second_render(client, rich_lesson):
    with CaptureQueriesContext(connection) as first:
        client.get(rich_lesson.url)
    assert any('INSERT INTO "wagtailimages_rendition"' in q["sql"] for q in first)
    with CaptureQueriesContext(connection) as second:
        client.get(rich_lesson.url)
    assert not [q for q in second if "wagtailimages_rendition" in q["sql"]]


def test_course_index_lists_courses_with_progress(
    client, learning, villager, django_assert_max_num_queries
):
    client.force_login(villager)
    with django_assert_max_num_queries(10):
        response = client.get(learning["index"].url)
    [course] = response.context["courses"]
    assert (course.title, course.lesson_count, course.percent) == ("课程甲", 3, 0)
    assert "3 节微课" in response.content.decode()


def test_home_page_shows_courses_and_stories(client, learning):
    body = client.get("/").content.decode()
    assert "课程甲" in body and "故事甲" in body
    assert "全部课程" in body and "全部故事" in body


def test_me_page_shows_my_learning_section(client, learning, villager):
    client.force_login(villager)
    body = client.get("/me/").content.decode()
    assert "我的学习" in body and "已学完 0 节微课" in body and "我的投稿（0）" in body


def test_editors_can_add_and_edit_lessons_in_the_admin(client, learning, admin_user):
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    course, lesson = learning["course"], learning["lessons"][0]
    add = client.get(f"/admin/pages/add/courses/lessonpage/{course.pk}/")
    assert add.status_code == 200
    edit = client.get(f"/admin/pages/{lesson.pk}/edit/")
    assert edit.status_code == 200
    assert "预计学习分钟数" in edit.content.decode()


def test_editors_can_preview_new_and_existing_lessons(learning, admin_user, rf):
    course, lesson = learning["course"], learning["lessons"][1]
    request = rf.get(lesson.url)
    request.user, request.is_preview, request.preview_mode = admin_user, True, ""
    existing = lesson.serve_preview(request, "")
    existing.render()
    assert existing.status_code == 200
    assert "第 2 / 3 课" in existing.content.decode()
    # An editor's preview is not learning: no record, no completion form.
    assert "预览：这里会显示" in existing.content.decode()
    assert not LessonProgress.objects.exists()
    draft = LessonPage(
        title="草稿微课",
        slug="draft",
        summary="摘要",
        estimated_minutes=3,
        body=[{"type": "rich_text", "value": "<p>草稿正文</p>"}],
    )
    draft.set_url_path(course)
    draft.path = course.path + "0099"
    draft.depth = course.depth + 1
    response = draft.make_preview_request()
    assert response.status_code == 200
    assert "草稿正文" in response.content.decode()


def test_lesson_page_is_available_in_english(client, learning, villager):
    client.force_login(villager)
    client.cookies["django_language"] = "en"
    body = client.get(learning["lessons"][0].url).content.decode()
    assert "I have finished" in body and "Lesson 1 of 3" in body
