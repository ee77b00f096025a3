"""Display helpers: rates as percentages with one decimal, statuses in words."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATUS_LABELS = {
    "met": _("达标"),
    "not_met": _("未达标"),
    "uncertain": _("待确认"),
    "insufficient_sample": _("样本不足"),
}


@register.filter
def pct(value):
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def one_decimal(value):
    return "—" if value is None else f"{float(value):.1f}"


@register.filter
def status_badge(value):
    if not value:
        return "—"
    return format_html(
        '<span class="sv-status sv-status--{}">{}</span>',
        value,
        STATUS_LABELS.get(value, value),
    )


@register.filter
def anomaly(rate):
    """Participation above 100% is a data anomaly (roster out of date), shown as such."""
    if rate is not None and rate > 1:
        return format_html(
            '<span class="sv-anomaly">{}</span>', _("数据异常：超过 100%")
        )
    return ""
