"""Navigation shared by every public page: 学习 / 练习 / 调查 / 我的."""

from django.utils.translation import gettext_lazy as _

NAV_ITEMS = [
    ("learn", _("学习"), "/learn/"),
    ("practice", _("练习"), "/practice/"),
    ("surveys", _("调查"), "/surveys/"),
    ("me", _("我的"), "/me/"),
]


def navigation(request):
    path = request.path
    items = [
        {"key": key, "label": label, "url": url, "current": path.startswith(url)}
        for key, label, url in NAV_ITEMS
    ]
    return {"nav_items": items}
