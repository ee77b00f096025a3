"""Nothing written for editors shows to learners: the demo's pages carry no notes for
editors or demo disclaimers, and demo covers say "demo" in the admin, not on the picture."""

import io
import re

import pytest
from wagtail.images import get_image_model

from courses import demo as courses_demo
from courses.demo_images import title_card
from courses.models import CourseIndexPage, StoryPage
from home.demo import load as load_home
from quizzes import demo as quizzes_demo
from quizzes.models import QuizIndexPage

pytestmark = pytest.mark.django_db

EDITOR_WORDS = ("编辑", "后台", "演示", "示例题", "demo", "Demo")


@pytest.fixture
def demo_pages(city):
    out = io.StringIO()
    load_home(stdout=out)
    courses_demo.load(stdout=out)
    quizzes_demo.load(stdout=out)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html)


def test_learner_pages_carry_no_editor_notes_or_demo_disclaimers(client, demo_pages):
    urls = ["/", "/learn/", "/practice/", "/stories/"]
    urls += [story.url for story in StoryPage.objects.live()]
    assert len(urls) == 7
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _visible_text(response.content.decode())
        found = [word for word in EDITOR_WORDS if word in text]
        assert found == [], (url, found)


def test_story_sources_list_only_sources(client, demo_pages):
    story = StoryPage.objects.get(slug="hu-gong")
    titles = [block.value["title"] for block in story.sources]
    assert titles == [
        "《宋史·胡则传》",
        "《王芳回忆录》",
        "永康市古山镇胡库村胡则史迹馆、方岩胡公纪念馆陈列",
    ]


def test_demo_cover_picture_draws_no_demo_wording(monkeypatch):
    from PIL import ImageDraw

    drawn = []
    original = ImageDraw.ImageDraw.text

    def record(self, xy, text, *args, **kwargs):
        drawn.append(text)
        return original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record)
    title_card(title="胡则其人", subtitle="为官一任，造福一方")
    if not drawn:
        pytest.skip("no CJK font on this machine: the card draws no text at all")
    assert drawn == ["胡则其人", "为官一任，造福一方", "清廉学堂"]


def test_demo_covers_are_labelled_as_demo_in_the_admin(demo_pages):
    covers = get_image_model().objects.filter(collection__name="演示内容")
    assert covers.count() == 18
    cover = covers.get(title="演示题图：胡则其人")
    assert cover.description == "演示题图（程序绘制，可替换）：胡则其人"
    assert list(cover.tags.names()) == ["演示内容"]
    assert "demo" not in cover.file.name


def test_a_rerun_removes_the_notes_an_earlier_demo_load_put_on_learner_pages(
    client, demo_pages
):
    index = CourseIndexPage.objects.get()
    index.intro = index.intro.replace("</p>", f"{courses_demo.LEGACY_INDEX_NOTE}</p>")
    index.save_revision().publish()
    story = StoryPage.objects.get(slug="hu-gong")
    story.sources = [(b.block_type, b.value) for b in story.sources] + [
        (
            "source",
            {"title": "演示内容说明", "publisher": "", "url": "", "note": "核对"},
        )
    ]
    story.save_revision().publish()
    practice = QuizIndexPage.objects.get()
    practice.intro = quizzes_demo.LEGACY_INDEX_INTRO
    practice.save_revision().publish()

    out = io.StringIO()
    courses_demo.load(stdout=out)
    quizzes_demo.load(stdout=out)

    for url in ("/learn/", "/practice/", story.url):
        text = _visible_text(client.get(url).content.decode())
        assert "编辑" not in text and "演示" not in text, url
    assert len(StoryPage.objects.get(pk=story.pk).sources) == 3


def test_editors_read_the_demo_note_on_their_dashboard_and_the_page(
    client, demo_pages, admin_user
):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert "演示内容待核对" in html
    assert "题库中有 43 道平台自带的示例题" in html
    assert "18 个页面仍使用演示题图" in html
    story = StoryPage.objects.get(slug="hu-gong")
    html = client.get(f"/admin/pages/{story.pk}/edit/").content.decode()
    assert str(courses_demo.EDITOR_NOTE) in html
