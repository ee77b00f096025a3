"""Demo learning content: the course index at /learn/, three courses of four micro-lessons,
the story index with three stories, title cards drawn with Pillow and one narrated lesson.

Idempotent: pages are found by slug under their parent and images and media by title, so a
second run creates nothing.
"""

from __future__ import annotations

import hashlib
import io
import wave
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupApprovalTask, Page
from wagtailmedia.models import get_media_model

from home.models import HomePage
from units.models import Role, UnitKind
from units.permissions import ROLE_GROUPS

from . import demo_content as content
from .demo_images import title_card
from .models import CourseIndexPage, CoursePage, LessonPage, StoryIndexPage, StoryPage

COLLECTION = "演示内容"
COVER_TITLE_PREFIX = "演示题图："
COVER_TAG = "演示内容"
# What editors must know about the demo pages. Earlier demo loads printed it on the pages
# themselves (the course index intro, a last "source" of every story), where learners
# read it; it now shows to editors only (home.wagtail_hooks), and a rerun removes it.
EDITOR_NOTE = _("演示内容：依据公开资料编写，发布前请核对正文，并把出处换成正式来源。")
LEGACY_INDEX_NOTE = "（演示内容：依据公开资料编写，编辑可在后台修改。）"
LEGACY_SOURCE_TITLE = "演示内容说明"
EDITORS_GROUP = ROLE_GROUPS[Role.EDITOR]
NARRATION = settings.BASE_DIR / "site" / "fixtures" / "courses" / "narration-hu-ze.wav"
NARRATION_TRANSCRIPT = NARRATION.with_suffix(".txt")


def _collection() -> Collection:
    existing = Collection.objects.filter(name=COLLECTION).first()
    return existing or Collection.get_first_root_node().add_child(name=COLLECTION)


def _card(title: str, *, subtitle: str, palette: str, motif: str):
    """A drawn cover, labelled as a demo cover where editors look (title, collection,
    description, tag) and never on the picture, which learners see."""
    image_model = get_image_model()
    label = f"{COVER_TITLE_PREFIX}{title}"
    current = image_model.objects.filter(title=label).first()
    if current is not None:
        return current
    # Covers of an earlier demo load (titled 题图：…) carry "演示内容" on the picture:
    # redraw and relabel them rather than add a second cover.
    image = image_model.objects.filter(title=f"题图：{title}").first()
    data = title_card(title=title, subtitle=subtitle, palette=palette, motif=motif)
    name = f"cover-{hashlib.sha256(label.encode()).hexdigest()[:10]}.jpg"
    if image is None:
        image = image_model(collection=_collection())
    else:
        image.renditions.all().delete()
    image.title = label
    image.description = f"演示题图（程序绘制，可替换）：{title}"
    image.file = ImageFile(io.BytesIO(data), name=name)
    image._set_image_file_metadata()
    image.save()
    image.tags.set([COVER_TAG])
    return image


def _narration():
    """The narrated lesson's audio, or None when the fixture file is missing."""
    media_model = get_media_model()
    title = "朗读：奏免身丁钱"
    existing = media_model.objects.filter(title=title).first()
    if existing is not None or not NARRATION.exists():
        return existing
    with wave.open(str(NARRATION)) as audio:
        duration = audio.getnframes() / audio.getframerate()
    media = media_model(
        title=title, type="audio", duration=round(duration, 1), collection=_collection()
    )
    media.file.save(NARRATION.name, ContentFile(NARRATION.read_bytes()), save=False)
    media.save()
    return media


