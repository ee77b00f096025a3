"""Registration only: the points blocks on the home page and in 我的."""

from wagtail import hooks

from . import sections

hooks.register("home_sections", sections.home_section)
hooks.register("me_sections", sections.me_section)
