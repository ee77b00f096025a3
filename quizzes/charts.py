"""Server-drawn SVG for the quiz report (no JavaScript library, no CDN), in the style of
surveys.charts.

The histogram is drawn at a phone's width (its width attribute equals its viewBox), so
it is never scaled down much: on a 390 px screen its 14 px labels still read at about
13 px, and on a desktop it keeps that size rather than stretching.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from surveys.charts import GREEN, GREY, GRID, INK, RED, TICK_SIZE, TITLE_SIZE

LABEL_SIZE = 14
BAR_GREY = "#9aa5a1"


def _bin_label(low: int, high: int) -> str:
    # [low, high); the last bin is [90, 100] and is stored as (90, 101).
    return f"{low}–{min(high, 100)}"


def _count_ticks(top: int) -> list[int]:
    """0 up to at least `top` in 2 to 5 whole steps of 1, 2 or 5 × 10ⁿ."""
    if top <= 0:
        return [0, 1]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(
        (m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), 10 * magnitude
    )
    return [i * step for i in range(math.ceil(top / step) + 1)]


def score_histogram(
    bins: list[tuple[int, int, int]],
    *,
    pass_mark: int,
    title: str,
    chart_id: str,
) -> SafeString:
    """Bars of attempts per score bin ((low, high, count) on 0–100, the last bin
    closed), a count axis, each bar's count above it, and the pass mark as a dashed
    line; bars from the pass mark up are green. `chart_id` keeps the title and
    description ids unique on the page."""
    width, height, left, right, top, bottom = 360, 256, 40, 18, 62, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = _count_ticks(max((n for _low, _high, n in bins), default=0))
    top_value = ticks[-1]
    bar_w = plot_w / max(1, len(bins))

    def x_of(score: float) -> float:
        return left + score / 100 * plot_w

    def y_of(count: float) -> float:
        return top + plot_h - count / top_value * plot_h

    desc = "；".join(
        _("%(band)s 分：%(n)s 次") % {"band": _bin_label(low, high), "n": n}
        for low, high, n in bins
    )
    parts = [
        f'<svg class="quiz-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-title '
        f'{chart_id}-desc" style="display:block;max-width:100%;height:auto" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<text x="0" y="18" font-size="{TITLE_SIZE}" font-weight="bold" '
        f'fill="{INK}">{escape(title)}</text>',
    ]
    axis = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
        )
        axis.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" '
            f'stroke="{GREY}"/><text class="quiz-chart__tick" x="{left - 7}" '
            f'y="{y + 4.5:.1f}" font-size="{TICK_SIZE}" text-anchor="end" '
            f'fill="{INK}">{tick}</text>'
        )
    parts.append('<g class="quiz-chart__y-axis">' + "".join(axis) + "</g>")
    for i, (low, high, n) in enumerate(bins):
        x = left + i * bar_w
        y = y_of(n)
        colour = GREEN if low >= pass_mark else BAR_GREY
        label = _("%(band)s 分") % {"band": _bin_label(low, high)}
        parts.append(
            f'<rect class="quiz-chart__bar" data-low="{low}" data-count="{n}" '
            f'x="{x + 2:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" '
            f'height="{top + plot_h - y:.1f}" fill="{colour}" rx="2">'
            f"<title>{escape(label)}：{n}</title></rect>"
        )
        if n:
            parts.append(
                f'<text class="quiz-chart__value" x="{x + bar_w / 2:.1f}" '
                f'y="{y - 5:.1f}" font-size="{LABEL_SIZE}" text-anchor="middle" '
                f'fill="{INK}">{n}</text>'
            )
    x_axis = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{GREY}"/>'
    ]
    edges = [low for low, _high, _n in bins] + [100]
    for edge in edges:
        x = x_of(edge)
        x_axis.append(
            f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" '
            f'y2="{top + plot_h + 4}" stroke="{GREY}"/><text class="quiz-chart__tick" '
            f'x="{x:.1f}" y="{top + plot_h + 19}" font-size="{TICK_SIZE}" '
            f'text-anchor="middle" fill="{INK}">{edge}</text>'
        )
    x_axis.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" font-size="{TICK_SIZE}" '
        f'text-anchor="middle" fill="{INK}">{escape(_("得分"))}</text>'
    )
    parts.append('<g class="quiz-chart__x-axis">' + "".join(x_axis) + "</g>")
    x = x_of(min(max(pass_mark, 0), 100))
    # The label stays inside the picture when the pass mark is near either end.
    anchor = "end" if x > width - 48 else "start" if x < left + 36 else "middle"
    parts.append(
        f'<line class="quiz-chart__pass" x1="{x:.1f}" y1="{top - 18}" x2="{x:.1f}" '
        f'y2="{top + plot_h}" stroke="{RED}" stroke-width="2" '
        'stroke-dasharray="5 3"/>'
        f'<text class="quiz-chart__pass-label" x="{x:.1f}" y="{top - 24}" '
        f'font-size="{TICK_SIZE}" text-anchor="{anchor}" fill="{RED}">'
        f"{escape(_('及格线 %(mark)s') % {'mark': pass_mark})}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped
