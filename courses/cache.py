"""The lesson page cache: anonymous readers get a lesson page from the cache, without
routing, queries or template rendering (docs/deploy.md, "The lesson cache").

Wagtail's own page caches do not reach this far, and wagtail-cache (CodeRed) supports
Wagtail < 8 only, so this is Django's cache with a key per site, path and language.

What is cached: the 200 response of a LessonPage (LessonPage.serve marks it) to a GET
without query string from a browser with no session and no pending messages — such a
visitor is anonymous by construction, so nothing personal (progress, the 我已学完 form)
is on the page. Logged-in readers always get a freshly rendered page. A response that
sets a cookie of its own is never stored. The page's CSRF tokens (the language switch)
are cut out before storing and each reader gets their own on the way out, with the CSRF
cookie Django sets for it.

Invalidation: entries carry the generation they were rendered under, and every change
that can alter a rendered lesson — any page saved, published, unpublished, moved or
deleted (its title in a breadcrumb, a neighbour in 上一课/下一课, the course), an image,
media item, document, tag, site or page privacy saved or deleted — drops the
generation, so every lesson renders anew once. Publishing is rare next to reading, and
a whole-site generation needs no map of which lesson shows what. The generation is dropped at once
and again after the transaction commits, so a page read in between cannot be stored as
current.

Fragments: a page the cache cannot serve (a logged-in learner, a query string such as
WeChat's ?from=singlemessage, the first read after a change) is rendered, but its
expensive, impersonal parts — breadcrumbs, header, cover, body, 上一课/下一课 — come
from the same cache (LessonFragments, `{% lessonfragment %}`), keyed by the lesson's
live revision and language and carrying the generation like whole pages, so they go
stale exactly when pages do. Previews of drafts never use them.

Routing facts: a lesson page the cache cannot serve still skips Wagtail's site look-up
and its privacy walk (the lesson's ancestors, then their restrictions) — two of the
uncached render's five queries and a third of its time. For a path at which this
process has served a lesson, LessonRoute keeps the Site that answered the host and the
ids of the view restrictions over the lesson, under the generation like everything
else here (sites, pages, moves and privacy all drop it). Restrictions are still checked
against each request: only which ones apply is remembered.

A Redis outage (config.outages): the cache then lives in each worker's memory, where
one worker cannot hear another's invalidation, so lessons are rendered uncached until
Redis answers again.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils.translation import get_language

GENERATION_KEY = "courses:lesson-cache:generation"
# Long enough to matter, short enough that a release's new templates reach every page
# within minutes even without an invalidating change.
TIMEOUT = getattr(settings, "LESSON_CACHE_SECONDS", 600)
CACHEABLE_ATTRIBUTE = "lesson_cacheable"
# Set on a request by courses.asgi: answer from the cache or not at all.
HITS_ONLY_ATTRIBUTE = "lesson_cache_hits_only"
HIT_HEADER = "X-Lesson-Cache"
# Placeholder for the per-reader CSRF token in a stored page: not a token alphabet.
TOKEN_HOLE = "\x00csrf\x00"  # noqa: S105 - a placeholder, not a secret
_HEADERS_NOT_KEPT = {"content-length", "set-cookie", "vary", HIT_HEADER.lower()}
_TOKEN_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]+)(")')


# Paths at which this process has served a lesson page (LessonPage.serve): courses.asgi
# answers stored pages of these in the event loop, and the middleware brings their
# routing facts (LessonRoute). A site has far fewer lessons than the limit; a full set
# is emptied and learned again.
lesson_paths: set[str] = set()
MAX_LESSON_PATHS = 10_000


def lesson_path_seen(path: str) -> None:
    if path not in lesson_paths:
        if len(lesson_paths) >= MAX_LESSON_PATHS:
            lesson_paths.clear()
        lesson_paths.add(path)


def _outage() -> bool:
    outage = getattr(cache, "outage", None)
    return bool(outage is not None and outage.down)


def request_cacheable(request) -> bool:
    """A GET that can only come from an anonymous reader with nothing pending, for a
    path Wagtail serves: the survey pages, the admin and the API never pay the cache
    round trip."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and _served_by_wagtail(request.path_info)
    )


