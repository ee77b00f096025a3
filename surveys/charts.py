"""Server-rendered SVG charts for the scorecard (no JavaScript library, no CDN).

Every label is escaped: unit names are typed by users. Each chart is drawn at the size it
is shown on a desktop (its width attribute equals its viewBox), so the font sizes below
are the sizes people read; on a phone the chart only shrinks to the screen width.
Labels never sit on the dashed target line: values have their own column to the right
of the bars, and the target's label is outside the plot area.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

GREEN, RED, AMBER, GREY, INK = "#1f6f5c", "#b3261e", "#b26a00", "#8a9490", "#1d2420"
GRID = "#e3e7e5"
STATUS_COLOURS = {"met": GREEN, "not_met": RED, "uncertain": AMBER}
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 16, 14, 14
NAME_CHARS = 8
BAR_TICKS = (0, 0.25, 0.5, 0.75, 1)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _tick(value: float) -> str:
    return f"{value * 100:.0f}%"


def _short(name: str, *, parent: str = "") -> str:
    """A label that fits the name column. The parent's name is dropped from the front
    (古山镇 → 古山镇示范村 reads 示范村), and a long name keeps its head and its tail,
    where the numbers that tell sibling units apart usually are."""
    if parent and name.startswith(parent) and len(name) > len(parent):
        name = name[len(parent) :]
    if len(name) <= NAME_CHARS:
        return name
    tail = (NAME_CHARS - 1) // 2
    return name[: NAME_CHARS - 1 - tail] + "…" + name[-tail:]


def _open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="{TITLE_SIZE}" font-weight="bold" '
        f'fill="{INK}">{escape(title)}</text>',
    ]


def _target_label(target: float) -> str:
    return _("目标 %(rate)s") % {"rate": _pct(target)}


def bars(
    rows: list[dict],
    *,
    metric: str,
    target: float,
    title: str,
    status_key: str | None = None,
    parent_name: str = "",
) -> SafeString:
    """Horizontal bars of `metric` per row against a dashed target line, with a value
    axis from 0 to 100%. Rates above 100% are drawn to the edge and labelled, not
    clipped silently. `parent_name` is the unit whose children the rows are."""
    label_w, bar_w, value_w, row_h = 128, 200, 80, 28
    top = 50  # title, then the target's label above the plot
    plot_bottom = top + row_h * max(1, len(rows))
    height = plot_bottom + 26
    width = label_w + bar_w + value_w
    parts = _open(width, height, title)
    for tick in BAR_TICKS:
        x = label_w + tick * bar_w
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{plot_bottom}" '
            f'stroke="{GRID}"/>'
            f'<line x1="{x:.1f}" y1="{plot_bottom}" x2="{x:.1f}" y2="{plot_bottom + 4}" '
            f'stroke="{GREY}"/>'
            f'<text class="chart__tick" x="{x:.1f}" y="{plot_bottom + 18}" '
            f'font-size="{TICK_SIZE}" text-anchor="middle" fill="{INK}">{_tick(tick)}</text>'
        )
    parts.append(
        f'<g class="chart__axis"><line x1="{label_w}" y1="{top}" x2="{label_w}" '
        f'y2="{plot_bottom}" stroke="{GREY}"/><line x1="{label_w}" y1="{plot_bottom}" '
        f'x2="{label_w + bar_w}" y2="{plot_bottom}" stroke="{GREY}"/></g>'
    )
    for i, row in enumerate(rows):
        y = top + i * row_h
        value = row.get(metric)
        status = row.get(status_key) if status_key else None
        colour = STATUS_COLOURS.get(status, GREY)
        length = 0 if value is None else min(value, 1.0) * bar_w
        name = row.get("unit_name") or row.get("unit_kind") or ""
        baseline = y + row_h / 2 + 5
        parts.append(
            f'<text x="{label_w - 8}" y="{baseline:.1f}" font-size="{LABEL_SIZE}" '
            f'text-anchor="end" fill="{INK}"><title>{escape(name)}</title>'
            f"{escape(_short(name, parent=parent_name))}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{length:.1f}" height="{row_h - 10}" '
            f'fill="{colour}" rx="2"><title>{escape(name)}: {_pct(value)}</title></rect>'
        )
        anomaly = " ⚠" if value is not None and value > 1 else ""
        parts.append(
            f'<text class="chart__value" x="{label_w + bar_w + 8}" y="{baseline:.1f}" '
            f'font-size="{LABEL_SIZE}" fill="{INK}">{_pct(value)}{anomaly}</text>'
        )
    x = label_w + min(max(target, 0), 1) * bar_w
    parts.append(
        f'<line class="chart__target" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
        f'y2="{plot_bottom}" stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
    )
    parts.append(
        f'<text class="chart__target-label" x="{x:.1f}" y="{top - 8}" '
        f'font-size="{TICK_SIZE}" text-anchor="middle" fill="{RED}">'
        f"{escape(_target_label(target))}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped


def _value_ticks(top_value: float) -> list[float]:
    """0 to at least `top_value` in steps of 25% (10% when every value is small)."""
    step = 0.25 if top_value > 0.5 else 0.1
    return [i * step for i in range(math.ceil(top_value / step - 1e-9) + 1)]


def trend_line(points: list[dict], *, target: float, title: str) -> SafeString:
    """Cumulative participation rate per day on a y axis of percentages, with the
    target line labelled to the right of the plot."""
    width, height, left, top, bottom, right = 408, 230, 48, 34, 30, 120
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = _value_ticks(
        max([target] + [p["participation_rate"] or 0 for p in points]) or 1
    )
    top_value = ticks[-1]
    parts = _open(width, height, title)

    def y_of(value: float) -> float:
        return top + plot_h - (min(value, top_value) / top_value) * plot_h

    axis = [
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{GREY}"/>'
    ]
    for tick in ticks:
        ty = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" '
            f'stroke="{GRID}"/>'
        )
        axis.append(
            f'<line x1="{left - 4}" y1="{ty:.1f}" x2="{left}" y2="{ty:.1f}" '
            f'stroke="{GREY}"/><text class="chart__tick" x="{left - 7}" '
            f'y="{ty + 4.5:.1f}" font-size="{TICK_SIZE}" text-anchor="end" '
            f'fill="{INK}">{_tick(tick)}</text>'
        )
    parts.append('<g class="chart__y-axis">' + "".join(axis) + "</g>")
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{GREY}"/>'
    )
    ty = y_of(target)
    parts.append(
        f'<line class="chart__target" x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" '
        f'y2="{ty:.1f}" stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
        f'<text class="chart__target-label" x="{left + plot_w + 6}" y="{ty + 4.5:.1f}" '
        f'font-size="{TICK_SIZE}" fill="{RED}">{escape(_target_label(target))}</text>'
    )
    if points:
        step = plot_w / max(1, len(points) - 1)
        coords = [
            (
                left + i * step if len(points) > 1 else left + plot_w / 2,
                y_of(p["participation_rate"] or 0),
            )
            for i, p in enumerate(points)
        ]
        parts.append(
            f'<polyline fill="none" stroke="{GREEN}" stroke-width="2" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            + '"/>'
        )
        for (x, y), point in zip(coords, points, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{GREEN}"><title>'
                f"{escape(point['date'])}: {point['cumulative']} · "
                f"{_pct(point['participation_rate'])}</title></circle>"
            )
        for index, anchor in sorted({0: "start", len(points) - 1: "end"}.items()):
            anchor = "middle" if len(points) == 1 else anchor
            parts.append(
                f'<text x="{coords[index][0]:.1f}" y="{height - 8}" '
                f'font-size="{TICK_SIZE}" text-anchor="{anchor}" fill="{INK}">'
                f"{escape(points[index]['date'][5:])}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped


def scorecard_charts(
    *, rows: list[dict], targets: dict, points: list[dict], parent_name: str = ""
) -> dict[str, SafeString]:
    """The four charts of a scorecard page: one bar chart per metric over `rows` (the
    children of `parent_name`, or the unit itself) and the daily participation trend."""
    metrics = [
        ("participation", _("参与率（虚线为目标）")),
        ("recognition", _("认知度（虚线为目标）")),
        ("satisfaction", _("满意度（虚线为目标）")),
    ]
    charts = {
        f"{metric}_chart": bars(
            rows,
            metric=f"{metric}_rate",
            target=targets[f"{metric}_target"],
            title=title,
            status_key=f"{metric}_status",
            parent_name=parent_name,
        )
        for metric, title in metrics
    }
    charts["trend_chart"] = trend_line(
        points, target=targets["participation_target"], title=_("累计参与率（按日）")
    )
    return charts
