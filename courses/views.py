"""Learner endpoints that are not pages: 我的学习, completing a lesson, media play reports,
and story submissions. Thin: the rules live in services and selectors."""

from __future__ import annotations

import json
import math
import mimetypes
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from units.permissions import can_edit_content

from . import selectors, services
from .forms import StorySubmissionForm
from .models import LessonPage, StoryIndexPage
from .storage import is_pending_photo, private_storage

HISTORY_PAGE_SIZE = 20
SUBMISSIONS_PAGE_SIZE = 20


def _live_lesson(page_id: int) -> LessonPage:
    return get_object_or_404(LessonPage.objects.live().public(), pk=page_id)


@login_required
def my_learning(request):
    context = selectors.my_learning(user=request.user)
    context["history"] = Paginator(
        selectors.learning_history(user=request.user), HISTORY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "courses/my_learning.html", context)


@login_required
@require_POST
def lesson_complete(request, page_id: int):
    lesson = _live_lesson(page_id)
    result = services.lesson_complete(user=request.user, lesson=lesson)
    wants_json = (
        request.get_preferred_type(["text/html", "application/json"])
        == "application/json"
    )
    if result.completed:
        messages.success(request, _("已完成本课，学习记录已保存。"))
        if wants_json:
            return JsonResponse({"completed": True, "url": lesson.url + "#finish"})
        return redirect(lesson.url + "#finish")
    if wants_json:
        # lesson.js shows the message beside the button and counts down from here.
        return JsonResponse(
            {"completed": False, "remaining_seconds": result.remaining_seconds}
        )
    # Not a redirect with a flash message: that would sit at the top of the page, far
    # from the button the learner just pressed. The lesson is drawn again with the
    # message inside the completion section, and the form's #finish lands there.
    context = lesson.get_context(request)
    context["remaining_seconds"] = result.remaining_seconds
    return TemplateResponse(request, lesson.get_template(request), context)


@require_POST
def media_report(request, page_id: int):
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login_required"}, status=403)
    lesson = _live_lesson(page_id)
    try:
        position = float(json.loads(request.body or b"{}").get("position"))
    except (TypeError, ValueError, AttributeError):
        return HttpResponseBadRequest("position")
    if not math.isfinite(position):
        return HttpResponseBadRequest("position")
    progress = services.lesson_media_report(
        user=request.user, lesson=lesson, position=position
    )
    return JsonResponse(
        {
            "played_seconds": round(progress.media_played_seconds, 1),
            "duration": services.lesson_media_duration(lesson=lesson),
        }
    )


def _story_index() -> StoryIndexPage:
    index = StoryIndexPage.objects.live().first()
    if index is None:
        raise Http404
    return index


@login_required
def story_submit(request):
    index = _story_index()
    if request.method == "POST":
        form = StorySubmissionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.story_submit(
                    user=request.user,
                    index=index,
                    title=data["title"],
                    text=data["text"],
                    images=data["images"],
                    token=data["token"],
                    place=data["place"],
                )
            except services.StoryTokenTaken:
                form.add_error(None, _("这份表单已经提交过，请刷新页面后重新填写。"))
                return render(
                    request,
                    "courses/story_submit.html",
                    {"form": form, "index": index},
                    status=409,
                )
            # A form posted again (double tap, several tabs) lands here too, on the
            # one story the first post made.
            messages.success(request, _("投稿已提交，编辑审核通过后将发布。"))
            return redirect("courses:my_submissions")
    else:
        form = StorySubmissionForm(initial={"token": uuid.uuid4()})
    return render(request, "courses/story_submit.html", {"form": form, "index": index})


@login_required
def my_submissions(request):
    submissions = Paginator(
        selectors.submission_list(user=request.user), SUBMISSIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "courses/my_submissions.html", {"submissions": submissions})


def pending_photo(request, name: str):
    """A story photo awaiting moderation (or a rendition of it), for editors only: it
    lives outside MEDIA_ROOT, so this is the only way to it. Anyone else gets a 404, as
    if it did not exist."""
    if not can_edit_content(request.user) or not is_pending_photo(name):
        raise Http404
    storage = private_storage()
    try:
        if not storage.exists(name):
            raise Http404
        handle = storage.open(name, "rb")
    except SuspiciousFileOperation as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
