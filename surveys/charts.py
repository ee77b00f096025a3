"""Server-rendered SVG charts for the scorecard (no JavaScript library, no CDN).

Every label is escaped: unit names are typed by users.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

GREEN, RED, AMBER, GREY, INK = "#1f6f5c", "#b3261e", "#b26a00", "#8a9490", "#1d2420"
STATUS_COLOURS = {"met": GREEN, "not_met": RED, "uncertain": AMBER}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def bars(
    rows: list[dict],
    *,
    metric: str,
    target: float,
    title: str,
    status_key: str | None = None,
) -> SafeString:
    """Horizontal bars of `metric` per row against a dashed target line. Rates above 100%
    are drawn to the edge and labelled, not clipped silently."""
    label_w, bar_w, row_h, top = 170, 360, 26, 28
    height = top + row_h * max(1, len(rows)) + 24
    width = label_w + bar_w + 70
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold" fill="{INK}">{escape(title)}</text>',
    ]
    for i, row in enumerate(rows):
        y = top + i * row_h
        value = row.get(metric)
        status = row.get(status_key) if status_key else None
        colour = STATUS_COLOURS.get(status, GREY)
        length = 0 if value is None else min(value, 1.0) * bar_w
        name = row.get("unit_name") or row.get("unit_kind") or ""
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end" '
            f'fill="{INK}">{escape(name[:14])}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 10}" '
            f'fill="{colour}" rx="2"><title>{escape(name)}: {_pct(value)}</title></rect>'
        )
        anomaly = " ⚠" if value is not None and value > 1 else ""
        parts.append(
            f'<text x="{label_w + length + 4:.1f}" y="{y + 15}" font-size="11" '
            f'fill="{INK}">{_pct(value)}{anomaly}</text>'
        )
    x = label_w + target * bar_w
    parts.append(
        f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 18}" stroke="{RED}" '
        'stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="{x:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" '
        f'fill="{RED}">{escape(_pct(target))}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped


def trend_line(points: list[dict], *, target: float, title: str) -> SafeString:
    """Cumulative participation rate per day with the target line."""
    width, height, left, top, bottom = 560, 200, 44, 24, 30
    plot_w, plot_h = width - left - 12, height - top - bottom
    top_value = (
        max([target] + [p["participation_rate"] or 0 for p in points]) * 1.1 or 1
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold" fill="{INK}">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{GREY}"/>',
    ]

    def y_of(value: float) -> float:
        return top + plot_h - (value / top_value) * plot_h

    ty = y_of(target)
    parts.append(
        f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="{RED}" '
        'stroke-dasharray="4 3"/>'
        f'<text x="{left - 4}" y="{ty + 4:.1f}" font-size="10" text-anchor="end" fill="{RED}">'
        f"{escape(_pct(target))}</text>"
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
                f"{escape(point['date'])}: {point['cumulative']} · {_pct(point['participation_rate'])}"
                "</title></circle>"
            )
        for index in sorted({0, len(points) - 1}):
            x = coords[index][0]
            parts.append(
                f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle" '
                f'fill="{INK}">{escape(points[index]["date"][5:])}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped
