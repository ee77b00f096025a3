"""Read a spreadsheet one row at a time: the one reader of every import (units, people,
questions, survey structure, paper questionnaires).

openpyxl holds every row, reads about 50,000 cells a second and pads each row to the
range the sheet declares: a 1.5 KB file declaring A1:XFD8000 became 131 million empty
cells (15 s, 1.2 GB). Here the worksheet XML is parsed with expat as it is decompressed
and each row is handed on as soon as it ends, with only the cells that hold text, so
memory does not grow with the declared range and reading takes a second or two.

Limits (LIMITS, refused with a clear TableError before or while reading):
- the archive may expand to MAX_UNCOMPRESSED_BYTES in all (the sum of its members'
  sizes, which zipfile also enforces while decompressing), and no more than
  MAX_COMPRESSION_RATIO times its compressed size once past RATIO_FLOOR_BYTES — real
  sheets compress about 10 times, zip bombs hundreds or thousands of times;
- MAX_ROWS data rows and MAX_COLUMNS columns with text (empty cells past the last
  one with text, and blank rows, are dropped, not counted).

Cells give their text as Excel shows it for the importers' purposes: whole numbers
without ".0", shared and inline strings, cached formula results, the apostrophe an
export put before formula-like text removed (tabular.exporting.unquote). Cell styles
are not read, so a date cell gives its serial number; no importer reads dates.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from xml.parsers import expat

from django.utils.translation import gettext as _

from .exporting import unquote
from .reading import SUPPORTED_EXTENSIONS, Row, TableError, _cell_text, decode_text

CHUNK = 1 << 16

MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024


class RowStream:
    """Rows read as they are iterated, once; `len()` is the number read so far (all of
    them once iterated), which is what the import log reports."""

    def __init__(self, rows: Iterator[Row]):
        self._rows = rows
        self._count = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self._rows:
            self._count += 1
            yield row

    def __len__(self) -> int:
        return self._count


@dataclass
class StreamedTable:
    """Like reading.Table, but `rows` can be iterated once only."""

    headers: list[str]
    rows: RowStream
    header_row: int = 1


class _LocalNames(dict):
    """Tag → local name. Some writers prefix the spreadsheet namespace (`x:c`); the
    local name is enough. Kept per tag: a million cells have only a handful of tags."""

    def __missing__(self, name: str) -> str:
        self[name] = local = name[name.find(":") + 1 :]
        return local


_local = _LocalNames().__getitem__


def _parser(start=None, end=None, text=None):
    """An expat parser that refuses DTDs and entities: no xlsx part has them, and they
    are how XML bombs and external-entity reads work."""

    def refuse(*_args):
        raise TableError(_("无法读取 xlsx 文件：%(error)s") % {"error": "DTD"})

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    return parser


def _elements(archive: zipfile.ZipFile, name: str) -> list[tuple[str, dict]]:
    """(local tag, attributes) of every element of a small part (workbook, relations)."""
    found: list[tuple[str, dict]] = []
    _parser(start=lambda tag, attrs: found.append((_local(tag), attrs))).Parse(
        archive.read(name), True
    )
    return found


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[str, str | None]:
    """Paths of the first worksheet (workbook order, as openpyxl's `worksheets[0]`) and
    of the shared strings, if any."""
    sheet_id = next(
        (
            value
            for tag, attrs in _elements(archive, "xl/workbook.xml")
            if tag == "sheet"
            for key, value in attrs.items()
            if key == "id" or key.endswith(":id")
        ),
        None,
    )
    targets, strings = {}, None
    for tag, attrs in _elements(archive, "xl/_rels/workbook.xml.rels"):
        if tag != "Relationship":
            continue
        path = _resolve("xl/workbook.xml", attrs.get("Target", ""))
        targets[attrs.get("Id")] = path
        if attrs.get("Type", "").endswith("/sharedStrings"):
            strings = path
    sheet = targets.get(sheet_id)
    if sheet is None:
        raise TableError(_("无法读取 xlsx 文件：%(error)s") % {"error": "no worksheet"})
    return sheet, strings


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    strings: list[str] = []
    parts: list[str] = []
    state = {"text": False, "phonetic": False}

    def start(tag, _attrs):
        tag = _local(tag)
        if tag == "si":
            parts.clear()
        elif tag == "t":
            state["text"] = not state["phonetic"]
        elif tag == "rPh":  # phonetic guide (furigana): not part of the text
            state["phonetic"] = True

    def end(tag):
        tag = _local(tag)
        if tag == "si":
            strings.append("".join(parts))
        elif tag == "t":
            state["text"] = False
        elif tag == "rPh":
            state["phonetic"] = False

    def text(data):
        if state["text"]:
            parts.append(data)

    parser = _parser(start, end, text)
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return strings


class _ColumnIndexes(dict):
    """Column letters (`AB`) → index (27), kept: a sheet has few columns."""

    def __missing__(self, letters: str) -> int:
        index = 0
        for char in letters.upper():
            index = index * 26 + ord(char) - 64
        self[letters] = index - 1
        return index - 1


DIGITS = "0123456789"


def _number_text(value: str) -> str:
    # As openpyxl casts numbers (int unless it has a point or an exponent), then as
    # read_table prints them, so both readers give the same text for the same cell.
    try:
        number = (
            float(value) if "." in value or "E" in value or "e" in value else int(value)
        )
    except ValueError:
        return value.strip()
    return _cell_text(number)


def _too_large() -> TableError:
    return TableError(
        _(
            "文件过大：解压后超过 %(mb)s MB。请删去无关的工作表和格式，"
            "或拆分成几个文件分批导入。"
        )
        % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
    )


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse an archive that would expand too far, before reading any of it."""
    members = archive.infolist()
    expanded = sum(m.file_size for m in members)
    if expanded > MAX_UNCOMPRESSED_BYTES:
        raise _too_large()
    compressed = sum(m.compress_size for m in members)
    if expanded > RATIO_FLOOR_BYTES and expanded > MAX_COMPRESSION_RATIO * max(
        compressed, 1
    ):
        raise TableError(
            _(
                "文件压缩比异常（解压后是原来的 %(ratio)s 倍），不像正常的表格文件，"
                "未读取。请在 Excel 中另存为 xlsx 后再上传。"
            )
            % {"ratio": expanded // max(compressed, 1)}
        )


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _too_wide(row: int, column: int) -> TableError:
    return TableError(
        _(
            "列数过多：第 %(row)s 行第 %(letter)s 列（第 %(column)s 列）还有内容，"
            "最多 %(limit)s 列。请删去无关的列后再导入。"
        )
        % {
            "row": row,
            "letter": _column_letters(column),
            "column": column + 1,
            "limit": MAX_COLUMNS,
        }
    )


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of the first worksheet, row by row: only rows with
    text, each up to its last cell with text."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_archive(archive)
        sheet, strings_name = _workbook_parts(archive)
        strings = _shared_strings(archive, strings_name) if strings_name else []
        handle = archive.open(sheet)
    except (zipfile.BadZipFile, KeyError, expat.ExpatError, OSError) as exc:
        raise TableError(_("无法读取 xlsx 文件：%(error)s") % {"error": exc}) from exc
    done: list[tuple[int, list[str]]] = []
    cells: list[str] = []
    parts: list[str] = []
    # A million cells call these handlers five times each: closures over plain
    # variables and cached lookups keep that to a second or two.
    row, column, kind, collect = 0, 0, "n", False
    local, column_of = _local, _ColumnIndexes().__getitem__

    def start(tag, attrs):
        nonlocal row, column, kind, collect
        tag = local(tag)
        if tag == "c":
            ref = attrs.get("r")
            column = column_of(ref.rstrip(DIGITS)) if ref else len(cells)
            kind = attrs.get("t", "n")
            parts.clear()
        elif tag == "v" or tag == "t":
            collect = True
        elif tag == "row":
            cells.clear()
            row = int(attrs["r"]) if "r" in attrs else row + 1

    def end(tag):
        nonlocal collect
        tag = local(tag)
        if tag == "v" or tag == "t":
            collect = False
        elif tag == "c":
            value = parts[0] if len(parts) == 1 else "".join(parts)
            if kind == "s":
                value = strings[int(value)] if value else ""
            elif kind == "n":
                value = _number_text(value) if value else ""
            elif kind == "b":
                value = "True" if value == "1" else "False"
            value = value.strip()
            if not value:
                # An empty cell far to the right (XFD) must not widen the row.
                return
            if column >= MAX_COLUMNS:
                raise _too_wide(row, column)
            width = len(cells)
            if column >= width:
                cells.extend([""] * (column - width + 1))
            cells[column] = value
        elif tag == "row" and cells:
            done.append((row, cells.copy()))

    def text(data):
        if collect:
            parts.append(data)

    parser = _parser(start, end, text)
    try:
        with handle:
            while chunk := handle.read(CHUNK):
                parser.Parse(chunk, False)
                yield from done
                done.clear()
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, IndexError, ValueError) as exc:
        raise TableError(_("无法读取 xlsx 文件：%(error)s") % {"error": exc}) from exc
    yield from done


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts), with the xlsx reader's trimming and column limit."""
    if len(data) > MAX_UNCOMPRESSED_BYTES:
        raise _too_large()
    reader = csv.reader(io.StringIO(decode_text(data), newline=""))
    try:
        for number, cells in enumerate(reader, start=1):
            cells = [c.strip() for c in cells]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise _too_wide(number, len(cells) - 1)
            if cells:
                yield number, cells
    except csv.Error as exc:
        raise TableError(_("无法读取 csv 文件：%(error)s") % {"error": exc}) from exc


