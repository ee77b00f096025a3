"""Each unit's anonymous link in a campaign: what the posters print, the distribution page
lists and `campaign_links` writes. One builder, so a file and a poster never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from tabular.exporting import rows_to_csv, rows_to_xlsx

from .models import Campaign, CampaignUnit

LINK_HEADERS: Sequence[str] = ("unit_code", "unit_name", "link")


@dataclass(frozen=True)
class UnitLink:
    member: CampaignUnit
    url: str


def unit_link_url(*, member: CampaignUnit) -> str:
    # From the configured public address, not the request: an administrator on an
    # intranet address or behind a proxy must still print links people can reach.
    return settings.SITE_BASE_URL + reverse("surveys:unit_link", args=[member.token])


def campaign_links(
    *, campaign: Campaign, include_empty: bool = False, unit_code: str | None = None
) -> list[UnitLink]:
    """Units in tree order. Units with a snapshot headcount of 0 (a town or a department
    that only groups others) have nobody to answer, so they get no link unless asked."""
    members = CampaignUnit.objects.filter(campaign=campaign).select_related(
        "unit__kind"
    )
    if not include_empty:
        members = members.filter(headcount__gt=0)
    if unit_code:
        members = members.filter(unit__code=unit_code)
    return [
        UnitLink(member=m, url=unit_link_url(member=m))
        for m in members.order_by("unit__path")
    ]


def campaign_links_rows(*, links: Sequence[UnitLink]) -> list[tuple[str, str, str]]:
    return [(link.member.unit.code, link.member.unit.name, link.url) for link in links]


def campaign_links_file(*, links: Sequence[UnitLink], file_format: str) -> bytes:
    """csv (UTF-8 with BOM, for Excel) or xlsx; both formula-safe."""
    rows = campaign_links_rows(links=links)
    if file_format == "csv":
        return rows_to_csv(LINK_HEADERS, rows)
    if file_format == "xlsx":
        return rows_to_xlsx([("links", LINK_HEADERS, rows)])
    raise ValueError(f"unknown format {file_format!r}")
