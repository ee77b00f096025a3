"""Spreadsheet exports that are safe to open in Excel.

A cell beginning with = + - @ tab or carriage return can run as a formula (CSV injection),
so such text is prefixed with an apostrophe. Numbers are left as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def rows_to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM so that Excel in China opens it with the right encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_to_xlsx(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]],
) -> bytes:
    """`sheets` is a list of (title, headers, rows)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([neutralise(h) for h in headers])
        for row in rows:
            sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download_response(data: bytes, *, stem: str, file_format: str, dated: bool = True):
    """An attachment named `stem-YYYYMMDD.format` (or `stem.format` when not dated).

    The header comes from Django's RFC 6266 helper: a Chinese name (a unit, survey or
    quiz title) is sent as `filename*=utf-8''…`, which browsers decode; written into
    `filename="…"` directly it would be mangled or rejected as non-latin-1.
    """
    from django.http import HttpResponse
    from django.utils import timezone
    from django.utils.http import content_disposition_header

    response = HttpResponse(data, content_type=CONTENT_TYPES[file_format])
    name = f"{stem}-{timezone.localtime():%Y%m%d}" if dated else stem
    response["Content-Disposition"] = content_disposition_header(
        True, f"{name}.{file_format}"
    )
    return response
