"""tabular.streaming reads rows as read_table does, one at a time."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from tabular.reading import TableError, read_table
from tabular.streaming import stream_table

ROWS = [
    ["unit_code", "R1", "N1", "T1"],
    ["YK-01", "A", 12, "很好"],
    [None, None, None, None],
    ["YK-02", "A|B", 1.5, "=1+1"],
    ["YK-03", None, 7.0, True],
]


def _openpyxl_file(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rows(table):
    return [(r.number, r.values) for r in table.rows]


def test_an_xlsx_file_reads_as_read_table_reads_it():
    data = _openpyxl_file(ROWS)
    streamed = stream_table(data, "p.xlsx")
    read = read_table(data, "p.xlsx")
    assert streamed.headers == read.headers == ["unit_code", "R1", "N1", "T1"]
    assert _rows(streamed) == _rows(read)
    # A formula saved without a computed value reads as blank in both.
    assert _rows(read)[1] == (
        4,
        {"unit_code": "YK-02", "R1": "A|B", "N1": "1.5", "T1": ""},
    )


def test_a_csv_file_reads_as_read_table_reads_it():
    data = "\ufeff单元编码,R1\nYK-01,A\n,\nYK-02,B\n".encode()
    aliases = {"单元编码": "unit_code"}
    streamed = stream_table(data, "p.csv", aliases=aliases, required=("unit_code",))
    assert streamed.headers == ["unit_code", "R1"]
    assert _rows(streamed) == _rows(read_table(data, "p.csv", aliases=aliases))
    assert _rows(stream_table(data, "p.csv", aliases=aliases))[-1][0] == 4


# An xlsx part by part as Excel writes it: shared strings (one with rich text runs and
# a phonetic guide), a prefixed namespace, a cell left out, a formula's cached value,
# and a gap between row numbers.
EXCEL_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "xl/workbook.xml": (
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="答卷" sheetId="1" r:id="rId7"/><sheet name="说明" sheetId="2" r:id="rId8"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
        '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/sharedStrings.xml": (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>unit_code</t></si><si><t>R1</t></si><si><t>S1</t></si>"
        "<si><t>YK-01</t></si><si><r><t>奏免</t></r><r><rPr><b/></rPr><t>丁钱</t></r>"
        '<rPh><t>ぴ</t></rPh></si><si><t xml:space="preserve"> AB </t></si></sst>'
    ),
    "xl/worksheets/sheet1.xml": (
        '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData>"
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C1" t="s"><x:v>2</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="s"><x:v>3</x:v></x:c><x:c r="B2" t="s"><x:v>4</x:v></x:c>'
        '<x:c r="C2"><x:f>2+3</x:f><x:v>5</x:v></x:c></x:row>'
        '<x:row r="5"><x:c r="A5" t="s"><x:v>3</x:v></x:c><x:c r="C5" t="s"><x:v>5</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ),
    "xl/worksheets/sheet2.xml": (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>说明</t></is></c></row></sheetData></worksheet>'
    ),
}


def _zip(parts) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_an_excel_file_with_shared_strings_reads_its_first_sheet():
    table = stream_table(_zip(EXCEL_PARTS), "p.xlsx")
    assert table.headers == ["unit_code", "R1", "S1"]
    assert _rows(table) == [
        (2, {"unit_code": "YK-01", "R1": "奏免丁钱", "S1": "5"}),
        (5, {"unit_code": "YK-01", "R1": "", "S1": "AB"}),
    ]
    assert len(table.rows) == 2


def test_a_document_type_declaration_is_refused():
    parts = dict(EXCEL_PARTS)
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&a;</t></si></sst>'
    )
    with pytest.raises(TableError, match="无法读取 xlsx 文件"):
        stream_table(_zip(parts), "p.xlsx")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"not a zip", "p.xlsx", "无法读取 xlsx 文件"),
        (b"", "p.csv", "文件是空的。"),
        (b"a,b\n1,2\n", "p.txt", "不支持的文件类型"),
        (b"R1\nA\n", "p.csv", "缺少必需的列：unit_code。"),
        (b"unit_code,R1,R1\nA,B,C\n", "p.csv", "列名重复：R1。"),
    ],
)
def test_unreadable_files_raise_table_error(data, filename, message):
    with pytest.raises(TableError, match=message):
        stream_table(data, filename, required=("unit_code",))
