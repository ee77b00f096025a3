"""The phone's pages: the PIN, then the play screen (which joins and plays over the
player socket, quizzes/static/quizzes/contest-play.js), and the unit search a guest picks
their unit with.

Every page that takes a PIN counts unknown ones against the address, on the same counter
as the socket (consumers.pin_missed), so the pages are no way round its limit.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from units.models import Unit

from . import services
from .consumers import pin_guessing, pin_missed
from .forms import GuestForm, PinForm

UNIT_RESULTS = 20
UNIT_QUERY_MAX = 40


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _guest_key(pin: str) -> str:
    return f"quizzes:contest-guest:{pin}"


def _refused(request, form: PinForm):
    form.add_error(
        None,
        _("这台设备尝试了太多错误的房间码，请 10 分钟后再试。"),
    )
    return render(request, "quizzes/contests/join.html", {"form": form}, status=429)


@never_cache
@require_GET
def contest_join(request):
    """Step one: the 6-digit PIN from the projector. The projector's QR code links here
    with ?pin=, so a scan lands straight on the contest."""
    if "pin" not in request.GET:
        return render(request, "quizzes/contests/join.html", {"form": PinForm()})
    form = PinForm(request.GET)
    if pin_guessing(_address(request)):
        return _refused(request, form)
    if form.is_valid():
        pin = form.cleaned_data["pin"]
        if services.contest_by_pin(pin=pin) is not None:
            return redirect("quizzes:contest_play", pin=pin)
        pin_missed(_address(request))
        form.add_error("pin", _("没有正在进行的竞赛使用这个房间码，请核对大屏幕。"))
    return render(request, "quizzes/contests/join.html", {"form": form}, status=200)


def _unit_paths(units: list[Unit]) -> dict[int, str]:
    """Each unit's place in the tree, 永康市 › 古山镇 › 胡库村, in one extra query."""
    step = Unit.steplen
    prefixes = {u.path[: d * step] for u in units for d in range(1, u.depth)}
    names = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "name"))
    return {
        u.pk: " › ".join(
            [names.get(u.path[: d * step], "") for d in range(1, u.depth)] + [u.name]
        )
        for u in units
    }


def _unit_label(unit: Unit | None) -> str:
    return _unit_paths([unit])[unit.pk] if unit is not None else ""


def _strings() -> dict[str, str]:
    """The screen's words, translated here so the script carries no language."""
    return {
        "connecting": _("正在连接…"),
        "reconnecting": _("重新连接中…"),
        "lobby": _("已加入，等待主持人开始"),
        "players": _("已有 {n} 人加入"),
        "reading": _("即将作答"),
        "answering": _("请作答"),
        "paused": _("主持人已暂停"),
        "question": _("第 {i} / {n} 题"),
        "seconds": _("{s} 秒"),
        "submit": _("提交"),
        "multiple": _("多选题：可选多项，选好后点“提交”"),
        "pick_one": _("请至少选择一项。"),
        "submitted": _("已提交，等待揭晓"),
        "right": _("回答正确"),
        "wrong": _("回答错误"),
        "none": _("本题未作答"),
        "key": _("正确答案：{key}"),
        "your_choice": _("你的选择：{key}"),
        "points": _("本题得分 +{p}"),
        "bonus": _("含连对加分 +{b}（连对 {s} 题）"),
        "total": _("总分 {p} · 第 {r} 名 / 共 {n} 人"),
        "leaderboard": _("排行榜"),
        "you_rank": _("你的排名：第 {r} 名 · {p} 分"),
        "top": _("前几名"),
        "podium": _("竞赛结束"),
        "final": _("最终名次：第 {r} 名 / 共 {n} 人"),
        "final_points": _("总分 {p} 分 · 答对 {c} 题"),
        "points_unit": _("{p} 分"),
        "skipped": _("本题已跳过，请等待下一题"),
        "removed": _("你已被主持人移出本场竞赛。"),
        "rejoin": _("请重新加入本场竞赛。"),
        "unknown": _("没有正在进行的竞赛使用这个房间码，请核对大屏幕。"),
        "too_many": _("这台设备尝试了太多错误的房间码，请 10 分钟后再试。"),
        "ended": _("本场竞赛已结束。"),
        "no_units": _("没有找到这个单元，请换个关键词。"),
        "chosen": _("已选：{unit}"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def contest_play(request, pin: str):
    """Step two and the game: a logged-in person plays under their login; a guest
    gives a name and a unit first (kept in the session, so a reload does not ask
    again). The script then joins over the socket, or rejoins with the token it keeps."""
    if pin_guessing(_address(request)):
        return _refused(request, PinForm({"pin": pin}))
    contest = services.contest_by_pin(pin=pin)
    if contest is None:
        pin_missed(_address(request))
        form = PinForm({"pin": pin})
        form.add_error("pin", _("没有正在进行的竞赛使用这个房间码，请核对大屏幕。"))
        return render(request, "quizzes/contests/join.html", {"form": form}, status=404)
    user = request.user
    guest = None if user.is_authenticated else request.session.get(_guest_key(pin))
    form = None
    if not user.is_authenticated:
        form = GuestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if not services.join_open(contest=contest):
                form.add_error(None, _("本场竞赛已停止加入。"))
            else:
                unit = form.cleaned_data["unit"]
                request.session[_guest_key(pin)] = {
                    "name": form.cleaned_data["name"],
                    "unit": unit.code,
                    "label": _unit_label(unit),
                }
                return redirect("quizzes:contest_play", pin=pin)
        if request.method == "POST":
            guest = None
    play = reverse("quizzes:contest_play", kwargs={"pin": pin})
    context = {
        "contest": contest,
        "pin": pin,
        "form": form,
        "guest": guest,
        "join_open": services.join_open(contest=contest),
        "unit_label": _unit_label(user.unit) if user.is_authenticated else "",
        "units_url": reverse("quizzes:contest_units", kwargs={"pin": pin}),
        "login_url": f"{reverse('accounts:login')}?next={play}",
        "socket_path": f"/ws/contests/play/{pin}/",
        "strings": _strings(),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "quizzes/contests/play.html", context, status=status)


@require_GET
def contest_units(request, pin: str):
    """Units whose name contains ?q= (or whose code is it), with their path in the
    tree, for a guest's unit picker. Only for a live contest's PIN: not a public
    directory of the tree."""
    if pin_guessing(_address(request)):
        return JsonResponse({"error": _strings()["too_many"]}, status=429)
    if services.contest_by_pin(pin=pin) is None:
        pin_missed(_address(request))
        return JsonResponse({"error": _strings()["unknown"]}, status=404)
    query = " ".join(request.GET.get("q", "").split())[:UNIT_QUERY_MAX]
    units = Unit.objects.all()
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__iexact=query))
    else:
        # Nothing typed yet: the top of the tree, to show what the list looks like.
        units = units.filter(depth__lte=2)
    units = list(units.order_by("depth", "path")[:UNIT_RESULTS])
    paths = _unit_paths(units)
    return JsonResponse(
        {
            "results": [
                {"code": u.code, "name": u.name, "path": paths[u.pk]} for u in units
            ]
        }
    )