def _served_by_wagtail(path: str) -> bool:
    try:
        return resolve(path).url_name == "wagtail_serve"
    except Resolver404:
        return False


def _address_key(kind: str, address: str) -> str:
    digest = hashlib.sha256(address.encode()).hexdigest()[:40]
    return f"courses:lesson-cache:{kind}:{digest}"


def _key(request) -> str:
    return _address_key("page", f"{request.get_host()}|{request.path}|{get_language()}")


def _generation(known: str | None) -> str:
    if known:
        return known
    fresh = secrets.token_hex(8)
    cache.add(GENERATION_KEY, fresh, None)
    return cache.get(GENERATION_KEY) or fresh


class LessonFragments:
    """The cached parts of one lesson page render: read in one round trip with the
    generation (before any of the queries that build them, so a change committed
    meanwhile can only be stored under the generation it dropped), stored on a miss.

    Each part is the same for every reader of the lesson's live revision in one
    language: nothing personal goes into one (lesson_page.html).
    """

    PARTS = ("crumbs", "article", "nav")

    def __init__(self, *, lesson):
        language = get_language()
        self.keys = {
            part: (
                f"courses:lesson-cache:fragment:{lesson.pk}:"
                f"{lesson.live_revision_id}:{part}:{language}"
            )
            for part in self.PARTS
        }
        found = cache.get_many([GENERATION_KEY, *self.keys.values()])
        self.usable = not _outage()
        self.generation = _generation(found.get(GENERATION_KEY))
        self.found = {
            part: entry[1]
            for part, key in self.keys.items()
            if (entry := found.get(key)) is not None and entry[0] == self.generation
        }

    def get(self, part: str) -> str | None:
        return self.found.get(part) if self.usable else None

    def store(self, part: str, html: str) -> None:
        if self.usable and not _outage():
            cache.set(self.keys[part], (self.generation, html), TIMEOUT)


def invalidate() -> None:
    """Forget every cached lesson: now, and once more when the transaction commits."""
    cache.delete(GENERATION_KEY)
    transaction.on_commit(lambda: cache.delete(GENERATION_KEY))


@dataclass
class LessonRoute:
    """What routing found for one lesson path: the Site (its root page, specific,
    included) and the lesson with the ids of the view restrictions over it. Read from
    the cache before the view (`known`), or collected while it ran and stored after."""

    key: str
    generation: str
    known: bool = False
    site: object = None
    lesson_id: int | None = None
    restriction_ids: tuple[int, ...] | None = None

    @classmethod
    def key_for(cls, request) -> str:
        return _address_key("route", f"{request.get_host()}|{request.path}")

    @classmethod
    def read(cls, request, *, key: str, generation: str, entry) -> LessonRoute:
        """The route of `entry` (from the cache) if current, its site handed to the
        request (Site.find_for_request takes one already found); else an empty one."""
        route = cls(key=key, generation=generation)
        if entry is not None and entry[0] == generation:
            _generation_, route.site, route.lesson_id, route.restriction_ids = entry
            route.known = True
            request._wagtail_site = route.site
        return route

    def restrictions_for(self, lesson_id: int) -> tuple[int, ...] | None:
        return self.restriction_ids if self.lesson_id == lesson_id else None

    def found(self, lesson_id: int, restriction_ids: tuple[int, ...]) -> None:
        self.lesson_id, self.restriction_ids = lesson_id, restriction_ids

    def store(self, request) -> None:
        """Keep what this request's routing found, if it found a lesson."""
        site = getattr(request, "_wagtail_site", None)
        if self.known or self.restriction_ids is None or site is None or _outage():
            return
        entry = (self.generation, site, self.lesson_id, self.restriction_ids)
        cache.set(self.key, entry, TIMEOUT)


# The current request's LessonRoute: LessonPage.get_view_restrictions reads and fills it
# (Wagtail's privacy hook asks the page, not the request).
current_route: contextvars.ContextVar[LessonRoute | None] = contextvars.ContextVar(
    "lesson_route", default=None
)


