"""Blank import templates: a workbook whose first sheet is the header row an importer
reads, and whose second sheet explains each column.

The first sheet has no example row on purpose: an example left in place would be imported
as data (a unit called 示例, a person called 张三). The importers read only the first
sheet, so the notes never reach them.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .exporting import append_row

# Excel shows about one CJK character per two width units.
MIN_WIDTH, MAX_WIDTH = 12, 60


def _width(text: str) -> int:
    wide = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return max(MIN_WIDTH, min(MAX_WIDTH, wide + 4))


def import_template_xlsx(
    *,
    sheet_title: str,
    headers: Sequence[str],
    notes_title: str,
    notes: Sequence[tuple[str, str]],
    text_columns: Collection[str] = (),
) -> bytes:
    """`notes` is one (header, explanation) per column, shown on the second sheet.

    Columns named in `text_columns` are formatted as text, so that Excel keeps what
    people type: a code 007 stays 007 and a phone number is not shown as 1.38E+10.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    append_row(sheet, headers)
    bold = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=index).font = bold
        column = sheet.column_dimensions[get_column_letter(index)]
        column.width = _width(header)
        if header in text_columns:
            column.number_format = "@"
    sheet.freeze_panes = "A2"

    explained = workbook.create_sheet(title=notes_title[:31])
    explained.append([_("列名"), _("说明")])
    for header, explanation in notes:
        append_row(explained, [header, str(explanation)])
    explained.column_dimensions["A"].width = MIN_WIDTH + 4
    explained.column_dimensions["B"].width = MAX_WIDTH + 20
    for number, row in enumerate(explained.iter_rows(), start=1):
        row[0].font = bold
        if number == 1:
            row[1].font = bold
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
