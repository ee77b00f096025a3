"""The host's pages in the Wagtail admin: the contest list, the create form, the
projector screen and the results (with their xlsx export).

Who may host and who may control a contest is decided by the services (can_host,
can_control); these views only ask.
"""

from __future__ import annotations

from functools import wraps

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tabular.exporting import download_response
from units.permissions import can_see_answer_keys, is_administrator

from ..models import QuizPage
from . import selectors, services
from .exports import results_xlsx
from .models import Contest, Phase

PER_PAGE = 20
MAX_QUESTIONS = 100


def _require_host(request) -> None:
    if not services.can_host(request.user):
        raise PermissionDenied


class NotYourContest(Exception):
    pass


def _controlled_contest(request, contest_id: int) -> Contest:
    """The contest, when this user may run it: 404 when there is none, 403 when it is
    someone else's (a plain 403: Wagtail would turn PermissionDenied into a redirect
    to the dashboard, which hides from a host why the link did not work)."""
    contest = get_object_or_404(Contest, pk=contest_id)
    if not services.can_control(contest=contest, user=request.user):
        raise NotYourContest
    return contest


def _host_of_contest(view):
    @wraps(view)
    def wrapper(request, contest_id: int):
        try:
            contest = _controlled_contest(request, contest_id)
        except NotYourContest:
            return HttpResponseForbidden(_("只有本场竞赛的主持人可以操作。"))
        return view(request, contest)

    return wrapper


def join_url(pin: str) -> str:
    """The absolute address phones open, with the PIN filled in. The join page lives at
    /contests/join/; until its route exists the same address is built by hand."""
    try:
        path = reverse("quizzes:contest_join")
    except NoReverseMatch:
        path = "/contests/join/"
    return f"{settings.SITE_BASE_URL}{path}?{urlencode({'pin': pin})}"


def qr_svg(url: str) -> SafeString:
    """The same QR drawing as the survey posters: a viewBox sized by CSS and the standard
    quiet zone of 4 modules on white, so it scans from the back of a hall."""
    svg = segno.make(url, error="m").svg_inline(
        border=4, omitsize=True, light="#fff", title=url
    )
    return mark_safe(svg)  # noqa: S308 - segno writes the SVG and escapes the title


# --- list ---------------------------------------------------------------------------


def contest_list(request):
    _require_host(request)
    contests = selectors.contests_for_host(
        user=request.user, is_administrator=is_administrator(request.user)
    )
    page = Paginator(contests, PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "quizzes/contests/host_list.html",
        {
            "page_title": _("知识竞赛"),
            "header_title": _("知识竞赛"),
            "header_icon": "desktop",
            "page_obj": page,
            "contests": page.object_list,
            "all_hosts": is_administrator(request.user),
            "podium": Phase.PODIUM,
        },
    )


# --- create -------------------------------------------------------------------------


class QuizChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, quiz):
        count = services.source_question_count(quiz=quiz)
        return _("%(title)s（%(count)s 题）") % {"title": quiz.title, "count": count}


class ContestForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("竞赛名称"), max_length=200)
    source = forms.ChoiceField(
        label=gettext_lazy("题目来源"),
        choices=[
            ("quiz", gettext_lazy("一个测验的题目")),
            ("tag", gettext_lazy("题库中一个标签的题目")),
        ],
        widget=forms.RadioSelect,
        initial="tag",
    )
    quiz = QuizChoiceField(
        label=gettext_lazy("测验"),
        queryset=QuizPage.objects.none(),
        required=False,
        empty_label=gettext_lazy("（选择测验）"),
        help_text=gettext_lazy(
            "固定题目的测验按测验中的顺序；随机抽题的测验按它的抽题规则抽取。"
            "只面向部分单元类型的题目不会出现在竞赛中。"
        ),
    )
    tag = forms.ChoiceField(
        label=gettext_lazy("题库标签"),
        required=False,
        help_text=gettext_lazy("括号中是该标签下启用的题目数。"),
    )
    question_count = forms.IntegerField(
        label=gettext_lazy("抽题数量（按标签时）"),
        min_value=1,
        max_value=MAX_QUESTIONS,
        initial=10,
        help_text=gettext_lazy("从标签中随机抽取的题数；标签下题目不足时全部使用。"),
    )
    answer_seconds = forms.IntegerField(
        label=gettext_lazy("答题时间（秒）"), min_value=5, max_value=120, initial=20
    )
    reading_seconds = forms.IntegerField(
        label=gettext_lazy("读题时间（秒）"),
        min_value=0,
        max_value=60,
        initial=5,
        help_text=gettext_lazy("大屏先显示题干这么多秒，然后手机上的选项才亮起。"),
    )
    streak_bonus = forms.BooleanField(
        label=gettext_lazy("连对加分"),
        required=False,
        initial=True,
        help_text=gettext_lazy("从连续答对第 2 题起每题 +100，最多 +500。"),
    )
    late_join_until = forms.IntegerField(
        label=gettext_lazy("允许迟到加入至第几题"),
        min_value=0,
        max_value=MAX_QUESTIONS,
        initial=0,
        help_text=gettext_lazy("0 表示开赛后不能再加入。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = QuizPage.objects.live().order_by("title")
        self.fields["tag"].choices = [("", _("（选择标签）"))] + [
            (name, _("%(tag)s（%(count)s 题）") % {"tag": name, "count": n})
            for name, n in selectors.bank_tag_counts()
        ]

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        quiz, tag = cleaned.get("quiz"), cleaned.get("tag") or ""
        if source == "quiz":
            if quiz is None:
                self.add_error("quiz", _("请选择一个测验。"))
                return cleaned
            tag = ""
        elif source == "tag":
            if not tag:
                self.add_error("tag", _("请选择一个题库标签。"))
                return cleaned
            quiz = None
        else:
            return cleaned
        cleaned["quiz"], cleaned["tag"] = quiz, tag
        count = services.source_question_count(
            quiz=quiz, tag=tag, question_count=cleaned.get("question_count") or 10
        )
        if count == 0:
            self.add_error(
                source,
                _("所选测验没有可用的题目（启用状态、不限单元类型）。")
                if quiz is not None
                else _("所选标签下没有启用的题目。"),
            )
            return cleaned
        cleaned["yield"] = count
        late = cleaned.get("late_join_until")
        if late is not None and late > count:
            self.add_error(
                "late_join_until",
                _("迟到加入的题号不能超过题目数（%(count)s 题）。") % {"count": count},
            )
        return cleaned


def contest_new(request):
    _require_host(request)
    form = ContestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contest = services.contest_create(
                host=request.user,
                title=data["title"],
                quiz=data["quiz"],
                tag=data["tag"],
                question_count=data["question_count"],
                answer_seconds=data["answer_seconds"],
                reading_seconds=data["reading_seconds"],
                streak_bonus=data["streak_bonus"],
                late_join_until=data["late_join_until"],
            )
        except services.ContestError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("竞赛已创建，房间码 %(pin)s，共 %(count)s 题。")
                % {"pin": contest.pin, "count": contest.questions.count()},
            )
            return redirect("quizzes_admin:contest_screen", contest_id=contest.pk)
    return TemplateResponse(
        request,
        "quizzes/contests/host_create.html",
        {
            "page_title": _("新建知识竞赛"),
            "header_title": _("新建知识竞赛"),
            "header_icon": "desktop",
            "form": form,
        },
    )


# --- projector ----------------------------------------------------------------------


def _screen_labels() -> dict[str, str]:
    """The projector's words, translated here so the static script holds none; {n}
    and the like are filled in by the script."""
    return {
        "questionOf": _("第 {n} / {total} 题"),
        "joined": _("已加入 {n} 人"),
        "waiting": _("等待选手加入…"),
        "more": _("还有 {n} 人"),
        "answered": _("已作答 {n} / {total}"),
        "reading": _("读题"),
        "answering": _("作答剩余"),
        "seconds": _("{n} 秒"),
        "key": _("正确答案：{keys}"),
        "explanation": _("解析："),
        "rule": _("依据："),
        "people": _("{n} 人"),
        "skipped": _("本题已跳过"),
        "noScores": _("还没有选手得分。"),
        "noUnits": _("还没有单元的选手作答。"),
        "remove": _("移出 {name}"),
        "confirmRemove": _("把“{name}”移出本场竞赛？移出后不能再作答或重新加入。"),
        "confirmEnd": _("现在结束竞赛并直接颁奖？"),
        "confirmSkip": _("跳过本题？本题不计分。"),
        "connecting": _("正在连接…"),
        "connected": _("已连接"),
        "reconnecting": _("连接已断开，正在重连…"),
        "forbidden": _("你不能主持这场竞赛。"),
        "gone": _("竞赛不存在。"),
        "average": _("人均 {n}"),
        "points": _("{n} 分"),
    }


@_host_of_contest
def contest_screen(request, contest: Contest):
    """The projector page. Everything after the first paint comes over the host socket
    (contest-host.js), which sends the whole state on every (re)connect."""
    url = join_url(contest.pin)
    return TemplateResponse(
        request,
        "quizzes/contests/host_screen.html",
        {
            "contest": contest,
            "join_url": url,
            "join_display": url.split("://", 1)[-1].split("?", 1)[0],
            "qr": qr_svg(url),
            "labels": _screen_labels(),
            "config": {
                "socket": f"/ws/contests/{contest.pk}/host/",
                "resultsUrl": reverse(
                    "quizzes_admin:contest_results", args=[contest.pk]
                ),
            },
        },
    )


# --- results ------------------------------------------------------------------------


@_host_of_contest
def contest_results(request, contest: Contest):
    players = selectors.results_players(contest=contest)
    return TemplateResponse(
        request,
        "quizzes/contests/host_results.html",
        {
            "page_title": _("竞赛结果"),
            "page_subtitle": contest.title,
            "header_title": _("竞赛结果：%(title)s") % {"title": contest.title},
            "header_icon": "desktop",
            "contest": contest,
            "players": players,
            "questions": selectors.results_questions(contest=contest),
            "units": selectors.unit_ranking(contest=contest),
            "answer_keys": can_see_answer_keys(request.user),
            "flagged": sum(1 for p in players if p["fast"]),
        },
    )


@_host_of_contest
def contest_results_export(request, contest: Contest):
    data = results_xlsx(contest=contest, answer_keys=can_see_answer_keys(request.user))
    return download_response(
        data, stem=f"contest-{contest.pk}-results", file_format="xlsx"
    )
