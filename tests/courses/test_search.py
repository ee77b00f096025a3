"""Chinese search: segmentation for the index and for queries, and the site search finding
the right lessons and stories for 胡公, 家训, 聂耳 and 红包 (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from courses.models import StoryPage
from courses.search import segment_for_index, segment_query
from home.selectors import search_pages
from tests.courses.conftest import make_lesson, publish


def test_index_text_holds_words_characters_and_pairs():
    tokens = set(segment_for_index("胡公为官，Integrity 2026").split())
    assert {"胡公", "为官", "胡", "公", "公为", "官", "integrity", "2026"} <= tokens
    # No pair across punctuation.
    assert "官I" not in tokens


def test_query_words_become_required_tokens():
    assert segment_query("胡公") == "胡公"
    assert segment_query("聂耳家训") == "聂耳 家训"
    # An unknown three-character name is matched by its adjacent pairs.
    assert segment_query("潘国诏") == "潘国 国诏"
    assert segment_query("红包！") == "红包"
    assert segment_query("  ，。") == ""


@pytest.fixture
def library(learning):
    course = learning["course"]
    hu = make_lesson(
        course,
        "hu",
        title="奏免身丁钱",
        body=[
            {
                "type": "rich_text",
                "value": "<p>胡公奏请朝廷，免除衢婺两州的身丁钱。</p>",
            }
        ],
    )
    family = make_lesson(
        course,
        "family",
        title="写下我家的规矩",
        body=[
            {
                "type": "precepts",
                "value": {
                    "heading": "家规",
                    "items": [
                        {"text": "不拿别人一针一线", "explanation": "这是我们的家训。"}
                    ],
                },
            }
        ],
    )
    gifts = make_lesson(
        course,
        "gifts",
        title="节日里的礼品",
        body=[{"type": "rich_text", "value": "<p>供应商发来的电子红包不能收。</p>"}],
    )
    bag = make_lesson(
        course,
        "bag",
        title="红色的包装",
        body=[
            {
                "type": "rich_text",
                "value": "<p>红色礼盒和包装：有红，有包，但没有那个词。</p>",
            }
        ],
    )
    stories = learning["story_index"]
    nie = publish(
        stories.add_child(
            instance=StoryPage(
                title="人穷志不穷",
                slug="nie",
                summary="昆明甬道街的童年",
                figure="聂耳",
                body=[{"type": "rich_text", "value": "<p>母亲教他唱花灯调。</p>"}],
            )
        )
    )
    call_command("update_index", verbosity=0)
    return {
        "hu": hu,
        "family": family,
        "gifts": gifts,
        "bag": bag,
        "nie": nie,
        "story": learning["story"],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("胡公", {"hu"}),
        ("家训", {"family"}),
        ("聂耳", {"nie"}),  # found through the story's figure field
        ("红包", {"gifts"}),  # not "红色的包装", which has 红 and 包 apart
        ("身丁钱", {"hu"}),
        ("胡公 红包", set()),  # every word must match
    ],
)
def test_site_search_finds_the_right_pages(library, query, expected):
    found = {page.pk for page in search_pages(query=query)}
    assert found == {library[key].pk for key in expected}


def test_search_view_lists_chinese_results(client, library):
    response = client.get(reverse("home:search"), {"q": "红包"})
    body = response.content.decode()
    assert [r.pk for r in response.context["results"]] == [library["gifts"].pk]
    assert "节日里的礼品" in body


def test_unpublished_pages_are_not_found(library):
    library["gifts"].unpublish()
    assert search_pages(query="红包") == []
