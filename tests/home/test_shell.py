"""The site shell: home page, navigation, language, search and error pages."""

import pytest
from django.urls import reverse

from home.demo import load as load_home


class _Out:
    def write(self, text):
        pass


@pytest.fixture
def home_page(db):
    load_home(stdout=_Out())


def test_home_page_renders_in_chinese_by_default(client, home_page):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    for label in ("学习", "练习", "调查", "我的"):
        assert f">{label}</a>" in html


def test_switching_to_english_sets_the_language_cookie(client, home_page):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html


def test_unknown_path_shows_the_404_page(client, home_page):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_me_requires_login(client, home_page):
    response = client.get(reverse("home:me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_search_with_no_results_shows_an_empty_state(client, home_page):
    response = client.get(reverse("home:search"), {"q": "不存在的词语"})
    assert "没有找到与“不存在的词语”相关的内容" in response.content.decode()


def test_pages_reference_no_external_assets(client, home_page):
    html = client.get("/").content.decode()
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html


def test_server_error_page_renders_without_the_database(rf):
    from home.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器出错了" in html and "Something went wrong" in html


def test_pages_vary_by_the_language_cookie(client, home_page):
    response = client.get("/")
    assert "Cookie" in response["Vary"]
    assert response["Content-Language"] == "zh-hans"
