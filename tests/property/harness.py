"""Messy spreadsheets as people send them, and the all-or-nothing property every
importer must keep.

A table is drawn as a grid of cells (strings, numbers, or None for an empty cell) and
written as one of the formats the importers accept — UTF-8 csv, UTF-8 with BOM, GBK as
Excel in China saves it, or xlsx — padded the way Excel leaves files: empty rows above,
an empty column on the left, styled empty cells far to the right, blank rows between.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from hypothesis import event
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.styles import Font

# Characters a clerk's file holds: Chinese, ASCII, full-width digits and punctuation,
# separators the importers split on, quotes, the ideographic space. All of them are in
# GBK, so every table can also be written as GBK.
ALPHABET = (
    "清廉单元永康古山镇胡库村机关学校示范满意认知abcXYZ019０１９-_.|:：、，,'\" \u3000"
)
CONTROL = "\x07"  # refused by every importer (tabular.importing)
FORMATS = ("csv-utf8", "csv-bom", "csv-gbk", "xlsx")


def texts(min_size: int = 0, max_size: int = 10) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALPHABET, min_size=min_size, max_size=max_size)


def long_text(limit: int) -> st.SearchStrategy[str]:
    """Text just under, at and just over a column's length limit."""
    return st.sampled_from([limit - 1, limit, limit + 1, limit * 3]).map(
        lambda n: ("长文本" * n)[:n]
    )


def spaced(value: str) -> st.SearchStrategy[str]:
    """`value` as typed: as is, or with spaces (ASCII or ideographic) around it."""
    return st.sampled_from([value, f" {value} ", f"\u3000{value}", f"{value}\t"])


def full_width(text: str) -> str:
    return text.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})


@dataclass
class File:
    data: bytes
    filename: str
    # Spreadsheet row numbers (header = first row with text) of every row with text.
    rows: set[int]
    data_rows: int  # rows with text below the header


@st.composite
def spreadsheet(draw, header: list[str], body: list[list]) -> File:
    """`header` and `body` written in a drawn format with drawn padding."""
    fmt = draw(st.sampled_from(FORMATS))
    top = draw(st.integers(0, 2))  # empty rows above the header
    left = draw(st.integers(0, 1))  # an empty column on the left
    grid: list[list] = [list(header)]
    for cells in body:
        if draw(st.integers(0, 7)) == 0:
            grid.append([])  # a blank row between data rows: skipped, still numbered
        grid.append(list(cells))
    grid += [[]] * draw(st.integers(0, 2))  # blank rows Excel leaves at the end
    rows = set()
    for index, cells in enumerate(grid, start=top + 1):
        if any(c is not None and str(c).strip() for c in cells):
            rows.add(index)
    data_rows = sum(
        1 for cells in grid[1:] if any(c is not None and str(c).strip() for c in cells)
    )
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        for index, cells in enumerate(grid, start=top + 1):
            for column, value in enumerate(cells, start=left + 1):
                if isinstance(value, str):
                    # openpyxl cannot write control characters; csv carries them.
                    value = value.replace(CONTROL, "")
                if value is not None:
                    sheet.cell(row=index, column=column, value=value)
        # A styled empty cell far to the right and below, as Excel leaves after a
        # deleted column: the declared range grows, the data does not.
        sheet.cell(row=top + len(grid) + 3, column=60).font = Font(bold=True)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return File(buffer.getvalue(), "表格.xlsx", rows, data_rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for _ in range(top):
        writer.writerow([])
    for cells in grid:
        if not cells:
            writer.writerow([])
            continue
        padding = [""] * draw(st.integers(0, 3))  # trailing empty columns
        writer.writerow(
            [""] * left + ["" if c is None else str(c) for c in cells] + padding
        )
    text = buffer.getvalue()
    encoded = {
        "csv-utf8": lambda: text.encode("utf-8"),
        "csv-bom": lambda: ("\ufeff" + text).encode("utf-8"),
        "csv-gbk": lambda: text.encode("gbk"),
    }[fmt]()
    return File(encoded, "表格.csv", rows, data_rows)


def csv_file(header: list[str], body: list[list]) -> File:
    """A plain UTF-8 csv of `header` and `body`, for @example regressions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in [header, *body]:
        writer.writerow(["" if c is None else str(c) for c in cells])
    return File(
        buffer.getvalue().encode("utf-8"),
        "表格.csv",
        set(range(1, len(body) + 2)),
        len(body),
    )


def table_counts() -> dict[str, int]:
    """Row count of every table of every installed model, in one query."""
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
        & set(connection.introspection.table_names())
    )
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT '{t}', COUNT(*) FROM {quote(t)}"  # noqa: S608 - names from the models
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


@contextlib.contextmanager
def rolled_back():
    """Run one example inside a transaction that is always undone, so every example
    starts from the fixtures' state."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_within_lengths(*models) -> None:
    """No stored text is longer than its column: PostgreSQL enforces that, SQLite does
    not, so this makes an unchecked length fail on both."""
    from django.db.models import CharField
    from django.db.models.functions import Length

    for model in models:
        for field in model._meta.get_fields():
            if isinstance(field, CharField) and field.max_length and field.concrete:
                too_long = model.objects.annotate(_n=Length(field.name)).filter(
                    _n__gt=field.max_length
                )
                assert not too_long.exists(), (model.__name__, field.name)


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple]:
    return {t: (before[t], after[t]) for t in before if before[t] != after[t]}


def assert_all_or_nothing(report, file: File, before: dict[str, int]) -> bool:
    """The importers' contract. Returns whether the file was applied.

    Applied: no error at all. Refused: not a row changed in any table, at least one
    error, each with a reason, at least one naming a row, and every row it names a
    row of the file that has text."""
    after = table_counts()
    event("applied" if report.applied else "refused")
    if report.applied:
        assert report.ok, report.errors
        return True
    assert not changed(before, after), changed(before, after)
    assert report.errors, "refused without a reason"
    for error in report.errors:
        assert str(error.message).strip(), error
    named = [e.row for e in report.errors if e.row]
    assert named, [str(e) for e in report.errors]
    assert set(named) <= file.rows, (sorted(set(named) - file.rows), file.rows)
    return False
