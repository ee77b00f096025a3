"""Live scorecard updates: after a response commits, tell the campaign's group.

Coalesced: at most one message per unit per second however many responses arrive (a
cache key marks the unit as announced for a second). The consumer waits a second before
reading the scorecard, so responses whose message was coalesced away are still included.
It then pushes the page's live parts rendered here by the page's own templates.

While Redis is down the push is skipped (the layer logs the outage once): the response
is already stored, and dashboards show their figures again when Redis returns.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string

from config.outages import ChannelLayerUnavailable
from units.models import Unit

from . import charts
from .models import Campaign
from .selectors import trend

COALESCE_SECONDS = 1


def group_name(campaign_id: int) -> str:
    return f"surveys.campaign.{campaign_id}"


def announce(*, campaign_id: int, unit_id: int) -> bool:
    """Send one `scorecard.changed` event unless this unit was announced within a second."""
    if not cache.add(f"surveys:live:{campaign_id}:{unit_id}", 1, COALESCE_SECONDS):
        return False
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(
            group_name(campaign_id), {"type": "scorecard.changed", "unit_id": unit_id}
        )
    except ChannelLayerUnavailable:
        return False
    return True


def announce_after_commit(*, campaign_id: int, unit_id: int) -> None:
    transaction.on_commit(lambda: announce(campaign_id=campaign_id, unit_id=unit_id))


def scorecard_page(
    *, campaign: Campaign, report: dict, code: str | None
) -> dict | None:
    """What a scorecard page shows of one unit (`code`, else the report's first row) and
    what changes as answers arrive: its row, ancestors, children, the kinds table (on the
    top row only) and the charts. The page and the live push both build it here, so a
    push re-renders exactly what the page showed. None when the unit is not in the
    report (outside the viewer's scope)."""
    if not report["units"]:
        return None
    rows = {r["unit_code"]: r for r in report["units"]}
    code = code or report["units"][0]["unit_code"]
    row = rows.get(code)
    if row is None:
        return None
    unit = Unit.objects.get(code=code)
    children = [r for r in report["units"] if r["parent_code"] == code]
    ancestors = []
    parent = row["parent_code"]
    while parent in rows:
        ancestors.insert(0, rows[parent])
        parent = rows[parent]["parent_code"]
    points = trend(campaign=campaign, root=unit)
    return {
        "row": row,
        "unit": unit,
        "children": children,
        "ancestors": ancestors,
        "kinds": report["kinds"] if code == report["units"][0]["unit_code"] else [],
        "targets": report["campaign"],
        "trend": points,
    } | charts.scorecard_charts(
        rows=children or [row],
        targets=report["campaign"],
        points=points,
        parent_name=row["unit_name"] if children else "",
    )


FRAGMENTS = {
    "cards": "surveys/admin/_scorecard_cards.html",
    "charts": "surveys/admin/_scorecard_charts.html",
    "children": "surveys/admin/_scorecard_rows.html",
    "kinds": "surveys/admin/_scorecard_rows.html",
}


def scorecard_fragments(*, page: dict) -> dict[str, str]:
    """The live parts of a scorecard page rendered by the page's own templates: the
    headline cards, the charts and the rows of each table (whole rows, so every cell
    a row shows changes together)."""
    tables = {"children": page["children"], "kinds": page["kinds"]}
    return {
        part: render_to_string(
            template,
            page
            | {
                "rows": tables.get(part, []),
                "by_kind": part == "kinds",
            },
        )
        for part, template in FRAGMENTS.items()
    }
