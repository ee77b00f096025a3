"""The Wagtail admin is Chinese throughout for a zh-hans user.

Django finds Wagtail's zh_Hans catalogues for zh-hans (to_locale gives zh_Hans, and the
dashboard's 控制面板 comes from them), but Wagtail 8.0's catalogues lack some of its
own strings (385 for the apps we install), and its sign-in form has a password label
no catalogue can translate. locale/zh_Hans adds the missing strings, and only those.
"""

import glob
import os
from pathlib import Path

import django
import polib
import pytest
import wagtail
import wagtailmedia
from django.apps import apps
from django.conf import settings

pytestmark = pytest.mark.django_db

OURS = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_dashboard_is_chinese_for_a_zh_hans_user(client, admin_user, site_home):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    for chinese in ("控制面板", "搜索所有页面…", "个页面", "张图片", "显示键盘快捷键"):
        assert chinese in html, chinese
    for english in (
        "Search all pages",
        " Pages <span",
        " Images <span",
        "Show keyboard",
    ):
        assert english not in html, english


def test_account_page_is_chinese_for_a_zh_hans_user(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/account/").content.decode()
    for chinese in ("主题偏好", "后台主题", "更高对比度", "紧凑", "使用服务器语言"):
        assert chinese in html, chinese
    for english in ("Theme preferences", "More contrast", "Use server language"):
        assert english not in html, english


def test_admin_sign_in_labels_the_password_in_chinese(client):
    html = client.get("/admin/login/").content.decode()
    assert "密码<span" in html.replace("\n", "").replace(" ", "")
    assert "Password<span" not in html


def test_page_types_report_title_is_chinese(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/reports/page-types-usage/").content.decode()
    assert "页面类型使用情况" in html and "Page types usage" not in html


def test_english_stays_english(client, admin_user, site_home):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/admin/").content.decode()
    assert "Search all pages…" in html


def test_our_catalogue_only_adds_what_wagtail_has_no_chinese_for():
    theirs = set()
    for package in (wagtail, wagtailmedia):
        root = os.path.dirname(package.__file__)
        for path in glob.glob(
            f"{root}/**/locale/zh_Hans/LC_MESSAGES/django.mo", recursive=True
        ):
            theirs |= {(e.msgctxt, e.msgid) for e in polib.mofile(path) if e.msgstr}
    ours = polib.pofile(str(OURS))
    assert len(ours) > 100
    assert [e.msgid for e in ours if (e.msgctxt, e.msgid) in theirs] == []
    assert [e.msgid for e in ours if not (e.msgstr or e.msgstr_plural)] == []


def _translated(mo_paths):
    return {
        (e.msgctxt, e.msgid)
        for path in mo_paths
        for e in polib.mofile(str(path))
        if e.msgstr or any(e.msgstr_plural.values())
    }


def test_no_wagtail_string_of_our_installed_apps_is_left_without_chinese():
    # The catalogues Django merges for zh-hans: its own, every installed app's (so
    # django.contrib.auth's 禁用 serves Wagtail's "Disabled" too), and ours.
    wagtail_apps = [
        config
        for config in apps.get_app_configs()
        if config.name.partition(".")[0] in ("wagtail", "wagtailmedia")
    ]
    sources = [
        Path(config.path) / "locale" / "en" / "LC_MESSAGES" / "django.po"
        for config in wagtail_apps
    ]
    assert len(sources) == 13 and all(path.exists() for path in sources)
    wanted = {
        (e.msgctxt, e.msgid)
        for path in sources
        for e in polib.pofile(str(path))
        if not e.obsolete
    }
    assert len(wanted) > 1500
    roots = [Path(django.__file__).parent / "conf"]
    roots += [Path(config.path) for config in apps.get_app_configs()]
    chinese = _translated(
        path
        for root in roots
        for path in (root / "locale" / "zh_Hans" / "LC_MESSAGES").glob("django.mo")
    )
    chinese |= {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(OURS))
        if e.msgstr or any(e.msgstr_plural.values())
    }
    assert sorted(msgid for _, msgid in wanted - chinese) == []