def _child(parent: Page, model, slug: str, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    return page, True


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _lesson_body(lesson: dict, narration) -> list:
    body = list(lesson["body"])
    if lesson.get("audio") and narration is not None:
        body.insert(
            1,
            {
                "type": "audio",
                "value": {
                    "audio": narration.pk,
                    "title": "课文朗读（机器合成语音）",
                    "transcript": Path(NARRATION_TRANSCRIPT)
                    .read_text(encoding="utf-8")
                    .strip(),
                },
            },
        )
    return body


def _load_courses(home: HomePage, stdout) -> int:
    index, created = _child(
        home,
        CourseIndexPage,
        "learn",
        title=content.COURSE_INDEX["title"],
        intro=content.COURSE_INDEX["intro"],
    )
    if created:
        _publish(index)
    elif LEGACY_INDEX_NOTE in index.intro:
        index.intro = index.intro.replace(LEGACY_INDEX_NOTE, "")
        _publish(index)
    kinds = {k.name: k for k in UnitKind.objects.all()}
    narration = _narration()
    made = 0
    for course_data in content.COURSES:
        course, created = _child(
            index,
            CoursePage,
            course_data["slug"],
            title=course_data["title"],
            summary=course_data["summary"],
            search_description=course_data["summary"],
            cover=_card(course_data["title"], **course_data["card"]),
        )
        if created:
            _publish(course)
            made += 1
        for lesson_data in course_data["lessons"]:
            lesson, created = _child(
                course,
                LessonPage,
                lesson_data["slug"],
                title=lesson_data["title"],
                summary=lesson_data["summary"],
                search_description=lesson_data["summary"],
                estimated_minutes=lesson_data["minutes"],
                body=_lesson_body(lesson_data, narration),
                cover=_card(
                    lesson_data["title"],
                    subtitle=course_data["title"],
                    palette=course_data["card"]["palette"],
                    motif=course_data["card"]["motif"],
                ),
            )
            if not created:
                continue
            lesson.target_unit_kinds.set(
                [kinds[name] for name in lesson_data["kinds"] if name in kinds]
            )
            lesson.tags.set(lesson_data["tags"])
            _publish(lesson)
            made += 1
    return made


def _load_stories(home: HomePage) -> int:
    index, created = _child(
        home,
        StoryIndexPage,
        "stories",
        title=content.STORY_INDEX["title"],
        intro=content.STORY_INDEX["intro"],
    )
    if created:
        _publish(index)
    made = 0
    for data in content.STORIES:
        sources = [
            {
                "type": "source",
                "value": {"title": t, "publisher": p, "url": u, "note": n},
            }
            for t, p, u, n in data["sources"]
        ]
        story, created = _child(
            index,
            StoryPage,
            data["slug"],
            title=data["title"],
            figure=data["figure"],
            era=data["era"],
            place=data["place"],
            summary=data["summary"],
            search_description=data["summary"],
            body=data["body"],
            precepts=data["precepts"],
            sources=sources,
            cover=_card(data["title"], **data["card"]),
        )
        if created:
            story.tags.set(data["tags"])
            _publish(story)
            made += 1
        else:
            _drop_legacy_source(story)
    return made


def _drop_legacy_source(story: StoryPage) -> None:
    kept = [b for b in story.sources if b.value["title"] != LEGACY_SOURCE_TITLE]
    if len(kept) == len(story.sources):
        return
    story.sources = [(b.block_type, b.value) for b in kept]
    _publish(story)


def _editors_review_stories() -> None:
    """Let the content editors' group approve submitted stories in the moderation
    workflow, besides Wagtail's moderators."""
    index = StoryIndexPage.objects.first()
    editors = Group.objects.filter(name=EDITORS_GROUP).first()
    workflow = index.get_workflow() if index else None
    if editors is None or workflow is None:
        return
    for task in GroupApprovalTask.objects.filter(workflow_tasks__workflow=workflow):
        task.groups.add(editors)


def load(*, stdout) -> None:
    home = HomePage.objects.first()
    if home is None:
        stdout.write("学习：没有首页，跳过")
        return
    made = _load_courses(home, stdout) + _load_stories(home)
    _editors_review_stories()
    stdout.write(
        f"学习：新建 {made} 个页面（课程、微课、故事）" if made else "学习：已存在"
    )
