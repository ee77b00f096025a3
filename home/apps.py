from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The site shell: home page, navigation, search, "我的", language and error pages."""

    name = "home"
    verbose_name = _("首页")
