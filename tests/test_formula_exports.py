"""Text that looks like a formula is exported as text and imports back unchanged.

A learner can name themselves `=HYPERLINK(...)`; the administrator's people export must
carry those characters, never a live formula: in xlsx a text cell, in csv text behind an
apostrophe that the importers remove again.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from tabular.exporting import rows_to_csv, rows_to_xlsx
from tabular.importing import import_file
from tabular.reading import read_table
from tests.factories import make_person
from units.imports import PersonImporter
from units.models import Unit, User

LINK = '=HYPERLINK("http://example.com/steal","点击查看")'
PHONE = "+86 138 0000 0000"

TRICKY = [
    LINK,
    "+1+1",
    "-2",
    "@SUM(A1)",
    "#N/A",
    "'=already quoted",
    "''+two apostrophes",
    "'plain apostrophe",
    "普通文字",
]


def _xlsx_cells(data: bytes, sheet=None):
    book = load_workbook(io.BytesIO(data))
    return list((book[sheet] if sheet else book.worksheets[0]).iter_rows())


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def learner(city):
    person = make_person("xiaoli", unit=Unit.objects.get(code="YK-GS-01"))
    person.phone = PHONE
    person.save(update_fields=["phone"])
    return person


def test_a_name_set_on_the_profile_page_is_exported_as_text(
    client, admin_user, learner
):
    client.force_login(learner)
    response = client.post(
        "/accounts/profile/", {"full_name": LINK, "email": "", "phone": PHONE}
    )
    assert response.status_code == 302
    assert User.objects.get(username="xiaoli").full_name == LINK

    client.force_login(admin_user)
    xlsx = client.get("/admin/units/people/export/?format=xlsx").content
    rows = _xlsx_cells(xlsx)
    header = [c.value for c in rows[0]]
    cells = dict(
        zip(header, next(r for r in rows if r[0].value == "xiaoli"), strict=True)
    )
    assert cells["name"].value == LINK
    assert cells["name"].data_type == "s"
    assert cells["phone"].value == PHONE  # no apostrophe in front of +86
    sheet_xml = zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml
    assert b"<is><t>=HYPERLINK(" in sheet_xml  # an inline text cell

    csv_rows = _csv_rows(client.get("/admin/units/people/export/?format=csv").content)
    row = dict(
        zip(csv_rows[0], next(r for r in csv_rows if r[0] == "xiaoli"), strict=True)
    )
    assert row["name"] == "'" + LINK
    assert row["phone"] == "'" + PHONE


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_people_export_imports_back_unchanged(
    client, admin_user, learner, file_format
):
    unit = Unit.objects.get(code="YK-GS-02")
    for number, name in enumerate(TRICKY):
        person = make_person(f"p{number}", unit=unit)
        person.full_name, person.phone = name, PHONE
        person.save(update_fields=["full_name", "phone"])
    client.force_login(admin_user)
    data = client.get(f"/admin/units/people/export/?format={file_format}").content

    table = read_table(data, f"people.{file_format}")
    names = {r.get("username"): r.get("name") for r in table.rows}
    assert [names[f"p{n}"] for n in range(len(TRICKY))] == TRICKY
    assert {r.get("phone") for r in table.rows} == {PHONE}

    report = import_file(
        PersonImporter(), data=data, filename=f"people.{file_format}", dry_run=False
    )
    assert report.errors == []
    exported = User.objects.filter(is_superuser=False).count()
    assert (report.created, report.updated, report.unchanged) == (0, 0, exported)


def test_every_kind_of_formula_text_is_a_text_cell_in_xlsx():
    data = rows_to_xlsx([("sheet", ["=header"], [[t] for t in TRICKY] + [[-3, 1.5]])])
    cells = [row[0] for row in _xlsx_cells(data)]
    assert [(c.value, c.data_type) for c in cells[:2]] == [
        ("=header", "s"),
        (LINK, "s"),
    ]
    assert all(c.data_type == "s" for c in cells[:-1])
    assert (cells[-1].value, cells[-1].data_type) == (-3, "n")  # numbers stay numbers


def test_csv_cells_that_could_run_get_one_apostrophe_and_read_back_without_it():
    data = rows_to_csv(["=header"], [[t] for t in TRICKY] + [["\tTAB"], [-3]])
    written = [r[0] for r in _csv_rows(data)]
    assert written[:6] == [
        "'=header",
        "'" + LINK,
        "'+1+1",
        "'-2",
        "'@SUM(A1)",
        "#N/A",
    ]
    assert written[-2:] == ["'\tTAB", "-3"]  # the number -3 is a number, not text
    table = read_table(data, "t.csv")
    assert table.headers == ["=header"]
    assert [r.get("=header") for r in table.rows] == [*TRICKY, "\tTAB", "-3"]


def test_xlsx_text_reads_back_exactly_through_the_importers_reader():
    data = rows_to_xlsx([("sheet", ["h"], [[t] for t in TRICKY])])
    assert [r.get("h") for r in read_table(data, "t.xlsx").rows] == TRICKY


def test_the_question_bank_export_writes_a_formula_like_stem_as_text(
    client, admin_user
):
    from quizzes.models import Question

    Question.objects.create(code="Q-1", kind="single", stem=f"<p>{LINK}</p>")
    client.force_login(admin_user)
    response = client.get("/admin/quizzes/export/")
    assert response.status_code == 200
    rows = _xlsx_cells(response.content)
    stem = next(r for r in rows if r[0].value == "Q-1")[2]
    assert (stem.value, stem.data_type) == (LINK, "s")
