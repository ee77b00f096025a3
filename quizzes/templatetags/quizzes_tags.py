"""Formatting for quiz reports: rates as percentages with one decimal."""

from django import template

register = template.Library()

INDENT = "\u3000"


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def indent(depth) -> str:
    return INDENT * max(0, int(depth) - 1)
