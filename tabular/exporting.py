"""Spreadsheet exports that are safe to open in Excel, and that import back unchanged.

One rule for every export (reports, rosters, banks, templates):

- xlsx: text is written as a text cell, never as a formula, so `=HYPERLINK(…)` typed as
  a name stays those characters and `+86 138…` stays readable. (openpyxl would make any
  string beginning with "=" a formula.)
- csv: a cell beginning with = + - @ tab or carriage return can run as a formula when
  Excel opens the file (CSV injection), so it gets a leading apostrophe.
- The importers remove that one apostrophe again (`unquote`). An xlsx cell whose text
  already begins with apostrophes before such a character gets one more, so both
  formats round-trip exactly.
- Characters an xlsx file cannot hold (most of the C0 range) are dropped at write time:
  text stored before the forms refused them must not make an export fail.

Numbers are left as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _quoted(text: str) -> bool:
    """Whether `text` needs (or, read back, carries) the apostrophe: after any
    apostrophes of its own, it begins like a formula."""
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def clean_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def neutralise(value):
    """A value as a csv cell."""
    if isinstance(value, str):
        value = clean_text(value)
        if _quoted(value):
            return "'" + value
    return value


def unquote(text: str) -> str:
    """An imported cell's text as it was before export: without the apostrophe that
    `neutralise` (csv) or `xlsx_cell` (xlsx) added."""
    if text.startswith("'") and _quoted(text):
        return text[1:]
    return text


def xlsx_cell(sheet, value) -> Cell:
    """A cell of `sheet` holding `value`, text always as text."""
    if isinstance(value, str):
        value = clean_text(value)
        if value.startswith("'") and _quoted(value):
            value = "'" + value
    cell = Cell(sheet, value=value)
    if isinstance(value, str):
        # "=…" would be a formula and "#N/A" an error value: both are text here.
        cell.data_type = "s"
    return cell


def append_row(sheet, values: Iterable) -> None:
    """`sheet.append`, with every value through `xlsx_cell`."""
    sheet.append([xlsx_cell(sheet, v) for v in values])


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
        append_row(sheet, headers)
        for row in rows:
            append_row(sheet, row)
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
