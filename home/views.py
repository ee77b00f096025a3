"""Site-shell views: "我的", search, and error pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .selectors import me_sections, search_pages

SEARCH_PAGE_SIZE = 10


@login_required
def me(request):
    return render(request, "home/me.html", {"sections": me_sections(request=request)})


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    results = search_pages(query=query) if query else []
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "results": page,
        "pagination_query": urlencode({"q": query}),
    }
    return render(request, "home/search.html", context)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # No context processors that touch the database: the error may be the database.
    return HttpResponseServerError(loader.get_template("500.html").render())
