"""Import limits: a small file declaring a huge sheet, and files past the size, row and
column limits, are read in bounded memory or refused with a clear message."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from tabular import streaming
from tabular.importing import import_file
from tabular.reading import TableError, read_table
from tabular.streaming import stream_table

MB = 1024 * 1024
ROOT = Path(settings.BASE_DIR)

CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
    'r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _xlsx(sheet_data: str, *, dimension: str = "A1") -> bytes:
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="{dimension}"/>'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


# The finding's file: 1.5 KB, a sheet declaring A1:XFD8000 with one cell, XFD8000.
# openpyxl pads the 7,999 rows before it and that row to the declared width: 131
# million cells, 15 s and 1.2 GB in every import.
BOMB = _xlsx(
    f'<row r="8000">{_inline("XFD8000", "username")}</row>', dimension="A1:XFD8000"
)


def _peak_memory(tmp_path, code: str, data: bytes, *, trace: bool) -> dict:
    """Run `code` (with `data` in the variable `data`) in a fresh interpreter with
    Django set up; it sets `result`, returned with what the code itself took: the
    growth of the peak RSS and, with `trace`, its peak of Python memory (tracemalloc,
    which makes the code several times slower), in MB. Django and Wagtail take about
    220 MB of RSS before any import starts, hence growth, not the total."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    script = (
        "import django, json, resource, tracemalloc\n"
        "django.setup()\n"
        "import tabular.importing, units.imports\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"{'tracemalloc.start()' if trace else ''}\n"
        f"{code}\n"
        "result['peak_mb'] = tracemalloc.get_traced_memory()[1] / 2**20\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "result['rss_growth_mb'] = (after - before) / 1024\n"
        "print(json.dumps(result))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a script of this test
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_declared_range_bomb_is_small_and_reads_in_bounded_memory(tmp_path):
    assert len(BOMB) < 1600
    result = _peak_memory(
        tmp_path,
        "from tabular.importing import import_file\n"
        "from units.imports import PersonImporter\n"
        "report = import_file(PersonImporter(), data=data, filename='b.xlsx',"
        " dry_run=True)\n"
        "result = {'errors': [e.message for e in report.errors]}",
        BOMB,
        trace=True,
    )
    assert result["errors"] == [
        "列数过多：第 8000 行第 XFD 列（第 16384 列）还有内容，最多 200 列。"
        "请删去无关的列后再导入。"
    ]
    assert result["peak_mb"] < 200, result
    assert result["rss_growth_mb"] < 200, result