def _limited(
    raw: Iterator[tuple[int, list[str]]],
) -> Iterator[tuple[int, list[str]]]:
    """Rows with text, apostrophes of exports removed, refused past MAX_ROWS data rows
    (the header is the first row with text, so one more)."""
    count = 0
    for number, cells in raw:
        cells = [unquote(c) if c.startswith("'") else c for c in cells]
        if not any(cells):
            continue
        count += 1
        if count > MAX_ROWS + 1:
            raise TableError(
                _("行数过多：超过 %(limit)s 行数据。请拆分成几个文件分批导入。")
                % {"limit": f"{MAX_ROWS:,}"}
            )
        yield number, cells


def stream_table(
    data: bytes,
    filename: str,
    *,
    required: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
) -> StreamedTable:
    """Read the header of `data` (xlsx or csv) now and its rows as they are iterated,
    with the rules of reading.read_table: the first non-blank row is the header,
    `aliases` map alternative headers, fully blank rows are skipped, and a row's number
    is the one the user sees in Excel. TableError (the file as a whole is unreadable)
    can also come while iterating, from a damaged worksheet."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise TableError(
            _("不支持的文件类型“%(suffix)s”：请上传 xlsx 或 csv 文件。")
            % {"suffix": suffix or "?"}
        )
    if not data:
        raise TableError(_("文件是空的。"))
    raw = _limited(_xlsx_rows(data) if suffix == ".xlsx" else _csv_rows(data))
    aliases = {k.strip().lower(): v for k, v in (aliases or {}).items()}
    # Headers are matched regardless of case ("Code", "HEADCOUNT"): the canonical
    # names too, not only their alternatives.
    for name in (*required, *aliases.values()):
        aliases.setdefault(name.lower(), name)
    header_row, header = next(raw, (1, None))
    if header is None:
        raise TableError(_("文件中没有表头和数据。"))
    headers = []
    for cell in header:
        name = cell.lstrip("\ufeff").strip()
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
    named = [(i, h) for i, h in enumerate(headers) if h]

    def rows() -> Iterator[Row]:
        for number, cells in raw:
            width = len(cells)
            yield Row(
                number=number,
                values={h: (cells[i] if i < width else "") for i, h in named},
            )

    return StreamedTable(
        headers=[h for _i, h in named], rows=RowStream(rows()), header_row=header_row
    )
