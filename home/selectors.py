"""Reads for the site shell: sections that apps contribute to the home page and "我的".

An app registers a hook returning a `Section` (or None to show nothing):

    @hooks.register("home_sections")
    def courses_on_home(request, page): return Section(order=10, template=..., context={...})

so the home app never imports the feature apps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wagtail import hooks


@dataclass(order=True)
class Section:
    order: int
    template: str = field(compare=False)
    context: dict = field(default_factory=dict, compare=False)


def _collect(hook_name: str, **kwargs) -> list[Section]:
    sections = [fn(**kwargs) for fn in hooks.get_hooks(hook_name)]
    return sorted(s for s in sections if s is not None)


def home_sections(*, request, page) -> list[Section]:
    return _collect("home_sections", request=request, page=page)


def me_sections(*, request) -> list[Section]:
    return _collect("me_sections", request=request)


def search_pages(*, query: str) -> list:
    """Live public pages matching `query`, best first (Chinese-aware: courses/search.py)."""
    from wagtail.models import Page

    from courses.search import search_pages as search_chinese

    pages = Page.objects.live().public().specific()
    return list(search_chinese(queryset=pages, query=query)[:200])