def test_a_hundred_thousand_row_people_file_reads_under_500_mb(tmp_path):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["username", "name", "unit_code", "role", "email", "phone"])
    for i in range(100_000):
        sheet.append(
            [f"u{i:06d}", f"姓名{i}", "YK-GS-01", "", f"u{i}@example.com", "+86 138"]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    result = _peak_memory(
        tmp_path,
        "from tabular.reading import read_table\n"
        "table = read_table(data, 'p.xlsx')\n"
        "result = {'rows': len(table.rows), 'last': table.rows[-1].values}",
        buffer.getvalue(),
        trace=False,
    )
    assert result["rows"] == 100_000
    assert result["last"]["username"] == "u099999"
    assert result["rss_growth_mb"] < 500, result


def test_empty_cells_far_to_the_right_are_trimmed():
    data = _xlsx(
        f'<row r="1">{_inline("A1", "username")}<c r="XFD1" t="inlineStr"><is><t>'
        f'</t></is></c></row><row r="2">{_inline("A2", "li")}<c r="XFC2"/></row>'
        '<row r="1048576"><c r="XFD1048576"/></row>'
    )
    table = read_table(data, "t.xlsx")
    assert table.headers == ["username"]
    assert [(r.number, r.values) for r in table.rows] == [(2, {"username": "li"})]


def test_text_past_the_200th_column_is_refused():
    data = _xlsx(f'<row r="1">{_inline("A1", "username")}{_inline("GS1", "x")}</row>')
    with pytest.raises(TableError) as raised:
        read_table(data, "t.xlsx")
    assert str(raised.value) == (
        "列数过多：第 1 行第 GS 列（第 201 列）还有内容，最多 200 列。"
        "请删去无关的列后再导入。"
    )
    assert read_table(
        _xlsx(f'<row r="1">{_inline("GR1", "ok")}</row>'), "t.xlsx"
    ).headers == ["ok"]


def test_a_csv_with_text_past_the_200th_column_is_refused_and_trailing_commas_trimmed():
    wide = "username" + "," * 200 + "x\n"
    with pytest.raises(TableError, match="第 201 列"):
        read_table(wide.encode(), "t.csv")
    padded = "username" + "," * 5000 + "\nli" + "," * 5000 + "\n"
    assert [r.values for r in read_table(padded.encode(), "t.csv").rows] == [
        {"username": "li"}
    ]


@pytest.mark.parametrize("filename", ["t.csv", "t.xlsx"])
def test_more_data_rows_than_the_limit_are_refused(monkeypatch, filename):
    monkeypatch.setattr(streaming, "MAX_ROWS", 3)
    lines = ["username", "a", "b", "", "c"]
    if filename.endswith(".csv"):
        data = "\n".join(lines).encode()
    else:
        data = _xlsx(
            "".join(
                f'<row r="{n}">{_inline(f"A{n}", t)}</row>'
                for n, t in enumerate(lines, start=1)
                if t
            )
        )
    assert len(read_table(data, filename).rows) == 3  # a blank row does not count
    monkeypatch.setattr(streaming, "MAX_ROWS", 2)
    with pytest.raises(TableError) as raised:
        read_table(data, filename)
    assert str(raised.value) == "行数过多：超过 2 行数据。请拆分成几个文件分批导入。"


def test_a_file_expanding_past_the_size_limit_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(streaming, "MAX_UNCOMPRESSED_BYTES", MB)
    rows = "".join(
        f'<row r="{n}">{_inline(f"A{n}", f"name {n:07d}")}</row>'
        for n in range(1, 20_000)
    )
    with pytest.raises(TableError) as raised:
        read_table(_xlsx(rows), "t.xlsx")
    assert str(raised.value) == (
        "文件过大：解压后超过 1 MB。请删去无关的工作表和格式，"
        "或拆分成几个文件分批导入。"
    )
    with pytest.raises(TableError, match="文件过大"):
        read_table(b"username\n" + b"x\n" * MB, "t.csv")


def test_a_zip_bomb_is_refused_by_its_compression_ratio():
    # 10 MB of empty rows compress to about 10 KB: nothing a spreadsheet program writes.
    data = _xlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        + "<row/>" * (10 * MB // 6)
    )
    assert len(data) < 50_000
    with pytest.raises(TableError) as raised:
        stream_table(data, "t.xlsx")
    assert str(raised.value).startswith("文件压缩比异常（解压后是原来的 ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "importer",
    ["units", "people", "questions", "survey structure", "paper responses"],
)
def test_every_importer_reads_through_the_limited_reader(city, importer):
    """One wide file, five importers: each reports the reader's refusal."""
    data = _xlsx(f'<row r="1">{_inline("A1", "unit_code")}{_inline("HA1", "x")}</row>')
    if importer == "paper responses":
        from surveys.imports import paper_import
        from surveys.services import campaign_create, campaign_open
        from tests.surveys.conftest import make_survey

        campaign = campaign_open(
            campaign=campaign_create(survey=make_survey(), title="纸质", root_unit=city)
        )
        report = paper_import(
            campaign=campaign, data=data, filename="p.xlsx", dry_run=True
        )
    elif importer == "questions":
        from quizzes.imports import questions_import

        report = questions_import(data=data, filename="q.xlsx", dry_run=True)
    else:
        from surveys.imports import SurveyImporter
        from units.imports import PersonImporter, UnitImporter

        chosen = {
            "units": UnitImporter,
            "people": PersonImporter,
            "survey structure": SurveyImporter,
        }[importer]
        report = import_file(chosen(), data=data, filename="f.xlsx", dry_run=True)
    assert [str(e) for e in report.errors] == [
        "文件：列数过多：第 1 行第 HA 列（第 209 列）还有内容，最多 200 列。"
        "请删去无关的列后再导入。"
    ]
    assert not report.applied
