"""The Content-Security-Policy: every public and respondent page carries it, with no
inline scripts, eval or inline styles allowed; the admin's policy allows only what
Wagtail's editor needs; no template of ours has an inline script or event handler."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.security.conftest import unit_link

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("site", "home", "units", "courses", "quizzes", "surveys", "points", "tabular")

INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I
)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def _templates():
    for app in APPS:
        base = (
            ROOT / app / "templates" if app != "site" else ROOT / "site" / "templates"
        )
        yield from sorted(base.rglob("*.html"))


def _admin_only(path: Path) -> bool:
    """Templates served only under /admin/, where the policy allows inline styles."""
    parts = path.relative_to(ROOT).parts
    return "admin" in parts or "wagtailadmin" in parts


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            offenders += [
                f"{path.relative_to(ROOT)}: {m[0][:60]}" for m in pattern.finditer(text)
            ]
    assert len(list(_templates())) > 80  # the walk does find our templates
    assert offenders == []


def test_no_public_template_has_an_inline_style():
    offenders = [
        f"{path.relative_to(ROOT)}: {m[0]}"
        for path in _templates()
        if not _admin_only(path)
        for m in INLINE_STYLE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_patterns_do_catch_inline_code():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/a.js"></script>')
    assert not INLINE_SCRIPT.search(
        '<script id="d" type="application/json">{}</script>'
    )
    assert HANDLER.search('<button type="button" onclick="go()">')
    assert not HANDLER.search('<button data-once="1">')
    assert JS_URL.search('<a href="javascript:void(0)">')
    assert INLINE_STYLE.search('<span style="width: 5%">')


def _policy(reply) -> dict[str, list[str]]:
    header = reply["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (
            part.split() for part in header.split(";") if part.strip()
        )
    }


def _assert_strict(policy):
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Same-origin WebSocket only: the request's own host, never any host.
    assert policy["connect-src"] == ["'self'", "ws://testserver"]


@pytest.mark.django_db
def test_public_and_respondent_pages_carry_the_strict_policy(towns, client):
    campaign, unit = towns["campaign"]["A"], towns["unit"]["A"]
    pages = [
        "/accounts/login/",
        "/accounts/activate/",
        "/search/?q=清廉",
        "/surveys/",
        "/practice/certificates/",
        "/contests/join/",
        unit_link(campaign, unit),
        f"/surveys/{campaign.pk}/thanks/",
        "/no-such-page/",
    ]
    anonymous = [client.get(url) for url in pages]
    assert [r.status_code for r in anonymous][:7] == [200] * 7
    client.force_login(towns["people"]["learner"])
    mine = [
        client.get(url) for url in ("/me/", "/learn/my-learning/", "/practice/daily/")
    ]
    assert [r.status_code for r in mine] == [200, 200, 200]
    for reply in anonymous + mine:
        _assert_strict(_policy(reply))
        assert "unsafe" not in reply["Content-Security-Policy"]


def test_behind_tls_the_websocket_must_be_wss(db):
    reply = Client().get("/accounts/login/", secure=True)
    assert _policy(reply)["connect-src"] == ["'self'", "wss://testserver"]


@pytest.mark.django_db
def test_admin_policy_allows_only_what_wagtails_editor_needs(towns, client):
    client.force_login(towns["people"]["administrator"])
    for url in (
        "/admin/login/",
        "/admin/",
        f"/admin/surveys/campaigns/{towns['campaign']['A'].pk}/",
    ):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert "'unsafe-eval'" not in sum(policy.values(), [])
