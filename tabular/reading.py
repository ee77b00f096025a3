"""Turn an uploaded spreadsheet into rows of text keyed by column name.

Excel in China saves CSV as GBK; newer tools write UTF-8, with or without a BOM. We try
UTF-8 (BOM-aware) first because GBK decoding of UTF-8 bytes usually "succeeds" with
garbage, whereas UTF-8 decoding of GBK text almost always fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

SUPPORTED_EXTENSIONS = (".xlsx", ".csv")


class TableError(Exception):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass
class Row:
    """One data row: its number as the user sees it in Excel (header is row 1)."""

    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    # The header's row number: 1, unless empty rows come before it.
    header_row: int = 1


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores 12 as 12.0; a headcount or code must not become "12.0".
        return str(int(value))
    return str(value).strip()


def decode_text(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM) or GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(
        _("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 xlsx 文件。")
    )


def read_table(
    data: bytes,
    filename: str,
    *,
    required: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
) -> Table:
    """Read `data` (xlsx or csv) into a Table, every row at once.

    `aliases` maps alternative headers (e.g. Chinese "编号") to canonical column names.
    Fully blank rows are skipped: spreadsheets often end with a few empty lines. The
    rows come from tabular.streaming, the one reader of every import, with its limits
    on size, rows and columns.
    """
    # Imported here: streaming builds on this module's Row and TableError.
    from .streaming import stream_table

    table = stream_table(data, filename, required=required, aliases=aliases)
    return Table(
        headers=table.headers, rows=list(table.rows), header_row=table.header_row
    )