class LessonCacheMiddleware:
    """Serves stored lesson pages before Wagtail routes the request; stores the ones
    LessonPage.serve marked as cacheable. Sits after CsrfViewMiddleware, which sets the
    CSRF cookie for the token a stored page receives."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # courses.asgi asks for stored pages only: it must never reach a view.
        hits_only = getattr(request, HITS_ONLY_ATTRIBUTE, False)
        cacheable = request_cacheable(request)
        if hits_only and not cacheable:
            return _not_stored()
        # A path this process served as a lesson: its routing facts come along.
        routed = request.method == "GET" and request.path in lesson_paths
        if not cacheable and not routed:
            return self.get_response(request)
        key = _key(request) if cacheable else None
        route_key = LessonRoute.key_for(request) if routed and not hits_only else None
        keys = [k for k in (GENERATION_KEY, key, route_key) if k is not None]
        found = cache.get_many(keys)
        if _outage():
            return _not_stored() if hits_only else self.get_response(request)
        generation = _generation(found.get(GENERATION_KEY))
        entry = found.get(key) if cacheable else None
        if entry is not None and entry[0] == generation:
            return self._from_cache(request, entry)
        if hits_only:
            return _not_stored()
        if routed:
            route = LessonRoute.read(
                request,
                key=route_key,
                generation=generation,
                entry=found.get(route_key),
            )
            response = self._routed(request, route)
        else:
            response = self.get_response(request)
        if cacheable and self._storable(request, response) and not _outage():
            self._store(key, generation, response)
        return response

    def _routed(self, request, route: LessonRoute):
        """The view with the path's routing facts at hand, and kept if they are new."""
        token = current_route.set(route)
        try:
            response = self.get_response(request)
        finally:
            current_route.reset(token)
        if response.status_code == 200:
            route.store(request)
        return response

    @staticmethod
    def _store(key: str, generation: str, response) -> None:
        content = _TOKEN_FIELD.sub(
            lambda m: m.group(1) + TOKEN_HOLE + m.group(3),
            response.content.decode(response.charset),
        )
        # Headers of the page and of the middleware inside this one (X-Frame-Options):
        # a stored page skips them.
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in _HEADERS_NOT_KEPT
        }
        cache.set(key, (generation, content, headers), TIMEOUT)
        response[HIT_HEADER] = "miss"

    @staticmethod
    def _storable(request, response) -> bool:
        session = getattr(request, "session", None)
        return (
            getattr(response, CACHEABLE_ATTRIBUTE, False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not (session is not None and session.modified)
        )

    @staticmethod
    def _from_cache(request, entry) -> HttpResponse:
        _generation_, content, headers = entry
        if TOKEN_HOLE in content:
            content = content.replace(TOKEN_HOLE, get_token(request))
        response = HttpResponse(content, headers=headers)
        response[HIT_HEADER] = "hit"
        return response


def _not_stored() -> HttpResponse:
    """The answer to a hits-only request without a current stored page (no HIT_HEADER):
    courses.asgi passes the request on to Django's handler instead."""
    return HttpResponse(status=204)


def _page_changed(sender, instance=None, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        invalidate()


def _content_changed(sender, **kwargs):
    invalidate()


def connect_signals() -> None:
    """Wire the invalidation (CoursesConfig.ready). Renditions are left out: one is
    made while a page renders, with a URL derived from its image, which does count."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from taggit.models import Tag
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move
    from wagtailmedia.models import get_media_model

    uid = "courses.cache"
    post_save.connect(_page_changed, dispatch_uid=f"{uid}.page_saved")
    post_delete.connect(_page_changed, dispatch_uid=f"{uid}.page_deleted")
    page_published.connect(_content_changed, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(_content_changed, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(_content_changed, dispatch_uid=f"{uid}.moved")
    # Privacy set on a lesson or any page above it must reach stored lessons at once:
    # a restricted page is never stored, but one stored before the restriction would
    # otherwise stay public until it expired.
    m2m_changed.connect(
        _content_changed,
        sender=PageViewRestriction.groups.through,
        dispatch_uid=f"{uid}.pageviewrestriction.groups",
    )
    for model in (
        get_image_model(),
        get_media_model(),
        get_document_model(),
        Tag,
        Site,
        PageViewRestriction,
    ):
        label = model._meta.label_lower
        post_save.connect(_content_changed, sender=model, dispatch_uid=f"{uid}.{label}")
        post_delete.connect(
            _content_changed, sender=model, dispatch_uid=f"{uid}.{label}.deleted"
        )
