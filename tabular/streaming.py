"""Read a large spreadsheet one row at a time (paper questionnaires: 50,000 rows and more).

`read_table` (openpyxl) holds every row and reads about 50,000 cells a second; a
50,000-row paper file has a million. Here the worksheet XML is parsed with expat as it is
decompressed and each row is handed on as soon as it ends, so memory does not grow with
the file and reading takes a second or two. Cells give their text as `read_table` gives
it (whole numbers without ".0", shared and inline strings, cached formula results); cell
styles are not read, so a date cell gives its serial number — fine for answer codes,
not a reader for every sheet.
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

from .reading import SUPPORTED_EXTENSIONS, Row, TableError, _cell_text, decode_text

CHUNK = 1 << 16


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


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of the first worksheet, row by row."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
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
            width = len(cells)
            if column >= width:
                cells.extend([""] * (column - width + 1))
            cells[column] = value.strip()
        elif tag == "row":
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
    reader = csv.reader(io.StringIO(decode_text(data), newline=""))
    for number, cells in enumerate(reader, start=1):
        yield number, [c.strip() for c in cells]


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
    raw = _xlsx_rows(data) if suffix == ".xlsx" else _csv_rows(data)
    aliases = {k.strip().lower(): v for k, v in (aliases or {}).items()}
    header = next((cells for _n, cells in raw if any(cells)), None)
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
            if not any(cells):
                continue
            width = len(cells)
            yield Row(
                number=number,
                values={h: (cells[i] if i < width else "") for i, h in named},
            )

    return StreamedTable(headers=[h for _i, h in named], rows=RowStream(rows()))
