"""Turn an uploaded spreadsheet into rows of text keyed by column name.

Excel in China saves CSV as GBK; newer tools write UTF-8, with or without a BOM. We try
UTF-8 (BOM-aware) first because GBK decoding of UTF-8 bytes usually "succeeds" with
garbage, whereas UTF-8 decoding of GBK text almost always fails loudly.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

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


def _read_csv(data: bytes) -> list[list[str]]:
    text = decode_text(data)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for bad files
        raise TableError(_("无法读取 xlsx 文件：%(error)s") % {"error": exc}) from exc
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def read_table(
    data: bytes,
    filename: str,
    *,
    required: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
) -> Table:
    """Read `data` (xlsx or csv) into a Table.

    `aliases` maps alternative headers (e.g. Chinese "编号") to canonical column names.
    Fully blank rows are skipped: spreadsheets often end with a few empty lines.
    """
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise TableError(
            _("不支持的文件类型“%(suffix)s”：请上传 xlsx 或 csv 文件。")
            % {"suffix": suffix or "?"}
        )
    if not data:
        raise TableError(_("文件是空的。"))
    raw = _read_xlsx(data) if suffix == ".xlsx" else _read_csv(data)
    aliases = {k.strip().lower(): v for k, v in (aliases or {}).items()}

    header_index = next(
        (i for i, r in enumerate(raw) if any(_cell_text(c) for c in r)), None
    )
    if header_index is None:
        raise TableError(_("文件中没有表头和数据。"))
    headers = []
    for cell in raw[header_index]:
        name = _cell_text(cell).lstrip("\ufeff")
        headers.append(aliases.get(name.lower(), name))
    missing = [c for c in required if c not in headers]
    if missing:
        raise TableError(
            _("缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)}
        )
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicated:
        raise TableError(
            _("列名重复：%(columns)s。") % {"columns": "、".join(duplicated)}
        )

    table = Table(headers=[h for h in headers if h])
    for offset, cells in enumerate(raw[header_index + 1 :], start=header_index + 2):
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        values = {
            header: (texts[i] if i < len(texts) else "")
            for i, header in enumerate(headers)
            if header
        }
        table.rows.append(Row(number=offset, values=values))
    return table
